// The browser bundle of the example page: what a bundler makes of
// 'rx-task-status' with the 'browser' condition must hold nothing Node-only,
// neither a module (the metafile tells) nor a global (the code tells).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleExample, nodeOnlyModules } from '../../examples/browser/bundle';
import { codeOnly, nodeGlobalUses } from '../../examples/browser/nodeGlobals';

describe('the browser bundle of the example page', () => {
  let folder: string;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'rx-task-status-bundle-'));
  });

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('resolves rx-task-status to the portable entry and pulls in no Node builtin, no testing server and no stream adapter', async () => {
    const bundle = await bundleExample(join(folder, 'page'));
    const inputs = Object.keys(bundle.metafile.inputs);
    expect(inputs).toContain('src/portable.ts');
    expect(inputs).not.toContain('src/index.ts');
    expect(nodeOnlyModules(bundle.metafile)).toEqual([]);
    expect(nodeGlobalUses(readFileSync(bundle.file, 'utf8'))).toEqual([]);
    // cross-fetch's `browser` field: the ponyfill that hands over the page's own fetch.
    expect(inputs.filter((input) => input.includes('cross-fetch/'))).toEqual([expect.stringMatching(/node_modules\/cross-fetch\/dist\/browser-ponyfill\.js$/)]);
    expect(inputs.filter((input) => input.includes('jose/'))).not.toContainEqual(expect.stringContaining('jose/dist/node'));
    expect(readFileSync(join(folder, 'page', 'index.html'), 'utf8')).toContain('src="./main.js"');
  });

  it('would catch a Node-only module: the Node entry and the testing kit are flagged', async () => {
    const root = resolve(__dirname, '../..');
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
