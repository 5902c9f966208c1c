// The browser bundles: what a bundler makes of 'rx-task-status' with the
// 'browser' condition must hold nothing Node-only, neither a module (the
// metafile tells) nor a global (the code tells); a page that reads its tasks
// from a task hub holds no provider code. (What pages weigh is measured on the
// packed package, as users get it: spec/package.spec.ts.)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundledModules, bundleExample, nodeOnlyModules, type ExampleBundle } from '../../examples/browser/bundle';
import { codeOnly, nodeGlobalUses } from '../../examples/browser/nodeGlobals';

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

  it('keeps a page that follows tasks through a hub free of provider code, Node imports and the `from` machinery of RxJS', async () => {
    const bundle = await bundleExample(join(folder, 'hub-page'), join(__dirname, 'fixtures/hubPage.ts'), { minify: true });
    const code = readFileSync(bundle.file, 'utf8');
    const modules = bundledModules(bundle).map(([path]) => path);
    expect(modules).toContain('src/hubClient/hubConnection.ts');
    expect(providerCode(bundle)).toEqual([]);
    expect(nodeOnlyModules(bundle.metafile)).toEqual([]);
    expect(nodeGlobalUses(code)).toEqual([]);
    // RxJS's `from` machinery (of, startWith, concat) is not needed to read a hub: kept out, it saves 2.5 KB gzipped.
    expect(modules.filter((path) => /rxjs\/.*\/(innerFrom|scheduled|concat)\.js$/.test(path))).toEqual([]);
    // Every module is an ES module bundled flat: none wrapped for lazy start, as CommonJS would be (a page read as CommonJS was 5% larger).
    expect(code).not.toMatch(/__esm|__commonJS/);
  });

  it('would catch provider code: a page on direct sources holds it, with the page\'s own fetch and no JWT library', async () => {
    const direct = await bundleExample(join(folder, 'direct'), join(root, 'src/portable.ts'));
    expect(providerCode(direct)).toEqual(expect.arrayContaining(['src/providers/postman.ts', 'src/providers/mobizon.ts', 'src/providers/stream.ts', ...PROVIDER_TEXT]));
    expect(nodeOnlyModules(direct.metafile)).toEqual([]);
    const inputs = Object.keys(direct.metafile.inputs);
    // The `browser` field of package.json swaps the default fetch for the page's own: no fetch of a library in a page, and no JWT library either.
    expect(inputs).toContain('src/core/defaultFetch.browser.ts');
    expect(inputs.filter((input) => /cross-fetch|jose|src\/core\/defaultFetch\.ts$/.test(input))).toEqual([]);
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
