import type { FakeProviderServer } from '../../src/testing/index.js';
import { mobizonPost, startOnClock, type ManualClock } from './fakeServerHelpers.js';

describe('fake Mobizon Taskqueue/GetStatus', () => {
  let server: FakeProviderServer;
  let clock: ManualClock;

  afterEach(() => server.close());

  describe('by default', () => {
    beforeEach(async () => {
      ({ server, clock } = await startOnClock());
    });

    const steps = [
      { at: 0, status: 0, progress: 0 },
      { at: 100, status: 1, progress: 45 },
      { at: 200, status: 2, progress: 100 },
    ];

    it.each([
      [0, '{"code":0,"data":{"progress":0,"status":0},"message":""}'],
      [100, '{"code":0,"data":{"progress":45,"status":1},"message":""}'],
      [250, '{"code":0,"data":{"progress":100,"status":2},"message":""}'],
    ])('at %i ms answers HTTP 200 with exactly %s', async (elapsed, body) => {
      server.tasks.create({ provider: 'mobizon', id: '123', steps });
      clock.advance(elapsed);
      const response = await mobizonPost(server, '123');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.text()).toBe(body);
    });

    it('reports a rejected task as status 3 with the progress it had', async () => {
      server.tasks.create({ provider: 'mobizon', id: '124', steps: [{ at: 0, status: 1, progress: 60 }, { at: 10, status: 3, progress: 60 }] });
      clock.advance(10);
      expect(await (await mobizonPost(server, '124')).text()).toBe('{"code":0,"data":{"progress":60,"status":3},"message":""}');
    });

    it('climbs progress by tens over a `duration`, to 100 on success and 60 before a rejection', async () => {
      const ok = server.tasks.create({ provider: 'mobizon', duration: 1000 });
      const rejected = server.tasks.create({ provider: 'mobizon', duration: 1000, outcome: 'failed' });
      const seen: string[] = [];
      for (let elapsed = 0; elapsed <= 1000; elapsed += 250) {
        const bodies = await Promise.all([ok, rejected].map(async (task) => (await (await mobizonPost(server, task.id)).json()) as { data: { progress: number; status: number } }));
        seen.push(bodies.map(({ data }) => `${data.status}:${data.progress}`).join(' '));
        clock.advance(250);
      }
      expect(seen).toEqual(['0:0 0:0', '1:10 1:10', '1:40 1:20', '1:70 1:40', '2:100 3:60']);
    });

    it('reads the task id from the form body, whatever the path case', async () => {
      server.tasks.create({ provider: 'mobizon', id: '77', duration: 100 });
      const response = await fetch(`${server.url}/service/TaskQueue/GetStatus?output=json&api=v1&apiKey=${server.credentials.mobizon.apiKey}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'id=77',
      });
      expect(await response.json()).toEqual({ code: 0, data: { progress: 0, status: 0 }, message: '' });
    });

    it('answers code 2 "Task not found" with HTTP 200 for an unknown task, or another provider\'s', async () => {
      const stream = server.tasks.create({ provider: 'stream', duration: 100 });
      for (const id of ['999', stream.id]) {
        const response = await mobizonPost(server, id);
        expect(response.status).toBe(200);
        expect(await response.text()).toBe('{"code":2,"data":"","message":"Task not found"}');
      }
    });

    it('answers code 8 "Invalid API key" with HTTP 200 for a wrong key', async () => {
      server.tasks.create({ provider: 'mobizon', id: '5', duration: 100 });
      const response = await mobizonPost(server, '5', { apiKey: 'wrong' });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('{"code":8,"data":"","message":"Invalid API key"}');
    });

    it('answers code 11 when the form has no id', async () => {
      const response = await mobizonPost(server, undefined, { body: 'other=1' });
      expect(await response.json()).toEqual({ code: 11, data: { id: 'Required parameter missing' }, message: 'Required parameter missing: id' });
    });

    it('lets a task be polled as often as asked when not strict', async () => {
      server.tasks.create({ provider: 'mobizon', id: '8', duration: 100 });
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push(((await (await mobizonPost(server, '8')).json()) as { code: number }).code);
      expect(codes).toEqual([0, 0, 0]);
    });

    it('answers 405 to a GET', async () => {
      const response = await fetch(`${server.url}/service/taskqueue/getstatus?id=1`);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    });
  });

  describe('options', () => {
    it('sends progress and status as strings with `numbersAsStrings`', async () => {
      ({ server, clock } = await startOnClock({ mobizon: { numbersAsStrings: true } }));
      server.tasks.create({ provider: 'mobizon', id: '1', duration: 100 });
      clock.advance(100);
      expect(await (await mobizonPost(server, '1')).text()).toBe('{"code":0,"data":{"progress":"100","status":"2"},"message":""}');
    });

    it('answers code 30 in strict mode to a task polled less than 1 s after its previous request', async () => {
      ({ server, clock } = await startOnClock({ mobizon: { strict: true } }));
      server.tasks.create({ provider: 'mobizon', id: '1', duration: 60_000 });
      server.tasks.create({ provider: 'mobizon', id: '2', duration: 60_000 });
      const code = async (id: string) => ((await (await mobizonPost(server, id)).json()) as { code: number }).code;
      expect(await code('1')).toBe(0);
      expect(await code('2')).toBe(0); // the gap is per task
      clock.advance(999);
      const refused = await mobizonPost(server, '1');
      expect(refused.status).toBe(200);
      expect(await refused.text()).toBe('{"code":30,"data":"","message":"Too many requests"}');
      clock.advance(999); // 999 ms after the refused request: still too soon, a refused request started too
      expect(await code('1')).toBe(30);
      clock.advance(1000);
      expect(await code('1')).toBe(0);
      expect(server.log.rateLimitRefusals({ provider: 'mobizon' })).toBe(2);
    });

    it('in strict mode, forgets a task\'s last request with the task: one created again under its id starts afresh', async () => {
      ({ server, clock } = await startOnClock({ mobizon: { strict: true } }));
      const code = async (id: string) => ((await (await mobizonPost(server, id)).json()) as { code: number }).code;
      server.tasks.create({ provider: 'mobizon', id: '1', duration: 60_000 });
      server.tasks.create({ provider: 'mobizon', id: '2', duration: 60_000 });
      expect(await code('1')).toBe(0);
      expect(await code('2')).toBe(0);
      server.tasks.remove('1');
      server.tasks.create({ provider: 'mobizon', id: '1', duration: 60_000 });
      expect(await code('1')).toBe(0); // no 30: the gap was the old task's
      expect(await code('1')).toBe(30);
      server.tasks.clear();
      server.tasks.create({ provider: 'mobizon', id: '2', duration: 60_000 });
      expect(await code('2')).toBe(0);
    });

    it('in strict mode, keeps no record for an unknown task: it is not found, however fast it is asked', async () => {
      ({ server, clock } = await startOnClock({ mobizon: { strict: true } }));
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push(((await (await mobizonPost(server, '404')).json()) as { code: number }).code);
      expect(codes).toEqual([2, 2, 2]);
    });

    it('in strict mode, counts a request refused by a fault as a request about the task', async () => {
      ({ server, clock } = await startOnClock({ mobizon: { strict: true } }));
      server.tasks.create({ provider: 'mobizon', id: '1', duration: 60_000 });
      server.faults.add({ kind: 'server-error', status: 503 }, { taskId: '1' });
      expect((await mobizonPost(server, '1')).status).toBe(503);
      clock.advance(500);
      expect(await (await mobizonPost(server, '1')).json()).toMatchObject({ code: 30 });
    });

    it('answers code 13 with the home host in `data` to a request under another Host', async () => {
      ({ server } = await startOnClock({ mobizon: { homeHost: 'localhost' } }));
      server.tasks.create({ provider: 'mobizon', id: '1', duration: 100 });
      const response = await mobizonPost(server, '1'); // sent to 127.0.0.1:PORT
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(`{"code":13,"data":"localhost:${server.port}","message":"Use another API domain"}`);
      expect(server.log.entries()[0]).toMatchObject({ providerCode: 13, rateLimited: false });
    });

    it('serves a request whose Host is the home host', async () => {
      ({ server } = await startOnClock({ mobizon: { homeHost: '127.0.0.1' } }));
      server.tasks.create({ provider: 'mobizon', id: '1', duration: 100 });
      expect(await (await mobizonPost(server, '1')).json()).toMatchObject({ code: 0 });
    });

    it('keeps a home host given with its own port as it is', async () => {
      ({ server } = await startOnClock({ mobizon: { homeHost: 'api.mobizon.test:8443' } }));
      server.tasks.create({ provider: 'mobizon', id: '1', duration: 100 });
      expect(await (await mobizonPost(server, '1')).json()).toEqual({ code: 13, data: 'api.mobizon.test:8443', message: 'Use another API domain' });
    });

    it('checks the key before the host', async () => {
      ({ server } = await startOnClock({ mobizon: { homeHost: 'localhost', apiKey: 'mine' } }));
      expect(await (await mobizonPost(server, '1', { apiKey: 'theirs' })).json()).toMatchObject({ code: 8 });
      expect(await (await mobizonPost(server, '1', { apiKey: 'mine' })).json()).toMatchObject({ code: 13 });
    });
  });
});
