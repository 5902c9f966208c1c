// The published package, as a user gets it: packed, installed into an empty folder, then looked
// at by attw and publint, compiled against under every module resolution with TypeScript's
// strictest options, and used from an ES module and from CommonJS on Node 20 and Node 22.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { describeOnNode22 } from './package/node22';
import { lintPackage, type PackageLint } from './package/packageLint';
import { RUNTIME_CONSUMERS } from './package/runtimeConsumers';
import { RESOLUTION_MODES, typeCheck, type ResolutionMode } from './package/typedConsumers';
import { bytesOf, weighPages, type PageName, type PageWeight } from './support/pageBundles';

const root = resolve(__dirname, '..');
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' } });

/** What `npm pack --json` says of the tarball. */
interface Packed {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly entryCount: number;
  readonly files: readonly { readonly path: string; readonly size: number }[];
}

/** The entry points, and where their types are in each format's build. */
const ENTRY_TYPES = { '.': 'index.d.ts', './provider': 'provider.d.ts', './redis': 'redis/index.d.ts', './hub': 'hub/index.d.ts', './testing': 'testing/index.d.ts' };

/** The builds each resolution's program reads the package's types from, the entry files it must reach, and one it must not. */
const PROGRAM_FILES: Record<ResolutionMode, { readonly builds: string[]; readonly entries: string[]; readonly unread?: string }> = {
  node10: { builds: ['dist/cjs'], entries: Object.values(ENTRY_TYPES).map((file) => `dist/cjs/${file}`) },
  node16: { builds: ['dist/cjs', 'dist/esm'], entries: ['cjs', 'esm'].flatMap((format) => Object.values(ENTRY_TYPES).map((file) => `dist/${format}/${file}`)) },
  // The browser condition: the main entry is the portable build, not index.d.ts (which adds the Node-only adapters).
  bundler: { builds: ['dist/esm'], entries: Object.values({ ...ENTRY_TYPES, '.': 'portable.d.ts' }).map((file) => `dist/esm/${file}`), unread: 'dist/esm/index.d.ts' },
};

/** Names that say test, bench or fixture. */
const TEST_LIKE = /spec|bench|\.test\.|fixture/i;
/**
 * What matches them and is meant to ship: the fake server's `TaskSpec` module (a module named after
 * its export, in src/testing and its builds) and the benchmark report of the docs.
 */
const MEANT_TO_SHIP = /^(?:src|dist\/(?:esm|cjs))\/testing\/tasks\/taskSpec\.(?:ts|js|d\.ts)(?:\.map)?$|^docs\/benchmarks(?:\.md|\/[^/]+\.svg)$/;
/**
 * The largest file shipped is about 28 KiB (docs/reliability.md; the largest module and its builds
 * are under 25 KiB). Over twice that leaves room to grow; a file past it is a bundle, a capture or a log
 * that was never meant to ship.
 */
const MAX_FILE_BYTES = 64 * 1024;

/**
 * The goals of issue 19, and what the suite holds the pages to until they are met. A page on the hub
 * was 16.0 KB gzipped when the goal of 12 KB was set beside it; a page on one provider, 2.6 times
 * the hand-written loop. What they hold is the library's own work (the scheduler, the budget, the
 * redactor, typed errors, argument checks, the hub client's reconnection): docs/benchmarks.md.
 */
const HUB_PAGE_GOAL_BYTES = 12 * 1024;
const HUB_PAGE_GUARD_BYTES = 15.2 * 1024;
const DIRECT_PAGE_GOAL_RATIO = 2;
const DIRECT_PAGE_GUARD_RATIO = 2.7;

describe('the packed package', () => {
  let work: string;
  let packed: Packed;
  let installed: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'rx-task-status-pack-'));
    // npm pack runs prepack (the build); with --json, the scripts' output goes to stderr.
    [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], root)) as [Packed];
    console.log(`npm pack: ${packed.filename}, ${packed.entryCount} files, ${packed.size} bytes packed, ${packed.unpackedSize} bytes unpacked`);
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', `./${packed.filename}`], work);
    installed = join(work, 'node_modules', 'rx-task-status');
    for (const { file, code } of RUNTIME_CONSUMERS) writeFileSync(join(work, file), code);
  }, 240_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  describe('to linters', () => {
    let lint: PackageLint;
    beforeAll(() => {
      lint = lintPackage({ root, tarball: join(work, packed.filename), pkgDir: installed });
    }, 60_000);

    it('has types for every entry point under node10, node16 (from CommonJS and from ES modules) and bundler, and no problem, says attw', () => {
      expect(lint.problems).toEqual([]);
      const expected = Object.fromEntries(
        Object.entries(ENTRY_TYPES).map(([entry, file]) => {
          const [cjs, esm] = [`dist/cjs/${file}`, `dist/esm/${file}`];
          return [entry, { node10: cjs, 'node16-cjs': cjs, 'node16-esm': esm, bundler: esm }];
        }),
      );
      const json = { node10: 'package.json', 'node16-cjs': 'package.json', 'node16-esm': 'package.json', bundler: 'package.json' };
      expect(lint.types).toEqual({ ...expected, './package.json': json });
    });

    // publint's one suggestion is about the `browser` field that swaps the default fetch for the page's own. Its
    // alternative, an `imports` entry with a browser condition, needs that entry in dist/esm and dist/cjs's own
    // package.json too and a CommonJS build resolved as node16; the field is what every bundler reads, with no build change.
    it('has no error or warning from publint in strict mode, and no suggestion but the one about the browser field', () => {
      expect(lint.publint).toEqual([expect.stringMatching(/^suggestion USE_EXPORTS_OR_IMPORTS_BROWSER: /)]);
    });
  });

  describe('to TypeScript, strict, with exactOptionalPropertyTypes, noUncheckedIndexedAccess and verbatimModuleSyntax, without skipLibCheck', () => {
    it.each(RESOLUTION_MODES)('compiles a consumer of every entry point, and its own declarations, under %s resolution', (mode) => {
      const { errors, packageFiles } = typeCheck(work, mode, join(root, 'node_modules/@types'));
      expect(errors).toEqual([]);
      expect(packageFiles).toEqual(expect.arrayContaining(PROGRAM_FILES[mode].entries));
      expect(packageFiles).not.toContain(PROGRAM_FILES[mode].unread);
      expect([...new Set(packageFiles.map((file) => file.split('/').slice(0, 2).join('/')))].sort()).toEqual(PROGRAM_FILES[mode].builds);
    });
  });

  const runConsumers = (node: string) =>
    it.each(RUNTIME_CONSUMERS)('lets $entry be used from $format', ({ file, expected }) => {
      const output = execFileSync(node, [file], { cwd: work, encoding: 'utf8', timeout: 20_000 });
      expect(JSON.parse(output)).toEqual(expected);
    });

  describe(`run by the Node that runs the tests (${process.version})`, () => {
    runConsumers(process.execPath);
  });

  describeOnNode22('run by Node 22', (node22) => {
    it('is Node 22', () => {
      const version = execFileSync(node22, ['--version'], { encoding: 'utf8' }).trim();
      console.log(`Node 22 runs the consumers: ${version} (${node22})`);
      expect(version).toMatch(/^v22\./);
    });
    runConsumers(node22);
  });

  it('gives browser bundlers the portable build: no Node builtin, no stream adapter', async () => {
    writeFileSync(join(work, 'browser.mjs'), "import { combineTasks, streamTasks, whenDocumentHidden } from 'rx-task-status';\nexport const used = [combineTasks, streamTasks, whenDocumentHidden];\n");
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const { metafile } = await build({
      entryPoints: [join(work, 'browser.mjs')],
      absWorkingDir: work,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
      external: [...builtins],
    });
    const inputs = Object.keys(metafile.inputs);
    expect(inputs).toContain('node_modules/rx-task-status/dist/esm/portable.js');
    expect(inputs.filter((input) => /rx-task-status\/dist\/(cjs\/|esm\/index\.js|esm\/testing\/|esm\/adapters\/(toReadable|toNdjson)\.js)/.test(input))).toEqual([]);
    expect(Object.values(metafile.inputs).flatMap(({ imports }) => imports.map(({ path }) => path)).filter((path) => builtins.has(path))).toEqual([]);
  });

  describe('in browser pages (spec/browser/fixtures, bundled from the installed package with esbuild, minified)', () => {
    let pages: Map<PageName, PageWeight>;
    const page = (name: PageName): PageWeight => {
      const weight = pages.get(name);
      if (weight === undefined) throw new Error(`${name} was not weighed`);
      return weight;
    };
    /** The package's own modules in a page, as paths under dist/esm. */
    const ours = (name: PageName) => [...page(name).modules.keys()].filter((path) => path.startsWith('rx-task-status/')).map((path) => path.replace('rx-task-status/dist/esm/', ''));

    beforeAll(async () => {
      pages = await weighPages(work);
      const kb = (bytes: number) => (bytes / 1024).toFixed(1);
      const hand = page('handWrittenPage').gzipped;
      console.log(
        [
          'Page bundles from the installed package (esbuild, minified; gzipped):',
          ...[...pages.values()].map(
            (weight) =>
              `  ${weight.page}: ${weight.minified} B, ${weight.gzipped} B = ${kb(weight.gzipped)} KB gzipped, ${(weight.gzipped / hand).toFixed(2)}× the hand-written loop` +
              ` (minified: rxjs ${bytesOf(weight, /^(rxjs|tslib)\//)} B, io-ts + fp-ts ${bytesOf(weight, /^(io-ts|fp-ts)\//)} B, rx-task-status ${bytesOf(weight, /^rx-task-status\//)} B)`,
          ),
        ].join('\n'),
      );
    }, 60_000);

    it(`keep a page on the hub under ${HUB_PAGE_GUARD_BYTES / 1024} KB gzipped (the goal is ${HUB_PAGE_GOAL_BYTES / 1024} KB), with no provider, codec library or fetch in it`, () => {
      expect(page('hubPage').gzipped).toBeLessThanOrEqual(HUB_PAGE_GUARD_BYTES);
      expect(ours('hubPage')).toContain('hubClient/hubConnection.js');
      expect(ours('hubPage').filter((path) => path.startsWith('providers/'))).toEqual([]);
      expect([...page('hubPage').modules.keys()].filter((path) => /^(io-ts|fp-ts|jose|cross-fetch)\//.test(path))).toEqual([]);
    });

    it(`keep a page on one provider within ${DIRECT_PAGE_GUARD_RATIO}× the same loop written by hand with rxjs and io-ts (the goal is ${DIRECT_PAGE_GOAL_RATIO}×)`, () => {
      const hand = page('handWrittenPage').gzipped;
      expect(page('postmanPage').gzipped / hand).toBeLessThanOrEqual(DIRECT_PAGE_GUARD_RATIO);
      expect(page('streamPage').gzipped / hand).toBeLessThanOrEqual(DIRECT_PAGE_GUARD_RATIO);
    });

    it('hold only the provider a page imports', () => {
      expect(ours('postmanPage').filter((path) => path.startsWith('providers/')).sort()).toEqual(['providers/codecs.js', 'providers/postman.js', 'providers/postmanCodecs.js']);
      // The Stream page gives a token of its back end's; signing one (apiSecret) is 0.3 KB of WebCrypto, not a JWT library.
      expect(ours('streamPage').filter((path) => path.startsWith('providers/')).sort()).toEqual(['providers/codecs.js', 'providers/signHs256.js', 'providers/stream.js', 'providers/streamCodecs.js']);
    });

    it('hold no fetch of a library (the page has its own), no JWT library, and one copy of fp-ts', () => {
      for (const name of ['hubPage', 'postmanPage', 'streamPage'] as const) {
        const modules = [...page(name).modules.keys()];
        expect(modules.filter((path) => /^(cross-fetch|node-fetch|whatwg-fetch|jose)\//.test(path) || path.endsWith('core/defaultFetch.js'))).toEqual([]);
        expect(new Set(modules.filter((path) => path.startsWith('fp-ts/')).map((path) => path.split('/')[1])).size).toBeLessThanOrEqual(1);
      }
      expect(ours('postmanPage')).toContain('core/defaultFetch.browser.js');
    });
  });

  // Stack traces of a user's process lead to the TypeScript of the package: its sources ship beside the maps.
  it.each([
    ['CommonJS', 'trace.cjs', "const { postmanTasks } = require('rx-task-status');"],
    ['an ES module', 'trace.mjs', "import { postmanTasks } from 'rx-task-status';"],
  ])('shows the package\'s TypeScript in stack traces from %s, under --enable-source-maps', (_format, file, importLine) => {
    writeFileSync(join(work, file), `${importLine}\ntry { postmanTasks({ apiKey: 42 }); } catch (error) { console.log(error.stack.split('\\n').slice(0, 3).join('\\n')); }\n`);
    const stack = execFileSync(process.execPath, ['--enable-source-maps', file], { cwd: work, encoding: 'utf8' });
    expect(stack).toMatch(/^TypeError: Expected `apiKey`/);
    expect(stack).toMatch(/node_modules\/rx-task-status\/src\/core\/validate\.ts:\d+:\d+/);
    expect(stack).not.toMatch(/rx-task-status\/dist\//);
  });

  describe('files', () => {
    const paths = () => packed.files.map(({ path }) => path);

    it('are the build, its TypeScript sources, the docs and examples, the README and the licence', () => {
      expect([...new Set(paths().map((path) => path.split('/')[0]))].sort()).toEqual(['LICENSE', 'README.md', 'dist', 'docs', 'examples', 'package.json', 'src']);
      expect(paths()).toEqual(
        expect.arrayContaining(['dist/esm/package.json', 'dist/cjs/package.json', 'dist/esm/index.js', 'dist/cjs/index.js', 'dist/esm/index.d.ts', 'dist/cjs/index.d.ts', 'src/index.ts']),
      );
    });

    it('hold no test, bench or fixture and no build info', () => {
      expect(paths().filter((path) => TEST_LIKE.test(path) && !MEANT_TO_SHIP.test(path))).toEqual([]);
      expect(paths().filter((path) => path.endsWith('.tsbuildinfo'))).toEqual([]);
    });

    it(`are each at most ${MAX_FILE_BYTES / 1024} KiB`, () => {
      expect(packed.files.filter(({ size }) => size > MAX_FILE_BYTES).map(({ path, size }) => `${path}: ${size} bytes`)).toEqual([]);
    });

    it('include the sources their source maps and declaration maps name', () => {
      const maps = paths().filter((path) => path.endsWith('.map'));
      expect(maps).toEqual(expect.arrayContaining(['dist/esm/index.js.map', 'dist/cjs/index.d.ts.map']));
      const missing = maps.flatMap((map) => {
        const { sources, sourceRoot = '' } = JSON.parse(readFileSync(join(installed, map), 'utf8')) as { sources: string[]; sourceRoot?: string };
        if (sources.length === 0) return [`${map}: names no source`];
        const inPackage = (path: string) => path.startsWith(`${installed}/`) && existsSync(path);
        return sources.filter((source) => !inPackage(resolve(installed, dirname(map), sourceRoot, source))).map((source) => `${map}: ${source}`);
      });
      expect(missing).toEqual([]);
    });
  });
});
