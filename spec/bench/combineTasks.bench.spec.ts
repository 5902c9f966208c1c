import { run, toMarkdown } from '../../bench/combineTasks.bench.js';

// A smoke test: the benchmark runs and its rows are well formed. No timing is asserted.
describe('the combineTasks benchmark', () => {
  it('returns one row per approach and size, with finite measures', () => {
    const rows = run({ sizes: [10, 40], updates: 400, maxBaselineUpdates: 80 });

    expect(rows.map(({ tasks, approach }) => [tasks, approach])).toEqual([
      [10, 'combineLatest + map(reduce)'],
      [10, 'combineTasks'],
      [40, 'combineLatest + map(reduce)'],
      [40, 'combineTasks'],
    ]);
    for (const row of rows) {
      expect(row.updates).toBe(400);
      for (const measure of [row.ms, row.nsPerUpdate, row.heapBytesPerTask, row.speedup]) {
        expect(Number.isFinite(measure) && measure >= 0).toBe(true);
      }
    }
    expect(rows.filter(({ approach }) => approach === 'combineTasks').map(({ measuredUpdates }) => measuredUpdates)).toEqual([400, 400]);
    expect(rows.filter(({ approach }) => approach !== 'combineTasks').map(({ measuredUpdates }) => measuredUpdates)).toEqual([80, 80]);
    expect(rows.filter(({ approach }) => approach !== 'combineTasks').map(({ speedup }) => speedup)).toEqual([1, 1]);
  });

  it('prints the rows as a markdown table, saying which times are extrapolated', () => {
    const table = toMarkdown(run({ sizes: [10], updates: 100, maxBaselineUpdates: 50 })).split('\n');

    expect(table).toHaveLength(4);
    expect(table[0]).toBe('| tasks | approach | updates | time | per update | heap per task | speed-up |');
    expect(table[2]).toMatch(/^\| 10 \| combineLatest \+ map\(reduce\) \| 100 \| .* \(extrapolated from 50\) \|/);
    expect(table[3]).toMatch(/^\| 10 \| combineTasks \| 100 \| [\d.]+ m?s \|/);
  });
});
