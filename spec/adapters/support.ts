// Shared by the adapter specs: the states their marbles name, a test bed (virtual time and a guard
// against unhandled rejections), and a real-HTTP rig of a Postman or Mobizon watch whose second request hangs.
import { asyncScheduler, tap, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { mobizonTasks, postmanTasks, type TaskState } from '../../src/index.js';
import { startFakeProviderServer, type FakeProviderServer } from '../../src/testing/index.js';
import { countedTimers, type CountedScheduler } from '../support/countedTimers.js';
import { installProcessGuard, settleEventLoop, type ProcessGuard } from '../reliability/processGuard.js';

import { taskState } from '../operators/support.js';

export { taskState };

/** The states the marbles name: task t1 pending, running half way, completed, failed. */
export const marbleStates = {
  p: taskState('t1', 'pending'),
  r: taskState('t1', 'running', 0.5),
  c: taskState('t1', 'completed'),
  f: taskState('t1', 'failed'),
};

/** Outside `run()`, a marble character is this many virtual ms. */
export const frame = (characters: number): number => characters * TestScheduler.frameTimeFactor;

/** Lets promise callbacks run (they are microtasks, outside virtual time). */
export const microtasks = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Per test of a describe block: a fresh TestScheduler, and afterwards the check that no rejection escaped. */
export function adapterTestBed(): { readonly scheduler: TestScheduler } {
  const escapes = guardUnhandledRejections();
  let scheduler: TestScheduler | undefined;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });
  afterEach(() => escapes.expectNoneEscaped());
  return {
    get scheduler(): TestScheduler {
      if (scheduler === undefined) throw new Error('the test bed is used outside a test');
      return scheduler;
    },
  };
}

/**
 * Installs a listener for unhandled rejections (and uncaught exceptions) on
 * the real process around every test of the calling `describe`;
 * `expectNoneEscaped()` lets the event loop turn, then fails if anything escaped.
 */
export function guardUnhandledRejections(): { expectNoneEscaped(): Promise<void> } {
  let guard: ProcessGuard | undefined;
  beforeEach(() => {
    guard = installProcessGuard();
  });
  afterEach(() => {
    guard?.uninstall();
    guard = undefined;
  });
  return {
    async expectNoneEscaped() {
      await settleEventLoop();
      expect((guard?.drain() ?? []).map(String)).toEqual([]);
    },
  };
}

/** Resolves when `condition` holds, checking on every turn of the event loop (no fixed sleep). */
export async function until(condition: () => boolean, what: string, withinMs = 5000): Promise<void> {
  const giveUpAt = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Real time passing, for checks that something does *not* happen. */
export function elapse(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const POLL_INTERVAL = 10;

/**
 * A fake provider server and a real watch of one task that never finishes:
 * its first request is answered (`running`), its second hangs before any header.
 * `hanging()` resolves once the server holds that second request.
 */
export interface HangingWatch {
  readonly server: FakeProviderServer;
  readonly scheduler: CountedScheduler;
  readonly task$: Observable<TaskState>;
  hanging(): Promise<void>;
  /** What the test must see once the adapter has let go: the request aborted, no socket, no timer, no new request. */
  expectPollLoopEnded(): Promise<void>;
}

export async function startHangingWatch(provider: 'postman' | 'mobizon'): Promise<HangingWatch> {
  const server = await startFakeProviderServer();
  const scheduler = countedTimers(asyncScheduler);
  const common = { baseUrl: server.url, interval: POLL_INTERVAL, jitter: 0, maxRequestsPerSecond: Infinity, requestTimeout: 10_000, scheduler };
  let task$: Observable<TaskState>;
  if (provider === 'postman') {
    const task = server.tasks.create({ provider: 'postman', kind: 'collection-merge', steps: [{ at: 0, status: 'in-progress' }] });
    task$ = postmanTasks({ apiKey: server.credentials.postman.apiKey, ...common }).watch({ id: task.id, kind: 'collection-merge' });
  } else {
    const task = server.tasks.create({ provider: 'mobizon', steps: [{ at: 0, status: 1, progress: 40 }] });
    task$ = mobizonTasks({ apiKey: server.credentials.mobizon.apiKey, ...common }).watch(task.id);
  }
  // The hang is placed once the first answer is in, so it catches the poll loop's second request.
  let placed = false;
  const watched = task$.pipe(
    tap(() => {
      if (!placed) server.faults.add({ kind: 'hang', stage: 'before-headers' }, { times: Infinity });
      placed = true;
    }),
  );
  return {
    server,
    scheduler,
    task$: watched,
    hanging: () => until(() => server.log.count() === 2 && server.openConnections() > 0, 'the second request to reach the server'),
    async expectPollLoopEnded() {
      // Nothing is scheduled at once: no next poll, no request-timeout timer.
      expect(scheduler.liveTimers()).toBe(0);
      await server.log.waitForSettled(2);
      expect(server.log.entries().map((entry) => ({ fault: entry.fault, aborted: entry.aborted }))).toEqual([
        { fault: undefined, aborted: false },
        { fault: 'hang', aborted: true },
      ]);
      await until(() => server.openConnections() === 0, 'the client to close its socket');
      // Ten intervals on: still the same two requests.
      await elapse(10 * POLL_INTERVAL);
      expect(server.log.count()).toBe(2);
    },
  };
}
