// `npm run bench`: runs every benchmark under bench/ and writes
// docs/benchmarks.md (the tables, and the findings written from them) and
// docs/benchmarks/economy.svg.
//
//   npm run bench                 # full sizes, about a quarter of an hour on 2 cores
//   npm run bench -- --quick      # tiny sizes (or BENCH_QUICK=1): checks the machinery, numbers mean nothing
//   npm run bench -- --out DIR    # write the page and chart under DIR instead of docs/
//
// One row alone, its table on stdout and no page written: each bench/*.bench.ts
// runs by itself (`node --expose-gc -r ts-node/register bench/hub.bench.ts [--quick]`).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import * as combine from './combineTasks.bench.js';
import * as economy from './economy.bench.js';
import * as hostile from './hostile.bench.js';
import { toSvg } from './economyChart.js';
import { findings } from './findings.js';
import * as hub from './hub.bench.js';
import * as memory from './memory.bench.js';
import * as overhead from './overhead.bench.js';
import * as rate from './rateCompliance.bench.js';
import * as scaling from './scaling.bench.js';
import { formatNumber, medianRows } from './support/stats.js';

export interface ReportInput {
  readonly quick: boolean;
  readonly command: string;
  readonly date: Date;
  readonly seconds: number;
  readonly economy: { readonly options: economy.EconomyOptions; readonly rows: readonly economy.EconomyRow[] };
  readonly rate: { readonly options: rate.RateOptions; readonly rows: readonly rate.RateRow[] };
  readonly overhead: { readonly options: overhead.OverheadOptions; readonly rows: readonly overhead.OverheadRow[] };
  readonly memory: { readonly options: memory.MemoryOptions; readonly rows: readonly memory.MemoryRow[] };
  readonly combine: { readonly options: combine.BenchOptions & { readonly runs: number }; readonly rows: readonly combine.BenchRow[] };
  readonly hostile: { readonly options: hostile.HostileOptions; readonly result: hostile.HostileResult };
  readonly scaling: { readonly options: scaling.ScalingOptions; readonly result: scaling.ScalingResult };
  readonly hub: { readonly options: hub.HubBenchOptions; readonly result: hub.HubResult };
}

/** The alternatives, as installed (devDependencies). */
const ANCHOR_PACKAGES = ['@azure/core-lro', '@smithy/core', 'rx-polling'] as const;

export function versionsLine(): string {
  const version = (path: string) => {
    try {
      return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
    } catch {
      return 'not installed';
    }
  };
  const anchor = (name: string) => `${name} ${version(join(__dirname, '..', 'node_modules', name, 'package.json'))}`;
  return `Versions: rx-task-status ${version(join(__dirname, '..', 'package.json'))} (this tree), ${ANCHOR_PACKAGES.map(anchor).join(', ')} (createWaiter from \`@smithy/core/client\`).`;
}

export function machineLine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version} on ${process.platform}-${process.arch}`;
}

/** The generated part of docs/benchmarks.md. */
export function renderResults(input: ReportInput): string {
  const { economy: e, rate: r, overhead: o, memory: m, combine: c, hostile: h, scaling: s, hub: w } = input;
  const period = rate.periodMs(r.options) / 1000;
  return [
    `Measured on ${input.date.toISOString().slice(0, 10)} with \`${input.command}\` (${Math.round(input.seconds)} s in all), on ${machineLine()}.` +
      (input.quick ? ' **Quick run: tiny sizes, the numbers mean nothing.**' : ''),
    '',
    versionsLine(),
    '',
    `### 1. Request economy and detection lag`,
    '',
    `${e.options.tasks} tasks per poller and population, arriving one every ${e.options.arrivalGap / 1000} s; durations ${e.options.minDuration / 1000}–${e.options.maxDuration / 1000} s (log-uniform, a fifth failing), task clock ${e.options.timeScale}× the wall clock; median of ${e.options.runs} runs. Lag: from the server turning a task terminal to the poller reporting it. The settings column says each row's request budget: \`maxRequestsPerSecond Infinity\` compares interval policies alone, "provider defaults" is what a user who sets nothing gets.`,
    '',
    economy.toMarkdown(e.rows),
    '',
    '![Requests per task against p95 detection lag](benchmarks/economy.svg)',
    '',
    `### 2. Rate compliance`,
    '',
    `${r.options.tasks.toLocaleString('en')} Postman tasks on one API key, a server budget of ${r.options.limit} requests in any 1 s window, announced in its headers (\`RateLimit-Policy: ${r.options.limit};w=1\`, the reset in whole seconds) but in the row that says it sends none; ${r.options.runs === 1 ? 'one run' : `median of ${r.options.runs} runs`}. A poll period (${formatNumber(period, 1)} s) is the time the budget needs to poll every task once. Each poller runs for ${formatNumber(period * (1 + r.options.steadyPeriods), 1)} s: a first period holds every start ("best": spaced evenly over the period, the same schedule for every library), the ${formatNumber(period * r.options.steadyPeriods, 1)} s after it are the steady state, where every task has been polled and is being polled again. Maxima and 429s are counted over the whole run and over the steady state; answered polls (not refused) per second over the steady state.`,
    '',
    rate.toMarkdown(r.rows, r.options),
    '',
    `Requests per second of rx-task-status, each second of the first run (answered; refused):`,
    '',
    ...rate.perSecondLines(r.rows),
    '',
    `### 3. Overhead`,
    '',
    `Same work: every poller follows the same ${o.options.pacedTasks} endless Postman tasks, each polled every ${o.options.pacedIntervalMs / 1000} s, first polls spread evenly over the first interval, in a client process of its own; its CPU (user + system) over ${o.options.pacedDurationMs / 1000} s after ${o.options.pacedWarmupMs / 1000} s of warm-up, divided by the polls the server answered in that window. The raw loops are baselines, not pollers: the same request with cross-fetch (what the anchors send), and straight on node:http (the floor). rx-task-status uses its default fetch, which in Node is a small fetch on node:http (src/core/nodeFetch.ts); the anchors take the user's fetch, here cross-fetch. Full speed: ${o.options.tasks} tasks, ${o.options.concurrency} requests in flight, ${o.options.durationMs / 1000} s after ${o.options.warmupMs} ms of warm-up. Ratios within each run, median of ${o.options.runs} runs.`,
    '',
    overhead.toMarkdown(o.rows, o.options),
    '',
    `### 4. Memory`,
    '',
    `${m.options.tasks.toLocaleString('en')} idle Postman tasks per poller (heap counted from the first tenth to all of them); median of ${m.options.runs} runs.`,
    '',
    memory.toMarkdown(m.rows),
    '',
    `### 5. combineTasks at scale`,
    '',
    `${c.options.updates.toLocaleString('en')} updates per size (the baseline measured on at most ${(c.options.maxBaselineUpdates ?? c.options.updates).toLocaleString('en')} and extrapolated); median of ${c.options.runs} runs.`,
    '',
    combine.toMarkdown(c.rows),
    '',
    `### 6. Hostile answers`,
    '',
    `What a provider's worst answers cost (docs/reliability.md, "A hostile provider"). Redaction of adversarial text, median of ${h.options.runs} runs (the old JWT pattern once, on small inputs only: it is quadratic); the heap one watched task keeps after one state read from a 1 MiB body of \`{}\` items, over ${h.options.tasks} tasks, in virtual time through the real decoder.`,
    '',
    hostile.toMarkdown(h.result),
    '',
    `### 7. Beyond one process`,
    '',
    `${s.options.processes} worker processes (each its own Node process and Redis client, half on node-redis, half on ioredis) watch the same ${s.options.tasks} Postman tasks, each wanting a poll every ${formatNumber(s.options.interval / 1000, 1)} s, on one account that allows ${s.options.limit} requests in any 1 s window and refuses above it; tasks end ${formatNumber(s.options.minDuration / 1000, 1)}–${formatNumber(s.options.maxDuration / 1000, 1)} s after they are made; one run, in real time, on a redis-server of its own (docs/scaling.md). Answered per second: the median whole second between the first second and the first end.`,
    '',
    scaling.toMarkdown(s.result),
    '',
    `### 8. Many watchers of the same tasks`,
    '',
    hub.describe(w.options),
    '',
    hub.toMarkdown(w.result, w.options),
    '',
    FINDINGS_HEADING,
    '',
    'Written by `npm run bench` from the tables above: who wins each row, by what ratio, and the target where the benchmarks issue sets one.' +
      (input.quick ? ' **Quick run: these sentences are about numbers that mean nothing.**' : ''),
    '',
    ...findings({ economy: e.rows, rate: { rows: r.rows, limit: r.options.limit }, overhead: o.rows, memory: m.rows, combine: c.rows, hostile: h.result, scaling: { result: s.result, options: s.options }, hub: { result: w.result, options: w.options } }),
    '',
  ].join('\n');
}

export async function collect(quick: boolean, command: string, log: (line: string) => void = () => undefined): Promise<ReportInput> {
  const started = performance.now();
  const economyOptions = quick ? economy.ECONOMY_QUICK : economy.ECONOMY_DEFAULTS;
  const rateOptions = quick ? rate.RATE_QUICK : rate.RATE_DEFAULTS;
  const overheadOptions = quick ? overhead.OVERHEAD_QUICK : overhead.OVERHEAD_DEFAULTS;
  const memoryOptions = quick ? memory.MEMORY_QUICK : memory.MEMORY_DEFAULTS;
  const combineOptions = quick ? combine.COMBINE_QUICK : combine.COMBINE_DEFAULTS;
  const hostileOptions = quick ? hostile.HOSTILE_QUICK : hostile.HOSTILE_DEFAULTS;
  const scalingOptions = quick ? scaling.SCALING_QUICK : scaling.SCALING_DEFAULTS;
  const hubOptions = quick ? hub.HUB_QUICK : hub.HUB_DEFAULTS;
  const step = (name: string) => log(`${name} (at ${Math.round((performance.now() - started) / 1000)} s)`);
  step('1/8 request economy and detection lag');
  const economyRows = await economy.run(economyOptions);
  step('2/8 rate compliance');
  const rateRows = await rate.run(rateOptions, log);
  step('3/8 overhead');
  const overheadRows = await overhead.run(overheadOptions);
  step('4/8 memory');
  const memoryRows = await memory.run(memoryOptions);
  step('5/8 combineTasks');
  const combineRuns = Array.from({ length: combineOptions.runs }, () => combine.run(combineOptions));
  const combineRows = medianRows(combineRuns, ['ms', 'nsPerUpdate', 'heapBytesPerTask', 'speedup']);
  step('6/8 hostile answers');
  const hostileResult = await hostile.run(hostileOptions);
  step('7/8 beyond one process');
  const scalingResult = await scaling.run(scalingOptions);
  step('8/8 many watchers of the same tasks');
  const hubResult = await hub.run(hubOptions);
  return {
    quick,
    command,
    date: new Date(),
    seconds: (performance.now() - started) / 1000,
    economy: { options: economyOptions, rows: economyRows },
    rate: { options: rateOptions, rows: rateRows },
    overhead: { options: overheadOptions, rows: overheadRows },
    memory: { options: memoryOptions, rows: memoryRows },
    combine: { options: combineOptions, rows: combineRows },
    hostile: { options: hostileOptions, result: hostileResult },
    scaling: { options: scalingOptions, result: scalingResult },
    hub: { options: hubOptions, result: hubResult },
  };
}

const BEGIN = '<!-- results: written by npm run bench -->';
const END = '<!-- end of results -->';

/** The generated findings' heading; a hand-written section of that name after the results is an old page's, and is replaced. */
const FINDINGS_HEADING = '## What the numbers say';

/**
 * Puts the results between the markers of an existing page (keeping the prose
 * around them, less any hand-written findings section, which the results now
 * carry), or makes a page.
 */
export function mergeIntoPage(page: string | undefined, results: string): string {
  const block = `${BEGIN}\n${results}\n${END}`;
  if (page !== undefined && page.includes(BEGIN) && page.includes(END)) {
    return page.slice(0, page.indexOf(BEGIN)) + block + withoutSection(page.slice(page.indexOf(END) + END.length), FINDINGS_HEADING);
  }
  return `# Benchmarks\n\n${block}\n`;
}

/** `text` less the level-2 section headed `heading` (up to the next level-2 heading or the end). */
function withoutSection(text: string, heading: string): string {
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  if (start === -1) return text;
  const next = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  const kept = [...lines.slice(0, start), ...(next === -1 ? [] : lines.slice(next))].join('\n');
  return next === -1 ? `${kept.replace(/\n+$/, '')}\n` : kept;
}

export interface WrittenReport {
  readonly input: ReportInput;
  readonly page: string;
  readonly pagePath: string;
  readonly chartPath: string;
}

/** Runs every benchmark and writes `benchmarks.md` and `benchmarks/economy.svg` under `out`. */
export async function writeReport({ quick, out, log = () => undefined }: { quick: boolean; out: string; log?: (line: string) => void }): Promise<WrittenReport> {
  const command = `npm run bench${quick ? ' -- --quick' : ''}`;
  const input = await collect(quick, command, log);
  const pagePath = join(out, 'benchmarks.md');
  const chartPath = join(out, 'benchmarks', 'economy.svg');
  const page = mergeIntoPage(existsSync(pagePath) ? readFileSync(pagePath, 'utf8') : undefined, renderResults(input));
  mkdirSync(join(out, 'benchmarks'), { recursive: true });
  writeFileSync(pagePath, page);
  writeFileSync(chartPath, toSvg(input.economy.rows));
  return { input, page, pagePath, chartPath };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
  const outIndex = args.indexOf('--out');
  const out = resolve(outIndex >= 0 ? (args[outIndex + 1] ?? 'docs') : join(__dirname, '..', 'docs'));
  const written = await writeReport({ quick, out, log: (line) => console.error(`[bench] ${line}`) });
  console.error(`[bench] wrote ${written.pagePath} and ${written.chartPath} in ${Math.round(written.input.seconds)} s`);
  console.log(renderResults(written.input));
}

if (require.main === module) {
  main().then(
    // smithy's waiter cannot cancel its sleeps; they live in the client processes, which are gone, so nothing here should hold the loop. Exit anyway once written.
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
