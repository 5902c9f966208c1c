// A task hub served over HTTP/2 (node:http2's compatibility API), where every tab of a browser shares one
// connection to it. Over HTTP/1.1 each tab's stream holds one of the six connections a browser allows an
// origin, so a seventh tab (and the app's own requests) would wait. h2c on 127.0.0.1: the same compatibility
// API a TLS server gives, which is what browsers speak HTTP/2 over.
import { connect, createServer, type ClientHttp2Session, type Http2Server, type Http2ServerRequest } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { postmanTasks, streamTasks } from '../../src/index.js';
import { createTaskHub, type TaskHub } from '../../src/hub/index.js';
import { startFakeProviderServer, type FakeProviderServer } from '../../src/testing/index.js';
import { ROOMY_ACCOUNT } from '../support/roomyAccount.js';
import { eventually, openHttp2Stream, type HubReader } from './sseReader.js';

const TABS = 8;
const MAX_BUFFERED_BYTES = 16 * 1024;

describe('a task hub over HTTP/2, every tab of a browser on one connection', () => {
  let provider: FakeProviderServer;
  let hub: TaskHub<Http2ServerRequest>;
  let server: Http2Server;
  /** A browser's connection to the hub, with Chromium's flow-control windows (6 MiB a stream, 15 MiB in all). */
  let session: ClientHttp2Session;
  let url: string;
  /** Other connections a test opens: closed after it, whatever happened. */
  let others: ClientHttp2Session[];
  /** What to do when the hub ends the response of a page that names itself (`x-page`). */
  let onEnd: Map<string, () => void>;
  /**
   * The headers the hub gave each response. HTTP/2 has no connection headers: Node drops one given to an
   * HTTP/2 response, and warns on the process (once, so a warning is no test of it: the headers are).
   */
  let headersGiven: Record<string, unknown>[];

  beforeEach(async () => {
    headersGiven = [];
    others = [];
    onEnd = new Map();
    provider = await startFakeProviderServer({ stream: { budget: ROOMY_ACCOUNT }, postman: { budget: ROOMY_ACCOUNT } });
    const common = { baseUrl: provider.url, interval: 50, jitter: 0, maxRequestsPerSecond: Infinity };
    const { stream, postman } = provider.credentials;
    hub = createTaskHub({
      sources: { stream: streamTasks({ apiKey: stream.apiKey, apiSecret: stream.apiSecret, ...common }), postman: postmanTasks({ apiKey: postman.apiKey, ...common }) },
      // The app's session check is given the HTTP/2 request, typed as one.
      authorize: (request: Http2ServerRequest) => request.httpVersionMajor === 2 && request.headers.authorization === 'Bearer tab',
      basePath: '/tasks',
      maxBufferedBytes: MAX_BUFFERED_BYTES,
    });
    server = createServer((request, response) => {
      const writeHead = response.writeHead.bind(response) as (status: number, headers?: Record<string, unknown>) => typeof response;
      response.writeHead = ((status: number, headers?: Record<string, unknown>) => {
        headersGiven.push({ ...headers });
        return writeHead(status, headers);
      }) as typeof response.writeHead;
      const page = request.headers['x-page'];
      if (typeof page === 'string') {
        const end = response.end.bind(response) as (chunk: string) => typeof response;
        response.end = ((chunk: string) => {
          onEnd.get(page)?.();
          return end(chunk);
        }) as typeof response.end;
      }
      hub(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    session = connect(url, { settings: { initialWindowSize: 6 * 1024 * 1024 } });
    await new Promise<void>((resolve) => session.once('connect', () => resolve()));
    session.setLocalWindowSize(15 * 1024 * 1024);
  });

  afterEach(async () => {
    session.destroy();
    for (const other of others) other.destroy();
    await hub.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await provider.close();
  });

  const open = (watch: readonly { provider: string; ref: string }[], options: { page?: string; paused?: boolean; authorized?: boolean; on?: ClientHttp2Session } = {}) =>
    openHttp2Stream(options.on ?? session, '/tasks', watch, {
      headers: { ...(options.authorized === false ? {} : { authorization: 'Bearer tab' }), ...(options.page === undefined ? {} : { 'x-page': options.page }) },
      paused: options.paused === true,
    });
  const statusOf = (data: { state: string }) => (JSON.parse(data.state) as { state: { status: string } }).state.status;
  const completed = (tab: HubReader) => tab.next<{ state: string }>('state', (data) => statusOf(data) === 'completed', 10_000);

  it(`carries the streams of ${TABS} tabs on one connection, each task to its end on every tab, one poll loop for all, and no connection header`, async () => {
    const merge = provider.tasks.create({ provider: 'postman', kind: 'collection-merge', steps: [{ at: 0, status: 'in-progress' }, { at: 400, status: 'successful' }] });
    const tabs = await Promise.all(Array.from({ length: TABS }, () => open([{ provider: 'postman', ref: `merge:${merge.id}` }])));
    for (const tab of tabs) {
      expect(tab.status).toBe(200);
      expect(tab.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    }
    await Promise.all(tabs.map(completed));
    for (const tab of tabs) expect(tab.all<{ state: string }>('state').map(statusOf)).toEqual(['running', 'completed']);
    // One loop at 50 ms for 400 ms is about 9 requests; one per tab would be about 70.
    expect(provider.log.count()).toBeLessThanOrEqual(20);
    expect(session.destroyed).toBe(false);
    expect(headersGiven).toHaveLength(TABS);
    for (const headers of headersGiven) expect(Object.keys(headers).map((name) => name.toLowerCase())).not.toContain('connection');
  });

  it('asks authorize about the HTTP/2 request: a tab without the session header gets the denial as its task\'s end', async () => {
    const merge = provider.tasks.create({ provider: 'postman', kind: 'collection-merge', duration: 200 });
    const denied = await open([{ provider: 'postman', ref: `merge:${merge.id}` }], { authorized: false });
    const end = await denied.next<{ ref: string; error: string }>('end');
    expect(end.ref).toBe(`merge:${merge.id}`);
    expect(JSON.parse(end.error)).toMatchObject({ code: 'AUTHENTICATION' });
  });

  /** Four tasks with a new state (about 10 KB as it travels) every `everyMs`. */
  function heavyTasks(everyMs: number): { provider: string; ref: string }[] {
    const pad = 'x'.repeat(5000);
    return Array.from({ length: 4 }, () => {
      const task = provider.tasks.create({ provider: 'stream', steps: Array.from({ length: 20_000 / everyMs }, (_, n) => ({ at: n * everyMs, status: 'running', result: { n, pad } })) });
      return { provider: 'stream', ref: task.id };
    });
  }
  const statesPerTask = (tab: HubReader) => {
    const counts = new Map<string, number>();
    for (const { ref } of tab.all<{ ref: string }>('state')) counts.set(ref, (counts.get(ref) ?? 0) + 1);
    return counts;
  };

  it(`keeps a tab that reads, given more than maxBufferedBytes at once (${MAX_BUFFERED_BYTES / 1024} KiB: the latest states of the tasks it takes up)`, async () => {
    // Slow enough that a small buffer is plenty once the burst is sent: 80 KB a second.
    const heavy = heavyTasks(500);
    const first = await open(heavy);
    await first.until('a state of every task', () => statesPerTask(first).size === heavy.length);
    // The second tab gets the four latest states (about 40 KB) in one go, which an HTTP/2 connection sends on its next
    // turn. (With windows as small as Node's own, 64 KiB for the whole connection, a reader in this very process may not
    // have taken the first tab's last states by then: a connection that slow is one a reader falls behind on.)
    const second = await open(heavy);
    await second.until('two states of every task', () => heavy.every(({ ref }) => (statesPerTask(second).get(ref) ?? 0) >= 2), 10_000);
    expect(second.all('dropped')).toEqual([]);
    expect(second.isClosed()).toBe(false);
  });

  it('drops a tab that has stopped reading without touching the connection the other tabs share', async () => {
    // A connection with Node's own windows (64 KiB): the stalled tab's fills within a few of the heavy tasks' states.
    const small = connect(url);
    others.push(small);
    const heavy = heavyTasks(50);
    const merge = provider.tasks.create({ provider: 'postman', kind: 'collection-merge', steps: [{ at: 0, status: 'in-progress' }, { at: 300, status: 'successful' }] });
    let stalled: HubReader | undefined;
    let ended = false;
    // The stalled tab reads again as soon as the hub ends its response (within the 2 s the hub gives it before cutting its stream).
    onEnd.set('stalled', () => {
      ended = true;
      setImmediate(() => stalled?.read());
    });
    stalled = await open(heavy, { page: 'stalled', paused: true, on: small });
    await eventually('the hub to end the stalled tab\'s response', () => ended, 20_000);
    // Reading again, it learns why it was dropped, after every event it had been sent.
    expect(await stalled.next<{ reason: string }>('dropped', undefined, 10_000)).toMatchObject({ reason: 'slow-reader' });
    expect(stalled.events.at(-1)?.event).toBe('dropped');
    await stalled.closed;
    // The connection is the browser's, not the tab's: a tab opened on it now still gets its task to the end.
    const other = await open([{ provider: 'postman', ref: `merge:${merge.id}` }], { on: small });
    await completed(other);
    expect(small.destroyed).toBe(false);
  });
});
