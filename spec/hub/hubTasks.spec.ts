// hubTasks over a real task hub (node:http on 127.0.0.1) in front of the fake providers: one poll loop per task
// however many pages, every state once and in order through drops, restarts and pauses, the direct source's
// errors, and nothing left open. No fetch mock: the global fetch, or the global fetch with a tap that keeps
// the events a page read (what its own dedup of an unchanged state would hide).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastValueFrom, Subject, toArray } from 'rxjs';
import {
  AuthenticationError,
  combineTasks,
  hubTasks,
  ProviderError,
  streamTasks,
  TaskError,
  TaskNotFoundError,
  TaskTimeoutError,
  toAsyncIterable,
  TransportError,
  untilTerminal,
  waitForTask,
  withTimeout,
  type HubTasksOptions,
  type SourceOptions,
  type TaskSource,
  type TaskSourceEvent,
  type TaskState,
} from '../../src/index.js';
import type { FakeTask, StreamTaskSpec } from '../../src/testing/index.js';
import { installProcessGuard, settleEventLoop, type ProcessGuard } from '../reliability/processGuard.js';
import { changes, elapse, follow, handClock, openExchanges, opens, recordRequests, settled, shape, stateTexts, tappedFetch, waitFor, type TappedEvent, type Watched } from './clientSupport.js';
import { startHub, type HubFixture, type HubFixtureOptions } from './support.js';

/** The fake's time between two steps of a {@link SCRIPT}: a day, which only `handClock().advance` gets through within a test. */
const STEP = 24 * 3600 * 1000;

/** A Stream task through four states, a {@link STEP} apart: waiting, pending, running, completed. */
const SCRIPT: StreamTaskSpec = {
  provider: 'stream',
  steps: [
    { at: 0, status: 'waiting' },
    { at: STEP, status: 'pending' },
    { at: 2 * STEP, status: 'running' },
    { at: 3 * STEP, status: 'completed' },
  ],
};

/** What every watch of a {@link SCRIPT}ed task shows, in order. */
const SCRIPTED = [
  ['pending', 'waiting', undefined],
  ['pending', 'pending', undefined],
  ['running', 'running', undefined],
  ['completed', 'completed', 1],
];

/** A Stream task that runs for longer than any test. */
const RUNNING: StreamTaskSpec = { provider: 'stream', steps: [{ at: 0, status: 'running' }] };

/** Reconnecting fast: a test waits for the reconnection, not for the default backoff. */
const FAST_RETRY = { minDelay: 10, maxDelay: 50 };

let guard: ProcessGuard;
let fixture: HubFixture | undefined;
let watches: Watched[] = [];
const servers: Server[] = [];

beforeEach(() => {
  guard = installProcessGuard();
});

afterEach(async () => {
  for (const watched of watches) watched.subscription.unsubscribe();
  watches = [];
  await fixture?.close();
  fixture = undefined;
  for (const server of servers.splice(0)) await closeServer(server);
  await settleEventLoop();
  const escaped = guard.drain();
  guard.uninstall();
  expect(escaped.map(String)).toEqual([]);
});

async function open(options: HubFixtureOptions = {}): Promise<HubFixture> {
  fixture = await startHub(options);
  return fixture;
}

/** A page's source on the fixture's hub. */
function page(hub: HubFixture, options: Partial<HubTasksOptions> = {}): TaskSource<string> {
  return hubTasks({ url: hub.url, provider: 'stream', retry: FAST_RETRY, ...options });
}

/** Follows a watch until the test ends. */
function watch(task$: Parameters<typeof follow>[0]): Watched {
  const watched = follow(task$);
  watches.push(watched);
  return watched;
}

/** A source polling the fake Stream itself, with its own loops: the hub's settings (`startHub`'s), and `source`. */
function directStream(hub: HubFixture, source: SourceOptions = {}): TaskSource<string> {
  const { apiKey, apiSecret } = hub.provider.credentials.stream;
  return streamTasks({ apiKey, apiSecret, baseUrl: hub.provider.url, interval: 200, jitter: 0, maxRequestsPerSecond: Infinity, retry: FAST_RETRY, ...source });
}

/**
 * Moves every task on to its next step, then waits until each watch shows
 * it (`count` states in all): the next step comes only once everyone has
 * this one, however slow the machine.
 */
async function moveOn(clock: ReturnType<typeof handClock>, watched: readonly Watched[], count: number): Promise<void> {
  clock.advance(STEP);
  await waitFor(() => watched.every((one) => one.states.length >= count), `state ${count} of every watch`);
}

/** Resolves once two more polls of the task have ended: the first saw the task as it is now, and the hub had read it before the second went out. */
function twoMorePolls(hub: HubFixture, task: FakeTask): Promise<void> {
  const before = hub.provider.log.count({ taskId: task.id });
  return waitFor(() => hub.provider.log.entries({ taskId: task.id }).filter((entry) => entry.settled).length >= before + 2, 'two more polls of the task');
}

/** The shape (status, provider status) of each state event of a task a tap kept. */
function tappedShapes(events: readonly TappedEvent[], ref: string): string[] {
  return stateTexts(events, ref).map((text) => {
    const { state } = JSON.parse(text) as { state: TaskState };
    return `${state.status}/${state.providerStatus}`;
  });
}

const helloStreams = (events: readonly TappedEvent[]): string[] => events.filter((event) => event.event === 'hello').map((event) => (JSON.parse(event.data) as { stream: string }).stream);

/** The gaps between the polls of a task that reached the fake from `from` on (its clock), ms. */
function pollGaps(hub: HubFixture, task: FakeTask, from: number): number[] {
  const arrivals = hub.provider.log
    .entries({ taskId: task.id })
    .map((entry) => entry.at)
    .filter((at) => at >= from);
  return arrivals.slice(1).map((at, index) => at - (arrivals[index] as number));
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

/** Every text an error shows: its message, stack, JSON and causes. */
function textsOf(error: unknown): string {
  const texts: string[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth++) {
    texts.push(String(current));
    if (current instanceof Error) texts.push(current.message, current.stack ?? '');
    if (current instanceof TaskError) texts.push(JSON.stringify(current.toJSON()));
    current = current instanceof Error ? current.cause : undefined;
  }
  return texts.join('\n');
}

/** A server of our own on 127.0.0.1 (closed after the test). */
async function listen(server: Server): Promise<string> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/tasks`;
}

/** A hub URL where nothing listens: every connection to it is refused. */
async function nobodyListening(): Promise<string> {
  const closed = createServer();
  const url = await listen(closed);
  await closeServer(closed);
  return url;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('hubTasks on a task hub', () => {
  it('polls each of 50 tasks once for 20 pages, as often as one direct watcher does, and every page gets every state in order over one connection', async () => {
    // A request costs about 2 ms of CPU here (fetch, the fake's JWT check, node:http), all in this one process:
    // 100 tasks once a second leave room on a loaded machine. Jitter spreads the polls (the same on both sides),
    // and no cap on requests in flight lets those due together go together.
    const interval = 1000;
    const settings = { interval, jitter: 0.2, maxConcurrentRequests: Infinity };
    const clock = handClock();
    const hub = await open({ source: settings, provider: { clock: clock.now } });
    const requests = recordRequests(hub.server);
    // Twins: one half is watched through the hub, the other by a direct source; same scripts, same clock.
    const all = hub.provider.tasks.createMany(Array.from({ length: 100 }, () => SCRIPT));
    const viaHub = all.slice(0, 50);
    const twins = all.slice(50);
    const pages = Array.from({ length: 20 }, (_, index) => page(hub, { headers: { 'x-page': String(index) } }));
    const seen = pages.map((source) => viaHub.map((task) => watch(source.watch(task.id))));
    await waitFor(() => seen.every((tasks) => tasks.every((watched) => watched.states.length === 1)), 'the first state on every page', { withinMs: 25_000 });
    const direct = directStream(hub, settings);
    const directly = twins.map((task) => watch(direct.watch(task.id)));
    await waitFor(() => directly.every((watched) => watched.states.length === 1), 'the first state of every direct watch', { withinMs: 25_000 });

    // Requests per task per second, while every loop runs on both sides: from the gaps between a task's polls, which
    // (unlike counts over a short span) do not depend on where each loop's polls fall against the span's ends.
    const from = clock.now();
    await elapse(3 * interval);
    const hubGaps = viaHub.map((task) => pollGaps(hub, task, from));
    const directGaps = twins.map((task) => pollGaps(hub, task, from));
    const meanGap = (gaps: readonly number[]) => sum(gaps) / gaps.length;
    expect(Math.abs(meanGap(hubGaps.flat()) - meanGap(directGaps.flat()))).toBeLessThanOrEqual(0.1 * meanGap(directGaps.flat()));
    // One loop per task: every task of the hub's polled at its own pace (a second loop would halve its gaps).
    for (const gaps of hubGaps) {
      expect(gaps.length).toBeGreaterThanOrEqual(1);
      expect(meanGap(gaps)).toBeGreaterThan(0.6 * interval);
    }

    const everyWatch = [...directly, ...seen.flat()];
    for (const count of [2, 3, 4]) await moveOn(clock, everyWatch, count);
    await waitFor(() => everyWatch.every(settled), 'every watch to end');
    for (const watched of directly) expect(watched.states.map(shape)).toEqual(SCRIPTED);
    for (const tasks of seen) {
      tasks.forEach((watched, index) => {
        expect(watched.error).toBeUndefined();
        expect(watched.completed).toBe(true);
        expect(watched.states.map(shape)).toEqual(SCRIPTED);
        expect(watched.states.at(-1)).toMatchObject({ id: viaHub[index]?.id, status: 'completed' });
      });
    }
    // One connection per page, opened once for its 50 watches (made in one tick), never changed.
    const opened = opens(requests).map((request) => request.headers['x-page']);
    expect(opened.sort()).toEqual(pages.map((_, index) => String(index)).sort());
    expect(changes(requests)).toEqual([]);
  }, 60_000);

  describe('a page whose connection goes', () => {
    it('takes its stream up again with Last-Event-ID when its connection is cut, missing no state and getting none twice', async () => {
      const clock = handClock();
      const hub = await open({ source: { interval: 50 }, provider: { clock: clock.now } });
      const requests = recordRequests(hub.server);
      const tasks = hub.provider.tasks.createMany(Array.from({ length: 10 }, () => SCRIPT));
      const tap = tappedFetch();
      const source = page(hub, { fetch: tap.fetch });
      const seen = tasks.map((task) => watch(source.watch(task.id)));
      await waitFor(() => seen.every((watched) => watched.states.length === 1), 'the first state of every task');
      await moveOn(clock, seen, 2);

      hub.server.closeAllConnections();
      // The tasks move on while the page comes back.
      await moveOn(clock, seen, 3);
      await moveOn(clock, seen, 4);
      await waitFor(() => seen.every(settled), 'every watch to end');

      for (const watched of seen) expect(watched.states.map(shape)).toEqual(SCRIPTED);
      for (const task of tasks) {
        const shapes = tappedShapes(tap.events, task.id);
        expect(shapes).toEqual([...new Set(shapes)]);
      }
      const [first, again] = opens(requests);
      expect(first?.headers['last-event-id']).toBeUndefined();
      const stream = helloStreams(tap.events)[0] as string;
      expect(again?.headers['last-event-id']).toMatch(new RegExp(`^${stream}\\.\\d+$`));
      // The same stream, taken up again: not a new one.
      expect(new Set(helloStreams(tap.events))).toEqual(new Set([stream]));
    });

    it('comes back to a restarted hub with what it has (`have`), and is not sent a state it has', async () => {
      const clock = handClock();
      const hub = await open({ source: { interval: 50 }, provider: { clock: clock.now } });
      const requests = recordRequests(hub.server);
      const tasks = hub.provider.tasks.createMany(Array.from({ length: 10 }, () => SCRIPT));
      const tap = tappedFetch();
      const source = page(hub, { fetch: tap.fetch });
      const seen = tasks.map((task) => watch(source.watch(task.id)));
      await waitFor(() => seen.every((watched) => watched.states.length === 1), 'the first state of every task');
      await moveOn(clock, seen, 2);

      await hub.restart();
      // The new hub polls each task afresh: a state the page has, which it does not send.
      await waitFor(() => opens(requests).length >= 2, 'the page to come back');
      await Promise.all(tasks.map((task) => twoMorePolls(hub, task)));
      await moveOn(clock, seen, 3);
      await moveOn(clock, seen, 4);
      await waitFor(() => seen.every(settled), 'every watch to end');

      for (const watched of seen) expect(watched.states.map(shape)).toEqual(SCRIPTED);
      for (const task of tasks) {
        const shapes = tappedShapes(tap.events, task.id);
        expect(shapes).toEqual([...new Set(shapes)]);
      }
      const [before, after] = helloStreams(tap.events);
      expect(after).toBeDefined();
      expect(after).not.toBe(before);
      const reopened = opens(requests)[1];
      expect(reopened?.headers['last-event-id']).toMatch(new RegExp(`^${before}\\.\\d+$`));
      const { watch: asked } = reopened?.body as { watch: { ref: string; have?: string }[] };
      expect(asked.filter((task) => task.have !== undefined)).toHaveLength(asked.length);
    });

    it('holds no connection while `pauseWhen` emits true, and on false takes its stream up again, missing nothing and getting nothing twice', async () => {
      const clock = handClock();
      const hub = await open({ source: { interval: 50 }, provider: { clock: clock.now } });
      const requests = recordRequests(hub.server);
      const task = hub.provider.tasks.create(SCRIPT);
      const paused = new Subject<boolean>();
      const tap = tappedFetch();
      const watched = watch(page(hub, { fetch: tap.fetch, pauseWhen: paused }).watch(task.id));
      await waitFor(() => watched.states.length === 1, 'the first state');

      paused.next(true);
      await waitFor(() => openExchanges(requests) === 0, 'the connection to close');
      // The task moves on twice while the page is away; the hub sees both.
      clock.advance(STEP);
      await twoMorePolls(hub, task);
      clock.advance(STEP);
      await twoMorePolls(hub, task);
      expect(watched.states).toHaveLength(1);
      expect(openExchanges(requests)).toBe(0);
      expect(opens(requests)).toHaveLength(1);

      paused.next(false);
      await waitFor(() => watched.states.length === 3, 'the states missed');
      await moveOn(clock, [watched], 4);
      await waitFor(() => settled(watched), 'the watch to end');
      expect(watched.states.map(shape)).toEqual(SCRIPTED);
      const shapes = tappedShapes(tap.events, task.id);
      expect(shapes).toEqual([...new Set(shapes)]);
      expect(opens(requests)[1]?.headers['last-event-id']).toMatch(/^[\w-]+\.\d+$/);
    });

    it('gets, back from a pause, every state it missed of a task that ended meanwhile, the last one included, and the hub does not poll the task again', async () => {
      const clock = handClock();
      const hub = await open({ source: { interval: 50 }, provider: { clock: clock.now } });
      const requests = recordRequests(hub.server);
      const task = hub.provider.tasks.create(SCRIPT);
      const paused = new Subject<boolean>();
      const away = watch(page(hub, { pauseWhen: paused }).watch(task.id));
      await waitFor(() => away.states.length === 1, 'the first state');
      paused.next(true);
      await waitFor(() => openExchanges(requests) === 0, 'the connection to close');
      // Another page follows the task to its end: by then the hub has sent the away page's stream every state.
      const present = watch(page(hub).watch(task.id));
      await waitFor(() => present.states.length === 1, 'the first state on the other page');
      for (const count of [2, 3, 4]) await moveOn(clock, [present], count);
      await waitFor(() => settled(present), 'the other page to see the end');
      const polled = hub.provider.log.count({ taskId: task.id });

      paused.next(false);
      await waitFor(() => settled(away), 'the paused page to see the end');
      expect(away.states.map(shape)).toEqual(SCRIPTED);
      expect(hub.provider.log.count({ taskId: task.id })).toBe(polled);
    });

    it('takes the same stream up again when cut off before its first state, so that letting go of the task stops its polling', async () => {
      // `authorize` answers only when told: the stream is open (hello read) and has sent nothing yet.
      let answer: (yes: boolean) => void = () => undefined;
      const answered = new Promise<boolean>((resolve) => (answer = resolve));
      const hub = await open({ source: { interval: 30 }, hub: { authorize: () => answered } });
      const requests = recordRequests(hub.server);
      const task = hub.provider.tasks.create(RUNNING);
      const tap = tappedFetch();
      const watched = watch(page(hub, { fetch: tap.fetch }).watch(task.id));
      await waitFor(() => helloStreams(tap.events).length === 1, 'the stream to open');
      hub.server.closeAllConnections();
      await waitFor(() => opens(requests).length === 2, 'the page to come back');
      answer(true);
      await waitFor(() => watched.states.length === 1, 'the first state');
      const [stream, again] = helloStreams(tap.events);
      expect(again).toBe(stream);

      // The resume window is the default 30 s: only the page's unwatch can stop the polling within the test.
      watched.subscription.unsubscribe();
      await waitFor(() => changes(requests).length === 1 && changes(requests).every((request) => !request.open), 'the unwatch, answered');
      const polled = hub.provider.log.count({ taskId: task.id });
      await elapse(10 * 30);
      // A poll already on its way when the unwatch came may still arrive; none after it.
      expect(hub.provider.log.count({ taskId: task.id })).toBeLessThanOrEqual(polled + 1);
    });
  });

  describe('errors, typed as a direct source types them', () => {
    it('ends the watch of a task the provider does not know with a TaskNotFoundError', async () => {
      const hub = await open({ source: { interval: 50 } });
      const viaHub = watch(page(hub).watch('no-such-task'));
      const direct = watch(directStream(hub).watch('no-such-task'));
      await waitFor(() => settled(viaHub) && settled(direct), 'both watches to end');
      expect(direct.error).toBeInstanceOf(TaskNotFoundError);
      expect(viaHub.error).toBeInstanceOf(TaskNotFoundError);
      expect(viaHub.error).toMatchObject({ code: 'TASK_NOT_FOUND', provider: 'stream', taskId: 'no-such-task' });
    });

    it('ends only the refused task with an AuthenticationError when `authorize` says no; the others stream on, and the refused one is never polled', async () => {
      const clock = handClock();
      const hub = await open({ source: { interval: 50 }, provider: { clock: clock.now }, hub: { authorize: (_request, task) => task.text !== refused?.id } });
      const [refused, ...allowed] = hub.provider.tasks.createMany(Array.from({ length: 3 }, () => SCRIPT)) as [FakeTask, ...FakeTask[]];
      const source = page(hub);
      const no = watch(source.watch(refused.id));
      const yes = allowed.map((task) => watch(source.watch(task.id)));
      await waitFor(() => settled(no) && yes.every((watched) => watched.states.length === 1), 'the refusal, and the first state of the others');
      for (const count of [2, 3, 4]) await moveOn(clock, yes, count);
      await waitFor(() => yes.every(settled), 'every watch to end');
      expect(no.error).toBeInstanceOf(AuthenticationError);
      expect(no.states).toEqual([]);
      for (const watched of yes) expect(watched.states.map(shape)).toEqual(SCRIPTED);
      expect(hub.provider.log.count({ taskId: refused.id })).toBe(0);
    });

    it('ends a watch with a ProviderError (status 400) for a source the hub does not have, or a ref its source cannot read, and polls nothing', async () => {
      const hub = await open();
      const unknown = watch(hubTasks({ url: hub.url, provider: 'nope' }).watch('42'));
      const badRef = watch(hubTasks({ url: hub.url, provider: 'postman' }).watch('a/b/c'));
      await waitFor(() => settled(unknown) && settled(badRef), 'both watches to end');
      for (const { error } of [unknown, badRef]) {
        expect(error).toBeInstanceOf(ProviderError);
        expect((error as ProviderError).details).toEqual({ status: 400 });
      }
      expect((badRef.error as Error).message).toContain('a/b/c');
      expect(hub.provider.log.count()).toBe(0);
    });

    it('ends every watch with an AuthenticationError when the hub answers 401 to the opening, without trying again', async () => {
      let asked = 0;
      const url = await listen(
        createServer((request, response) => {
          asked++;
          request.resume();
          response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"sign in"}');
        }),
      );
      const source = hubTasks({ url, provider: 'stream', retry: FAST_RETRY });
      const seen = [watch(source.watch('a')), watch(source.watch('b'))];
      await waitFor(() => seen.every(settled), 'both watches to end');
      for (const { error } of seen) expect(error).toBeInstanceOf(AuthenticationError);
      expect((seen[0]?.error as AuthenticationError).details).toEqual({ status: 401 });
      expect(asked).toBe(1);
    });

    it('ends every watch with a TransportError once the retries are spent on a hub that cannot be reached', async () => {
      // A closed port: every attempt is refused.
      const closedUrl = await nobodyListening();
      const refused = watch(hubTasks({ url: closedUrl, provider: 'stream', retry: { retries: 2, minDelay: 10, maxDelay: 20 } }).watch('a'));
      // A hub that cuts the connection of every request: the attempts counted.
      let attempts = 0;
      const cutting = createServer((request) => {
        attempts++;
        request.socket.destroy();
      });
      const cutUrl = await listen(cutting);
      const cut = watch(hubTasks({ url: cutUrl, provider: 'stream', retry: { retries: 2, minDelay: 10, maxDelay: 20 } }).watch('a'));
      await waitFor(() => settled(refused) && settled(cut), 'both watches to end');
      expect(refused.error).toBeInstanceOf(TransportError);
      expect(cut.error).toBeInstanceOf(TransportError);
      // The first attempt and two retries.
      expect(attempts).toBe(3);
    });
  });

  describe('what it tells beside states', () => {
    it('tells each attempt to reach the hub as events, and a stalled bound names the refused connection', async () => {
      const closedUrl = await nobodyListening();
      const source = hubTasks({ url: closedUrl, provider: 'stream', retry: { retries: 50, minDelay: 20, maxDelay: 40 } });
      const events: TaskSourceEvent[] = [];
      const listening = source.events.subscribe((event) => events.push(event));
      const bounded = watch(source.watch('a').pipe(withTimeout({ stalled: 300 })));
      await waitFor(() => settled(bounded), 'the stalled bound to run out');
      listening.unsubscribe();
      const error = bounded.error as TaskTimeoutError;
      expect(error).toBeInstanceOf(TaskTimeoutError);
      expect(error.timeout).toBe('stalled');
      expect(error.message).toMatch(/no state was seen; last attempt: connection refused\.$/);
      expect(error.cause).toBeInstanceOf(TransportError);
      // One request per attempt, each refused and retried: they name no task (one connection serves them all).
      const retries = events.filter((event) => event.type === 'retry');
      expect(retries.length).toBeGreaterThanOrEqual(2);
      expect(retries[0]).toMatchObject({ provider: 'stream', attempt: 1, retries: 50, reason: 'connection refused', cause: expect.any(TransportError) });
      expect(retries[0]).not.toHaveProperty('id');
      expect(events.filter((event) => event.type === 'request').map((event) => (event as { attempt: number }).attempt).slice(0, 3)).toEqual([1, 2, 3]);
    });

    it('keeps a long, unchanged task within a stalled bound while the hub is alive (its keep-alives count), and tells the opening as request and answer', async () => {
      const hub = await open({ hub: { keepAliveMs: 100 } });
      hub.provider.tasks.create({ ...RUNNING, id: 'long' });
      const source = page(hub);
      const events: TaskSourceEvent[] = [];
      const listening = source.events.subscribe((event) => events.push(event));
      const bounded = watch(source.watch('long').pipe(withTimeout({ stalled: 400 })));
      const idle = watch(source.watch('long').pipe(withTimeout({ idle: 400 })));
      await waitFor(() => settled(idle), 'the idle bound to run out');
      // Three times the stalled bound, of a task that does not change: the hub's keep-alives (every 100 ms) kept it.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      listening.unsubscribe();
      expect(idle.error).toMatchObject({ timeout: 'idle' });
      expect(settled(bounded)).toBe(false);
      expect(bounded.states.map((state) => state.status)).toEqual(['running']);
      expect(events.slice(0, 2)).toEqual([
        { type: 'request', provider: 'stream', attempt: 1, at: expect.any(Number) },
        { type: 'answer', provider: 'stream', status: 200, ms: expect.any(Number), at: expect.any(Number) },
      ]);
    });
  });

  it('works unchanged with waitForTask, combineTasks, untilTerminal, withTimeout and toAsyncIterable', async () => {
    const clock = handClock();
    const hub = await open({ source: { interval: 50 }, provider: { clock: clock.now } });
    const [waited, first, second, until, iterated, long] = hub.provider.tasks.createMany([SCRIPT, SCRIPT, SCRIPT, SCRIPT, SCRIPT, RUNNING]) as [FakeTask, FakeTask, FakeTask, FakeTask, FakeTask, FakeTask];
    const source = page(hub);
    // Watches of the same source share each task's states: what these see, the adapters' subscriptions see at the same moment.
    const observed = [waited, first, second, until, iterated, long].map((task) => watch(source.watch(task.id)));
    await waitFor(() => observed.every((watched) => watched.states.length === 1), 'the first state of every task');
    const iterate = async (): Promise<TaskState[]> => {
      const states: TaskState[] = [];
      for await (const state of toAsyncIterable(source.watch(iterated.id))) states.push(state);
      return states;
    };
    const settling = Promise.all([
      waitForTask(source.watch(waited.id)),
      lastValueFrom(combineTasks({ first: source.watch(first.id), second: source.watch(second.id) })),
      lastValueFrom(source.watch(until.id).pipe(untilTerminal(), toArray())),
      lastValueFrom(source.watch(long.id).pipe(withTimeout({ total: 100 }))).catch((error: unknown) => error),
      iterate(),
    ]);
    for (const count of [2, 3, 4]) await moveOn(clock, observed.slice(0, 5), count);
    const [done, batches, untilStates, timedOut, iteratedStates] = await settling;
    expect(done).toMatchObject({ id: waited.id, status: 'completed' });
    expect(batches).toMatchObject({ done: true, counts: { completed: 2, running: 0, pending: 0, failed: 0 }, progress: 1 });
    expect(batches.tasks.first?.id).toBe(first.id);
    expect(untilStates.map(shape)).toEqual(SCRIPTED);
    expect(timedOut).toBeInstanceOf(TaskTimeoutError);
    expect((timedOut as TaskTimeoutError).state).toMatchObject({ id: long.id, status: 'running' });
    expect(iteratedStates.map(shape)).toEqual(SCRIPTED);
  });

  it('has the hub stop polling a task once every page has unsubscribed from it (told by an unwatch, not a lapse), and leaves no socket open once nothing is watched', async () => {
    // The resume window is the default 30 s: within the test, only an unwatch can stop the hub's polling.
    const hub = await open({ source: { interval: 30 } });
    // A change of a stream is a short request: its idle keep-alive socket closes soon after, not after 5 s.
    hub.server.keepAliveTimeout = 200;
    const requests = recordRequests(hub.server);
    const [dropped, kept] = hub.provider.tasks.createMany([RUNNING, RUNNING]) as [FakeTask, FakeTask];
    const pages = Array.from({ length: 3 }, () => page(hub));
    // Two watchers of `dropped` on each page: the first to leave changes nothing.
    const droppedWatches = pages.flatMap((source) => [watch(source.watch(dropped.id)), watch(source.watch(dropped.id))]);
    const keptWatches = pages.map((source) => watch(source.watch(kept.id)));
    await waitFor(() => [...droppedWatches, ...keptWatches].every((watched) => watched.states.length === 1), 'the first state everywhere');

    for (const watched of droppedWatches) watched.subscription.unsubscribe();
    const unwatches = () => changes(requests).filter((request) => JSON.stringify(request.body).includes(`"unwatch":[{"provider":"stream","ref":"${dropped.id}"}]`));
    await waitFor(() => unwatches().length === 3 && unwatches().every((request) => !request.open), 'an unwatch from each page, answered');
    // Five polls of the task still watched, twice: time enough for several polls of the other, had it gone on.
    // A poll already on its way when the last unwatch came may still arrive (aborted) in the first span.
    const fivePollsOfKept = () => {
      const keptPolls = hub.provider.log.count({ taskId: kept.id });
      return waitFor(() => hub.provider.log.count({ taskId: kept.id }) >= keptPolls + 5, 'five more polls of the kept task');
    };
    const droppedPolls = hub.provider.log.count({ taskId: dropped.id });
    await fivePollsOfKept();
    const settledPolls = hub.provider.log.count({ taskId: dropped.id });
    expect(settledPolls).toBeLessThanOrEqual(droppedPolls + 1);
    await fivePollsOfKept();
    expect(hub.provider.log.count({ taskId: dropped.id })).toBe(settledPolls);
    expect(hub.openSockets()).toBeGreaterThanOrEqual(3);

    for (const watched of keptWatches) watched.subscription.unsubscribe();
    const lastUnwatches = () => changes(requests).filter((request) => JSON.stringify(request.body).includes(kept.id));
    await waitFor(() => lastUnwatches().length === 3 && lastUnwatches().every((request) => !request.open), 'an unwatch of the last task from each page, answered');
    await waitFor(() => openExchanges(requests) === 0, 'every stream to close');
    // Sockets too, the fetch's spare one included (see openExchanges): it closes after its 4 s keep-alive.
    await waitFor(() => hub.openSockets() === 0, 'every socket to the hub to close', { withinMs: 8000, everyMs: 20 });
    const lastPolls = hub.provider.log.count({ taskId: kept.id });
    await elapse(10 * 30);
    expect(hub.provider.log.count({ taskId: kept.id })).toBeLessThanOrEqual(lastPolls + 1);
    expect(hub.openSockets()).toBe(0);
    // One stream per page, all along.
    expect(opens(requests)).toHaveLength(3);
  });

  it('sends its `headers` (an Authorization) to `authorize`, and shows them in no error', async () => {
    const secret = 'Bearer hub-secret-7f3a9c1e';
    const heard: (string | undefined)[] = [];
    const clock = handClock();
    const hub = await open({
      source: { interval: 50 },
      provider: { clock: clock.now },
      hub: {
        authorize: (request, task) => {
          heard.push(request.headers.authorization);
          return task.text !== refused?.id;
        },
      },
    });
    const [refused, allowed] = hub.provider.tasks.createMany([SCRIPT, SCRIPT]) as [FakeTask, FakeTask];
    const source = page(hub, { headers: { authorization: secret } });
    const no = watch(source.watch(refused.id));
    const yes = watch(source.watch(allowed.id));
    // Errors of the connection itself, with the same header: a hub that refuses, a hub that is not there.
    const refusing = await listen(createServer((request, response) => request.resume().on('end', () => response.writeHead(403).end())));
    const closedUrl = await nobodyListening();
    const refusedPage = watch(hubTasks({ url: refusing, provider: 'stream', headers: { authorization: secret } }).watch('a'));
    const lost = watch(hubTasks({ url: closedUrl, provider: 'stream', headers: () => ({ authorization: secret }), retry: { retries: 1, minDelay: 10, maxDelay: 10 } }).watch('a'));
    await waitFor(() => yes.states.length === 1, 'the first state');
    for (const count of [2, 3, 4]) await moveOn(clock, [yes], count);
    await waitFor(() => [no, yes, refusedPage, lost].every(settled), 'every watch to end');

    expect(heard).toEqual([secret, secret]);
    expect(yes.states.map(shape)).toEqual(SCRIPTED);
    expect(no.error).toBeInstanceOf(AuthenticationError);
    expect(refusedPage.error).toBeInstanceOf(AuthenticationError);
    expect(lost.error).toBeInstanceOf(TransportError);
    for (const { error } of [no, refusedPage, lost]) {
      expect(textsOf(error)).not.toContain('hub-secret');
    }
  });
});

describe('hubTasks sources sharing one connection (shareWith)', () => {
  it('carries the tasks of several providers on one connection, each task under its own provider', async () => {
    const hub = await open({ source: { interval: 50 } });
    const requests = recordRequests(hub.server);
    const mobizonTask = hub.provider.tasks.create({ provider: 'mobizon', steps: [{ at: 0, status: 1, progress: 10 }, { at: 300, status: 2 }] });
    const postmanTask = hub.provider.tasks.create({ provider: 'postman', kind: 'collection-merge', steps: [{ at: 0, status: 'in-progress' }, { at: 300, status: 'successful' }] });
    const streamTask = hub.provider.tasks.create({ provider: 'stream', steps: [{ at: 0, status: 'running' }, { at: 300, status: 'completed' }] });
    const stream = page(hub);
    const mobizon = hubTasks({ url: hub.url, provider: 'mobizon', shareWith: stream });
    const postman = hubTasks({ url: hub.url, provider: 'postman', shareWith: stream });

    const ends = await Promise.all([waitForTask(stream.watch(streamTask.id)), waitForTask(mobizon.watch(mobizonTask.id)), waitForTask(postman.watch(`merge:${postmanTask.id}`))]);

    expect(ends.map((state) => [state.provider, state.id, state.status])).toEqual([
      ['stream', streamTask.id, 'completed'],
      ['mobizon', mobizonTask.id, 'completed'],
      ['postman', postmanTask.id, 'completed'],
    ]);
    expect(opens(requests)).toHaveLength(1);
    expect(opens(requests)[0]?.body).toEqual({
      watch: [
        { provider: 'stream', ref: streamTask.id },
        { provider: 'mobizon', ref: mobizonTask.id },
        { provider: 'postman', ref: `merge:${postmanTask.id}` },
      ],
    });
  });

  it('stays connected while one sharing source is not paused, and lets go once every one is', async () => {
    const hub = await open({ source: { interval: 50 } });
    const requests = recordRequests(hub.server);
    const streamTask = hub.provider.tasks.create(RUNNING);
    const mobizonTask = hub.provider.tasks.create({ provider: 'mobizon', steps: [{ at: 0, status: 1, progress: 10 }] });
    const hiddenA = new Subject<boolean>();
    const hiddenB = new Subject<boolean>();
    const stream = page(hub, { pauseWhen: hiddenA });
    const mobizon = hubTasks({ url: hub.url, provider: 'mobizon', shareWith: stream, pauseWhen: hiddenB });
    const seen = [watch(stream.watch(streamTask.id)), watch(mobizon.watch(mobizonTask.id))];
    await waitFor(() => seen.every((one) => one.states.length === 1), 'a state of each');

    hiddenA.next(true);
    await elapse(100);
    expect(openExchanges(requests)).toBe(1);
    hiddenB.next(true);
    await waitFor(() => openExchanges(requests) === 0, 'the connection to close');
    hiddenB.next(false);
    await waitFor(() => openExchanges(requests) === 1, 'the connection to open again');
    expect(opens(requests)).toHaveLength(2);
  });

  it('ends each task with the connection\'s error under its own provider', async () => {
    const url = await listen(
      createServer((request, response) => {
        request.resume();
        response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"sign in"}');
      }),
    );
    const stream = hubTasks({ url, provider: 'stream', retry: FAST_RETRY });
    const postman = hubTasks({ url, provider: 'postman', shareWith: stream });
    const seen = [watch(stream.watch('a')), watch(postman.watch('merge:b'))];
    await waitFor(() => seen.every(settled), 'both watches to end');
    expect(seen.map(({ error }) => [error instanceof AuthenticationError, (error as TaskError).provider])).toEqual([
      [true, 'stream'],
      [true, 'postman'],
    ]);
  });

  it('refuses a shareWith that is not a hubTasks source, another hub, or connection options of its own', () => {
    const stream = hubTasks({ url: 'http://127.0.0.1:9/tasks', provider: 'stream' });
    expect(() => hubTasks({ url: 'http://127.0.0.1:9/tasks', provider: 'mobizon', shareWith: { provider: 'x' } as unknown as TaskSource<string> })).toThrow(TypeError);
    expect(() => hubTasks({ url: 'http://127.0.0.1:9/other', provider: 'mobizon', shareWith: stream })).toThrow(/URL of the hub/);
    expect(() => hubTasks({ url: 'http://127.0.0.1:9/tasks', provider: 'mobizon', shareWith: stream, headers: { authorization: 'x' } })).toThrow(/`headers` beside `shareWith`/);
    expect(() => hubTasks({ url: 'http://127.0.0.1:9/tasks', provider: 'mo bizon' })).toThrow(TypeError);
    // Two sources of one provider on one connection could not tell their tasks apart.
    expect(() => hubTasks({ url: 'http://127.0.0.1:9/tasks', provider: 'stream', shareWith: stream })).toThrow(/already serves a stream source/);
  });
});

