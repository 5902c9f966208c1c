// The Postman endpoints and answers of the current OpenAPI (1.45): duplication and generation tasks over real
// HTTP against the fake, the official example bodies served as they are, and which 429s are final.
import type { ServerResponse } from 'node:http';
import { firstValueFrom, tap } from 'rxjs';
import { postmanTasks, RateLimitError, TaskNotFoundError, type PostmanOptions, type PostmanTaskRef, type SourceOptions, type TaskState } from '../../src/index.js';
import type { FakeProviderServer } from '../../src/testing/index.js';
import { startTestServer, type TestServer } from '../support/httpServer.js';
import { startOnClock, type ManualClock } from '../testing/fakeServerHelpers.js';
import { DUPLICATE_TASK, DUPLICATE_TASK_400, GENERATION_TASK, PLAN_LIMIT_REACHED, RATE_LIMIT_EXCEEDED, TOO_MANY_REQUESTS } from './fixtures/postmanOpenApi.js';
import { collect } from './support.js';

const API_KEY = 'PMAK-postman-key-Jd83';
const fast: Partial<SourceOptions> = { interval: 5, jitter: 0, maxRequestsPerSecond: Infinity, retry: { retries: 2, minDelay: 1, maxDelay: 5 } };
const statuses = (states: readonly TaskState[]) => states.map((state) => `${state.status}/${state.providerStatus}`);

describe('Postman duplication and generation tasks, against the fake Postman API', () => {
  let server: FakeProviderServer;
  let clock: ManualClock;
  beforeEach(async () => {
    ({ server, clock } = await startOnClock({ postman: { apiKey: API_KEY } }));
  });
  afterEach(() => server.close());
  const source = (options: Partial<PostmanOptions & SourceOptions> = {}) => postmanTasks({ apiKey: API_KEY, baseUrl: server.url, ...fast, ...options });

  it('follows a duplication from processing to completed at /collection-duplicate-tasks/{id}, by ref or by its text duplicate:ID', async () => {
    for (const [id, ref] of [['12345678-dup-1', { id: '12345678-dup-1', kind: 'collection-duplicate' }], ['12345678-dup-2', 'duplicate:12345678-dup-2']] as [string, PostmanTaskRef][]) {
      // Each its own task, created now: the clock the first one moved on does not skip the second's first state.
      const task = server.tasks.create({ provider: 'postman', kind: 'collection-duplicate', id, steps: [{ at: 0, status: 'processing' }, { at: 100, status: 'completed' }] });
      const outcome = await collect(source().watch(ref).pipe(tap(() => clock.advance(100))));
      expect(outcome.completed).toBe(true);
      expect(statuses(outcome.values)).toEqual(['running/processing', 'completed/completed']);
      expect(outcome.values[0]?.raw).toEqual({ task: { id: task.id, reason: null, status: 'processing' } });
    }
    expect(new Set(server.log.entries().map((entry) => entry.path))).toEqual(new Set(['/collection-duplicate-tasks/12345678-dup-1', '/collection-duplicate-tasks/12345678-dup-2']));
  });

  it("reports a failed duplication with Postman's reason", async () => {
    server.tasks.create({ provider: 'postman', kind: 'collection-duplicate', id: 'dup-2', steps: [{ at: 0, status: 'failed', error: { message: 'instance not found' } }] });
    const state = await firstValueFrom(source().watch('duplicate:dup-2'));
    expect(state).toMatchObject({ status: 'failed', providerStatus: 'failed', error: { message: 'instance not found' } });
  });

  it.each([
    ['a spec generated from a collection', 'collections', 'collection:12345678-c0ffee/gen-1', { collectionId: '12345678-c0ffee' }, '/collections/12345678-c0ffee/tasks/gen-1'],
    ['a collection generated from a spec', 'specs', 'spec:73e15000-spec/gen-1', { specId: '73e15000-spec' }, '/specs/73e15000-spec/tasks/gen-1'],
  ] as const)('follows %s at its owner\'s tasks endpoint, with the resources it made as the result', async (_, elementType, text, owner, path) => {
    const elementId = 'collectionId' in owner ? owner.collectionId : owner.specId;
    server.tasks.create({ provider: 'postman', kind: 'generation', id: 'gen-1', elementType, elementId, steps: [{ at: 0, status: 'pending' }, { at: 100, status: 'completed' }] });
    const outcome = await collect(source().watch(text).pipe(tap(() => clock.advance(100))));
    expect(statuses(outcome.values)).toEqual(['pending/pending', 'completed/completed']);
    expect(outcome.values[1]?.result).toEqual([expect.objectContaining({ id: expect.any(String), url: expect.stringMatching(elementType === 'specs' ? /^\/collections\// : /^\/specs\//) })]);
    expect(server.log.entries().map((entry) => entry.path)).toEqual([path, path]);
    // The same task, by its ref object.
    const again = await firstValueFrom(source().watch({ id: 'gen-1', ...owner }));
    expect(again.status).toBe('completed');
  });

  it('reports a failed generation with the reason Postman puts in details, a plain string', async () => {
    server.tasks.create({ provider: 'postman', kind: 'generation', id: 'gen-2', elementId: 'c-1', steps: [{ at: 0, status: 'failed', error: { message: 'Failed to generate collection from specification' } }] });
    const state = await firstValueFrom(source().watch({ id: 'gen-2', collectionId: 'c-1' }));
    expect(state).toMatchObject({ status: 'failed', error: { message: 'Failed to generate collection from specification' } });
    expect(state.result).toBeUndefined();
  });

  it("answers not found for a generation task asked under another owner, or a duplication asked at another kind's endpoint", async () => {
    server.tasks.create({ provider: 'postman', kind: 'generation', id: 'gen-3', elementType: 'specs', elementId: 's-1', steps: [{ at: 0, status: 'pending' }] });
    server.tasks.create({ provider: 'postman', kind: 'collection-duplicate', id: 'dup-3', steps: [{ at: 0, status: 'processing' }] });
    const outcomes = await Promise.all([
      collect(source().watch({ id: 'gen-3', specId: 's-2' })),
      collect(source().watch({ id: 'gen-3', collectionId: 's-1' })),
      collect(source().watch({ id: 'dup-3', kind: 'collection-merge' })),
    ]);
    for (const outcome of outcomes) expect(outcome.error).toBeInstanceOf(TaskNotFoundError);
  });
});

describe("Postman's own example bodies, served as they are", () => {
  let server: TestServer;
  let answer: { status: number; body: unknown; headers?: Record<string, string> };
  beforeAll(async () => {
    server = await startTestServer((_, res: ServerResponse) => {
      res.writeHead(answer.status, { 'content-type': answer.status >= 400 ? 'application/problem+json' : 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
  });
  const source = () => postmanTasks({ apiKey: API_KEY, baseUrl: server.url, ...fast });
  const serve = (status: number, body: unknown, headers?: Record<string, string>) => {
    answer = { status, body, ...(headers === undefined ? {} : { headers }) };
  };

  it.each([
    ['processing', DUPLICATE_TASK.processing, 'running', undefined],
    ['completed', DUPLICATE_TASK.completed, 'completed', undefined],
    ['failed', DUPLICATE_TASK.failed, 'failed', 'instance not found'],
  ] as const)('reads a duplication task that is %s', async (_, body, status, reason) => {
    serve(200, body);
    const state = await firstValueFrom(source().watch({ id: body.task.id, kind: 'collection-duplicate' }));
    expect(state).toMatchObject({ id: body.task.id, status, providerStatus: body.task.status, raw: body });
    expect(state.error?.message).toBe(reason);
  });

  it.each([
    ['pending', GENERATION_TASK.pending, 'pending'],
    ['completed', GENERATION_TASK.completed, 'completed'],
    ['failed', GENERATION_TASK.failed, 'failed'],
  ] as const)('reads a generation task that is %s', async (_, body, status) => {
    serve(200, body);
    const state = await firstValueFrom(source().watch('spec:73e15000-bc7a-4802-b80e-05fff18fd7f8/66ae9950-0869-4e65-96b0-1e0e47e771af'));
    expect(state).toMatchObject({ id: '66ae9950-0869-4e65-96b0-1e0e47e771af', status, raw: body });
    if (status === 'completed') expect(state.result).toEqual(GENERATION_TASK.completed.details.resources);
    if (status === 'failed') expect(state.error).toEqual({ message: 'Failed to sync collection with specification' });
    expect(server.requests[0]?.url).toBe('/specs/73e15000-bc7a-4802-b80e-05fff18fd7f8/tasks/66ae9950-0869-4e65-96b0-1e0e47e771af');
  });

  it("ends a duplication asked with a bad id on Postman's 400, without a retry", async () => {
    serve(400, DUPLICATE_TASK_400);
    const outcome = await collect(source().watch('duplicate:not-a-uid'));
    expect(outcome.error).toMatchObject({ code: 'TRANSPORT', status: 400 });
    expect((outcome.error as Error).message).toContain('Invalid task id');
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ['Too Many Requests (too-many-requests)', TOO_MANY_REQUESTS],
    ['Too Many Requests (rate-limit-exceeded)', RATE_LIMIT_EXCEEDED],
  ])('retries an ordinary rate limit, %s, after its Retry-After', async (_, body) => {
    serve(429, body, { 'Retry-After': '0', RateLimit: 'limit=300, remaining=0, reset=0' });
    const outcome = await collect(source().watch('u-1'));
    expect(outcome.error).toBeInstanceOf(RateLimitError);
    expect((outcome.error as RateLimitError).exhausted).toBe(false);
    // The first request and its two retries.
    expect(server.requests).toHaveLength(3);
  });

  it("ends at once, as exhausted, on a plan's limit: the official body, or this month's calls spent", async () => {
    for (const [body, headers] of [
      [PLAN_LIMIT_REACHED, { 'Retry-After': '0' }],
      [RATE_LIMIT_EXCEEDED, { 'Retry-After': '0', 'RateLimit-Remaining-Month': '0', 'RateLimit-Limit-Month': '1000' }],
    ] as const) {
      server.requests.length = 0;
      serve(429, body, headers);
      const outcome = await collect(source().watch('u-1'));
      expect(outcome.error).toBeInstanceOf(RateLimitError);
      expect(outcome.error).toMatchObject({ exhausted: true });
      expect(server.requests).toHaveLength(1);
    }
  });
});
