import crossFetch from 'cross-fetch';
import fc from 'fast-check';
import { delay, of, queueScheduler, type Observable } from 'rxjs';
import {
  DecodeError,
  mobizonTasks,
  postmanTasks,
  readRateLimitHints,
  streamTasks,
  TaskError,
  TransportError,
  type FetchLike,
  type HttpResponse,
  type SourceOptions,
  type TaskState,
  type Transport,
} from '../../src/index.js';
import { httpTransport } from '../../src/core/http.js';
import type { ProviderName } from '../../src/testing/index.js';
import { startTestServer, type TestServer } from '../support/httpServer.js';
import { installProcessGuard, settleEventLoop, type ProcessGuard } from './processGuard.js';

const PROVIDERS: readonly ProviderName[] = ['stream', 'mobizon', 'postman'];
const STATUSES = ['pending', 'running', 'completed', 'failed', 'waiting', 'in-progress', 'successful'];
const RAW_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

interface Outcome {
  readonly state?: TaskState;
  readonly error?: unknown;
}

/** The first thing a watch says (a state or an error), then unsubscribes. Throws only if subscribing threw. */
function firstOutcome(watch$: Observable<TaskState>): Promise<Outcome> {
  return new Promise((resolve) => {
    const subscription = watch$.subscribe({
      next: (state) => {
        resolve({ state });
        queueMicrotask(() => subscription.unsubscribe());
      },
      error: (error: unknown) => resolve({ error }),
      complete: () => resolve({}),
    });
  });
}

function watchOf(provider: ProviderName, baseUrl: string, options: SourceOptions): Observable<TaskState> {
  const common = { ...options, baseUrl, retry: { retries: 0 }, jitter: 0, maxRequestsPerSecond: Number.POSITIVE_INFINITY };
  switch (provider) {
    case 'stream':
      return streamTasks({ ...common, apiKey: 'fuzz-key', token: 'fuzz-token' }).watch('t1');
    case 'mobizon':
      return mobizonTasks({ ...common, apiKey: 'fuzz-key' }).watch('1');
    case 'postman':
      return postmanTasks({ ...common, apiKey: 'fuzz-key' }).watch('t1');
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** What every failure must look like, whatever the body. */
function expectReadableFailure(outcome: Outcome, { status, body }: { status: number; body: string }): void {
  if (outcome.error === undefined) {
    expect(outcome.state?.status).toMatch(/^(pending|running|completed|failed)$/);
    return;
  }
  const error = outcome.error as TaskError;
  expect(error).toBeInstanceOf(TaskError);
  expect(error.message.length).toBeGreaterThan(10);
  expect(error.message.length).toBeLessThan(1000);
  expect(error.message).not.toMatch(/\[object \w+\]/);
  expect(error.message).not.toMatch(RAW_CONTROL);
  if (status >= 500) expect(error).toBeInstanceOf(TransportError);
  if (status === 200 && !isJson(body)) expect(error).toBeInstanceOf(DecodeError);
}

/** JSON close to a task body: the right keys, any values; or any JSON at all. */
function nearTaskBody(provider: ProviderName): fc.Arbitrary<unknown> {
  const anything = fc.jsonValue({ maxDepth: 3 });
  const status = fc.oneof(fc.constantFrom(...STATUSES), fc.integer({ min: -1, max: 5 }), fc.string(), anything);
  switch (provider) {
    case 'stream':
      return fc.record(
        { task_id: fc.oneof(fc.string(), anything), status, created_at: fc.oneof(fc.integer(), fc.string(), anything), updated_at: anything, duration: fc.string(), result: anything, error: anything },
        { requiredKeys: [] },
      );
    case 'mobizon':
      return fc.record(
        { code: fc.oneof(fc.integer({ min: -1, max: 1000 }), fc.string(), anything), data: fc.oneof(fc.record({ progress: fc.oneof(fc.integer(), fc.string(), anything), status }, { requiredKeys: [] }), anything), message: fc.oneof(fc.string(), anything) },
        { requiredKeys: [] },
      );
    case 'postman':
      return fc.record({ id: fc.oneof(fc.string(), anything), status, details: anything, task: anything, createdAt: anything }, { requiredKeys: [] });
  }
}

const statusArb = fc.oneof(fc.constant(200), fc.constantFrom(201, 204, 301, 400, 401, 403, 404, 408, 410, 418, 429, 500, 502, 503), fc.integer({ min: 200, max: 599 }));
const bodyArb = (provider: ProviderName) =>
  fc.oneof(
    nearTaskBody(provider).map((value) => JSON.stringify(value) ?? 'null'),
    fc.json({ maxDepth: 3 }),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );

describe('fuzzed bodies', () => {
  let guard: ProcessGuard;
  beforeAll(() => {
    guard = installProcessGuard();
  });
  afterAll(() => guard.uninstall());
  afterEach(async () => {
    await settleEventLoop();
    expect(guard.drain().map(String)).toEqual([]);
  });

  describe.each(PROVIDERS)('%s decoder (through the poll loop, no network)', (provider) => {
    it('turns any status and body into a state or a readable TaskError in the error channel, never a throw', async () => {
      await fc.assert(
        fc.asyncProperty(statusArb, bodyArb(provider), async (status, body) => {
          const headers = new Headers({ 'content-type': 'application/json' });
          const response: HttpResponse = { status, headers, body, hints: readRateLimitHints(headers, 0) };
          // Answered on a later turn, as any real transport does.
          const transport: Transport = () => of(response).pipe(delay(0));
          const outcome = await firstOutcome(watchOf(provider, 'https://provider.example', { transport }));
          expectReadableFailure(outcome, { status, body });
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('over real HTTP: random bytes from a local server', () => {
    let server: TestServer;
    let next: { status: number; bytes: Uint8Array; type: string } = { status: 200, bytes: new Uint8Array(), type: 'application/json' };
    beforeAll(async () => {
      server = await startTestServer((_req, res) => {
        res.writeHead(next.status, { 'content-type': next.type, 'content-length': String(next.bytes.byteLength) });
        res.end(next.bytes);
      });
    });
    afterAll(() => server.close());

    const replyArb = fc.record({
      status: statusArb.filter((status) => status !== 204 && status !== 301),
      bytes: fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.json({ maxDepth: 3 }).map((text) => new TextEncoder().encode(text))),
      type: fc.constantFrom('application/json', 'text/html; charset=utf-8', 'application/octet-stream', 'text/plain; charset=latin1'),
    });

    it.each(PROVIDERS)('%s: every failure is a readable TaskError, in the error channel', async (provider) => {
      await fc.assert(
        fc.asyncProperty(replyArb, async (reply) => {
          next = reply;
          const outcome = await firstOutcome(watchOf(provider, server.url, { requestTimeout: 5000 }));
          expectReadableFailure(outcome, { status: reply.status, body: Buffer.from(reply.bytes).toString('utf8') });
        }),
        { numRuns: 60 },
      );
    });

    it('the http layer hands back any bytes as text, or fails with a TransportError once they pass the cap', async () => {
      const transport = httpTransport({ fetch: crossFetch as unknown as FetchLike, timeoutMs: 5000, maxBodyBytes: 1024, scheduler: queueScheduler });
      await fc.assert(
        fc.asyncProperty(replyArb, async (reply) => {
          next = reply;
          const result = await new Promise<{ response?: HttpResponse; error?: unknown }>((resolve) =>
            transport({ method: 'GET', url: `${server.url}/any?api_key=fuzz-secret` }).subscribe({ next: (response) => resolve({ response }), error: (error: unknown) => resolve({ error }) }),
          );
          if (reply.bytes.byteLength > 1024) {
            expect(result.error).toBeInstanceOf(TransportError);
            expect(result.error).toMatchObject({ reason: 'body-too-large' });
            expect((result.error as Error).message).not.toContain('fuzz-secret');
          } else {
            expect(result.response?.status).toBe(reply.status);
            expect(result.response?.body).toBe(new TextDecoder().decode(reply.bytes));
          }
        }),
        { numRuns: 100 },
      );
    });
  });
});
