// redisCoordination in one test process: several coordinations (as several
// processes would have, each its own owner) on a real redis-server, their
// sources polling the fake provider server over real HTTP. The spec of many
// real processes is scaling.spec.ts; this one is about what crosses Redis.
import crossFetch from 'cross-fetch';
import IORedis from 'ioredis';
import * as redis from 'redis';
import { lastValueFrom, take, toArray, type Subscription } from 'rxjs';
import { fixedInterval, postmanTasks, TaskNotFoundError, TransportError, withTimeout, type FetchLike, type TaskSource, type TaskState } from '../../src/index.js';
import type { PostmanTaskRef } from '../../src/index.js';
import { redisBudget, redisCoordination } from '../../src/redis/index.js';
import { startFakeProviderServer, type FakeProviderServer } from '../../src/testing/index.js';
import { collect } from '../providers/support.js';
import { installProcessGuard, settleEventLoop, type ProcessGuard } from '../reliability/processGuard.js';
import { describeWithRedis, startRedis, startRedisCluster, type RedisServer } from '../support/redisServer.js';
import { ROOMY_ACCOUNT } from '../support/roomyAccount.js';

type NodeRedis = ReturnType<typeof redis.createClient>;

describeWithRedis('redisCoordination on a real redis-server', () => {
  let server: RedisServer;
  let fake: FakeProviderServer;
  let clients: NodeRedis[] = [];
  let guard: ProcessGuard;
  let prefixes = 0;

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(async () => {
    // About coordination, not pacing: polls every 100 ms go past the real 300 a minute.
    fake = await startFakeProviderServer({ postman: { budget: ROOMY_ACCOUNT } });
    guard = installProcessGuard();
  });
  afterEach(async () => {
    await fake.close();
    for (const client of clients) client.destroy();
    clients = [];
    await settleEventLoop();
    const escaped = guard.drain();
    guard.uninstall();
    expect(escaped.map(String)).toEqual([]);
  });

  async function client(): Promise<NodeRedis> {
    const made = redis.createClient({ socket: { path: server.socketPath } } as Parameters<typeof redis.createClient>[0]);
    made.on('error', () => undefined);
    await made.connect();
    clients.push(made);
    return made;
  }

  /**
   * When each request started (by whichever "process"), as each source tells it (`events`): the time its
   * scheduler let it start, on the wall clock. Not the time the test's fetch saw it: on a busy machine the
   * process may be put aside for milliseconds between the two, which is no spacing of the library's.
   */
  let starts: number[] = [];
  let listening: Subscription[] = [];
  afterEach(() => {
    for (const subscription of listening) subscription.unsubscribe();
    listening = [];
  });

  /** `count` sources as `count` processes would have them: each its own client and coordination, one prefix. */
  async function processes(count: number, options: { leaseMs?: number; interval?: number; commandTimeout?: number } = {}): Promise<TaskSource<PostmanTaskRef>[]> {
    const prefix = `group-${prefixes++}`;
    starts = [];
    const sources: TaskSource<PostmanTaskRef>[] = [];
    for (let index = 0; index < count; index++) {
      sources.push(
        postmanTasks({
          apiKey: fake.credentials.postman.apiKey,
          baseUrl: fake.url,
          coordination: redisCoordination({ client: await client(), prefix, leaseMs: options.leaseMs ?? 900, ...(options.commandTimeout === undefined ? {} : { commandTimeout: options.commandTimeout }) }),
          interval: options.interval ?? 100,
          policy: fixedInterval(),
          jitter: 0,
          maxRequestsPerSecond: Infinity,
        }),
      );
    }
    for (const source of sources) listening.push(source.events.subscribe((event) => event.type === 'request' && starts.push(event.at)));
    return sources;
  }

  const merge = (id: string): PostmanTaskRef => ({ id, kind: 'collection-merge' });
  const statuses = (states: readonly TaskState[]) => states.map((state) => state.providerStatus);

  it('polls a task once for every process that watches it, and gives each the same states, in order', async () => {
    fake.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'm1', steps: [{ at: 0, status: 'in-progress' }, { at: 600, status: 'merging' }, { at: 1200, status: 'successful' }] });
    const [a, b, c] = await processes(3);
    const outcomes = await Promise.all([a, b, c].map((source) => collect((source as TaskSource<PostmanTaskRef>).watch(merge('m1')))));
    for (const outcome of outcomes) {
      expect(outcome.completed).toBe(true);
      expect(statuses(outcome.values)).toEqual(['in-progress', 'merging', 'successful']);
    }
    // One watcher alone, at 100 ms for 1.2 s, would send about 13 requests: three send about as many, not three times.
    expect(fake.log.count()).toBeLessThanOrEqual(18);
    // Every request of the task, whichever process sent it, starts an interval after the one before (a timer may
    // fire a millisecond early by the wall clock). Two leaders at once would start polls far closer.
    expect(starts).toHaveLength(fake.log.count());
    for (let index = 1; index < starts.length; index++) expect((starts[index] as number) - (starts[index - 1] as number)).toBeGreaterThanOrEqual(100 - 2);
  });

  it('gives a process that joins late the latest state at once, and a finished task without a request', async () => {
    fake.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'm2', steps: [{ at: 0, status: 'in-progress' }, { at: 500, status: 'successful' }] });
    const [a, b] = await processes(2, { interval: 2000 });
    const first = await lastValueFrom((a as TaskSource<PostmanTaskRef>).watch(merge('m2')).pipe(take(1)));
    expect(first.providerStatus).toBe('in-progress');
    const requests = fake.log.count();
    // b joins while a still watches (a's loop is idle until its next poll): b gets a's state, polls nothing.
    const keep = (a as TaskSource<PostmanTaskRef>).watch(merge('m2')).subscribe();
    const late = await lastValueFrom((b as TaskSource<PostmanTaskRef>).watch(merge('m2')).pipe(take(1)));
    expect(late).toEqual(first);
    expect(fake.log.count()).toBe(requests);
    keep.unsubscribe();
  });

  it('keeps a stalled bound of every process from running out on a long, unchanged task: the one polling hears its answers, the others its renewals', async () => {
    fake.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'm-long', steps: [{ at: 0, status: 'in-progress' }, { at: 1500, status: 'successful' }] });
    // Renewals every 100 ms (a third of the lease); 1.5 s unchanged is six stalled bounds.
    const [a, b] = await processes(2, { leaseMs: 300 });
    const outcomes = await Promise.all([a, b].map((source) => collect((source as TaskSource<PostmanTaskRef>).watch(merge('m-long')).pipe(withTimeout({ stalled: 250 })))));
    for (const outcome of outcomes) {
      expect(outcome.error).toBeUndefined();
      expect(statuses(outcome.values)).toEqual(['in-progress', 'successful']);
    }
  });

  it('hands a task over at once when its poller stops watching it, keeping the spacing', async () => {
    fake.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'm3', steps: [{ at: 0, status: 'in-progress' }, { at: 1500, status: 'successful' }] });
    const [a, b] = await processes(2, { interval: 300, leaseMs: 30_000 });
    const watchA = (a as TaskSource<PostmanTaskRef>).watch(merge('m3')).subscribe();
    const fromB = collect((b as TaskSource<PostmanTaskRef>).watch(merge('m3')));
    await new Promise((resolve) => setTimeout(resolve, 400));
    // Whichever polls, it stops watching: with a lease of 30 s, only a hand-over on leaving can finish b's watch in time.
    watchA.unsubscribe();
    const outcome = await fromB;
    expect(statuses(outcome.values)).toEqual(['in-progress', 'successful']);
    // Across the hand-over too: b's first poll waits for a's last plus the interval.
    expect(starts.length).toBeGreaterThanOrEqual(2);
    for (let index = 1; index < starts.length; index++) expect((starts[index] as number) - (starts[index - 1] as number)).toBeGreaterThanOrEqual(300 - 2);
  });

  it('ends every watcher with the same typed error where the task was polled', async () => {
    const [a, b] = await processes(2);
    const outcomes = await Promise.all([a, b].map((source) => collect((source as TaskSource<PostmanTaskRef>).watch(merge('nobody')))));
    for (const outcome of outcomes) {
      expect(outcome.error).toBeInstanceOf(TaskNotFoundError);
      expect(outcome.error).toMatchObject({ code: 'TASK_NOT_FOUND', provider: 'postman', taskId: 'nobody' });
    }
    expect(fake.log.count()).toBe(1);
  });

  it('carries states across Redis with their types, leaving a raw over 64 KiB out', async () => {
    const big = 'x'.repeat(70 * 1024);
    fake.tasks.create({ provider: 'postman', kind: 'api', apiId: 'a1', id: 'big', steps: [{ at: 0, status: 'pending' }, { at: 300, status: 'completed', result: [{ id: big }] }] });
    const [a, b] = await processes(2);
    const ref = { id: 'big', apiId: 'a1' };
    const [fromA, fromB] = await Promise.all([a, b].map((source) => lastValueFrom((source as TaskSource<PostmanTaskRef>).watch(ref).pipe(toArray()))));
    const polled = fromA?.[0]?.raw === undefined ? fromB : fromA;
    const heard = polled === fromA ? fromB : fromA;
    expect(heard?.map((state) => state.status)).toEqual(['pending', 'completed']);
    expect(heard?.[0]?.createdAt).toBeInstanceOf(Date);
    expect(heard?.[0]?.createdAt?.getTime()).toBe(polled?.[0]?.createdAt?.getTime());
    expect(heard?.[1]?.raw).toBeUndefined();
    expect(heard?.[1]?.result).toEqual(polled?.[1]?.result);
  });

  it('spreads the tasks between the processes that watch them', async () => {
    const ids = Array.from({ length: 60 }, (_, index) => `s${index}`);
    for (const id of ids) fake.tasks.create({ provider: 'postman', kind: 'collection-merge', id, steps: [{ at: 0, status: 'in-progress' }, { at: 2500, status: 'successful' }] });
    const prefix = `group-${prefixes++}`;
    const sent = [0, 0, 0];
    const sources = await Promise.all(
      sent.map(async (_, index) =>
        postmanTasks({
          apiKey: fake.credentials.postman.apiKey,
          baseUrl: fake.url,
          coordination: redisCoordination({ client: await client(), prefix, leaseMs: 600 }),
          interval: 500,
          policy: fixedInterval(),
          jitter: 0,
          maxRequestsPerSecond: Infinity,
          // Counts what this "process" sends, then sends it.
          fetch: (url, init) => {
            sent[index] = (sent[index] ?? 0) + 1;
            return (crossFetch as unknown as FetchLike)(url, init);
          },
        }),
      ),
    );
    await Promise.all(sources.flatMap((source) => ids.map((id) => lastValueFrom(source.watch(merge(id))))));
    const total = sent.reduce((sum, count) => sum + count, 0);
    // About a third each (a hash ranks the processes per task), less even when a loaded machine lets one process
    // answer late; none takes them all, none is left out.
    for (const count of sent) expect(count / total).toBeGreaterThan(0.05);
    expect(Math.max(...sent) / total).toBeLessThan(0.7);
    // Each task polled about every half second for 2.5 s by one process at a time: about 6 requests, not 18.
    expect(total / ids.length).toBeLessThan(9);
  });

  it('ends its watches with a TransportError naming Redis when Redis stays away, and never hangs', async () => {
    fake.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'gone', steps: [{ at: 0, status: 'in-progress' }] });
    const [a] = await processes(1, { leaseMs: 300, interval: 50, commandTimeout: 200 });
    const outcome = collect((a as TaskSource<PostmanTaskRef>).watch(merge('gone')));
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.pause();
    try {
      const ended = await outcome;
      expect(ended.error).toBeInstanceOf(TransportError);
      expect((ended.error as Error).message).toMatch(/^Redis could not be reached to coordinate postman task gone/);
    } finally {
      server.resume();
    }
  });

  it('runs on Redis Cluster (node-redis and ioredis clusters): every key of an account in one slot, one poll per task, one budget', async () => {
    const cluster = await startRedisCluster(3);
    const nodeRedis = redis.createCluster({ rootNodes: cluster.nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })) });
    nodeRedis.on('error', () => undefined);
    const io = new IORedis.Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })));
    try {
      await nodeRedis.connect();
      fake.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'c1', steps: [{ at: 0, status: 'in-progress' }, { at: 2000, status: 'successful' }] });
      const sources = [nodeRedis, io].map((made) =>
        postmanTasks({
          apiKey: fake.credentials.postman.apiKey,
          baseUrl: fake.url,
          budget: redisBudget({ client: made, key: 'cluster-account', maxRequestsPerSecond: 20 }),
          coordination: redisCoordination({ client: made, prefix: 'cluster-account', leaseMs: 900 }),
          interval: 100,
          policy: fixedInterval(),
          jitter: 0,
        }),
      );
      const outcomes = await Promise.all(sources.map((source) => collect(source.watch(merge('c1')))));
      for (const outcome of outcomes) expect(statuses(outcome.values)).toEqual(['in-progress', 'successful']);
      // A new budget waits a window first; then a poll every 100 ms until the end, by one of the two at a time.
      expect(fake.log.count()).toBeLessThanOrEqual(16);
      const keys = (await cluster.commandAll('KEYS', '*')).map((reply) => (Array.isArray(reply) ? reply.map(String) : []));
      // Every key of the account lives on one node: the one that owns the hash tag's slot.
      expect(keys.filter((list) => list.some((key) => key.startsWith('{cluster-account}')))).toHaveLength(1);
    } finally {
      nodeRedis.destroy();
      io.disconnect();
      await cluster.stop();
    }
  }, 30_000);

  it('lets go of its subscriber connection (and its timer) once nothing is watched', async () => {
    fake.tasks.create({ provider: 'postman', kind: 'collection-merge', id: 'q1', steps: [{ at: 0, status: 'successful' }] });
    const connections = async () => String(await server.command('CLIENT', 'LIST')).trim().split('\n').length;
    const [a] = await processes(1);
    const before = await connections();
    const timers = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    await lastValueFrom((a as TaskSource<PostmanTaskRef>).watch(merge('q1')));
    for (let turn = 0; turn < 100 && (await connections()) > before; turn++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await connections()).toBe(before);
    expect(process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length).toBeLessThanOrEqual(timers);
  });

  it('refuses bad options with a TypeError that says what was expected', async () => {
    const made = await client();
    expect(() => redisCoordination(undefined as never)).toThrow('Expected the options of redisCoordination ({ client, prefix, … }), got undefined.');
    expect(() => redisCoordination({ client: {}, prefix: 'p' })).toThrow(TypeError);
    expect(() => redisCoordination({ client: made, prefix: '' })).toThrow('Expected `prefix` to be a non-empty string, got an empty string.');
    expect(() => redisCoordination({ client: made, prefix: 'p', leaseMs: 10 })).toThrow('Expected `leaseMs` to be at least 300 ms (renewals go out every third of it), got 10.');
  });
});
