import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The version in this package's package.json, found by walking up from the
 * running script (`dist/cjs/cli/bin.js` as installed, linked from
 * `node_modules/.bin`, or `src/cli/bin.ts` from a clone). The same code runs as
 * CommonJS and as an ES module, so it cannot lean on `__dirname` or
 * `import.meta`. `undefined` when no such package.json is found.
 */
export function packageVersion(script: string | undefined): string | undefined {
  if (script === undefined) return undefined;
  let folder: string;
  try {
    folder = dirname(realpathSync(script));
  } catch {
    return undefined;
  }
  for (;;) {
    const found = versionIn(join(folder, 'package.json'));
    if (found !== undefined) return found;
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
}

function versionIn(file: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
    // dist/cjs and dist/esm hold a package.json of their own (their module type only): not ours.
    return manifest.name === 'rx-task-status' && typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}
