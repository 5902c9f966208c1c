// A task hub over the fake provider server, on 127.0.0.1: what the hub's specs start.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mobizonTasks, postmanTasks, streamTasks, type SourceOptions, type TaskSource } from '../../src/index.js';
import { createTaskHub, type HubTaskRequest, type TaskHub, type TaskHubOptions } from '../../src/hub/index.js';
import { startFakeProviderServer, type FakeProviderServer, type FakeProviderServerOptions } from '../../src/testing/index.js';
import { ROOMY_ACCOUNT } from '../support/roomyAccount.js';

export interface HubFixture {
  /** The fake Stream, Mobizon and Postman APIs. */
  readonly provider: FakeProviderServer;
  /** The hub's sources, by the names pages use: `stream`, `mobizon`, `postman`. */
  readonly sources: Readonly<Record<'stream' | 'mobizon' | 'postman', TaskSource>>;
  readonly hub: TaskHub;
  /** The plain node:http server the hub is mounted in. */
  readonly server: Server;
  /** The hub's URL: `http://127.0.0.1:PORT/tasks`. */
  readonly url: string;
  /** Sockets open to the hub right now. */
  openSockets(): number;
  /**
   * What a restart of the hub's process does to its pages: the hub closes (its
   * streams end with `dropped`), and a new one, with new sources (no stream and
   * no poll loop of the old one), answers at the same URL. `hub` and `sources`
   * are the new ones from then on.
   */
  restart(): Promise<void>;
  /** Closes the hub, then its server (every socket), then the fake provider. */
  close(): Promise<void>;
}

export interface HubFixtureOptions {
  /** Options of every source (interval, budget, retry, scheduler…). */
  readonly source?: SourceOptions;
  /** Options of the hub besides `sources` (default `authorize` lets everyone watch, `basePath` is `/tasks`). */
  readonly hub?: Partial<TaskHubOptions>;
  readonly provider?: FakeProviderServerOptions;
}

/** Lets every request watch every task: what a test of something else needs. */
export const allowAll = (_request: IncomingMessage, _task: HubTaskRequest): boolean => true;

export async function startHub(options: HubFixtureOptions = {}): Promise<HubFixture> {
  // These tests are about the hub, not about pacing.
  const given = options.provider ?? {};
  const provider = await startFakeProviderServer({ ...given, stream: { budget: ROOMY_ACCOUNT, ...given.stream }, postman: { budget: ROOMY_ACCOUNT, ...given.postman } });
  const common = { baseUrl: provider.url, interval: 200, jitter: 0, maxRequestsPerSecond: Infinity, retry: { minDelay: 10, maxDelay: 50 }, ...options.source };
  const { stream, mobizon, postman } = provider.credentials;
  const start = () => {
    const sources = {
      stream: streamTasks({ apiKey: stream.apiKey, apiSecret: stream.apiSecret, ...common }),
      mobizon: mobizonTasks({ apiKey: mobizon.apiKey, ...common }),
      postman: postmanTasks({ apiKey: postman.apiKey, ...common }),
    };
    return { sources, hub: createTaskHub({ sources, authorize: allowAll, basePath: '/tasks', ...options.hub }) };
  };
  let running = start();
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => running.hub(request, response));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tasks`;
  let closing: Promise<void> | undefined;
  return {
    provider,
    get sources() {
      return running.sources;
    },
    get hub() {
      return running.hub;
    },
    server,
    url,
    openSockets: () => sockets.size,
    restart: async () => {
      const stopping = running;
      running = start();
      await stopping.hub.close();
    },
    close: () =>
      (closing ??= (async () => {
        await running.hub.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await provider.close();
      })()),
  };
}
