// 4. Memory: heap per watched task, with many idle tasks.
//
//   node --expose-gc -r ts-node/register bench/memory.bench.ts [--quick]
//
// `tasks` fake Postman collection tasks that run for a day. Each poller, in a
// process of its own, follows all of them with a 10-minute interval; once every
// task has had its first answer (so each holds what it holds between polls:
// its state, its timer, its place in a queue), a full GC, and the heap growth
// since just before the pollers started, divided by the number of tasks. The
// server runs in this process, so its tasks weigh nothing there.
//
// The anchors have no limit on requests in flight, so their starts are spread
// over `tasks / 2` ms (the harness's doing, not theirs): by the time the heap is
// read, every start timer has fired and is gone.
import { startFakeProviderServer } from '../src/testing/startFakeProviderServer.js';
import type { ClientReply } from './support/clientMain.js';
import { runClient } from './support/clientProcess.js';
import type { PollerSpec } from './support/pollerSpec.js';
import { formatNumber, markdownTable, median } from './support/stats.js';

export interface MemoryOptions {
  readonly tasks: number;
  readonly runs: number;
}

export const MEMORY_DEFAULTS: MemoryOptions = { tasks: 10_000, runs: 3 };
export const MEMORY_QUICK: MemoryOptions = { tasks: 50, runs: 1 };

export interface MemoryRow {
  readonly poller: string;
  readonly settings: string;
  readonly tasks: number;
  readonly heapBytesPerTask: number;
}

const IDLE_MS = 600_000;

export function memoryConfigs(tasks: number): Array<{ poller: string; settings: string; spec: PollerSpec }> {
  const staggerMs = tasks / 2;
  return [
    {
      poller: 'rx-task-status',
      settings: 'interval 10 min, maxRequestsPerSecond Infinity (other options default)',
      spec: { kind: 'rx-task-status', options: { interval: IDLE_MS, maxRequestsPerSecond: 'Infinity' } },
    },
    { poller: 'fixed loop', settings: 'sleep 10 min', spec: { kind: 'fixed-loop', intervalMs: IDLE_MS, staggerMs } },
    { poller: '@azure/core-lro', settings: 'intervalInMs 600000', spec: { kind: 'core-lro', intervalInMs: IDLE_MS, staggerMs } },
    { poller: '@smithy createWaiter', settings: 'minDelay = maxDelay = 600 s', spec: { kind: 'smithy', minDelay: IDLE_MS / 1000, maxDelay: IDLE_MS / 1000, staggerMs } },
  ];
}

export async function run(options: MemoryOptions = MEMORY_DEFAULTS): Promise<MemoryRow[]> {
  const server = await startFakeProviderServer();
  try {
    const ids = server.tasks
      .createMany(Array.from({ length: options.tasks }, () => ({ provider: 'postman' as const, kind: 'collection-update' as const, duration: 24 * 3_600_000 })))
      .map((task) => task.id);
    const endpoint = { provider: 'postman' as const, url: server.url, apiKey: server.credentials.postman.apiKey };
    const configs = memoryConfigs(options.tasks);
    const perRun: number[][] = configs.map(() => []);
    for (let index = 0; index < options.runs; index++) {
      for (const [which, config] of configs.entries()) {
        const client = runClient({ kind: 'heap', endpoint, ids, poller: config.spec });
        try {
          const reply = (await client.reply) as Extract<ClientReply, { kind: 'heap' }>;
          perRun[which]?.push(reply.heapBytes / reply.tasks);
        } finally {
          await client.end();
        }
      }
    }
    return configs.map((config, which) => ({ poller: config.poller, settings: config.settings, tasks: options.tasks, heapBytesPerTask: median(perRun[which] ?? []) }));
  } finally {
    await server.close();
  }
}

export function toMarkdown(rows: readonly MemoryRow[]): string {
  return markdownTable(
    ['poller', 'settings', 'idle tasks', 'heap per task'],
    rows.map((row) => [row.poller, row.settings, formatNumber(row.tasks, 0), `${formatNumber(row.heapBytesPerTask, 0)} B`]),
    [false, false, true, true],
  );
}

if (require.main === module) {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  run(quick ? MEMORY_QUICK : MEMORY_DEFAULTS).then((rows) => console.log(toMarkdown(rows)));
}
