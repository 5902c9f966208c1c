import { createHash } from 'node:crypto';
import { isErrorLike } from '../core/errors/errorLike.js';
import { TransportError } from '../core/errors/index.js';
import { redactError, redactGeneric, type Redactor } from '../core/redact.js';
import { expectDelay, expectFunction, expectNonEmptyString, expectOptions, show } from '../core/validate.js';
import { commandsOf, kindOf, subscriberOf, textOf, toReply, type IoredisLike, type Listener, type NodeRedisLike, type RedisReply, type Subscriber } from './redisClients.js';

/**
 * A Lua script and the SHA1 digest Redis knows it by. Made once, run many
 * times with {@link RedisConnection.eval}: the digest is computed here, so no
 * `SCRIPT LOAD` round trip is needed (it is the same hex digest).
 */
export class RedisScript {
  /** The Lua source. */
  readonly source: string;
  /** The hex SHA1 of the source's UTF-8 bytes, as `SCRIPT LOAD` returns it. */
  readonly sha: string;

  /** @param source - The Lua source, run with `EVAL` whenever the server does not know the digest. */
  constructor(source: string) {
    this.source = expectNonEmptyString('source', source);
    this.sha = createHash('sha1').update(source, 'utf8').digest('hex');
  }
}


/**
 * The few Redis operations the cross-process parts of this library need, over
 * a node-redis or ioredis client the user made (see {@link connectRedis}).
 * Every call settles within the `timeoutMs` it was made with, and fails with
 * a {@link TransportError} (or a `TypeError` for a bad argument):
 * `reason: 'timeout'` when Redis did not answer in time (the command may
 * still run later, and ioredis sends it again after a reconnection: scripts
 * must be idempotent), `'network'` when the client reported a failure, the
 * script raised an error, or the connection was closed.
 */
export interface RedisConnection {
  /**
   * Runs a script: `EVALSHA` with its digest, then `EVAL` with its source when
   * the server answers `NOSCRIPT` (its script cache is lost on restart,
   * failover and `SCRIPT FLUSH`, and differs between the nodes of a cluster).
   * In a cluster the first key picks the node, so every key must share one
   * hash tag (`{budget:name}:window`). The client's `keyPrefix` applies to the keys.
   * `options.timeoutMs` replaces the connection's deadline for this call.
   */
  eval(script: RedisScript, keys: readonly string[], args: readonly (string | number)[], options?: { readonly timeoutMs?: number }): Promise<RedisReply>;
  /** Publishes a message. The count of receivers is not given: in a cluster it counts one node's only. */
  publish(channel: string, message: string): Promise<void>;
  /**
   * Calls `onMessage` with each message published on `channel` from when the
   * returned promise resolves, until the function it resolves to is called.
   * Delivery is at most once: messages published while the connection is
   * down are lost (the client subscribes again by itself once it is back), so
   * keep state in keys and use messages as a prompt to read them.
   * `onMessage` must not throw; if it does, the error goes to `onError`.
   * The function returned removes the listener at once, and resolves once
   * Redis has confirmed the channel left (when it was the last listener).
   */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  /**
   * Closes the subscriber connection made by {@link connectRedis} (never the
   * user's clients, whose subscriptions made here are undone instead), and
   * fails calls still waiting. Calls made afterwards fail. Safe to call again.
   */
  close(): Promise<void>;
}

/** Options of {@link connectRedis}. */
export interface RedisConnectionOptions {
  /**
   * A node-redis client or cluster (`createClient()` / `createCluster()` of
   * `redis` or `@redis/client`, v5 or v6), or an ioredis client or cluster
   * (`new Redis()` / `new Redis.Cluster()`, v5 or v6). Connecting and closing
   * it stay with the caller: a node-redis client must be connected before calls are made.
   */
  readonly client: unknown;
  /**
   * A connection of either library dedicated to subscriptions, already
   * connected; it is never closed here. Note that with ioredis undoing a
   * subscription here undoes it for the whole connection.
   * Default: a `duplicate()` of `client` made at the first `subscribe`
   * (for a node-redis cluster, the cluster itself, which keeps its own
   * subscriber node), closed by {@link RedisConnection.close}.
   */
  readonly subscriber?: unknown;
  /**
   * The longest any one call waits for Redis, in ms. Neither library bounds
   * the wait for a command already sent, so a hung server would hang it for ever.
   */
  readonly timeoutMs: number;
  /**
   * Told of failures of the subscriber connection made here (node-redis ends
   * the process on an `'error'` event nobody hears), as `TransportError`s, and
   * of errors thrown by `onMessage`. Default: they are dropped.
   */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/** The subscribers of one channel, behind the one dispatcher the client calls. */
interface Channel {
  readonly listeners: Set<(message: string) => void>;
  readonly dispatch: Listener;
  readonly subscribed: Promise<unknown>;
  /** Subscribe calls waiting for `subscribed`: the channel is kept while any is. */
  waiting: number;
}

/** Credentials in a URL (`redis://user:password@host`) go first; then every pattern of the core's redactor. */
const redactRedis: Redactor = (text) => redactGeneric(text.replace(/:\/\/[^\s/?#]*@/g, '://'));

/** A failure the client reported, as a TransportError whose message starts with `what`, and whose text and cause show no credential. */
function failure(what: string, error: unknown): TransportError {
  const said = isErrorLike(error) ? error.message || error.name : String(error);
  return redactError(new TransportError(`${what}: ${said}`, { reason: 'network', cause: error }), redactRedis);
}

const isNoScript = (error: unknown) => isErrorLike(error) && error.message.startsWith('NOSCRIPT');

function expectArguments(keys: unknown, args: unknown): void {
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) throw new TypeError(`Expected \`keys\` to be an array of strings, got ${show(keys)}.`);
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string' || (typeof arg === 'number' && Number.isFinite(arg)))) {
    throw new TypeError(`Expected \`args\` to be an array of strings and finite numbers, got ${show(args)}.`);
  }
}

/**
 * Runs scripts, publishes and subscribes through a Redis client the caller
 * made and owns, with a deadline on every call.
 *
 * Throws a `TypeError` at once when `client` (or `subscriber`) is not a
 * client of node-redis or ioredis, v5 or v6, standalone or cluster (a
 * node-redis pool or sentinel client is refused), or `timeoutMs` is not a
 * positive number of ms.
 *
 * ## Example
 * ```ts
 * import { createClient } from 'redis';
 * import { connectRedis, RedisScript } from './redisConnection.js';
 *
 * const client = createClient({ url: 'redis://localhost:6379' });
 * client.on('error', (error) => console.error(error));
 * await client.connect();
 *
 * const redis = connectRedis({ client, timeoutMs: 500 });
 * const hit = new RedisScript("return redis.call('INCR', KEYS[1])");
 * const visits = Number(await redis.eval(hit, ['visits'], []));
 * console.log(visits);
 * await redis.close();
 * client.destroy();
 * ```
 *
 * @param options - See {@link RedisConnectionOptions}.
 * @return The connection: see {@link RedisConnection} for how its calls fail.
 */
export function connectRedis(options: RedisConnectionOptions): RedisConnection {
  expectOptions('options', options);
  if (options === undefined) throw new TypeError(`Expected \`options\` to be an options object, got undefined.`);
  const kind = kindOf('client', options.client);
  const subscriberKind = options.subscriber === undefined ? undefined : kindOf('subscriber', options.subscriber);
  const timeoutMs = expectDelay('timeoutMs', options.timeoutMs);
  const onError = options.onError === undefined ? undefined : expectFunction<(error: unknown) => void>('onError', options.onError);
  const { client } = options;
  const commands = commandsOf(kind, client);

  const report = (error: unknown) => {
    try {
      onError?.(error);
    } catch {
      // A throwing hook must not end the process from inside the client's event emitter.
    }
  };
  const reportConnectionError: Listener = (error) => report(failure('Redis subscriber connection failed', error));

  /** Cancels each call still waiting: clears its timer and rejects it. */
  const pending = new Set<() => void>();
  let closing: Promise<void> | undefined;

  /** Runs `work` against the deadline; `command.name` is read when it fails, so a fallback can rename it. */
  function call<T>(command: { name: string }, work: (live: () => boolean) => Promise<T>, ms = timeoutMs): Promise<T> {
    if (closing !== undefined) return Promise.reject(new TransportError(`Redis connection is closed: ${command.name} was not sent`, { reason: 'network' }));
    return new Promise<T>((resolve, reject) => {
      const finish = (settle: () => void) => {
        if (!pending.delete(cancel)) return; // a late answer, after the deadline or close: dropped
        clearTimeout(timer);
        settle();
      };
      const cancel = () => finish(() => reject(new TransportError(`Redis connection was closed before ${command.name} was answered`, { reason: 'network' })));
      pending.add(cancel);
      const timer = setTimeout(() => finish(() => reject(new TransportError(`Redis did not answer ${command.name} within ${ms} ms`, { reason: 'timeout' }))), ms);
      let running: Promise<T>;
      try {
        running = Promise.resolve(work(() => pending.has(cancel)));
      } catch (error) {
        running = Promise.reject(error);
      }
      running.then(
        (value) => finish(() => resolve(value)),
        (error: unknown) => finish(() => reject(failure(`Redis failed ${command.name}`, error))),
      );
    });
  }

  let subscriber: Subscriber | undefined;
  const channels = new Map<string, Channel>();

  function subscriberNow(): Subscriber {
    if (subscriber !== undefined) return subscriber;
    let made: Subscriber;
    if (options.subscriber !== undefined && subscriberKind !== undefined) made = subscriberOf(subscriberKind, options.subscriber, false, reportConnectionError);
    else if (kind === 'node-redis-cluster') made = subscriberOf(kind, client, false, reportConnectionError);
    else made = subscriberOf(kind, (client as NodeRedisLike | IoredisLike).duplicate(), true, reportConnectionError);
    subscriber = made;
    // A connection that failed to connect (a refused handshake) is dropped, so the next subscribe makes another.
    made.ready.catch(() => {
      if (subscriber === made) {
        subscriber = undefined;
        made.release();
      }
    });
    return made;
  }

  function openChannel(name: string, via: Subscriber): Channel {
    const listeners = new Set<(message: string) => void>();
    const dispatch: Listener = (message) => {
      const text = textOf(message);
      for (const listener of [...listeners]) {
        try {
          listener(text);
        } catch (error) {
          report(error);
        }
      }
    };
    const subscribed = via.listen(name, dispatch).catch((error: unknown) => {
      // Nobody listens on a channel whose SUBSCRIBE failed; the next subscribe starts afresh.
      if (channels.get(name) === channel) channels.delete(name);
      void call({ name: 'UNSUBSCRIBE' }, () => via.unlisten(name, dispatch)).catch(() => {});
      throw error;
    });
    const channel: Channel = { listeners, dispatch, subscribed, waiting: 0 };
    channels.set(name, channel);
    return channel;
  }

  function dropIfUnused(name: string, channel: Channel, via: Subscriber): Promise<void> {
    if (channel.listeners.size > 0 || channel.waiting > 0 || channels.get(name) !== channel) return Promise.resolve();
    channels.delete(name);
    return call({ name: 'UNSUBSCRIBE' }, () => via.unlisten(name, channel.dispatch)).then(() => undefined);
  }

  return {
    eval(script, keys, args, { timeoutMs: ms = timeoutMs } = {}) {
      try {
        if (!(script instanceof RedisScript)) throw new TypeError(`Expected \`script\` to be a RedisScript, got ${show(script)}.`);
        expectArguments(keys, args);
        expectDelay('timeoutMs', ms);
      } catch (error) {
        return Promise.reject(error);
      }
      const keyList = [...keys];
      const argList = args.map(String);
      const command = { name: 'EVALSHA' };
      return call(command, async (live) => {
        try {
          return toReply(await commands.evalSha(script.sha, keyList, argList));
        } catch (error) {
          if (!isNoScript(error) || !live()) throw error;
          command.name = 'EVAL';
          return toReply(await commands.eval(script.source, keyList, argList));
        }
      }, ms);
    },

    publish(channel, message) {
      try {
        expectNonEmptyString('channel', channel);
        if (typeof message !== 'string') throw new TypeError(`Expected \`message\` to be a string, got ${show(message)}.`);
      } catch (error) {
        return Promise.reject(error);
      }
      return call({ name: 'PUBLISH' }, () => commands.publish(channel, message)).then(() => undefined);
    },

    subscribe(name, onMessage) {
      try {
        expectNonEmptyString('channel', name);
        expectFunction('onMessage', onMessage);
      } catch (error) {
        return Promise.reject(error);
      }
      // Its own function per call, so that the same `onMessage` given twice is two subscriptions.
      const listener = (message: string) => onMessage(message);
      return call({ name: 'SUBSCRIBE' }, async (live) => {
        const via = subscriberNow();
        await via.ready;
        if (!live()) return async () => {};
        const joined = channels.get(name) ?? openChannel(name, via);
        joined.waiting++;
        try {
          await joined.subscribed;
        } finally {
          joined.waiting--;
        }
        // Past the deadline the caller has its error: listening now would deliver to a subscription it never got.
        if (!live() || closing !== undefined) {
          void dropIfUnused(name, joined, via).catch(() => {});
          return async () => {};
        }
        joined.listeners.add(listener);
        let left = false;
        return () => {
          if (left || closing !== undefined) return Promise.resolve();
          left = true;
          joined.listeners.delete(listener);
          return dropIfUnused(name, joined, via);
        };
      });
    },

    close() {
      if (closing !== undefined) return closing;
      const held = subscriber;
      const subscribed = [...channels];
      subscriber = undefined;
      channels.clear();
      // Set before cancelling: calls made from their rejection handlers see the connection closed.
      closing = (async () => {
        if (held === undefined) return;
        if (!held.owned) {
          // The user's connection stays open: undo what was subscribed on it, within the deadline.
          await Promise.all(subscribed.map(([name, channel]) => bounded(() => held.unlisten(name, channel.dispatch), timeoutMs)));
        }
        held.release();
      })();
      for (const cancel of [...pending]) cancel();
      return closing;
    },
  };
}

/** Waits for `work` at most `ms`, however it ends (a throw included); leaves no timer behind. */
function bounded(work: () => Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    new Promise((started) => started(work())).then(done, done);
  });
}
