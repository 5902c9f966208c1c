// 2. Rate compliance: many tasks on one account, a strict server budget.
//
//   node --expose-gc -r ts-node/register bench/rateCompliance.bench.ts [--quick]
//
// The fake Postman server allows `limit` requests per API key in any sliding
// 1 s window and answers the rest with a `rateLimited` 429 (with Retry-After and
// both families of rate-limit headers). `tasks` collection tasks, all started
// together and all still running for the whole window: the steady state of a
// back end watching a batch. Each poller runs in a process of its own, in real
// time, for `windowMs`; then the process is ended. The server's request log is
// the judge: the most requests in any 1 s window, the 429s it served, and the
// polls it answered (useful work).
//
// "Best setting" is the best a user can do with each library's own options:
// rx-task-status has a shared budget (`maxRequestsPerSecond`); the anchors have
// none, so the best is one interval of `tasks / limit` seconds per task, with
// the starts spread over one interval by the user's own code (without the
// spread, every anchor opens with a burst of `tasks` requests).
import { startFakeProviderServer } from '../src/testing/startFakeProviderServer.js';
import { runClient } from './support/clientProcess.js';
import type { PollerSpec } from './support/pollerSpec.js';
import { formatNumber, markdownTable, medianRows } from './support/stats.js';

export interface RateOptions {
  readonly tasks: number;
  /** The server's budget: requests per API key in any 1 s window. */
  readonly limit: number;
  readonly windowMs: number;
  readonly runs: number;
}

export const RATE_DEFAULTS: RateOptions = { tasks: 1000, limit: 10, windowMs: 5000, runs: 3 };
export const RATE_QUICK: RateOptions = { tasks: 20, limit: 5, windowMs: 300, runs: 1 };

export interface RateRow {
  readonly poller: string;
  readonly setting: 'default' | 'best';
  readonly settings: string;
  readonly requests: number;
  readonly maxInAnySecond: number;
  readonly refusals: number;
  /** Polls answered with a status (not refused), per second of the window. */
  readonly answeredPerSecond: number;
}

interface RateConfig {
  readonly poller: string;
  readonly setting: RateRow['setting'];
  readonly settings: string;
  readonly spec: PollerSpec;
}

export function rateConfigs({ tasks, limit }: Pick<RateOptions, 'tasks' | 'limit'>): RateConfig[] {
  const spreadMs = Math.round((tasks / limit) * 1000);
  const spread = `${formatNumber(spreadMs / 1000, 0)} s`;
  return [
    { poller: 'rx-task-status', setting: 'default', settings: 'Postman defaults: maxRequestsPerSecond 2, interval 2 s', spec: { kind: 'rx-task-status', options: {} } },
    { poller: 'rx-task-status', setting: 'best', settings: `maxRequestsPerSecond ${limit} (the server's limit)`, spec: { kind: 'rx-task-status', options: { maxRequestsPerSecond: limit } } },
    { poller: 'fixed 1 s loop', setting: 'default', settings: 'sleep 1 s after each answer', spec: { kind: 'fixed-loop', intervalMs: 1000 } },
    { poller: 'fixed loop', setting: 'best', settings: `sleep ${spread}, starts spread over ${spread}`, spec: { kind: 'fixed-loop', intervalMs: spreadMs, staggerMs: spreadMs } },
    { poller: '@azure/core-lro', setting: 'default', settings: 'intervalInMs 2000, honours Retry-After', spec: { kind: 'core-lro' } },
    { poller: '@azure/core-lro', setting: 'best', settings: `intervalInMs ${spreadMs}, starts spread over ${spread}`, spec: { kind: 'core-lro', intervalInMs: spreadMs, staggerMs: spreadMs } },
    { poller: '@smithy createWaiter', setting: 'default', settings: 'minDelay 2 s, maxDelay 120 s', spec: { kind: 'smithy' } },
    {
      poller: '@smithy createWaiter',
      setting: 'best',
      settings: `minDelay = maxDelay = ${spread}, starts spread over ${spread}`,
      spec: { kind: 'smithy', minDelay: spreadMs / 1000, maxDelay: spreadMs / 1000, staggerMs: spreadMs },
    },
  ];
}

export async function run(options: RateOptions = RATE_DEFAULTS): Promise<RateRow[]> {
  const configs = rateConfigs(options);
  const runs: RateRow[][] = [];
  for (let index = 0; index < options.runs; index++) {
    const rows: RateRow[] = [];
    for (const config of configs) rows.push(await runOnce(options, config));
    runs.push(rows);
  }
  return medianRows(runs, ['requests', 'maxInAnySecond', 'refusals', 'answeredPerSecond']);
}

async function runOnce(options: RateOptions, config: RateConfig): Promise<RateRow> {
  const server = await startFakeProviderServer({ postman: { budget: { limit: options.limit, windowSeconds: 1 } } });
  try {
    const ids = server.tasks
      .createMany(Array.from({ length: options.tasks }, () => ({ provider: 'postman' as const, kind: 'collection-update' as const, duration: 24 * 3_600_000 })))
      .map((task) => task.id);
    const client = runClient({ kind: 'poll', endpoint: { provider: 'postman', url: server.url, apiKey: server.credentials.postman.apiKey }, ids, poller: config.spec });
    try {
      await client.reply;
      await new Promise((resolve) => setTimeout(resolve, options.windowMs));
    } finally {
      await client.end();
    }
    const requests = server.log.count();
    const refusals = server.log.rateLimitRefusals();
    return {
      poller: config.poller,
      setting: config.setting,
      settings: config.settings,
      requests,
      maxInAnySecond: server.log.maxRequestsInAnyWindow({ windowMs: 1000 }),
      refusals,
      answeredPerSecond: (requests - refusals) / (options.windowMs / 1000),
    };
  } finally {
    await server.close();
  }
}

export function toMarkdown(rows: readonly RateRow[], { limit }: Pick<RateOptions, 'limit'>): string {
  return markdownTable(
    ['poller', 'setting', 'settings', 'requests', 'max in any 1 s', '429s served', 'answered polls / s'],
    rows.map((row) => [
      row.poller,
      row.setting,
      row.settings,
      formatNumber(row.requests, 0),
      `${formatNumber(row.maxInAnySecond, 0)}${row.maxInAnySecond > limit ? ` (limit ${limit})` : ''}`,
      formatNumber(row.refusals, 0),
      formatNumber(row.answeredPerSecond),
    ]),
    [false, false, false, true, true, true, true],
  );
}

if (require.main === module) {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  const options = quick ? RATE_QUICK : RATE_DEFAULTS;
  run(options).then((rows) => console.log(toMarkdown(rows, options)));
}
