// 7. Beyond one process: several worker processes on one Postman account.
//
//   node -r ts-node/register bench/scaling.bench.ts [--quick]
//
// The same processes, watching the same tasks, against the same fake server
// whose account allows `limit` requests in any 1 s window and refuses above it
// (strict), four ways: each process with its own budget of the whole limit
// (what four workers configured for "the account" do), each with a quarter of
// it (the usual fix by hand), one budget shared on Redis (`redisBudget`), and
// that budget with one poll per task (`redisCoordination`). Real processes,
// a real redis-server (started here), real HTTP, in real time: the server's
// request log is the judge.
import { maxInAnyWindow, startFakeProviderServer, type RequestLogEntry } from '../src/testing/index.js';
import type { WorkerJob } from '../spec/redis/support/worker.js';
import { workers } from '../spec/redis/support/workers.js';
import { redisAvailable, startRedis } from '../spec/support/redisServer.js';
import { formatNumber, markdownTable, median } from './support/stats.js';

export interface ScalingOptions {
  readonly processes: number;
  /** Tasks every process watches (the same ones). */
  readonly tasks: number;
  /** The account's limit: requests in any 1 s window, all processes together. */
  readonly limit: number;
  /** The interval each task is polled at. */
  readonly interval: number;
  /** Tasks end between these, ms after they are made. */
  readonly minDuration: number;
  readonly maxDuration: number;
}

export const SCALING_DEFAULTS: ScalingOptions = { processes: 4, tasks: 200, limit: 100, interval: 2000, minDuration: 5000, maxDuration: 6000 };
export const SCALING_QUICK: ScalingOptions = { processes: 2, tasks: 10, limit: 20, interval: 500, minDuration: 1000, maxDuration: 1200 };

export interface ScalingRow {
  readonly setup: string;
  /** Answered (not refused) polls per second, the median second of the steady state. */
  readonly answeredPerSecond: number;
  /** 429s the account sent. */
  readonly refused: number;
  /** The most requests that arrived in any 1 s window. */
  readonly busiestSecond: number;
  /** Requests the account received per task (refused ones too). */
  readonly requestsPerTask: number;
  /** From the first request until the last process saw the last task end, s. */
  readonly allEndsSeenS: number;
  /** Whether every process saw every task end (completed). */
  readonly everyEndSeen: boolean;
}

/** What the report says when the row could not be measured. */
export type ScalingResult = { readonly rows: readonly ScalingRow[] } | { readonly skipped: string };

interface Setup {
  readonly name: (options: ScalingOptions) => string;
  readonly job: (options: ScalingOptions) => Pick<WorkerJob, 'budget' | 'maxRequestsPerSecond' | 'coordinate'>;
}

const SETUPS: readonly Setup[] = [
  { name: (o) => `own budget of ${o.limit} each`, job: (o) => ({ budget: 'local', maxRequestsPerSecond: o.limit, coordinate: false }) },
  { name: (o) => `own budget of ${o.limit / o.processes} each (limit / ${o.processes})`, job: (o) => ({ budget: 'local', maxRequestsPerSecond: o.limit / o.processes, coordinate: false }) },
  { name: (o) => `redisBudget of ${o.limit}, shared`, job: (o) => ({ budget: 'redis', maxRequestsPerSecond: o.limit, coordinate: false }) },
  { name: (o) => `redisBudget of ${o.limit} + redisCoordination`, job: (o) => ({ budget: 'redis', maxRequestsPerSecond: o.limit, coordinate: true }) },
];

export async function run(options: ScalingOptions = SCALING_DEFAULTS): Promise<ScalingResult> {
  if (!redisAvailable()) return { skipped: 'not measured: redis-server is not on the PATH (apt-get install -y redis-server)' };
  const redis = await startRedis();
  const pool = workers();
  const rows: ScalingRow[] = [];
  try {
    for (const [index, setup] of SETUPS.entries()) rows.push(await measure(options, setup, index, redis.socketPath, pool));
  } finally {
    await pool.stop();
    await redis.stop();
  }
  return { rows };
}

async function measure(options: ScalingOptions, setup: Setup, index: number, redisSocket: string, pool: ReturnType<typeof workers>): Promise<ScalingRow> {
  const fake = await startFakeProviderServer({ postman: { budget: options.limit } });
  try {
    const ids = Array.from({ length: options.tasks }, (_, task) => {
      const id = `t-${task}`;
      fake.tasks.create({ provider: 'postman', kind: 'collection-merge', id, duration: options.minDuration + ((options.maxDuration - options.minDuration) * task) / Math.max(1, options.tasks - 1) });
      return id;
    });
    const deployment = Array.from({ length: options.processes }, (_, process) =>
      pool.start({
        redisSocket,
        library: process % 2 === 0 ? 'redis' : 'ioredis',
        baseUrl: fake.url,
        apiKey: fake.credentials.postman.apiKey,
        ids,
        interval: options.interval,
        leaseMs: 3000,
        account: `bench-${index}`,
        ...setup.job(options),
      }),
    );
    await Promise.all(deployment.map((worker) => worker.done));
    await fake.log.waitForSettled(fake.log.count());
    const log = fake.log.entries();
    const first = log[0]?.at ?? 0;
    const lastEnd = Math.max(...deployment.flatMap((worker) => [...worker.ended.values()].map((end) => end.at)));
    return {
      setup: setup.name(options),
      answeredPerSecond: steadyAnswered(log, first, first + options.minDuration),
      refused: fake.log.rateLimitRefusals(),
      busiestSecond: maxInAnyWindow(log.map((entry) => entry.at), 1000),
      requestsPerTask: log.length / ids.length,
      // The log's clock is the wall clock here (the fake server runs in real time), as is the workers' `at`.
      allEndsSeenS: (lastEnd - first) / 1000,
      everyEndSeen: deployment.every((worker) => ids.every((id) => worker.ended.get(id)?.status === 'completed')),
    };
  } finally {
    await fake.close();
  }
}

/** The median of answered polls per whole second, from a second after the first request until the first task can end. */
function steadyAnswered(log: readonly RequestLogEntry[], first: number, until: number): number {
  const perSecond: number[] = [];
  for (let from = first + 1000; from + 1000 <= until; from += 1000) {
    perSecond.push(log.filter((entry) => entry.at >= from && entry.at < from + 1000 && entry.status === 200 && !entry.rateLimited).length);
  }
  return median(perSecond);
}

export function toMarkdown(result: ScalingResult): string {
  if ('skipped' in result) return `_${result.skipped}._`;
  return markdownTable(
    ['processes share', 'answered / s', 'refused (429)', 'busiest 1 s', 'requests / task', 'all ends seen by all', 'every end seen'],
    result.rows.map((row) => [
      row.setup,
      formatNumber(row.answeredPerSecond, 0),
      formatNumber(row.refused, 0),
      formatNumber(row.busiestSecond, 0),
      formatNumber(row.requestsPerTask, 1),
      `${formatNumber(row.allEndsSeenS, 1)} s`,
      row.everyEndSeen ? 'yes' : 'no',
    ]),
    [false, true, true, true, true, true, false],
  );
}

if (require.main === module) {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  void run(quick ? SCALING_QUICK : SCALING_DEFAULTS).then((result) => console.log(toMarkdown(result)));
}
