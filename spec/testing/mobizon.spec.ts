import type { FakeProviderServer } from '../../src/testing/index.js';
import { mobizonPost, rawRequest, startOnClock, type ManualClock } from './fakeServerHelpers.js';

type Envelope = { code: number; data: unknown; message: string };

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
  });

  // The evidence for each form is in FakeMobizonOptions.checkRequestShape and docs/testing.md.
  describe('reads requests as the real server is known to (the default)', () => {
    beforeEach(async () => {
      ({ server, clock } = await startOnClock());
      server.tasks.create({ provider: 'mobizon', id: '42', steps: [{ at: 0, status: 1, progress: 45 }] });
    });
    const key = () => server.credentials.mobizon.apiKey;
    const url = (query: string) => `${server.url}/service/taskqueue/getstatus?${query}`;
    const envelope = async (response: Response | Promise<Response>): Promise<Envelope> => {
      const answered = await response;
      expect(answered.status).toBe(200);
      expect(answered.headers.get('content-type')).toBe('application/json; charset=utf-8');
      return (await answered.json()) as Envelope;
    };
    const running = { code: 0, data: { progress: 45, status: 1 }, message: '' };

    it('answers a GET with every parameter in the query with the task\'s status', async () => {
      expect(await envelope(fetch(url(`apiKey=${key()}&id=42&output=json&api=v1`)))).toEqual(running);
      expect(server.log.entries()).toMatchObject([{ method: 'GET', route: 'mobizon:get-status', taskId: '42', status: 200, providerCode: 0 }]);
    });

    it('answers a POST without output in JSON, and one without output or api, or a GET with neither', async () => {
      expect(await envelope(mobizonPost(server, '42', { query: 'api=v1' }))).toEqual(running);
      expect(await envelope(mobizonPost(server, '42', { query: '' }))).toEqual(running);
      expect(await envelope(fetch(url(`apiKey=${key()}&id=42`)))).toEqual(running);
    });

    it('reads the key and the flags from a form body too, and the body\'s id over the query\'s', async () => {
      const body = new URLSearchParams({ apiKey: key(), output: 'json', api: 'v1', id: '42' }).toString();
      expect(await envelope(mobizonPost(server, undefined, { query: '', apiKey: '', body }))).toEqual(running);
      expect(await envelope(mobizonPost(server, '42', { query: 'id=999' }))).toEqual(running);
    });

    it('reads a multipart/form-data body, as curl -F and a FormData send it', async () => {
      const form = new FormData();
      // A file part is not a parameter, even under the same name.
      form.append('id', new Blob(['999']), 'id.txt');
      form.append('id', '42');
      expect(await envelope(fetch(url(`apiKey=${key()}`), { method: 'POST', body: form }))).toEqual(running);
    });

    it.each([
      ['a JSON body', { contentType: 'application/json', body: '{"id":"42"}' }, ' (a body is read as application/x-www-form-urlencoded or multipart/form-data only, and came as "application/json")'],
      ['a body with no Content-Type', { contentType: null, body: 'id=42' }, ' (a body is read as application/x-www-form-urlencoded or multipart/form-data only, and came as no Content-Type)'],
      ['a multipart body without a boundary', { contentType: 'multipart/form-data', body: 'id=42' }, ' (a body is read as application/x-www-form-urlencoded or multipart/form-data only, and came as "multipart/form-data")'],
    ])('does not read %s (the id is missing: code 11), and says why', async (_what, options, why) => {
      expect(await envelope(mobizonPost(server, undefined, options))).toEqual({ code: 11, data: { id: 'Required parameter missing' }, message: `Required parameter missing: id${why}` });
    });

    it('does not read the body of a GET', async () => {
      const exchange = await rawRequest(url(`apiKey=${key()}`), { headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '5' }, body: 'id=42' });
      expect(exchange.status).toBe(200);
      expect(JSON.parse(exchange.body)).toEqual({ code: 11, data: { id: 'Required parameter missing' }, message: 'Required parameter missing: id (the body of a GET is not read)' });
    });

    it('still refuses an output it cannot speak (code 6) and an unknown api (code 1), naming them', async () => {
      expect(await envelope(fetch(url(`apiKey=${key()}&id=42&output=xml`)))).toEqual({
        code: 6,
        data: { output: 'Unsupported format' },
        message: 'Unsupported format: expected no output or output=json (Mobizon also answers xml; this fake does not), got output=xml',
      });
      expect(await envelope(fetch(url(`apiKey=${key()}&id=42&api=v2`)))).toEqual({
        code: 1,
        data: { api: 'Unsupported API version' },
        message: 'Validation error: expected no api or api=v1, got api=v2',
      });
    });

    it('answers 405 to another method, allowing GET and POST', async () => {
      const response = await fetch(url(`apiKey=${key()}&id=42`), { method: 'PUT' });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST, GET');
    });
  });

  describe('with `checkRequestShape: true` (the request Mobizon documents, and only it)', () => {
    beforeEach(async () => {
      ({ server, clock } = await startOnClock({ mobizon: { checkRequestShape: true } }));
      server.tasks.create({ provider: 'mobizon', id: '42', steps: [{ at: 0, status: 1, progress: 45 }] });
    });

    it('refuses a GET with its parameters in the query with 405 (Allow: POST), as before', async () => {
      const response = await fetch(`${server.url}/service/taskqueue/getstatus?apiKey=${server.credentials.mobizon.apiKey}&id=42&output=json&api=v1`);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(await response.json()).toEqual({ error: 'GET is not allowed here' });
    });

    it('refuses a POST without output with code 6, as before', async () => {
      expect(await (await mobizonPost(server, '42', { query: 'api=v1' })).json()).toEqual({
        code: 6,
        data: { output: 'Unsupported format' },
        message: 'Unsupported format: the query must have output=json, got no output',
      });
    });

    it('reads the key from the query only and the id from a form body only', async () => {
      const body = new URLSearchParams({ apiKey: server.credentials.mobizon.apiKey, id: '42' }).toString();
      expect(await (await mobizonPost(server, undefined, { apiKey: '', body })).json()).toMatchObject({ code: 8 });
      expect(await (await mobizonPost(server, undefined, { query: 'output=json&api=v1&id=42' })).json()).toMatchObject({ code: 11 });
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
