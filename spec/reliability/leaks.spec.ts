import { globalAgent } from 'node:http';
import type { Socket } from 'node:net';
import { lastValueFrom, takeUntil, tap, timer, toArray, type Observable, type Subscription } from 'rxjs';
import {
  fixedInterval,
  mobizonTasks,
  postmanTasks,
  streamTasks,
  TaskNotFoundError,
  TransportError,
  type FetchLike,
  type SourceOptions,
  type TaskSource,
  type TaskState,
} from '../../src/index.js';
import { acceleratedTime, startFakeProviderServer, type FakeProviderServer, type Fault, type ProviderName, type RequestLogEntry, type TaskSpec } from '../../src/testing/index.js';
import { defaultFetch } from '../../src/core/defaultFetch.js';
import { virtualTime } from '../support/virtualTime.js';
import { activeResources, cycleTransport, exposeGc, settledHeapUsed, trackNewResources, type CyclePath } from './leakSupport.js';
import { ROOMY_ACCOUNT } from '../support/roomyAccount.js';

const PATHS: readonly CyclePath[] = ['unsubscribe', 'error', 'completion'];
const PROVIDERS: readonly ProviderName[] = ['stream', 'mobizon', 'postman'];
/** Mobizon's floor is 1 s between two polls of a task: every provider polls each second here. */
const INTERVAL_MS = 1000;

let gc: () => void;
beforeAll(async () => {
  gc = await exposeGc();
});

/** No kind of active resource (timers, sockets, servers…) is more numerous than before; Jest's own may have gone. */
function expectNoMoreResources(after: Record<string, number>, before: Record<string, number>): void {
  const grown = Object.entries(after).filter(([kind, count]) => count > (before[kind] ?? 0));
  expect(Object.fromEntries(grown)).toEqual({});
}

function report(label: string, numbers: Record<string, unknown>): void {
  // Measured numbers, for the record (docs/reliability.md quotes a run, with the command).
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
    const sources: Record<ProviderName, TaskSource> = {
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
    const tracker = trackNewResources();
    const started = performance.now();
    let leftAlive: Record<string, number>;
    let heapAfter: number;
    let elapsedMs: number;
    try {
      for (const path of PATHS) for (let i = 0; i < CYCLES; i++) cycle(path, 1_000_000 + i);
      elapsedMs = Math.round(performance.now() - started);
      heapAfter = await settledHeapUsed(gc);
      leftAlive = tracker.alive(); // read once Node has reported the destructions of the last cycles
    } finally {
      tracker.stop();
    }
    const resourcesAfter = activeResources();

    report('virtual time', { cycles: ends, requests: wire.started(), elapsedMs, heapBefore, heapAfter, growthBytes: heapAfter - heapBefore, leftAlive, resourcesAfter });
    expect(ends).toEqual({ unsubscribe: CYCLES + 300, error: CYCLES + 300, completion: CYCLES + 300 });
    expect(time.tracked.liveTimers()).toBe(0);
    expect(wire.inFlight()).toBe(0);
    expect(leftAlive).toEqual({});
    expectNoMoreResources(resourcesAfter, resourcesBefore);
    expect(samples.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    // 30,000 cycles: a leak of even 40 bytes a cycle would show.
    expect(heapAfter - heapBefore).toBeLessThan(1024 * 1024);
  }, 120_000); // CPU-bound in virtual time: 10,000 cycles take tens of seconds when both cores are busy
});

/**
 * How a cycle over real HTTP ends: unsubscribed between polls, unsubscribed
 * while the server holds a request (the log must show the client hanging
 * up), a final error (the task not found), completion, or a request timeout
 * (the server never answers; no retry is allowed).
 */
type HttpPath = 'unsubscribe' | 'abort-in-flight' | 'error' | 'completion' | 'timeout';
const HTTP_PATHS: readonly HttpPath[] = ['unsubscribe', 'abort-in-flight', 'error', 'completion', 'timeout'];

/** Cycle `index` runs path `pathOfIndex(index)` on provider `index % 3`, with task id `idOf(index)`. */
const pathOfIndex = (index: number) => HTTP_PATHS[Math.floor(index / PROVIDERS.length) % HTTP_PATHS.length] as HttpPath;
const idOf = (index: number) => (index % PROVIDERS.length === 1 ? String(500_000 + index) : `cycle-${index}`);
const pathOf = (id: string) => pathOfIndex(id.startsWith('cycle-') ? Number(id.slice('cycle-'.length)) : Number(id) - 500_000);

/** What the server's log says of a run, in a few numbers: the log itself is let go before the heap is measured. */
interface HttpRunSummary {
  readonly requests: number;
  readonly unsettled: number;
  /** Cycles whose task the server heard of, per path. */
  readonly tasksSeen: Record<HttpPath, number>;
  /** The distinct numbers of requests a task of each path took, sorted. */
  readonly requestsPerTask: Record<HttpPath, number[]>;
  /** Requests the server held (a `hang`), in all. */
  readonly hung: number;
  /** Held requests the client hung up on (aborted, no status ever sent), per path. */
  readonly hungAbortedByClient: Record<HttpPath, number>;
}

/** Two summaries of successive parts of a run as one (no task is in both). */
function combine(a: HttpRunSummary, b: HttpRunSummary): HttpRunSummary {
  const add = (x: Record<HttpPath, number>, y: Record<HttpPath, number>) => Object.fromEntries(HTTP_PATHS.map((path) => [path, x[path] + y[path]])) as Record<HttpPath, number>;
  return {
    requests: a.requests + b.requests,
    unsettled: a.unsettled + b.unsettled,
    tasksSeen: add(a.tasksSeen, b.tasksSeen),
    requestsPerTask: Object.fromEntries(HTTP_PATHS.map((path) => [path, [...new Set([...a.requestsPerTask[path], ...b.requestsPerTask[path]])].sort((x, y) => x - y)])) as Record<HttpPath, number[]>,
    hung: a.hung + b.hung,
    hungAbortedByClient: add(a.hungAbortedByClient, b.hungAbortedByClient),
  };
}

function summarise(log: readonly RequestLogEntry[]): HttpRunSummary {
  const perTask = new Map<string, number>();
  for (const entry of log) if (entry.taskId !== undefined) perTask.set(entry.taskId, (perTask.get(entry.taskId) ?? 0) + 1);
  const byPath = <T>(make: () => T) => Object.fromEntries(HTTP_PATHS.map((path) => [path, make()])) as Record<HttpPath, T>;
  const tasksSeen = byPath(() => 0);
  const counts = byPath(() => new Set<number>());
  for (const [id, count] of perTask) {
    tasksSeen[pathOf(id)]++;
    counts[pathOf(id)].add(count);
  }
  const hung = log.filter((entry) => entry.fault === 'hang');
  const hungAbortedByClient = byPath(() => 0);
  for (const entry of hung) if (entry.aborted && entry.settled && entry.status === undefined && entry.taskId !== undefined) hungAbortedByClient[pathOf(entry.taskId)]++;
  return {
    requests: log.length,
    unsettled: log.filter((entry) => !entry.settled).length,
    tasksSeen,
    requestsPerTask: Object.fromEntries(HTTP_PATHS.map((path) => [path, [...counts[path]].sort((a, b) => a - b)])) as Record<HttpPath, number[]>,
    hung: hung.length,
    hungAbortedByClient,
  };
}

describe('10,000 cycles over real HTTP against the fake provider server', () => {
  // 10,000 by default: 20 to 25 s on a 2-core machine (see docs/reliability.md); LEAK_HTTP_CYCLES runs more or fewer.
  const CYCLES = Number(process.env.LEAK_HTTP_CYCLES ?? 10_000);
  const WARM_UP = 150;
  const CONCURRENCY = 50;
  const FACTOR = 50;
  /** Accelerated ms: 200 ms of wall time, far above a loopback answer (a few ms × 50 = 100–300 accelerated ms). */
  const TIMEOUT_MS = 10_000;
  let server: FakeProviderServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it(
    'leaves no socket, timer or request open on either side, aborts what it unsubscribes from, and the heap near its start',
    async () => {
      const time = acceleratedTime(FACTOR);
      // Strict Mobizon keeps a record per task: it must go with the task (the cycles remove theirs). About leaks, not
      // pacing: 14,000 requests go far past the real 300 a minute of Stream and Postman.
      const fake = await startFakeProviderServer({ clock: time.now, mobizon: { strict: true }, stream: { budget: ROOMY_ACCOUNT }, postman: { budget: ROOMY_ACCOUNT } });
      server = fake;
      // The default fetch in Node, which keeps idle connections in Node's global agent (keep-alive): see the end.
      const fetch: FetchLike = defaultFetch;
      const options: SourceOptions & { baseUrl: string } = {
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
      };
      const impatient: SourceOptions & { baseUrl: string } = { ...options, requestTimeout: TIMEOUT_MS, retry: { retries: 0 } };
      const { credentials } = fake;
      const sourcesWith = (o: SourceOptions & { baseUrl: string }): Record<ProviderName, (id: string) => Observable<TaskState>> => {
        const stream = streamTasks({ ...o, ...credentials.stream });
        const mobizon = mobizonTasks({ ...o, ...credentials.mobizon });
        const postman = postmanTasks({ ...o, ...credentials.postman });
        return { stream: (id) => stream.watch(id), mobizon: (id) => mobizon.watch(id), postman: (id) => postman.watch({ id, kind: 'collection-merge' }) };
      };
      const sources = sourcesWith(options);
      const impatientSources = sourcesWith(impatient);
      const ends: Record<string, number> = {};
      const samples: WeakRef<object>[] = [];
      const notFound = (provider: ProviderName): Fault =>
        provider === 'stream'
          ? { kind: 'stream-error', status: 404, code: 16, message: 'task not found' }
          : provider === 'mobizon'
            ? { kind: 'mobizon-error', code: 2 }
            : { kind: 'postman-error', status: 404, name: 'instanceNotFoundError', type: 'not-found', title: 'Task not found' };
      const script = (provider: ProviderName, id: string, completes: boolean): TaskSpec => {
        const end = 2.5 * INTERVAL_MS;
        if (provider === 'mobizon') return { provider, id, steps: [{ at: 0, status: 1, progress: 40 }, { at: end, status: completes ? 2 : 1, progress: completes ? 100 : 41 }] };
        if (provider === 'stream') return { provider, id, steps: [{ at: 0, status: 'running' }, { at: end, status: completes ? 'completed' : 'running' }] };
        return { provider, kind: 'collection-merge', id, steps: [{ at: 0, status: 'in-progress' }, { at: end, status: completes ? 'successful' : 'in-progress' }] };
      };
      const endingOf = (states: TaskState[] | undefined, error: unknown): string => {
        if (error instanceof TaskNotFoundError) return 'error';
        if (error instanceof TransportError && error.reason === 'timeout') return 'timeout';
        if (error !== undefined) return `unexpected ${String(error)}`;
        return states?.[states.length - 1]?.status === 'completed' ? 'completion' : 'unsubscribe';
      };

      const cycle = async (index: number): Promise<void> => {
        const provider = PROVIDERS[index % PROVIDERS.length] as ProviderName;
        const path = pathOfIndex(index);
        const id = idOf(index);
        fake.tasks.create(script(provider, id, path === 'completion'));
        // The server never answers the first request of a timeout cycle, nor the second of an abort cycle.
        if (path === 'timeout') fake.faults.add({ kind: 'hang', stage: 'before-headers' }, { taskId: id });
        let watch$: Observable<TaskState> = (path === 'timeout' ? impatientSources : sources)[provider](id);
        if (index % 50 === 0) samples.push(new WeakRef(watch$));
        let placed = false;
        const placeOnce = (fault: Fault) => () => {
          if (!placed) fake.faults.add(fault, { taskId: id });
          placed = true;
        };
        if (path === 'error') watch$ = watch$.pipe(tap({ next: placeOnce(notFound(provider)) }));
        if (path === 'abort-in-flight') watch$ = watch$.pipe(tap({ next: placeOnce({ kind: 'hang', stage: 'before-headers' }) }));
        if (path === 'unsubscribe') watch$ = watch$.pipe(takeUntil(timer(2.5 * INTERVAL_MS, time.scheduler)));
        let ending: string;
        if (path === 'abort-in-flight') {
          let subscription: Subscription | undefined;
          const outcome = new Promise<string>((resolve) => {
            subscription = watch$.subscribe({ error: (error: unknown) => resolve(endingOf(undefined, error)), complete: () => resolve('completion') });
          });
          // Event-driven: unsubscribe once the server holds the second request, not after a guessed delay.
          await Promise.race([fake.log.waitForRequests(2, { taskId: id }), outcome]);
          subscription?.unsubscribe();
          ending = await Promise.race([outcome, Promise.resolve('unsubscribe')]);
        } else {
          ending = await lastValueFrom(watch$.pipe(toArray())).then(
            (states) => endingOf(states, undefined),
            (error: unknown) => endingOf(undefined, error),
          );
        }
        ends[`${path}→${ending}`] = (ends[`${path}→${ending}`] ?? 0) + 1;
        fake.tasks.remove(id);
      };

      const resourcesBefore = activeResources();
      // CONCURRENCY cycles at a time, each worker taking the next as soon as its own ends (a timeout does not hold up the rest).
      const run = async (from: number, to: number) => {
        let next = from;
        const worker = async () => {
          while (next < to) await cycle(next++);
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      };
      await run(0, WARM_UP); // JIT, sockets' and parsers' first allocations
      await fake.log.waitForSettled(fake.log.count());
      const heapBefore = await settledHeapUsed(gc);
      const tracker = trackNewResources();
      const started = performance.now();
      let summary: HttpRunSummary;
      let connectionsHeld: number;
      let inUse: Socket[];
      let heapMid: number;
      let heapAfter: number;
      let leftAlive: Record<string, number>;
      let elapsedMs: number;
      // The log is summarised and cleared before each heap reading: it is the test's memory, not the library's.
      const summariseAndClear = async (): Promise<HttpRunSummary> => {
        await fake.log.waitForSettled(fake.log.count());
        const part = summarise(fake.log.entries());
        fake.log.clear();
        return part;
      };
      try {
        const half = WARM_UP + Math.floor(CYCLES / 2);
        await run(WARM_UP, half);
        const first = await summariseAndClear();
        heapMid = await settledHeapUsed(gc);
        await run(half, WARM_UP + CYCLES);
        elapsedMs = Math.round(performance.now() - started);
        summary = combine(first, await summariseAndClear());
        // Every connection still open is an idle one in the agent's pool, none held by a request; emptied, none is left.
        // (A socket destroyed by an abort leaves the agent's map on its 'close' event, a turn later: not in use.)
        // Only the fake server's: the agent is the process's, and other files of this worker may have used it.
        const port = Number(new URL(fake.url).port);
        inUse = sockets(globalAgent.sockets).filter((socket) => !socket.destroyed && socket.remotePort === port);
        const pooled = sockets(globalAgent.freeSockets).filter((socket) => socket.remotePort === port);
        connectionsHeld = fake.openConnections() - pooled.length;
        await Promise.all(pooled.map((socket) => new Promise((resolve) => socket.destroy().once('close', resolve))));
        heapAfter = await settledHeapUsed(gc);
        leftAlive = tracker.alive(); // read once Node has reported the destructions of the last cycles
      } finally {
        tracker.stop();
      }
      const resourcesAfter = activeResources();
      const perPath = Math.floor((WARM_UP + CYCLES) / (PROVIDERS.length * HTTP_PATHS.length));

      report('real HTTP', {
        cycles: ends,
        ...summary,
        elapsedMs,
        heapBefore,
        heapMid,
        heapAfter,
        growthBytes: heapAfter - heapBefore,
        secondHalfGrowthBytes: heapAfter - heapMid,
        connectionsHeld,
        leftAlive,
        resourcesAfter,
      });
      expect(Object.values(ends).reduce((a, b) => a + b, 0)).toBe(WARM_UP + CYCLES);
      expect(Object.keys(ends).sort()).toEqual(['abort-in-flight→unsubscribe', 'completion→completion', 'error→error', 'timeout→timeout', 'unsubscribe→unsubscribe']);
      for (const count of Object.values(ends)) expect(count).toBeGreaterThanOrEqual(perPath * PROVIDERS.length);
      // Unsubscribed mid-request: the server held each cycle's second request, and saw the client hang up on it.
      expect(summary.tasksSeen['abort-in-flight']).toBe(ends['abort-in-flight→unsubscribe']);
      expect(summary.requestsPerTask['abort-in-flight']).toEqual([2]);
      expect(summary.hungAbortedByClient['abort-in-flight']).toBe(ends['abort-in-flight→unsubscribe']);
      // Timed out: every request the server saw hang was let go by the client (on a very busy machine a timeout may
      // fire before its request reached the server at all: then there is nothing to see), and none was retried.
      expect(summary.hungAbortedByClient.timeout).toBe(summary.tasksSeen.timeout);
      expect(summary.requestsPerTask.timeout).toEqual([1]);
      expect(summary.tasksSeen.timeout).toBeGreaterThan(0.9 * (ends['timeout→timeout'] ?? 0));
      expect(summary.hung).toBe(summary.hungAbortedByClient['abort-in-flight'] + summary.hungAbortedByClient.timeout);
      // The other endings: exactly two requests before "not found", two at least before completion.
      expect(summary.tasksSeen.error).toBe(ends['error→error']);
      expect(summary.requestsPerTask.error).toEqual([2]);
      expect(summary.tasksSeen.completion).toBe(ends['completion→completion']);
      expect(samples.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
      expect(summary.unsettled).toBe(0);
      expect(inUse).toEqual([]);
      expect(connectionsHeld).toBe(0);
      expect(leftAlive).toEqual({});
      expectNoMoreResources(resourcesAfter, resourcesBefore);
      // The heap grows by a step that does not depend on the number of cycles (about 2 MB, measured with 2,000 and
      // with 20,000 cycles: code the JIT compiles as functions get hot, the HTTP stack's pools) and by nothing per
      // cycle. So the second half of the run, after the step, is what a leak would show in: 5,000 cycles there, and a
      // leak of 200 bytes a cycle would break the bound. The whole run gets a looser bound.
      expect(heapAfter - heapMid).toBeLessThan(Math.max(1024 * 1024, 200 * (CYCLES / 2)));
      expect(heapAfter - heapBefore).toBeLessThan(4 * 1024 * 1024 + 200 * CYCLES);
    },
    180_000,
  );
});

/** The sockets of one of an agent's maps (by host), in one list. */
function sockets(byHost: NodeJS.ReadOnlyDict<Socket[]>): Socket[] {
  return Object.values(byHost).flatMap((list) => list ?? []);
}
