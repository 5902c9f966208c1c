// redisBudget against a real redis-server: its scripts alone (a property test
// over random arrivals of several clients: never more than N starts in any
// window of the Redis clock), and the budget as a source uses it (shared
// places, pauses, a dead process's places expiring, a restart that loses the
// keys and the script cache, Redis gone).
import fc from 'fast-check';
import IORedis from 'ioredis';
import * as redis from 'redis';
import { TransportError } from '../../src/core/errors/index.js';
import { redisBudget } from '../../src/redis/index.js';
import { RELEASE, TAKE } from '../../src/redis/redisBudget.js';
import { connectRedis, type RedisConnection } from '../../src/redis/redisConnection.js';
import { lastValueFrom } from 'rxjs';
import { postmanTasks } from '../../src/index.js';
import { maxInAnyWindow, startFakeProviderServer } from '../../src/testing/index.js';
import { installProcessGuard, settleEventLoop, type ProcessGuard } from '../reliability/processGuard.js';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redisServer.js';

type NodeRedis = ReturnType<typeof redis.createClient>;

async function nodeRedisClient(server: RedisServer): Promise<NodeRedis> {
  const client = redis.createClient({ socket: { path: server.socketPath } } as Parameters<typeof redis.createClient>[0]);
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A budget Redis has known for a while (a new one first waits a window: it cannot know what started before;
 * the test of that is apart), so that its places are free at once.
 */
async function known(server: RedisServer, key: string): Promise<void> {
  await server.command('SET', `{${key}}:known`, '1');
}

describeWithRedis('redisBudget on a real redis-server', () => {
  let server: RedisServer;
  let clients: NodeRedis[] = [];
  let guard: ProcessGuard;
  const client = async () => {
    const made = await nodeRedisClient(server);
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(() => {
    guard = installProcessGuard();
  });
  afterEach(async () => {
    for (const made of clients) made.destroy();
    clients = [];
    await settleEventLoop();
    const escaped = guard.drain();
    guard.uninstall();
    expect(escaped.map(String)).toEqual([]);
  });

  describe('its scripts alone', () => {
    /**
     * One client's life: a pause, then requests of some length, each asked for until granted. The window is
     * an argument of the script: a fifth of a second here, so that a run lasts about one.
     */
    const WINDOW_MS = 200;
    const clientPlan = fc.array(fc.record({ pauseMs: fc.integer({ min: 0, max: 20 }), holdMs: fc.integer({ min: 0, max: 40 }) }), { minLength: 1, maxLength: 6 });

    it('never grants more than the limit in any window of the Redis clock, whatever the clients and their timing', async () => {
      const connections: RedisConnection[] = [];
      for (let index = 0; index < 4; index++) connections.push(connectRedis({ client: await client(), timeoutMs: 5000 }));
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(clientPlan, { minLength: 1, maxLength: 4 }), async (limit, plans) => {
          const key = `{prop-${run++}}`;
          const granted: number[] = [];
          await Promise.all(
            plans.map(async (plan, index) => {
              const connection = connections[index] as RedisConnection;
              for (const [step, { pauseMs, holdMs }] of plan.entries()) {
                await sleep(pauseMs);
                const permit = `c${index}-${step}`;
                for (;;) {
                  const [ok, waitMs, now] = (await connection.eval(TAKE, [`${key}:places`, `${key}:paused`, `${key}:known`], [limit, WINDOW_MS, 5000, permit])) as number[];
                  if (Number(ok) === 1) {
                    granted.push(Number(now));
                    break;
                  }
                  await sleep(Math.min(Number(waitMs), WINDOW_MS));
                }
                await sleep(holdMs);
                await connection.eval(RELEASE, [`${key}:places`], [WINDOW_MS, permit]);
              }
            }),
          );
          expect(granted).toHaveLength(plans.flat().length);
          // Every window, wherever it falls, holds at most `limit` grants.
          expect(maxInAnyWindow(granted, WINDOW_MS)).toBeLessThanOrEqual(limit);
        }),
        { numRuns: 8, seed: Number(process.env.FC_SEED ?? 4242) },
      );
      for (const connection of connections) await connection.close();
    }, 60_000);

    it('counts a take sent twice (a client re-sends what was in flight when it reconnects) once', async () => {
      const connection = connectRedis({ client: await client(), timeoutMs: 5000 });
      const keys = ['{twice}:places', '{twice}:paused', '{twice}:known'];
      await server.command('SET', '{twice}:known', '1');
      const first = (await connection.eval(TAKE, keys, [1, 1050, 5000, 'p1'])) as number[];
      const again = (await connection.eval(TAKE, keys, [1, 1050, 5000, 'p1'])) as number[];
      const other = (await connection.eval(TAKE, keys, [1, 1050, 5000, 'p2'])) as number[];
      expect([first[0], again[0], other[0]].map(Number)).toEqual([1, 1, 0]);
      await connection.close();
    });
  });

  describe('as a source uses it', () => {
    it('shares its places between budgets of one key, across clients of both libraries', async () => {
      const io = new IORedis({ path: server.socketPath });
      try {
        const a = redisBudget({ client: await client(), key: 'shared-1', maxRequestsPerSecond: 3 });
        const b = redisBudget({ client: io, key: 'shared-1', maxRequestsPerSecond: 3 });
        await known(server, 'shared-1');
        const answers = [await a.take(1000), await b.take(1000), await a.take(1000), await b.take(1000)];
        expect(answers.map((answer) => answer.permit !== undefined)).toEqual([true, true, true, false]);
        const wait = answers[3]?.waitMs ?? 0;
        // All three in flight: the first frees no sooner than a window after its answer.
        expect(wait).toBeGreaterThan(0);
        expect(wait).toBeLessThanOrEqual(1050);
      } finally {
        io.disconnect();
      }
    });

    it('frees a place a window after the answer, and at once when the request was never sent', async () => {
      const budget = redisBudget({ client: await client(), key: 'release-1', maxRequestsPerSecond: 1 });
      await known(server, 'release-1');
      const first = await budget.take(1000);
      budget.cancel(first.permit);
      await sleep(50);
      const second = await budget.take(1000);
      expect(second.permit).toBeDefined();
      budget.release(second.permit);
      await sleep(50);
      const third = await budget.take(1000);
      expect(third.waitMs).toBeGreaterThan(800);
    });

    it('waits one window before its first place when Redis does not know it (new, or lost in a restart): a request started before the loss may still count at the provider', async () => {
      const budget = redisBudget({ client: await client(), key: 'fresh-1', maxRequestsPerSecond: 5 });
      const first = await budget.take(1000);
      expect(first.permit).toBeUndefined();
      expect(first.waitMs).toBeGreaterThan(900);
      await sleep(first.waitMs ?? 0);
      expect((await budget.take(1000)).permit).toBeDefined();
      await server.restart();
      let lost: Awaited<ReturnType<typeof budget.take>> | undefined;
      for (let attempt = 0; attempt < 50 && lost === undefined; attempt++) {
        lost = await Promise.resolve(budget.take(1000)).catch(() => undefined);
        if (lost === undefined) await sleep(100);
      }
      expect(lost?.waitMs).toBeGreaterThan(900);
    });

    it('pauses every budget of the key, for as long as the longest pause asked', async () => {
      const a = redisBudget({ client: await client(), key: 'pause-1', maxRequestsPerSecond: 100 });
      const b = redisBudget({ client: await client(), key: 'pause-1', maxRequestsPerSecond: 100 });
      await known(server, 'pause-1');
      a.pause(2000);
      b.pause(500);
      await sleep(50);
      const answer = await b.take(1000);
      expect(answer.permit).toBeUndefined();
      expect(answer.waitMs).toBeGreaterThan(1700);
    });

    it('lets the place of a request that never answered (its process died) go once its time-out and a window have passed', async () => {
      const dead = redisBudget({ client: await client(), key: 'dead-1', maxRequestsPerSecond: 1 });
      await known(server, 'dead-1');
      expect((await dead.take(300)).permit).toBeDefined();
      const alive = redisBudget({ client: await client(), key: 'dead-1', maxRequestsPerSecond: 1 });
      expect((await alive.take(300)).permit).toBeUndefined();
      await sleep(300 + 1050 + 50);
      expect((await alive.take(300)).permit).toBeDefined();
    });

    it('goes on after Redis restarts (keys and script cache lost), loading its scripts again', async () => {
      const budget = redisBudget({ client: await client(), key: 'restart-1', maxRequestsPerSecond: 5 });
      await known(server, 'restart-1');
      expect((await budget.take(1000)).permit).toBeDefined();
      await server.restart();
      // Failures while the client reconnects, a window's pause (the places were lost), then places again.
      let granted = false;
      for (let attempt = 0; attempt < 60 && !granted; attempt++) {
        const answer = await Promise.resolve(budget.take(1000)).catch(() => undefined);
        granted = answer?.permit !== undefined;
        if (!granted) await sleep(Math.min(answer?.waitMs ?? 100, 200));
      }
      expect(granted).toBe(true);
    });

    it('fails a take with a TransportError naming Redis, within the time-out, when Redis does not answer', async () => {
      const budget = redisBudget({ client: await client(), key: 'hung-1', maxRequestsPerSecond: 5 });
      server.pause();
      try {
        const started = Date.now();
        const failure = await Promise.resolve(budget.take(300)).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(failure).toBeInstanceOf(TransportError);
        expect((failure as Error).message).toMatch(/^Redis /);
        expect(Date.now() - started).toBeLessThan(300 + 1000);
      } finally {
        server.resume();
      }
    });

    it('ends a watch whose budget Redis does not answer with a TransportError naming Redis, after its retries, having sent the provider nothing; and serves again once Redis is back', async () => {
      const fake = await startFakeProviderServer();
      const budget = redisBudget({ client: await client(), key: 'down-1', maxRequestsPerSecond: 5 });
      await known(server, 'down-1');
      const source = postmanTasks({ apiKey: fake.credentials.postman.apiKey, baseUrl: fake.url, budget, requestTimeout: 300, retry: { retries: 1, minDelay: 50 } });
      const task = fake.tasks.create({ provider: 'postman', kind: 'collection-merge', duration: 0 });
      try {
        server.pause();
        const failure = await lastValueFrom(source.watch({ id: task.id, kind: 'collection-merge' })).then(
          () => undefined,
          (error: unknown) => error,
        );
        server.resume();
        expect(failure).toBeInstanceOf(TransportError);
        expect((failure as TransportError).message).toMatch(/Redis/);
        expect((failure as TransportError).message).not.toContain(fake.credentials.postman.apiKey);
        expect(fake.log.count()).toBe(0);

        const last = await lastValueFrom(source.watch({ id: task.id, kind: 'collection-merge' }));
        expect(last.status).toBe('completed');
        expect(fake.log.count()).toBe(1);
      } finally {
        server.resume();
        await fake.close();
      }
    });

    it('refuses bad options with a TypeError that says what was expected', () => {
      expect(() => redisBudget({ client: {}, key: 'k', maxRequestsPerSecond: 1 })).toThrow(TypeError);
      expect(() => redisBudget({ client: null, key: 'k', maxRequestsPerSecond: 1 })).toThrow(TypeError);
      expect(() => redisBudget(undefined as never)).toThrow('Expected the options of redisBudget ({ client, key, maxRequestsPerSecond }), got undefined.');
      const io = new IORedis({ path: '/nonexistent', lazyConnect: true });
      expect(() => redisBudget({ client: io, key: '', maxRequestsPerSecond: 1 })).toThrow('Expected `key` to be a non-empty string, got an empty string.');
      expect(() => redisBudget({ client: io, key: 'k', maxRequestsPerSecond: 0 })).toThrow('Expected `maxRequestsPerSecond` to be a positive finite number, got 0.');
      expect(() => redisBudget({ client: io, key: 'k', maxRequestsPerSecond: -1 })).toThrow(TypeError);
      io.disconnect();
    });
  });
});
