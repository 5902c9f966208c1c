// 1. Request economy and detection lag.
//
//   node --expose-gc -r ts-node/register bench/economy.bench.ts [--quick]
//
// One fake provider server (Mobizon in strict mode: a second request for a task
// within 1 s is refused with code 30, as its docs demand) and, for every poller,
// its own copy of the same tasks: durations spread log-uniformly, a fifth of them
// failing. Mobizon tasks report progress (climbing by tens); Postman collection
// tasks report none. The tasks of a population arrive one every `arrivalGap`
// (the same schedule for every poller, each poller's shifted by its own share
// of one gap: a steady stream of work, and a load the machine can serve
// without queueing); every poller starts on a task the moment it is created,
// and runs until it has seen each one end.
//
// Time: the server and rx-task-status share one clock that runs `timeScale` times
// faster than the wall clock (`acceleratedTime`); the anchors only know
// setTimeout, so every duration in their settings is divided by the same factor.
// Every figure is in task time (wall time × timeScale), so a "2 s" interval
// means what it says for every poller. Loopback latency and event-loop delays are
// stretched by the same factor, for every poller alike.
//
// The judge is the server: requests per task from its request log, lag from the
// moment its script turns a task terminal to the moment the poller reports it.
// rx-task-status runs with `maxRequestsPerSecond: Infinity` in most rows, so
// that only the interval policies are compared (the budget is the next bench's
// subject); one row per population keeps the provider's true defaults, budget
// included (Mobizon: 1 request per second for the whole source, Postman: 2),
// which is what a user who sets nothing gets.
//
// The frontier: each poller that has a setting to turn runs at several (the
// fixed loop and core-lro at 1, 2 and 5 s; ours at an interval of 1, 2 and
// 5 s, and, on the Mobizon population, at 2 s with `maxGap` 1.1 (the
// default), 1.25, 1.5 and 2), all in the same runs as the rest, over the same
// tasks. A curve joins one poller's settings; the chart draws them, and
// `curveChecks` says where each of our points lies against each
// alternative's curve.
import { setMaxListeners } from 'node:events';
import { isTerminal } from '../src/core/taskState.js';
import { exponentialInterval, fixedInterval, progressAwareInterval } from '../src/core/intervalPolicy.js';
import type { SourceOptions } from '../src/core/sourceOptions.js';
import { acceleratedTime } from '../src/testing/acceleratedTime.js';
import { generateScenario } from '../src/testing/tasks/generateScenario.js';
import { startFakeProviderServer, type FakeProviderServer } from '../src/testing/server/startFakeProviderServer.js';
import type { FakeTask } from '../src/testing/tasks/fakeTask.js';
import { ROOMY_ACCOUNT } from '../spec/support/roomyAccount.js';
import type { TaskSpec } from '../src/testing/tasks/taskSpec.js';
import type { SchedulerLike, Subscription } from 'rxjs';
import { coreLro, fixedLoop, rxPolling, smithyWaiter, type Anchor } from './support/anchors.js';
import { sourceFor } from './support/sources.js';
import { formatNumber, formatSeconds, markdownTable, medianRows, percentile } from './support/stats.js';
import type { BenchProvider, Endpoint } from './support/statusCheck.js';

export interface EconomyOptions {
  /** Tasks per population per poller. */
  readonly tasks: number;
  /** Shortest and longest task, ms of task time. */
  readonly minDuration: number;
  readonly maxDuration: number;
  /** Task time (ms) between the arrivals of two tasks of a population; the same schedule for every poller. */
  readonly arrivalGap: number;
  /** How many times faster than the wall clock the task clock runs. */
  readonly timeScale: number;
  readonly runs: number;
}

export const ECONOMY_DEFAULTS: EconomyOptions = { tasks: 100, minDuration: 4_000, maxDuration: 40_000, arrivalGap: 1000, timeScale: 6, runs: 3 };
export const ECONOMY_QUICK: EconomyOptions = { tasks: 3, minDuration: 1_000, maxDuration: 3_000, arrivalGap: 200, timeScale: 20, runs: 1 };

export interface EconomyRow {
  readonly population: BenchProvider;
  readonly poller: string;
  /** A short name for the chart. */
  readonly label: string;
  readonly settings: string;
  /**
   * The curves this row is a point of: one poller across its settings (the
   * chart joins their points; `CURVES` names them). Absent: a point alone.
   */
  readonly curves?: readonly string[] | undefined;
  readonly requestsPerTask: number;
  readonly p50LagMs: number;
  readonly p95LagMs: number;
  readonly refusals: number;
  /** Tasks whose end the poller did not report (errors, or still polling at the time limit). */
  readonly missed: number;
}

interface Poller {
  readonly name: string;
  readonly label: string;
  readonly curves?: readonly string[];
  /** Where it runs. Default: every population. */
  readonly populations?: readonly BenchProvider[];
  readonly settings: (provider: BenchProvider) => string;
  /**
   * Prepares to follow tasks; `follow(id)` starts on one (each poller's tasks
   * arrive on the same schedule, shifted by its own share of one gap), `stop()` ends all.
   */
  readonly prepare: (input: { endpoint: Endpoint; seen: (id: string) => void; scale: number; scheduler: SchedulerLike }) => { follow: (id: string) => void; stop: () => void };
}

/** The providers' own defaults (src/providers/*.ts), budget included. */
const PROVIDER_BUDGET: Record<BenchProvider, number> = { mobizon: 1, postman: 2 };

const PROVIDER_POLICY = (provider: BenchProvider) => (provider === 'mobizon' ? 'progress-aware, maxGap 1.1, interval 2 s (min 1 s)' : 'fixed 2 s');

function ours(name: string, label: string, settings: (provider: BenchProvider) => string, options: SourceOptions, curves?: readonly string[]): Poller {
  return {
    name,
    label,
    ...(curves === undefined ? {} : { curves }),
    settings,
    prepare: ({ endpoint, seen, scheduler }) => {
      const source = sourceFor(endpoint, { scheduler, ...options });
      const subscriptions: Subscription[] = [];
      return {
        follow: (id) =>
          subscriptions.push(
            source.watch(id).subscribe({
              next: (state) => {
                if (isTerminal(state)) seen(id);
              },
              error: () => undefined,
            }),
          ),
        stop: () => subscriptions.forEach((subscription) => subscription.unsubscribe()),
      };
    },
  };
}

function anchor(name: string, label: string, settings: string, make: (scale: number) => Anchor, curve?: string): Poller {
  return {
    name,
    label,
    ...(curve === undefined ? {} : { curves: [curve] }),
    settings: () => settings,
    prepare: ({ endpoint, seen, scale }) => {
      const controller = new AbortController();
      // One signal for every task: as many listeners as tasks is intended.
      setMaxListeners(0, controller.signal);
      const poll = make(scale);
      return {
        follow: (id) =>
          void poll({ endpoint, id, signal: controller.signal }).then(
            (outcome) => {
              if (outcome === 'completed' || outcome === 'failed') seen(id);
            },
            () => undefined,
          ),
        stop: () => controller.abort(),
      };
    },
  };
}

const UNLIMITED = { maxRequestsPerSecond: Infinity };

/** The curves of the chart and of `curveChecks`: ours first, then the alternatives'. */
export const CURVES = {
  oursInterval: 'ours: default policy, by interval',
  oursMaxGap: 'ours: progressAwareInterval, by maxGap',
  fixedLoop: 'fixed loop, by interval',
  coreLro: 'core-lro, by intervalInMs',
} as const;

const OUR_CURVES: readonly string[] = [CURVES.oursInterval, CURVES.oursMaxGap];

/** The default policy at another interval: progress-aware for Mobizon, fixed for Postman. */
const defaultPolicyAt = (seconds: number) =>
  ours(
    `rx-task-status (default policy), interval ${seconds} s`,
    `ours ${seconds} s`,
    (provider) => `provider default policy: ${provider === 'mobizon' ? `progress-aware, maxGap 1.1, interval ${seconds} s (min 1 s)` : `fixed ${seconds} s`}; maxRequestsPerSecond Infinity`,
    { ...UNLIMITED, interval: seconds * 1000 },
    [CURVES.oursInterval],
  );

/** Mobizon's only: without progress the policy falls back to the plain interval whatever `maxGap` (the progressAwareInterval row shows it on Postman). */
const progressAwareWith = (maxGap: number): Poller => ({
  ...ours(
    `rx-task-status progressAwareInterval, maxGap ${maxGap}`,
    `ours maxGap ${maxGap}`,
    () => `maxGap ${maxGap}, approach 2, overshoot 0.05, interval 2 s; maxRequestsPerSecond Infinity`,
    { ...UNLIMITED, policy: progressAwareInterval({ maxGap }) },
    [CURVES.oursMaxGap],
  ),
  populations: ['mobizon'],
});

const fixedLoopAt = (seconds: number) =>
  anchor(`fixed ${seconds} s loop`, `${seconds} s loop`, `sleep ${seconds} s after each answer`, (timeScale) => fixedLoop({ intervalMs: seconds * 1000, timeScale }), CURVES.fixedLoop);

export const ECONOMY_POLLERS: readonly Poller[] = [
  ours('rx-task-status (provider defaults)', 'ours: provider defaults', (provider) => `provider defaults: ${PROVIDER_POLICY(provider)}, maxRequestsPerSecond ${PROVIDER_BUDGET[provider]} for the whole source`, {}),
  ours('rx-task-status (default policy)', 'ours: default policy', (provider) => `provider default policy: ${PROVIDER_POLICY(provider)}; maxRequestsPerSecond Infinity`, UNLIMITED, OUR_CURVES),
  defaultPolicyAt(1),
  defaultPolicyAt(5),
  progressAwareWith(1.25),
  progressAwareWith(1.5),
  progressAwareWith(2),
  ours('rx-task-status fixedInterval', 'ours: fixedInterval', () => 'fixed, interval 2 s; maxRequestsPerSecond Infinity', { ...UNLIMITED, policy: fixedInterval() }),
  ours('rx-task-status exponentialInterval', 'ours: exponentialInterval', () => 'start 2 s, ×2, cap 120 s, maxInterval 120 s, jitter 0.1; maxRequestsPerSecond Infinity', {
    ...UNLIMITED,
    policy: exponentialInterval({ start: 2000, factor: 2, cap: 120_000 }),
    maxInterval: 120_000,
  }),
  ours(
    'rx-task-status progressAwareInterval',
    'ours: progressAwareInterval',
    (provider) =>
      `${provider === 'mobizon' ? 'approach 2, overshoot 0.05, maxGap 1.1, interval 2 s (= the Mobizon default)' : 'interval 2 s (no progress: falls back to fixed)'}; maxRequestsPerSecond Infinity`,
    { ...UNLIMITED, policy: progressAwareInterval() },
  ),
  fixedLoopAt(1),
  fixedLoopAt(2),
  fixedLoopAt(5),
  anchor('@azure/core-lro createHttpPoller', 'core-lro 2 s', 'default intervalInMs 2000, honours Retry-After', (timeScale) => coreLro({ timeScale }), CURVES.coreLro),
  anchor('@azure/core-lro createHttpPoller, intervalInMs 1000', 'core-lro 1 s', 'intervalInMs 1000, honours Retry-After', (timeScale) => coreLro({ intervalInMs: 1000, timeScale }), CURVES.coreLro),
  anchor('@azure/core-lro createHttpPoller, intervalInMs 5000', 'core-lro 5 s', 'intervalInMs 5000, honours Retry-After', (timeScale) => coreLro({ intervalInMs: 5000, timeScale }), CURVES.coreLro),
  anchor('@smithy createWaiter', 'smithy createWaiter', 'defaults minDelay 2 s, maxDelay 120 s, maxWaitTime 3600 s', (timeScale) => smithyWaiter({ timeScale })),
  anchor('rx-polling', 'rx-polling', 'interval 2000 (it has no default), retry defaults (exponential from 1 s, 9 attempts); a refusal is an error', (timeScale) =>
    rxPolling({ interval: 2000, timeScale }),
  ),
];

const POPULATIONS: readonly BenchProvider[] = ['mobizon', 'postman'];

export async function run(options: EconomyOptions = ECONOMY_DEFAULTS): Promise<EconomyRow[]> {
  // A short pass first, thrown away: loads and JIT-compiles every poller's code, so the first measured burst is not the one paying for it.
  if (options.runs > 1) await runOnce({ ...ECONOMY_QUICK, timeScale: options.timeScale * 5 }, 0);
  const runs: EconomyRow[][] = [];
  for (let index = 0; index < options.runs; index++) runs.push(await runOnce(options, index + 1));
  return medianRows(runs, ['requestsPerTask', 'p50LagMs', 'p95LagMs', 'refusals', 'missed']);
}

async function runOnce(options: EconomyOptions, seed: number): Promise<EconomyRow[]> {
  const time = acceleratedTime(options.timeScale);
  // Requests per task and lag, not pacing: the Postman population's account is roomier than the real 300 a minute, as it was when the rows were first measured.
  const server = await startFakeProviderServer({ clock: time.now, mobizon: { strict: true }, postman: { budget: ROOMY_ACCOUNT } });
  const stops: Array<() => void> = [];
  try {
    const scenario = generateScenario({ seed, count: options.tasks, providers: ['mobizon'], minDuration: options.minDuration, maxDuration: options.maxDuration });
    const specsFor = (provider: BenchProvider): TaskSpec[] =>
      scenario.map((spec) => {
        const { duration = 0, outcome = 'completed' } = spec as { duration?: number; outcome?: 'completed' | 'failed' };
        return provider === 'mobizon' ? { provider, duration, outcome } : { provider, kind: 'collection-update', duration, outcome };
      });
    const specs = { mobizon: specsFor('mobizon'), postman: specsFor('postman') };
    const groups = POPULATIONS.flatMap((population) => ECONOMY_POLLERS.filter((poller) => poller.populations?.includes(population) ?? true).map((poller) => ({ population, poller, tasks: [] as FakeTask[] })));
    const seenAt = new Map<string, number>();
    const total = groups.length * options.tasks;
    let finish: () => void = () => undefined;
    const allSeen = new Promise<void>((resolve) => (finish = resolve));
    const seen = (id: string) => {
      if (seenAt.has(id)) return;
      seenAt.set(id, time.now());
      if (seenAt.size === total) finish();
    };
    const followers = groups.map(({ population, poller }) => {
      const follower = poller.prepare({ endpoint: endpointOf(server, population), seen, scale: options.timeScale, scheduler: time.scheduler });
      stops.push(follower.stop);
      return follower;
    });
    // Task k of group g is created (and followed at once) k × arrivalGap +
    // g × arrivalGap / groups after the first: every poller the same schedule,
    // each shifted by its own share of one gap. Each group then sees the others
    // at the same set of offsets (a cycle), so none is favoured; and no two
    // groups' tasks start or end at the same instant, so the requests a task's
    // end draws from every poller at once (all of them aim at it) do not queue
    // behind one another, as they did when all the groups' copies of a task
    // were created together.
    const arrive = (which: number, index: number) => {
      const group = groups[which] as (typeof groups)[number];
      const task = server.tasks.create(specs[group.population][index] as TaskSpec);
      group.tasks.push(task);
      (followers[which] as { follow: (id: string) => void }).follow(task.id);
    };
    const arrivals: NodeJS.Timeout[] = [];
    for (let index = 0; index < options.tasks; index++) {
      groups.forEach((_, which) => {
        const at = index * options.arrivalGap + (which * options.arrivalGap) / groups.length;
        if (at === 0) arrive(which, index);
        else arrivals.push(setTimeout(() => arrive(which, index), at / options.timeScale));
      });
    }
    stops.push(() => arrivals.forEach((arrival) => clearTimeout(arrival)));
    // Long enough for the last task to arrive and end, and then for smithy's
    // waiter at its 120 s cap to come back once more, and for the provider
    // defaults' budget (1 request a second for all the tasks) to go round
    // every task twice.
    const budgetRoundMs = (options.tasks / Math.min(...Object.values(PROVIDER_BUDGET))) * 1000;
    const limitMs = (options.tasks * options.arrivalGap + options.maxDuration + Math.max(130_000, 2.5 * budgetRoundMs)) / options.timeScale;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([allSeen, new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)))]);
    clearTimeout(timer);
    stops.forEach((stop) => stop());
    const entries = server.log.entries();
    return groups.map(({ population, poller, tasks }) => {
      const ids = new Set(tasks.map((task) => task.id));
      const mine = entries.filter((entry) => entry.taskId !== undefined && ids.has(entry.taskId));
      const lags = tasks.flatMap((task) => {
        const at = seenAt.get(task.id);
        return at === undefined || task.terminalAt === undefined ? [] : [at - task.terminalAt];
      });
      return {
        population,
        poller: poller.name,
        label: poller.label,
        settings: poller.settings(population),
        ...(poller.curves === undefined ? {} : { curves: poller.curves }),
        requestsPerTask: mine.length / tasks.length,
        p50LagMs: percentile(lags, 50),
        p95LagMs: percentile(lags, 95),
        refusals: mine.filter((entry) => entry.rateLimited).length,
        missed: tasks.length - lags.length,
      };
    });
  } finally {
    stops.forEach((stop) => stop());
    await server.close();
  }
}

function endpointOf(server: FakeProviderServer, provider: BenchProvider): Endpoint {
  return { provider, url: server.url, apiKey: server.credentials[provider].apiKey };
}

export function toMarkdown(rows: readonly EconomyRow[]): string {
  const tables = POPULATIONS.map((population) => {
    const mine = rows.filter((row) => row.population === population);
    const title = population === 'mobizon' ? '**Mobizon tasks (progress reported)**' : '**Postman collection tasks (no progress)**';
    const table = markdownTable(
      ['poller', 'settings', 'requests per task', 'p50 lag', 'p95 lag', '429s served', 'missed'],
      mine.map((row) => [
        row.poller,
        row.settings,
        formatNumber(row.requestsPerTask),
        formatSeconds(row.p50LagMs),
        formatSeconds(row.p95LagMs),
        formatNumber(row.refusals, 0),
        formatNumber(row.missed, 0),
      ]),
      [false, false, true, true, true, true, true],
    );
    return `${title}\n\n${table}`;
  });
  const checks = curveChecks(rows);
  const anchorCurves = [...new Set(checks.map((check) => check.curve))];
  const points = [...new Map(checks.map((check) => [`${check.population}/${check.ours.poller}`, check])).values()];
  const frontier = markdownTable(
    ['population', 'our point', 'requests per task', 'p95 lag', ...anchorCurves.map((curve) => `${curve}: its p95 lag there`)],
    points.map(({ population, ours: row }) => [
      population,
      row.label,
      formatNumber(row.requestsPerTask),
      formatSeconds(row.p95LagMs),
      ...anchorCurves.map((curve) => describeCheck(checks.find((check) => check.population === population && check.ours === row && check.curve === curve))),
    ]),
    [false, false, true, true, ...anchorCurves.map(() => false)],
  );
  const legend =
    '**Our points against the alternatives\' curves.** For each of our settings, the p95 lag of each alternative\'s curve at our number of requests per task ' +
    '(between two of its settings, along the straight segment the chart draws: linear in requests, logarithmic in lag). ' +
    '"below": our lag is lower by more than 5 %; "on": within 5 % of it; "above": higher by more than 5 %; "dominates": fewer requests than its cheapest setting, and a lower lag than it; "beyond": outside its range, not compared.';
  return [...tables, `${legend}\n\n${frontier}`].join('\n\n');
}

/** Where one of our points lies against one alternative's curve. */
export interface CurveCheck {
  readonly population: BenchProvider;
  readonly ours: EconomyRow;
  readonly curve: string;
  /** The curve's p95 lag at our requests per task; `undefined` outside its range. */
  readonly theirP95LagMs: number | undefined;
  readonly verdict: 'below' | 'on' | 'above' | 'dominates' | 'beyond';
}

/** A lag within this share of the curve's counts as on it (the findings count 5 % as the same). */
const ON_CURVE = 0.05;

/** Each of our curves' points against each alternative's curve, population by population. */
export function curveChecks(rows: readonly EconomyRow[]): CurveCheck[] {
  return POPULATIONS.flatMap((population) => {
    const mine = rows.filter((row) => row.population === population && Number.isFinite(row.requestsPerTask) && row.p95LagMs > 0);
    const ourPoints = mine.filter((row) => row.curves?.some((curve) => OUR_CURVES.includes(curve)) === true);
    const theirCurves = [...new Set(mine.flatMap((row) => row.curves ?? []))].filter((curve) => !OUR_CURVES.includes(curve));
    return ourPoints.flatMap((ours) =>
      theirCurves.map((curve): CurveCheck => {
        const points = mine.filter((row) => row.curves?.includes(curve) === true).sort((a, b) => a.requestsPerTask - b.requestsPerTask);
        const cheapest = points[0] as EconomyRow;
        const dearest = points[points.length - 1] as EconomyRow;
        if (ours.requestsPerTask < cheapest.requestsPerTask) {
          return { population, ours, curve, theirP95LagMs: undefined, verdict: ours.p95LagMs < cheapest.p95LagMs ? 'dominates' : 'beyond' };
        }
        if (ours.requestsPerTask > dearest.requestsPerTask) return { population, ours, curve, theirP95LagMs: undefined, verdict: 'beyond' };
        const right = points.findIndex((point) => point.requestsPerTask >= ours.requestsPerTask);
        const [a, b] = [points[Math.max(0, right - 1)] as EconomyRow, points[right] as EconomyRow];
        const share = b.requestsPerTask === a.requestsPerTask ? 1 : (ours.requestsPerTask - a.requestsPerTask) / (b.requestsPerTask - a.requestsPerTask);
        const theirs = Math.exp(Math.log(a.p95LagMs) + share * (Math.log(b.p95LagMs) - Math.log(a.p95LagMs)));
        const verdict = ours.p95LagMs < theirs * (1 - ON_CURVE) ? 'below' : ours.p95LagMs <= theirs * (1 + ON_CURVE) ? 'on' : 'above';
        return { population, ours, curve, theirP95LagMs: theirs, verdict };
      }),
    );
  });
}

function describeCheck(check: CurveCheck | undefined): string {
  if (check === undefined) return 'n/a';
  return check.theirP95LagMs === undefined ? check.verdict : `${formatSeconds(check.theirP95LagMs)}: ${check.verdict}`;
}

if (require.main === module) {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  run(quick ? ECONOMY_QUICK : ECONOMY_DEFAULTS).then((rows) => console.log(toMarkdown(rows)));
}
