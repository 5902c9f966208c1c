import crossFetch from 'cross-fetch';
import { getEventListeners } from 'node:events';
import { asyncScheduler, firstValueFrom, lastValueFrom } from 'rxjs';
import { TransportError } from '../../src/core/errors/index.js';
import { httpTransport, type FetchLike } from '../../src/core/http.js';
import { nodeFetch } from '../../src/core/nodeFetch.js';
import { startTestServer, type TestServer } from '../support/httpServer.js';

const fetches: Array<[string, FetchLike]> = [
  ['nodeFetch (the default in Node)', nodeFetch],
  ['cross-fetch', crossFetch as unknown as FetchLike],
  ['the global fetch', globalThis.fetch as unknown as FetchLike],
];

describe.each(fetches)('httpTransport over real HTTP with %s', (_, fetch) => {
  let server: TestServer;
  const transport = (options: { timeoutMs?: number; maxBodyBytes?: number } = {}) =>
    httpTransport({ fetch, timeoutMs: options.timeoutMs ?? 5000, maxBodyBytes: options.maxBodyBytes ?? 1024, scheduler: asyncScheduler });

  beforeEach(async () => {
    server = await startTestServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      switch (url.pathname) {
        case '/ok':
          res.writeHead(200, {
            'content-type': 'application/json',
            'x-ratelimit-limit': '300, 300',
            'x-ratelimit-remaining': '12',
            'ratelimit-reset': '30',
            'retry-after': '2',
          });
          res.end(JSON.stringify({ method: req.method, body: recordedBody(req) }));
          return;
        case '/echo':
          res.writeHead(201, { 'content-type': 'text/plain' });
          res.end(`${req.method} ${req.headers['x-test'] ?? ''}`);
          return;
        case '/hang':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"partial":');
          return; // never ends
        case '/silent':
          return; // never answers at all
        case '/declared-big':
          res.writeHead(200, { 'content-length': '5000' });
          res.write('x'.repeat(100));
          return;
        case '/endless': {
          res.writeHead(200, { 'content-type': 'application/json' });
          const pump = () => {
            while (!res.destroyed && res.write('y'.repeat(512)));
            if (!res.destroyed) res.once('drain', pump);
          };
          pump();
          return;
        }
        case '/exact':
          res.writeHead(200);
          res.end('z'.repeat(1024));
          return;
        case '/utf8':
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
          res.write(Buffer.from('héllo wörld ✓').subarray(0, 2));
          res.end(Buffer.from('héllo wörld ✓').subarray(2));
          return;
        case '/reset':
          res.writeHead(200, { 'content-length': '100' });
          res.write('{"a":');
          setImmediate(() => res.socket?.destroy());
          return;
        default:
          res.writeHead(404);
          res.end();
      }
    });
  });

  afterEach(() => server.close());

  it('returns status, headers, the body and the parsed rate-limit hints', async () => {
    const response = await firstValueFrom(transport()({ method: 'GET', url: `${server.url}/ok` }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({ method: 'GET', body: '' });
    expect(response.hints).toEqual({ retryAfterMs: 2000, limit: 300, remaining: 12, resetAt: expect.any(Number) });
    expect(response.hints.resetAt! - Date.now()).toBeGreaterThan(25_000);
  });

  it('sends method, headers and body as given', async () => {
    const response = await firstValueFrom(
      transport()({ method: 'POST', url: `${server.url}/echo`, headers: { 'x-test': 'yes', 'content-type': 'application/x-www-form-urlencoded' }, body: 'id=1' }),
    );
    expect([response.status, response.body]).toEqual([201, 'POST yes']);
    expect(server.requests[0]).toMatchObject({ method: 'POST', body: 'id=1', headers: expect.objectContaining({ 'content-type': 'application/x-www-form-urlencoded' }) });
  });

  it('calls fetch unbound, as the fetch of a browser requires ("Illegal invocation" otherwise)', async () => {
    const strictFetch: FetchLike = function (this: unknown, url, init) {
      if (this !== undefined && this !== globalThis) throw new TypeError("Failed to execute 'fetch' on 'Window': Illegal invocation");
      return fetch(url, init);
    };
    const response = await firstValueFrom(
      httpTransport({ fetch: strictFetch, timeoutMs: 5000, maxBodyBytes: 1024, scheduler: asyncScheduler })({ method: 'GET', url: `${server.url}/ok` }),
    );
    expect(response.status).toBe(200);
  });

  it('decodes UTF-8 split across chunks', async () => {
    const response = await firstValueFrom(transport()({ method: 'GET', url: `${server.url}/utf8` }));
    expect(response.body).toBe('héllo wörld ✓');
  });

  it.each(['/silent', '/hang'])('times out a request that does not finish (%s), and closes its connection', async (path) => {
    const error = await firstValueFrom(transport({ timeoutMs: 150 })({ method: 'GET', url: `${server.url}${path}` })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ reason: 'timeout', message: `GET ${server.url}${path} timed out after 150 ms` });
    await server.settled(1);
    expect(server.requests[0]?.aborted).toBe(true);
  });

  it('times out even when the fetch ignores its abort signal', async () => {
    const deaf: FetchLike = (url, init) => fetch(url, { ...init, signal: new AbortController().signal });
    const error = await firstValueFrom(
      httpTransport({ fetch: deaf, timeoutMs: 150, maxBodyBytes: 1024, scheduler: asyncScheduler })({ method: 'GET', url: `${server.url}/silent` }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TransportError', reason: 'timeout' });
  });

  it('aborts nothing once the response is complete', async () => {
    const signals: AbortSignal[] = [];
    const watched: FetchLike = (url, init) => {
      signals.push(init.signal);
      return fetch(url, init);
    };
    await lastValueFrom(httpTransport({ fetch: watched, timeoutMs: 5000, maxBodyBytes: 1024, scheduler: asyncScheduler })({ method: 'GET', url: `${server.url}/ok` }));
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(false);
  });

  it('refuses a body whose declared length is over the cap, without reading it', async () => {
    const error = await firstValueFrom(transport({ maxBodyBytes: 1000 })({ method: 'GET', url: `${server.url}/declared-big` })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TransportError', reason: 'body-too-large' });
    expect((error as Error).message).toMatch(/body over 1000 bytes/);
  });

  it('cuts off an endless body at the cap and closes the connection', async () => {
    const error = await firstValueFrom(transport({ maxBodyBytes: 4096 })({ method: 'GET', url: `${server.url}/endless` })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TransportError', reason: 'body-too-large' });
    await server.settled(1);
    expect(server.requests[0]?.aborted).toBe(true);
  });

  it('accepts a body of exactly the cap', async () => {
    const response = await firstValueFrom(transport({ maxBodyBytes: 1024 })({ method: 'GET', url: `${server.url}/exact` }));
    expect(response.body).toHaveLength(1024);
  });

  it('aborts the request when unsubscribed', async () => {
    const subscription = transport()({ method: 'GET', url: `${server.url}/silent` }).subscribe();
    await new Promise<void>((resolve) => {
      const check = () => (server.requests.length > 0 ? resolve() : setTimeout(check, 5));
      check();
    });
    subscription.unsubscribe();
    await server.settled(1);
    expect(server.requests[0]?.aborted).toBe(true);
  });

  it('fails with a TransportError when the connection is cut mid-body', async () => {
    const error = await lastValueFrom(transport({ timeoutMs: 300 })({ method: 'GET', url: `${server.url}/reset` })).catch((e: unknown) => e);
    // node-fetch 2 (inside cross-fetch) does not notice a premature close of a body with a
    // Content-Length: the request timeout is what ends it. The global fetch and nodeFetch see the close at once.
    expect(error).toMatchObject({ name: 'TransportError', reason: fetch === (crossFetch as unknown) ? 'timeout' : 'network' });
  });

  it('fails with a network TransportError when nothing listens, naming the request without its query', async () => {
    const closed = await startTestServer(() => undefined);
    await closed.close();
    const error = await firstValueFrom(transport()({ method: 'GET', url: `${closed.url}/tasks/1?api_key=hidden-key` })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TransportError', reason: 'network' });
    expect((error as Error).message).toMatch(new RegExp(`^GET ${closed.url}/tasks/1 failed: .*ECONNREFUSED`));
    expect((error as Error).message).not.toContain('hidden-key');
  });
});

function recordedBody(req: { readableLength?: number }): string {
  return req.readableLength ? 'unread' : '';
}

describe.each([
  ['nodeFetch (the default in Node)', nodeFetch],
  ['cross-fetch', crossFetch as unknown as FetchLike],
])('httpTransport with reusesSignals, over %s', (_, fetch) => {
  let server: TestServer;
  const signals: AbortSignal[] = [];
  const recording: FetchLike = (url, init) => {
    signals.push(init.signal);
    return fetch(url, init);
  };
  const transport = (options: { timeoutMs?: number } = {}) =>
    httpTransport({ fetch: recording, reusesSignals: true, timeoutMs: options.timeoutMs ?? 5000, maxBodyBytes: 1024, scheduler: asyncScheduler });

  beforeEach(async () => {
    signals.length = 0;
    server = await startTestServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/moved') {
        res.writeHead(302, { location: '/ok' });
        res.end('moved');
      } else if (url.pathname === '/silent') {
        // never answers
      } else if (url.pathname === '/ok') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });

  afterEach(() => server.close());

  it('hands the signal of an answered request to the next one, which the fetch has let go of', async () => {
    const send = transport();
    await lastValueFrom(send({ method: 'GET', url: `${server.url}/ok` }));
    expect(getEventListeners(signals[0] as AbortSignal, 'abort')).toHaveLength(0);
    await lastValueFrom(send({ method: 'GET', url: `${server.url}/ok` }));

    expect(signals).toHaveLength(2);
    expect(signals[1]).toBe(signals[0]);
    expect(signals[1]?.aborted).toBe(false);
  });

  it('gives requests in flight together a signal each', async () => {
    const send = transport();
    await Promise.all([lastValueFrom(send({ method: 'GET', url: `${server.url}/ok` })), lastValueFrom(send({ method: 'GET', url: `${server.url}/ok` }))]);

    expect(signals).toHaveLength(2);
    expect(signals[1]).not.toBe(signals[0]);
  });

  it('never hands on the signal of an aborted request', async () => {
    const send = transport();
    const subscription = send({ method: 'GET', url: `${server.url}/silent` }).subscribe();
    await new Promise<void>((resolve) => {
      const check = () => (server.requests.length > 0 ? resolve() : setTimeout(check, 5));
      check();
    });
    subscription.unsubscribe();
    await lastValueFrom(send({ method: 'GET', url: `${server.url}/ok` }));

    expect(signals[0]?.aborted).toBe(true);
    expect(signals[1]).not.toBe(signals[0]);
    expect(signals[1]?.aborted).toBe(false);
  });

  it('never hands on the signal of a request that timed out', async () => {
    const send = transport({ timeoutMs: 100 });
    const error = await lastValueFrom(send({ method: 'GET', url: `${server.url}/silent` })).catch((e: unknown) => e);
    await lastValueFrom(send({ method: 'GET', url: `${server.url}/ok` }));

    expect(error).toMatchObject({ name: 'TransportError', reason: 'timeout' });
    expect(signals[1]).not.toBe(signals[0]);
  });

  it('never hands on the signal of a request that was redirected: the redirect was dropped unread', async () => {
    const send = transport();
    await lastValueFrom(send({ method: 'GET', url: `${server.url}/moved` }));
    await lastValueFrom(send({ method: 'GET', url: `${server.url}/ok` }));

    // The redirect and the request it led to share one signal; the next request gets a new one.
    expect(signals).toHaveLength(3);
    expect(signals[1]).toBe(signals[0]);
    expect(signals[2]).not.toBe(signals[0]);
  });
});
