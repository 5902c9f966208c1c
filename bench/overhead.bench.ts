// 3. Overhead: what one poll costs the client, for every poller on the same work.
//
//   node --expose-gc -r ts-node/register bench/overhead.bench.ts [--quick]
//
// Same work for every poller. Throughput at full speed cannot compare the
// alternatives: smithy's waiter waits whole seconds between polls (its delays
// are given in seconds), core-lro and rx-polling sleep a fixed interval, so
// "as fast as it goes" is a different amount of work for each. Instead every
// poller follows the same `pacedTasks` endless fake-Postman tasks at the same
// interval (`pacedIntervalMs`, 1 s: `pacedTasks` polls a second, enough that
// the client does real work), on the same server, with the same start
// schedule (the first polls spread evenly over the first interval, the
// harness's doing, as a user staggering starts would), each in a client
// process of its own. After `pacedWarmupMs` (every task started and polled
// again), the client's CPU (process.cpuUsage, user + system) is read over
// `pacedDurationMs`; the polls answered in that window are counted by the
// server, from its request log (one counter for every poller, whatever the
// poller tells its user). CPU per poll = that CPU / those polls. Each poller
// runs as its own docs show it, with the interval as its one setting:
//
// - raw cross-fetch loop: per task, `await fetch(url)`, `await
//   response.json()`, read `status`, `setTimeout(interval)`: the least any
//   poller must do with the fetch the anchors use, and the baseline of the
//   ratios (as the issue states them).
// - raw node:http loop: the same request and reading on `node:http` itself
//   (no fetch, no abort): the floor, what the machine's HTTP stack costs.
// - rx-task-status: `postmanTasks({ interval, maxRequestsPerSecond: Infinity })`,
//   other options default (a roomy account; pacing is row 2's), one watch per
//   task: watch → poll loop → request scheduler → http transport (timeout,
//   size cap, redirects, rate-limit headers) over its default fetch in Node
//   (src/core/nodeFetch.ts, on node:http) → io-ts decode → TaskState,
//   distinct-until-changed.
// - fixed loop, @azure/core-lro, @smithy createWaiter (minDelay = maxDelay =
//   the interval), rx-polling: as in support/anchors.ts.
//
// Full speed, ours against the raw loop (the throughput target):
// `tasks` tasks, `concurrency` requests in flight, polled as fast as each
// goes for `durationMs` after `warmupMs`; rx-task-status with `interval: 1,
// jitter: 0, maxRequestsPerSecond: Infinity, maxConcurrentRequests:
// concurrency` (and the default fetch, as a user has it), the raw loop as
// `concurrency` async loops without a sleep. Answers are counted by the
// server, as above.
//
// Each run measures every poller once, in an order rotated from run to run;
// ratios are taken within a run (the machine is shared and noisy), then the
// median of the runs. BENCH_CPU_PROF=<dir> writes a CPU profile of every
// client (see support/clientProcess.ts).
import { startFakeProviderServer, type FakeProviderServer } from '../src/testing/server/startFakeProviderServer.js';
import type { ClientJob, ClientReply } from './support/clientMain.js';
import { runClient } from './support/clientProcess.js';
import type { PollerSpec } from './support/pollerSpec.js';
import { ROOMY_ACCOUNT } from '../spec/support/roomyAccount.js';
import { endlessPostmanTasks } from './support/sources.js';
import { formatNumber, markdownTable, median } from './support/stats.js';

export interface OverheadOptions {
  /** Full speed: tasks, requests in flight, and the window measured after the warm-up. */
  readonly tasks: number;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Same work: tasks followed by every poller, each polled every `pacedIntervalMs`; the window measured after the warm-up. */
  readonly pacedTasks: number;
  readonly pacedIntervalMs: number;
  readonly pacedWarmupMs: number;
  readonly pacedDurationMs: number;
  readonly runs: number;
}

export const OVERHEAD_DEFAULTS: OverheadOptions = {
  tasks: 64,
  concurrency: 8,
  warmupMs: 700,
  durationMs: 2500,
  pacedTasks: 512,
  pacedIntervalMs: 1000,
  pacedWarmupMs: 2500,
  pacedDurationMs: 4000,
  runs: 2,
};
export const OVERHEAD_QUICK: OverheadOptions = {
  tasks: 8,
  concurrency: 2,
  warmupMs: 100,
  durationMs: 300,
  pacedTasks: 8,
  pacedIntervalMs: 100,
  pacedWarmupMs: 150,
  pacedDurationMs: 200,
  runs: 1,
};

/** The pollers of the same-work rows, in the order of the table. */
export const PACED_POLLERS = ['raw node:http loop', 'raw cross-fetch loop', 'rx-task-status', 'fixed loop', '@azure/core-lro', '@smithy createWaiter', 'rx-polling'] as const;
export type Poller = (typeof PACED_POLLERS)[number];
type FullSpeedPoller = Extract<Poller, 'raw cross-fetch loop' | 'rx-task-status'>;

export interface OverheadRow {
  readonly approach: Poller;
  /** `'same work'`: every poller on the same tasks at the same interval; `'full speed'`: as fast as it goes, `concurrency` in flight. */
  readonly work: 'same work' | 'full speed';
  readonly pollsPerSecond: number;
  readonly cpuMicrosPerPoll: number;
  /** This row's CPU per poll over the raw loop's on the same work (1 for the raw loop). */
  readonly cpuRatio: number;
  /** This row's CPU per poll over rx-task-status's on the same work (1 for rx-task-status). */
  readonly cpuRatioToOurs: number;
  /** This row's polls per second over the raw loop's: at full speed, the throughput ratio (1 for the raw loop). */
  readonly throughputRatio: number;
}

interface Measured {
  readonly pollsPerSecond: number;
  readonly cpuMicrosPerPoll: number;
}

/**
 * The rows: full speed first (ours, then the raw loop: what the issue's
 * throughput target reads), then every poller on the same work.
 */
export async function run(options: OverheadOptions = OVERHEAD_DEFAULTS): Promise<OverheadRow[]> {
  return [...(await fullSpeed(options)), ...(await sameWork(options))];
}

async function sameWork(options: OverheadOptions): Promise<OverheadRow[]> {
  return withEndlessTasks(options.pacedTasks, (server, { ids, endpoint }) => {
    const interval = options.pacedIntervalMs;
    const startGapMs = interval / options.pacedTasks;
    const specs: Record<Poller, PollerSpec> = {
      'raw node:http loop': { kind: 'raw-loop', over: 'node:http', intervalMs: interval, startGapMs },
      'raw cross-fetch loop': { kind: 'raw-loop', intervalMs: interval, startGapMs },
      'rx-task-status': { kind: 'rx-task-status', options: { interval, maxRequestsPerSecond: 'Infinity' }, startGapMs },
      'fixed loop': { kind: 'fixed-loop', intervalMs: interval, startGapMs },
      '@azure/core-lro': { kind: 'core-lro', intervalInMs: interval, startGapMs },
      '@smithy createWaiter': { kind: 'smithy', minDelay: interval / 1000, maxDelay: interval / 1000, startGapMs },
      'rx-polling': { kind: 'rx-polling', interval, startGapMs },
    };
    return measureRows(PACED_POLLERS, 'same work', options.runs, (poller) =>
      measureClient(server, { kind: 'cost', endpoint, ids, poller: specs[poller], warmupMs: options.pacedWarmupMs, durationMs: options.pacedDurationMs }),
    );
  });
}

async function fullSpeed(options: OverheadOptions): Promise<OverheadRow[]> {
  return withEndlessTasks(options.tasks, (server, { ids, endpoint }) =>
    measureRows(['rx-task-status', 'raw cross-fetch loop'] as const, 'full speed', options.runs, (approach: FullSpeedPoller) =>
      measureClient(server, { kind: 'throughput', endpoint, ids, approach, concurrency: options.concurrency, warmupMs: options.warmupMs, durationMs: options.durationMs }),
    ),
  );
}

/** A fake server with `count` endless Postman tasks for `use`, closed after. */
async function withEndlessTasks<T>(count: number, use: (server: FakeProviderServer, tasks: ReturnType<typeof endlessPostmanTasks>) => Promise<T>): Promise<T> {
  // A load test of the client, not of pacing: the fake account allows far more than the real 300 a minute, said here rather than assumed.
  const server = await startFakeProviderServer({ postman: { budget: ROOMY_ACCOUNT } });
  try {
    return await use(server, endlessPostmanTasks(server, count));
  } finally {
    await server.close();
  }
}

/**
 * Measures every poller once per run, in an order rotated from run to run,
 * then makes a row per poller: the medians of its figures, and the medians
 * of its figures over the raw loop's and ours taken within each run.
 */
async function measureRows<P extends Poller>(pollers: readonly P[], work: OverheadRow['work'], runCount: number, measure: (poller: P) => Promise<Measured>): Promise<OverheadRow[]> {
  const runs: Array<Record<P, Measured>> = [];
  for (let index = 0; index < runCount; index++) {
    const result = {} as Record<P, Measured>;
    for (const poller of rotate(pollers, index)) result[poller] = await measure(poller);
    runs.push(result);
  }
  const raw = 'raw cross-fetch loop' as P;
  const ours = 'rx-task-status' as P;
  return pollers.map((poller) => ({
    approach: poller,
    work,
    pollsPerSecond: median(runs.map((result) => result[poller].pollsPerSecond)),
    cpuMicrosPerPoll: median(runs.map((result) => result[poller].cpuMicrosPerPoll)),
    cpuRatio: perRunRatio(runs, poller, raw, 'cpuMicrosPerPoll'),
    cpuRatioToOurs: perRunRatio(runs, poller, ours, 'cpuMicrosPerPoll'),
    throughputRatio: perRunRatio(runs, poller, raw, 'pollsPerSecond'),
  }));
}

/**
 * One client process: its CPU over the window it measured, and the polls the
 * server answered in that window (its request log, on the wall clock both
 * processes read; the log is cleared first, so it never holds more than one
 * client's requests).
 */
async function measureClient(server: FakeProviderServer, job: Extract<ClientJob, { kind: 'cost' | 'throughput' }>): Promise<Measured> {
  server.log.clear();
  const client = runClient(job);
  try {
    const reply = (await client.reply) as Extract<ClientReply, { kind: 'cost' | 'throughput' }>;
    const polls = server.log.entries().filter((entry) => entry.at >= reply.from && entry.at < reply.to && entry.status === 200).length;
    return { pollsPerSecond: (polls / (reply.to - reply.from)) * 1000, cpuMicrosPerPoll: reply.cpuMicros / Math.max(1, polls) };
  } finally {
    await client.end();
  }
}

/** The median over the runs of `poller`'s figure over `base`'s in the same run; 1 for the base itself (not 0 / 0 when a tiny run counts no poll). */
function perRunRatio<P extends string>(runs: ReadonlyArray<Record<P, Measured>>, poller: P, base: P, figure: keyof Measured): number {
  if (poller === base) return 1;
  return median(runs.map((result) => result[poller][figure] / result[base][figure]));
}

/** The list started at its `index`-th item (wrapping): each run puts another poller first. */
function rotate<T>(items: readonly T[], index: number): T[] {
  const at = index % items.length;
  return [...items.slice(at), ...items.slice(0, at)];
}

export function toMarkdown(rows: readonly OverheadRow[], { concurrency, pacedTasks, pacedIntervalMs }: Pick<OverheadOptions, 'concurrency' | 'pacedTasks' | 'pacedIntervalMs'>): string {
  const ordered = [...rows.filter((row) => row.work === 'same work'), ...rows.filter((row) => row.work === 'full speed')];
  const sameWork = `${pacedTasks} tasks every ${formatNumber(pacedIntervalMs / 1000, 1)} s`;
  return markdownTable(
    ['poller', 'polls / s', 'client CPU per poll', "CPU per poll ÷ raw loop's", 'CPU per poll ÷ ours', 'work'],
    ordered.map((row) => [
      row.approach,
      formatNumber(row.pollsPerSecond, 0),
      `${formatNumber(row.cpuMicrosPerPoll, 0)} µs`,
      `${row.cpuRatio.toFixed(2)}×`,
      `${row.cpuRatioToOurs.toFixed(2)}×`,
      row.work === 'same work' ? sameWork : `full speed, ${concurrency} in flight: ${row.throughputRatio.toFixed(2)}× the raw loop's polls / s`,
    ]),
    [false, true, true, true, true, false],
  );
}

if (require.main === module) {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  const options = quick ? OVERHEAD_QUICK : OVERHEAD_DEFAULTS;
  run(options).then((rows) => console.log(toMarkdown(rows, options)));
}
