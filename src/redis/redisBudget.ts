import { randomUUID } from 'node:crypto';
import { ARRIVAL_MARGIN_MS, type BudgetAnswer, type RequestBudget } from '../core/budget.js';
import { expectNonEmptyString, expectPositiveNumber, isPlainObject, show } from '../core/validate.js';
import type { RedisReply } from './redisClients.js';
import { connectRedis, RedisScript, type RedisConnection } from './redisConnection.js';

/** Options of {@link redisBudget}. */
export interface RedisBudgetOptions {
  /**
   * A connected Redis client: node-redis (`redis` 5 or 6, `createClient()` or
   * `createCluster()`) or ioredis (5 or 6, `new Redis()` or `new Redis.Cluster()`).
   * The budget sends its scripts through it and never closes it.
   */
  readonly client: unknown;
  /**
   * Names the budget: every source, in any process, given a budget with the
   * same key (on the same Redis) shares it. Name it after the account
   * (`'postman:team-42'`). Its keys are `{key}:…`, one cluster slot.
   */
  readonly key: string;
  /** Requests that may start in any one-second window, all processes together. Below 1: one request per `1 / maxRequestsPerSecond` seconds. */
  readonly maxRequestsPerSecond: number;
}

/**
 * A request budget shared by every process whose sources pass the same
 * `key`, kept on Redis: no more than `maxRequestsPerSecond` request starts in
 * any one-second window, counted across all of them, on the Redis server's
 * clock (`TIME` inside the scripts, never a process's clock). A request
 * counts from its start until a second after its answer, as a source's own
 * budget counts it: the provider counts arrivals, which happen somewhere in
 * between. A process that dies mid-request cannot hold its place for good:
 * an unanswered request stops counting once its source's `requestTimeout`
 * has passed (plus a window).
 *
 * Waiting processes are served, not refused: Redis says how long to wait,
 * and the source asks again then. A 429, a `Retry-After` or a `Remaining: 0`
 * seen by one process pauses every process of the key. Redis that does not
 * answer within the source's `requestTimeout` fails the polls waiting for a
 * turn like requests that got no answer (retried under `retry`, then a
 * `TransportError` naming Redis): never a hang, and never a silent fall back
 * to an unshared budget.
 *
 * ```ts
 * import { createClient } from 'redis';
 * import { postmanTasks } from 'rx-task-status';
 * import { redisBudget } from 'rx-task-status/redis';
 *
 * const client = await createClient({ url: process.env.REDIS_URL ?? 'redis://localhost:6379' }).connect();
 * const budget = redisBudget({ client, key: 'postman:team-42', maxRequestsPerSecond: 5 });
 * const postman = postmanTasks({ apiKey: process.env.POSTMAN_API_KEY ?? '', budget });
 * ```
 */
export function redisBudget(options: RedisBudgetOptions): RequestBudget {
  if (!isPlainObject(options)) throw new TypeError(`Expected the options of redisBudget ({ client, key, maxRequestsPerSecond }), got ${show(options)}.`);
  const key = expectNonEmptyString('key', options.key);
  const limit = expectPositiveNumber('maxRequestsPerSecond', options.maxRequestsPerSecond);
  const connection = connectRedis({ client: options.client, timeoutMs: DEFAULT_COMMAND_TIMEOUT_MS });
  return new RedisBudget(connection, key, limit);
}

/** Redis calls the source does not wait for (giving a place back, a pause) get this long. */
const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

/**
 * Takes a place, or says how long until one frees (and, either way, the time
 * on the Redis clock). A budget whose keys are gone (Redis restarted, or the
 * budget is new) cannot know what started in the last window: its first
 * take pauses everyone for one window, so that no request started before the
 * loss is still in the window when the next ones start. Entries of a sorted set,
 * scored by when they stop counting: an unanswered request at its start plus
 * its time-out and a window (`release` moves it to its answer plus a window).
 * A take sent twice (a client re-sends what was in flight when it
 * reconnected) finds its own entry and does not count twice.
 */
export const TAKE = new RedisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, windowMs, unansweredMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if redis.call('SET', KEYS[3], '1', 'NX', 'PX', 86400000) then
  redis.call('SET', KEYS[2], '1', 'PX', windowMs)
  return {0, windowMs, now}
end
redis.call('PEXPIRE', KEYS[3], 86400000)
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return {0, paused, now} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return {1, 0, now} end
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + unansweredMs, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], unansweredMs + windowMs)
  return {1, 0, now}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, math.max(1, math.min(tonumber(first[2]) - now, windowMs)), now}
`);

/** The request has ended: its place counts for one more window from now, on the Redis clock (returned). */
export const RELEASE = new RedisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
return now
`);

/** The request was never sent: its place is free at once. */
const CANCEL = new RedisScript(`return redis.call('ZREM', KEYS[1], ARGV[1])`);

/** Nobody starts a request for `ARGV[1]` ms: a longer pause already set stays. */
const PAUSE = new RedisScript(`
local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1
`);

class RedisBudget implements RequestBudget {
  readonly shared = true;
  private readonly windowMs: number;
  private readonly limit: number;
  private readonly places: string;
  private readonly paused: string;
  /** Set while Redis remembers this budget: when it is gone, so are the places. */
  private readonly known: string;
  /** Permit ids: this budget's own prefix (unique across processes) and a count. */
  private readonly prefix = randomUUID();
  private issued = 0;

  constructor(
    private readonly connection: RedisConnection,
    key: string,
    readonly maxRequestsPerSecond: number,
  ) {
    // The same window as a source's own budget: below 1 rps it stretches, and it keeps the arrival margin.
    this.limit = Math.max(1, Math.floor(maxRequestsPerSecond));
    this.windowMs = (maxRequestsPerSecond >= 1 ? 1000 : 1000 / maxRequestsPerSecond) + ARRIVAL_MARGIN_MS;
    // One hash tag: every key of a budget lives in one cluster slot, so its scripts may touch them all.
    this.places = `{${key}}:places`;
    this.paused = `{${key}}:paused`;
    this.known = `{${key}}:known`;
  }

  async take(timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<BudgetAnswer> {
    const permit = `${this.prefix}:${this.issued++}`;
    let reply: RedisReply;
    try {
      reply = await this.connection.eval(TAKE, [this.places, this.paused, this.known], [this.limit, this.windowMs, timeoutMs + this.windowMs, permit], { timeoutMs });
    } catch (error) {
      // The take may have been counted all the same (a late answer): give it back when Redis is there again.
      this.cancel(permit);
      throw error;
    }
    const [granted, waitMs] = Array.isArray(reply) ? reply.map(Number) : [];
    if (granted === 1) return { permit };
    return { waitMs: waitMs !== undefined && waitMs > 0 && Number.isFinite(waitMs) ? waitMs : this.windowMs };
  }

  release(permit: unknown): void {
    this.quietly(this.connection.eval(RELEASE, [this.places], [this.windowMs, String(permit)]));
  }

  cancel(permit: unknown): void {
    this.quietly(this.connection.eval(CANCEL, [this.places], [String(permit)]));
  }

  pause(ms: number): void {
    if (!(ms > 0)) return;
    this.quietly(this.connection.eval(PAUSE, [this.paused], [Math.ceil(ms)]));
  }

  /**
   * Calls no source waits for: when Redis does not take them, the place
   * still stops counting when its entry expires, and the pause still holds
   * in the process that saw it.
   */
  private quietly(call: Promise<unknown>): void {
    call.catch(() => undefined);
  }
}
