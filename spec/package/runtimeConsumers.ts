// Small programs that use each entry point of the installed package, as an ES module and as
// CommonJS, each printing one line of JSON for the spec to compare.
export interface RuntimeConsumer {
  /** What it uses, for the test's name. */
  readonly entry: string;
  readonly format: 'an ES module' | 'CommonJS';
  /** Its file in the consumer folder. */
  readonly file: string;
  readonly code: string;
  /** What it prints, parsed. */
  readonly expected: unknown;
}

interface ConsumerSource {
  readonly entry: string;
  readonly name: string;
  readonly code: (imports: string) => string;
  readonly esm: string;
  readonly cjs: string;
  readonly expected: unknown;
}

// The main entry: a provider defined by hand, its error classes and isTerminal.
const main: ConsumerSource = {
  entry: 'rx-task-status',
  name: 'consumer',
  esm: "import { defineProvider, isTerminal, TaskError, TaskNotFoundError } from 'rx-task-status';",
  cjs: "const { defineProvider, isTerminal, TaskError, TaskNotFoundError } = require('rx-task-status');",
  code: (imports) => `${imports}
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
`,
  expected: { terminal: true, code: 'TASK_NOT_FOUND', isTaskError: true, provider: 'consumer', watch: 'function' },
};

// What a custom provider's author imports beside defineProvider: decoding, HTTP meanings, header parsing.
const provider: ConsumerSource = {
  entry: 'rx-task-status/provider',
  name: 'provider',
  esm: "import { httpFailure, lenient, parseJsonBody, parseRetryAfter } from 'rx-task-status/provider';",
  cjs: "const { httpFailure, lenient, parseJsonBody, parseRetryAfter } = require('rx-task-status/provider');",
  code: (imports) => `${imports}
const parsed = parseJsonBody({ status: 200, body: '{"a":1}', headers: { get: () => null }, hints: {} }, 'x');
const failure = httpFailure({ response: { status: 503, body: '', headers: { get: () => null }, hints: {} }, what: 'Acme task 1' });
console.log(JSON.stringify({ parsed: parsed.right, retryable: failure.retryable, retryAfter: parseRetryAfter('2', 0), lenient: typeof lenient }));
`,
  expected: { parsed: { a: 1 }, retryable: true, retryAfter: 2000, lenient: 'function' },
};

// The fake provider server, as a user's own tests import it: started, asked over HTTP, closed.
const testing: ConsumerSource = {
  entry: 'rx-task-status/testing',
  name: 'testing',
  esm: "import { FAKE_CREDENTIALS, generateScenario, startFakeProviderServer } from 'rx-task-status/testing';",
  cjs: "const { FAKE_CREDENTIALS, generateScenario, startFakeProviderServer } = require('rx-task-status/testing');",
  code: (imports) => `${imports}
(async () => {
  const server = await startFakeProviderServer();
  const task = server.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'm1', duration: 1000 });
  const response = await fetch(server.url + '/collection-merges-tasks/m1', { headers: { 'x-api-key': FAKE_CREDENTIALS.postman.apiKey } });
  const body = await response.json();
  const scenario = generateScenario({ seed: 3, count: 3 }).map((spec) => spec.provider);
  await server.close();
  console.log(JSON.stringify({ status: response.status, body, id: task.id, logged: server.log.count(), open: server.openConnections(), scenario }));
})();
`,
  expected: { status: 200, body: { id: 'm1', status: 'in-progress' }, id: 'm1', logged: 1, open: 0, scenario: ['stream', 'mobizon', 'postman'] },
};

// The task hub, as a server of the user's mounts it: createServer(hub), one page's stream read with fetch, then closed.
const hub: ConsumerSource = {
  entry: 'rx-task-status/hub',
  name: 'hub',
  esm: `import { once } from 'node:events';
import { createServer } from 'node:http';
import { postmanTasks } from 'rx-task-status';
import { createTaskHub } from 'rx-task-status/hub';
import { FAKE_CREDENTIALS, startFakeProviderServer } from 'rx-task-status/testing';`,
  cjs: `const { once } = require('node:events');
const { createServer } = require('node:http');
const { postmanTasks } = require('rx-task-status');
const { createTaskHub } = require('rx-task-status/hub');
const { FAKE_CREDENTIALS, startFakeProviderServer } = require('rx-task-status/testing');`,
  code: (imports) => `${imports}
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
`,
  expected: { status: 200, type: 'text/event-stream; charset=utf-8', events: ['hello', 'state'], task: 'postman merge:m1 running' },
};

/** Each entry point's consumer, as an ES module and as CommonJS. */
export const RUNTIME_CONSUMERS: readonly RuntimeConsumer[] = [main, provider, testing, hub].flatMap(({ entry, name, code, esm, cjs, expected }): RuntimeConsumer[] => [
  { entry, format: 'an ES module', file: `${name}.mjs`, code: code(esm), expected },
  { entry, format: 'CommonJS', file: `${name}.cjs`, code: code(cjs), expected },
]);
