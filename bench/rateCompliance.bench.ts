// 2. Rate compliance: many tasks on one account, a strict server budget.
//
//   node --expose-gc -r ts-node/register bench/rateCompliance.bench.ts [--quick]
//
// The fake Postman server allows `limit` requests per API key in any sliding
// 1 s window and answers the rest with a `rateLimited` 429 (with Retry-After and
// both families of rate-limit headers). `tasks` collection tasks, all still
// running for the whole run: the steady state of a back end watching a batch.
// Each poller runs in a process of its own, in real time, then the process is
// ended. The server's request log is the judge.
//
// A poll period is `tasks / limit` s: the shortest interval at which every task
// can be polled within the budget, the anchors' best interval. Each run lasts
// one period, which holds every start, and then `steadyPeriods` more: the
// steady state, where every task has been polled at least once and is being
// polled again. The most requests in any 1 s window and the 429s are counted
// over the whole run (a poller's opening burst is part of what it does) and
// over the steady state alone; useful work, the polls answered with a status,
// over the steady state.
//
// "default": each library as installed, all tasks started together.
// "best": the best a user can do with each library's own options, and the
// same start schedule for every library: the user's code spaces the starts
// evenly over one period (task k starts at k × period / tasks). rx-task-status
// has a budget shared by the tasks (`maxRequestsPerSecond`); the anchors have
// none, so their best is one interval of a period per task.
import { startFakeProviderServer } from '../src/testing/server/startFakeProviderServer.js';
import type { RequestLogEntry } from '../src/testing/log/requestLog.js';
import { runClient } from './support/clientProcess.js';
import { endlessPostmanTasks } from './support/sources.js';
import type { PollerSpec } from './support/pollerSpec.js';
import { formatNumber, markdownTable, maxInAnyWindow, medianRows } from './support/stats.js';

export interface RateOptions {
  readonly tasks: number;
  /** The server's budget: requests per API key in any 1 s window. */
  readonly limit: number;
  /** How long the steady state is measured, in poll periods, after the first period. */
  readonly steadyPeriods: number;
  readonly runs: number;
}

// 1,000 tasks at 100 requests per second: a period of 10 s, so that a run
// (13 s) sees every start and 300 polls of steady state. Twelve rows of one
// run each take under 3 minutes of the 10 the whole `npm run bench` may take
// (three runs of 15 s took 8); each row's per-second counts, printed for
// rx-task-status, show whether one run is steady.
export const RATE_DEFAULTS: RateOptions = { tasks: 1000, limit: 100, steadyPeriods: 0.3, runs: 1 };
export const RATE_QUICK: RateOptions = { tasks: 20, limit: 40, steadyPeriods: 1, runs: 1 };

/** One poll period of the anchors at their best setting, ms: every task once, at the server's limit. */
export function periodMs({ tasks, limit }: Pick<RateOptions, 'tasks' | 'limit'>): number {
  return Math.round((tasks / limit) * 1000);
}

/** How a row is set: each library as installed, or at its best; rx-task-status's best also with no reserve, and against a server that sends no rate-limit header. */
export type RateSetting = 'default' | 'best' | 'best, reserve 0' | 'best, no rate-limit headers';

export interface RateRow {
  readonly poller: string;
  readonly setting: RateSetting;
  readonly settings: string;
  readonly requests: number;
  /** Over the whole run. */
  readonly maxInAnySecond: number;
  readonly refusals: number;
  /** Over the second period (the steady state). */
  readonly steadyMaxInAnySecond: number;
  readonly steadyRefusals: number;
  /** Polls answered with a status (not refused), per second of the steady state. */
  readonly answeredPerSecond: number;
  /** Requests that arrived in each second of the run, answered and refused (the first run's); kept for rx-task-status. */
  readonly perSecond?: { readonly answered: readonly number[]; readonly refused: readonly number[] };
}

export interface RateConfig {
  readonly poller: string;
  readonly setting: RateRow['setting'];
  readonly settings: string;
  readonly spec: PollerSpec;
  /** false: the server keeps its budget to itself (no rate-limit header; a 429 still says when to come back). */
  readonly rateLimitHeaders?: boolean;
}

export function rateConfigs(options: Pick<RateOptions, 'tasks' | 'limit'>): RateConfig[] {
  const { tasks, limit } = options;
  const period = periodMs(options);
  const startGapMs = period / tasks;
  const spread = `${Number((period / 1000).toFixed(1))} s`;
  const starts = `starts spaced evenly over ${spread}`;
  return [
    { poller: 'rx-task-status', setting: 'default', settings: 'Postman defaults: maxRequestsPerSecond 2, interval 2 s', spec: { kind: 'rx-task-status', options: {} } },
    {
      poller: 'rx-task-status',
      setting: 'best',
      settings: `maxRequestsPerSecond ${limit} (the server's limit), interval 2 s, ${starts}`,
      spec: { kind: 'rx-task-status', options: { maxRequestsPerSecond: limit }, startGapMs },
    },
    {
      poller: 'rx-task-status',
      setting: 'best, reserve 0',
      settings: `maxRequestsPerSecond ${limit}, reserve 0 (no share kept for other clients), interval 2 s, ${starts}`,
      spec: { kind: 'rx-task-status', options: { maxRequestsPerSecond: limit, reserve: 0 }, startGapMs },
    },
    {
      poller: 'rx-task-status',
      setting: 'best, no rate-limit headers',
      settings: `maxRequestsPerSecond ${limit}, interval 2 s, ${starts}; the server sends no rate-limit header`,
      spec: { kind: 'rx-task-status', options: { maxRequestsPerSecond: limit }, startGapMs },
      rateLimitHeaders: false,
    },
    { poller: 'fixed 1 s loop', setting: 'default', settings: 'sleep 1 s after each answer', spec: { kind: 'fixed-loop', intervalMs: 1000 } },
    { poller: 'fixed loop', setting: 'best', settings: `sleep ${spread}, ${starts}`, spec: { kind: 'fixed-loop', intervalMs: period, startGapMs } },
    { poller: '@azure/core-lro', setting: 'default', settings: 'intervalInMs 2000, honours Retry-After', spec: { kind: 'core-lro' } },
    { poller: '@azure/core-lro', setting: 'best', settings: `intervalInMs ${period}, honours Retry-After, ${starts}`, spec: { kind: 'core-lro', intervalInMs: period, startGapMs } },
    { poller: '@smithy createWaiter', setting: 'default', settings: 'minDelay 2 s, maxDelay 120 s', spec: { kind: 'smithy' } },
    {
      poller: '@smithy createWaiter',
      setting: 'best',
      settings: `minDelay = maxDelay = ${spread}, ${starts}`,
      spec: { kind: 'smithy', minDelay: period / 1000, maxDelay: period / 1000, startGapMs },
    },
    { poller: 'rx-polling', setting: 'default', settings: 'interval 2000 (it has none by default), retry defaults (exponential from 1 s, 9 attempts)', spec: { kind: 'rx-polling', interval: 2000 } },
    { poller: 'rx-polling', setting: 'best', settings: `interval ${period}, retry defaults, ${starts}`, spec: { kind: 'rx-polling', interval: period, startGapMs } },
  ];
}

export async function run(options: RateOptions = RATE_DEFAULTS, log: (line: string) => void = () => undefined): Promise<RateRow[]> {
  const configs = rateConfigs(options);
  const runs: RateRow[][] = [];
  for (let index = 0; index < options.runs; index++) {
    const rows: RateRow[] = [];
    for (const config of configs) {
      const row = await runOnce(options, config);
      rows.push(row);
      if (row.perSecond !== undefined) log(`rate, run ${index + 1}, ${row.poller} ${row.setting}: requests per second answered ${row.perSecond.answered.join(',')}; refused ${row.perSecond.refused.join(',')}`);
    }
    runs.push(rows);
  }
  return medianRows(runs, ['requests', 'maxInAnySecond', 'refusals', 'steadyMaxInAnySecond', 'steadyRefusals', 'answeredPerSecond']);
}

/** One poller, one run (exported for ad hoc runs of a single row). */
export async function runOnce(options: RateOptions, config: RateConfig): Promise<RateRow> {
  const period = periodMs(options);
  const runMs = period * (1 + options.steadyPeriods);
  const server = await startFakeProviderServer({ postman: { budget: { limit: options.limit, windowSeconds: 1 }, rateLimitHeaders: config.rateLimitHeaders ?? true } });
  try {
    const { ids, endpoint } = endlessPostmanTasks(server, options.tasks);
    const client = runClient({ kind: 'poll', endpoint, ids, poller: config.spec });
    let started: number;
    try {
      await client.reply;
      started = server.now();
      await new Promise((resolve) => setTimeout(resolve, runMs));
    } finally {
      await client.end();
    }
    const all = server.log.entries().filter((entry) => entry.at <= started + runMs);
    const steady = all.filter((entry) => entry.at >= started + period);
    const answeredSteady = steady.filter((entry) => !entry.rateLimited).length;
    return {
      poller: config.poller,
      setting: config.setting,
      settings: config.settings,
      requests: all.length,
      maxInAnySecond: maxInAnyWindow(all.map((entry) => entry.at), 1000),
      refusals: all.filter((entry) => entry.rateLimited).length,
      steadyMaxInAnySecond: maxInAnyWindow(steady.map((entry) => entry.at), 1000),
      steadyRefusals: steady.length - answeredSteady,
      answeredPerSecond: answeredSteady / ((runMs - period) / 1000),
      ...(config.spec.kind === 'rx-task-status' ? { perSecond: perSecond(all, started, runMs) } : {}),
    };
  } finally {
    await server.close();
  }
}

function perSecond(entries: readonly RequestLogEntry[], started: number, durationMs: number): NonNullable<RateRow['perSecond']> {
  const seconds = Math.ceil(durationMs / 1000);
  const answered = new Array<number>(seconds).fill(0);
  const refused = new Array<number>(seconds).fill(0);
  for (const entry of entries) {
    const second = Math.min(seconds - 1, Math.max(0, Math.floor((entry.at - started) / 1000)));
    (entry.rateLimited ? refused : answered)[second]++;
  }
  return { answered, refused };
}

export function toMarkdown(rows: readonly RateRow[], { limit }: Pick<RateOptions, 'limit'>): string {
  const overLimit = (count: number) => `${formatNumber(count, 0)}${count > limit ? ` (limit ${limit})` : ''}`;
  return markdownTable(
    ['poller', 'setting', 'settings', 'max in any 1 s, whole run', '429s, whole run', 'max in any 1 s, steady state', '429s, steady state', 'answered polls / s, steady state'],
    rows.map((row) => [
      row.poller,
      row.setting,
      row.settings,
      overLimit(row.maxInAnySecond),
      formatNumber(row.refusals, 0),
      overLimit(row.steadyMaxInAnySecond),
      formatNumber(row.steadyRefusals, 0),
      formatNumber(row.answeredPerSecond),
    ]),
    [false, false, false, true, true, true, true, true],
  );
}

/** rx-task-status's requests per second over the run (first run), one line per setting. */
export function perSecondLines(rows: readonly RateRow[]): string[] {
  return rows.flatMap((row) =>
    row.perSecond === undefined
      ? []
      : [`- ${row.poller}, ${row.setting}: answered ${row.perSecond.answered.join(' ')}; refused ${row.perSecond.refused.join(' ')}`],
  );
}

if (require.main === module) {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  const options = quick ? RATE_QUICK : RATE_DEFAULTS;
  run(options, (line) => console.error(line)).then((rows) => console.log(toMarkdown(rows, options)));
}
