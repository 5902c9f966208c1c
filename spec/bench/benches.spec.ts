import { ECONOMY_QUICK, run as runEconomy, toMarkdown as economyTable, toSvg } from '../../bench/economy.bench.js';
import { MEMORY_QUICK, run as runMemory, toMarkdown as memoryTable } from '../../bench/memory.bench.js';
import { OVERHEAD_QUICK, run as runOverhead, toMarkdown as overheadTable } from '../../bench/overhead.bench.js';
import { RATE_QUICK, run as runRate, toMarkdown as rateTable } from '../../bench/rateCompliance.bench.js';
import { mergeIntoPage } from '../../bench/report.js';

// Smoke tests: each benchmark runs at tiny sizes and prints a well-formed table.
// No number is asserted beyond being a number: timing belongs to `npm run bench`.

/** The rows of a markdown table, checked for a header, a separator and equal column counts. */
function tableRows(markdown: string): string[][] {
  const lines = markdown.split('\n').filter((line) => line.startsWith('|'));
  const cells = lines.map((line) => line.slice(1, -1).split('|').map((cell) => cell.trim()));
  expect(cells.length).toBeGreaterThanOrEqual(3);
  expect(cells[1]?.every((cell) => /^-{3,}:?$/.test(cell))).toBe(true);
  for (const row of cells) expect(row).toHaveLength(cells[0]?.length ?? 0);
  return cells.slice(2);
}

describe('the benchmarks, at tiny sizes', () => {
  it('economy: one row per poller and population, with request counts and lags', async () => {
    const rows = await runEconomy(ECONOMY_QUICK);

    expect(rows).toHaveLength(14);
    for (const row of rows) {
      expect(row.requestsPerTask).toBeGreaterThanOrEqual(1);
      expect(Number.isFinite(row.p95LagMs)).toBe(true);
    }
    const tables = economyTable(rows).split('\n\n').filter((part) => part.startsWith('|'));
    expect(tables.map((table) => tableRows(table).length)).toEqual([7, 7]);
    expect(toSvg(rows)).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);
  });

  it('rate compliance: one row per library and setting, counted by the server', async () => {
    const rows = await runRate(RATE_QUICK);

    expect(rows.map((row) => `${row.poller}/${row.setting}`)).toHaveLength(8);
    for (const row of rows) expect(row.maxInAnySecond).toBeLessThanOrEqual(row.requests);
    expect(tableRows(rateTable(rows, RATE_QUICK))).toHaveLength(8);
  });

  it('overhead: both approaches, with throughput and CPU per poll', async () => {
    const rows = await runOverhead(OVERHEAD_QUICK);

    expect(rows.map((row) => row.approach)).toEqual(['raw cross-fetch loop', 'rx-task-status']);
    for (const row of rows) expect(row.pollsPerSecond > 0 && row.cpuMicrosPerPoll > 0).toBe(true);
    expect(tableRows(overheadTable(rows, OVERHEAD_QUICK))[0]?.[3]).toBe('1.00×');
  });

  it('memory: one row per poller, in bytes per task', async () => {
    const rows = await runMemory(MEMORY_QUICK);

    expect(rows.map((row) => row.poller)).toEqual(['rx-task-status', 'fixed loop', '@azure/core-lro', '@smithy createWaiter']);
    for (const row of tableRows(memoryTable(rows))) expect(row[3]).toMatch(/^-?[\d,]+ B$/);
  });

  it('the report keeps the prose of the page around the results it replaces', () => {
    const page = '# Benchmarks\n\nIntro.\n\n<!-- results: written by npm run bench -->\nold\n<!-- end of results -->\n\nFindings.\n';

    expect(mergeIntoPage(page, 'new')).toBe('# Benchmarks\n\nIntro.\n\n<!-- results: written by npm run bench -->\nnew\n<!-- end of results -->\n\nFindings.\n');
    expect(mergeIntoPage(undefined, 'new')).toContain('new');
  });
});
