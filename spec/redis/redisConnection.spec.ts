// connectRedis over the four client libraries (node-redis 5 and 6, ioredis 5
// and 6), against a real redis-server started here (and a real 3-master
// cluster): scripts by digest with the EVAL fallback, replies the same
// whatever the client's settings, pub/sub that survives a restart, and calls
// that end within their deadline, with a TransportError that shows no
// password, when Redis hangs or dies.
import { randomUUID } from 'node:crypto';
import IORedis5 from 'ioredis';
import IORedis6 from 'ioredis-v6';
import * as redis5 from 'redis';
import * as redis6 from 'redis-v6';
import { TransportError } from '../../src/core/errors/index.js';
import { connectRedis, RedisScript, type RedisConnection } from '../../src/redis/redisConnection.js';
import { activeResources } from '../reliability/leakSupport.js';
import { installProcessGuard, settleEventLoop, type ProcessGuard } from '../reliability/processGuard.js';
import { describeWithRedis, startRedis, startRedisCluster, type RedisCluster, type RedisServer } from '../support/redisServer.js';

/** Deadline of the calls that are meant to miss it: short, so the file stays fast. */
const TIMEOUT_MS = 300;
/** Deadline of the calls that are meant to succeed: long enough for a reconnection on a busy machine. */
const PATIENT_MS = 5_000;
/** How late past its deadline a call may settle on a busy machine. */
const SLACK_MS = 400;

type Where = { readonly socketPath: string } | { readonly url: string };

/** A client made for a test, which the test closes. */
interface TestClient {
  readonly client: unknown;
  close(): void;
}

interface ClientLibrary {
  readonly name: string;
  /**
   * A connected client. `raw`: configured to answer integers as strings (and,
   * in node-redis, bulk strings as Buffers), as a user's client may be.
   */
  connect(where: Where, raw?: boolean): Promise<TestClient>;
  connectCluster(cluster: RedisCluster): Promise<TestClient>;
}

interface NodeRedisModule {
  createClient(options: object): NodeRedisClient;
  createCluster(options: object): NodeRedisClient;
  createClientPool(options: object): unknown;
  RESP_TYPES: { BLOB_STRING: number; NUMBER: number };
}
interface NodeRedisClient {
  on(event: 'error', listener: (error: unknown) => void): unknown;
  connect(): Promise<unknown>;
  destroy(): void;
}

function nodeRedis(name: string, library: NodeRedisModule): ClientLibrary {
  const open = async (client: NodeRedisClient): Promise<TestClient> => {
    // Without an 'error' listener, node-redis ends the process when Redis dies.
    client.on('error', () => {});
    await client.connect();
    return { client, close: () => destroyQuietly(client) };
  };
  return {
    name,
    connect: (where, raw = false) => {
      const typeMapping = { [library.RESP_TYPES.BLOB_STRING]: Buffer, [library.RESP_TYPES.NUMBER]: String };
      const address = 'url' in where ? { url: where.url } : { socket: { path: where.socketPath } };
      return open(library.createClient({ ...address, ...(raw ? { commandOptions: { typeMapping } } : {}) }));
    },
    connectCluster: (cluster) => open(library.createCluster({ rootNodes: cluster.nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })) })),
  };
}

function destroyQuietly(client: NodeRedisClient): void {
  try {
    client.destroy();
  } catch {
    // node-redis 5 throws when the client is closed already.
  }
}

interface IoredisClient {
  on(event: 'error', listener: (error: unknown) => void): unknown;
  ping(): Promise<unknown>;
  disconnect(): void;
}
interface IoredisClass {
  new (options: object): IoredisClient;
  new (url: string, options: object): IoredisClient;
  Cluster: new (nodes: ReadonlyArray<{ host: string; port: number }>) => IoredisClient;
}

function ioredis(name: string, Redis: IoredisClass): ClientLibrary {
  const open = async (client: IoredisClient): Promise<TestClient> => {
    client.on('error', () => {});
    await client.ping();
    return { client, close: () => client.disconnect() };
  };
  return {
    name,
    connect: (where, raw = false) => {
      const options = { stringNumbers: raw };
      return open('url' in where ? new Redis(where.url, options) : new Redis({ path: where.socketPath, ...options }));
    },
    connectCluster: (cluster) => open(new Redis.Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })))),
  };
}

const LIBRARIES: readonly ClientLibrary[] = [
  nodeRedis('node-redis 5', redis5 as unknown as NodeRedisModule),
  nodeRedis('node-redis 6', redis6 as unknown as NodeRedisModule),
  ioredis('ioredis 5', IORedis5 as unknown as IoredisClass),
  ioredis('ioredis 6', IORedis6 as unknown as IoredisClass),
];

/** A script of its own for each test, so that whether the server knows it depends on this test alone. */
const freshScript = (body: string) => new RedisScript(`-- ${randomUUID()}\n${body}`);

const WRITE_WITH_TIME = `
local now = redis.call('TIME')
redis.call('SET', KEYS[1], ARGV[1])
return { tonumber(now[1]), redis.call('GET', KEYS[1]) }`;

/** `INFO` fields as numbers: `calls` of `cmdstat_evalsha`, `count` of `errorstat_NOSCRIPT`. */
async function serverStats(server: RedisServer): Promise<{ evalsha: number; eval: number; noscript: number }> {
  const info = String(await server.command('INFO', 'all'));
  const read = (pattern: RegExp) => Number(pattern.exec(info)?.[1] ?? 0);
  return { evalsha: read(/cmdstat_evalsha:calls=(\d+)/), eval: read(/cmdstat_eval:calls=(\d+)/), noscript: read(/errorstat_NOSCRIPT:count=(\d+)/) };
}

/** The rejection of `promise`, and how long it took; fails if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error('Expected a rejection, got a value');
}

/** Publishes `message` until `received` says it came (pub/sub loses what is sent while a subscriber reconnects). */
async function publishUntilReceived(connection: RedisConnection, channel: string, message: string, received: () => boolean): Promise<void> {
  const until = Date.now() + PATIENT_MS;
  while (!received()) {
    if (Date.now() > until) throw new Error(`"${message}" on ${channel} was not received within ${PATIENT_MS} ms`);
    await connection.publish(channel, message).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until `done()` holds, checking each 10 ms, at most `ms`. */
async function eventually(done: () => boolean, ms = PATIENT_MS): Promise<void> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) throw new Error(`Condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describeWithRedis('connectRedis against a real redis-server', () => {
  let server: RedisServer;
  let cluster: RedisCluster;
  let guard: ProcessGuard;
  /** Everything a test opened, closed after it whatever happened. */
  const opened: Array<{ close(): unknown }> = [];
  const track = <T extends { close(): unknown }>(thing: T): T => {
    opened.push(thing);
    return thing;
  };

  beforeAll(async () => {
    guard = installProcessGuard();
    // The cluster takes 2 s to say it is ok, whatever is done: started beside the rest.
    [server, cluster] = await Promise.all([startRedis(), startRedisCluster(3)]);
  });

  afterEach(async () => {
    for (const thing of opened.splice(0).reverse()) await thing.close();
    await settleEventLoop();
    expect(guard.drain()).toEqual([]);
  });

  afterAll(async () => {
    await Promise.all([server?.stop(), cluster?.stop()]);
    guard?.uninstall();
  });

  describe.each(LIBRARIES)('with $name', (library) => {
    const connectTo = async (raw = false, timeoutMs = PATIENT_MS, onError?: (error: unknown) => void) => {
      const { client } = track(await library.connect({ socketPath: server.socketPath }, raw));
      return track(connectRedis({ client, timeoutMs, ...(onError === undefined ? {} : { onError }) }));
    };

    it('runs a script that reads TIME and writes a key, by EVALSHA once the server knows it', async () => {
      const redis = await connectTo();
      const script = freshScript(WRITE_WITH_TIME);
      const key = `k:${randomUUID()}`;

      const before = await serverStats(server);
      expect(await redis.eval(script, [key], ['first'])).toEqual([expect.any(Number), 'first']);
      const [seconds] = (await redis.eval(script, [key], [2])) as [number, string];
      const after = await serverStats(server);

      expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(5);
      expect(await server.command('GET', key)).toBe('2');
      // Unknown at first: EVALSHA, NOSCRIPT, EVAL; then known: EVALSHA alone.
      expect({ evalsha: after.evalsha - before.evalsha, eval: after.eval - before.eval, noscript: after.noscript - before.noscript }).toEqual({ evalsha: 2, eval: 1, noscript: 1 });
    });

    it('runs a script again with EVAL after SCRIPT FLUSH and after a restart, when the server answers NOSCRIPT', async () => {
      const redis = await connectTo();
      const script = freshScript(WRITE_WITH_TIME);
      await redis.eval(script, ['a'], ['loaded']);

      await server.command('SCRIPT', 'FLUSH');
      const flushed = await serverStats(server);
      expect(await redis.eval(script, ['a'], ['after flush'])).toEqual([expect.any(Number), 'after flush']);
      expect((await serverStats(server)).noscript - flushed.noscript).toBe(1);

      await server.restart();
      expect(await server.command('GET', 'a')).toBeNull();
      expect(await redis.eval(script, ['a'], ['after restart'])).toEqual([expect.any(Number), 'after restart']);
      expect(await server.command('GET', 'a')).toBe('after restart');
    });

    it('gives replies the same shape whatever the client is set to answer', async () => {
      const script = freshScript("return { 1, 'x', false, { 2, 'y', { 3 } }, 3.7, true, redis.call('GET', KEYS[1]) }");
      const plain = await connectTo();
      const raw = await connectTo(true);

      expect(await plain.eval(script, ['missing'], [])).toEqual([1, 'x', null, [2, 'y', [3]], 3, 1, null]);
      // ioredis `stringNumbers` / node-redis numbers typed as String: integers stay numeric strings; Buffers become text.
      expect(await raw.eval(script, ['missing'], [])).toEqual(['1', 'x', null, ['2', 'y', ['3']], '3', '1', null]);
      expect(await raw.eval(freshScript('return ARGV[1]'), [], ['héllo ✓'])).toBe('héllo ✓');
    });

    it('delivers published messages to each listener until it unsubscribes, then unsubscribes on the server', async () => {
      const redis = await connectTo();
      const channel = `ch:${randomUUID()}`;
      const marker = `${channel}:marker`;
      const first: string[] = [];
      const second: string[] = [];
      const markers: string[] = [];
      const onFirst = (message: string) => first.push(message);
      const leaveFirst = await redis.subscribe(channel, onFirst);
      const leaveSecond = await redis.subscribe(channel, (message) => second.push(message));
      const leaveAgain = await redis.subscribe(channel, onFirst); // the same function twice is two subscriptions
      await redis.subscribe(marker, (message) => markers.push(message));

      await redis.publish(channel, 'one ✓');
      await eventually(() => second.length === 1);
      expect({ first, second }).toEqual({ first: ['one ✓', 'one ✓'], second: ['one ✓'] });

      await leaveFirst();
      await leaveFirst(); // twice changes nothing
      await redis.publish(channel, 'two');
      await eventually(() => second.length === 2);
      expect(first).toEqual(['one ✓', 'one ✓', 'two']);

      await leaveSecond();
      await leaveAgain();
      expect(await server.command('PUBSUB', 'NUMSUB', channel)).toEqual([channel, 0]);
      await redis.publish(channel, 'three');
      await redis.publish(marker, 'after three');
      // Messages from one connection arrive in order: once the marker is in, 'three' would have been too.
      await eventually(() => markers.length === 1);
      expect({ first, second }).toEqual({ first: ['one ✓', 'one ✓', 'two'], second: ['one ✓', 'two'] });
    });

    it('hears its channels again after Redis restarts, as the client subscribes again by itself', async () => {
      const redis = await connectTo();
      const channel = `ch:${randomUUID()}`;
      const heard: string[] = [];
      await redis.subscribe(channel, (message) => heard.push(message));
      await redis.publish(channel, 'before');
      await eventually(() => heard.includes('before'));

      await server.restart();
      await publishUntilReceived(redis, channel, 'after', () => heard.includes('after'));
      expect(await server.command('PUBSUB', 'NUMSUB', channel)).toEqual([channel, 1]);
    });

    it('fails a call with a timeout TransportError when Redis hangs, and the late answer changes nothing', async () => {
      const redis = await connectTo(false, TIMEOUT_MS);
      const script = freshScript("redis.call('INCR', KEYS[1]) return 'late'");
      await redis.eval(script, ['hung'], []);
      server.pause();
      let failed: Array<{ error: unknown; ms: number }>;
      try {
        failed = await Promise.all([rejectionOf(redis.eval(script, ['hung'], [])), rejectionOf(redis.publish('ch', 'lost?'))]);
      } finally {
        server.resume();
      }

      for (const { error, ms } of failed) {
        expect(error).toBeInstanceOf(TransportError);
        expect(error).toMatchObject({ reason: 'timeout', code: 'TRANSPORT' });
        expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
        expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      }
      expect((failed[0]?.error as Error).message).toBe(`Redis did not answer EVALSHA within ${TIMEOUT_MS} ms`);
      expect((failed[1]?.error as Error).message).toBe(`Redis did not answer PUBLISH within ${TIMEOUT_MS} ms`);
      // Sent after the late EVALSHA on the same connection, so answered after it: the late answer has come by now.
      expect(await redis.eval(script, ['hung'], [], { timeoutMs: PATIENT_MS })).toBe('late');
      expect(await server.command('GET', 'hung')).toBe('3');
    });

    it('fails calls still waiting when it is closed, at once, leaving no timer', async () => {
      const redis = await connectTo(false, 60_000);
      const timersBefore = activeResources().Timeout ?? 0;
      server.pause();
      try {
        const waiting = rejectionOf(redis.eval(freshScript('return 1'), [], []));
        await redis.close();
        const { error, ms } = await waiting;
        expect(error).toMatchObject({ name: 'TransportError', reason: 'network', message: 'Redis connection was closed before EVALSHA was answered' });
        expect(ms).toBeLessThan(SLACK_MS);
        expect(activeResources().Timeout ?? 0).toBeLessThanOrEqual(timersBefore);
        await expect(redis.publish('ch', 'x')).rejects.toMatchObject({ name: 'TransportError', message: 'Redis connection is closed: PUBLISH was not sent' });
      } finally {
        server.resume();
      }
    });

    it('fails calls within the deadline with a TransportError when Redis is killed, without an uncaught error', async () => {
      const errors: unknown[] = [];
      const redis = await connectTo(false, TIMEOUT_MS, (error) => errors.push(error));
      const subscribed = await redis.subscribe(`ch:${randomUUID()}`, () => {});
      const fresh = await connectTo(false, TIMEOUT_MS);
      try {
        await server.kill();
        const failed = await Promise.all([
          rejectionOf(redis.eval(freshScript('return 1'), ['k'], [])),
          rejectionOf(redis.publish('ch', 'x')),
          rejectionOf(redis.subscribe(`ch:${randomUUID()}`, () => {})),
          // A subscriber connection that cannot connect at all.
          rejectionOf(fresh.subscribe(`ch:${randomUUID()}`, () => {})),
        ]);
        for (const { error, ms } of failed) {
          expect(error).toBeInstanceOf(TransportError);
          expect(['timeout', 'network']).toContain((error as TransportError).reason);
          expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
        }
        // The subscriber connection made here told of its loss, through onError rather than an uncaught 'error' event.
        await eventually(() => errors.length > 0);
        expect(errors[0]).toBeInstanceOf(TransportError);
        expect((errors[0] as Error).message).toMatch(/^Redis subscriber connection failed: /);
        // The listener is gone at once; Redis cannot confirm it, and the promise says so.
        await expect(subscribed()).rejects.toBeInstanceOf(TransportError);
      } finally {
        await server.restart();
      }
    });

    it('closes the subscriber connection it made and leaves no socket or timer, but not the client it was given', async () => {
      const { client } = track(await library.connect({ socketPath: server.socketPath }));
      const before = activeResources();
      const redis = connectRedis({ client, timeoutMs: PATIENT_MS });
      const heard: string[] = [];
      await redis.subscribe('closing', (message) => heard.push(message));
      await redis.eval(freshScript('return 1'), [], []);
      await publishUntilReceived(redis, 'closing', 'hello', () => heard.length > 0);
      expect(await server.command('PUBSUB', 'NUMSUB', 'closing')).toEqual(['closing', 1]);

      await redis.close();
      await redis.close();
      await eventually(() => Object.entries(activeResources()).every(([kind, count]) => count <= (before[kind] ?? 0)), 2_000);
      expect(await server.command('PUBSUB', 'NUMSUB', 'closing')).toEqual(['closing', 0]);
      // The client given is the caller's: still open, still working.
      expect(await track(connectRedis({ client, timeoutMs: PATIENT_MS })).eval(freshScript('return 2'), [], [])).toBe(2);
    });

    it('undoes its subscriptions on a subscriber it was given, and leaves that connection open', async () => {
      const { client } = track(await library.connect({ socketPath: server.socketPath }));
      const { client: subscriber } = track(await library.connect({ socketPath: server.socketPath }));
      const redis = connectRedis({ client, subscriber, timeoutMs: PATIENT_MS });
      const heard: string[] = [];
      await redis.subscribe('given', (message) => heard.push(message));
      await redis.publish('given', 'hi');
      await eventually(() => heard.length === 1);
      const clientsBefore = (String(await server.command('CLIENT', 'LIST')).match(/\n/g) ?? []).length;

      await redis.close();
      expect(await server.command('PUBSUB', 'NUMSUB', 'given')).toEqual(['given', 0]);
      expect((String(await server.command('CLIENT', 'LIST')).match(/\n/g) ?? []).length).toBe(clientsBefore);
    });

    it('runs scripts and pub/sub on a 3-master cluster, each key on its own node', async () => {
      const { client } = track(await library.connectCluster(cluster));
      const redis = track(connectRedis({ client, timeoutMs: PATIENT_MS }));
      const script = freshScript(WRITE_WITH_TIME);
      // One hash tag per node's range of slots ({a} → 15495, {b} → 3300, {c} → 7365).
      const keys = ['{a}:k', '{b}:k', '{c}:k'];
      await cluster.commandAll('SCRIPT', 'FLUSH');

      for (const key of keys) expect(await redis.eval(script, [key, `${key}:other`], [key])).toEqual([expect.any(Number), key]);
      const replies = await cluster.commandAll('EVAL', "return redis.call('DBSIZE')", '0');
      expect(replies.every((count) => count !== 0)).toBe(true);

      const heard: string[] = [];
      await redis.subscribe('cluster-channel', (message) => heard.push(message));
      await publishUntilReceived(redis, 'cluster-channel', 'to all nodes', () => heard.length > 0);
      expect(heard[0]).toBe('to all nodes');
    });
  });

  describe('with a password', () => {
    const PASSWORD = `pw-${randomUUID()}`;
    let secured: RedisServer;
    beforeAll(async () => {
      secured = await startRedis({ password: PASSWORD, tcp: true });
    });
    afterAll(async () => {
      await secured?.stop();
    });

    /** Every way an error can be shown: message, String, stack, JSON, and the same of its cause. */
    const views = (error: unknown): string => {
      const cause = (error as Error).cause as Error | undefined;
      return [String(error), (error as Error).stack, JSON.stringify(error), cause?.message, cause?.stack, JSON.stringify(cause)].join('\n');
    };

    it.each(LIBRARIES)('shows it in no error of $name', async (library) => {
      const url = secured.url as string;
      expect(url).toContain(PASSWORD);
      const errors: unknown[] = [];
      const { client } = track(await library.connect({ url }));
      const redis = track(connectRedis({ client, timeoutMs: TIMEOUT_MS, onError: (error) => errors.push(error) }));
      expect(await redis.eval(freshScript('return 1'), [], [])).toBe(1);
      await redis.subscribe('secured', () => {});

      // A script error that echoes a URL and a form field with the password in them.
      const echoed = await rejectionOf(redis.eval(freshScript("return redis.error_reply('bad ' .. ARGV[1])"), [], [`${url.replace('//:', '//admin:')}/0?password=${PASSWORD}`]));
      expect(echoed.error).toMatchObject({ name: 'TransportError', reason: 'network' });
      expect((echoed.error as Error).message).toMatch(/^Redis failed EVAL: bad redis:\/\/127\.0\.0\.1:\d+\/0\?password=\[redacted\]$/);
      errors.push(echoed.error);

      try {
        await secured.kill();
        for (const { error } of await Promise.all([rejectionOf(redis.eval(freshScript('return 2'), ['k'], [])), rejectionOf(redis.publish('secured', 'x'))])) errors.push(error);
        await eventually(() => errors.length > 3);
      } finally {
        await secured.restart();
      }
      expect(errors.length).toBeGreaterThan(3);
      for (const error of errors) expect(views(error)).not.toContain(PASSWORD);
    });
  });

  describe('arguments', () => {
    it('refuses anything but a client or cluster of node-redis or ioredis, saying what was expected and echoing nothing', () => {
      const secret = 'redis://:hunter2-secret@example.com:6379';
      const pools = [redis5, redis6].map((library) => (library as unknown as NodeRedisModule).createClientPool({ url: secret }));
      for (const client of [undefined, null, secret, 42, {}, { evalSha: () => {} }, [], ...pools]) {
        expect(() => connectRedis({ client, timeoutMs: 100 })).toThrow(TypeError);
        let message = '';
        try {
          connectRedis({ client, timeoutMs: 100 });
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message).toMatch(/^Expected `client` to be a node-redis client or cluster .* or an ioredis client or cluster .*, got /);
        expect(message).not.toContain('hunter2');
      }
      expect(() => connectRedis({ client: pools[0], timeoutMs: 100 })).toThrow(/got a node-redis client pool \(createClientPool\(\)\): pass a client or a cluster\.$/);
      expect(() => connectRedis({ client: secret, timeoutMs: 100 })).toThrow(/got a string of 40 characters\.$/);
    });

    it('refuses a deadline that is not a positive number of ms, and a bad subscriber or onError', async () => {
      const { client } = track(await LIBRARIES[2]!.connect({ socketPath: server.socketPath }));
      for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '500', undefined]) {
        expect(() => connectRedis({ client, timeoutMs: timeoutMs as number })).toThrow(/^Expected `timeoutMs` to be a positive finite number of ms, got /);
      }
      expect(() => connectRedis({ client, subscriber: {}, timeoutMs: 100 })).toThrow(/^Expected `subscriber` to be a node-redis client or cluster/);
      expect(() => connectRedis({ client, timeoutMs: 100, onError: 'log' as never })).toThrow(/^Expected `onError` to be a function/);
      const redis = track(connectRedis({ client, timeoutMs: 100 }));
      await expect(redis.eval({ source: 'return 1', sha: 'x' } as RedisScript, [], [])).rejects.toThrow(/^Expected `script` to be a RedisScript/);
      await expect(redis.eval(new RedisScript('return 1'), [1 as never], [])).rejects.toThrow(/^Expected `keys` to be an array of strings/);
      await expect(redis.eval(new RedisScript('return 1'), [], [Number.NaN])).rejects.toThrow(/^Expected `args` to be an array of strings and finite numbers/);
    });

    it('computes the digest SCRIPT LOAD gives', async () => {
      const script = new RedisScript("return 'héllo ✓'");
      expect(await server.command('SCRIPT', 'LOAD', script.source)).toBe(script.sha);
    });
  });
});
