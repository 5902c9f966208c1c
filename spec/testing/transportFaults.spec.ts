import type { FakeProviderServer } from '../../src/testing/index.js';
import { mobizonPost, postmanGet, rawRequest, startOnClock, streamGet } from './fakeServerHelpers.js';

describe('transport faults (the honest answer, broken on the way)', () => {
  let server: FakeProviderServer;
  const updatesPath = '/collection-updates-tasks/p1';
  const honest = '{"id":"p1","status":"in-progress"}';

  beforeEach(async () => {
    ({ server } = await startOnClock());
    server.tasks.create({ provider: 'postman', id: 'p1', duration: 1000 });
    server.tasks.create({ provider: 'stream', id: 's1', duration: 1000 });
    server.tasks.create({ provider: 'mobizon', id: '1', duration: 1000 });
  });
  afterEach(() => server.close());

  const postmanRaw = () => rawRequest(`${server.url}${updatesPath}`, { headers: { 'x-api-key': server.credentials.postman.apiKey } });

  describe('connection-reset', () => {
    it('before the headers: the request fails with ECONNRESET', async () => {
      server.faults.add({ kind: 'connection-reset' });
      const exchange = await postmanRaw();
      expect(exchange.status).toBeUndefined();
      expect(exchange.ending).toBe('error');
      expect(exchange.error?.code).toBe('ECONNRESET');
      await server.log.waitForSettled(1);
      expect(server.log.entries()[0]).toMatchObject({ fault: 'connection-reset', aborted: false, settled: true });
      expect(server.log.entries()[0]?.status).toBeUndefined();
    });

    it('before the headers, seen by fetch: a rejected promise', async () => {
      server.faults.add({ kind: 'connection-reset', stage: 'before-headers' });
      await expect(postmanGet(server, updatesPath)).rejects.toThrow('fetch failed');
    });

    it('mid-body: headers and half the body arrive, then the reset', async () => {
      server.faults.add({ kind: 'connection-reset', stage: 'mid-body' });
      const exchange = await postmanRaw();
      expect(exchange.status).toBe(200);
      expect(exchange.headers?.['content-length']).toBe(String(honest.length));
      expect(exchange.ending).not.toBe('complete');
      expect(honest.startsWith(exchange.body)).toBe(true);
      expect(exchange.body.length).toBeLessThan(honest.length);
    });

    it('mid-body, seen by fetch: the response resolves, reading its body fails', async () => {
      server.faults.add({ kind: 'connection-reset', stage: 'mid-body' });
      const response = await postmanGet(server, updatesPath);
      expect(response.status).toBe(200);
      await expect(response.text()).rejects.toThrow();
    });
  });

  describe('hang', () => {
    it('before the headers: nothing ever comes; the client gives up and the log says it went away', async () => {
      server.faults.add({ kind: 'hang', stage: 'before-headers' });
      await expect(fetch(`${server.url}${updatesPath}`, { headers: { 'x-api-key': server.credentials.postman.apiKey }, signal: AbortSignal.timeout(150) })).rejects.toThrow(
        /aborted|timeout/i,
      );
      await server.log.waitForSettled(1);
      const [entry] = server.log.entries();
      expect(entry).toMatchObject({ fault: 'hang', aborted: true });
      expect(entry?.status).toBeUndefined();
    });

    it('mid-body (the default): headers and half the body, then nothing', async () => {
      server.faults.add({ kind: 'hang' });
      const controller = new AbortController();
      const response = await fetch(`${server.url}${updatesPath}`, { headers: { 'x-api-key': server.credentials.postman.apiKey }, signal: controller.signal });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-length')).toBe(String(honest.length));
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const first = await reader.read();
      expect(honest.startsWith(Buffer.from(first.value as Uint8Array).toString())).toBe(true);
      const rest = reader.read();
      let more = false;
      void rest.then(() => (more = true), () => undefined);
      // No sleeping: the server wrote all it ever will for this response before the first bytes reached us, and
      // a full exchange with it afterwards proves its writes have been seen; the response is still open (not
      // settled) and not a byte more has come.
      expect(await (await mobizonPost(server, '1')).json()).toMatchObject({ code: 0 });
      expect(more).toBe(false);
      expect(server.log.entries()[0]).toMatchObject({ fault: 'hang', status: 200, settled: false });
      controller.abort();
      await expect(rest).rejects.toThrow();
      await server.log.waitForSettled(2);
      expect(server.log.entries()[0]).toMatchObject({ fault: 'hang', status: 200, aborted: true });
    });
  });

  describe('truncated-body', () => {
    it('declares the whole length, sends half, then closes the connection', async () => {
      server.faults.add({ kind: 'truncated-body' });
      const exchange = await postmanRaw();
      expect(exchange.status).toBe(200);
      expect(exchange.headers?.['content-length']).toBe(String(honest.length));
      expect(exchange.body).toBe(honest.slice(0, Math.floor(honest.length / 2)));
      expect(exchange.ending).not.toBe('complete');
      await server.log.waitForSettled(1);
      expect(server.log.entries()[0]).toMatchObject({ fault: 'truncated-body', status: 200, aborted: false });
    });

    it('makes fetch fail while reading the body', async () => {
      server.faults.add({ kind: 'truncated-body' });
      const response = await streamGet(server, 's1');
      expect(response.status).toBe(200);
      await expect(response.text()).rejects.toThrow();
    });
  });

  describe('oversized-body', () => {
    it('streams the honest body padded to the size asked, chunked, still valid JSON', async () => {
      server.faults.add({ kind: 'oversized-body', bytes: 300_000 });
      const response = await postmanGet(server, updatesPath);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-length')).toBeNull();
      expect(response.headers.get('transfer-encoding')).toBe('chunked');
      const text = await response.text();
      expect(Buffer.byteLength(text)).toBe(300_000);
      const body = JSON.parse(text) as { id: string; status: string; padding: string };
      expect(body).toMatchObject({ id: 'p1', status: 'in-progress' });
      expect(body.padding).toMatch(/^x+$/);
    });

    it('stops streaming as soon as the client hangs up, without building the body first', async () => {
      server.faults.add({ kind: 'oversized-body', bytes: 2 ** 30 });
      const response = await postmanGet(server, updatesPath);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let received = 0;
      while (received < 1024 * 1024) received += ((await reader.read()).value as Uint8Array).byteLength;
      await reader.cancel();
      await server.log.waitForSettled(1);
      const [entry] = server.log.entries();
      expect(entry).toMatchObject({ fault: 'oversized-body', aborted: true });
      // What the client read, plus what socket buffers held: a sliver of the GiB it would have taken.
      expect(entry?.bytesSent).toBeGreaterThanOrEqual(received);
      expect(entry?.bytesSent).toBeLessThan(64 * 1024 * 1024);
    });

    it('has a 2 MiB default', async () => {
      server.faults.add({ kind: 'oversized-body' });
      expect((await (await mobizonPost(server, '1')).arrayBuffer()).byteLength).toBe(2 * 1024 * 1024);
    });
  });

  it('malformed-json: a complete response whose body is not JSON', async () => {
    server.faults.add({ kind: 'malformed-json' });
    const response = await postmanGet(server, updatesPath);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = await response.text();
    expect(response.headers.get('content-length')).toBe(String(text.length));
    expect(text).toBe(honest.slice(0, Math.floor(honest.length / 2)));
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });

  it('wrong-content-type: the honest JSON under text/html, or the type asked for', async () => {
    server.faults.add({ kind: 'wrong-content-type' });
    server.faults.add({ kind: 'wrong-content-type', contentType: 'text/plain' });
    const first = await postmanGet(server, updatesPath);
    expect(first.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await first.text()).toBe(honest);
    const second = await mobizonPost(server, '1');
    expect(second.headers.get('content-type')).toBe('text/plain');
    expect(await second.json()).toEqual({ code: 0, data: { progress: 0, status: 0 }, message: '' });
  });

  it('breaks whatever the provider answered, an error included', async () => {
    server.faults.add({ kind: 'malformed-json' });
    const response = await streamGet(server, 's1', { apiKey: 'wrong' });
    expect(response.status).toBe(401);
    expect(await response.text()).toMatch(/^\{"code":2,/);
    expect(server.log.entries()[0]).toMatchObject({ fault: 'malformed-json', status: 401, providerCode: 2 });
  });
});
