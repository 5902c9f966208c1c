// One worker process of a deployment: its own Redis client, a Postman source
// sharing the account's budget and coordination on that Redis, watching the
// tasks it is given until they end. Started by workers.ts (bundled, forked);
// it reports over IPC: 'ready' once watching, one 'ended' per task, 'done'.
import IORedis from 'ioredis';
import * as redis from 'redis';
import { lastValueFrom } from 'rxjs';
import { fixedInterval, postmanTasks, untilTerminal } from '../../../src/index.js';
import { redisBudget, redisCoordination } from '../../../src/redis/index.js';

export interface WorkerJob {
  readonly redisSocket: string;
  readonly library: 'redis' | 'ioredis';
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly ids: readonly string[];
  readonly maxRequestsPerSecond: number;
  readonly interval: number;
  readonly leaseMs: number;
  /** The account: budget key and coordination prefix. */
  readonly account: string;
  /** Poll each task once across the processes (redisCoordination), or each process on its own. */
  readonly coordinate: boolean;
  /** The account's budget shared on Redis (`redis`, the default), or each process's own window of `maxRequestsPerSecond` (`local`). */
  readonly budget?: 'redis' | 'local';
}

export type WorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'ended'; readonly id: string; readonly status?: string; readonly error?: string; readonly at: number }
  | { readonly kind: 'done'; readonly starts: Readonly<Record<string, readonly number[]>> }
  | { readonly kind: 'failed'; readonly message: string };

async function connect(job: WorkerJob): Promise<{ client: unknown; close(): Promise<void> }> {
  if (job.library === 'ioredis') {
    const client = new IORedis({ path: job.redisSocket });
    client.on('error', () => undefined);
    return { client, close: async () => void client.disconnect() };
  }
  const client = redis.createClient({ socket: { path: job.redisSocket } } as Parameters<typeof redis.createClient>[0]);
  client.on('error', () => undefined);
  await client.connect();
  return { client, close: async () => void client.destroy() };
}

async function run(job: WorkerJob): Promise<void> {
  const { client, close } = await connect(job);
  // When this process started each poll, by task, as its source tells it: the time its scheduler let the request
  // start, which is what the library spaces. (Neither the arrivals at the server, which jitter with its load, nor
  // the time a wrapped fetch is called: a busy machine may put the process aside for milliseconds in between.)
  const starts: Record<string, number[]> = {};
  const source = postmanTasks({
    apiKey: job.apiKey,
    baseUrl: job.baseUrl,
    ...(job.budget === 'local' ? { maxRequestsPerSecond: job.maxRequestsPerSecond } : { budget: redisBudget({ client, key: job.account, maxRequestsPerSecond: job.maxRequestsPerSecond }) }),
    ...(job.coordinate ? { coordination: redisCoordination({ client, prefix: job.account, leaseMs: job.leaseMs }) } : {}),
    interval: job.interval,
    policy: fixedInterval(),
    jitter: 0,
  });
  const told = source.events.subscribe((event) => {
    if (event.type === 'request' && event.id !== undefined) (starts[event.id] ??= []).push(event.at);
  });
  const send = (message: WorkerMessage) => process.send?.(message);
  const watches = job.ids.map((id) =>
    lastValueFrom(source.watch({ id, kind: 'collection-merge' }).pipe(untilTerminal())).then(
      (state) => send({ kind: 'ended', id, status: state.status, at: Date.now() }),
      (error: unknown) => send({ kind: 'ended', id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), at: Date.now() }),
    ),
  );
  send({ kind: 'ready' });
  await Promise.all(watches);
  told.unsubscribe();
  await close();
  send({ kind: 'done', starts });
}

process.once('message', (job: WorkerJob) => {
  run(job).then(
    () => process.disconnect?.(),
    (error: unknown) => {
      process.send?.({ kind: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies WorkerMessage);
      process.disconnect?.();
    },
  );
});
