// Fuzzing with fast-check, on a fixed seed by default so that CI cannot go red
// at random. FC_SEED=<integer> replays a seed; FC_SEED=random draws one (printed):
//
//   FC_SEED=random npx jest spec/reliability/fuzz.spec.ts
//
// A failure names the seed and the command that replays it.
import { defaultFetch } from '../../src/core/defaultFetch.js';
import fc from 'fast-check';
import { delay, of, queueScheduler, type Observable } from 'rxjs';
import {
  AuthenticationError,
  DecodeError,
  mobizonTasks,
  postmanTasks,
  ProviderError,
  RateLimitError,
  streamTasks,
  TaskError,
  TaskNotFoundError,
  TransportError,
  type SourceOptions,
  type TaskState,
} from '../../src/index.js';
import { readRateLimitHints, type HttpResponse, type Transport } from '../../src/provider.js';
import { httpTransport } from '../../src/core/http.js';
import type { ProviderName } from '../../src/testing/index.js';
import { startTestServer, type TestServer } from '../support/httpServer.js';
import { mobizonCases, postmanApiCases, postmanCollectionCases, streamCases, type BodyCase, type Expectation } from './bodyModels.js';
import { installProcessGuard, settleEventLoop, type ProcessGuard } from './processGuard.js';

/** The seed every property runs with: CI's, unless FC_SEED says otherwise. */
const DEFAULT_SEED = 20251213;
const SEED = seedFromEnvironment(process.env.FC_SEED);

function seedFromEnvironment(value: string | undefined): { seed: number; from: string } {
  if (value === undefined || value.trim() === '') return { seed: DEFAULT_SEED, from: 'the default seed' };
  if (value.trim() === 'random') {
    const seed = (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
    process.stdout.write(`[fuzz] FC_SEED=random: running with seed ${seed}\n`);
    return { seed, from: 'a random seed' };
  }
  if (!/^-?\d+$/.test(value.trim())) throw new Error(`FC_SEED must be an integer or "random", got ${JSON.stringify(value)}.`);
  return { seed: Number(value.trim()) | 0, from: 'FC_SEED' };
}

/** fc.assert on the seed in force; a failure says which seed it was and how to replay it. */
async function check<T>(property: fc.IAsyncPropertyWithHooks<T>, numRuns: number): Promise<void> {
  try {
    await fc.assert(property, { numRuns, seed: SEED.seed });
  } catch (error) {
    const replay = `Fuzzing ran on ${SEED.from}, ${SEED.seed}: replay with FC_SEED=${SEED.seed} npx jest spec/reliability/fuzz.spec.ts`;
    if (error instanceof Error) error.message = `${replay}\n\n${error.message}`;
    throw error;
  }
}

const PROVIDERS: readonly ProviderName[] = ['stream', 'mobizon', 'postman'];
const STATUSES = ['pending', 'running', 'completed', 'failed', 'waiting', 'in-progress', 'successful'];
const RAW_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const FUZZ_SECRET = 'fuzz-key-7Gq2';

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

type Target = ProviderName | 'postman-api';

function watchOf(target: Target, baseUrl: string, options: SourceOptions): Observable<TaskState> {
  const common = { ...options, baseUrl, retry: { retries: 0 }, jitter: 0, maxRequestsPerSecond: Number.POSITIVE_INFINITY };
  switch (target) {
    case 'stream':
      return streamTasks({ ...common, apiKey: FUZZ_SECRET, token: 'fuzz-token' }).watch('t1');
    case 'mobizon':
      return mobizonTasks({ ...common, apiKey: FUZZ_SECRET }).watch('1');
    case 'postman':
      return postmanTasks({ ...common, apiKey: FUZZ_SECRET }).watch('t1');
    case 'postman-api':
      return postmanTasks({ ...common, apiKey: FUZZ_SECRET }).watch({ id: 't1', apiId: 'a1' });
  }
}

/** A transport answering every request with `body` and `status`, on a later turn (as any real one does). */
function answering(status: number, body: string): Transport {
  const headers = new Headers({ 'content-type': 'application/json' });
  const response: HttpResponse = { status, headers, body, hints: readRateLimitHints(headers, 0) };
  return () => of(response).pipe(delay(0));
}

function parsedJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** An error message a person can read in a log: not empty, not huge, one printable line, no "[object Object]", no key. */
function expectReadableMessage(error: unknown): void {
  expect(error).toBeInstanceOf(TaskError);
  const { message } = error as TaskError;
  expect(message.length).toBeGreaterThan(10);
  expect(message.length).toBeLessThan(1000);
  expect(message).not.toMatch(/\[object \w+\]/);
  expect(message).not.toMatch(RAW_CONTROL);
  expect(message).not.toContain(FUZZ_SECRET);
}

/** What every outcome must look like, whatever the status and body. */
function expectSoundOutcome(provider: ProviderName, outcome: Outcome, { status, body }: { status: number; body: string }): void {
  if (outcome.error === undefined) {
    expect(outcome.state?.status).toMatch(/^(pending|running|completed|failed)$/);
    return;
  }
  expectReadableMessage(outcome.error);
  const success = status >= 200 && status < 300;
  if (status >= 500) expect(outcome.error).toBeInstanceOf(TransportError);
  const json = parsedJson(body);
  if (success && !json.ok) expect(outcome.error).toBeInstanceOf(DecodeError);
  // Stream and Postman speak HTTP: a 2xx is a task body, and a 2xx JSON body they cannot read is a DecodeError.
  if (success && json.ok && provider !== 'mobizon') expect(outcome.error).toBeInstanceOf(DecodeError);
  // Mobizon's 2xx is an envelope: unreadable, or code 0 with unreadable data, is a DecodeError; another code, its error.
  if (success && json.ok && provider === 'mobizon') expect(outcome.error).toBeInstanceOf(mobizonErrorClass(json.value));
}

function mobizonErrorClass(envelope: unknown): abstract new (...args: never[]) => TaskError {
  const code = typeof envelope === 'object' && envelope !== null && !Array.isArray(envelope) ? (envelope as { code?: unknown }).code : undefined;
  const looseCode = typeof code === 'number' ? code : typeof code === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(code) ? Number(code) : undefined;
  if (looseCode === undefined || looseCode === 0) return DecodeError;
  if (looseCode === 2) return TaskNotFoundError;
  if (looseCode === 8 || looseCode === 9 || looseCode === 14) return AuthenticationError;
  if (looseCode === 30) return RateLimitError;
  return ProviderError;
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

/** The state as plain data, `id` and `provider` aside, dates as ms: what a case's expectation describes. */
function seen(state: TaskState): Record<string, unknown> {
  const { status, providerStatus, progress, result, error, createdAt, updatedAt, raw } = state;
  return Object.fromEntries(
    Object.entries({ status, providerStatus, progress, result, error, createdAt: createdAt?.getTime(), updatedAt: updatedAt?.getTime(), raw }).filter(([, value]) => value !== undefined),
  );
}

function expectAsModelled(outcome: Outcome, expected: Expectation): void {
  switch (expected.kind) {
    case 'state':
      expect(outcome.error).toBeUndefined();
      expect(seen(outcome.state as TaskState)).toEqual(expected.state);
      return;
    case 'decode-error': {
      expect(outcome.error).toBeInstanceOf(DecodeError);
      const { paths } = outcome.error as DecodeError;
      expect({ paths, named: paths.some((path) => path.startsWith(`${expected.field}:`)) }).toMatchObject({ named: true });
      expectReadableMessage(outcome.error);
      return;
    }
    case 'error':
      expect(outcome.error).toMatchObject({ name: expected.name });
      expectReadableMessage(outcome.error);
  }
}

describe(`fuzzed bodies (seed ${SEED.seed}, ${SEED.from})`, () => {
  let guard: ProcessGuard;
  beforeAll(() => {
    guard = installProcessGuard();
  });
  afterAll(() => guard.uninstall());
  afterEach(async () => {
    await settleEventLoop();
    expect(guard.drain().map(String)).toEqual([]);
  });

  describe('valid bodies changed one field at a time: the body → state mapping, field by field', () => {
    const models: ReadonlyArray<[Target, fc.Arbitrary<BodyCase>]> = [
      ['stream', streamCases],
      ['mobizon', mobizonCases],
      ['postman', postmanCollectionCases],
      ['postman-api', postmanApiCases],
    ];

    it.each(models)('%s: every case decodes to the modelled state, or to the modelled error', async (target, cases) => {
      const tally = { states: new Set<string>(), decodeErrors: 0, providerErrors: 0 };
      await check(
        fc.asyncProperty(cases, async ({ body, expected }) => {
          const outcome = await firstOutcome(watchOf(target, 'https://provider.example', { transport: answering(200, JSON.stringify(body)) }));
          expectAsModelled(outcome, expected);
          if (outcome.state !== undefined) tally.states.add(outcome.state.status);
          else if (outcome.error instanceof DecodeError) tally.decodeErrors++;
          else tally.providerErrors++;
        }),
        400,
      );
      // The runs reached every normalised status and the failures too: the mapping itself was exercised.
      expect([...tally.states].sort()).toEqual(['completed', 'failed', 'pending', 'running']);
      expect(tally.decodeErrors).toBeGreaterThan(20);
      if (target === 'mobizon') expect(tally.providerErrors).toBeGreaterThan(5);
    });
  });

  describe.each(PROVIDERS)('%s decoder with any status and body (through the poll loop, no network)', (provider) => {
    it('gives a state or a readable TaskError in the error channel, never a throw; a 2xx it cannot read is a DecodeError', async () => {
      await check(
        fc.asyncProperty(statusArb, bodyArb(provider), async (status, body) => {
          const outcome = await firstOutcome(watchOf(provider, 'https://provider.example', { transport: answering(status, body) }));
          expectSoundOutcome(provider, outcome, { status, body });
        }),
        300,
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

    const replyFields = {
      status: statusArb.filter((status) => status !== 204 && status !== 301),
      bytes: fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.json({ maxDepth: 3 }).map((text) => new TextEncoder().encode(text))),
      type: fc.constantFrom('application/json', 'text/html; charset=utf-8', 'application/octet-stream', 'text/plain; charset=latin1'),
    };
    const replyArb = fc.record(replyFields);

    it.each(PROVIDERS)('%s: every failure is a readable TaskError, in the error channel', async (provider) => {
      await check(
        fc.asyncProperty(replyArb, async (reply) => {
          next = reply;
          const outcome = await firstOutcome(watchOf(provider, server.url, { requestTimeout: 5000 }));
          expectSoundOutcome(provider, outcome, { status: reply.status, body: Buffer.from(reply.bytes).toString('utf8') });
        }),
        60,
      );
    });

    it('the http layer hands back any bytes as text, or fails with a readable TransportError once they pass the cap', async () => {
      const aroundTheCap = fc.record({ ...replyFields, bytes: fc.oneof(fc.uint8Array({ maxLength: 1024 }), fc.uint8Array({ minLength: 1025, maxLength: 8192 })) });
      const transport = httpTransport({ fetch: defaultFetch, timeoutMs: 5000, maxBodyBytes: 1024, scheduler: queueScheduler });
      let refused = 0;
      await check(
        fc.asyncProperty(aroundTheCap, async (reply) => {
          next = reply;
          const result = await new Promise<{ response?: HttpResponse; error?: unknown }>((resolve) =>
            transport({ method: 'GET', url: `${server.url}/any?api_key=${FUZZ_SECRET}` }).subscribe({ next: (response) => resolve({ response }), error: (error: unknown) => resolve({ error }) }),
          );
          if (reply.bytes.byteLength > 1024) {
            refused++;
            expect(result.error).toBeInstanceOf(TransportError);
            expect(result.error).toMatchObject({ reason: 'body-too-large' });
            expectReadableMessage(result.error);
            // It names the request by method, origin and path, the key left out.
            expect((result.error as Error).message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/any /);
          } else {
            expect(result.error).toBeUndefined();
            expect(result.response?.status).toBe(reply.status);
            expect(result.response?.body).toBe(new TextDecoder().decode(reply.bytes));
          }
        }),
        100,
      );
      expect(refused).toBeGreaterThan(0);
    });
  });
});
