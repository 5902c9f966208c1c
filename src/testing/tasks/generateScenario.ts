import { PROVIDER_NAMES, type ProviderName } from '../server/routes.js';
import type { PostmanTaskKind } from './taskKinds.js';
import type { TaskSpec, TaskStepError } from './taskSpec.js';

export interface ScenarioOptions {
  /** The same seed (and options) gives the same tasks, ids included. Default 1. */
  readonly seed?: number | undefined;
  /** How many tasks. Default 30. */
  readonly count?: number | undefined;
  /** Dealt in turn; Postman tasks cycle through its three kinds. Default: all three providers. */
  readonly providers?: readonly ProviderName[] | undefined;
  /** The share of tasks that fail, 0..1 (rounded to a whole number of tasks). Default 0.2. */
  readonly failureRate?: number | undefined;
  /** Shortest task, ms. Default 1000. */
  readonly minDuration?: number | undefined;
  /** Longest task, ms. Durations are spread log-uniformly: many short tasks, a few long ones. Default 30000. */
  readonly maxDuration?: number | undefined;
}

const POSTMAN_KINDS: readonly PostmanTaskKind[] = ['collection-update', 'collection-merge', 'api'];
const STREAM_ERRORS: readonly TaskStepError[] = [
  { type: 'export_error', message: 'channel not found' },
  { type: 'export_error', message: 'export exceeds the maximum size' },
  { type: 'delete_error', message: 'user is already being deleted' },
];
const POSTMAN_ERRORS: readonly string[] = [
  'The source collection has changed since the fork was created.',
  'Merge conflict: the fork has diverged from its parent.',
  'The collection could not be updated: invalid schema.',
];

/**
 * A realistic, deterministic batch of task specs for demos and benchmarks:
 * mixed durations, some failures, every provider and every Postman task kind.
 * Pass the result to `server.tasks.createMany`.
 *
 * @example
 * ```ts
 * import { generateScenario, startFakeProviderServer } from 'rx-task-status/testing';
 *
 * const server = await startFakeProviderServer();
 * const tasks = server.tasks.createMany(generateScenario({ seed: 42, count: 12, maxDuration: 5000 }));
 * console.log(tasks.filter((task) => task.outcome === 'failed').length); // 2: round(12 × 0.2)
 * ```
 */
export function generateScenario(options: ScenarioOptions = {}): TaskSpec[] {
  const { seed = 1, count = 30, providers = PROVIDER_NAMES, failureRate = 0.2, minDuration = 1000, maxDuration = 30_000 } = options;
  checkScenario({ count, providers, failureRate, minDuration, maxDuration });
  const random = seededRandom(seed);
  const failing = new Set(shuffled(random, count).slice(0, Math.round(count * failureRate)));
  const apiIds = [random.uuid(), random.uuid()];
  let mobizonId = random.integer(100_000, 899_999);
  let postmanTurn = 0;
  return Array.from({ length: count }, (_, index): TaskSpec => {
    const provider = providers[index % providers.length] as ProviderName;
    const failed = failing.has(index);
    const duration = Math.round(minDuration * (maxDuration / minDuration) ** random.next() / 10) * 10;
    const outcome = failed ? 'failed' : 'completed';
    if (provider === 'mobizon') return { provider, id: String(mobizonId++), duration, outcome };
    if (provider === 'stream') {
      const id = random.uuid();
      const queued = random.pick(['waiting', 'pending']);
      const ending = failed ? { status: 'failed', error: random.pick(STREAM_ERRORS) } : { status: 'completed', result: { url: `https://example.com/exports/${id}.json` } };
      return { provider, id, steps: [{ at: 0, status: queued }, { at: Math.round(duration / 10), status: 'running' }, { at: duration, ...ending }] };
    }
    const kind = POSTMAN_KINDS[postmanTurn++ % POSTMAN_KINDS.length] as PostmanTaskKind;
    const error = failed ? { error: { message: random.pick(POSTMAN_ERRORS) } } : {};
    if (kind !== 'api') return { provider, kind, id: random.uuid(), duration, outcome, ...error };
    const apiId = random.pick(apiIds);
    const meta = random.pick([
      { url: `/apis/${apiId}/versions`, model: 'api-version', action: 'create' },
      { url: `/apis/${apiId}/collections`, model: 'collection', action: 'update' },
    ]);
    return { provider, kind, id: random.uuid(), apiId, meta, duration, outcome, ...error };
  });
}

function shuffled(random: SeededRandom, count: number): number[] {
  const order = Array.from({ length: count }, (_, index) => index);
  for (let index = count - 1; index > 0; index--) {
    const other = random.integer(0, index);
    [order[index], order[other]] = [order[other] as number, order[index] as number];
  }
  return order;
}

function checkScenario({ count, providers, failureRate, minDuration, maxDuration }: { readonly [K in Exclude<keyof ScenarioOptions, 'seed'>]-?: Exclude<ScenarioOptions[K], undefined> }): void {
  if (!Number.isInteger(count) || count < 0) throw new TypeError(`Expected \`count\` to be a non-negative integer, got ${String(count)}.`);
  if (!Array.isArray(providers) || providers.length === 0 || providers.some((name) => !PROVIDER_NAMES.includes(name))) {
    throw new TypeError(`Expected \`providers\` to be a non-empty list of ${PROVIDER_NAMES.join(', ')}.`);
  }
  if (!(failureRate >= 0 && failureRate <= 1)) throw new TypeError(`Expected \`failureRate\` to be from 0 to 1, got ${String(failureRate)}.`);
  if (!(minDuration > 0 && maxDuration >= minDuration && Number.isFinite(maxDuration))) {
    throw new TypeError(`Expected 0 < \`minDuration\` <= \`maxDuration\`, got ${String(minDuration)} and ${String(maxDuration)}.`);
  }
}

/**
 * A small deterministic random source: the same seed gives the same sequence
 * on every machine and Node version (unlike `Math.random`), so a scenario can
 * be replayed exactly.
 */
export interface SeededRandom {
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  integer(min: number, max: number): number;
  /** One of `items`. */
  pick<T>(items: readonly T[]): T;
  /** A UUID-shaped string (version 4 layout) drawn from the sequence. */
  uuid(): string;
}

export function seededRandom(seed: number): SeededRandom {
  // A 32-bit state stepped by a Weyl sequence, then scrambled by two multiply-xorshift rounds.
  let state = Math.trunc(seed) >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
  const hex = (digits: number): string =>
    Array.from({ length: digits }, () => Math.floor(next() * 16).toString(16)).join('');
  return {
    next,
    integer: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(next() * 4)] as string}${hex(3)}-${hex(12)}`,
  };
}
