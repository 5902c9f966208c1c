// 6. Hostile answers: what a provider's worst text and bodies cost.
//
//   node --expose-gc -r ts-node/register bench/hostile.bench.ts [--quick]
//
// Scanning: the redactor (every pattern that reads provider text) on
// adversarial inputs of 100 KB and 1 MB, against the JWT pattern it replaced on
// 10 KB and 30 KB (it is quadratic: at 1 MB it would run for hours). Linear
// code takes ten times as long for ten times the text.
//
// Holding: the heap one watched task keeps after a state read from a 1 MiB
// body of `{}` items, with the default `maxRawBytes` (the body is let go) and
// with `maxRawBytes: Infinity` (it is kept as `raw`), in virtual time through
// the real decoder.
import { lastValueFrom, of, take, VirtualTimeScheduler } from 'rxjs';
import { createRedactor } from '../src/core/redact.js';
import { postmanTasks } from '../src/index.js';
import type { HttpResponse, Transport } from '../src/provider.js';
import { collectGarbage } from './support/gc.js';
import { formatNumber, markdownTable, median } from './support/stats.js';

export interface HostileOptions {
  /** Timings per input: the median is kept. */
  readonly runs: number;
  /** Watched tasks whose heap is counted. */
  readonly tasks: number;
}

export const HOSTILE_DEFAULTS: HostileOptions = { runs: 5, tasks: 20 };
export const HOSTILE_QUICK: HostileOptions = { runs: 1, tasks: 2 };

export interface ScanRow {
  readonly input: string;
  /** ms at each size, `undefined` where not measured. */
  readonly ms: Readonly<Record<string, number | undefined>>;
}

export interface HoldRow {
  readonly settings: string;
  readonly heapBytesPerTask: number;
}

export interface HostileResult {
  readonly scan: readonly ScanRow[];
  readonly hold: readonly HoldRow[];
}

const KB = 1024;
export const SIZES = { '10 KB': 10 * KB, '30 KB': 30 * KB, '100 KB': 100 * KB, '1 MB': 1024 * KB } as const;
type Size = keyof typeof SIZES;

/** The pattern issue 21 found quadratic, kept here as the anchor. */
const OLD_JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

const INPUTS: Readonly<Record<string, (bytes: number) => string>> = {
  '`eyJ` repeated': (bytes) => 'eyJ'.repeat(bytes / 3),
  'header names and spaces': (bytes) => `authorization${' '.repeat(40)}`.repeat(bytes / 53),
  'query keys with long values': (bytes) => `&apikey=${'a'.repeat(1000)}`.repeat(bytes / 1008),
};

function timeOf(work: () => void, runs: number): number {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return median(times);
}

function scan(options: HostileOptions): ScanRow[] {
  const redact = createRedactor(['PMAK-61d4e9b0f2a7c3e8']);
  const rows: ScanRow[] = [];
  for (const [name, make] of Object.entries(INPUTS)) {
    const ms: Record<string, number | undefined> = {};
    for (const size of ['100 KB', '1 MB'] as const) {
      const text = make(SIZES[size]);
      ms[size] = timeOf(() => redact(text), options.runs);
    }
    rows.push({ input: `rx-task-status, ${name}`, ms });
  }
  const bomb = INPUTS['`eyJ` repeated'] as (bytes: number) => string;
  const old: Record<string, number | undefined> = {};
  for (const size of ['10 KB', '30 KB'] as const) {
    const text = bomb(SIZES[size]);
    old[size] = timeOf(() => text.replace(OLD_JWT, '[redacted]'), 1);
  }
  rows.push({ input: 'the old JWT pattern, `eyJ` repeated', ms: old });
  return rows;
}

/** The heap each watched task keeps once it has read one state from a 1 MiB body of `{}` items. */
async function hold(options: HostileOptions, maxRawBytes: number | undefined): Promise<number> {
  const padding = `[${new Array<string>(Math.floor((1024 * KB - 64) / 3)).fill('{}').join(',')}]`;
  const body = `{"id":"t","status":"in-progress","padding":${padding}}`;
  const response: HttpResponse = { status: 200, body, headers: { get: () => null }, hints: {} };
  const transport: Transport = () => of(response);
  const scheduler = new VirtualTimeScheduler();
  const source = postmanTasks({ apiKey: 'PMAK-bench', transport, scheduler, interval: 3_600_000, maxRequestsPerSecond: Infinity, ...(maxRawBytes === undefined ? {} : { maxRawBytes }) });
  const held: unknown[] = [];
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  for (let task = 0; task < options.tasks; task++) {
    const watch = source.watch(`task-${task}`);
    // The last state is what a subscriber keeps; the poll loop is idle until the next poll, an hour away.
    held.push(watch.subscribe());
    held.push(await lastValueFrom(watch.pipe(take(1))));
  }
  collectGarbage();
  const bytes = (process.memoryUsage().heapUsed - before) / options.tasks;
  for (const item of held) (item as { unsubscribe?: () => void }).unsubscribe?.();
  return bytes;
}

export async function run(options: HostileOptions = HOSTILE_DEFAULTS): Promise<HostileResult> {
  return {
    scan: scan(options),
    hold: [
      { settings: 'default (`maxRawBytes` 64 KiB: the body is let go)', heapBytesPerTask: await hold(options, undefined) },
      { settings: '`maxRawBytes: Infinity` (the body is kept as `raw`)', heapBytesPerTask: await hold(options, Infinity) },
    ],
  };
}

export function toMarkdown(result: HostileResult): string {
  const sizes = Object.keys(SIZES) as Size[];
  const scanTable = markdownTable(
    ['redacting', ...sizes],
    result.scan.map((row) => [row.input, ...sizes.map((size) => (row.ms[size] === undefined ? '—' : `${formatNumber(row.ms[size] as number, 1)} ms`))]),
    [false, ...sizes.map(() => true)],
  );
  const holdTable = markdownTable(
    ['after one state from a 1 MiB body of `{}` items', 'heap per watched task'],
    result.hold.map((row) => [row.settings, `${formatNumber(row.heapBytesPerTask / (1024 * KB), 2)} MiB`]),
    [false, true],
  );
  return `${scanTable}\n\n${holdTable}`;
}

if (require.main === module) {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  run(quick ? HOSTILE_QUICK : HOSTILE_DEFAULTS).then((result) => console.log(toMarkdown(result)));
}
