import { describe as describeRow, HUB_QUICK, run, toMarkdown, type HubResult } from '../../bench/hub.bench.js';

// A smoke test of row 8 at its quick size: three processes, real HTTP, the
// three ways in order. How fast anything is on a busy machine is not asserted;
// only what holds however slow it is: each row is well formed, and the hub
// and the lone watcher see every task end.
describe('the many-watchers benchmark (row 8)', () => {
  let result: HubResult;

  beforeAll(async () => {
    result = await run(HUB_QUICK);
  }, 120_000);

  it('measures the three ways, in order, with finite measures', () => {
    expect(result.rows.map(({ way, watchers }) => [way, watchers])).toEqual([
      ['direct, each its own', HUB_QUICK.watchers],
      ['hub', HUB_QUICK.watchers],
      ['one direct watcher', 1],
    ]);
    for (const row of result.rows) {
      for (const measure of [row.requestsPerTask, row.refused, row.missed, row.delivered, row.clientCpuMicrosPerState]) expect(Number.isFinite(measure) && measure >= 0).toBe(true);
    }
    expect(result.rows.map((row) => row.hubCpuMicrosPerState === undefined)).toEqual([true, false, true]);
  });

  it('sees every end through the hub and through the lone watcher', () => {
    const [, hub, one] = result.rows;

    for (const row of [hub, one]) {
      expect(row?.missed).toBe(0);
      expect(Number.isFinite(row?.p95LagMs)).toBe(true);
      // At least each watch's terminal state.
      expect(row?.delivered).toBeGreaterThanOrEqual((row?.watchers ?? 0) * HUB_QUICK.tasks);
    }
    expect(hub?.refused).toBe(0);
  });

  it('prints a table with a row per way, and says how it was set up', () => {
    const lines = toMarkdown(result, HUB_QUICK).split('\n');
    const table = lines.slice(0, 5);

    expect(lines.slice(5, 6)).toEqual(['']);
    expect(lines[6]).toMatch(/^The machine's load average as the row started: [\d.,]+, on \d+ cores\.$/);
    expect(table[0]).toBe('| watchers | requests / task | refused (429) | p50 lag, last watcher | p95 lag, last watcher | watches missed | states delivered | hub CPU / state | watchers CPU / state |');
    expect(table[3]).toMatch(/^\| one hub \(one source, budget 20 \/ s\), 3 hubTasks clients \| [\d.]+ \| 0 \| [\d.]+ s \| [\d.]+ s \| 0 \| [\d,]+ \| [\d,]+ µs \| [\d,]+ µs \|$/);
    expect(describeRow(HUB_QUICK)).toContain('3 pages (browser tabs, say) are open, and 4 Postman tasks arrive 2 at a time');
  });
});
