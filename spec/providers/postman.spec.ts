import crossFetch from 'cross-fetch';
import { firstValueFrom, tap } from 'rxjs';
import type { FetchLike } from '../../src/core/http.js';
import {
  AuthenticationError,
  POSTMAN_BASE_URL,
  postmanTasks,
  RateLimitError,
  TaskNotFoundError,
  TransportError,
  type PostmanOptions,
  type PostmanTaskRef,
  type SourceOptions,
} from '../../src/index.js';
import { acceleratedTime, startFakeProviderServer, type FakeProviderServer, type PostmanErrorShape } from '../../src/testing/index.js';
import type { TestServer } from '../support/httpServer.js';
import { startOnClock, T0, type ManualClock } from '../testing/fakeServerHelpers.js';
import { collect, expectNoSecrets, headerOf, startRecordingProxy } from './support.js';

const API_KEY = 'PMAK-postman-key-Jd83';
const SHAPES: PostmanErrorShape[] = ['problem', 'legacy'];

/** `2025-12-13T10:25:15Z`: Postman's timestamps have whole seconds. */
const seconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);

describe('postmanTasks against the fake Postman API', () => {
  let server: FakeProviderServer;
  let clock: ManualClock;
  let proxy: TestServer | undefined;

  beforeEach(async () => {
    ({ server, clock } = await startOnClock({ postman: { apiKey: API_KEY } }));
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await server.close();
  });

  const source = (options: Partial<PostmanOptions & SourceOptions> = {}) =>
    postmanTasks({ apiKey: API_KEY, baseUrl: server.url, interval: 5, jitter: 0, maxRequestsPerSecond: Infinity, retry: { minDelay: 1, maxDelay: 5 }, ...options });

  describe('the request', () => {
    it.each<[string, (id: string) => PostmanTaskRef, 'collection-update' | 'collection-merge' | 'api', (id: string) => string, string]>([
      ['a bare id', (id) => id, 'collection-update', (id) => `/collection-updates-tasks/${id}`, 'application/json'],
      ['{ id, kind: "collection-update" }', (id) => ({ id, kind: 'collection-update' }), 'collection-update', (id) => `/collection-updates-tasks/${id}`, 'application/json'],
      ['{ id, kind: "collection-merge" }', (id) => ({ id, kind: 'collection-merge' }), 'collection-merge', (id) => `/collection-merges-tasks/${id}`, 'application/json'],
      ['{ id, apiId }', (id) => ({ id, apiId: 'api-1' }), 'api', (id) => `/apis/api-1/tasks/${id}`, 'application/vnd.api.v10+json'],
      ['the text "update:ID"', (id) => `update:${id}`, 'collection-update', (id) => `/collection-updates-tasks/${id}`, 'application/json'],
      ['the text "merge:ID"', (id) => `merge:${id}`, 'collection-merge', (id) => `/collection-merges-tasks/${id}`, 'application/json'],
      ['the text "API_ID/ID"', (id) => `api-1/${id}`, 'api', (id) => `/apis/api-1/tasks/${id}`, 'application/vnd.api.v10+json'],
    ])('for %s sends a GET to its endpoint with x-api-key and the right Accept', async (_, ref, kind, path, accept) => {
      proxy = await startRecordingProxy(server.url);
      const task = server.tasks.create(
        kind === 'api' ? { provider: 'postman', kind, apiId: 'api-1', steps: [{ at: 0, status: 'completed' }] } : { provider: 'postman', kind, steps: [{ at: 0, status: 'successful' }] },
      );
      const outcome = await collect(source({ baseUrl: proxy.url }).watch(ref(task.id)));
      expect(outcome.values.map((state) => [state.id, state.status])).toEqual([[task.id, 'completed']]);
      expect(proxy.requests).toHaveLength(1);
      const [request] = proxy.requests;
      expect(request?.method).toBe('GET');
      expect(request?.url).toBe(path(task.id));
      expect(headerOf(request, 'x-api-key')).toBe(API_KEY);
      expect(headerOf(request, 'accept')).toBe(accept);
    });

    it('gives a fetch of its own a new AbortSignal for every request (only the default fetch lets go of one for the next)', async () => {
      const task = server.tasks.create({ provider: 'postman', kind: 'collection-update', steps: [{ at: 0, status: 'in-progress' }, { at: 10, status: 'successful' }] });
      const signals: AbortSignal[] = [];
      const fetch: FetchLike = (url, init) => {
        signals.push(init.signal);
        clock.advance(5);
        return (crossFetch as unknown as FetchLike)(url, init);
      };
      const outcome = await collect(source({ fetch }).watch(task.id));
      expect(outcome.values.map((state) => state.status)).toEqual(['running', 'completed']);
      expect(signals.length).toBeGreaterThanOrEqual(2);
      expect(new Set(signals).size).toBe(signals.length);
    });

    it('defaults to api.getpostman.com', () => {
      expect(POSTMAN_BASE_URL).toBe('https://api.getpostman.com');
    });

    it.each<[string, unknown, string]>([
      ['an unknown kind', { id: 'x', kind: 'collection-fork' }, `Expected \`kind\` to be 'collection-update', 'collection-merge' or 'collection-duplicate', got "collection-fork".`],
      ['a number', 42, 'Expected a Postman task id, or { id, kind }, { id, collectionId }, { id, specId } or { id, apiId }, got 42.'],
      ['an empty apiId', { id: 'x', apiId: '' }, 'Expected `apiId` to be a non-empty string, got an empty string.'],
    ])('refuses %s as a ref when watch is called', (_, ref, message) => {
      expect(() => source().watch(ref as PostmanTaskRef)).toThrow(new TypeError(message));
    });

    it('keeps a collection task and an API task of the same id apart', async () => {
      server.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'same', steps: [{ at: 0, status: 'in-progress' }] });
      server.tasks.create({ provider: 'postman', kind: 'api', id: 'same-api', apiId: 'a1', steps: [{ at: 0, status: 'pending' }] });
      const postman = source();
      const [merge, missing] = await Promise.all([
        firstValueFrom(postman.watch({ id: 'same', kind: 'collection-merge' })),
        collect(postman.watch({ id: 'same', apiId: 'a1' })),
      ]);
      expect(merge.status).toBe('running');
      expect(missing.error).toBeInstanceOf(TaskNotFoundError);
    });
  });

  describe('collection update and merge tasks', () => {
    it.each([
      ['collection-update', 'in-progress', 'running'],
      ['collection-update', 'queued', 'running'],
      ['collection-merge', 'in-progress', 'running'],
      ['collection-merge', 'queued', 'running'],
      // Found by the fuzzer: a status named like an Object.prototype member is just an unknown status.
      ['collection-update', 'toString', 'running'],
      ['collection-merge', 'hasOwnProperty', 'running'],
    ] as const)('a %s task reports "%s" as %s', async (kind, providerStatus, status) => {
      const task = server.tasks.create({ provider: 'postman', kind, steps: [{ at: 0, status: providerStatus }] });
      const state = await firstValueFrom(source().watch({ id: task.id, kind }));
      expect(state).toEqual({ provider: 'postman', id: task.id, status, providerStatus, raw: { id: task.id, status: providerStatus } });
    });

    it('follows an update to "successful", then completes', async () => {
      const task = server.tasks.create({ provider: 'postman', steps: [{ at: 0, status: 'in-progress' }, { at: 100, status: 'successful' }] });
      const outcome = await collect(source().watch(task.id).pipe(tap(() => clock.advance(100))));
      expect(outcome.completed).toBe(true);
      expect(outcome.values.map((state) => [state.status, state.providerStatus, state.progress])).toEqual([
        ['running', 'in-progress', undefined],
        ['completed', 'successful', 1],
      ]);
      expect(server.log.count()).toBe(2);
    });

    it('reports a failed merge with details.error.message, and a failed update with a generic message', async () => {
      const merge = server.tasks.create({ provider: 'postman', kind: 'collection-merge', steps: [{ at: 0, status: 'failed', error: { message: 'merge conflict in folder A' } }] });
      const update = server.tasks.create({ provider: 'postman', steps: [{ at: 0, status: 'failed' }] });
      const [merged, updated] = await Promise.all([collect(source().watch({ id: merge.id, kind: 'collection-merge' })), collect(source().watch(update.id))]);
      expect(merged.values).toEqual([
        {
          provider: 'postman',
          id: merge.id,
          status: 'failed',
          providerStatus: 'failed',
          error: { message: 'merge conflict in folder A' },
          raw: { id: merge.id, status: 'failed', details: { error: { message: 'merge conflict in folder A' } } },
        },
      ]);
      expect(merged.error).toBeUndefined();
      expect(updated.values.map((state) => state.error)).toEqual([{ message: 'task failed' }]);
    });
  });

  describe('API Builder tasks', () => {
    const meta = { url: '/apis/a1/versions', model: 'api-version', action: 'create' };

    it.each([
      ['pending', 'pending'],
      ['processing', 'running'],
    ])('reports "%s" as %s, with meta and timestamps', async (providerStatus, status) => {
      const task = server.tasks.create({ provider: 'postman', kind: 'api', apiId: 'a1', meta, steps: [{ at: 0, status: providerStatus }] });
      const state = await firstValueFrom(source().watch({ id: task.id, apiId: 'a1' }));
      expect(state).toEqual({
        provider: 'postman',
        id: task.id,
        status,
        providerStatus,
        createdAt: seconds(T0),
        updatedAt: seconds(T0),
        raw: { id: task.id, meta, status: providerStatus, createdAt: '2025-12-13T10:25:15Z', updatedAt: '2025-12-13T10:25:15Z' },
      });
    });

    it('passes details.resources of a completed task through as its result', async () => {
      const resources = [{ id: 'v2', url: '/apis/a1/versions/v2' }];
      const task = server.tasks.create({ provider: 'postman', kind: 'api', apiId: 'a1', meta, steps: [{ at: 0, status: 'pending' }, { at: 9000, status: 'completed', result: resources }] });
      clock.advance(9000);
      const outcome = await collect(source().watch({ id: task.id, apiId: 'a1' }));
      expect(outcome.values).toHaveLength(1);
      expect(outcome.values[0]).toMatchObject({ status: 'completed', providerStatus: 'completed', progress: 1, result: resources, updatedAt: seconds(T0 + 9000) });
      expect(outcome.values[0]?.raw).toMatchObject({ meta, details: { resources } });
    });

    it('reports a failed task with details.error.message', async () => {
      const task = server.tasks.create({ provider: 'postman', kind: 'api', apiId: 'a1', steps: [{ at: 0, status: 'failed', error: { message: 'version name taken' } }] });
      const state = await firstValueFrom(source().watch({ id: task.id, apiId: 'a1' }));
      expect(state).toMatchObject({ status: 'failed', error: { message: 'version name taken' } });
    });
  });

  describe.each(SHAPES)('errors in the %s shape', (errorShape) => {
    async function failingWatch(options: Partial<PostmanOptions & SourceOptions> = {}) {
      const task = server.tasks.create({ provider: 'postman', steps: [{ at: 0, status: 'in-progress' }] });
      const outcome = await collect(source(options).watch(task.id));
      expect(outcome.values).toEqual([]);
      expectNoSecrets(outcome.error, [API_KEY, 'PMAK-wrong-key']);
      return outcome.error;
    }

    it('turns a wrong key (401) into an AuthenticationError after one request, with the reason', async () => {
      await server.close();
      ({ server, clock } = await startOnClock({ postman: { apiKey: API_KEY, errorShape } }));
      const error = await failingWatch({ apiKey: 'PMAK-wrong-key' });
      expect(error).toBeInstanceOf(AuthenticationError);
      const reason = errorShape === 'legacy' ? 'Invalid API Key. Every request requires a valid API Key to be sent.' : 'A valid API key must be provided in the request header.';
      expect((error as Error).message).toMatch(new RegExp(`^Postman task \\S+ was refused \\(HTTP 401\\): ${reason.replace(/\./g, '\\.')}$`));
      expect(server.log.count()).toBe(1);
    });

    it('never shows a key that the provider echoes in its message', async () => {
      server.faults.add({ kind: 'postman-error', status: 401, name: 'AuthenticationError', message: `Invalid API Key ${API_KEY}`, errorShape });
      const error = await failingWatch();
      expect((error as Error).message).toMatch(/Invalid API Key \[redacted\]$/);
    });

    it('turns a 403 into an AuthenticationError after one request', async () => {
      server.faults.add({ kind: 'postman-error', status: 403, name: 'forbiddenError', message: 'Forbidden', errorShape });
      expect(await failingWatch()).toBeInstanceOf(AuthenticationError);
      expect(server.log.count()).toBe(1);
    });

    it('turns an unknown task (404) into a TaskNotFoundError after one request', async () => {
      await server.close();
      ({ server, clock } = await startOnClock({ postman: { apiKey: API_KEY, errorShape } }));
      const outcome = await collect(source().watch({ id: 'gone', kind: 'collection-merge' }));
      expect(outcome.error).toBeInstanceOf(TaskNotFoundError);
      expect(outcome.error).toMatchObject({ provider: 'postman', taskId: 'gone', details: { body: expect.any(Object) } });
      expect((outcome.error as Error).message).toBe('Postman task gone was not found (HTTP 404): We could not find a task with id gone.');
      expect(server.log.count()).toBe(1);
    });

    it("turns a plan's limit (serviceLimitExhausted, or the OpenAPI's plan-limit problem) into a RateLimitError at once, never retried", async () => {
      server.faults.add({ kind: 'service-limit-exhausted', errorShape }, { times: Infinity });
      const error = await failingWatch({ retry: { retries: 5, minDelay: 1 } });
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error).toMatchObject({ code: 'RATE_LIMITED', exhausted: true });
      expect((error as Error).message).toMatch(
        errorShape === 'legacy' ? /the plan's usage limit is exhausted: You've reached the usage limit of your plan/ : /the plan's limit is reached: You've reached the limit for number of Packages\./,
      );
      expect(server.log.count()).toBe(1);
    });

    it('retries rateLimited until retries are spent, then errors with a RateLimitError carrying the wait', async () => {
      server.faults.add({ kind: 'rate-limited', retryAfterSeconds: 0, errorShape }, { times: Infinity });
      const error = await failingWatch({ retry: { retries: 2, minDelay: 1, maxDelay: 1 } });
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error).toMatchObject({ exhausted: false, retryAfterMs: 0 });
      expect(server.log.count()).toBe(3);
    });

    it.each([500, 503])('retries a %i and goes on', async (status) => {
      server.faults.add({ kind: 'server-error', status, errorShape });
      const task = server.tasks.create({ provider: 'postman', steps: [{ at: 0, status: 'successful' }] });
      const outcome = await collect(source().watch(task.id));
      expect(outcome.values.map((state) => state.status)).toEqual(['completed']);
      expect(server.log.entries().map((entry) => entry.status)).toEqual([status, 200]);
    });

    it('ends at once on another 4xx, with its status and reason', async () => {
      server.faults.add({ kind: 'postman-error', status: 400, name: 'paramMissingError', message: 'Parameter is missing', errorShape });
      const error = await failingWatch();
      expect(error).toBeInstanceOf(TransportError);
      expect(error).toMatchObject({ status: 400 });
      expect((error as Error).message).toMatch(/failed with HTTP 400: Parameter is missing$/);
      expect(server.log.count()).toBe(1);
    });
  });
});

describe('postmanTasks after a rateLimited 429, on a fast shared clock', () => {
  let server: FakeProviderServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.each(['seconds', 'http-date', 'reset-only'] as const)('waits as long as the %s form of the wait asks before the next request', async (form) => {
    const time = acceleratedTime(20);
    server = await startFakeProviderServer({ clock: time.now, postman: { apiKey: API_KEY, duplicateRateLimitHeaders: form === 'reset-only' } });
    const task = server.tasks.create({ provider: 'postman', steps: [{ at: 0, status: 'successful' }] });
    server.faults.add({ kind: 'rate-limited', retryAfterSeconds: 2, retryAfterAs: form });
    const postman = postmanTasks({ apiKey: API_KEY, baseUrl: server.url, scheduler: time.scheduler, retry: { minDelay: 10, maxDelay: 10 } });
    const outcome = await collect(postman.watch(task.id));
    expect(outcome.values.map((state) => state.status)).toEqual(['completed']);
    const [refused, next] = server.log.entries();
    expect([refused?.status, next?.status]).toEqual([429, 200]);
    expect((next?.at as number) - (refused?.at as number)).toBeGreaterThanOrEqual(2000);
  });
});
