// The published package, as a user gets it: packed, installed into an empty
// folder, then used from an ES module and from CommonJS, with its types.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(__dirname, '..');
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' } });
const node = (args: string[], cwd: string) => execFileSync(process.execPath, args, { cwd, encoding: 'utf8' });

const consumerCode = (importLine: string) => `${importLine}
const state = { provider: 'p', id: '1', status: 'completed', providerStatus: 'done', raw: {} };
const error = new TaskNotFoundError('gone');
const source = defineProvider({
  name: 'consumer',
  defaults: { interval: 1000, maxRequestsPerSecond: 1 },
  setup: () => ({ baseUrl: 'https://example.com', context: null, secrets: [] }),
  identify: (ref) => ({ id: ref }),
  request: ({ id }) => ({ method: 'GET', path: '/' + id }),
  decode: () => ({ _tag: 'Left', left: error }),
})({});
console.log(JSON.stringify({
  terminal: isTerminal(state),
  code: error.code,
  isTaskError: error instanceof TaskError,
  provider: source.provider,
  watch: typeof source.watch('x').subscribe,
}));
`;

describe('the packed package', () => {
  let work: string;
  let tarball: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'rx-task-status-pack-'));
    npm(['pack', '--pack-destination', work], root);
    const packed = readdirSync(work).find((file) => file.endsWith('.tgz'));
    if (packed === undefined) throw new Error('npm pack made no tarball');
    tarball = packed;
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', `./${tarball}`], work);
  }, 240_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const expected = { terminal: true, code: 'TASK_NOT_FOUND', isTaskError: true, provider: 'consumer', watch: 'function' };

  it('works from an ES module (import)', () => {
    writeFileSync(join(work, 'consumer.mjs'), consumerCode("import { defineProvider, isTerminal, TaskError, TaskNotFoundError } from 'rx-task-status';"));
    expect(JSON.parse(node(['consumer.mjs'], work))).toEqual(expected);
  });

  it('works from CommonJS (require)', () => {
    writeFileSync(join(work, 'consumer.cjs'), consumerCode("const { defineProvider, isTerminal, TaskError, TaskNotFoundError } = require('rx-task-status');"));
    expect(JSON.parse(node(['consumer.cjs'], work))).toEqual(expected);
  });

  it('ships types that resolve for both, under Node16 module resolution', () => {
    const typed = (ext: string, importLine: string) =>
      writeFileSync(
        join(work, `typed.${ext}`),
        `${importLine}
const state: TaskState = { provider: 'p', id: '1', status: 'running', providerStatus: 'r', raw: null };
const done: boolean = isTerminal(state);
const error: TaskError = new TaskNotFoundError('gone');
export const checked = [done, error.code] as const;
`,
      );
    typed('mts', "import { isTerminal, TaskError, TaskNotFoundError, type TaskState } from 'rx-task-status';");
    typed('cts', "import { isTerminal, TaskError, TaskNotFoundError, type TaskState } from 'rx-task-status';");
    const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
    expect(() =>
      node([tsc, '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'), 'typed.mts', 'typed.cts'], work),
    ).not.toThrow();
  });

  // What a custom provider's author imports beside defineProvider: decoding, HTTP meanings, header parsing.
  const providerCode = (importLine: string) => `${importLine}
const parsed = parseJsonBody({ status: 200, body: '{"a":1}', headers: { get: () => null }, hints: {} }, 'x');
const failure = httpFailure({ response: { status: 503, body: '', headers: { get: () => null }, hints: {} }, what: 'Acme task 1' });
console.log(JSON.stringify({ parsed: parsed.right, retryable: failure.retryable, retryAfter: parseRetryAfter('2', 0), lenient: typeof lenient }));
`;
  const providerExpected = { parsed: { a: 1 }, retryable: true, retryAfter: 2000, lenient: 'function' };

  it('exports the provider kit as rx-task-status/provider, to an ES module and to CommonJS', () => {
    writeFileSync(join(work, 'provider.mjs'), providerCode("import { httpFailure, lenient, parseJsonBody, parseRetryAfter } from 'rx-task-status/provider';"));
    writeFileSync(join(work, 'provider.cjs'), providerCode("const { httpFailure, lenient, parseJsonBody, parseRetryAfter } = require('rx-task-status/provider');"));
    expect(JSON.parse(node(['provider.mjs'], work))).toEqual(providerExpected);
    expect(JSON.parse(node(['provider.cjs'], work))).toEqual(providerExpected);
  });

  // The fake provider server, as a user's own tests import it: started, asked over HTTP, closed.
  const testingCode = (importLine: string) => `${importLine}
(async () => {
  const server = await startFakeProviderServer();
  const task = server.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'm1', duration: 1000 });
  const response = await fetch(server.url + '/collection-merges-tasks/m1', { headers: { 'x-api-key': FAKE_CREDENTIALS.postman.apiKey } });
  const body = await response.json();
  const scenario = generateScenario({ seed: 3, count: 3 }).map((spec) => spec.provider);
  await server.close();
  console.log(JSON.stringify({ status: response.status, body, id: task.id, logged: server.log.count(), open: server.openConnections(), scenario }));
})();
`;
  const testingExpected = { status: 200, body: { id: 'm1', status: 'in-progress' }, id: 'm1', logged: 1, open: 0, scenario: ['stream', 'mobizon', 'postman'] };

  it('exports the fake provider server as rx-task-status/testing, to an ES module', () => {
    writeFileSync(join(work, 'testing.mjs'), testingCode("import { FAKE_CREDENTIALS, generateScenario, startFakeProviderServer } from 'rx-task-status/testing';"));
    expect(JSON.parse(node(['testing.mjs'], work))).toEqual(testingExpected);
  });

  it('exports the fake provider server as rx-task-status/testing, to CommonJS', () => {
    writeFileSync(join(work, 'testing.cjs'), testingCode("const { FAKE_CREDENTIALS, generateScenario, startFakeProviderServer } = require('rx-task-status/testing');"));
    expect(JSON.parse(node(['testing.cjs'], work))).toEqual(testingExpected);
  });

  it('ships types for rx-task-status/testing that resolve for both, under Node16 module resolution', () => {
    const typed = (ext: string) =>
      writeFileSync(
        join(work, `typed-testing.${ext}`),
        `import { acceleratedTime, startFakeProviderServer, type FakeProviderServer, type Fault, type RequestLogEntry, type TaskSpec } from 'rx-task-status/testing';
const spec: TaskSpec = { provider: 'mobizon', steps: [{ at: 0, status: 1, progress: 10 }] };
const fault: Fault = { kind: 'rate-limited', answeredBy: 'gateway', retryAfterAs: 'http-date' };
export async function run(): Promise<RequestLogEntry[]> {
  const server: FakeProviderServer = await startFakeProviderServer({ clock: acceleratedTime(10).now, mobizon: { strict: true } });
  server.tasks.create(spec);
  server.faults.add(fault, { provider: 'mobizon' });
  // @ts-expect-error: a Mobizon status is a number
  server.tasks.create({ provider: 'mobizon', steps: [{ at: 0, status: 'running' }] });
  await server.close();
  return server.log.entries();
}
`,
      );
    typed('mts');
    typed('cts');
    const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
    expect(() =>
      node([tsc, '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'), 'typed-testing.mts', 'typed-testing.cts'], work),
    ).not.toThrow();
  });

  // The task hub, as a server of the user's mounts it: createServer(hub), one page's stream read with fetch, then closed.
  const hubCode = (importLines: string) => `${importLines}
(async () => {
  const provider = await startFakeProviderServer();
  provider.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'm1', steps: [{ at: 0, status: 'in-progress' }] });
  const hub = createTaskHub({
    sources: { postman: postmanTasks({ apiKey: FAKE_CREDENTIALS.postman.apiKey, baseUrl: provider.url }) },
    authorize: (request, task) => request.headers['x-user'] === 'ada' && task.text === 'merge:m1',
    basePath: '/tasks',
  });
  const server = createServer(hub).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const response = await fetch('http://127.0.0.1:' + server.address().port + '/tasks/streams', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user': 'ada' },
    body: JSON.stringify({ watch: [{ provider: 'postman', ref: 'merge:m1' }] }),
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let state;
  while (state === undefined) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const match = /event: state\\ndata: (.*)\\n\\n/.exec(text);
    if (match !== null) state = JSON.parse(match[1]);
  }
  await reader.cancel();
  await hub.close();
  server.closeAllConnections();
  server.close();
  await provider.close();
  console.log(JSON.stringify({
    status: response.status,
    type: response.headers.get('content-type'),
    events: [...text.matchAll(/^event: (\\w+)$/gm)].map((found) => found[1]),
    task: state.provider + ' ' + state.ref + ' ' + JSON.parse(state.state).state.status,
  }));
})();
`;
  const hubExpected = { status: 200, type: 'text/event-stream; charset=utf-8', events: ['hello', 'state'], task: 'postman merge:m1 running' };

  it('exports the task hub as rx-task-status/hub, to an ES module', () => {
    writeFileSync(
      join(work, 'hub.mjs'),
      hubCode(`import { once } from 'node:events';
import { createServer } from 'node:http';
import { postmanTasks } from 'rx-task-status';
import { createTaskHub } from 'rx-task-status/hub';
import { FAKE_CREDENTIALS, startFakeProviderServer } from 'rx-task-status/testing';`),
    );
    expect(JSON.parse(node(['hub.mjs'], work))).toEqual(hubExpected);
  });

  it('exports the task hub as rx-task-status/hub, to CommonJS', () => {
    writeFileSync(
      join(work, 'hub.cjs'),
      hubCode(`const { once } = require('node:events');
const { createServer } = require('node:http');
const { postmanTasks } = require('rx-task-status');
const { createTaskHub } = require('rx-task-status/hub');
const { FAKE_CREDENTIALS, startFakeProviderServer } = require('rx-task-status/testing');`),
    );
    expect(JSON.parse(node(['hub.cjs'], work))).toEqual(hubExpected);
  });

  it('ships types for rx-task-status/hub that resolve for both, under Node16 module resolution', () => {
    const typed = (ext: string) =>
      writeFileSync(
        join(work, `typed-hub.${ext}`),
        `import { createServer, type IncomingMessage } from 'node:http';
import { postmanTasks } from 'rx-task-status';
import { createTaskHub, type HubSource, type HubTaskRequest, type TaskHub, type TaskHubOptions } from 'rx-task-status/hub';
const source: HubSource = postmanTasks({ apiKey: 'key' });
const authorize = (request: IncomingMessage, task: HubTaskRequest): Promise<boolean> => Promise.resolve(request.headers.cookie !== undefined && task.provider === 'postman');
const options: TaskHubOptions = { sources: { postman: source }, authorize, basePath: '/tasks', keepAliveMs: 15_000, allowOrigins: ['https://app.example.com'] };
const hub: TaskHub = createTaskHub(options);
export const server = createServer(hub);
export const closed: Promise<void> = hub.close();
// @ts-expect-error: a hub without authorize is not a hub
createTaskHub({ sources: { postman: source } });
`,
      );
    typed('mts');
    typed('cts');
    const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
    expect(() =>
      node([tsc, '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'), 'typed-hub.mts', 'typed-hub.cts'], work),
    ).not.toThrow();
  });

  it('gives browser bundlers the portable build: no Node builtin, no stream adapter, types to match', async () => {
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

    writeFileSync(
      join(work, 'browser-typed.ts'),
      `import { whenDocumentHidden, type TaskState } from 'rx-task-status';
// @ts-expect-error: the Node-only adapter is not in the browser build
import { toReadable } from 'rx-task-status';
export const checked = [whenDocumentHidden, toReadable, null as TaskState | null] as const;
`,
    );
    const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
    expect(() =>
      node(
        [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', '--customConditions', 'browser']
          .concat(['--lib', 'es2022,dom', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'), 'browser-typed.ts']),
        work,
      ),
    ).not.toThrow();
  });

  it('contains the build and the README, and not the sources or tests', () => {
    const files = execFileSync('tar', ['-tzf', join(work, tarball)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((path) => path.replace(/^package\//, ''));
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/esm/index.js', 'dist/cjs/index.js', 'dist/esm/index.d.ts', 'dist/cjs/index.d.ts']));
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('spec/'))).toEqual([]);
  });
});
