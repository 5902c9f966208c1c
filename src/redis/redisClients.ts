import { show } from '../core/validate.js';

// The two client libraries behind one shape: recognised by what they have,
// never imported (both are optional peers, and none of their types reaches
// our declarations), and driven through their typed methods.

/**
 * What a script answered, the same over both libraries, both protocols (RESP2
 * and RESP3) and any reply settings of the client: bulk strings (Buffers
 * included) as UTF-8 strings, Lua numbers as integers, Lua `false` and nil as
 * `null`, Lua `true` as `1`, tables as arrays. One exception: a client made
 * with ioredis `stringNumbers: true`, or node-redis `typeMapping` turning
 * numbers into strings, gives integers as numeric strings, which are kept
 * (they may be beyond 2^53): read numbers with `Number(reply)`.
 */
export type RedisReply = string | number | null | RedisReply[];

export type ClientKind = 'node-redis' | 'node-redis-cluster' | 'ioredis' | 'ioredis-cluster';
export type Listener = (...args: unknown[]) => void;

/** The part of node-redis's client and cluster used here (the same in v5 and v6). */
export interface NodeRedisLike {
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(source: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string, listener: Listener): Promise<unknown>;
  unsubscribe(channel: string, listener: Listener): Promise<unknown>;
  duplicate(): NodeRedisLike;
  connect(): Promise<unknown>;
  destroy(): void;
  on(event: 'error', listener: Listener): unknown;
}

/** The part of ioredis's `Redis` and `Cluster` used here (the same in v5 and v6). */
export interface IoredisLike {
  evalsha(sha: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  eval(source: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  duplicate(): IoredisLike;
  disconnect(): void;
  on(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
}

const EXPECTED_CLIENT =
  'a node-redis client or cluster (createClient() or createCluster() of `redis` or `@redis/client`, v5 or v6) or an ioredis client or cluster (new Redis() or new Redis.Cluster(), v5 or v6)';

/** Which library made `value`, and whether it is a cluster; anything else is a `TypeError` that names what was expected. */
export function kindOf(name: string, value: unknown): ClientKind {
  const client = value as Record<string, unknown> | null;
  if (typeof client === 'object' && client !== null) {
    if (typeof client.call === 'function' && typeof client.defineCommand === 'function' && typeof client.evalsha === 'function') {
      return client.isCluster === true ? 'ioredis-cluster' : 'ioredis';
    }
    if (typeof client.sendCommand === 'function' && typeof client.evalSha === 'function' && typeof client.isOpen === 'boolean') {
      if (Array.isArray(client.masters)) return 'node-redis-cluster';
      // A pool lends a different connection to each command, so it can hold no subscription.
      if (typeof client.execute === 'function' && typeof client.totalClients === 'number') {
        throw new TypeError(`Expected \`${name}\` to be ${EXPECTED_CLIENT}, got a node-redis client pool (createClientPool()): pass a client or a cluster.`);
      }
      if (typeof client.getMasterNode === 'function') {
        throw new TypeError(`Expected \`${name}\` to be ${EXPECTED_CLIENT}, got a node-redis sentinel client (createSentinel()), which is not supported.`);
      }
      if (typeof client.duplicate === 'function' && typeof client.subscribe === 'function') return 'node-redis';
    }
  }
  throw new TypeError(`Expected \`${name}\` to be ${EXPECTED_CLIENT}, got ${show(value)}.`);
}

/** The commands this module sends, the same over both libraries. */
export interface Commands {
  evalSha(sha: string, keys: string[], args: string[]): Promise<unknown>;
  eval(source: string, keys: string[], args: string[]): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
}

// The typed methods, not a raw `call`/`sendCommand`: they route by the first
// key in a cluster and apply `keyPrefix` to the keys in both libraries.
export function commandsOf(kind: ClientKind, client: unknown): Commands {
  if (kind === 'ioredis' || kind === 'ioredis-cluster') {
    const io = client as IoredisLike;
    return {
      evalSha: (sha, keys, args) => io.evalsha(sha, keys.length, ...keys, ...args),
      eval: (source, keys, args) => io.eval(source, keys.length, ...keys, ...args),
      publish: (channel, message) => io.publish(channel, message),
    };
  }
  const redis = client as NodeRedisLike;
  return {
    evalSha: (sha, keys, args) => redis.evalSha(sha, { keys, arguments: args }),
    eval: (source, keys, args) => redis.eval(source, { keys, arguments: args }),
    publish: (channel, message) => redis.publish(channel, message),
  };
}

/** A connection that subscriptions are made on, the same over both libraries. */
export interface Subscriber {
  /** Resolves once the connection can take subscriptions. */
  readonly ready: Promise<void>;
  listen(channel: string, dispatch: Listener): Promise<unknown>;
  unlisten(channel: string, dispatch: Listener): Promise<unknown>;
  /** Whether {@link release} closes the connection (it was made here) rather than leaving it be. */
  readonly owned: boolean;
  /** Closes the connection when it is ours; otherwise stops hearing it. At once, never throws. */
  release(): void;
}

export function subscriberOf(kind: ClientKind, connection: unknown, owned: boolean, onError: Listener): Subscriber {
  if (kind === 'ioredis' || kind === 'ioredis-cluster') {
    const io = connection as IoredisLike;
    // ioredis has one 'message' event per connection, not a listener per channel.
    const dispatchers = new Map<string, Listener>();
    const onMessage: Listener = (channel, message) => {
      if (typeof channel === 'string') dispatchers.get(channel)?.(message);
    };
    io.on('message', onMessage);
    if (owned) io.on('error', onError);
    return {
      // ioredis connects by itself, lazily or not, and queues commands until it has.
      ready: Promise.resolve(),
      listen: (channel, dispatch) => {
        dispatchers.set(channel, dispatch);
        return io.subscribe(channel);
      },
      unlisten: (channel) => {
        dispatchers.delete(channel);
        return io.unsubscribe(channel);
      },
      owned,
      release: () => {
        io.off('message', onMessage);
        if (owned) io.disconnect();
      },
    };
  }
  const redis = connection as NodeRedisLike;
  if (owned) redis.on('error', onError);
  return {
    ready: owned ? redis.connect().then(() => undefined) : Promise.resolve(),
    listen: (channel, dispatch) => redis.subscribe(channel, dispatch),
    unlisten: (channel, dispatch) => redis.unsubscribe(channel, dispatch),
    owned,
    release: () => {
      if (!owned) return;
      try {
        redis.destroy();
      } catch {
        // node-redis 5 throws when the client is already closed (its reconnection gave up): nothing is left to close.
      }
    },
  };
}

const utf8 = new TextDecoder();

/** Text of a message or reply: node-redis and ioredis give Buffers when the user's settings say so. */
export function textOf(value: unknown): string {
  return ArrayBuffer.isView(value) ? utf8.decode(value) : String(value);
}

export function toReply(value: unknown): RedisReply {
  if (value === null || value === undefined || value === false) return null;
  if (value === true) return 1;
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (ArrayBuffer.isView(value)) return textOf(value);
  if (Array.isArray(value)) return value.map(toReply);
  // RESP3 maps and sets (only a script that calls redis.setresp(3) returns them): as RESP2 gives them.
  if (value instanceof Map) return [...value].flatMap(([key, item]) => [toReply(key), toReply(item)]);
  if (value instanceof Set) return [...value].map(toReply);
  if (typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => [key, toReply(item)]);
  return String(value);
}

