import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linearTicks, logTicks } from '../../bench/economyChart.js';
import { machineLine, mergeIntoPage, writeReport, type WrittenReport } from '../../bench/report.js';
import { redisAvailable } from '../support/redisServer.js';

// A smoke test of `npm run bench -- --quick`: every benchmark runs at tiny
// sizes and the report is written to a temporary folder. Only the shape of
// what is written is asserted: how much gets done in a tiny run depends on the
// machine, so no count, lag or rate is.

/** Row 7 runs worker processes on a redis-server: measured where one can be started (always in CI), else said so. */
const withRedis = redisAvailable() || process.env.REDIS_TEST === 'required';

/** The markdown tables of a page, each as its rows of cells. */
function tablesOf(page: string): string[][][] {
  const tables: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of page.split('\n')) {
    if (!line.startsWith('|')) {
      current = undefined;
      continue;
    }
    if (current === undefined) tables.push((current = []));
    current.push(line.slice(1, -1).split('|').map((cell) => cell.trim()));
  }
  return tables;
}

/** Checks a table's header, separator and cells; returns its body rows. */
function wellFormed(table: string[][]): string[][] {
  const [header, separator, ...body] = table;
  expect(header?.every((cell) => cell.length > 0)).toBe(true);
  expect(separator?.every((cell) => /^-{3,}:?$/.test(cell))).toBe(true);
  for (const row of [separator, ...body]) expect(row).toHaveLength(header?.length ?? 0);
  for (const row of body) expect(row.every((cell) => cell.length > 0)).toBe(true);
  return body;
}

describe('npm run bench -- --quick', () => {
  let out: string;
  let written: WrittenReport;
  let page: string;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'rx-task-status-bench-report-'));
    // An older page: prose around the results, and a hand-written findings section the report now writes itself.
    writeFileSync(
      join(out, 'benchmarks.md'),
      '# Benchmarks\n\nIntro.\n\n<!-- results: written by npm run bench -->\nold\n<!-- end of results -->\n\n## What the numbers say\n\nStale 5.2 polls / s.\n\n## Afterword\n\nKept.\n',
    );
    written = await writeReport({ quick: true, out });
    page = readFileSync(join(out, 'benchmarks.md'), 'utf8');
  }, 180_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('says where, when and how the numbers were taken', () => {
    expect(page).toContain(machineLine());
    expect(page).toContain(`Measured on ${written.input.date.toISOString().slice(0, 10)} with \`npm run bench -- --quick\``);
    expect(page).toContain('Quick run: tiny sizes, the numbers mean nothing.');
    expect(page).toMatch(/Versions: rx-task-status [\d.]+ \(this tree\), @azure\/core-lro [\d.]+, @smithy\/core [\d.]+, rx-polling [\d.]+/);
  });

  it('has every heading, in order, and keeps the prose around the results', () => {
    const headings = page.split('\n').filter((line) => line.startsWith('#'));

    expect(headings).toEqual([
      '# Benchmarks',
      '### 1. Request economy and detection lag',
      '### 2. Rate compliance',
      '### 3. Overhead',
      '### 4. Memory',
      '### 5. combineTasks at scale',
      '### 6. Hostile answers',
      '### 7. Beyond one process',
      '### 8. Many watchers of the same tasks',
      '## What the numbers say',
      '## Afterword',
    ]);
    expect(page).toContain('Intro.');
    expect(page).toContain('Kept.');
    expect(page).not.toContain('Stale');
    expect(page).not.toContain('\nold\n');
  });

  it('writes well-formed tables: one row per poller, setting and size', () => {
    const bodies = tablesOf(page).map(wellFormed);

    expect(bodies.map((body) => body.length)).toEqual([18, 15, 9, 12, 9, 5, 4, 4, 2, ...(withRedis ? [4] : []), 3]);
    const [mobizon, postman, curves, rate, overhead, memory, combine, scan, hold] = bodies as [string[][], string[][], string[][], string[][], string[][], string[][], string[][], string[][], string[][]];
    const scaling = withRedis ? bodies[9] : undefined;
    const hub = bodies[bodies.length - 1] as string[][];
    // Every poller on both populations, but for the maxGap settings: without progress they are the plain interval.
    expect(postman.map((row) => row[0])).toEqual(mobizon.map((row) => row[0]).filter((name) => name?.includes(', maxGap ') !== true));
    expect(mobizon.filter((row) => row[0]?.startsWith('rx-task-status'))).toHaveLength(10);
    // The frontier: the fixed loop and core-lro at 1, 2 and 5 s; each of our points placed against both curves.
    for (const name of ['fixed 1 s loop', 'fixed 2 s loop', 'fixed 5 s loop', '@azure/core-lro createHttpPoller', '@azure/core-lro createHttpPoller, intervalInMs 1000', '@azure/core-lro createHttpPoller, intervalInMs 5000']) {
      expect(mobizon.map((row) => row[0])).toContain(name);
    }
    expect(curves.map((row) => `${row[0]} ${row[1]}`)).toEqual([
      ...['ours: default policy', 'ours 1 s', 'ours 5 s', 'ours maxGap 1.25', 'ours maxGap 1.5', 'ours maxGap 2'].map((point) => `mobizon ${point}`),
      ...['ours: default policy', 'ours 1 s', 'ours 5 s'].map((point) => `postman ${point}`),
    ]);
    for (const row of curves) for (const cell of row.slice(4)) expect(cell).toMatch(/^(\d+\.\d\d s: (below|on|above)|dominates|beyond)$/);
    expect(mobizon.find((row) => row[0] === 'rx-task-status (provider defaults)')?.[1]).toContain('maxRequestsPerSecond 1 for the whole source');
    expect(mobizon.find((row) => row[0] === 'rx-task-status (default policy)')?.[1]).toContain('maxRequestsPerSecond Infinity');
    expect(rate.map((row) => `${row[0]}/${row[1]}`)).toContain('rx-polling/best');
    expect(rate.filter((row) => row[0] === 'rx-task-status').map((row) => row[1])).toEqual(['default', 'best', 'best, reserve 0', 'best, no rate-limit headers']);
    // Every poller on the same work, the raw loops first; then ours and the raw loop at full speed.
    expect(overhead.map((row) => row[0])).toEqual(['raw node:http loop', 'raw cross-fetch loop', 'rx-task-status', 'fixed loop', '@azure/core-lro', '@smithy createWaiter', 'rx-polling', 'rx-task-status', 'raw cross-fetch loop']);
    expect(overhead.filter((row) => row[0] === 'raw cross-fetch loop').map((row) => row[3])).toEqual(['1.00×', '1.00×']);
    expect(overhead.filter((row) => row[0] === 'rx-task-status').map((row) => row[4])).toEqual(['1.00×', '1.00×']);
    expect(memory.map((row) => row[0])).toEqual(['rx-task-status', 'fixed loop', '@azure/core-lro', '@smithy createWaiter', 'rx-polling']);
    for (const row of memory) expect(row[3]).toMatch(/^(-?[\d,]+ B|n\/a)$/);
    expect(combine.map((row) => row[1])).toEqual(['combineLatest + map(reduce)', 'combineTasks', 'combineLatest + map(reduce)', 'combineTasks']);
    // The new redactor at 100 KB and 1 MB, the old pattern only where it finishes.
    for (const row of scan.slice(0, 3)) expect(row.slice(1)).toEqual(['—', '—', expect.stringMatching(/ ms$/), expect.stringMatching(/ ms$/)]);
    expect(scan[3]?.slice(1)).toEqual([expect.stringMatching(/ ms$/), expect.stringMatching(/ ms$/), '—', '—']);
    for (const row of hold) expect(row[1]).toMatch(/^-?[\d.,]+ MiB$/);
    if (withRedis) {
      expect(scaling?.map((row) => row[0])).toEqual(['own budget of 20 each', 'own budget of 10 each (limit / 2)', 'redisBudget of 20, shared', 'redisBudget of 20 + redisCoordination']);
      // Whatever a tiny run measures, the shared rows keep the account's limit and every process sees every end.
      for (const row of scaling?.slice(2) ?? []) expect([row[2], row[6]]).toEqual(['0', 'yes']);
    } else {
      expect(page).toContain('_not measured: redis-server is not on the PATH');
    }
    expect(hub.map((row) => row[0])).toEqual(['3 direct sources, each its own budget of 20 / s', 'one hub (one source, budget 20 / s), 3 hubTasks clients', 'one direct source (budget 20 / s): the floor']);
    // However slow a tiny run is, the hub is refused nothing and every page sees every end through it.
    expect([hub[1]?.[2], hub[1]?.[5]]).toEqual(['0', '0']);
  });

  it("lists rx-task-status's requests of every second of the rate run", () => {
    const seconds = page.split('\n').filter((line) => line.startsWith('- rx-task-status, '));

    expect(seconds.map((line) => line.slice(0, line.indexOf(':')))).toEqual([
      '- rx-task-status, default',
      '- rx-task-status, best',
      '- rx-task-status, best, reserve 0',
      '- rx-task-status, best, no rate-limit headers',
    ]);
    for (const line of seconds) expect(line).toMatch(/: answered [\d ]+; refused [\d ]+$/);
  });

  it('writes the findings from the rows, one for each benchmark', () => {
    const findings = page.slice(page.indexOf('## What the numbers say'));

    for (const start of ['- **1. Mobizon tasks', '- **1. Postman tasks', '- **2. Rate compliance, best settings.**', '- **2. Rate compliance, defaults.**', '- **3. Overhead, CPU per poll on the same work.**', '- **3. Overhead, full speed.**', '- **4. Memory.**', '- **5. combineTasks**', '- **Hostile text:**', '- **Hostile body:**', '- **7. Beyond one process', '- **8. Many watchers of the same tasks.**']) {
      expect(findings).toContain(start);
    }
    expect(findings).toContain('target ≥ 0.95×');
    // The rate target, judged for each of the three rows it names.
    expect(findings.match(/^ {2}- best(, reserve 0|, no rate-limit headers)?: .* \(target ≥ [\d.,]+ \/ s with none refused and never over the limit: (met|\*\*not met\*\*)\)\.$/gm)).toHaveLength(3);
    expect(findings).toContain('target < 2 KB');
    expect(findings).toMatch(/\(target: the lowest: (met|\*\*not met\*\*)\), [\d.]+× the raw cross-fetch loop's \(target ≤ 1\.5×: (met|\*\*not met\*\*)\)/);
    expect(findings).toContain('(target within 10 %: ');
    // Each alternative at its default, and the fixed loop at 1 s and 2 s, on both populations; their other settings only on the frontier.
    expect(findings.match(/^ {2}- against /gm)).toHaveLength(10);
    expect(findings).toMatch(/^ {2}- The target: the default policy Pareto-dominates @azure\/core-lro createHttpPoller and fixed 2 s loop \(fewer requests and a lower p95 lag at once\): (met|\*\*not met\*\*)/m);
    expect(findings).toMatch(/^ {2}- The target: the default policy no worse than @azure\/core-lro createHttpPoller or fixed 2 s loop on either figure: (met|\*\*not met\*\*)\.$/m);
    expect(findings.match(/^ {2}- The frontier: of our points against the alternatives' curves, \d+ lie below, \d+ on and \d+ above/gm)).toHaveLength(2);
  });

  it('draws the chart as one SVG, a panel per population, with a label per point drawn and a line per curve', () => {
    const svg = readFileSync(written.chartPath, 'utf8');

    expect(svg).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);
    expect(svg).toContain('Mobizon tasks (progress reported)');
    expect(svg).toContain('Postman collection tasks (no progress)');
    expect(svg.match(/<circle /g)?.length ?? 0).toBe(svg.match(/<text [^>]*text-anchor="(start|middle|end)" fill=/g)?.length ?? 0);
    // Four curves on Mobizon (ours by interval and by maxGap, the fixed loop's and core-lro's), three on Postman (no maxGap there).
    expect(svg.match(/<polyline /g)?.length ?? 0).toBe(7);
  });
});

describe('the report page', () => {
  it('keeps the prose of the page around the results it replaces', () => {
    const page = '# Benchmarks\n\nIntro.\n\n<!-- results: written by npm run bench -->\nold\n<!-- end of results -->\n\nFindings.\n';

    expect(mergeIntoPage(page, 'new')).toBe('# Benchmarks\n\nIntro.\n\n<!-- results: written by npm run bench -->\nnew\n<!-- end of results -->\n\nFindings.\n');
    expect(mergeIntoPage(undefined, 'new')).toContain('new');
  });

  it('drops a hand-written findings section that ends the page', () => {
    const page = '# B\n\n<!-- results: written by npm run bench -->\nold\n<!-- end of results -->\n\n## What the numbers say\n\nStale.\n';

    expect(mergeIntoPage(page, 'new')).toBe('# B\n\n<!-- results: written by npm run bench -->\nnew\n<!-- end of results -->\n');
  });
});

describe('the chart axes', () => {
  it('steps the requests axis by 1, 2 or 5 × 10^n, past the largest value', () => {
    expect(linearTicks(26.87)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    expect(linearTicks(15.7)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16]);
    expect(linearTicks(1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('steps the lag axis 1-2-5 around the values', () => {
    expect(logTicks(0.89, 26.87)).toEqual([0.5, 1, 2, 5, 10, 20, 50]);
    expect(logTicks(1, 10)).toEqual([1, 2, 5, 10]);
  });
});
