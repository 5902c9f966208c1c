import type { Fault, FakeProviderServer, FaultPlacement } from '../../src/testing/index.js';
import { mobizonPost, postmanGet, startOnClock, streamGet } from './fakeServerHelpers.js';

describe('placing faults', () => {
  let server: FakeProviderServer;

  beforeEach(async () => {
    ({ server } = await startOnClock());
    server.tasks.create({ provider: 'stream', id: 's1', duration: 1000 });
    server.tasks.create({ provider: 'stream', id: 's2', duration: 1000 });
    server.tasks.create({ provider: 'mobizon', id: '1', duration: 1000 });
    server.tasks.create({ provider: 'postman', id: 'p1', duration: 1000 });
  });
  afterEach(() => server.close());

  const status = async (response: Promise<Response>) => (await response).status;

  it('spoils one request by default, then is gone', async () => {
    const placed = server.faults.add({ kind: 'server-error' });
    expect(await status(streamGet(server, 's1'))).toBe(500);
    expect(await status(streamGet(server, 's1'))).toBe(200);
    expect(placed).toMatchObject({ applied: 1, remaining: 0 });
  });

  it('spoils the next N requests with `times`', async () => {
    const placed = server.faults.add({ kind: 'server-error', status: 503 }, { times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await status(streamGet(server, 's1')));
    expect(statuses).toEqual([503, 503, 200]);
    expect(placed.applied).toBe(2);
  });

  it('spoils every request with `times: Infinity` until removed', async () => {
    const placed = server.faults.add({ kind: 'server-error' }, { times: Infinity });
    for (let i = 0; i < 3; i++) expect(await status(streamGet(server, 's1'))).toBe(500);
    expect(placed.remaining).toBe(Infinity);
    placed.remove();
    expect(await status(streamGet(server, 's1'))).toBe(200);
  });

  it('targets one task', async () => {
    server.faults.add({ kind: 'server-error' }, { taskId: 's2', times: Infinity });
    expect(await status(streamGet(server, 's1'))).toBe(200);
    expect(await status(streamGet(server, 's2'))).toBe(500);
  });

  it('targets a Mobizon task by the id in its form body', async () => {
    server.faults.add({ kind: 'mobizon-error', code: 15 }, { taskId: '1' });
    server.tasks.create({ provider: 'mobizon', id: '2', duration: 1000 });
    expect(await (await mobizonPost(server, '2')).json()).toMatchObject({ code: 0 });
    expect(await (await mobizonPost(server, '1')).json()).toMatchObject({ code: 15 });
  });

  it('targets one route', async () => {
    server.faults.add({ kind: 'server-error' }, { route: 'stream:legacy-get-task', times: Infinity });
    expect(await status(streamGet(server, 's1'))).toBe(200);
    expect(await status(streamGet(server, 's1', { legacy: true }))).toBe(500);
  });

  it('targets one provider', async () => {
    server.faults.add({ kind: 'server-error' }, { provider: 'postman', times: Infinity });
    expect(await status(streamGet(server, 's1'))).toBe(200);
    expect(await status(postmanGet(server, '/collection-updates-tasks/p1'))).toBe(500);
  });

  it('applies the oldest matching fault first, one per request', async () => {
    server.faults.add({ kind: 'server-error', status: 502 });
    server.faults.add({ kind: 'server-error', status: 503 });
    expect([await status(streamGet(server, 's1')), await status(streamGet(server, 's1')), await status(streamGet(server, 's1'))]).toEqual([502, 503, 200]);
  });

  it('looks at refusals before other faults, whatever their age', async () => {
    const spoiler = server.faults.add({ kind: 'malformed-json' });
    server.faults.add({ kind: 'server-error' });
    const refused = await streamGet(server, 's1');
    expect(refused.status).toBe(500);
    expect(await refused.json()).toMatchObject({ code: -1 });
    expect(spoiler.applied).toBe(0);
    await expect((await streamGet(server, 's1')).json()).rejects.toThrow();
    expect(spoiler.applied).toBe(1);
  });

  it('lists pending faults, oldest first, and clears them all', async () => {
    const first = server.faults.add({ kind: 'hang' }, { taskId: 'x' });
    const second = server.faults.add({ kind: 'flap' }, { provider: 'stream', times: 4 });
    expect(server.faults.pending()).toEqual([first, second]);
    expect(second).toMatchObject({ fault: { kind: 'flap' }, placement: { provider: 'stream', times: 4 }, applied: 0, remaining: 4 });
    server.faults.clear();
    expect(server.faults.pending()).toEqual([]);
    expect(await status(streamGet(server, 's1'))).toBe(200);
  });

  it.each<[string, Fault, FaultPlacement]>([
    ['an unknown kind', { kind: 'gremlins' } as unknown as Fault, {}],
    ['a server-error that is not 5xx', { kind: 'server-error', status: 404 }, {}],
    ['a negative Retry-After', { kind: 'rate-limited', retryAfterSeconds: -1 }, {}],
    ['an empty oversized body', { kind: 'oversized-body', bytes: 0 }, {}],
    ['a stream-error without a code', { kind: 'stream-error', status: 400 } as unknown as Fault, {}],
    ['a postman-error without a name', { kind: 'postman-error', status: 400, name: '' }, {}],
    ['a mobizon-error with a fractional code', { kind: 'mobizon-error', code: 1.5 }, {}],
    ['a Stream fault on Postman', { kind: 'stream-error', status: 400, code: 4 }, { provider: 'postman' }],
    ['a Mobizon fault on a Stream route', { kind: 'mobizon-error', code: 1 }, { route: 'stream:get-task' }],
    ['zero times', { kind: 'hang' }, { times: 0 }],
    ['a rate limit answered by no one known', { kind: 'rate-limited', answeredBy: 'cdn' } as unknown as Fault, {}],
    ['an unknown Retry-After form', { kind: 'rate-limited', retryAfterAs: 'minutes' } as unknown as Fault, {}],
    ['exception_fields that are not strings', { kind: 'stream-error', status: 400, code: 4, exceptionFields: { id: 1 } } as unknown as Fault, {}],
    ['details that are not integers', { kind: 'stream-error', status: 400, code: 4, details: ['x'] } as unknown as Fault, {}],
  ])('refuses %s at once', (_, fault, placement) => {
    expect(() => server.faults.add(fault, placement)).toThrow(TypeError);
  });
});
