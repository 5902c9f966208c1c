// 3. Overhead: rx-task-status's full path against a raw cross-fetch loop.
//
//   node --expose-gc -r ts-node/register bench/overhead.bench.ts [--quick]
//
// The same endpoint (fake Postman, collection tasks that never end within the
// run), the same number of requests in flight (`concurrency`), polled as fast as
// each approach goes for `durationMs` after `warmupMs`. The client runs in a
// process of its own, so its CPU time (process.cpuUsage, user + system) is its
// alone; the server runs in this one.
//
// - rx-task-status: `postmanTasks({ interval: 1, jitter: 0, maxRequestsPerSecond:
//   Infinity, maxConcurrentRequests })`, one watch per task: watch → poll loop →
//   request scheduler → http transport (timeout, size cap) → io-ts decode →
//   TaskState, distinct-until-changed.
// - raw loop: `concurrency` async loops, each `await fetch(url)`, `await
//   response.json()`, read `status`: the least any poller must do.
//
// Both alternate within each run (order swapped every run); the ratios are
// taken within a run, then the median of the runs.
import { startFakeProviderServer } from '../src/testing/server/startFakeProviderServer.js';
import type { ClientReply } from './support/clientMain.js';
import { runClient } from './support/clientProcess.js';
import { ROOMY_ACCOUNT } from '../spec/support/roomyAccount.js';
import { endlessPostmanTasks } from './support/sources.js';
import { formatNumber, markdownTable, median } from './support/stats.js';

export interface OverheadOptions {
  readonly tasks: number;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly runs: number;
}

export const OVERHEAD_DEFAULTS: OverheadOptions = { tasks: 64, concurrency: 8, warmupMs: 700, durationMs: 2500, runs: 3 };
export const OVERHEAD_QUICK: OverheadOptions = { tasks: 8, concurrency: 2, warmupMs: 100, durationMs: 300, runs: 1 };

type Approach = 'rx-task-status' | 'raw cross-fetch loop';

export interface OverheadRow {
  readonly approach: Approach;
  readonly pollsPerSecond: number;
  readonly cpuMicrosPerPoll: number;
  /** This row's throughput over the raw loop's (1 for the raw loop). */
  readonly throughputRatio: number;
  /** Polls per CPU-second over the raw loop's: throughput if the client's CPU were the only limit. */
  readonly cpuEfficiencyRatio: number;
}

export async function run(options: OverheadOptions = OVERHEAD_DEFAULTS): Promise<OverheadRow[]> {
  // A load test of the client, not of pacing: the fake account allows far more than the real 300 a minute, said here rather than assumed.
  const server = await startFakeProviderServer({ postman: { budget: ROOMY_ACCOUNT } });
  try {
    const { ids, endpoint } = endlessPostmanTasks(server, options.tasks);
    const measure = async (approach: Approach) => {
      const client = runClient({ kind: 'throughput', endpoint, ids, approach, concurrency: options.concurrency, warmupMs: options.warmupMs, durationMs: options.durationMs });
      try {
        const reply = (await client.reply) as Extract<ClientReply, { kind: 'throughput' }>;
        return { pollsPerSecond: (reply.polls / reply.wallMs) * 1000, cpuMicrosPerPoll: reply.cpuMicros / Math.max(1, reply.polls) };
      } finally {
        await client.end();
      }
    };
    const runs: Array<Record<Approach, { pollsPerSecond: number; cpuMicrosPerPoll: number }>> = [];
    for (let index = 0; index < options.runs; index++) {
      const order: Approach[] = index % 2 === 0 ? ['raw cross-fetch loop', 'rx-task-status'] : ['rx-task-status', 'raw cross-fetch loop'];
      const result = {} as Record<Approach, { pollsPerSecond: number; cpuMicrosPerPoll: number }>;
      for (const approach of order) result[approach] = await measure(approach);
      runs.push(result);
    }
    const row = (approach: Approach): OverheadRow => ({
      approach,
      pollsPerSecond: median(runs.map((result) => result[approach].pollsPerSecond)),
      cpuMicrosPerPoll: median(runs.map((result) => result[approach].cpuMicrosPerPoll)),
      // The baseline's own ratios are 1 by definition (not 0 / 0 when a tiny run counts no poll).
      throughputRatio: approach === 'raw cross-fetch loop' ? 1 : median(runs.map((result) => result[approach].pollsPerSecond / result['raw cross-fetch loop'].pollsPerSecond)),
      cpuEfficiencyRatio: approach === 'raw cross-fetch loop' ? 1 : median(runs.map((result) => result['raw cross-fetch loop'].cpuMicrosPerPoll / result[approach].cpuMicrosPerPoll)),
    });
    return [row('raw cross-fetch loop'), row('rx-task-status')];
  } finally {
    await server.close();
  }
}

export function toMarkdown(rows: readonly OverheadRow[], { concurrency }: Pick<OverheadOptions, 'concurrency'>): string {
  return markdownTable(
    ['approach', `polls / s (${concurrency} in flight)`, 'client CPU per poll', 'throughput ratio', 'CPU-bound ratio (polls per CPU-second)'],
    rows.map((row) => [
      row.approach,
      formatNumber(row.pollsPerSecond, 0),
      `${formatNumber(row.cpuMicrosPerPoll, 0)} µs`,
      `${row.throughputRatio.toFixed(2)}×`,
      `${row.cpuEfficiencyRatio.toFixed(2)}×`,
    ]),
    [false, true, true, true, true],
  );
}

if (require.main === module) {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  const options = quick ? OVERHEAD_QUICK : OVERHEAD_DEFAULTS;
  run(options).then((rows) => console.log(toMarkdown(rows, options)));
}
