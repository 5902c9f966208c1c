import crossFetch from 'cross-fetch';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { firstValueFrom, tap } from 'rxjs';
import {
  AuthenticationError,
  DecodeError,
  RateLimitError,
  STREAM_CHAT_BASE_URL,
  STREAM_VIDEO_BASE_URL,
  streamTasks,
  TaskNotFoundError,
  TransportError,
  type FetchLike,
  type SourceOptions,
  type StreamOptions,
} from '../../src/index.js';
import { acceleratedTime, signStreamToken, startFakeProviderServer, type FakeProviderServer } from '../../src/testing/index.js';
import type { TestServer } from '../support/httpServer.js';
import { startOnClock, T0, type ManualClock } from '../testing/fakeServerHelpers.js';
import { collect, expectNoSecrets, headerOf, startRecordingProxy } from './support.js';

const API_KEY = 'stream-key-Qx9Lm4';
const API_SECRET = 'stream-secret-Zr81Kp-4c1e9a07b52d6f38e0a1';
const SECRETS = [API_KEY, API_SECRET];

describe('streamTasks against the fake Stream API', () => {
  let server: FakeProviderServer;
  let clock: ManualClock;
  let proxy: TestServer | undefined;

  beforeEach(async () => {
    ({ server, clock } = await startOnClock({ stream: { apiKey: API_KEY, apiSecret: API_SECRET } }));
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await server.close();
  });

  // Real time, but nothing to wait for: polls 5 ms apart, no budget, short retries.
  const source = (options: Partial<StreamOptions & SourceOptions> = {}) =>
    streamTasks({
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      baseUrl: server.url,
      interval: 5,
      jitter: 0,
      maxRequestsPerSecond: Infinity,
      retry: { minDelay: 1, maxDelay: 5 },
      ...options,
    } as StreamOptions & SourceOptions);

  describe('the request', () => {
    it('is GET /api/v2/tasks/{id}?api_key= with a raw server JWT in Authorization and stream-auth-type: jwt', async () => {
      proxy = await startRecordingProxy(server.url);
      server.tasks.create({ provider: 'stream', id: 'task 1/a', steps: [{ at: 0, status: 'completed' }] });
      await collect(source({ baseUrl: proxy.url }).watch('task 1/a'));

      expect(proxy.requests).toHaveLength(1);
      const [request] = proxy.requests;
      expect(request?.method).toBe('GET');
      expect(request?.url).toBe(`/api/v2/tasks/task%201%2Fa?api_key=${API_KEY}`);
      expect(headerOf(request, 'stream-auth-type')).toBe('jwt');
      const token = headerOf(request, 'authorization') as string;
      expect(token).not.toMatch(/^bearer /i);
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
      // {"server": true} with iat half a minute in the past (Stream allows no clock ahead of its own) and an hour's exp.
      const claims = decodeJwt(token);
      expect(claims).toEqual({ server: true, iat: expect.any(Number), exp: expect.any(Number) });
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3630);
      expect(Math.abs((claims.iat ?? 0) + 30 - Date.now() / 1000)).toBeLessThan(60);
      await expect(jwtVerify(token, new TextEncoder().encode(API_SECRET), { algorithms: ['HS256'] })).resolves.toBeDefined();
      expect(server.log.entries().map((entry) => entry.status)).toEqual([200]);
    });

    it('signs the token once and sends the same one on every poll', async () => {
      proxy = await startRecordingProxy(server.url);
      server.tasks.create({ provider: 'stream', id: 'slow', steps: [{ at: 0, status: 'running' }, { at: 100, status: 'completed' }] });
      const states = await collect(
        source({ baseUrl: proxy.url }).watch('slow').pipe(tap(() => clock.advance(100))),
      );
      expect(states.values.map((state) => state.status)).toEqual(['running', 'completed']);
      expect(proxy.requests).toHaveLength(2);
      expect(new Set(proxy.requests.map((request) => headerOf(request, 'authorization'))).size).toBe(1);
    });

    it('signs a new token five minutes before the hour of the last one is up, and not before', async () => {
      proxy = await startRecordingProxy(server.url);
      server.tasks.create({ provider: 'stream', id: 'long', steps: [{ at: 0, status: 'running' }, { at: 300, status: 'completed' }] });
      let wallClock = Date.now();
      // The wall clock, moved by the test: the library signs on it and the fake judges tokens on it, as Stream does.
      const now = jest.spyOn(Date, 'now').mockImplementation(() => wallClock);
      // Each request moves the task on 100 ms and the wall clock 27.5 min: the third falls in the token's last five minutes.
      const fetch: FetchLike = (url, init) => {
        const sent = (crossFetch as unknown as FetchLike)(url, init);
        clock.advance(100);
        wallClock += 27.5 * 60_000;
        return sent;
      };
      try {
        const states = await collect(source({ baseUrl: proxy.url, fetch }).watch('long'));
        expect(states.error).toBeUndefined();
      } finally {
        now.mockRestore();
      }
      const tokens = proxy.requests.map((request) => headerOf(request, 'authorization') as string);
      expect(tokens.length).toBeGreaterThanOrEqual(3);
      expect(tokens[1]).toBe(tokens[0]);
      expect(tokens[2]).not.toBe(tokens[0]);
      const [first, renewed] = [decodeJwt(tokens[0] ?? ''), decodeJwt(tokens[2] ?? '')];
      expect((renewed.iat ?? 0) - (first.iat ?? 0)).toBe(55 * 60);
    });

    it('refuses an apiSecret too short to sign with (under 32 bytes), without showing it', () => {
      let thrown: unknown;
      try {
        streamTasks({ apiKey: API_KEY, apiSecret: 'my-secret' });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TypeError);
      expect((thrown as Error).message).toBe("Expected `apiSecret` to be your Stream app's API secret (64 characters), got one of 9 bytes: too short to sign with (HS256 needs at least 32).");
    });

    it('sends a `token` exactly as given', async () => {
      proxy = await startRecordingProxy(server.url);
      const token = await signStreamToken(API_SECRET);
      server.tasks.create({ provider: 'stream', id: 'given', steps: [{ at: 0, status: 'completed' }] });
      const outcome = await collect(streamTasks({ apiKey: API_KEY, token, baseUrl: proxy.url }).watch('given'));
      expect(outcome.values.map((state) => state.status)).toEqual(['completed']);
      expect(headerOf(proxy.requests[0], 'authorization')).toBe(token);
    });

    it('uses the legacy chat path /tasks/{id} with endpoint: "legacy"', async () => {
      proxy = await startRecordingProxy(server.url);
      server.tasks.create({ provider: 'stream', id: 'old', steps: [{ at: 0, status: 'completed' }] });
      await collect(source({ baseUrl: proxy.url, endpoint: 'legacy' }).watch('old'));
      expect(proxy.requests.map((request) => request.url)).toEqual([`/tasks/old?api_key=${API_KEY}`]);
      expect(server.log.entries().map((entry) => [entry.route, entry.status])).toEqual([['stream:legacy-get-task', 200]]);
    });

    it('defaults to the video host and documents the chat host', () => {
      expect(STREAM_VIDEO_BASE_URL).toBe('https://video.stream-io-api.com');
      expect(STREAM_CHAT_BASE_URL).toBe('https://chat.stream-io-api.com');
    });

    it.each([
      ['neither apiSecret nor token', { apiKey: API_KEY }],
      ['both apiSecret and token', { apiKey: API_KEY, apiSecret: API_SECRET, token: 'a.b.c' }],
    ])('refuses %s with a TypeError that shows no secret', (_, options) => {
      let thrown: unknown;
      try {
        streamTasks(options);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TypeError);
      expect((thrown as Error).message).toMatch(/exactly one of `apiSecret`.*and `token`/);
      expectNoSecrets(thrown, SECRETS);
    });

    it('refuses an unknown endpoint', () => {
      expect(() => streamTasks({ apiKey: API_KEY, apiSecret: API_SECRET, endpoint: 'v3' as 'v2' })).toThrow(
        new TypeError("Expected `endpoint` to be 'v2' or 'legacy', got v3."),
      );
    });
  });

  describe('statuses', () => {
    it.each([
      ['waiting', 'pending'],
      ['pending', 'pending'],
      ['running', 'running'],
      ['suspended', 'running'],
      ['', 'running'],
      // Found by the fuzzer: a status named like an Object.prototype member is just an unknown status.
      ['constructor', 'running'],
      ['__proto__', 'running'],
    ])('reports "%s" as %s, with providerStatus kept', async (providerStatus, status) => {
      server.tasks.create({ provider: 'stream', id: 't', steps: [{ at: 0, status: providerStatus }] });
      const state = await firstValueFrom(source().watch('t'));
      expect(state).toEqual({
        provider: 'stream',
        id: 't',
        status,
        providerStatus,
        createdAt: new Date(T0),
        updatedAt: new Date(T0),
        raw: { task_id: 't', status: providerStatus, created_at: T0 * 1e6, updated_at: T0 * 1e6, duration: expect.stringMatching(/ms$/) },
      });
    });

    it('follows a task through every state, emitting each change once, and completes with its result', async () => {
      const result = { url: 'https://example.com/export.json' };
      server.tasks.create({
        provider: 'stream',
        id: 'export',
        steps: [
          { at: 0, status: 'waiting' },
          { at: 101, status: 'pending' },
          { at: 202, status: 'running' },
          { at: 303, status: 'completed', result },
        ],
      });
      // Each poll sees the same step until the test moves the server clock: one state per step.
      const outcome = await collect(source().watch('export').pipe(tap(() => clock.advance(101))));
      expect(outcome.completed).toBe(true);
      expect(outcome.values.map(({ status, providerStatus, progress, result: r, updatedAt }) => ({ status, providerStatus, progress, result: r, updatedAt }))).toEqual([
        { status: 'pending', providerStatus: 'waiting', progress: undefined, result: undefined, updatedAt: new Date(T0) },
        { status: 'pending', providerStatus: 'pending', progress: undefined, result: undefined, updatedAt: new Date(T0 + 101) },
        { status: 'running', providerStatus: 'running', progress: undefined, result: undefined, updatedAt: new Date(T0 + 202) },
        { status: 'completed', providerStatus: 'completed', progress: 1, result, updatedAt: new Date(T0 + 303) },
      ]);
      for (const state of outcome.values) expect(state.createdAt).toEqual(new Date(T0));
      expect(server.log.count()).toBe(4);
    });

    it('reads nanosecond timestamps to the exact millisecond, even where 2^53 rounds them down', async () => {
      // T0 + 2 ms in ns is no double: it parses to a value whose division by 1e6 falls just below T0 + 2.
      expect(new Date(JSON.parse(String(BigInt(T0 + 2) * 1000000n)) / 1e6).getTime()).toBe(T0 + 1);
      server.tasks.create({ provider: 'stream', id: 'ns', steps: [{ at: 0, status: 'running' }, { at: 2, status: 'completed' }] });
      clock.advance(2);
      const state = await firstValueFrom(source().watch('ns'));
      expect(state.updatedAt?.getTime()).toBe(T0 + 2);
    });

    it('reads the legacy endpoint\'s RFC 3339 timestamps', async () => {
      server.tasks.create({ provider: 'stream', id: 'rfc', steps: [{ at: 0, status: 'running' }, { at: 500, status: 'completed' }] });
      clock.advance(500);
      const state = await firstValueFrom(source({ endpoint: 'legacy' }).watch('rfc'));
      expect(state.raw).toMatchObject({ created_at: '2025-12-13T10:25:15.856000Z', updated_at: '2025-12-13T10:25:16.356000Z' });
      expect(state.createdAt).toEqual(new Date('2025-12-13T10:25:15.856Z'));
      expect(state.updatedAt).toEqual(new Date('2025-12-13T10:25:16.356Z'));
    });

    it('ends a failed task with a failed state carrying the error type and description, and no error', async () => {
      server.tasks.create({ provider: 'stream', id: 'bad', steps: [{ at: 0, status: 'failed', error: { type: 'export_error', message: 'channel not found' } }] });
      const outcome = await collect(source().watch('bad'));
      expect(outcome.completed).toBe(true);
      expect(outcome.error).toBeUndefined();
      expect(outcome.values).toHaveLength(1);
      expect(outcome.values[0]).toMatchObject({ status: 'failed', providerStatus: 'failed', error: { message: 'channel not found', code: 'export_error' } });
      expect(outcome.values[0]?.progress).toBeUndefined();
    });
  });

  describe('APIError answers', () => {
    async function failingWatch(id = 'task', options: Partial<StreamOptions & SourceOptions> = {}) {
      server.tasks.create({ provider: 'stream', id, steps: [{ at: 0, status: 'running' }] });
      const outcome = await collect(source(options).watch(id));
      expect(outcome.values).toEqual([]);
      expectNoSecrets(outcome.error, SECRETS);
      return outcome.error;
    }

    it('turns a wrong api_key (401, code 2) into an AuthenticationError after one request', async () => {
      const error = await failingWatch('task', { apiKey: 'stream-key-wrong-1' });
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error).toMatchObject({ code: 'AUTHENTICATION', provider: 'stream', taskId: 'task', details: { code: 2 } });
      expect((error as Error).message).toBe('Stream task task was refused (HTTP 401): api_key not valid (code 2)');
      expect(server.log.count()).toBe(1);
    });

    it('turns a token signed with another secret (401, code 43) into an AuthenticationError after one request, never showing the token', async () => {
      const token = await signStreamToken('another-secret-9');
      server.tasks.create({ provider: 'stream', id: 'x', steps: [{ at: 0, status: 'running' }] });
      const outcome = await collect(streamTasks({ apiKey: API_KEY, token, baseUrl: server.url }).watch('x'));
      expect(outcome.error).toBeInstanceOf(AuthenticationError);
      expect(outcome.error).toMatchObject({ details: { code: 43 } });
      expectNoSecrets(outcome.error, [...SECRETS, token]);
      expect(server.log.count()).toBe(1);
    });

    it.each([
      [401, 5],
      [401, 40],
      [401, 41],
      [401, 42],
      [403, 17],
    ])('turns HTTP %i code %i into an AuthenticationError after one request', async (status, code) => {
      server.faults.add({ kind: 'stream-error', status, code, message: `refused ${API_KEY}` });
      const error = await failingWatch();
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error).toMatchObject({ details: { code } });
      // The token's times refused: the message says where to look.
      expect((error as Error).message.includes("check this machine's clock")).toBe(code >= 40 && code <= 42);
      expect(server.log.count()).toBe(1);
    });

    it('turns an unknown task (404, code 16) into a TaskNotFoundError after one request', async () => {
      const outcome = await collect(source().watch('nobody'));
      expect(outcome.error).toBeInstanceOf(TaskNotFoundError);
      expect(outcome.error).toMatchObject({ code: 'TASK_NOT_FOUND', taskId: 'nobody', details: { code: 16 } });
      expectNoSecrets(outcome.error, SECRETS);
      expect(server.log.count()).toBe(1);
    });

    it('turns code 16 under another status (400) into a TaskNotFoundError too', async () => {
      server.faults.add({ kind: 'stream-error', status: 400, code: 16, message: 'task does not exist' });
      const error = await failingWatch();
      expect(error).toBeInstanceOf(TaskNotFoundError);
      expect(server.log.count()).toBe(1);
    });

    it('ends at once on any other 4xx, with the code and message', async () => {
      server.faults.add({ kind: 'stream-error', status: 400, code: 4, message: 'bad input' });
      const error = await failingWatch();
      expect(error).toBeInstanceOf(TransportError);
      expect(error).toMatchObject({ status: 400, details: { code: 4 } });
      expect((error as Error).message).toBe('Stream task task failed with HTTP 400: bad input (code 4)');
      expect(server.log.count()).toBe(1);
    });

    it('retries a 500 and goes on', async () => {
      server.faults.add({ kind: 'server-error', status: 500 });
      server.tasks.create({ provider: 'stream', id: 'flaky', steps: [{ at: 0, status: 'completed' }] });
      const outcome = await collect(source().watch('flaky'));
      expect(outcome.values.map((state) => state.status)).toEqual(['completed']);
      expect(server.log.entries().map((entry) => [entry.status, entry.providerCode])).toEqual([
        [500, -1],
        [200, undefined],
      ]);
    });

    it.each([
      [429, 9, RateLimitError],
      [500, -1, TransportError],
      [503, -1, TransportError],
    ])('never retries an answer marked unrecoverable (HTTP %i, code %i)', async (status, code, type) => {
      server.faults.add({ kind: 'stream-error', status, code, message: 'give up', unrecoverable: true }, { times: Infinity });
      const error = await failingWatch();
      expect(error).toBeInstanceOf(type);
      expect(error).toMatchObject({ details: { code, unrecoverable: true } });
      if (error instanceof RateLimitError) expect(error.exhausted).toBe(true);
      expect(server.log.count()).toBe(1);
    });

    it('retries a 429 until retries are spent, then errors with a RateLimitError', async () => {
      server.faults.add({ kind: 'rate-limited', retryAfterSeconds: 0 }, { times: Infinity });
      const error = await failingWatch('task', { retry: { retries: 2, minDelay: 1, maxDelay: 1 } });
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error).toMatchObject({ code: 'RATE_LIMITED', exhausted: false, retryAfterMs: 0, details: { code: 9 } });
      expect(server.log.count()).toBe(3);
      expect(server.log.rateLimitRefusals()).toBe(3);
    });

    it('ends with a DecodeError, after one request, when a 200 is not JSON', async () => {
      server.faults.add({ kind: 'malformed-json' });
      const error = await failingWatch();
      expect(error).toBeInstanceOf(DecodeError);
      expect(server.log.count()).toBe(1);
    });

    it('names a network failure by method, host and path, never by its query', async () => {
      server.faults.add({ kind: 'connection-reset' });
      const error = await failingWatch('task', { retry: { retries: 0 } });
      expect(error).toBeInstanceOf(TransportError);
      expect((error as Error).message).toContain(`GET ${server.url}/api/v2/tasks/task failed`);
      expect(server.log.count()).toBe(1);
    });
  });
});

describe('streamTasks pacing after a 429, on a fast shared clock', () => {
  let server: FakeProviderServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  // 20× faster than the wall clock for both sides: a 2 s Retry-After takes 100 ms.
  it.each(['seconds', 'http-date', 'reset-only'] as const)('waits as long as a Retry-After in %s form asks before the next request', async (form) => {
    const time = acceleratedTime(20);
    server = await startFakeProviderServer({ clock: time.now, stream: { apiKey: API_KEY, apiSecret: API_SECRET, duplicateRateLimitHeaders: form === 'reset-only' } });
    server.tasks.create({ provider: 'stream', id: 'paced', steps: [{ at: 0, status: 'completed' }] });
    server.faults.add({ kind: 'rate-limited', retryAfterSeconds: 2, retryAfterAs: form });
    const stream = streamTasks({ apiKey: API_KEY, apiSecret: API_SECRET, baseUrl: server.url, scheduler: time.scheduler, retry: { minDelay: 10, maxDelay: 10 } });
    const outcome = await collect(stream.watch('paced'));
    expect(outcome.values.map((state) => state.status)).toEqual(['completed']);
    const [refused, next] = server.log.entries();
    expect([refused?.status, next?.status]).toEqual([429, 200]);
    expect((next?.at as number) - (refused?.at as number)).toBeGreaterThanOrEqual(2000);
  });
});
