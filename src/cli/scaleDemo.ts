import { fork } from 'node:child_process';
import { lastValueFrom } from 'rxjs';
import { fixedInterval, postmanTasks, untilTerminal } from '../index.js';
import { redisBudget, redisCoordination } from '../redis/index.js';
import { maxInAnyWindow, startFakeProviderServer, type FakeProviderServer } from '../testing/index.js';
import type { CliIO } from './cliIO.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import { connectDemoRedis, startLocalRedis } from './localRedis.js';

/** The hidden argument a demo worker is started with (`rx-task-status __demo-worker`). */
export const DEMO_WORKER = '__demo-worker';

export interface ScaleDemoInput {
  readonly processes: number;
  readonly tasks: number;
  readonly json: boolean;
}

/** The account's budget on the fake server (strict: it refuses above it) and in the shared budget. */
const LIMIT = 20;
/** Each task is wanted every second: with every process polling alone, far more than the account allows. */
const INTERVAL = 1000;
const MIN_DURATION = 4000;
const MAX_DURATION = 9000;

/** What a worker is told, over IPC. */
interface WorkerJob {
  readonly socketPath: string;
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly ids: readonly string[];
}

/** What a worker tells, over IPC. */
type WorkerReport = { readonly kind: 'ended'; readonly id: string; readonly status: string } | { readonly kind: 'done' } | { readonly kind: 'failed'; readonly message: string };

/**
 * `rx-task-status demo --processes N`: N processes of this program on one
 * Postman account (the fake server, with a strict budget of 20 requests a
 * second), each watching the same tasks, each wanting a poll of every task
 * every second, sharing one budget and one poll per task through a Redis this
 * demo starts itself. It prints a line a second (what each process has seen
 * end, what the server counted), then what the account saw in all.
 */
export async function scaleDemoCommand({ processes, tasks: count, json }: ScaleDemoInput, io: CliIO): Promise<ExitCode> {
  const redis = await startLocalRedis();
  const server = await startFakeProviderServer({ postman: { budget: LIMIT } });
  const children: Array<ReturnType<typeof fork>> = [];
  let ticker: ReturnType<typeof setInterval> | undefined;
  try {
    const ids = Array.from({ length: count }, (_, index) => {
      const id = `export-${index + 1}`;
      server.tasks.create({ provider: 'postman', kind: 'collection-merge', id, duration: MIN_DURATION + ((MAX_DURATION - MIN_DURATION) * index) / Math.max(1, count - 1) });
      return id;
    });
    const write = (line: object | string) => io.stdout.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`);
    if (!json) {
      write(`${processes} processes watch the same ${count} Postman tasks, each wanting a poll of every task every second: ${processes * count} requests a second if each polled alone.`);
      write(`The account allows ${LIMIT} requests a second (the fake server refuses above it). The processes share one budget and one poll per task on a Redis of their own.\n`);
    }
    const seen = Array.from({ length: processes }, () => new Map<string, string>());
    const started = Date.now();
    const finished = Array.from({ length: processes }, (_, index) => {
      const child = fork(process.argv[1] ?? '', [DEMO_WORKER], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      children.push(child);
      return new Promise<void>((resolve, reject) => {
        child.on('message', (report: WorkerReport) => {
          if (report.kind === 'ended') seen[index]?.set(report.id, report.status);
          if (report.kind === 'done') resolve();
          if (report.kind === 'failed') reject(new Error(report.message));
        });
        child.once('exit', (code) => reject(new Error(`demo process ${index + 1} exited (${String(code)}) before its tasks ended`)));
        child.send({ socketPath: redis.socketPath, baseUrl: server.url, apiKey: server.credentials.postman.apiKey, ids } satisfies WorkerJob);
      });
    });
    ticker = setInterval(() => write(progress(server, seen, count, started, json)), 1000);
    const stopped = new Promise<'aborted'>((resolve) => io.signal?.addEventListener('abort', () => resolve('aborted'), { once: true }));
    if ((await Promise.race([Promise.all(finished), stopped])) === 'aborted') return EXIT.interrupted;
    clearInterval(ticker);
    ticker = undefined;
    await server.log.waitForSettled(server.log.count());
    const summary = summaryOf(server, seen, { processes, count });
    write(json ? { summary } : summaryText(summary));
    return summary.refused === 0 && summary.busiestSecond <= LIMIT && summary.everyEndSeenEverywhere ? EXIT.completed : EXIT.failed;
  } finally {
    if (ticker !== undefined) clearInterval(ticker);
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await server.close();
    await redis.stop();
  }
}

function progress(server: FakeProviderServer, seen: readonly Map<string, string>[], count: number, started: number, json: boolean): object | string {
  const now = server.now();
  const lastSecond = server.log.entries().filter((entry) => entry.at > now - 1000);
  const refused = server.log.rateLimitRefusals();
  const done = seen.map((ends) => ends.size);
  if (json) return { at: Math.round((Date.now() - started) / 1000), done, requestsLastSecond: lastSecond.length, refused };
  return `${String(Math.round((Date.now() - started) / 1000)).padStart(3)} s  ended, as each process saw it: ${done.map((n) => `${n}/${count}`).join('  ')}  |  the server: ${lastSecond.length} requests in the last second, ${refused} refused`;
}

export interface ScaleSummary {
  readonly processes: number;
  readonly tasks: number;
  readonly requests: number;
  readonly requestsPerTask: number;
  readonly busiestSecond: number;
  readonly limit: number;
  readonly refused: number;
  readonly everyEndSeenEverywhere: boolean;
}

function summaryOf(server: FakeProviderServer, seen: readonly Map<string, string>[], { processes, count }: { processes: number; count: number }): ScaleSummary {
  const entries = server.log.entries();
  return {
    processes,
    tasks: count,
    requests: entries.length,
    requestsPerTask: Math.round((entries.length / count) * 10) / 10,
    busiestSecond: maxInAnyWindow(entries.map((entry) => entry.at), 1000),
    limit: LIMIT,
    refused: server.log.rateLimitRefusals(),
    everyEndSeenEverywhere: seen.every((ends) => ends.size === count && [...ends.values()].every((status) => status === 'completed')),
  };
}

function summaryText(summary: ScaleSummary): string {
  return [
    '',
    `The account saw ${summary.requests} requests for ${summary.tasks} tasks (${summary.requestsPerTask} a task), at most ${summary.busiestSecond} in any second (it allows ${summary.limit}), ${summary.refused} refused.`,
    `Every process saw every task end: ${summary.everyEndSeenEverywhere ? 'yes' : 'no'}. Each task was polled by one process at a time; the others got its states through Redis.`,
  ].join('\n');
}

/** The worker: its own Redis client and a Postman source sharing the budget and the polls; reports each end, then `done`. */
export function demoWorker(): void {
  process.once('message', (job: WorkerJob) => {
    void (async () => {
      const redis = await connectDemoRedis(job.socketPath);
      try {
        const source = postmanTasks({
          apiKey: job.apiKey,
          baseUrl: job.baseUrl,
          budget: redisBudget({ client: redis.client, key: 'demo-account', maxRequestsPerSecond: LIMIT }),
          coordination: redisCoordination({ client: redis.client, prefix: 'demo-account' }),
          interval: INTERVAL,
          policy: fixedInterval(),
        });
        await Promise.all(
          job.ids.map(async (id) => {
            const state = await lastValueFrom(source.watch({ id, kind: 'collection-merge' }).pipe(untilTerminal()));
            process.send?.({ kind: 'ended', id, status: state.status } satisfies WorkerReport);
          }),
        );
        process.send?.({ kind: 'done' } satisfies WorkerReport);
      } finally {
        await redis.close();
      }
    })()
      .catch((error: unknown) => process.send?.({ kind: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies WorkerReport))
      // With its IPC channel closed, nothing is left open: the worker ends by itself.
      .finally(() => process.disconnect?.());
  });
}
