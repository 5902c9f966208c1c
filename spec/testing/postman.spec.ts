import { lastValueFrom, toArray } from 'rxjs';
import { postmanTasks, TaskNotFoundError } from '../../src/index.js';
import { acceleratedTime, startFakeProviderServer, type FakeProviderServer } from '../../src/testing/index.js';
import { postmanGet, startOnClock, type ManualClock } from './fakeServerHelpers.js';

describe('fake Postman task endpoints', () => {
  let server: FakeProviderServer;
  let clock: ManualClock;

  afterEach(() => server.close());

  describe('task bodies', () => {
    beforeEach(async () => {
      ({ server, clock } = await startOnClock());
    });

    it.each([
      [0, '{"id":"u1","status":"in-progress"}'],
      [1000, '{"id":"u1","status":"successful"}'],
    ])('GET /collection-updates-tasks/:id at %i ms answers exactly %s', async (elapsed, body) => {
      server.tasks.create({ provider: 'postman', id: 'u1', duration: 1000 });
      clock.advance(elapsed);
      const response = await postmanGet(server, '/collection-updates-tasks/u1');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.text()).toBe(body);
    });

    it('reports a failed collection update as {id, status: "failed"}', async () => {
      server.tasks.create({ provider: 'postman', id: 'u2', duration: 0, outcome: 'failed' });
      expect(await (await postmanGet(server, '/collection-updates-tasks/u2')).text()).toBe('{"id":"u2","status":"failed"}');
    });

    it('reports collection merges, with details.error.message when failed', async () => {
      server.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'm1', duration: 500 });
      server.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'm2', duration: 500, outcome: 'failed', error: { message: 'Merge conflict' } });
      expect(await (await postmanGet(server, '/collection-merges-tasks/m1')).text()).toBe('{"id":"m1","status":"in-progress"}');
      clock.advance(500);
      expect(await (await postmanGet(server, '/collection-merges-tasks/m1')).text()).toBe('{"id":"m1","status":"successful"}');
      expect(await (await postmanGet(server, '/collection-merges-tasks/m2')).text()).toBe(
        '{"id":"m2","status":"failed","details":{"error":{"message":"Merge conflict"}}}',
      );
    });

    it('reports API tasks with meta, details and whole-second timestamps', async () => {
      const meta = { url: '/apis/a1/versions', model: 'api-version', action: 'create' };
      const resources = [{ id: 'v9', url: '/apis/a1/versions/v9' }];
      server.tasks.create({ provider: 'postman', kind: 'api', id: 't1', apiId: 'a1', meta, duration: 9000, result: resources });
      const pending = await postmanGet(server, '/apis/a1/tasks/t1');
      expect(await pending.text()).toBe(
        '{"id":"t1","meta":{"url":"/apis/a1/versions","model":"api-version","action":"create"},"status":"pending","createdAt":"2025-12-13T10:25:15Z","updatedAt":"2025-12-13T10:25:15Z"}',
      );
      clock.advance(9000);
      expect(await (await postmanGet(server, '/apis/a1/tasks/t1')).json()).toEqual({
        id: 't1',
        meta,
        status: 'completed',
        details: { resources },
        createdAt: '2025-12-13T10:25:15Z',
        updatedAt: '2025-12-13T10:25:24Z',
      });
    });

    it('reports a failed API task with details.error.message', async () => {
      const meta = { url: '/collections/c1', model: 'collection', action: 'update' } as const;
      server.tasks.create({ provider: 'postman', kind: 'api', id: 't2', apiId: 'a1', meta, duration: 100, outcome: 'failed', error: { message: 'Invalid schema' } });
      clock.advance(100);
      expect(await (await postmanGet(server, '/apis/a1/tasks/t2')).json()).toEqual({
        id: 't2',
        meta,
        status: 'failed',
        details: { error: { message: 'Invalid schema' } },
        createdAt: '2025-12-13T10:25:15Z',
        updatedAt: '2025-12-13T10:25:15Z',
      });
    });

    it('gives an API task a default api id, meta and resources', async () => {
      const task = server.tasks.create({ provider: 'postman', kind: 'api', id: 't3', duration: 0 });
      expect(task.apiId).toMatch(/^[0-9a-f-]{36}$/);
      expect(task.meta).toEqual({ url: `/apis/${task.apiId}/versions`, model: 'api-version', action: 'create' });
      const body = (await (await postmanGet(server, `/apis/${task.apiId}/tasks/t3`)).json()) as { details: { resources: Array<{ id: string; url: string }> } };
      const [resource] = body.details.resources;
      expect(resource?.url).toBe(`/apis/${task.apiId}/versions/${resource?.id}`);
    });

    it('answers 404 for a task asked at another kind\'s endpoint or under another API', async () => {
      server.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'm1', duration: 100 });
      server.tasks.create({ provider: 'postman', kind: 'api', id: 't1', apiId: 'a1', duration: 100 });
      for (const path of ['/collection-updates-tasks/m1', '/apis/a1/tasks/m1', '/apis/a2/tasks/t1', '/collection-merges-tasks/t1']) {
        expect((await postmanGet(server, path)).status).toBe(404);
      }
    });
  });

  describe('collection merge tasks are kept 24 h, then 404', () => {
    beforeEach(async () => {
      ({ server, clock } = await startOnClock());
    });

    it('answers for a merge until 24 h after its creation (server clock), then "not found"', async () => {
      const merge = server.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'm1', duration: 1000 });
      const update = server.tasks.create({ provider: 'postman', id: 'u1', duration: 1000 });
      const day = 24 * 60 * 60 * 1000;
      expect(merge.expiresAt).toBe(merge.createdAt + day);
      expect(update.expiresAt).toBeUndefined();
      clock.advance(day - 1);
      expect(await (await postmanGet(server, '/collection-merges-tasks/m1')).json()).toEqual({ id: 'm1', status: 'successful' });
      clock.advance(1);
      const gone = await postmanGet(server, '/collection-merges-tasks/m1');
      expect(gone.status).toBe(404);
      expect(await gone.json()).toMatchObject({ title: 'Task not found', detail: 'We could not find a task with id m1.' });
      // Other kinds are not expired, and the merge is still on the board (its script can be read).
      expect((await postmanGet(server, '/collection-updates-tasks/u1')).status).toBe(200);
      expect(server.tasks.get('m1')).toBe(merge);
    });

    it('ends a watch that outlives the task with TaskNotFoundError, in accelerated time', async () => {
      await server.close();
      // A merge that never finishes, polled every hour of task time for a day and more: 86,400× faster than the wall clock.
      const time = acceleratedTime(86_400);
      server = await startFakeProviderServer({ clock: time.now });
      server.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'stuck', steps: [{ at: 0, status: 'in-progress' }] });
      const postman = postmanTasks({ apiKey: server.credentials.postman.apiKey, baseUrl: server.url, interval: 3_600_000, scheduler: time.scheduler, requestTimeout: 600_000_000 });
      const outcome = await lastValueFrom(postman.watch({ id: 'stuck', kind: 'collection-merge' }).pipe(toArray())).catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(TaskNotFoundError);
      const log = server.log.entries();
      expect(log[log.length - 1]).toMatchObject({ status: 404 });
      expect(log.slice(0, -1).every((entry) => entry.status === 200)).toBe(true);
      const expiresAt = server.tasks.get('stuck')?.expiresAt as number;
      expect(log[log.length - 1]?.at).toBeGreaterThanOrEqual(expiresAt);
      expect(log[log.length - 2]?.at).toBeLessThan(expiresAt);
    });
  });

  describe('errors in the RFC 7807 problem shape (the default)', () => {
    beforeEach(async () => {
      ({ server, clock } = await startOnClock());
    });

    it('answers 401 without a valid x-api-key', async () => {
      for (const apiKey of [null, 'PMAK-wrong']) {
        const response = await postmanGet(server, '/collection-updates-tasks/x', { apiKey });
        expect(response.status).toBe(401);
        expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
        expect(await response.text()).toBe(
          '{"type":"https://api.postman.com/problems/unauthorized","title":"Unauthorized","status":401,"detail":"A valid API key must be provided in the request header."}',
        );
      }
    });

    it('answers 404 "Task not found" for an unknown task', async () => {
      const response = await postmanGet(server, '/collection-merges-tasks/gone');
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        type: 'https://api.postman.com/problems/not-found',
        title: 'Task not found',
        status: 404,
        detail: 'We could not find a task with id gone.',
      });
    });
  });

  describe('errors in the legacy shape', () => {
    beforeEach(async () => {
      ({ server, clock } = await startOnClock({ postman: { errorShape: 'legacy' } }));
    });

    it('answers 401 as {error: {name, message}}', async () => {
      const response = await postmanGet(server, '/collection-updates-tasks/x', { apiKey: 'PMAK-wrong' });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.text()).toBe(
        '{"error":{"name":"AuthenticationError","message":"Invalid API Key. Every request requires a valid API Key to be sent."}}',
      );
    });

    it('answers 404 as {error: {name, message}}', async () => {
      const response = await postmanGet(server, '/apis/a/tasks/gone');
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { name: 'instanceNotFoundError', message: 'We could not find a task with id gone.' } });
    });
  });

  it('accepts the key it was given, and only that one', async () => {
    ({ server } = await startOnClock({ postman: { apiKey: 'PMAK-mine' } }));
    server.tasks.create({ provider: 'postman', id: 'u', duration: 10 });
    expect((await postmanGet(server, '/collection-updates-tasks/u', { apiKey: 'PMAK-mine' })).status).toBe(200);
    expect((await postmanGet(server, '/collection-updates-tasks/u', { apiKey: 'PMAK-fake-postman-key' })).status).toBe(401);
  });
});
