import { capture, jsonLines, runCli } from './support.js';

describe('rx-task-status demo', () => {
  it('watches a batch on all three providers and ends with a summary line per provider (--json)', async () => {
    const servers = resources('TCPServerWrap');

    const { code, stdout, stderr } = await runCli(['demo', '--tasks', '6', '--speed', '10', '--json']);

    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = jsonLines(stdout);
    const summary = lines.at(-1) as { summary: { tasks: number; providers: Array<Record<string, unknown>>; unscripted: unknown[] } };
    const states = lines.slice(0, -1);
    expect(summary.summary).toMatchObject({ tasks: 6, seed: 1, speed: 10, unscripted: [] });
    expect(summary.summary.providers.map((row) => row.provider)).toEqual(['stream', 'mobizon', 'postman']);
    for (const row of summary.summary.providers) {
      const own = states.filter((state) => state.provider === row.provider);
      const ended = own.filter((state) => state.status === 'completed' || state.status === 'failed');
      expect(row).toEqual({
        provider: row.provider,
        tasks: 2,
        completed: ended.filter((state) => state.status === 'completed').length,
        failed: ended.filter((state) => state.status === 'failed').length,
        requests: expect.any(Number),
        medianDetectionLagMs: expect.any(Number),
      });
      expect((row.completed as number) + (row.failed as number)).toBe(2);
      // At least one request per state seen, and polling is paced: never more than a handful per task.
      expect(row.requests).toBeGreaterThanOrEqual(own.length);
      expect(row.medianDetectionLagMs).toBeGreaterThanOrEqual(0);
    }
    // The fake server is closed before the command returns (another file's server may close meanwhile: not more, then).
    expect(resources('TCPServerWrap')).toBeLessThanOrEqual(servers);
  });

  it('shows the live view and the summary table on a terminal', async () => {
    const { code, stdout } = await runCli(['demo', '--tasks', '3', '--speed', '10', '--seed', '7'], { isTTY: true });

    expect(code).toBe(0);
    expect(stdout).toMatch(/^Fake Stream, Mobizon and Postman APIs on http:\/\/127\.0\.0\.1:\d+: 3 tasks \(seed 7\), time ×10\./);
    expect(stdout).toMatch(/total +\|█+░*\| +\d+% +[\dms.]+ 3\/3 done, \d failed/);
    expect(stdout).toMatch(/provider +tasks +completed +failed +requests +median lag\nstream +1 +\d +\d +\d+ +[\d.]+ ?m?s\nmobizon +1 /);
    expect(stdout).toMatch(/\ntotal +3 +\d +\d +\d+\n/);
    // Its fake server is gone: nothing listens on the port it announced any more.
    const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1] ?? '';
    await expect(fetch(url)).rejects.toThrow('fetch failed');
  });

  it('stops on abort with exit code 130 and closes its server', async () => {
    const servers = resources('TCPServerWrap');
    const interrupt = new AbortController();
    const stdout = capture();

    const running = runCli(['demo', '--tasks', '3', '--json'], { stdout, signal: interrupt.signal });
    await stdout.until(/\n/); // the first state
    interrupt.abort();
    const { code, stderr } = await running;

    expect(code).toBe(130);
    expect(stderr).toBe('');
    expect(jsonLines(stdout.text()).some((line) => 'summary' in line)).toBe(false);
    expect(resources('TCPServerWrap')).toBeLessThanOrEqual(servers);
  });
});

function resources(kind: string): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === kind).length;
}
