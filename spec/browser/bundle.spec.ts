// The browser bundles: what a bundler makes of 'rx-task-status' with the
// 'browser' condition must hold nothing Node-only, neither a module (the
// metafile tells) nor a global (the code tells); a page that reads its tasks
// from a task hub holds no provider code, and stays within its size budget.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundledModules, bundleExample, nodeOnlyModules, type ExampleBundle } from '../../examples/browser/bundle';
import { codeOnly, nodeGlobalUses } from '../../examples/browser/nodeGlobals';

/**
 * The most a page that follows tasks through a hub (hubTasks, combineTasks,
 * waitForTask; minified) may weigh, gzipped: a guard against growth. The
 * goal is 12 KB (issues 16 and 19), not met yet (15.6 KB, 2026-12-07; 14.3 KB
 * before issue 17 gave every source `events`, the hub client its signs of
 * life for `withTimeout({ stalled })`, and `waitForTask` its
 * TaskIncompleteError): RxJS's core is about 3.8 KB gzipped, the core's
 * validation, state and error code 3.7 KB, the hub client 5 KB; getting
 * under 12 KB means slimming those, which the package work of issue 19
 * takes on.
 */
const HUB_PAGE_BUDGET_BYTES = 16 * 1024;

/** Modules only a direct source brings: the providers, their codecs and what they import. */
const PROVIDER_MODULES = [/^src\/providers\//, /node_modules\/(io-ts|fp-ts|jose|cross-fetch)\//, /^src\/core\/(pollLoop|http|requestScheduler|decodeBody)\.ts$/];
/** Text only a provider's code holds: its endpoints and headers, matched without regard to case (not `x-api-key`: the redactor knows that one). */
const PROVIDER_TEXT = ['collection-merges-tasks', 'collection-updates-tasks', 'taskqueue', 'stream-auth-type', 'api.getpostman.com'];

/** What of a bundle is provider code: its modules, and the provider text found in its code. */
function providerCode(bundle: ExampleBundle): string[] {
  const code = readFileSync(bundle.file, 'utf8').toLowerCase();
  return [
    ...bundledModules(bundle)
      .map(([path]) => path)
      .filter((path) => PROVIDER_MODULES.some((pattern) => pattern.test(path))),
    ...PROVIDER_TEXT.filter((text) => code.includes(text)),
  ];
}

describe('the browser bundle of the example page', () => {
  let folder: string;
  const root = resolve(__dirname, '../..');

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'rx-task-status-bundle-'));
  });

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('resolves rx-task-status to the portable entry and pulls in no Node builtin, no testing server, no stream adapter and no provider code', async () => {
    const bundle = await bundleExample(join(folder, 'page'));
    const inputs = Object.keys(bundle.metafile.inputs);
    expect(inputs).toContain('src/portable.ts');
    expect(inputs).not.toContain('src/index.ts');
    expect(nodeOnlyModules(bundle.metafile)).toEqual([]);
    expect(nodeGlobalUses(readFileSync(bundle.file, 'utf8'))).toEqual([]);
    // The page reads its tasks from the hub: the providers, their keys' headers and their libraries stay on the server.
    expect(bundledModules(bundle).map(([path]) => path)).toContain('src/hubClient/hubTasks.ts');
    expect(providerCode(bundle)).toEqual([]);
    expect(readFileSync(join(folder, 'page', 'index.html'), 'utf8')).toContain('src="./main.js"');
  });

  it(`keeps a page that follows tasks through a hub within ${HUB_PAGE_BUDGET_BYTES / 1024} KB gzipped, with no provider code and no Node import`, async () => {
    const bundle = await bundleExample(join(folder, 'hub-page'), join(__dirname, 'fixtures/hubPage.ts'), { minify: true });
    const code = readFileSync(bundle.file);
    const gzipped = gzipSync(code).length;
    const modules = bundledModules(bundle);
    const by = (pattern: RegExp) => modules.filter(([path]) => pattern.test(path)).reduce((sum, [, bytes]) => sum + bytes, 0);
    console.log(
      [
        `A page on hubTasks + combineTasks + waitForTask, minified: ${code.length} B, gzipped: ${gzipped} B = ${(gzipped / 1024).toFixed(1)} KB (budget ${HUB_PAGE_BUDGET_BYTES / 1024} KB).`,
        `Minified bytes by origin: rxjs ${by(/node_modules\/rxjs\//)}, tslib ${by(/node_modules\/tslib\//)}, src/hubClient ${by(/^src\/hubClient\//)}, src/core ${by(/^src\/core\//)}, src/operators ${by(/^src\/operators\//)}, src/adapters ${by(/^src\/adapters\//)}.`,
        `Largest modules: ${modules
          .slice(0, 8)
          .map(([path, bytes]) => `${path.replace('node_modules/rxjs/dist/esm5/internal/', 'rxjs/')} ${bytes}`)
          .join(', ')}.`,
      ].join('\n'),
    );
    expect(gzipped).toBeLessThanOrEqual(HUB_PAGE_BUDGET_BYTES);
    expect(providerCode(bundle)).toEqual([]);
    expect(nodeOnlyModules(bundle.metafile)).toEqual([]);
    expect(nodeGlobalUses(code.toString('utf8'))).toEqual([]);
    // RxJS's `from` machinery (of, startWith, concat) is not needed to read a hub: kept out, it saves 2.5 KB gzipped.
    expect(modules.map(([path]) => path).filter((path) => /rxjs\/.*\/(innerFrom|scheduled|concat)\.js$/.test(path))).toEqual([]);
  });

  it('would catch provider code: a page on direct sources holds it, with the browser builds of their libraries', async () => {
    const direct = await bundleExample(join(folder, 'direct'), join(root, 'src/portable.ts'));
    expect(providerCode(direct)).toEqual(expect.arrayContaining(['src/providers/postman.ts', 'src/providers/mobizon.ts', 'src/providers/stream.ts', ...PROVIDER_TEXT]));
    expect(nodeOnlyModules(direct.metafile)).toEqual([]);
    const inputs = Object.keys(direct.metafile.inputs);
    // cross-fetch's `browser` field: the ponyfill that hands over the page's own fetch.
    expect(inputs.filter((input) => input.includes('cross-fetch/'))).toEqual([expect.stringMatching(/node_modules\/cross-fetch\/dist\/browser-ponyfill\.js$/)]);
    expect(inputs.filter((input) => input.includes('jose/'))).not.toContainEqual(expect.stringContaining('jose/dist/node'));
  });

  it('would catch a Node-only module: the Node entry and the testing kit are flagged', async () => {
    const nodeEntry = await bundleExample(join(folder, 'node-entry'), join(root, 'src/index.ts'));
    expect(nodeOnlyModules(nodeEntry.metafile)).toEqual(
      expect.arrayContaining(['src/adapters/toReadable.ts', 'src/adapters/toReadable.ts -> node:stream', 'src/adapters/toNdjson.ts']),
    );
    const testingKit = await bundleExample(join(folder, 'testing'), join(root, 'src/testing/index.ts'));
    expect(nodeOnlyModules(testingKit.metafile)).toEqual(
      expect.arrayContaining(['src/testing/index.ts', 'src/testing/server/startFakeProviderServer.ts -> node:http']),
    );
    // The testing kit writes its answers with Buffer: a global no import shows.
    expect(nodeGlobalUses(readFileSync(testingKit.file, 'utf8'))).toContainEqual(expect.objectContaining({ name: 'Buffer', module: expect.stringMatching(/^src\/testing\//) }));
  });

  it('would catch a Node-only global: every bare use in a bundle, named with its module, and none of the decoys', async () => {
    const fixture = await bundleExample(join(folder, 'globals'), join(__dirname, 'fixtures/nodeGlobals.ts'));
    expect(nodeOnlyModules(fixture.metafile)).toEqual([]); // no import to give them away
    const uses = nodeGlobalUses(readFileSync(fixture.file, 'utf8'));
    expect(uses.map(({ name, module }) => `${module}: ${name}`)).toEqual(
      // esbuild turns `require(name)` into its `__require(name)` stand-in, which throws in a browser.
      ['process.', 'Buffer', '__dirname', '__filename', 'global.', '__require('].map((name) => `spec/browser/fixtures/nodeGlobals.ts: ${name}`),
    );
    const lines = readFileSync(fixture.file, 'utf8').split('\n');
    expect(uses.map(({ line, column, name }) => lines[line - 1]?.slice(column - 1, column - 1 + name.length))).toEqual(uses.map(({ name }) => name));
  });
});

describe('the Node-only globals scan', () => {
  const names = (code: string) => nodeGlobalUses(code).map(({ name, line, column }) => `${line}:${column} ${name}`);

  it('finds bare uses, also inside the expressions of a template literal', () => {
    expect(names('const a = process.env.X;\nconst b = Buffer.from(a);\nrequire ("fs");\nglobal["x"] = `${__dirname}/${`${__filename}`}`;')).toEqual([
      '1:11 process.',
      '2:11 Buffer',
      '3:1 require(',
      '4:1 global.',
      '4:18 __dirname',
      '4:34 __filename',
    ]);
  });

  it('skips strings, template text, comments, regular expressions, members, declarations, keys and typeof guards', () => {
    const code = [
      `const s = 'process.env' + "Buffer" + \`require(x) \${'__dirname'}\`; // process.exit()`,
      '/* Buffer.from(x)',
      '   global.x */ const r = /process\\.|[/]Buffer/g, q = a / b / c;',
      'obj.process.env; x.require(y); function __require() {} ({ Buffer: 1, __dirname: 2 });',
      "if (typeof Buffer === 'undefined' && typeof process !== 'object') new ArrayBuffer(globalThis.length);",
    ].join('\n');
    expect(names(code)).toEqual([]);
    expect(codeOnly(code)).toHaveLength(code.length);
  });

  it('tells a regular expression from a division by what comes before the slash', () => {
    expect(names('x = a / process.y / 2;')).toEqual(['1:9 process.']);
    expect(names('return /process.env/.test(s) ? 1 : Buffer;')).toEqual(['1:36 Buffer']);
  });
});
