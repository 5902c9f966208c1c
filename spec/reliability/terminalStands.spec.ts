// A terminal state followed by a non-terminal one, served for real by the fake
// server (its script goes back to running after the end): the watch stops at the
// end, and untilTerminal and combineTasks keep the terminal state whatever a
// stream says after it.
import { concat, defer, firstValueFrom, last, lastValueFrom, switchMap, take, timer, toArray, type Observable } from 'rxjs';
import {
  combineTasks,
  fixedInterval,
  mobizonTasks,
  postmanTasks,
  streamTasks,
  untilTerminal,
  type TaskState,
} from '../../src/index.js';
import { acceleratedTime, startFakeProviderServer, type AcceleratedTime, type FakeProviderServer, type ProviderName, type TaskSpec } from '../../src/testing/index.js';

const PROVIDERS: readonly ProviderName[] = ['stream', 'mobizon', 'postman'];
const FACTOR = 25;
const INTERVAL_MS: Readonly<Record<ProviderName, number>> = { stream: 100, mobizon: 1000, postman: 100 };
/** The script (accelerated ms): running from 0, terminal from END, running again from AGAIN. */
const END = 1000;
const AGAIN = 4000;
/** Until when the test watches for stray requests: three Mobizon intervals past AGAIN. */
const QUIET_UNTIL = AGAIN + 3000;

const TERMINAL: Readonly<Record<ProviderName, string>> = { stream: 'completed', mobizon: '2', postman: 'successful' };

function script(provider: ProviderName, id: string): TaskSpec {
  switch (provider) {
    case 'stream':
      return { provider, id, steps: [{ at: 0, status: 'running' }, { at: END, status: 'completed' }, { at: AGAIN, status: 'running' }] };
    case 'mobizon':
      return { provider, id, steps: [{ at: 0, status: 1, progress: 20 }, { at: END, status: 2, progress: 100 }, { at: AGAIN, status: 1, progress: 90 }] };
    case 'postman':
      return { provider, kind: 'collection-merge', id, steps: [{ at: 0, status: 'in-progress' }, { at: END, status: 'successful' }, { at: AGAIN, status: 'in-progress' }] };
  }
}

describe('a terminal state followed by a non-terminal one, over real HTTP', () => {
  let time: AcceleratedTime;
  let server: FakeProviderServer;
  let createdAt: number;

  beforeEach(async () => {
    time = acceleratedTime(FACTOR);
    server = await startFakeProviderServer({ clock: time.now });
    const tasks = server.tasks.createMany(PROVIDERS.map((provider) => script(provider, provider === 'mobizon' ? '900001' : `${provider}-task`)));
    createdAt = tasks[0]?.createdAt as number;
  });
  afterEach(() => server.close());

  const idOf = (provider: ProviderName) => (provider === 'mobizon' ? '900001' : `${provider}-task`);

  /** A fresh source each time: a later watch shares no poll loop with an earlier one. */
  function watch(provider: ProviderName): Observable<TaskState> {
    const options = { baseUrl: server.url, scheduler: time.scheduler, interval: INTERVAL_MS[provider], policy: fixedInterval(), jitter: 0, maxRequestsPerSecond: Number.POSITIVE_INFINITY };
    const { credentials } = server;
    switch (provider) {
      case 'stream':
        return streamTasks({ ...options, ...credentials.stream }).watch(idOf(provider));
      case 'mobizon':
        return mobizonTasks({ ...options, ...credentials.mobizon }).watch(idOf(provider));
      case 'postman':
        return postmanTasks({ ...options, ...credentials.postman }).watch({ id: idOf(provider), kind: 'collection-merge' });
    }
  }

  /** The watch, then, once the server says "running" again, the first state of a new watch: terminal, then not. */
  const terminalThenRunning = (provider: ProviderName): Observable<TaskState> =>
    concat(
      watch(provider),
      defer(() => timer(Math.max(0, createdAt + AGAIN - time.now()), time.scheduler)).pipe(switchMap(() => watch(provider).pipe(take(1)))),
    );

  const waitUntil = (at: number) => firstValueFrom(timer(Math.max(0, at - time.now()), time.scheduler));
  const terminalAnswers = (provider: ProviderName) =>
    server.log.entries({ taskId: idOf(provider) }).filter((entry) => entry.status === 200 && String(server.tasks.stepAt(idOf(provider), entry.at)?.status) === TERMINAL[provider]);

  it.each(PROVIDERS)('%s: the server does answer running after the end (the setup is real)', async (provider) => {
    const states = await lastValueFrom(terminalThenRunning(provider).pipe(toArray()));
    expect(states.map((state) => state.status).slice(-2)).toEqual(['completed', 'running']);
  });

  it.each(PROVIDERS)('%s: the watch emits the terminal state last, completes, and asks nothing after it', async (provider) => {
    const states = await lastValueFrom(watch(provider).pipe(toArray()));
    expect(states[states.length - 1]).toMatchObject({ status: 'completed', providerStatus: TERMINAL[provider] });
    expect(states.filter((state) => state.status === 'completed')).toHaveLength(1);
    const asked = server.log.count();
    await waitUntil(createdAt + QUIET_UNTIL);
    expect(server.log.count()).toBe(asked);
    expect(terminalAnswers(provider)).toHaveLength(1);
    expect(terminalAnswers(provider)[0]).toEqual(server.log.entries()[asked - 1]);
  });

  it.each(PROVIDERS)('%s: untilTerminal stops at the terminal state and never subscribes to what follows', async (provider) => {
    const states = await lastValueFrom(terminalThenRunning(provider).pipe(untilTerminal(), toArray()));
    expect(states[states.length - 1]?.status).toBe('completed');
    expect(states.some((state, index) => index > 0 && state.status === 'running' && states[index - 1]?.status === 'completed')).toBe(false);
    const asked = server.log.count();
    await waitUntil(createdAt + QUIET_UNTIL);
    // No request of the second watch: the concat never got past the first part.
    expect(server.log.count()).toBe(asked);
    expect(server.log.entries().every((entry) => entry.at < createdAt + AGAIN)).toBe(true);
  });

  it('combineTasks keeps each task completed when its stream then says running, and completes with the batch done', async () => {
    const batches = await lastValueFrom(combineTasks(PROVIDERS.map(terminalThenRunning)).pipe(toArray()));
    const final = batches[batches.length - 1];
    expect(final).toMatchObject({ total: 3, done: true, progress: 1, counts: { pending: 0, running: 0, completed: 3, failed: 0 } });
    expect(final?.tasks.map((state) => state?.status)).toEqual(['completed', 'completed', 'completed']);
    // Once all three were completed, no later batch said otherwise.
    const firstDone = batches.findIndex((batch) => batch.done);
    expect(batches.slice(firstDone).every((batch) => batch.counts.completed === 3)).toBe(true);
    // And the streams did say running after the end: the server answered each second watch with a running state.
    for (const provider of PROVIDERS) {
      const after = server.log.entries({ taskId: idOf(provider) }).filter((entry) => entry.at >= createdAt + AGAIN);
      expect(after).toHaveLength(1);
      expect(String(server.tasks.stepAt(idOf(provider), after[0]?.at)?.status)).not.toBe(TERMINAL[provider]);
    }
  });

  it('combineTasks over watches with untilTerminal ends when the last task ends, and nothing polls after', async () => {
    const final = await lastValueFrom(combineTasks(PROVIDERS.map((provider) => watch(provider).pipe(untilTerminal()))).pipe(last()));
    expect(final).toMatchObject({ done: true, counts: { completed: 3 } });
    const asked = server.log.count();
    await waitUntil(createdAt + QUIET_UNTIL);
    expect(server.log.count()).toBe(asked);
    for (const provider of PROVIDERS) expect(terminalAnswers(provider)).toHaveLength(1);
  });
});
