import type { FakeProviderServer } from '../../src/testing/index.js';
import { mobizonPost, postmanGet, startOnClock, streamGet, type ManualClock } from './fakeServerHelpers.js';

type Json = Record<string, unknown>;

describe('content faults (a successful task-state body, changed)', () => {
  let server: FakeProviderServer;
  let clock: ManualClock;

  beforeEach(async () => {
    ({ server, clock } = await startOnClock());
    server.tasks.create({ provider: 'stream', id: 's1', steps: [{ at: 0, status: 'running' }, { at: 1000, status: 'completed', result: { n: 1 } }] });
    server.tasks.create({ provider: 'mobizon', id: '1', steps: [{ at: 0, status: 1, progress: 40 }, { at: 1000, status: 2, progress: 100 }] });
    server.tasks.create({ provider: 'postman', id: 'u1', duration: 1000 });
    server.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'm1', duration: 1000, outcome: 'failed', error: { message: 'conflict' } });
    server.tasks.create({ provider: 'postman', kind: 'api', id: 'a1', apiId: 'api', duration: 1000 });
  });
  afterEach(() => server.close());

  const json = async (response: Promise<Response>) => (await (await response).json()) as Json;

  describe('unknown-status', () => {
    it.each([
      ['Stream', () => json(streamGet(server, 's1')), 'suspended'],
      ['a Postman collection task', () => json(postmanGet(server, '/collection-updates-tasks/u1')), 'queued'],
      ['a Postman API task', () => json(postmanGet(server, '/apis/api/tasks/a1')), 'processing'],
    ])('gives %s a status it never documented', async (_, ask, status) => {
      server.faults.add({ kind: 'unknown-status' });
      expect((await ask()).status).toBe(status);
      expect((await ask()).status).not.toBe(status);
    });

    it('gives Mobizon status 7, keeping the progress', async () => {
      server.faults.add({ kind: 'unknown-status' });
      expect(await (await mobizonPost(server, '1')).text()).toBe('{"code":0,"data":{"progress":40,"status":7},"message":""}');
    });

    it('uses the status asked for', async () => {
      server.faults.add({ kind: 'unknown-status', status: 'exploded' });
      expect(await json(streamGet(server, 's1'))).toMatchObject({ task_id: 's1', status: 'exploded' });
    });
  });

  describe('missing-fields', () => {
    it('removes the status field by default', async () => {
      server.faults.add({ kind: 'missing-fields' }, { times: 3 });
      expect(Object.keys(await json(streamGet(server, 's1')))).toEqual(['task_id', 'created_at', 'updated_at', 'duration']);
      expect(await (await mobizonPost(server, '1')).text()).toBe('{"code":0,"data":{"progress":40},"message":""}');
      expect(await (await postmanGet(server, '/collection-updates-tasks/u1')).text()).toBe('{"id":"u1"}');
    });

    it('removes the fields named, by dot path', async () => {
      server.faults.add({ kind: 'missing-fields', fields: ['data.progress', 'message'] });
      server.faults.add({ kind: 'missing-fields', fields: ['created_at', 'duration', 'no.such.path'] });
      expect(await (await mobizonPost(server, '1')).text()).toBe('{"code":0,"data":{"status":1}}');
      expect(Object.keys(await json(streamGet(server, 's1')))).toEqual(['task_id', 'status', 'updated_at']);
    });
  });

  describe('extra-fields', () => {
    it('adds an unexpected field by default', async () => {
      server.faults.add({ kind: 'extra-fields' });
      expect(await (await postmanGet(server, '/collection-updates-tasks/u1')).text()).toBe(
        '{"id":"u1","status":"in-progress","unexpected_field":{"added_by":"fake server"}}',
      );
    });

    it('adds the fields given, nested by dot path', async () => {
      server.faults.add({ kind: 'extra-fields', fields: { 'data.eta': 12, 'meta.trace': 'abc', 'details.note': 'x' } }, { times: 2 });
      expect(await (await mobizonPost(server, '1')).json()).toEqual({ code: 0, data: { progress: 40, status: 1, eta: 12 }, message: '', meta: { trace: 'abc' }, details: { note: 'x' } });
      expect(await json(postmanGet(server, '/apis/api/tasks/a1'))).toMatchObject({ meta: { url: '/apis/api/versions', model: 'api-version', action: 'create', trace: 'abc' } });
    });
  });

  describe('flap', () => {
    it('waits for the task to finish, then reports it as it was before, once', async () => {
      const placed = server.faults.add({ kind: 'flap' }, { taskId: 's1' });
      expect(await json(streamGet(server, 's1'))).toMatchObject({ status: 'running' });
      expect(placed.applied).toBe(0);
      clock.advance(1000);
      const flapped = await json(streamGet(server, 's1'));
      expect(flapped).toMatchObject({ status: 'running' });
      expect(flapped).not.toHaveProperty('result');
      expect(flapped.updated_at).toBe(flapped.created_at);
      expect(placed.applied).toBe(1);
      expect(await json(streamGet(server, 's1'))).toMatchObject({ status: 'completed', result: { n: 1 } });
    });

    it.each([
      ['Mobizon', () => mobizonPost(server, '1'), '{"code":0,"data":{"progress":40,"status":1},"message":""}'],
      ['a Postman collection update', () => postmanGet(server, '/collection-updates-tasks/u1'), '{"id":"u1","status":"in-progress"}'],
      ['a failed Postman collection merge', () => postmanGet(server, '/collection-merges-tasks/m1'), '{"id":"m1","status":"in-progress"}'],
    ])('flaps %s back to its running state', async (_, ask, body) => {
      server.faults.add({ kind: 'flap' });
      clock.advance(1000);
      expect(await (await ask()).text()).toBe(body);
      expect(await (await ask()).text()).not.toBe(body);
    });

    it('flaps a Postman API task back to pending, without details', async () => {
      server.faults.add({ kind: 'flap' });
      clock.advance(1000);
      const body = await json(postmanGet(server, '/apis/api/tasks/a1'));
      expect(body).toMatchObject({ status: 'pending', updatedAt: body.createdAt });
      expect(body).not.toHaveProperty('details');
    });
  });

  it('wait for a successful task-state answer: an error does not use them up', async () => {
    const placed = server.faults.add({ kind: 'missing-fields' });
    expect((await streamGet(server, 's1', { apiKey: 'wrong' })).status).toBe(401);
    expect((await streamGet(server, 'unknown')).status).toBe(404);
    expect(placed.applied).toBe(0);
    expect(server.faults.pending()).toEqual([placed]);
    expect(await json(streamGet(server, 's1'))).not.toHaveProperty('status');
    expect(placed.applied).toBe(1);
    expect(server.faults.pending()).toEqual([]);
    expect(server.log.entries().map((entry) => entry.fault)).toEqual([undefined, undefined, 'missing-fields']);
  });
});
