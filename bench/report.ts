// `npm run bench`: runs every benchmark under bench/ and writes
// docs/benchmarks.md and docs/benchmarks/economy.svg.
//
//   npm run bench                 # full sizes, a few minutes
//   npm run bench -- --quick      # tiny sizes (or BENCH_QUICK=1): checks the machinery, numbers mean nothing
//   npm run bench -- --out DIR    # write the page and chart under DIR instead of docs/
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import * as combine from './combineTasks.bench.js';
import * as economy from './economy.bench.js';
import * as memory from './memory.bench.js';
import * as overhead from './overhead.bench.js';
import * as rate from './rateCompliance.bench.js';

export interface ReportInput {
  readonly quick: boolean;
  readonly command: string;
  readonly date: Date;
  readonly seconds: number;
  readonly economy: { readonly options: economy.EconomyOptions; readonly rows: readonly economy.EconomyRow[] };
  readonly rate: { readonly options: rate.RateOptions; readonly rows: readonly rate.RateRow[] };
  readonly overhead: { readonly options: overhead.OverheadOptions; readonly rows: readonly overhead.OverheadRow[] };
  readonly memory: { readonly options: memory.MemoryOptions; readonly rows: readonly memory.MemoryRow[] };
  readonly combine: { readonly options: combine.BenchOptions & { runs: number }; readonly rows: readonly combine.BenchRow[] };
  /** The page's own words around the tables (the findings); written by hand after reading the numbers. */
  readonly findings?: string;
}

export function machineLine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version} on ${process.platform}-${process.arch}`;
}

/** The generated part of docs/benchmarks.md. */
export function renderResults(input: ReportInput): string {
  const { economy: e, rate: r, overhead: o, memory: m, combine: c } = input;
  return [
    `Measured on ${input.date.toISOString().slice(0, 10)} with \`${input.command}\` (${Math.round(input.seconds)} s in all), on ${machineLine()}.` +
      (input.quick ? ' **Quick run: tiny sizes, the numbers mean nothing.**' : ''),
    '',
    `### 1. Request economy and detection lag`,
    '',
    `${e.options.tasks} tasks per poller and population, durations ${e.options.minDuration / 1000}–${e.options.maxDuration / 1000} s (log-uniform, a fifth failing), task clock ${e.options.timeScale}× the wall clock; median of ${e.options.runs} runs. Lag: from the server turning a task terminal to the poller reporting it.`,
    '',
    economy.toMarkdown(e.rows),
    '',
    '![Requests per task against p95 detection lag](benchmarks/economy.svg)',
    '',
    `### 2. Rate compliance`,
    '',
    `${r.options.tasks.toLocaleString('en')} Postman tasks on one API key, a server budget of ${r.options.limit} requests in any 1 s window, ${r.options.windowMs / 1000} s of real time per poller; median of ${r.options.runs} runs.`,
    '',
    rate.toMarkdown(r.rows, r.options),
    '',
    `### 3. Overhead`,
    '',
    `${o.options.tasks} Postman tasks, ${o.options.concurrency} requests in flight, ${o.options.durationMs / 1000} s per approach after ${o.options.warmupMs} ms of warm-up; ratios within each run, median of ${o.options.runs} runs.`,
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
  ].join('\n');
}

export async function collect(quick: boolean, command: string, log: (line: string) => void = () => undefined): Promise<ReportInput> {
  const started = performance.now();
  const economyOptions = quick ? economy.ECONOMY_QUICK : economy.ECONOMY_DEFAULTS;
  const rateOptions = quick ? rate.RATE_QUICK : rate.RATE_DEFAULTS;
  const overheadOptions = quick ? overhead.OVERHEAD_QUICK : overhead.OVERHEAD_DEFAULTS;
  const memoryOptions = quick ? memory.MEMORY_QUICK : memory.MEMORY_DEFAULTS;
  const combineOptions = quick ? { sizes: [10, 40], updates: 400, maxBaselineUpdates: 80, runs: 1 } : { sizes: [1_000, 10_000], updates: 1_000_000, maxBaselineUpdates: 50_000, runs: 3 };
  log('1/5 request economy and detection lag');
  const economyRows = await economy.run(economyOptions);
  log('2/5 rate compliance');
  const rateRows = await rate.run(rateOptions);
  log('3/5 overhead');
  const overheadRows = await overhead.run(overheadOptions);
  log('4/5 memory');
  const memoryRows = await memory.run(memoryOptions);
  log('5/5 combineTasks');
  const combineRuns = Array.from({ length: combineOptions.runs }, () => combine.run(combineOptions));
  const combineRows = (combineRuns[0] ?? []).map((row, index) => {
    const of = (key: 'ms' | 'nsPerUpdate' | 'heapBytesPerTask' | 'speedup') => combineRuns.map((rows) => rows[index]?.[key] ?? Number.NaN).sort((a, b) => a - b)[Math.floor(combineRuns.length / 2)] as number;
    return { ...row, ms: of('ms'), nsPerUpdate: of('nsPerUpdate'), heapBytesPerTask: of('heapBytesPerTask'), speedup: of('speedup') };
  });
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
  };
}

const BEGIN = '<!-- results: written by npm run bench -->';
const END = '<!-- end of results -->';

/** Puts the results between the markers of an existing page (keeping the prose around them), or makes a page. */
export function mergeIntoPage(page: string | undefined, results: string): string {
  const block = `${BEGIN}\n${results}\n${END}`;
  if (page !== undefined && page.includes(BEGIN) && page.includes(END)) {
    return page.slice(0, page.indexOf(BEGIN)) + block + page.slice(page.indexOf(END) + END.length);
  }
  return `# Benchmarks\n\n${block}\n`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
  const outIndex = args.indexOf('--out');
  const out = resolve(outIndex >= 0 ? (args[outIndex + 1] ?? 'docs') : join(__dirname, '..', 'docs'));
  const command = `npm run bench${quick ? ' -- --quick' : ''}`;
  const input = await collect(quick, command, (line) => console.error(`[bench] ${line}`));
  const { readFileSync, existsSync } = await import('node:fs');
  const pagePath = join(out, 'benchmarks.md');
  const page = existsSync(pagePath) ? readFileSync(pagePath, 'utf8') : undefined;
  mkdirSync(join(out, 'benchmarks'), { recursive: true });
  writeFileSync(pagePath, mergeIntoPage(page, renderResults(input)));
  writeFileSync(join(out, 'benchmarks', 'economy.svg'), economy.toSvg(input.economy.rows));
  console.error(`[bench] wrote ${pagePath} and ${join(out, 'benchmarks', 'economy.svg')} in ${Math.round(input.seconds)} s`);
  console.log(renderResults(input));
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
