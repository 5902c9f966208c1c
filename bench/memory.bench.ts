// 4. Memory: heap per watched task, with many idle tasks.
//
//   node --expose-gc -r ts-node/register bench/memory.bench.ts [--quick]
//
// `tasks` fake Postman collection tasks that run for a day. Each poller, in a
// process of its own, follows all of them with a 10-minute interval. The heap
// is read twice, each time once every task followed so far has had its first
// answer (so each holds what it holds between polls: its state, its timer, its
// place in a queue) and after a full GC: with the first tenth of the tasks
// followed, then with all of them. The growth between the two, divided by the
// other nine tenths, is the cost of one more task; what any first use costs
// (code, sockets, agents) is in both readings and cancels out (see `heap` in
// support/clientMain.ts). The server runs in the parent, so its tasks weigh
// nothing there.
//
// Every poller's starts are spaced `START_GAP_MS` apart (the harness's doing:
// the anchors have no limit on requests in flight, and thousands of sockets at once
// would measure the network stack); by the time the heap is read, every start
// timer has fired and is gone.
import { startFakeProviderServer } from '../src/testing/server/startFakeProviderServer.js';
import type { ClientReply } from './support/clientMain.js';
import { runClient } from './support/clientProcess.js';
import { ROOMY_ACCOUNT } from '../spec/support/roomyAccount.js';
import { endlessPostmanTasks } from './support/sources.js';
import type { PollerSpec } from './support/pollerSpec.js';
import type { Endpoint } from './support/statusCheck.js';
import { formatNumber, markdownTable, median } from './support/stats.js';

export interface MemoryOptions {
  readonly tasks: number;
  readonly runs: number;
}

export const MEMORY_DEFAULTS: MemoryOptions = { tasks: 4_000, runs: 3 };
export const MEMORY_QUICK: MemoryOptions = { tasks: 50, runs: 1 };

export interface MemoryRow {
  readonly poller: string;
  readonly settings: string;
  readonly tasks: number;
  readonly heapBytesPerTask: number;
  /** Runs left out because some tasks' first polls failed (each: what failed), after one retry. */
  readonly failures: readonly string[];
}

const IDLE_MS = 600_000;

/** Spacing of the first polls, ms: 4,000 tasks start over 2 s. */
const START_GAP_MS = 0.5;

export function memoryConfigs(): Array<{ poller: string; settings: string; spec: PollerSpec }> {
  const startGapMs = START_GAP_MS;
  return [
    {
      poller: 'rx-task-status',
      settings: 'interval 10 min, maxRequestsPerSecond Infinity (other options default)',
      spec: { kind: 'rx-task-status', options: { interval: IDLE_MS, maxRequestsPerSecond: 'Infinity' }, startGapMs },
    },
    { poller: 'fixed loop', settings: 'sleep 10 min', spec: { kind: 'fixed-loop', intervalMs: IDLE_MS, startGapMs } },
    { poller: '@azure/core-lro', settings: 'intervalInMs 600000', spec: { kind: 'core-lro', intervalInMs: IDLE_MS, startGapMs } },
    { poller: '@smithy createWaiter', settings: 'minDelay = maxDelay = 600 s', spec: { kind: 'smithy', minDelay: IDLE_MS / 1000, maxDelay: IDLE_MS / 1000, startGapMs } },
    { poller: 'rx-polling', settings: 'interval 600000 (retry defaults)', spec: { kind: 'rx-polling', interval: IDLE_MS, startGapMs } },
  ];
}

export async function run(options: MemoryOptions = MEMORY_DEFAULTS): Promise<MemoryRow[]> {
  // A load test of the client, not of pacing: the fake account allows far more than the real 300 a minute, said here rather than assumed.
  const server = await startFakeProviderServer({ postman: { budget: ROOMY_ACCOUNT } });
  try {
    const { ids, endpoint } = endlessPostmanTasks(server, options.tasks);
    const configs = memoryConfigs();
    const perRun: number[][] = configs.map(() => []);
    const failures: string[][] = configs.map(() => []);
    for (let index = 0; index < options.runs; index++) {
      for (const [which, config] of configs.entries()) {
        // A run where some first polls failed (the machine out of ports, say) weighs fewer tasks than it divides by: tried once more, then left out.
        for (let attempt = 1; attempt <= 2; attempt++) {
          const reply = await weigh(endpoint, ids, config.spec);
          if (reply.failed === 0) {
            perRun[which]?.push(reply.heapBytes / reply.tasks);
            break;
          }
          if (attempt === 2) failures[which]?.push(`run ${index + 1}: ${reply.failed} of ${ids.length} tasks failed (${reply.error ?? 'no message'})`);
        }
      }
    }
    return configs.map((config, which) => ({
      poller: config.poller,
      settings: config.settings,
      tasks: options.tasks,
      heapBytesPerTask: median(perRun[which] ?? []),
      failures: failures[which] ?? [],
    }));
  } finally {
    await server.close();
  }
}

/** One poller's heap reading in a client process of its own; a process that fails or hangs counts as every task failed. */
async function weigh(endpoint: Endpoint, ids: readonly string[], spec: PollerSpec): Promise<Extract<ClientReply, { kind: 'heap' }>> {
  const client = runClient({ kind: 'heap', endpoint, ids, poller: spec }, { timeoutMs: 180_000 });
  try {
    return (await client.reply) as Extract<ClientReply, { kind: 'heap' }>;
  } catch (error) {
    return { kind: 'heap', heapBytes: Number.NaN, tasks: ids.length, failed: ids.length, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await client.end();
  }
}

export function toMarkdown(rows: readonly MemoryRow[]): string {
  const table = markdownTable(
    ['poller', 'settings', 'idle tasks', 'heap per task'],
    rows.map((row) => [row.poller, row.settings, formatNumber(row.tasks, 0), Number.isNaN(row.heapBytesPerTask) ? 'n/a' : `${formatNumber(row.heapBytesPerTask, 0)} B`]),
    [false, false, true, true],
  );
  const left = rows.flatMap((row) => row.failures.map((failure) => `- ${row.poller}, ${failure}`));
  return left.length === 0 ? table : `${table}\n\nRuns left out of the medians:\n\n${left.join('\n')}`;
}

if (require.main === module) {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  run(quick ? MEMORY_QUICK : MEMORY_DEFAULTS).then((rows) => console.log(toMarkdown(rows)));
}
