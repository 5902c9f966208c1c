import { createHash, randomUUID } from 'node:crypto';
import { ARRIVAL_MARGIN_MS } from '../core/budget.js';
import type { CoordinatedTaskEvents, CoordinatedTaskHandle, CoordinatedTaskInfo, TaskCoordination } from '../core/coordination.js';
import { TransportError, type TaskError } from '../core/errors/index.js';
import { isTerminal, type TaskState } from '../core/taskState.js';
import { expectDelay, expectNonEmptyString, isPlainObject, show } from '../core/validate.js';
import type { RedisReply } from './redisClients.js';
import { connectRedis, RedisScript, type RedisConnection } from './redisConnection.js';
import { errorFromJson, errorToJson, stateFromJson, stateToJson } from '../core/stateWire.js';

/** Options of {@link redisCoordination}. */
export interface RedisCoordinationOptions {
  /** A connected Redis client: node-redis (5 or 6) or ioredis (5 or 6), standalone or cluster. Used, never closed. */
  readonly client: unknown;
  /**
   * A client for subscriptions, already connected (node-redis needs a
   * connection of its own for them). Default: a duplicate of `client`, made
   * on the first watch and closed when nothing is watched.
   */
  readonly subscriber?: unknown;
  /**
   * Names the group: every process whose sources pass coordinations with the
   * same prefix (on one Redis) polls each task once. Its keys are
   * `{prefix}:…`, one cluster slot.
   */
  readonly prefix: string;
  /**
   * How long a process holds a task without renewing it, ms: when it dies,
   * another process that watches the task takes it over within this (and
   * polls it no sooner than one interval after the last poll). Renewals go
   * out in one batch per process, every third of it. Default 10000.
   */
  readonly leaseMs?: number | undefined;
  /** A Redis call that has not answered within this many ms has failed. Default 5000. */
  readonly commandTimeout?: number | undefined;
}

/**
 * Polls each task once across every process that watches it, on Redis.
 * Passed to any source as `coordination`: one process holds the task's lease
 * and polls; the others receive its states (published, and kept in a key for
 * processes that join late) and emit them from their own `watch`, as if they
 * polled. Leases are spread: of the processes that watch a task, the one a
 * hash of (process, task) ranks first takes it, and one that holds a task
 * another process ranks first hands it over, so four processes watching the
 * same tasks poll about a quarter each. When the holder dies, another takes
 * over within `leaseMs`, keeping the spacing: the time of the last poll is
 * shared, and the next waits for it plus the interval.
 *
 * Redis that cannot be reached for a while (five renewal periods in a row)
 * ends the watches it coordinates with a `TransportError` naming Redis: a
 * watch never hangs waiting for it.
 *
 * ```ts
 * import { createClient } from 'redis';
 * import { postmanTasks } from 'rx-task-status';
 * import { redisBudget, redisCoordination } from 'rx-task-status/redis';
 *
 * const client = await createClient({ url: process.env.REDIS_URL ?? 'redis://localhost:6379' }).connect();
 * const postman = postmanTasks({
 *   apiKey: process.env.POSTMAN_API_KEY ?? '',
 *   budget: redisBudget({ client, key: 'postman:team-42', maxRequestsPerSecond: 5 }),
 *   coordination: redisCoordination({ client, prefix: 'postman:team-42' }),
 * });
 * ```
 */
export function redisCoordination(options: RedisCoordinationOptions): TaskCoordination {
  if (!isPlainObject(options)) throw new TypeError(`Expected the options of redisCoordination ({ client, prefix, … }), got ${show(options)}.`);
  const prefix = expectNonEmptyString('prefix', options.prefix);
  const leaseMs = expectDelay('leaseMs', options.leaseMs ?? DEFAULT_LEASE_MS);
  if (leaseMs < MIN_LEASE_MS) throw new TypeError(`Expected \`leaseMs\` to be at least ${MIN_LEASE_MS} ms (renewals go out every third of it), got ${leaseMs}.`);
  const commandTimeout = expectDelay('commandTimeout', options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT_MS);
  const connect = () => connectRedis({ client: options.client, ...(options.subscriber === undefined ? {} : { subscriber: options.subscriber }), timeoutMs: commandTimeout });
  // Checked now, not at the first watch: a client that is not one fails at call time.
  return new RedisCoordination(connect(), connect, prefix, leaseMs);
}

const DEFAULT_LEASE_MS = 10_000;
const MIN_LEASE_MS = 300;
const DEFAULT_COMMAND_TIMEOUT_MS = 5000;
/** Renewal periods in a row without Redis after which the watches end with a TransportError. */
const FAILED_TICKS_TO_GIVE_UP = 5;
/** The latest state of a task is kept this long after its last change (a day), for processes that join late. */
const STATE_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Renews this process's leases and its place among each task's watchers, in
 * one call for all its tasks; says for each who holds it, who watches it, and
 * the version of its latest news (so that a process that missed a message
 * reads the news from its key). KEYS: per task, its lease, its watchers and
 * its news. ARGV: owner, leaseMs, watcher TTL.
 */
const TICK = new RedisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local owner, leaseMs, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {now}
for i = 1, #KEYS, 3 do
  redis.call('ZADD', KEYS[i + 1], now + ttl, owner)
  redis.call('ZREMRANGEBYSCORE', KEYS[i + 1], '-inf', now)
  redis.call('PEXPIRE', KEYS[i + 1], ttl)
  local holder = redis.call('GET', KEYS[i])
  if holder == owner then redis.call('PEXPIRE', KEYS[i], leaseMs) end
  out[#out + 1] = holder or ''
  out[#out + 1] = redis.call('ZRANGE', KEYS[i + 1], 0, -1)
  out[#out + 1] = redis.call('HGET', KEYS[i + 2], 'v') or '0'
end
return out
`);

/**
 * Takes a task's lease if nobody holds it. KEYS: lease, last poll time.
 * ARGV: owner, leaseMs. Returns [now, taken, last poll time or ''].
 */
const ACQUIRE = new RedisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local taken = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
return {now, taken, redis.call('GET', KEYS[2]) or ''}
`);

/**
 * Gives a task up: out of its watchers, and its lease dropped if held.
 * KEYS: lease, watchers. ARGV: owner, keep watching (1) or not (0). Returns 1 when the lease was held.
 */
const RELEASE = new RedisScript(`
if ARGV[2] == '0' then redis.call('ZREM', KEYS[2], ARGV[1]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
`);

/** A poll starts now: its time on the Redis clock, for whoever polls next. KEYS: last poll time. ARGV: TTL. */
const POLLING = new RedisScript(`
local t = redis.call('TIME')
redis.call('SET', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), 'PX', ARGV[1])
return 1
`);

/**
 * Keeps a task's news (its latest state, or the error it ended with) under
 * the next version, and tells every process: the message is a prompt, the key
 * the truth. KEYS: news. ARGV: channel, message without its version, TTL.
 */
const PUBLISH = new RedisScript(`
local v = redis.call('HINCRBY', KEYS[1], 'v', 1)
local message = string.sub(ARGV[2], 1, -2) .. ',"v":' .. v .. '}'
redis.call('HSET', KEYS[1], 'm', message)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[1], message)
return v
`);

/** A task's news (if any), as its last message: when joining it, or when a renewal shows a version not heard. KEYS: news. */
const LATEST = new RedisScript(`return redis.call('HGET', KEYS[1], 'm') or ''`);

/** What one process publishes about one task. */
interface Message {
  /** The task (provider:key). */
  readonly t: string;
  /** The publishing process. */
  readonly o: string;
  readonly k: 'state' | 'error' | 'released';
  /** The state, as stateToJson wrote it. */
  readonly s?: string | undefined;
  /** The error, as errorToJson wrote it. */
  readonly e?: string | undefined;
  /** For 'released': the process ranked first for the task, who takes it at once. */
  readonly to?: string | undefined;
  /** For news ('state', 'error'): its version, counted per task. */
  readonly v?: number | undefined;
}

/** One task this process watches, and what it knows of it. */
class Watched implements CoordinatedTaskHandle {
  leading = false;
  /** Renewal periods the task was seen free, in a row: a process not ranked first takes a task free for one whole period. */
  freeTicks = 0;
  joined = false;
  left = false;
  /** Its end was published: nobody needs to take it over. */
  finished = false;
  /** The version of the latest news heard. */
  heard = 0;
  /** Reading its news (joining, or catching up) now. */
  reading = false;

  constructor(
    private readonly coordination: RedisCoordination,
    readonly name: string,
    readonly info: CoordinatedTaskInfo,
    readonly events: CoordinatedTaskEvents,
  ) {}

  polling(): void {
    this.coordination.polling(this);
  }

  publish(state: TaskState): Promise<void> {
    if (isTerminal(state)) this.finished = true;
    return this.coordination.publish(this, { k: 'state', s: stateToJson(state) });
  }

  publishError(error: TaskError): Promise<void> {
    this.finished = true;
    return this.coordination.publish(this, { k: 'error', e: errorToJson(error) });
  }

  leave(): void {
    this.coordination.leave(this);
  }
}

class RedisCoordination implements TaskCoordination {
  /** This process (this coordination object): its leases and places among watchers carry it. */
  private readonly owner = randomUUID();
  private readonly channel: string;
  private readonly tasks = new Map<string, Watched>();
  /** The subscription, on a connection of its own: closed (its duplicate client with it) when nothing is watched. */
  private listening: { readonly connection: RedisConnection; readonly unsubscribe: Promise<() => Promise<void>> } | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private ticking = false;
  private tickAgain = false;
  private tickSoon: ReturnType<typeof setImmediate> | undefined;
  private failedTicks = 0;
  private lastRenewal = 0;

  constructor(
    /** For scripts and publishing, on the user's client: nothing of its own to close. */
    private readonly connection: RedisConnection,
    private readonly connect: () => RedisConnection,
    private readonly prefix: string,
    private readonly leaseMs: number,
  ) {
    this.channel = `{${prefix}}:events`;
  }

  join(info: CoordinatedTaskInfo, events: CoordinatedTaskEvents): CoordinatedTaskHandle {
    const name = `${info.provider}:${info.key}`;
    const watched = new Watched(this, name, info, events);
    this.tasks.set(name, watched);
    this.listen();
    void this.enter(watched);
    return watched;
  }

  /**
   * Subscribed first, then the latest news read: news published in between is
   * not missed. Until it has read them once the task is not `joined` (it
   * takes no lease): a renewal tries again.
   */
  private async enter(watched: Watched): Promise<void> {
    await this.catchUp(watched);
    // The first renewal says who watches it, and takes it for the process ranked first.
    this.requestTick();
  }

  /** Reads a task's news from its key, and hears it as if it had come by message. */
  private async catchUp(watched: Watched): Promise<void> {
    if (watched.reading || watched.left) return;
    watched.reading = true;
    try {
      await this.listening?.unsubscribe;
      const latest = await this.connection.eval(LATEST, [this.key('news', watched.name)], []);
      if (watched.left) return;
      watched.joined = true;
      if (typeof latest === 'string' && latest !== '') this.hear(watched, latest);
    } catch {
      // Redis is not there: the renewals try again, and give up after a while.
    } finally {
      watched.reading = false;
    }
  }

  /** A renewal soon: the tasks joined in the same moment share it. */
  private requestTick(): void {
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.tickSoon ??= setImmediate(() => {
      this.tickSoon = undefined;
      void this.tick();
    });
  }

  polling(watched: Watched): void {
    if (!watched.leading) return;
    this.quietly(this.connection.eval(POLLING, [this.key('polled', watched.name)], [Math.max(STATE_TTL_MS, watched.info.interval * 10)]));
  }

  /** Settles once Redis took the news (or failed to): never rejects. */
  publish(watched: Watched, message: Pick<Message, 'k' | 's' | 'e'>): Promise<void> {
    if (!watched.leading) return Promise.resolve();
    const full: Message = { t: watched.name, o: this.owner, ...message };
    return this.connection.eval(PUBLISH, [this.key('news', watched.name)], [this.channel, JSON.stringify(full), STATE_TTL_MS]).then(
      (version) => {
        watched.heard = Math.max(watched.heard, Number(version));
      },
      () => undefined,
    );
  }

  leave(watched: Watched): void {
    if (watched.left) return;
    watched.left = true;
    this.tasks.delete(watched.name);
    const wasLeading = watched.leading;
    watched.leading = false;
    this.quietly(
      this.connection.eval(RELEASE, [this.key('lease', watched.name), this.key('watchers', watched.name)], [this.owner, '0']).then((held) => {
        // Held, and the task not over: whoever watches it next takes it at once.
        if (Number(held) === 1 && wasLeading && !watched.finished) return this.connection.publish(this.channel, JSON.stringify({ t: watched.name, o: this.owner, k: 'released' } satisfies Message));
        return undefined;
      }),
    );
    if (this.tasks.size === 0) this.quiet();
  }

  /** One subscription and one renewal timer per process, while it watches anything; a subscription that failed is made again. */
  private listen(): void {
    if (this.listening === undefined) {
      const connection = this.connect();
      const unsubscribe = connection.subscribe(this.channel, (text) => this.onMessage(text));
      const listening = { connection, unsubscribe };
      unsubscribe.catch(() => {
        if (this.listening !== listening) return;
        this.listening = undefined;
        void connection.close();
      });
      this.listening = listening;
    }
    this.ticker ??= setInterval(() => void this.tick(), Math.floor(this.leaseMs / 3));
    this.ticker.unref?.();
  }

  /** Nothing watched any more: the subscription and the timer go. */
  private quiet(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
    if (this.tickSoon !== undefined) clearImmediate(this.tickSoon);
    this.tickSoon = undefined;
    const listening = this.listening;
    this.listening = undefined;
    this.quietly(
      (async () => {
        await (await listening?.unsubscribe.catch(() => undefined))?.();
        await listening?.connection.close();
      })(),
    );
  }

  private onMessage(text: string): void {
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      return;
    }
    if (message.o === this.owner) return;
    const watched = this.tasks.get(message.t);
    if (watched === undefined || watched.left) return;
    if (message.k === 'released') {
      if (message.to === undefined || message.to === this.owner) void this.acquire(watched);
      return;
    }
    this.hear(watched, text);
  }

  /**
   * News of a task, by message or from its key: heard once (by version), and
   * not by the process polling it. News that cannot be read is dropped: the
   * next news, or the next renewal's catch-up, says it again.
   */
  private hear(watched: Watched, text: string): void {
    try {
      const message = JSON.parse(text) as Message;
      const version = Number(message.v ?? 0);
      if (watched.leading || message.o === this.owner || version <= watched.heard) return;
      // Read first, then marked heard: news that cannot be read is read again from its key at the next renewal.
      if (message.k === 'state' && message.s !== undefined) {
        const state = stateFromJson(message.s, watched.info.provider, watched.info.id);
        watched.heard = version;
        watched.events.state(state);
      }
      if (message.k === 'error' && message.e !== undefined) {
        const error = errorFromJson(message.e);
        watched.heard = version;
        watched.events.error(error);
      }
    } catch {
      // Dropped.
    }
  }

  /**
   * Every third of a lease: renews this process's leases and its places among
   * watchers in one call, steps down from leases it lost, hands over tasks
   * another watcher is ranked first for, and takes free ones it is ranked
   * first for (or that stayed free for a whole period).
   */
  private async tick(): Promise<void> {
    if (this.ticking || this.tasks.size === 0) return;
    this.ticking = true;
    const tasks = [...this.tasks.values()];
    try {
      this.listen();
      const keys = tasks.flatMap((watched) => [this.key('lease', watched.name), this.key('watchers', watched.name), this.key('news', watched.name)]);
      const reply = await this.connection.eval(TICK, keys, [this.owner, this.leaseMs, this.leaseMs]);
      this.failedTicks = 0;
      this.lastRenewal = Date.now();
      const out = Array.isArray(reply) ? reply : [];
      tasks.forEach((watched, index) => this.decide(watched, String(out[1 + 3 * index] ?? ''), out[2 + 3 * index], Number(out[3 + 3 * index] ?? 0)));
    } catch (error) {
      this.failedTicks++;
      this.unreachable(tasks, error);
    } finally {
      this.ticking = false;
      if (this.tickAgain) {
        this.tickAgain = false;
        this.requestTick();
      }
    }
  }

  private decide(watched: Watched, holder: string, watchers: RedisReply | undefined, version: number): void {
    if (watched.left) return;
    // Not joined yet (its news never read), or news missed (messages are at most once): read the key.
    if (!watched.joined || (!watched.leading && version > watched.heard)) void this.catchUp(watched);
    const ranked = rankedFirst(Array.isArray(watchers) ? watchers.map(String) : [this.owner], watched.name) ?? this.owner;
    if (watched.leading && holder !== this.owner) {
      // The lease was lost (expired while Redis was away): another process may poll now.
      watched.leading = false;
      watched.events.follow();
      return;
    }
    if (watched.leading && ranked !== this.owner) {
      this.handOver(watched, ranked);
      return;
    }
    if (holder !== '') {
      watched.freeTicks = 0;
      // Another process holds the task and renews its lease: it is alive, and its own retries bound the provider.
      if (!watched.leading) watched.events.alive?.();
      return;
    }
    watched.freeTicks++;
    if (watched.joined && (ranked === this.owner || watched.freeTicks > 1)) void this.acquire(watched);
  }

  /** Another watcher is ranked first for this task: it gets it, with the spacing kept. */
  private handOver(watched: Watched, to: string): void {
    watched.leading = false;
    watched.events.follow();
    this.quietly(
      this.connection.eval(RELEASE, [this.key('lease', watched.name), this.key('watchers', watched.name)], [this.owner, '1']).then(() =>
        this.connection.publish(this.channel, JSON.stringify({ t: watched.name, o: this.owner, k: 'released', to } satisfies Message)),
      ),
    );
  }

  private async acquire(watched: Watched): Promise<void> {
    if (watched.left || watched.leading) return;
    try {
      const reply = await this.connection.eval(ACQUIRE, [this.key('lease', watched.name), this.key('polled', watched.name)], [this.owner, this.leaseMs]);
      const [now, taken, polledAt] = Array.isArray(reply) ? reply : [];
      if (Number(taken) !== 1 || watched.left) return;
      watched.leading = true;
      watched.freeTicks = 0;
      const last = polledAt === '' || polledAt === undefined || polledAt === null ? undefined : Number(polledAt);
      // The next poll waits for the last one, wherever it was, plus the interval (and the arrival margin: arrivals jitter).
      watched.events.lead(last === undefined ? 0 : last + watched.info.interval + ARRIVAL_MARGIN_MS - Number(now));
    } catch {
      // Not taken: the next renewal tries again.
    }
  }

  /**
   * Redis did not answer a renewal. A lease not renewed for a whole lease may
   * have passed to another process: its holder stops polling. After a few
   * periods in a row, every watch coordinated here ends with a TransportError.
   */
  private unreachable(tasks: readonly Watched[], error: unknown): void {
    if (Date.now() - this.lastRenewal > this.leaseMs) {
      for (const watched of tasks) {
        if (!watched.leading) continue;
        watched.leading = false;
        watched.events.follow();
      }
    }
    if (this.failedTicks < FAILED_TICKS_TO_GIVE_UP) return;
    const cause = error instanceof Error ? error.message : String(error);
    for (const watched of tasks) {
      if (watched.left) continue;
      watched.events.error(
        new TransportError(`Redis could not be reached to coordinate ${watched.info.provider} task ${watched.info.id} (${FAILED_TICKS_TO_GIVE_UP} renewals in a row failed; last: ${cause})`, {
          reason: 'network',
          provider: watched.info.provider,
          taskId: watched.info.id,
        }),
      );
    }
  }

  private key(kind: 'lease' | 'watchers' | 'news' | 'polled', task: string): string {
    return `{${this.prefix}}:${kind}:${encodeURIComponent(task)}`;
  }

  private quietly(call: Promise<unknown>): void {
    call.catch(() => undefined);
  }
}

/**
 * Rendezvous hashing: of the processes watching a task, the one whose hash
 * with the task ranks highest. Every process computes the same answer from
 * the same list, and a process joining or leaving moves only its own share.
 */
function rankedFirst(watchers: readonly string[], task: string): string | undefined {
  let best: string | undefined;
  let bestScore = '';
  for (const watcher of watchers) {
    const score = createHash('sha1').update(`${watcher}\u0000${task}`).digest('hex');
    if (best === undefined || score > bestScore) {
      best = watcher;
      bestScore = score;
    }
  }
  return best;
}
