// 8. Many watchers of the same tasks: one hub against every page polling on its own.
//
//   node -r ts-node/register bench/hub.bench.ts [--quick]
//
// `watchers` pages (browser tabs, say) are open, and `tasks` Postman tasks
// arrive, `batch` at a time, a batch every `arrivalGap`: every page watches
// each task from the moment it is made, on one account whose fake server
// allows `limit` requests in any 1 s window and refuses above it. Three ways,
// one after the other, each on a fresh server with the same tasks, the same
// settings and the same clock: every page a direct source of its own (its own
// budget of `maxRequestsPerSecond`, as each tab would have); one hub
// (`createTaskHub` over one such source) that every page reads through
// `hubTasks` (a source and a connection each); one direct page alone, the
// floor: one poll loop per task.
//
// Processes (bench/support/hubProcess.ts): the fake server and the judging in
// this one, the pages in a second, the hub in a third, so that the hub's CPU
// and the pages' are each their own; both are started, and the pages made,
// before the first task, so loading a process is charged to no way. Time: the
// server and every source poll on one task clock `timeScale` times faster than
// the wall clock, shared by the three processes (bench/support/hubClock.ts);
// every time here is task time. The hub's clients keep real time: they only
// time reconnections, against the hub's keep-alives, which are real time too.
import { availableParallelism, loadavg } from 'node:os';
import { startFakeProviderServer } from '../src/testing/index.js';
import { readClock, sharedClock } from './support/hubClock.js';
import { startHubWorker, type HubWorker } from './support/hubProcess.js';
import type { BenchSourceOptions } from './support/hubWorker.js';
import { formatNumber, formatSeconds, markdownTable, percentile } from './support/stats.js';
import type { Endpoint } from './support/statusCheck.js';

export interface HubBenchOptions {
  /** Pages watching, each every task. */
  readonly watchers: number;
  readonly tasks: number;
  /** The account's limit: requests in any 1 s window, all watchers together. */
  readonly limit: number;
  /** Each source's own budget (the hub's, and every direct watcher's). */
  readonly maxRequestsPerSecond: number;
  /** The interval each task is polled at, ms. */
  readonly interval: number;
  /** Tasks end between these, ms after they are made (spread evenly over all tasks, and over each batch). */
  readonly minDuration: number;
  readonly maxDuration: number;
  /** Tasks made together (a divisor of `tasks`), and the task time between two batches, ms. */
  readonly batch: number;
  readonly arrivalGap: number;
  /** How many times faster than the wall clock the task clock runs. */
  readonly timeScale: number;
  /** Task time a way may run from the first task made, ms; a watch that has not seen its task end by then is missed. */
  readonly limitMs: number;
}

export const HUB_DEFAULTS: HubBenchOptions = {
  watchers: 100,
  tasks: 100,
  limit: 100,
  maxRequestsPerSecond: 100,
  interval: 2000,
  minDuration: 8000,
  maxDuration: 24_000,
  batch: 20,
  arrivalGap: 4000,
  timeScale: 4,
  limitMs: 60_000,
};
export const HUB_QUICK: HubBenchOptions = {
  watchers: 3,
  tasks: 4,
  limit: 20,
  maxRequestsPerSecond: 20,
  interval: 500,
  minDuration: 2000,
  maxDuration: 3000,
  batch: 2,
  arrivalGap: 500,
  timeScale: 2,
  limitMs: 20_000,
};

export type Way = 'direct, each its own' | 'hub' | 'one direct watcher';

export interface HubRow {
  readonly way: Way;
  readonly watchers: number;
  /** Requests the account received per task (refused ones too). */
  readonly requestsPerTask: number;
  /** 429s the account sent. */
  readonly refused: number;
  /** From a task turning terminal to the last watcher seeing it, task ms; Infinity when some watcher never saw it within the run. */
  readonly p50LagMs: number;
  readonly p95LagMs: number;
  /** Watches that did not see their task end (an error, or the time limit). */
  readonly missed: number;
  /** States emitted to all watchers together. */
  readonly delivered: number;
  /** The hub process's CPU per state delivered, µs (hub only). */
  readonly hubCpuMicrosPerState?: number;
  /** The watchers' process's CPU per state delivered, µs. */
  readonly clientCpuMicrosPerState: number;
  /** Wall time of the way, s. */
  readonly wallSeconds: number;
}

export interface HubResult {
  readonly rows: readonly HubRow[];
  /** The machine's 1-minute load average as the row started: the row is the most sensitive to other work of all (see `describe`). */
  readonly loadAverage: number;
}

const WAYS: readonly Way[] = ['direct, each its own', 'hub', 'one direct watcher'];

export async function run(options: HubBenchOptions = HUB_DEFAULTS): Promise<HubResult> {
  const loadAverage = loadavg()[0] ?? Number.NaN;
  const rows: HubRow[] = [];
  for (const way of WAYS) rows.push(await measure(options, way));
  return { rows, loadAverage };
}

async function measure(options: HubBenchOptions, way: Way): Promise<HubRow> {
  const clock = sharedClock(options.timeScale);
  const fake = await startFakeProviderServer({ clock: readClock(clock).now, postman: { budget: options.limit } });
  const processes: HubWorker[] = [];
  const started = performance.now();
  try {
    const endpoint: Endpoint = { provider: 'postman', url: fake.url, apiKey: fake.credentials.postman.apiKey };
    const source: BenchSourceOptions = { interval: options.interval, maxRequestsPerSecond: options.maxRequestsPerSecond };
    let hub: { worker: HubWorker; url: string } | undefined;
    if (way === 'hub') {
      const worker = await startHubWorker();
      processes.push(worker);
      hub = { worker, url: (await worker.ask({ kind: 'hub', endpoint, clock, source }, 'listening')).url };
    }
    // Started, and its watchers made, before the first task: loading a process is charged to no way.
    const watchers = await startHubWorker();
    processes.push(watchers);
    const count = way === 'one direct watcher' ? 1 : options.watchers;
    await watchers.ask({ kind: 'watchers', way: way === 'hub' ? 'hub' : 'direct', watchers: count, endpoint, ...(hub === undefined ? {} : { hubUrl: hub.url }), clock, source }, 'watching');
    const firstMadeAt = performance.now();
    const tasks = await arrivals(options, (indexes) => {
      const made = indexes.map((index) => fake.tasks.create({ provider: 'postman', kind: 'collection-update', duration: durationOf(options, index) }));
      watchers.tell({ kind: 'add', refs: made.map((task) => task.id) });
      return made;
    });
    const limitMs = Math.max(0, options.limitMs / options.timeScale - (performance.now() - firstMadeAt));
    const watched = await watchers.ask({ kind: 'results', limitMs }, 'watched', limitMs + 60_000);
    const hubCpu = hub === undefined ? undefined : await hub.worker.ask({ kind: 'hub-cpu' }, 'hub-cpu');
    // A task some watcher never saw end is late beyond the run (Infinity).
    const lags = tasks.map((task, index) => {
      const seen = watched.lastSeenAt[index];
      return seen === null || seen === undefined || task.terminalAt === undefined ? Infinity : seen - task.terminalAt;
    });
    if (hubCpu !== undefined && hubCpu.errors > 0) console.error(`[bench] row 8: the hub reported ${hubCpu.errors} errors`);
    if (watched.reopened > 0 || watched.changesRefused > 0) console.error(`[bench] row 8: hub clients reopened ${watched.reopened} streams; ${watched.changesRefused} changes refused`);
    if (watched.firstError !== undefined) console.error(`[bench] row 8, ${way}: ${watched.missed} watches missed; the first error: ${watched.firstError}`);
    return {
      way,
      watchers: count,
      requestsPerTask: fake.log.count() / options.tasks,
      refused: fake.log.rateLimitRefusals(),
      p50LagMs: percentile(lags, 50),
      p95LagMs: percentile(lags, 95),
      missed: watched.missed,
      delivered: watched.delivered,
      ...(hubCpu === undefined ? {} : { hubCpuMicrosPerState: hubCpu.cpuMicros / watched.delivered }),
      clientCpuMicrosPerState: watched.cpuMicros / watched.delivered,
      wallSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    await Promise.all(processes.map((process) => process.end()));
    await fake.close();
  }
}

/** Makes batch b at b × arrivalGap (task time) after the first; resolves with every task, in order, once the last batch is made. */
function arrivals<T>(options: HubBenchOptions, make: (indexes: number[]) => T[]): Promise<T[]> {
  const batches = Math.ceil(options.tasks / options.batch);
  const made: T[][] = [];
  return new Promise((resolve) => {
    for (let batch = 0; batch < batches; batch++) {
      const indexes = Array.from({ length: Math.min(options.batch, options.tasks - batch * options.batch) }, (_, offset) => batch * options.batch + offset);
      setTimeout(() => {
        made[batch] = make(indexes);
        if (made.filter(Boolean).length === batches) resolve(made.flat());
      }, (batch * options.arrivalGap) / options.timeScale);
    }
  });
}

/** Task k's duration: every task's differs, and each batch spans the whole range (its j-th task ranks j × batches + its batch). */
function durationOf(options: HubBenchOptions, index: number): number {
  const batches = Math.ceil(options.tasks / options.batch);
  const rank = Math.min(options.tasks - 1, (index % options.batch) * batches + Math.floor(index / options.batch));
  return options.minDuration + ((options.maxDuration - options.minDuration) * rank) / Math.max(1, options.tasks - 1);
}

const WAY_NAMES: Record<Way, (options: HubBenchOptions) => string> = {
  'direct, each its own': (o) => `${o.watchers} direct sources, each its own budget of ${o.maxRequestsPerSecond} / s`,
  hub: (o) => `one hub (one source, budget ${o.maxRequestsPerSecond} / s), ${o.watchers} hubTasks clients`,
  'one direct watcher': (o) => `one direct source (budget ${o.maxRequestsPerSecond} / s): the floor`,
};

/** The row's setting, for the report. */
export function describe(o: HubBenchOptions): string {
  const s = (ms: number) => `${formatNumber(ms / 1000, 1)} s`;
  return (
    `${o.watchers} pages (browser tabs, say) are open, and ${o.tasks} Postman tasks arrive ${o.batch} at a time, a batch every ${s(o.arrivalGap)}; every page watches each task from the moment it is made until it ends, ${s(o.minDuration)}–${s(o.maxDuration)} later. ` +
    `One account allows ${o.limit} requests in any 1 s window and refuses above it; every source polls each task every ${s(o.interval)}, with a budget of its own of ${o.maxRequestsPerSecond} requests / s. ` +
    `Three ways, one after the other, each on a fresh fake server with the same tasks: every page a direct source of its own; one hub (\`createTaskHub\` over one source) that every page reads through \`hubTasks\` (a source and a connection each); one direct page alone, the floor. ` +
    `The fake server runs in the bench's process, the pages in a second, the hub in a third, so that each CPU figure is one process's own (\`process.cpuUsage\` over the run, divided by the states all pages received). ` +
    `One task clock, ${o.timeScale}× the wall clock, shared by the three processes (the hub's clients, which only time reconnections, keep real time); times are task time. ` +
    `What the hub and the pages do is CPU work, which the task clock does not speed up: on a busy machine they fall behind it, and the hub's row with them (the load average is under the table). ` +
    `Lag: from the server turning a task terminal to the last page seeing it; a task some page had not seen end ${s(o.limitMs)} after the first task was made is late "beyond the run", and every such watch is counted missed. One run.`
  );
}

export function toMarkdown(result: HubResult, options: HubBenchOptions): string {
  const micros = (value: number | undefined) => (value === undefined ? '—' : `${formatNumber(value, 0)} µs`);
  const lag = (ms: number) => (ms === Infinity ? 'beyond the run' : formatSeconds(ms));
  const table = markdownTable(
    ['watchers', 'requests / task', 'refused (429)', 'p50 lag, last watcher', 'p95 lag, last watcher', 'watches missed', 'states delivered', 'hub CPU / state', 'watchers CPU / state'],
    result.rows.map((row) => [
      WAY_NAMES[row.way](options),
      formatNumber(row.requestsPerTask, 1),
      formatNumber(row.refused, 0),
      lag(row.p50LagMs),
      lag(row.p95LagMs),
      formatNumber(row.missed, 0),
      formatNumber(row.delivered, 0),
      micros(row.hubCpuMicrosPerState),
      micros(row.clientCpuMicrosPerState),
    ]),
    [false, true, true, true, true, true, true, true, true],
  );
  return `${table}\n\nThe machine's load average as the row started: ${formatNumber(result.loadAverage, 1)}, on ${availableParallelism()} cores.`;
}

if (require.main === module) {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  const options = quick ? HUB_QUICK : HUB_DEFAULTS;
  const started = performance.now();
  void run(options).then((result) => {
    console.log(`${describe(options)}\n\n${toMarkdown(result, options)}`);
    console.error(`[bench] row 8 in ${Math.round((performance.now() - started) / 1000)} s (${result.rows.map((row) => `${row.way} ${formatNumber(row.wallSeconds, 1)} s`).join(', ')})`);
  });
}
