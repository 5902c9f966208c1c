// The browser bundle of the example page: what a bundler makes of
// 'rx-task-status' with the 'browser' condition must hold nothing Node-only.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleExample, nodeOnlyModules } from '../../examples/browser/bundle';

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
      expect.arrayContaining(['src/testing/index.ts', 'src/testing/startFakeProviderServer.ts -> node:http']),
    );
  });
});
