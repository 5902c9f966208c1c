// A hostile provider, or a proxy or gateway answering in its place: what it
// sends must not freeze, crash, exhaust or steal. Everything here goes over
// real HTTP on 127.0.0.1, against the fake provider server's `custom-response`
// fault; the fault matrix runs the same answers for its own checks.
import crossFetch from 'cross-fetch';
import { nodeFetch } from '../../src/core/nodeFetch.js';
import { inspect } from 'node:util';
import type { Observable } from 'rxjs';
import {
  DecodeError,
  defineProvider,
  type FetchLike,
  mobizonTasks,
  postmanTasks,
  type SourceOptions,
  streamTasks,
  type TaskState,
  TransportError,
} from '../../src/index.js';
import { startFakeProviderServer, type FakeProviderServer, type ProviderName } from '../../src/testing/index.js';
import { startTestServer, type TestServer } from '../support/httpServer.js';
import { collect, expectNoSecrets } from '../providers/support.js';
import { runCli, envFor, capture } from '../cli/support.js';
import { deepJson, errorWithData, errorWithText, manyObjects, REGEX_BOMB, redirectTo, runningStateWithData, TERMINAL_ATTACK } from './hostileBodies.js';
import { installProcessGuard, settleEventLoop, type ProcessGuard } from './processGuard.js';

const PROVIDERS: readonly ProviderName[] = ['stream', 'mobizon', 'postman'];
/** Anything a terminal or a log reader would act on. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
/** Output without the line breaks the command line writes itself between lines. */
const lines = (text: string) => text.replace(/\n/g, ' ');

const common: SourceOptions = { interval: 10, jitter: 0, maxRequestsPerSecond: Infinity, retry: { retries: 2, minDelay: 5, maxDelay: 10 } };

function watchOn(provider: ProviderName, server: FakeProviderServer, id: string, options: SourceOptions = {}): Observable<TaskState> {
  const base = { ...common, ...options, baseUrl: server.url };
  switch (provider) {
    case 'stream':
      return streamTasks({ ...base, ...server.credentials.stream }).watch(id);
    case 'mobizon':
      return mobizonTasks({ ...base, ...server.credentials.mobizon }).watch(id);
    case 'postman':
      return postmanTasks({ ...base, ...server.credentials.postman }).watch({ id, kind: 'collection-merge' });
  }
}

function createTask(server: FakeProviderServer, provider: ProviderName, id: string): void {
  if (provider === 'stream') server.tasks.create({ provider, id, steps: [{ at: 0, status: 'running' }, { at: 200, status: 'completed' }] });
  if (provider === 'mobizon') server.tasks.create({ provider, id, steps: [{ at: 0, status: 1, progress: 10 }, { at: 200, status: 2, progress: 100 }] });
  if (provider === 'postman') server.tasks.create({ provider, kind: 'collection-merge', id, steps: [{ at: 0, status: 'in-progress' }, { at: 200, status: 'successful' }] });
}

function secretsOf(server: FakeProviderServer): string[] {
  const { stream, mobizon, postman } = server.credentials;
  return [stream.apiKey, stream.apiSecret, mobizon.apiKey, postman.apiKey];
}

describe('a hostile provider', () => {
  let server: FakeProviderServer;
  let guard: ProcessGuard;

  beforeEach(async () => {
    // Distinctive credentials: any piece of one in an error is a leak, not a coincidence with ordinary words.
    server = await startFakeProviderServer({
      stream: { apiKey: 'Kq7c1d93abX5', apiSecret: 'Sz5e02b7c49a1f36d8e2c04b71Wq8m3p' },
      mobizon: { apiKey: 'Mv3f8a0c52d7e1b9' },
      postman: { apiKey: 'PMAK-61d4e9b0f2a7c3e8' },
    });
    guard = installProcessGuard();
  });
  afterEach(async () => {
    await settleEventLoop();
    const escaped = guard.drain();
    guard.uninstall();
    await server.close();
    // Nothing escapes the error channel: no uncaught exception, no unhandled rejection.
    expect(escaped.map(String)).toEqual([]);
  });

  describe('cannot freeze the process with text that is slow to scan', () => {
    it.each(PROVIDERS)('%s: 900 KB of `eyJ` in the error text ends the watch at once (it took minutes), with a short printable message', async (provider) => {
      server.faults.add(errorWithText(provider, REGEX_BOMB), { taskId: '700001' });
      const started = performance.now();
      const outcome = await collect(watchOn(provider, server, '700001'));
      const elapsed = performance.now() - started;
      // Generous: a linear scan of 900 KB takes milliseconds; the old pattern took 8 s at 100 KB, and grew with the square.
      expect(elapsed).toBeLessThan(3000);
      const message = (outcome.error as Error).message;
      expect(message.length).toBeLessThanOrEqual(1000);
      expect(message).toMatch(/…$/);
      expect(JSON.stringify(outcome.error).length).toBeLessThan(12_000);
    });
  });

  describe('cannot freeze the process through any other pattern that reads provider text', () => {
    const MB = 1024 * 1024;
    it.each([
      ['mobizon', 'a code 13 whose domain is 1 MB of host characters', { kind: 'custom-response', status: 200, body: `{"code":13,"data":"${'a.'.repeat(MB / 2)}!","message":"Use another API domain"}` }],
      ['mobizon', 'a code that is 1 MB of digits', { kind: 'custom-response', status: 200, body: `{"code":"${' '.repeat(MB / 2)}${'1'.repeat(MB / 2 - 8)}x","data":"","message":""}` }],
      ['postman', 'a 429 whose title almost says serviceLimitExhausted, 1 MB of times', { kind: 'custom-response', status: 429, body: `{"type":"x","title":"${'service-limit-'.repeat(MB / 14)}","status":429}` }],
      ['stream', 'a 200 whose timestamps are 1 MB of digits', { kind: 'custom-response', status: 200, body: `{"task_id":"t","status":"completed","created_at":"${'2025-12-13T'.repeat(MB / 11)}","updated_at":${'9'.repeat(MB / 2)}}` }],
    ] as const)('%s: %s', async (provider, _what, fault) => {
      server.faults.add(fault, { taskId: '700001', times: Infinity });
      const started = performance.now();
      const outcome = await collect(watchOn(provider, server, '700001', { retry: { retries: 1, minDelay: 1, maxDelay: 1 } }));
      expect(performance.now() - started).toBeLessThan(3000);
      expect(outcome.completed || outcome.error !== undefined).toBe(true);
    });
  });

  describe('cannot crash the process or hang a watch with a deep body', () => {
    it.each(PROVIDERS)('%s: a state answer nested 6000 levels deep is a DecodeError after one request', async (provider) => {
      server.faults.add(runningStateWithData(provider, deepJson(6000)), { taskId: '700001' });
      const outcome = await collect(watchOn(provider, server, '700001'));
      expect(outcome.error).toBeInstanceOf(DecodeError);
      expect((outcome.error as DecodeError).message).toContain('nested deeper than 64 levels');
      expect(server.log.count()).toBe(1);
    });

    it.each(PROVIDERS)('%s: an error answer nested 6000 levels deep ends in an error that JSON loggers and inspect can print', async (provider) => {
      server.faults.add(errorWithData(provider, deepJson(6000)), { taskId: '700001' });
      const outcome = await collect(watchOn(provider, server, '700001'));
      expect(outcome.error).toBeInstanceOf(Error);
      expect(() => JSON.stringify(outcome.error)).not.toThrow();
      expect(() => inspect(outcome.error, { depth: Infinity })).not.toThrow();
      expect(server.log.count()).toBe(1);
    });

    it('a custom provider that parses a deep body itself still gets a state, frozen, and a change is still seen as one', async () => {
      const deep = defineProvider({
        name: 'deep',
        defaults: { interval: 10, maxRequestsPerSecond: Infinity },
        setup: (options: { baseUrl: string }) => ({ baseUrl: options.baseUrl, context: null, secrets: [] }),
        identify: (ref: string) => ({ id: ref }),
        request: ({ id }) => ({ method: 'GET', path: `/t/${id}` }),
        // No depth check here: JSON.parse copes with any depth, and the state is made from what comes back.
        decode: (response) => {
          const body = JSON.parse(response.body) as { done: boolean; nest: unknown };
          return { _tag: 'Right', right: { status: body.done ? 'completed' : 'running', providerStatus: String(body.done), result: body.nest, raw: body } };
        },
      });
      let polls = 0;
      const origin = await startTestServer((_req, res) => {
        polls++;
        // The same deep result twice (no change), then a deep result that differs at the bottom, then done.
        const leaf = polls <= 2 ? '1' : '2';
        res.setHeader('content-type', 'application/json');
        res.end(`{"done":${polls >= 4},"nest":${'['.repeat(20_000)}${leaf}${']'.repeat(20_000)}}`);
      });
      try {
        const outcome = await collect(deep({ baseUrl: origin.url, jitter: 0, maxRawBytes: Infinity }).watch('x'));
        expect(outcome.error).toBeUndefined();
        expect(outcome.values.map((state) => state.status)).toEqual(['running', 'running', 'completed']);
        expect(Object.isFrozen(outcome.values[0]?.result)).toBe(true);
      } finally {
        await origin.close();
      }
    });
  });

  describe('cannot send the credentials elsewhere with a redirect', () => {
    let attacker: TestServer;
    beforeEach(async () => {
      attacker = await startTestServer((_req, res) => res.end('{}'));
    });
    afterEach(() => attacker.close());

    const fetches: Array<[string, FetchLike]> = [
      ['nodeFetch (the default in Node)', nodeFetch],
      ['cross-fetch', crossFetch as unknown as FetchLike],
      ["Node's own fetch", globalThis.fetch as unknown as FetchLike],
    ];

    it.each(PROVIDERS.flatMap((provider) => fetches.map(([name, fetch]) => [provider, name, fetch] as const)))(
      '%s with %s: a redirect to another origin is not followed; a final TransportError names only where it pointed',
      async (provider, _name, fetch) => {
        for (const status of [301, 302, 303, 307, 308] as const) {
          server.faults.add(redirectTo(`${attacker.url}/collect/path?stolen=yes`, status), { taskId: '700001' });
          const outcome = await collect(watchOn(provider, server, '700001', { fetch }));
          expect(outcome.error).toBeInstanceOf(TransportError);
          expect(outcome.error).toMatchObject({ reason: 'redirect', status });
          const message = (outcome.error as Error).message;
          expect(message).toContain(`to ${attacker.url},`);
          expect(message).not.toMatch(/\/collect\/path|stolen/);
          expectNoSecrets(outcome.error, secretsOf(server));
        }
        expect(attacker.requests).toHaveLength(0);
        expect(server.log.count()).toBe(5);
      },
    );

    it.each(PROVIDERS)('%s: a redirect within the same origin is followed', async (provider) => {
      createTask(server, provider, '700002');
      // The fake answers the redirected request as any other: the task's own state.
      const path = { stream: '/api/v2/tasks/700002', mobizon: '/service/taskqueue/getstatus', postman: '/collection-merges-tasks/700002' }[provider];
      const query = provider === 'stream' ? `?api_key=${server.credentials.stream.apiKey}` : provider === 'mobizon' ? `?output=json&api=v1&apiKey=${server.credentials.mobizon.apiKey}` : '';
      server.faults.add(redirectTo(`${server.url}${path}${query}`, 307), { taskId: '700002' });
      const outcome = await collect(watchOn(provider, server, '700002'));
      expect(outcome.error).toBeUndefined();
      expect(outcome.values.at(-1)?.status).toBe('completed');
      expect(server.log.entries()[0]?.fault).toBe('custom-response');
      expect(server.log.entries()[1]?.fault).toBeUndefined();
    });

    it("follows a redirect to another of the provider's own hosts over https (a fetch that stands in for DNS sends it here)", async () => {
      createTask(server, 'postman', '700003');
      server.faults.add(redirectTo('https://api.postman.com/collection-merges-tasks/700003', 308), { taskId: '700003' });
      const asked: string[] = [];
      // Postman's hosts, resolved to the fake server: what a DNS entry and a trusted certificate would do.
      const fetch: FetchLike = (url, init) => {
        asked.push(url);
        return (crossFetch as unknown as FetchLike)(url.replace(/^https:\/\/api\.(get)?postman\.com/, server.url), init);
      };
      const outcome = await collect(postmanTasks({ ...common, apiKey: server.credentials.postman.apiKey, baseUrl: 'https://api.getpostman.com', fetch }).watch({ id: '700003', kind: 'collection-merge' }));
      expect(outcome.error).toBeUndefined();
      expect(asked.slice(0, 2)).toEqual(['https://api.getpostman.com/collection-merges-tasks/700003', 'https://api.postman.com/collection-merges-tasks/700003']);
    });

    it('does not follow a POST through a redirect that would turn it into a GET, nor more than five redirects in a row', async () => {
      server.faults.add(redirectTo(`${server.url}/service/taskqueue/getstatus`, 302), { taskId: '700001' });
      const post = await collect(watchOn('mobizon', server, '700001'));
      expect(post.error).toMatchObject({ reason: 'redirect', status: 302 });
      expect((post.error as Error).message).toContain('a POST is followed only through 307 and 308');

      server.faults.add(redirectTo(`${server.url}/collection-merges-tasks/700004`, 307), { taskId: '700004', times: 10 });
      const loop = await collect(watchOn('postman', server, '700004'));
      expect(loop.error).toMatchObject({ reason: 'redirect' });
      expect((loop.error as Error).message).toContain('more than 5 times in a row');
    });
  });

  describe('cannot write to a terminal or forge a log line', () => {
    it.each(PROVIDERS)('%s: escape sequences and bidi overrides in an error come out escaped, in every view of the error', async (provider) => {
      server.faults.add(errorWithText(provider, TERMINAL_ATTACK), { taskId: '700001' });
      const { error } = await collect(watchOn(provider, server, '700001'));
      const err = error as Error;
      for (const text of [err.message, String(err), JSON.stringify(err), err.stack?.split('\n    at ')[0] ?? '']) expect(text).not.toMatch(UNPRINTABLE);
      expect(err.message).toContain('\\u001b]0;pwned\\u0007');
    });

    it.each([
      ['stream', { provider: 'stream', id: '700005', steps: [{ at: 0, status: 'failed', error: { type: 'x', message: TERMINAL_ATTACK } }] }],
      ['postman', { provider: 'postman', kind: 'collection-merge', id: '700005', steps: [{ at: 0, status: 'failed', error: { message: TERMINAL_ATTACK } }] }],
    ] as const)('%s: a failed task\'s message is made printable in its state (raw keeps it as sent)', async (provider, spec) => {
      server.tasks.create(spec as never);
      const { values } = await collect(watchOn(provider, server, '700005'));
      const failed = values.at(-1);
      expect(failed?.status).toBe('failed');
      expect(failed?.error?.message).not.toMatch(UNPRINTABLE);
      expect(JSON.stringify(failed?.raw)).toContain('\\u001b]0;pwned');
    });

    it('the command line writes none of it, in JSON lines or on a terminal', async () => {
      server.tasks.create({ provider: 'stream', id: 'evil-1', steps: [{ at: 0, status: `running${TERMINAL_ATTACK}` }, { at: 300, status: 'failed', error: { type: 'x', message: TERMINAL_ATTACK } }] });
      server.faults.add(errorWithText('postman', TERMINAL_ATTACK), { taskId: 'p-1' });
      const argv = (extra: string[]) => ['watch', 'stream', 'evil-1', '--base-url', server.url, '--interval', '50', ...extra];
      const json = await runCli(argv(['--json']), { env: envFor(server) });
      expect(json.code).toBe(1);
      expect(lines(json.stdout + json.stderr)).not.toMatch(UNPRINTABLE);
      expect(json.stdout).toContain('\\u009b31m');
      const postman = await runCli(['watch', 'postman', 'merge:p-1', '--base-url', server.url, '--json'], { env: envFor(server) });
      expect(postman.stderr).toContain('\\u001b]0;pwned');
      expect(lines(postman.stdout + postman.stderr)).not.toMatch(UNPRINTABLE);

      const stdout = capture();
      const live = await runCli(argv([]), { env: envFor(server), isTTY: true, stdout });
      expect(live.code).toBe(1);
      // The view draws with its own escape sequences; the provider's are shown escaped, never obeyed.
      expect(live.stdout).not.toContain('\u001b]0;pwned');
      expect(live.stdout).not.toContain('\u001b[32mAll tasks completed OK');
      expect(live.stdout).not.toMatch(/\u009b|\u202e|\u0085|\u2028/u);
      expect(live.stdout).toContain('\\u001b]0;pwned');
    });
  });

  describe('cannot make a watched task hold a large body', () => {
    it.each(PROVIDERS)('%s: a state read from a body over 64 KiB keeps no raw; a small one keeps it', async (provider) => {
      createTask(server, provider, '700006');
      server.faults.add(runningStateWithData(provider, manyObjects(250_000)), { taskId: '700006' });
      const { values, error } = await collect(watchOn(provider, server, '700006'));
      expect(error).toBeUndefined();
      const [big, ...rest] = values;
      expect(big?.raw).toBeUndefined();
      expect(rest.at(-1)?.status).toBe('completed');
      expect(rest.at(-1)?.raw).toBeDefined();
    });

    it('keeps every body with maxRawBytes: Infinity, and none with 0', async () => {
      createTask(server, 'postman', '700007');
      server.faults.add(runningStateWithData('postman', manyObjects(30_000)), { taskId: '700007' });
      const all = await collect(watchOn('postman', server, '700007', { maxRawBytes: Infinity }));
      expect((all.values[0]?.raw as { padding: unknown[] }).padding).toHaveLength(30_000);
      createTask(server, 'postman', '700008');
      const none = await collect(watchOn('postman', server, '700008', { maxRawBytes: 0 }));
      expect(none.values.map((state) => state.raw)).toEqual(none.values.map(() => undefined));
      expect(() => watchOn('postman', server, 'x', { maxRawBytes: -1 })).toThrow('Expected `maxRawBytes` to be a non-negative number, got -1.');
    });
  });

  describe('cannot get a credential shown', () => {
    it('a key echoed ten levels deep in an error body is redacted there, in every view', async () => {
      const key = server.credentials.postman.apiKey;
      let nested = JSON.stringify({ echoed: `x-api-key: ${key}`, also: key });
      for (let level = 0; level < 10; level++) nested = `{"level${level}":${nested}}`;
      server.faults.add(errorWithData('postman', nested), { taskId: '700001' });
      const { error } = await collect(watchOn('postman', server, '700001'));
      expectNoSecrets(error, secretsOf(server));
      expect(JSON.stringify((error as { details?: unknown }).details)).toContain('[redacted]');
    });

    it.each([0, 40, 100, 119, 150])('no part of a key shows when a non-JSON body quotes it at character %i', async (at) => {
      const key = server.credentials.stream.apiKey;
      const body = `${'x'.repeat(at)}${key}&${'y'.repeat(500)}`;
      server.faults.add({ kind: 'custom-response', status: 200, body, contentType: 'text/html' }, { taskId: '700001' });
      const { error } = await collect(watchOn('stream', server, '700001'));
      expect(error).toBeInstanceOf(DecodeError);
      const views = [(error as Error).message, JSON.stringify(error), inspect(error)];
      // Not the key, nor any piece of it 6 characters long.
      for (let start = 0; start + 6 <= key.length; start++) for (const view of views) expect(view).not.toContain(key.slice(start, start + 6));
    });
  });

  describe('cannot send a request to another path with a dot id', () => {
    it.each(['.', '..'])('refuses the task id %j with a TypeError, before any request', (id) => {
      const { stream, postman } = server.credentials;
      expect(() => streamTasks({ ...stream, baseUrl: server.url }).watch(id)).toThrow(TypeError);
      expect(() => postmanTasks({ ...postman, baseUrl: server.url }).watch(id)).toThrow(TypeError);
      expect(() => postmanTasks({ ...postman, baseUrl: server.url }).watch({ id: 'x', apiId: id })).toThrow(/`apiId`.*step up its path/);
      expect(server.log.count()).toBe(0);
    });
  });

});
