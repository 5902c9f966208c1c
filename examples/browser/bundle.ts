// Bundles the example page as a browser bundler would: platform 'browser', the
// 'browser' export condition, and 'rx-task-status' resolved through the
// package's own exports map (then from dist/ to the sources, so no build is
// needed). The metafile then tells whether a Node-only module got in, and
// nodeGlobals.ts whether the code uses a Node-only global (`process`, `Buffer`…).
import { build, type Metafile, type Plugin } from 'esbuild';
import { copyFileSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const CONDITIONS = ['browser', 'import', 'default'];
const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
/** Source files that only make sense in Node: the testing server and the node:stream adapters. */
const NODE_ONLY_SOURCES = [/^src\/testing\//, /^src\/adapters\/toReadable\.ts$/, /^src\/adapters\/toNdjson\.ts$/];

export interface ExampleBundle {
  /** The folder holding index.html and main.js. */
  readonly outDir: string;
  /** The path of main.js, the bundle itself. */
  readonly file: string;
  readonly metafile: Metafile;
  /** Size of main.js in bytes. */
  readonly bytes: number;
}

/**
 * Bundles examples/browser/main.ts (or `entry`) into `outDir`, beside a copy
 * of index.html; `minify` as for production (no source map then), to weigh it.
 */
export async function bundleExample(outDir: string, entry = join(__dirname, 'main.ts'), { minify = false }: { readonly minify?: boolean } = {}): Promise<ExampleBundle> {
  const result = await build({
    entryPoints: { main: entry },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    target: 'es2022',
    minify,
    sourcemap: !minify,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: root,
    // Keep Node builtins out of the bundle but in the metafile, so the check can name them.
    external: [...NODE_BUILTINS],
    plugins: [packageFromSources()],
  });
  copyFileSync(join(__dirname, 'index.html'), join(outDir, 'index.html'));
  const output = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('main.js'));
  return { outDir, file: join(outDir, 'main.js'), metafile: result.metafile, bytes: output?.[1].bytes ?? 0 };
}

/** The source files whose code is in the bundle, with their minified or plain bytes in it, largest first (the parsed ones that tree-shaking dropped left out). */
export function bundledModules({ metafile }: Pick<ExampleBundle, 'metafile'>): [path: string, bytes: number][] {
  const output = Object.entries(metafile.outputs).find(([file]) => file.endsWith('main.js'))?.[1];
  return Object.entries(output?.inputs ?? {})
    .map(([path, { bytesInOutput }]): [string, number] => [path, bytesInOutput])
    .filter(([, bytes]) => bytes > 0)
    .sort((a, b) => b[1] - a[1]);
}

/**
 * What a browser bundle must not contain: every Node builtin it imports and
 * every Node-only source file it includes, as `importer -> module` or a path.
 */
export function nodeOnlyModules(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const [input, { imports }] of Object.entries(metafile.inputs)) {
    if (NODE_ONLY_SOURCES.some((pattern) => pattern.test(input))) found.add(input);
    for (const { path } of imports) if (NODE_BUILTINS.has(path)) found.add(`${input} -> ${path}`);
  }
  return [...found].sort();
}

/**
 * Resolves 'rx-task-status' with the package.json exports map and the bundle's
 * conditions, as a bundler does for an installed package, then maps the
 * `dist/esm/*.js` file it names to `src/*.ts`.
 */
export function packageFromSources(): Plugin {
  return {
    name: 'rx-task-status-from-sources',
    setup(esbuild) {
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; browser?: Record<string, string> };
      // The `browser` field's file swaps, read as a bundler reads them for dist/esm, applied to the sources they were built from.
      const swaps = new Map(
        Object.entries(manifest.browser ?? {}).flatMap(([from, to]) => {
          const [source, replacement] = [from, to].map((path) => /^\.\/dist\/esm\/(.+)\.js$/.exec(path)?.[1]);
          return source === undefined || replacement === undefined ? [] : [[join(root, 'src', `${source}.ts`), join(root, 'src', `${replacement}.ts`)] as const];
        }),
      );
      esbuild.onResolve({ filter: /^\.\.?\// }, ({ path, resolveDir }) => {
        const swapped = swaps.get(join(resolveDir, path).replace(/\.js$/, '.ts'));
        return swapped === undefined ? undefined : { path: swapped };
      });
      esbuild.onResolve({ filter: /^rx-task-status$/ }, () => {
        const target = pickCondition(manifest.exports['.']);
        const source = /^\.\/dist\/esm\/(.+)\.js$/.exec(target ?? '');
        if (source === null) return { errors: [{ text: `package.json exports "." resolves to ${String(target)} for ${CONDITIONS.join('/')}, not to a file of dist/esm` }] };
        return { path: join(root, 'src', `${source[1]}.ts`) };
      });
    },
  };
}

/** Walks a conditional export in its key order, taking the first condition the bundle has. */
function pickCondition(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (typeof entry !== 'object' || entry === null) return undefined;
  for (const [condition, value] of Object.entries(entry)) {
    if (CONDITIONS.includes(condition)) return pickCondition(value);
  }
  return undefined;
}
