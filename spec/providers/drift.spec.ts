// What the fake provider server does not send: bodies that drift from the documented
// shapes, rarer error codes and header combinations. Served over real HTTP on
// 127.0.0.1 by a canned server, and read by the real providers.
import type { ServerResponse } from 'node:http';
import { firstValueFrom, type Observable } from 'rxjs';
import {
  AuthenticationError,
  MOBIZON_DOMAINS,
  mobizonTasks,
  POSTMAN_BASE_URL,
  postmanTasks,
  ProviderError,
  RateLimitError,
  STREAM_CHAT_BASE_URL,
  STREAM_VIDEO_BASE_URL,
  streamTasks,
  TaskNotFoundError,
  TransportError,
  type TaskState,
} from '../../src/index.js';
import { acceleratedTime } from '../../src/testing/index.js';
import { startTestServer, type TestServer } from '../support/httpServer.js';
import { collect, expectNoSecrets } from './support.js';

interface Canned {
  readonly status?: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

const KEY = 'drift-key-4f1a';
const TOKEN = 'drift-token-9c2e';
const fast = { retry: { retries: 2, minDelay: 1, maxDelay: 1 }, jitter: 0 };

describe('the providers against bodies and answers the fake server does not send', () => {
  let server: TestServer;
  /** Answers in order; the last one repeats. */
  let answers: Canned[] = [];
  let arrivals: number[] = [];
  let clock = () => Date.now();

  const serve = (...canned: Canned[]) => {
    answers = canned;
  };
  const reply = (res: ServerResponse, { status = 200, body, headers = {} }: Canned) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  beforeAll(async () => {
    server = await startTestServer((_, res) => {
      arrivals.push(clock());
      reply(res, answers[Math.min(server.requests.length - 1, answers.length - 1)] as Canned);
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    arrivals = [];
    clock = () => Date.now();
  });

  const stream = (options: { endpoint?: 'v2' | 'legacy' } = {}) => streamTasks({ apiKey: KEY, token: TOKEN, baseUrl: server.url, ...fast, ...options });
  const mobizon = () => mobizonTasks({ apiKey: KEY, baseUrl: server.url, ...fast });
  const postman = () => postmanTasks({ apiKey: KEY, baseUrl: server.url, ...fast });
  const first = (task$: Observable<TaskState>) => firstValueFrom(task$);

  describe('default hosts, as the requests are addressed', () => {
    it('Stream: the video host for /api/v2, the chat host for the legacy path (its only host)', () => {
      expect(streamTasks({ apiKey: KEY, token: TOKEN }).baseUrl).toBe(STREAM_VIDEO_BASE_URL);
      expect(streamTasks({ apiKey: KEY, token: TOKEN, endpoint: 'legacy' }).baseUrl).toBe(STREAM_CHAT_BASE_URL);
    });

    it('Mobizon: https on the domain given; Postman: api.getpostman.com', () => {
      for (const domain of MOBIZON_DOMAINS) expect(mobizonTasks({ apiKey: KEY, domain }).baseUrl).toBe(`https://${domain}`);
      expect(postmanTasks({ apiKey: KEY }).baseUrl).toBe(POSTMAN_BASE_URL);
    });
  });

  describe('Stream', () => {
    it.each([
      ['error: null', { error: null }],
      ['duration as a number', { duration: 36.23 }],
      ['task_id: null', { task_id: null }],
      ['a field nobody documented', { shard: { id: 3 } }],
    ])('still reads a state from a 200 with %s, keeping the body as sent in raw', async (_, drift) => {
      const body = { task_id: 't', status: 'running', created_at: 1765621515856428000, updated_at: 1765621516000000000, duration: '1ms', ...drift };
      serve({ body });
      const state = await first(stream().watch('t'));
      expect(state).toMatchObject({ status: 'running', providerStatus: 'running', createdAt: new Date(1765621515856), raw: body });
      expect(state.error).toBeUndefined();
    });

    it('reads a failed task whose error has only a type, or a null description', async () => {
      serve({ body: { task_id: 't', status: 'failed', error: { type: 'export_error', description: null, version: 2 } } });
      const state = await first(stream().watch('t'));
      expect(state).toMatchObject({ status: 'failed', error: { message: 'export_error', code: 'export_error' } });
    });

    it('reads RFC 3339 timestamps on /api/v2 and nanoseconds on the legacy path ("both on both")', async () => {
      serve({ body: { task_id: 't', status: 'completed', created_at: '2025-12-13T10:25:15.856428Z', updated_at: 1765621516000000000 } });
      const v2 = await first(stream().watch('t'));
      const legacy = await first(stream({ endpoint: 'legacy' }).watch('t'));
      for (const state of [v2, legacy]) expect([state.createdAt?.toISOString(), state.updatedAt?.toISOString()]).toEqual(['2025-12-13T10:25:15.856Z', '2025-12-13T10:25:16.000Z']);
      expect(server.requests.map((request) => request.url.split('?')[0])).toEqual(['/api/v2/tasks/t', '/tasks/t']);
    });

    it.each([
      ['a 500 with more_info: null', 500, { code: -1, message: 'boom', more_info: null, unrecoverable: true }, TransportError],
      ['a 429 with message: null', 429, { code: 9, message: null, StatusCode: '429', unrecoverable: true }, RateLimitError],
    ])('never retries %s marked unrecoverable', async (_, status, body, type) => {
      serve({ status, body });
      const outcome = await collect(stream().watch('t'));
      expect(outcome.error).toBeInstanceOf(type);
      expect(outcome.error).toMatchObject({ details: { unrecoverable: true } });
      expect(server.requests).toHaveLength(1);
    });

    it('knows code 16 as not found even when the message is null', async () => {
      serve({ status: 400, body: { code: 16, message: null, StatusCode: 400, details: null } });
      const outcome = await collect(stream().watch('t'));
      expect(outcome.error).toBeInstanceOf(TaskNotFoundError);
      expect(server.requests).toHaveLength(1);
    });
  });

  describe('Mobizon', () => {
    it.each([
      ['message: null', { code: 0, data: { progress: 45, status: 1 }, message: null }, { status: 'running', progress: 0.45 }],
      ['no progress at all', { code: 0, data: { status: 1 }, message: '' }, { status: 'running' }],
      ['progress: null', { code: '0', data: { progress: null, status: '0' } }, { status: 'pending' }],
      ['a status spelled "2.0"', { code: 0, data: { progress: '100', status: '2.0' }, message: '' }, { status: 'completed', providerStatus: '2.0', progress: 1 }],
    ])('still reads a state with %s, keeping the body as sent in raw', async (_, body, expected) => {
      serve({ body });
      const state = await first(mobizon().watch('7'));
      expect(state).toMatchObject({ ...expected, raw: body });
      if (!('progress' in expected)) expect(state.progress).toBeUndefined();
    });

    it.each([
      [4, 'Bad module'],
      [5, 'Bad method'],
      [6, 'Bad format'],
      [10, 'Save error'],
      [12, 'Parameter violates a restriction'],
      [98, 'Partial success'],
      [100, 'Accepted for background processing'],
    ])('ends at once on code %i with a ProviderError carrying the code and message', async (code, message) => {
      serve({ body: { code, data: '', message } });
      const outcome = await collect(mobizon().watch('7'));
      expect(outcome.error).toBeInstanceOf(ProviderError);
      expect(outcome.error).toMatchObject({ providerCode: code, message: `Mobizon task 7: ${message} (code ${code})` });
      expectNoSecrets(outcome.error, [KEY]);
      expect(server.requests).toHaveLength(1);
    });

    it('branches on the code under a 5xx too: a bad key is final, a general error is retried', async () => {
      serve({ status: 500, body: { code: 8, data: '', message: 'Invalid API key' } });
      const refused = await collect(mobizon().watch('7'));
      expect(refused.error).toBeInstanceOf(AuthenticationError);
      expect(server.requests).toHaveLength(1);

      server.requests.length = 0;
      serve({ status: 502, body: { code: 999, data: '', message: 'General error' } }, { body: { code: 0, data: { progress: 100, status: 2 } } });
      const recovered = await collect(mobizon().watch('7'));
      expect(recovered.values.map((state) => state.status)).toEqual(['completed']);
      expect(server.requests).toHaveLength(2);
    });
  });

  describe('Postman', () => {
    it.each([
      ['details: null', { id: 't', status: 'in-progress', details: null }],
      ['meta: null and a numeric id', { id: 42, status: 'in-progress', meta: null }],
      ['meta.model as a number', { id: 't', status: 'pending', meta: { model: 3, action: 'create' } }],
      ['resources as an object', { id: 't', status: 'pending', details: { resources: { id: 'r' } } }],
    ])('still reads a state from a 200 with %s, keeping the body as sent in raw', async (_, body) => {
      serve({ body });
      const state = await first(postman().watch('t'));
      expect(state.raw).toEqual(body);
      expect(['running', 'pending']).toContain(state.status);
    });

    it('reads a failed task whose details.error is a bare string as failed, with a generic message', async () => {
      serve({ body: { id: 't', status: 'failed', details: { error: 'merge conflict' } } });
      const state = await first(postman().watch('t'));
      expect(state).toMatchObject({ status: 'failed', error: { message: 'task failed' } });
    });

    it.each([
      ['a problem body with title: null', { type: 'https://api.postman.com/problems/serviceLimitExhausted', title: null, status: 429 }],
      ['a problem body with status as a string', { type: 'https://api.postman.com/problems/serviceLimitExhausted', title: 'Service limit exhausted', status: '429' }],
      ['a legacy body with message: null', { error: { name: 'serviceLimitExhausted', message: null } }],
      ['the name only in the title', { type: 'https://api.postman.com/problems/too-many-requests', title: 'Service Limit Exhausted', status: 429 }],
    ])('knows serviceLimitExhausted is final in %s: one request, exhausted', async (_, body) => {
      serve({ status: 429, body, headers: { 'retry-after': '0' } });
      const outcome = await collect(postman().watch('t'));
      expect(outcome.error).toBeInstanceOf(RateLimitError);
      expect(outcome.error).toMatchObject({ exhausted: true });
      expect(server.requests).toHaveLength(1);
    });

    it('keeps a legacy error body in the error details as plain data, every field readable', async () => {
      const body = { error: { name: 'AuthenticationError', message: 'Invalid API Key. Every request requires a valid API Key to be sent.' } };
      serve({ status: 401, body });
      const outcome = await collect(postman().watch('t'));
      expect(outcome.error).toBeInstanceOf(AuthenticationError);
      expect(JSON.parse(JSON.stringify((outcome.error as AuthenticationError).details))).toEqual({ body });
    });

    it('waits as long as X-RateLimit-RetryAfter asks when it comes alone', async () => {
      const time = acceleratedTime(20);
      clock = time.now;
      serve({ status: 429, body: { type: 'https://api.postman.com/problems/rate-limit-exceeded', title: 'Too Many Requests', status: 429 }, headers: { 'x-ratelimit-retryafter': '3' } }, { body: { id: 't', status: 'successful' } });
      const outcome = await collect(postmanTasks({ apiKey: KEY, baseUrl: server.url, scheduler: time.scheduler, retry: { minDelay: 10, maxDelay: 10 } }).watch('t'));
      expect(outcome.values.map((state) => state.status)).toEqual(['completed']);
      expect(arrivals).toHaveLength(2);
      expect((arrivals[1] as number) - (arrivals[0] as number)).toBeGreaterThanOrEqual(3000);
    });
  });
});
