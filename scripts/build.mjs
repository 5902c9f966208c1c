// Builds the package twice with plain tsc: ESM to dist/esm, CommonJS to dist/cjs.
// Each folder gets a package.json naming its module type, so Node reads the
// `.js` files in it correctly whatever the root package.json says. Bundlers
// read `sideEffects` from the nearest package.json too: without it there, a
// page that imports one provider carried the others and every unused module.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (...args) => execFileSync(process.execPath, [tsc, ...args], { stdio: 'inherit' });

rmSync('dist', { recursive: true, force: true });
run('-p', 'tsconfig.build.json');
run('-p', 'tsconfig.build.json', '--module', 'commonjs', '--moduleResolution', 'node10', '--outDir', 'dist/cjs');
for (const [folder, type] of [['dist/esm', 'module'], ['dist/cjs', 'commonjs']]) {
  mkdirSync(folder, { recursive: true });
  writeFileSync(`${folder}/package.json`, `${JSON.stringify({ type, sideEffects: false }, null, 2)}\n`);
}
