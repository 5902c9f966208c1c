import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionTracker } from './connectionTracker.js';
import { FakeMobizon } from '../fakes/fakeMobizon.js';
import type { FakeProvider } from '../fakes/fakeProvider.js';
import { FakePostman } from '../fakes/fakePostman.js';
import { checkServerOptions, FAKE_CREDENTIALS, type FakeCredentials, type FakeProviderServerOptions } from './fakeServerOptions.js';
import { FakeStream } from '../fakes/fakeStream.js';
import { FaultQueue, type FaultBook } from '../faults/faultBook.js';
import { NOMINAL_QUOTA } from '../fakes/rateLimitHeaders.js';
import { SlidingWindowBudget } from '../log/requestBudget.js';
import { requestListener } from './requestListener.js';
import { RequestRecorder, type RequestLog } from '../log/requestLog.js';
import { TaskBoard } from '../tasks/taskBoard.js';

/** A running fake of the Stream, Mobizon and Postman task APIs. */
export interface FakeProviderServer {
  /** `http://127.0.0.1:PORT`: the base URL of all three providers. */
  readonly url: string;
  readonly port: number;
  /** The credentials it accepts (the defaults unless options gave others). */
  readonly credentials: FakeCredentials;
  /** Create scripted tasks; read them back. */
  readonly tasks: TaskBoard;
  /** Make things go wrong on purpose. */
  readonly faults: FaultBook;
  /** Every request it received; its waits reject once the server is closed. */
  readonly log: RequestLog;
  /** The server clock, in ms. */
  now(): number;
  /** Sockets open right now (keep-alive connections included): 0 after `close()`. */
  openConnections(): number;
  /**
   * Stops listening, ends every connection (idle keep-alive ones and hanging
   * responses too) and every timer, and forgets what strict Mobizon kept per
   * task. Idempotent: a second call returns the same promise.
   */
  close(): Promise<void>;
}

/**
 * Starts a local imitation of the three providers' task-status endpoints,
 * speaking their wire formats exactly (see WIRE.md), on 127.0.0.1 and a free
 * port. Tasks follow scripts on an injectable clock; faults, budgets and a
 * request log make clients' behaviour measurable.
 *
 * @example
 * ```ts
 * import { startFakeProviderServer } from 'rx-task-status/testing';
 *
 * const server = await startFakeProviderServer();
 * const task = server.tasks.create({ provider: 'postman', kind: 'collection-merge', duration: 2000 });
 * const response = await fetch(`${server.url}/collection-merges-tasks/${task.id}`, {
 *   headers: { 'x-api-key': server.credentials.postman.apiKey },
 * });
 * await response.json(); // { id: task.id, status: 'in-progress' }
 * await server.close();
 * ```
 */
export async function startFakeProviderServer(options: FakeProviderServerOptions = {}): Promise<FakeProviderServer> {
  checkServerOptions(options);
  const clock = options.clock ?? Date.now;
  const { stream = {}, mobizon = {}, postman = {} } = options;
  const credentials: FakeCredentials = {
    stream: { apiKey: stream.apiKey ?? FAKE_CREDENTIALS.stream.apiKey, apiSecret: stream.apiSecret ?? FAKE_CREDENTIALS.stream.apiSecret },
    mobizon: { apiKey: mobizon.apiKey ?? FAKE_CREDENTIALS.mobizon.apiKey },
    postman: { apiKey: postman.apiKey ?? FAKE_CREDENTIALS.postman.apiKey },
  };
  // Stream and Postman answer every request with its rate-limit headers, and enforce their limit, budget given or not.
  const budgets = {
    stream: new SlidingWindowBudget(stream.budget ?? NOMINAL_QUOTA),
    ...(mobizon.budget === undefined ? {} : { mobizon: new SlidingWindowBudget(mobizon.budget) }),
    postman: new SlidingWindowBudget(postman.budget ?? NOMINAL_QUOTA),
  };

  const server = createServer();
  const connections = new ConnectionTracker(server);
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;

  const tasks = new TaskBoard(clock);
  const faults = new FaultQueue();
  const log = new RequestRecorder();
  const homeHost = mobizon.homeHost === undefined || /:\d+$/.test(mobizon.homeHost) ? mobizon.homeHost : `${mobizon.homeHost}:${port}`;
  const providers = {
    stream: new FakeStream(tasks, { ...credentials.stream, duplicateRateLimitHeaders: stream.duplicateRateLimitHeaders ?? false, ...pick(budgets, 'stream') }),
    mobizon: new FakeMobizon(tasks, {
      apiKey: credentials.mobizon.apiKey,
      strict: mobizon.strict ?? false,
      checkRequestShape: mobizon.checkRequestShape ?? false,
      numbersAsStrings: mobizon.numbersAsStrings ?? false,
      ...(homeHost === undefined ? {} : { homeHost }),
    }),
    postman: new FakePostman(tasks, {
      apiKey: credentials.postman.apiKey,
      checkRequestShape: postman.checkRequestShape ?? false,
      errorShape: postman.errorShape ?? 'problem',
      duplicateRateLimitHeaders: postman.duplicateRateLimitHeaders ?? false,
      rateLimitHeaders: postman.rateLimitHeaders ?? true,
      ...pick(budgets, 'postman'),
    }),
  };
  server.on('request', requestListener({ clock, providers, budgets, faults, log, connections }));

  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    credentials,
    tasks,
    faults,
    log,
    now: clock,
    openConnections: () => connections.open,
    close: () => {
      closed ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await connections.closeAll();
        await stopped;
        for (const provider of Object.values<FakeProvider>(providers)) provider.close?.();
        log.dispose();
      })();
      return closed;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function pick(budgets: { stream?: SlidingWindowBudget; postman?: SlidingWindowBudget }, name: 'stream' | 'postman'): { budget?: SlidingWindowBudget } {
  const budget = budgets[name];
  return budget === undefined ? {} : { budget };
}
