import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { startFakeProviderServer, type FakeProviderServer } from '../../src/testing/index.js';
import { postmanGet, rawRequest, startOnClock } from './fakeServerHelpers.js';

const timeouts = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

/** Opens a TCP connection; resolves with the error code if it fails, or `'connected'`. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

describe('starting and stopping the fake server', () => {
  let server: FakeProviderServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('listens on 127.0.0.1 and a free port by default, and says so in `url`', async () => {
    server = await startFakeProviderServer();
    const other = await startFakeProviderServer();
    try {
      expect(server.port).toBeGreaterThan(0);
      expect(other.port).not.toBe(server.port);
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      expect(await tryConnect('127.0.0.1', server.port)).toBe('connected');
      // Loopback over IPv4 only: nothing answers on the IPv6 loopback.
      expect(await tryConnect('::1', server.port)).not.toBe('connected');
    } finally {
      await other.close();
    }
  });

  it('listens where `host` says, and brackets an IPv6 host in `url`', async () => {
    server = await startFakeProviderServer({ host: 'localhost' });
    expect(server.url).toBe(`http://localhost:${server.port}`);
    const probe = await startFakeProviderServer({ host: '::1' }).catch((error: NodeJS.ErrnoException) => error);
    if (probe instanceof Error) {
      // A machine without IPv6 cannot listen on ::1; that is the machine's business, not the server's.
      expect(probe.code).toMatch(/EADDRNOTAVAIL|EAFNOSUPPORT/);
      return;
    }
    expect(probe.url).toBe(`http://[::1]:${probe.port}`);
    await probe.close();
  });

  it('ends idle keep-alive connections on close(), and refuses new ones', async () => {
    const fake = await startFakeProviderServer();
    server = fake;
    fake.tasks.create({ provider: 'postman', id: 'u1', duration: 1000 });
    const agent = new Agent({ keepAlive: true });
    try {
      const socket = await new Promise<Socket>((resolve, reject) => {
        const req = httpRequest(`${fake.url}/collection-updates-tasks/u1`, { agent, headers: { 'x-api-key': fake.credentials.postman.apiKey } }, (res) => {
          const socket = res.socket as Socket;
          res.resume();
          res.once('end', () => resolve(socket));
        });
        req.once('error', reject);
        req.end();
      });
      await fake.log.waitForSettled(1);
      expect(fake.openConnections()).toBe(1);
      const clientSawClose = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await fake.close();
      await clientSawClose;
      expect(fake.openConnections()).toBe(0);
      expect(await tryConnect('127.0.0.1', fake.port)).toBe('ECONNREFUSED');
    } finally {
      agent.destroy();
    }
  });

  it.each(['before-headers', 'mid-body'] as const)('ends a hanging response (%s) on close(): the client sees the connection go', async (stage) => {
    ({ server } = await startOnClock());
    server.tasks.create({ provider: 'postman', id: 'u1', duration: 1000 });
    server.faults.add({ kind: 'hang', stage });
    const exchange = rawRequest(`${server.url}/collection-updates-tasks/u1`, { headers: { 'x-api-key': server.credentials.postman.apiKey } });
    await server.log.waitForRequests(1);
    expect(server.openConnections()).toBe(1);
    await server.close();
    expect((await exchange).ending).not.toBe('complete');
    expect(server.openConnections()).toBe(0);
    // Ended by the server, not abandoned by the client.
    expect(server.log.entries()[0]).toMatchObject({ fault: 'hang', settled: true, aborted: false });
  });

  it('cancels its own timers on close(): a reset scheduled mid-body never fires', async () => {
    const before = timeouts();
    const { server: fake } = await startOnClock();
    server = fake;
    fake.tasks.create({ provider: 'postman', id: 'u1', duration: 1000 });
    fake.faults.add({ kind: 'connection-reset', stage: 'mid-body' });
    const firstBytes = new Promise<void>((resolve) => {
      const req = httpRequest(`${fake.url}/collection-updates-tasks/u1`, { agent: false, headers: { 'x-api-key': fake.credentials.postman.apiKey } }, (res) => {
        res.once('data', () => resolve());
        res.on('error', () => undefined);
      });
      req.on('error', () => undefined);
      req.end();
    });
    await firstBytes; // the server has written half the body; it arms the reset once the socket took it
    // The client may read the bytes before the server hears they were flushed: wait (a bounded number of turns) for the timer.
    for (let turn = 0; turn < 1000 && timeouts() <= before; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(timeouts()).toBeGreaterThan(before);
    await fake.close();
    expect(timeouts()).toBeLessThanOrEqual(before);
  });

  it('stops streaming an oversized body on close()', async () => {
    ({ server } = await startOnClock());
    server.tasks.create({ provider: 'postman', id: 'u1', duration: 1000 });
    server.faults.add({ kind: 'oversized-body', bytes: 2 ** 30 });
    const response = await postmanGet(server, '/collection-updates-tasks/u1');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await server.close();
    await expect((async () => {
      for (;;) if ((await reader.read()).done) return 'ended';
    })()).rejects.toThrow();
    const [entry] = server.log.entries();
    expect(entry).toMatchObject({ fault: 'oversized-body', settled: true });
    expect(entry?.bytesSent).toBeLessThan(2 ** 30 / 8);
  });

  it('makes a second close() harmless: the same promise, and nothing thrown after', async () => {
    server = await startFakeProviderServer();
    const first = server.close();
    const second = server.close();
    expect(second).toBe(first);
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
    await expect(server.close()).resolves.toBeUndefined();
    expect(server.openConnections()).toBe(0);
  });

  it('rejects the log waits still pending at close(), and any made after it', async () => {
    ({ server } = await startOnClock());
    const pending = server.log.waitForSettled(1);
    const pendingRequests = server.log.waitForRequests(1, { provider: 'stream' });
    await server.close();
    await expect(pending).rejects.toThrow(/fake provider server is closed.*1 settled request\(s\) were still awaited/);
    await expect(pendingRequests).rejects.toThrow(/closed/);
    await expect(server.log.waitForSettled(3)).rejects.toThrow('The fake provider server is closed: no more requests will arrive or settle. It will never see 3 more settled request(s).');
    await expect(server.log.waitForRequests(1)).rejects.toThrow(/closed/);
    // A wait that is already satisfied is still answered.
    await expect(server.log.waitForSettled(0)).resolves.toBeUndefined();
  });
});

describe('CORS, so that a page on another loopback port can call the server', () => {
  let server: FakeProviderServer;
  beforeEach(async () => {
    // Checked, Mobizon's route takes POST only: the 405 row below needs a method it refuses.
    ({ server } = await startOnClock({ mobizon: { checkRequestShape: true } }));
    server.tasks.create({ provider: 'postman', id: 'u1', duration: 1000 });
  });
  afterEach(() => server.close());

  const EXPOSED = 'Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-RateLimit-RetryAfter, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy';

  it('answers a preflight with 204, the methods, the headers asked for, and a max age; the log leaves it out', async () => {
    const response = await fetch(`${server.url}/apis/a1/tasks/t1`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:5173', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key, accept' },
    });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toBe('x-api-key, accept');
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('vary')).toBe('Access-Control-Request-Headers');
    expect(server.log.count()).toBe(0);
  });

  it('lists the providers\' request headers in a preflight that asks for none', async () => {
    const response = await fetch(`${server.url}/service/taskqueue/getstatus`, { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST' } });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-headers')).toBe('Authorization, stream-auth-type, x-api-key, Content-Type, Accept');
  });

  it.each([
    ['a task body', '/collection-updates-tasks/u1', 200],
    ['an error of the provider', '/collection-updates-tasks/gone', 404],
    ['an unknown route', '/no/such/route', 404],
    ['a method the route does not take', '/service/taskqueue/getstatus', 405],
  ])('lets any origin read %s, rate-limit headers included', async (_, path, status) => {
    const response = await postmanGet(server, path);
    expect(response.status).toBe(status);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-expose-headers')).toBe(EXPOSED);
  });

  it('does the same on a fault\'s answer', async () => {
    server.faults.add({ kind: 'html-error-page' });
    server.faults.add({ kind: 'rate-limited', answeredBy: 'gateway' });
    for (const expected of [502, 429]) {
      const response = await postmanGet(server, '/collection-updates-tasks/u1');
      expect(response.status).toBe(expected);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-expose-headers')).toBe(EXPOSED);
    }
  });
});
