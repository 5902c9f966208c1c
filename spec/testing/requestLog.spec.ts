import type { FakeProviderServer } from '../../src/testing/index.js';
import { mobizonPost, postmanGet, rawRequest, startOnClock, streamGet, type ManualClock } from './fakeServerHelpers.js';

describe('the request log (server.log)', () => {
  let server: FakeProviderServer;
  let clock: ManualClock;
  beforeEach(async () => {
    ({ server, clock } = await startOnClock());
    server.tasks.create({ provider: 'stream', id: 's1', duration: 60_000 });
    server.tasks.create({ provider: 'stream', id: 's2', duration: 60_000 });
    server.tasks.create({ provider: 'mobizon', id: '1', duration: 60_000 });
    server.tasks.create({ provider: 'postman', id: 'p1', duration: 60_000 });
    server.tasks.create({ provider: 'postman', kind: 'api', id: 'a1', apiId: 'api', duration: 60_000 });
  });
  afterEach(() => server.close());

  const traffic = async () => {
    await streamGet(server, 's1');
    await streamGet(server, 's1', { legacy: true });
    await streamGet(server, 's2');
    await mobizonPost(server, '1');
    await mobizonPost(server, '1');
    await postmanGet(server, '/collection-updates-tasks/p1');
    await postmanGet(server, '/apis/api/tasks/a1');
  };

  it('records each request: when, where, which task, how it went; never a key or a query', async () => {
    clock.advance(250);
    await mobizonPost(server, '1');
    expect(server.log.entries()).toEqual([
      {
        at: clock.now(),
        provider: 'mobizon',
        route: 'mobizon:get-status',
        method: 'POST',
        path: '/service/taskqueue/getstatus',
        taskId: '1',
        status: 200,
        providerCode: 0,
        rateLimited: false,
        bytesSent: '{"code":0,"data":{"progress":0,"status":0},"message":""}'.length,
        aborted: false,
        settled: true,
      },
    ]);
    expect(JSON.stringify(server.log.entries())).not.toContain(server.credentials.mobizon.apiKey);
  });

  it('counts requests per task, per provider, per route', async () => {
    await traffic();
    expect(server.log.count()).toBe(7);
    expect(server.log.countsByTask()).toEqual(new Map([['s1', 2], ['s2', 1], ['1', 2], ['p1', 1], ['a1', 1]]));
    expect(server.log.countsByTask({ provider: 'stream' })).toEqual(new Map([['s1', 2], ['s2', 1]]));
    expect(server.log.countsByTask({ route: 'stream:legacy-get-task' })).toEqual(new Map([['s1', 1]]));
    expect(server.log.count({ provider: 'postman' })).toBe(2);
    expect(server.log.count({ route: 'postman:api-task' })).toBe(1);
    expect(server.log.count({ taskId: '1' })).toBe(2);
    expect(server.log.count({ provider: 'stream', taskId: '1' })).toBe(0);
    expect(server.log.entries({ taskId: 's2' }).map((entry) => entry.route)).toEqual(['stream:get-task']);
  });

  it('hands out copies: changing one changes nothing in the log', async () => {
    await streamGet(server, 's1');
    const entry = server.log.entries()[0] as { status?: number };
    entry.status = 999;
    expect(server.log.entries()[0]?.status).toBe(200);
  });

  it('finds the most requests in any window of the server clock', async () => {
    for (const gap of [0, 300, 300, 300, 500, 100]) {
      clock.advance(gap);
      await streamGet(server, 's1');
    }
    // at 0, 300, 600, 900, 1400, 1500
    expect(server.log.maxRequestsInAnyWindow()).toBe(4);
    expect(server.log.maxRequestsInAnyWindow({ windowMs: 600 })).toBe(2);
    expect(server.log.maxRequestsInAnyWindow({ windowMs: 601 })).toBe(3);
    expect(server.log.maxRequestsInAnyWindow({ provider: 'mobizon' })).toBe(0);
    expect(() => server.log.maxRequestsInAnyWindow({ windowMs: 0 })).toThrow(TypeError);
  });

  it('logs requests no route matches, with their status and no provider', async () => {
    const unknown = await fetch(`${server.url}/api/v3/tasks/s1`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'the fake provider server has no route for GET /api/v3/tasks/s1' });
    const wrongMethod = await fetch(`${server.url}/tasks/s1`, { method: 'POST' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(server.log.entries().map(({ method, path, status, provider, route }) => ({ method, path, status, provider, route }))).toEqual([
      { method: 'GET', path: '/api/v3/tasks/s1', status: 404, provider: undefined, route: undefined },
      { method: 'POST', path: '/tasks/s1', status: 405, provider: undefined, route: undefined },
    ]);
    expect(server.log.countsByTask()).toEqual(new Map());
  });

  it('answers 413 to a request body over 64 KiB, without reading it as a form, and logs it', async () => {
    const limit = 64 * 1024;
    const padded = (size: number) => `id=1&pad=${'x'.repeat(size - 'id=1&pad='.length)}`;
    expect(await (await mobizonPost(server, undefined, { body: padded(limit) })).json()).toMatchObject({ code: 0 });
    const refused = await mobizonPost(server, undefined, { body: padded(limit + 1) });
    expect(refused.status).toBe(413);
    expect(await refused.json()).toEqual({ error: 'request body over 65536 bytes' });
    expect(server.log.entries()[1]).toMatchObject({ route: 'mobizon:get-status', status: 413, settled: true });
    expect(server.log.entries()[1]?.taskId).toBeUndefined();
  });

  it('counts rate-limit refusals: 429s and Mobizon code 30, from faults and budgets', async () => {
    server.faults.add({ kind: 'rate-limited' }, { times: 2 });
    server.faults.add({ kind: 'rate-limited', answeredBy: 'gateway' }, { provider: 'mobizon' });
    await streamGet(server, 's1');
    await mobizonPost(server, '1');
    await mobizonPost(server, '1');
    await postmanGet(server, '/collection-updates-tasks/p1');
    expect(server.log.rateLimitRefusals()).toBe(3);
    expect(server.log.rateLimitRefusals({ provider: 'mobizon' })).toBe(2);
    expect(server.log.entries().map((entry) => entry.status)).toEqual([429, 200, 429, 200]);
  });

  it('records the body bytes sent: all of them, or what a fault let through', async () => {
    server.faults.add({ kind: 'truncated-body' }, { taskId: 'p1' });
    await expect((await postmanGet(server, '/collection-updates-tasks/p1')).text()).rejects.toThrow();
    await (await postmanGet(server, '/collection-updates-tasks/p1')).text();
    await server.log.waitForSettled(2);
    const [truncated, whole] = server.log.entries();
    const body = '{"id":"p1","status":"in-progress"}';
    expect(truncated).toMatchObject({ fault: 'truncated-body', bytesSent: Math.floor(body.length / 2) });
    expect(whole).toMatchObject({ bytesSent: body.length });
  });

  it('waits, without sleeping, for requests received and for requests settled', async () => {
    server.faults.add({ kind: 'hang', stage: 'before-headers' }, { taskId: '1' });
    const received = server.log.waitForRequests(1, { taskId: '1' });
    const settled = server.log.waitForSettled(2);
    let receivedYet = false;
    void received.then(() => (receivedYet = true));
    await streamGet(server, 's1');
    expect(receivedYet).toBe(false);
    const hanging = rawRequest(`${server.url}/service/taskqueue/getstatus?output=json&api=v1&apiKey=${server.credentials.mobizon.apiKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'id=1',
    });
    await received; // the server holds the request, body read: its id is known
    expect(server.log.entries({ taskId: '1' })).toMatchObject([{ settled: false }]);
    await server.close(); // ends the hanging exchange: the second request settles
    await settled;
    expect((await hanging).ending).not.toBe('complete');
  });

  it('starts afresh on clear(): entries, counts and waits', async () => {
    await traffic();
    server.log.clear();
    expect(server.log.count()).toBe(0);
    expect(server.log.countsByTask()).toEqual(new Map());
    const one = server.log.waitForSettled(1);
    await streamGet(server, 's1');
    await one;
    expect(server.log.count()).toBe(1);
    await server.log.waitForRequests(1, { provider: 'stream' });
  });

  it('refuses a count that is not a non-negative integer', () => {
    expect(() => server.log.waitForSettled(-1)).toThrow(TypeError);
    expect(() => server.log.waitForRequests(1.5)).toThrow(TypeError);
  });
});
