// 1. Request economy and detection lag.
//
//   node --expose-gc -r ts-node/register bench/economy.bench.ts [--quick]
//
// One fake provider server (Mobizon in strict mode: a second request for a task
// within 1 s is refused with code 30, as its docs demand) and, for every poller,
// its own copy of the same tasks: durations spread log-uniformly, a fifth of them
// failing. Mobizon tasks report progress (climbing by tens); Postman collection
// tasks report none. Every poller starts on its tasks at the moment they are
// created, and runs until it has seen each one end.
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
// rx-task-status runs with `maxRequestsPerSecond: Infinity` here, so that only
// the interval policies are compared (the budget is the next bench's subject).
import { setMaxListeners } from 'node:events';
import { isTerminal } from '../src/core/taskState.js';
import { exponentialInterval, fixedInterval, progressAwareInterval } from '../src/core/intervalPolicy.js';
import type { SourceOptions } from '../src/core/sourceOptions.js';
import { acceleratedTime } from '../src/testing/acceleratedTime.js';
import { generateScenario } from '../src/testing/generateScenario.js';
import { startFakeProviderServer, type FakeProviderServer } from '../src/testing/startFakeProviderServer.js';
import type { TaskSpec } from '../src/testing/taskSpec.js';
import type { SchedulerLike, Subscription } from 'rxjs';
import { coreLro, fixedLoop, smithyWaiter, type Anchor } from './support/anchors.js';
import { sourceFor } from './support/sources.js';
import { formatNumber, formatSeconds, markdownTable, medianRows, percentile } from './support/stats.js';
import type { BenchProvider, Endpoint } from './support/statusCheck.js';

export interface EconomyOptions {
  /** Tasks per population per poller. */
  readonly tasks: number;
  /** Shortest and longest task, ms of task time. */
  readonly minDuration: number;
  readonly maxDuration: number;
  /** How many times faster than the wall clock the task clock runs. */
  readonly timeScale: number;
  readonly runs: number;
}

export const ECONOMY_DEFAULTS: EconomyOptions = { tasks: 20, minDuration: 4_000, maxDuration: 40_000, timeScale: 4, runs: 3 };
export const ECONOMY_QUICK: EconomyOptions = { tasks: 3, minDuration: 1_000, maxDuration: 3_000, timeScale: 20, runs: 1 };

export interface EconomyRow {
  readonly population: BenchProvider;
  readonly poller: string;
  readonly settings: string;
  readonly requestsPerTask: number;
  readonly p50LagMs: number;
  readonly p95LagMs: number;
  readonly refusals: number;
  /** Tasks whose end the poller did not report (errors, or still polling at the time limit). */
  readonly missed: number;
}

interface Poller {
  readonly name: string;
  readonly settings: (provider: BenchProvider) => string;
  /**
   * Prepares to follow tasks; `follow(id)` starts on one (the bench interleaves
   * the pollers' starts, so none gets the head of the first burst), `stop()` ends all.
   */
  readonly prepare: (input: { endpoint: Endpoint; seen: (id: string) => void; scale: number; scheduler: SchedulerLike }) => { follow: (id: string) => void; stop: () => void };
}

const PROVIDER_DEFAULT = (provider: BenchProvider) =>
  provider === 'mobizon' ? 'provider default: progress-aware, interval 2 s (min 1 s)' : 'provider default: fixed 2 s';

function ours(name: string, settings: (provider: BenchProvider) => string, options: SourceOptions): Poller {
  return {
    name,
    settings,
    prepare: ({ endpoint, seen, scheduler }) => {
      const source = sourceFor(endpoint, { maxRequestsPerSecond: Infinity, scheduler, ...options });
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

function anchor(name: string, settings: string, make: (scale: number) => Anchor): Poller {
  return {
    name,
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

export const ECONOMY_POLLERS: readonly Poller[] = [
  ours('rx-task-status (default)', PROVIDER_DEFAULT, {}),
  ours('rx-task-status fixedInterval', () => 'fixed, interval 2 s', { policy: fixedInterval() }),
  ours('rx-task-status exponentialInterval', () => 'start 2 s, ×2, cap 120 s, maxInterval 120 s, jitter 0.1', {
    policy: exponentialInterval({ start: 2000, factor: 2, cap: 120_000 }),
    maxInterval: 120_000,
  }),
  ours(
    'rx-task-status progressAwareInterval',
    (provider) => (provider === 'mobizon' ? 'approach 2, overshoot 0.05, interval 2 s (= the Mobizon default)' : 'interval 2 s (no progress: falls back to fixed)'),
    { policy: progressAwareInterval() },
  ),
  anchor('fixed 1 s loop', 'sleep 1 s after each answer', (timeScale) => fixedLoop({ intervalMs: 1000, timeScale })),
  anchor('@azure/core-lro createHttpPoller', 'default intervalInMs 2000, honours Retry-After', (timeScale) => coreLro({ timeScale })),
  anchor('@smithy createWaiter', 'defaults minDelay 2 s, maxDelay 120 s, maxWaitTime 3600 s', (timeScale) => smithyWaiter({ timeScale })),
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
  const server = await startFakeProviderServer({ clock: time.now, mobizon: { strict: true } });
  const stops: Array<() => void> = [];
  try {
    const scenario = generateScenario({ seed, count: options.tasks, providers: ['mobizon'], minDuration: options.minDuration, maxDuration: options.maxDuration });
    const specsFor = (provider: BenchProvider): TaskSpec[] =>
      scenario.map((spec) => {
        const { duration = 0, outcome = 'completed' } = spec as { duration?: number; outcome?: 'completed' | 'failed' };
        return provider === 'mobizon' ? { provider, duration, outcome } : { provider, kind: 'collection-update', duration, outcome };
      });
    const groups = POPULATIONS.flatMap((population) =>
      ECONOMY_POLLERS.map((poller) => ({ population, poller, tasks: server.tasks.createMany(specsFor(population)) })),
    );
    const seenAt = new Map<string, number>();
    const total = groups.reduce((count, group) => count + group.tasks.length, 0);
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
    for (let index = 0; index < options.tasks; index++) {
      groups.forEach((group, which) => (followers[which] as { follow: (id: string) => void }).follow((group.tasks[index] as { id: string }).id));
    }
    // Long enough for smithy's waiter at its 120 s cap to come back once more after the longest task.
    const limitMs = (options.maxDuration + 130_000) / options.timeScale;
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
        settings: poller.settings(population),
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
  return POPULATIONS.map((population) => {
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
  }).join('\n\n');
}

/** Requests per task against p95 lag, one point per poller and population. */
export function toSvg(rows: readonly EconomyRow[]): string {
  const width = 760;
  const height = 460;
  const left = 70;
  const right = 250;
  const top = 30;
  const bottom = 60;
  const points = rows.filter((row) => Number.isFinite(row.requestsPerTask) && Number.isFinite(row.p95LagMs));
  const maxX = niceCeil(Math.max(1, ...points.map((row) => row.requestsPerTask)));
  const maxY = niceCeil(Math.max(1, ...points.map((row) => row.p95LagMs / 1000)));
  const x = (value: number) => left + (value / maxX) * (width - left - right);
  const y = (value: number) => height - bottom - (value / maxY) * (height - top - bottom);
  const colours = ['#1f77b4', '#2ca02c', '#9467bd', '#17becf', '#d62728', '#ff7f0e', '#8c564b'];
  const names = [...new Set(rows.map((row) => row.poller))];
  const colourOf = (name: string) => colours[names.indexOf(name) % colours.length] as string;
  const ticks = (max: number) => Array.from({ length: 6 }, (_, index) => (max * index) / 5);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="18" font-size="14">Requests per task vs p95 detection lag (lower left is better)</text>`,
    ...ticks(maxX).map((tick) => `<line x1="${x(tick)}" y1="${top}" x2="${x(tick)}" y2="${height - bottom}" stroke="#eee"/><text x="${x(tick)}" y="${height - bottom + 16}" text-anchor="middle">${round(tick)}</text>`),
    ...ticks(maxY).map((tick) => `<line x1="${left}" y1="${y(tick)}" x2="${width - right}" y2="${y(tick)}" stroke="#eee"/><text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end">${round(tick)}</text>`),
    `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="#333"/>`,
    `<text x="${(left + width - right) / 2}" y="${height - 20}" text-anchor="middle">requests per task</text>`,
    `<text x="18" y="${(top + height - bottom) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(top + height - bottom) / 2})">p95 detection lag (s)</text>`,
    ...points.map((row) => {
      const cx = x(row.requestsPerTask);
      const cy = y(row.p95LagMs / 1000);
      const label = `${escapeXml(row.poller)}, ${row.population}: ${formatNumber(row.requestsPerTask)} requests, p95 ${formatSeconds(row.p95LagMs)}`;
      const shape =
        row.population === 'mobizon'
          ? `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="6" fill="${colourOf(row.poller)}"><title>${label}</title></circle>`
          : `<rect x="${(cx - 5).toFixed(1)}" y="${(cy - 5).toFixed(1)}" width="10" height="10" fill="none" stroke="${colourOf(row.poller)}" stroke-width="2"><title>${label}</title></rect>`;
      return shape;
    }),
    ...names.map(
      (name, index) =>
        `<rect x="${width - right + 16}" y="${top + index * 20}" width="12" height="12" fill="${colourOf(name)}"/><text x="${width - right + 34}" y="${top + index * 20 + 10}">${escapeXml(name)}</text>`,
    ),
    `<circle cx="${width - right + 22}" cy="${top + names.length * 20 + 16}" r="6" fill="#777"/><text x="${width - right + 34}" y="${top + names.length * 20 + 20}">Mobizon (progress)</text>`,
    `<rect x="${width - right + 17}" y="${top + names.length * 20 + 31}" width="10" height="10" fill="none" stroke="#777" stroke-width="2"/><text x="${width - right + 34}" y="${top + names.length * 20 + 40}">Postman (no progress)</text>`,
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}

function niceCeil(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}


if (require.main === module) {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  run(quick ? ECONOMY_QUICK : ECONOMY_DEFAULTS).then((rows) => console.log(toMarkdown(rows)));
}
