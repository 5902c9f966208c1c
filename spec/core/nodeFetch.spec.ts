import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { nodeFetch } from '../../src/core/nodeFetch.js';
import { BodyTooLargeError, readBodyCapped } from '../../src/core/readBody.js';
import { startTestServer, type TestServer } from '../support/httpServer.js';

// The default fetch in Node, over real HTTP on 127.0.0.1: what the transport
// relies on (status, headers, body as text or stream, abort, the signal let
// go of), and what a hostile server may do to it.

const get = (url: string, signal = new AbortController().signal, headers: Record<string, string> = {}) =>
  nodeFetch(url, { method: 'GET', headers, signal, redirect: 'manual' });

describe('nodeFetch', () => {
  let server: TestServer;
  /** Remote ports of the connections the server saw, in order of requests. */
  let ports: number[];
  /** Resolves when the connection that carried the last `/bomb` request closes. */
  let bombConnectionClosed: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    server = await startTestServer((req, res) => {
      ports.push(req.socket.remotePort ?? 0);
      const path = req.url ?? '';
      if (path === '/json') {
        res.setHeader('x-ratelimit-remaining', ['5', '5']);
        res.setHeader('Content-Type', 'application/json');
        res.end('{"status":"running"}');
      } else if (path === '/echo') {
        res.end(JSON.stringify({ method: req.method, accept: req.headers.accept ?? null, agent: req.headers['user-agent'] ?? null, length: req.headers['content-length'] ?? null }));
      } else if (path.startsWith('/encoded/')) {
        const encoding = path.slice('/encoded/'.length);
        const text = Buffer.from('{"done":true}');
        const body = encoding === 'gzip' ? gzipSync(text) : encoding === 'deflate' ? deflateSync(text) : brotliCompressSync(text);
        res.writeHead(200, { 'content-encoding': encoding, 'content-length': body.byteLength });
        res.end(body);
      } else if (path === '/bomb') {
        bombConnectionClosed = new Promise((resolve) => req.socket.once('close', () => resolve()));
        // 4 MB of zeros, a few KB on the wire: only the decoded size can be capped.
        const body = gzipSync(Buffer.alloc(4 * 1024 * 1024));
        res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': body.byteLength });
        res.end(body);
      } else if (path === '/redirect') {
        res.writeHead(302, { location: '/json' });
        res.end('moved');
      } else if (path === '/cut') {
        // Promises 100 bytes, sends 10 and hangs up.
        res.writeHead(200, { 'content-length': '100' });
        res.write('0123456789', () => res.socket?.destroy());
      } else if (path === '/hang') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('01234');
      }
    });
  });
  beforeEach(() => {
    ports = [];
  });
  afterAll(() => server.close());

  it('gives the status, the headers case-insensitively (several values joined) and the body as text', async () => {
    const response = await get(`${server.url}/json`);

    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('application/json');
    expect(response.headers.get('X-RateLimit-Remaining')).toBe('5, 5');
    expect(response.headers.get('retry-after')).toBeNull();
    await expect(response.text()).resolves.toBe('{"status":"running"}');
  });

  it('sends Accept: */* and a User-Agent unless the request says otherwise, and a text body with its length in bytes', async () => {
    const plain = JSON.parse(await (await get(`${server.url}/echo`)).text()) as Record<string, unknown>;
    const posted = await nodeFetch(`${server.url}/echo`, { method: 'POST', headers: { Accept: 'application/json', 'User-Agent': 'my-app/2' }, body: 'id=é', signal: new AbortController().signal, redirect: 'manual' });

    expect(plain).toEqual({ method: 'GET', accept: '*/*', agent: 'rx-task-status', length: null });
    expect(JSON.parse(await posted.text())).toEqual({ method: 'POST', accept: 'application/json', agent: 'my-app/2', length: '5' });
  });

  it.each(['gzip', 'deflate', 'br'])('decodes a body sent %s', async (encoding) => {
    const response = await get(`${server.url}/encoded/${encoding}`);

    await expect(readBodyCapped(response, 1000)).resolves.toBe('{"done":true}');
  });

  it('caps a compressed body by its decoded size, and lets go of the connection', async () => {
    const response = await get(`${server.url}/bomb`);

    await expect(readBodyCapped(response, 64 * 1024)).rejects.toBeInstanceOf(BodyTooLargeError);
    // A connection left holding the unread rest would stay open (and this would time out): the client closed it.
    await bombConnectionClosed;
  });

  it('hands a redirect back as it is, without following it', async () => {
    const response = await get(`${server.url}/redirect`);

    expect([response.status, response.headers.get('location')]).toEqual([302, '/json']);
    expect(ports).toHaveLength(1);
  });

  it('rejects the body when the connection closes before it ends, as text and as a stream', async () => {
    await expect((await get(`${server.url}/cut`)).text()).rejects.toThrow();
    const streamed = await get(`${server.url}/cut`);
    // No declared length within the cap would make it read in one go: a cap below 100 reads it as a stream.
    await expect(readBodyCapped({ headers: { get: () => null }, body: streamed.body, text: () => streamed.text() }, 1000)).rejects.toThrow();
  });

  it('rejects with an AbortError when aborted before the answer, or while the body comes, and closes the connection', async () => {
    const early = new AbortController();
    early.abort();
    await expect(get(`${server.url}/json`, early.signal)).rejects.toMatchObject({ name: 'AbortError' });

    const late = new AbortController();
    const response = await get(`${server.url}/hang`, late.signal);
    const text = response.text();
    late.abort();
    await expect(text).rejects.toThrow();
    await server.settled(server.requests.length);
    expect(server.requests[server.requests.length - 1]?.aborted).toBe(true);
  });

  it('lets go of the signal once the body has ended: aborting it then breaks nothing, and the connection is kept for the next request', async () => {
    const controller = new AbortController();
    const first = await get(`${server.url}/json`, controller.signal);
    await first.text();
    controller.abort();
    const second = await get(`${server.url}/json`);

    await expect(second.text()).resolves.toBe('{"status":"running"}');
    // One connection for both: the abort did not destroy the socket the first request gave back to the agent.
    expect(ports).toHaveLength(2);
    expect(ports[1]).toBe(ports[0]);
  });

  it('refuses a URL that is not http or https, and one that is not a URL, without a request', async () => {
    await expect(get('ftp://127.0.0.1/x')).rejects.toThrow(TypeError);
    // Node's own TypeError (ERR_INVALID_URL), of another realm than Jest's: told by its name.
    await expect(get('not a url')).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_URL' });
    expect(ports).toHaveLength(0);
  });
});
