// The package as two linters see it: @arethetypeswrong/core (what `attw` runs) on the packed
// tarball, publint on the installed package folder. Both are ES modules only, which Jest (running
// the specs as CommonJS) cannot load: they run in a child Node, which prints what they found.
import { execFileSync } from 'node:child_process';

export interface PackageLint {
  /** attw: each problem as `kind: title — the problem as data` (its entry point, resolution or files). */
  readonly problems: string[];
  /** attw: per entry point, per resolution, the file it resolves to for TypeScript (relative to the package), or null. */
  readonly types: Record<string, Record<string, string | null>>;
  /** publint, with suggestions and strict: each message as `type CODE: text`. */
  readonly publint: string[];
}

const LINT = `
import { readFileSync } from 'node:fs';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import { problemKindInfo } from '@arethetypeswrong/core/problems';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const [tarball, pkgDir] = process.argv.slice(1);
const analysis = await checkPackage(createPackageFromTarballData(new Uint8Array(readFileSync(tarball))));
if (!analysis.types) throw new Error('attw found no types in the package');
const problems = analysis.problems.map((problem) => problem.kind + ': ' + problemKindInfo[problem.kind].title + ' — ' + JSON.stringify(problem));
const inPackage = (fileName) => fileName.replace(/^\\/node_modules\\/[^/]+\\//, '');
const types = Object.fromEntries(Object.entries(analysis.entrypoints).map(([subpath, { resolutions }]) =>
  [subpath, Object.fromEntries(Object.entries(resolutions).map(([kind, { resolution }]) => [kind, resolution ? inPackage(resolution.fileName) : null]))]));

// pack: false reads the folder as it is: an installed package holds exactly what was published.
const pkg = JSON.parse(readFileSync(pkgDir + '/package.json', 'utf8'));
const { messages } = await publint({ pkgDir, pack: false, level: 'suggestion', strict: true });
const lint = messages.map((message) => message.type + ' ' + message.code + ': ' + formatMessage(message, pkg, { color: false }));
process.stdout.write(JSON.stringify({ problems, types, publint: lint }));
`;

/** Runs attw on `tarball` and publint on `pkgDir`, from `root` (whose node_modules hold both). */
export function lintPackage({ root, tarball, pkgDir }: { root: string; tarball: string; pkgDir: string }): PackageLint {
  const output = execFileSync(process.execPath, ['--input-type=module', '--eval', LINT, tarball, pkgDir], { cwd: root, encoding: 'utf8' });
  return JSON.parse(output) as PackageLint;
}
