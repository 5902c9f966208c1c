import crossFetch from 'cross-fetch';
import { Agent } from 'node:http';
import { lastValueFrom, takeUntil, tap, timer, toArray, type Observable } from 'rxjs';
import {
  fixedInterval,
  mobizonTasks,
  postmanTasks,
  streamTasks,
  type FetchLike,
  type SourceOptions,
  type TaskSource,
  type TaskState,
} from '../../src/index.js';
import { acceleratedTime, startFakeProviderServer, type FakeProviderServer, type ProviderName } from '../../src/testing/index.js';
import { virtualTime } from '../support/virtualTime.js';
import { activeResources, cycleTransport, exposeGc, settledHeapUsed, type CyclePath } from './leakSupport.js';

const PATHS: readonly CyclePath[] = ['unsubscribe', 'error', 'completion'];
const PROVIDERS: readonly ProviderName[] = ['stream', 'mobizon', 'postman'];
/** Mobizon's floor is 1 s between two polls of a task: every provider polls each second here. */
const INTERVAL_MS = 1000;
const gc = exposeGc();

/** No kind of active resource (timers, sockets, servers…) is more numerous than before; Jest's own may have gone. */
function expectNoMoreResources(after: Record<string, number>, before: Record<string, number>): void {
  const grown = Object.entries(after).filter(([kind, count]) => count > (before[kind] ?? 0));
  expect(Object.fromEntries(grown)).toEqual({});
}

function report(label: string, numbers: Record<string, unknown>): void {
  // Measured numbers, for the record (docs/reliability.md quotes a run).
  process.stdout.write(`[leaks] ${label}: ${JSON.stringify(numbers)}\n`);
}

describe('10,000 cycles of watch → a few polls → end, per path, in virtual time', () => {
  const CYCLES = 10_000;

  it('leaves no timer, no request in flight, nothing reachable, and the heap where it started', async () => {
    const time = virtualTime();
    const wire = cycleTransport(time.tracked, 5);
    const options: SourceOptions = {
      scheduler: time.tracked,
      transport: wire.transport,
      interval: INTERVAL_MS,
      policy: fixedInterval(),
      jitter: 0,
      maxRequestsPerSecond: Number.POSITIVE_INFINITY,
      maxConcurrentRequests: Number.POSITIVE_INFINITY,
    };
    const sources: Record<ProviderName, TaskSource<string>> = {
      stream: streamTasks({ ...options, apiKey: 'cycle-key', token: 'cycle-token', baseUrl: 'https://stream.example' }),
      mobizon: mobizonTasks({ ...options, apiKey: 'cycle-key', baseUrl: 'https://mobizon.example' }),
      postman: postmanTasks({ ...options, apiKey: 'cycle-key', baseUrl: 'https://postman.example' }),
    };
    const ends: Record<CyclePath, number> = { unsubscribe: 0, error: 0, completion: 0 };
    const samples: WeakRef<object>[] = [];

    const cycle = (path: CyclePath, index: number) => {
      const provider = PROVIDERS[index % PROVIDERS.length] as ProviderName;
      const id = `${path}-${index}`;
      wire.script(id, path);
      let states = 0;
      let ended = false;
      const watch$ = sources[provider].watch(id);
      const subscription = watch$.subscribe({
        next: () => void states++,
        error: () => void (ended = true),
        complete: () => void (ended = true),
      });
      time.advanceBy(2 * INTERVAL_MS + 200); // three polls: at 0, ~1050 and ~2100 ms
      subscription.unsubscribe();
      wire.forget(id);
      if (path !== 'unsubscribe' && !ended) throw new Error(`cycle ${id} on ${provider} did not end by ${path}`);
      if (states === 0) throw new Error(`cycle ${id} on ${provider} saw no state`);
      if (index % 500 === 0) samples.push(new WeakRef(watch$), new WeakRef(subscription));
      ends[path]++;
    };

    // Warm-up: the first cycles fill caches (JIT, io-ts, the scheduler's own arrays) that are not leaks.
    for (const path of PATHS) for (let i = 0; i < 300; i++) cycle(path, i);
    const resourcesBefore = activeResources();
    const heapBefore = await settledHeapUsed(gc);
    const started = performance.now();
    for (const path of PATHS) for (let i = 0; i < CYCLES; i++) cycle(path, 1_000_000 + i);
    const elapsedMs = Math.round(performance.now() - started);
    const heapAfter = await settledHeapUsed(gc);
    const resourcesAfter = activeResources();

    report('virtual time', { cycles: ends, requests: wire.started(), elapsedMs, heapBefore, heapAfter, growthBytes: heapAfter - heapBefore, resourcesBefore, resourcesAfter });
    expect(ends).toEqual({ unsubscribe: CYCLES + 300, error: CYCLES + 300, completion: CYCLES + 300 });
    expect(time.tracked.liveTimers()).toBe(0);
    expect(wire.inFlight()).toBe(0);
    expectNoMoreResources(resourcesAfter, resourcesBefore);
    expect(samples.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    // 30,000 cycles: a leak of even 40 bytes a cycle would show.
    expect(heapAfter - heapBefore).toBeLessThan(1024 * 1024);
  });
});

describe('1,000 cycles over real HTTP against the fake provider server', () => {
  const CYCLES = Number(process.env.LEAK_HTTP_CYCLES ?? 1_000);
  const BATCH = 25;
  const FACTOR = 50;
  let server: FakeProviderServer | undefined;
  // Without keep-alive, every socket still open at the end is one a request of the library holds.
  const agent = new Agent({ keepAlive: false });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  afterAll(() => agent.destroy());

  it('leaves no socket, timer or request open on either side, and the heap near its start', async () => {
    const time = acceleratedTime(FACTOR);
    const fake = await startFakeProviderServer({ clock: time.now });
    server = fake;
    const fetch: FetchLike = (url, init) => (crossFetch as unknown as (u: string, i: object) => ReturnType<FetchLike>)(url, { ...init, agent });
    const options: SourceOptions = {
      scheduler: time.scheduler,
      fetch,
      baseUrl: fake.url,
      interval: INTERVAL_MS,
      policy: fixedInterval(),
      jitter: 0,
      maxRequestsPerSecond: Number.POSITIVE_INFINITY,
      maxConcurrentRequests: Number.POSITIVE_INFINITY,
      // A slow machine must not turn a completion into an error: requests time out only after 10 minutes (accelerated).
      requestTimeout: 600_000,
      retry: { retries: 3, minDelay: 10, maxDelay: 50 },
    } as SourceOptions;
    const { credentials } = fake;
    const sources: Record<ProviderName, TaskSource<string>> = {
      stream: streamTasks({ ...options, ...credentials.stream }),
      mobizon: mobizonTasks({ ...options, ...credentials.mobizon }),
      postman: postmanTasks({ ...options, ...credentials.postman }),
    };
    const ends: Record<string, number> = {};
    const samples: WeakRef<object>[] = [];
    const notFound = (provider: ProviderName) =>
      provider === 'stream'
        ? ({ kind: 'stream-error', status: 404, code: 16, message: 'task not found' } as const)
        : provider === 'mobizon'
          ? ({ kind: 'mobizon-error', code: 2 } as const)
          : ({ kind: 'postman-error', status: 404, name: 'instanceNotFoundError', type: 'not-found', title: 'Task not found' } as const);

    const cycle = async (index: number): Promise<void> => {
      const provider = PROVIDERS[index % PROVIDERS.length] as ProviderName;
      const path = PATHS[Math.floor(index / PROVIDERS.length) % PATHS.length] as CyclePath;
      const id = provider === 'mobizon' ? String(500_000 + index) : `cycle-${index}`;
      const steps =
        provider === 'mobizon'
          ? [{ at: 0, status: 1, progress: 40 }, { at: 2.5 * INTERVAL_MS, status: path === 'completion' ? 2 : 1, progress: 100 }]
          : [{ at: 0, status: 'running' }, { at: 2.5 * INTERVAL_MS, status: path === 'completion' ? 'completed' : 'running' }];
      fake.tasks.create(provider === 'postman' ? { provider, id, steps: steps.map((s) => ({ ...s, status: s.status === 'completed' ? 'successful' : 'in-progress' })) } : ({ provider, id, steps } as never));
      let watch$: Observable<TaskState> = sources[provider].watch(id);
      if (index % 50 === 0) samples.push(new WeakRef(watch$));
      if (path === 'error') watch$ = watch$.pipe(tap({ next: () => void fake.faults.add(notFound(provider), { taskId: id }) }));
      if (path === 'unsubscribe') watch$ = watch$.pipe(takeUntil(timer(2.5 * INTERVAL_MS, time.scheduler)));
      const ending = await lastValueFrom(watch$.pipe(toArray())).then(
        (states) => (states.length > 0 && states[states.length - 1]?.status === 'completed' ? 'completion' : 'unsubscribe'),
        () => 'error',
      );
      ends[`${path}→${ending}`] = (ends[`${path}→${ending}`] ?? 0) + 1;
      fake.tasks.remove(id);
    };

    const resourcesBefore = activeResources();
    const run = async (from: number, to: number) => {
      for (let start = from; start < to; start += BATCH) await Promise.all(Array.from({ length: Math.min(BATCH, to - start) }, (_, k) => cycle(start + k)));
    };
    await run(0, 60); // warm-up: JIT, sockets' and parsers' first allocations
    await fake.log.waitForSettled(fake.log.count());
    const heapBefore = await settledHeapUsed(gc);
    const started = performance.now();
    await run(60, 60 + CYCLES);
    const elapsedMs = Math.round(performance.now() - started);
    await fake.log.waitForSettled(fake.log.count());
    const requests = fake.log.count();
    const unsettled = fake.log.entries().filter((entry) => !entry.settled).length;
    const serverSockets = fake.openConnections();
    // The fake server's request log is the test's memory, not the library's.
    fake.log.clear();
    const heapAfter = await settledHeapUsed(gc);
    const resourcesAfter = activeResources();

    report('real HTTP', { cycles: ends, requests, elapsedMs, heapBefore, heapAfter, growthBytes: heapAfter - heapBefore, serverSockets, resourcesBefore, resourcesAfter });
    expect(Object.values(ends).reduce((a, b) => a + b, 0)).toBe(60 + CYCLES);
    expect(Object.keys(ends).sort()).toEqual(['completion→completion', 'error→error', 'unsubscribe→unsubscribe']);
    expect(requests).toBeGreaterThan(60 + CYCLES);
    expect(samples.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    expect(unsettled).toBe(0);
    expect(serverSockets).toBe(0);
    expectNoMoreResources(resourcesAfter, resourcesBefore);
    expect(heapAfter - heapBefore).toBeLessThan(2 * 1024 * 1024);
  });
});
