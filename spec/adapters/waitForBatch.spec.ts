import { asyncScheduler, NEVER, Observable, of, Subject, take, throwError, type Subscription } from 'rxjs';
import {
  combineTasks,
  TaskFailedError,
  TaskIncompleteError,
  TaskTimeoutError,
  TransportError,
  waitForBatch,
  type TaskBatchState,
  type TaskState,
} from '../../src/index.js';
import { MAX_DELAY_MS } from '../../src/core/validate.js';
import { adapterTestBed, microtasks, startHangingWatch, taskState, type HangingWatch } from './support.js';

/** A batch of `total` tasks, as combineTasks shapes it: `completed` and `failed` of them settled. */
function batchOf(total: number, completed: number, failed: number): TaskBatchState {
  const settled = completed + failed;
  return {
    tasks: Array.from({ length: total }, () => undefined),
    errors: Array.from({ length: total }, () => undefined),
    counts: { pending: total - settled, running: 0, completed, failed },
    total,
    progress: total === 0 ? 1 : settled / total,
    done: settled === total,
  };
}

/** The batches the marbles name: five tasks, settling one by one; `d` is done with a failure among them. */
const batches = { a: batchOf(5, 1, 0), b: batchOf(5, 2, 1), d: batchOf(5, 4, 1) };
const { b, d } = batches;

const aR = taskState('a', 'running', 0.5);
const aC = taskState('a', 'completed');
const aF = taskState('a', 'failed');
const bR = taskState('b', 'running', 0.25);
const bC = taskState('b', 'completed');
const bF = taskState('b', 'failed');
const states = { r: aR, c: aC, f: aF, R: bR, C: bC, F: bF };

/** How a promise settled, read in virtual time. */
type Outcome = { resolved: TaskBatchState } | { rejected: unknown } | 'pending';

function track(promise: Promise<TaskBatchState>): () => Outcome {
  let outcome: Outcome = 'pending';
  promise.then(
    (resolved) => (outcome = { resolved }),
    (rejected: unknown) => (outcome = { rejected }),
  );
  return () => outcome;
}

const rejectionOf = <E>(outcome: () => Outcome): E => (outcome() as { rejected: E }).rejected;

/** Every timer set on `asyncScheduler` from now on, to see that a settled wait leaves none running. */
function recordTimers(): { readonly timers: Subscription[]; restore(): void } {
  const timers: Subscription[] = [];
  const original = asyncScheduler.schedule.bind(asyncScheduler) as (...args: unknown[]) => Subscription;
  const spy = jest.spyOn(asyncScheduler, 'schedule').mockImplementation(((...args: unknown[]) => {
    const timer = original(...args);
    timers.push(timer);
    return timer;
  }) as typeof asyncScheduler.schedule);
  return { timers, restore: () => spy.mockRestore() };
}

describe('waitForBatch', () => {
  const bed = adapterTestBed();

  describe('in virtual time', () => {
    it('resolves with the first done batch, failures included, and unsubscribes then and there', async () => {
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const e1 = cold('--a--b--d--|', batches);
        outcome = track(waitForBatch(e1));
        flush();
        expectSubscriptions(e1.subscriptions).toBe('^-------!');
      });
      await microtasks();
      expect(outcome()).toEqual({ resolved: d });
      expect((outcome() as { resolved: TaskBatchState }).resolved).toBe(d);
    });

    it('resolves with the final batch of a real combineTasks, a failed task counted, and ends every watch at once', async () => {
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const a = cold('--r--c|', states);
        const b = cold('----R----F--|', states);
        outcome = track(waitForBatch(combineTasks([a, b])));
        flush();
        expectSubscriptions(a.subscriptions).toBe('^-----!');
        expectSubscriptions(b.subscriptions).toBe('^--------!');
      });
      await microtasks();
      const { resolved } = outcome() as { resolved: TaskBatchState };
      expect(resolved).toMatchObject({ done: true, progress: 1, total: 2, counts: { pending: 0, running: 0, completed: 1, failed: 1 } });
      expect(resolved.tasks).toEqual([aC, bF]);
    });

    it("rejects with batch$'s own error, as it is", async () => {
      const error = new TransportError('socket hang up', { reason: 'network' });
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const e1 = cold('--a--#', batches, error);
        outcome = track(waitForBatch(e1));
        flush();
        expectSubscriptions(e1.subscriptions).toBe('^----!');
      });
      await microtasks();
      expect(rejectionOf(outcome)).toBe(error);
    });

    it('rejects with the TaskFailedError of combineTasks with failFast, and every watch is ended then', async () => {
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const a = cold('--r--f--|', states);
        const b = cold('---R------C|', states);
        outcome = track(waitForBatch(combineTasks([a, b], { failFast: true })));
        flush();
        expectSubscriptions(a.subscriptions).toBe('^----!');
        expectSubscriptions(b.subscriptions).toBe('^----!');
      });
      await microtasks();
      const rejected = rejectionOf<TaskFailedError>(outcome);
      expect(rejected).toBeInstanceOf(TaskFailedError);
      expect(rejected.state).toBe(aF);
    });

    it('rejects with a TaskIncompleteError (last batch, time watched) when batch$ completes before a done batch', async () => {
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const e1 = cold('--a--b--|', batches);
        outcome = track(waitForBatch(e1));
        flush();
        expectSubscriptions(e1.subscriptions).toBe('^-------!');
      });
      await microtasks();
      const rejected = rejectionOf<TaskIncompleteError>(outcome);
      expect(rejected).toBeInstanceOf(TaskIncompleteError);
      expect(rejected).toMatchObject({ code: 'TASK_INCOMPLETE', ms: 8 });
      expect(rejected.batch).toBe(b);
      expect(rejected.message).toBe('The batch of 5 tasks was watched for 8 ms and its stream ended before every task settled; 3 of 5 settled.');
    });

    it('rejects with a TaskIncompleteError without a batch when batch$ completes with none', async () => {
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, flush }) => {
        outcome = track(waitForBatch(cold<TaskBatchState>('---|')));
        flush();
      });
      await microtasks();
      const rejected = rejectionOf<TaskIncompleteError>(outcome);
      expect(rejected).toBeInstanceOf(TaskIncompleteError);
      expect(rejected.ms).toBe(3);
      expect(rejected.batch).toBeUndefined();
      expect(rejected.message).toBe('The batch was watched for 3 ms and its stream ended before every task settled; no batch was seen.');
    });

    it('rejects with a TaskIncompleteError when a real combineTasks is cut short by take', async () => {
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const a = cold('--r--c|', states);
        const b = cold('---R------C|', states);
        outcome = track(waitForBatch(combineTasks([a, b]).pipe(take(2))));
        flush();
        expectSubscriptions(a.subscriptions).toBe('^--!');
        expectSubscriptions(b.subscriptions).toBe('^--!');
      });
      await microtasks();
      const rejected = rejectionOf<TaskIncompleteError>(outcome);
      expect(rejected).toBeInstanceOf(TaskIncompleteError);
      expect(rejected).toMatchObject({ ms: 3, batch: { total: 2, done: false, counts: { pending: 0, running: 2, completed: 0, failed: 0 } } });
    });

    it('rejects with a TaskTimeoutError (total, the bound, the last batch) when the timeout passes first, and unsubscribes then', async () => {
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const e1 = cold('--a--b-----d|', batches);
        outcome = track(waitForBatch(e1, { timeout: 7 }));
        flush();
        expectSubscriptions(e1.subscriptions).toBe('^------!');
      });
      await microtasks();
      const rejected = rejectionOf<TaskTimeoutError>(outcome);
      expect(rejected).toBeInstanceOf(TaskTimeoutError);
      expect(rejected).not.toBeInstanceOf(DOMException);
      expect(rejected).toMatchObject({ code: 'TASK_TIMEOUT', timeout: 'total', ms: 7 });
      expect(rejected.batch).toBe(b);
      expect(rejected.message).toBe('The batch of 5 tasks did not finish within 7 ms; 3 of 5 settled.');
    });

    it('on timeout, ends every watch of a real combineTasks at once', async () => {
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const a = cold('--r------c|', states);
        const b = cold('----R-------C|', states);
        outcome = track(waitForBatch(combineTasks([a, b]), { timeout: 6 }));
        flush();
        expectSubscriptions(a.subscriptions).toBe('^-----!');
        expectSubscriptions(b.subscriptions).toBe('^-----!');
      });
      await microtasks();
      const rejected = rejectionOf<TaskTimeoutError>(outcome);
      expect(rejected).toBeInstanceOf(TaskTimeoutError);
      expect(rejected.batch?.tasks).toEqual([aR, bR]);
      expect(rejected.message).toBe('The batch of 2 tasks did not finish within 6 ms; 0 of 2 settled.');
    });

    it('rejects with a TaskTimeoutError without a batch when none came in time', async () => {
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const e1 = cold('-----d|', batches);
        outcome = track(waitForBatch(e1, { timeout: 3 }));
        flush();
        expectSubscriptions(e1.subscriptions).toBe('^--!');
      });
      await microtasks();
      const rejected = rejectionOf<TaskTimeoutError>(outcome);
      expect(rejected).toBeInstanceOf(TaskTimeoutError);
      expect(rejected.batch).toBeUndefined();
      expect(rejected.message).toBe('The batch did not finish within 3 ms; no batch was seen.');
    });

    it('clears its timer the moment it settles first', async () => {
      const recorded = recordTimers();
      let outcome!: () => Outcome;
      let timerClosedAt3: boolean[] = [];
      try {
        bed.scheduler.run(({ cold, flush }) => {
          outcome = track(waitForBatch(cold('--d|', batches), { timeout: 5 }));
          bed.scheduler.schedule(() => (timerClosedAt3 = recorded.timers.map((timer) => timer.closed)), 3);
          flush();
        });
      } finally {
        recorded.restore();
      }
      await microtasks();
      expect(outcome()).toEqual({ resolved: d });
      expect(timerClosedAt3).toEqual([true]);
    });

    it("rejects with the signal's reason when it aborts, unsubscribing at that moment and removing its listener", async () => {
      const controller = new AbortController();
      const added = jest.spyOn(controller.signal, 'addEventListener');
      const removed = jest.spyOn(controller.signal, 'removeEventListener');
      const reason = new Error('client went away');
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const e1 = cold('--a--b-----d|', batches);
        outcome = track(waitForBatch(e1, { signal: controller.signal, timeout: 9 }));
        bed.scheduler.schedule(() => controller.abort(reason), 4);
        flush();
        expectSubscriptions(e1.subscriptions).toBe('^---!');
      });
      await microtasks();
      expect(outcome()).toEqual({ rejected: reason });
      expect(added).toHaveBeenCalledTimes(1);
      expect(removed).toHaveBeenCalledWith('abort', added.mock.calls[0]?.[1]);
    });

    it('ignores an abort after it has settled, and removes its abort listener', async () => {
      const controller = new AbortController();
      const removed = jest.spyOn(controller.signal, 'removeEventListener');
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, flush }) => {
        outcome = track(waitForBatch(cold('--a--d|', batches), { signal: controller.signal }));
        flush();
      });
      expect(removed).toHaveBeenCalledWith('abort', expect.any(Function));
      controller.abort(new Error('too late'));
      await microtasks();
      expect(outcome()).toEqual({ resolved: d });
    });
  });

  describe('without a scheduler', () => {
    it('rejects at once with the reason of a signal aborted already, without subscribing', async () => {
      const reason = new Error('cancelled before it began');
      let subscribed = false;
      const batch$ = new Observable<TaskBatchState>(() => {
        subscribed = true;
      });
      await expect(waitForBatch(batch$, { signal: AbortSignal.abort(reason), timeout: 1000 })).rejects.toBe(reason);
      expect(subscribed).toBe(false);
    });

    it('resolves with the single done batch of an empty combineTasks', async () => {
      await expect(waitForBatch(combineTasks([]))).resolves.toMatchObject({ total: 0, done: true, progress: 1 });
    });

    it('stops a synchronous source inside the done batch, not after its subscribe returns', async () => {
      let closedAfterDone: boolean | undefined;
      const batch$ = new Observable<TaskBatchState>((subscriber) => {
        subscriber.next(b);
        subscriber.next(d);
        closedAfterDone = subscriber.closed;
        subscriber.next(b);
      });
      await expect(waitForBatch(batch$)).resolves.toBe(d);
      expect(closedAfterDone).toBe(true);
    });

    it('settles once when a Subject goes on after the done batch, errors included', async () => {
      const batch$ = new Subject<TaskBatchState>();
      const waiting = waitForBatch(batch$);
      batch$.next(b);
      batch$.next(d);
      batch$.next(b);
      batch$.error(new Error('late'));
      await expect(waiting).resolves.toBe(d);
      expect(batch$.observed).toBe(false);
    });

    it('names what is missing when a hand-fed batch lacks its fields', async () => {
      const odd = new Subject<TaskBatchState>();
      const waiting = waitForBatch(odd);
      odd.next({ total: 3 } as TaskBatchState);
      odd.complete();
      await expect(waiting).rejects.toThrow('The batch of 3 tasks was watched for');
      await expect(waiting).rejects.toThrow('the last batch seen had no `counts`.');
    });

    it('throws a TypeError at once for a bad argument', () => {
      expect(() => waitForBatch(Promise.resolve(d) as never)).toThrow(new TypeError('Expected `batch$` to be an Observable of batches, got an object.'));
      expect(() => waitForBatch([of(aC)] as never)).toThrow(
        new TypeError('Expected `batch$` to be an Observable of batches, got an array (combine the task streams with combineTasks first).'),
      );
      expect(() => waitForBatch(NEVER, [] as never)).toThrow(new TypeError('Expected `options` to be an options object, got an array.'));
      expect(() => waitForBatch(NEVER, null as never)).toThrow(new TypeError('Expected `options` to be an options object, got null.'));
      expect(() => waitForBatch(NEVER, { signal: new AbortController() as never })).toThrow(
        new TypeError('Expected `signal` to be an AbortSignal, got an AbortController (pass its `signal`).'),
      );
      expect(() => waitForBatch(NEVER, { timeout: -1 })).toThrow(new TypeError('Expected `timeout` to be a non-negative finite number of ms, got -1.'));
      expect(() => waitForBatch(NEVER, { timeout: Number.NaN })).toThrow(new TypeError('Expected `timeout` to be a non-negative finite number of ms, got NaN.'));
      expect(() => waitForBatch(NEVER, { timeout: Infinity })).toThrow(new TypeError('Expected `timeout` to be a non-negative finite number of ms, got Infinity.'));
      expect(() => waitForBatch(NEVER, { timeout: '60000' as never })).toThrow(
        new TypeError('Expected `timeout` to be a non-negative finite number of ms, got a string of 5 characters.'),
      );
      expect(() => waitForBatch(NEVER, { timeout: MAX_DELAY_MS + 1 })).toThrow(TypeError);
    });

    it('subscribes to nothing when it throws', () => {
      let subscribed = false;
      const batch$ = new Observable<TaskBatchState>(() => {
        subscribed = true;
      });
      expect(() => waitForBatch(batch$, { timeout: -1 })).toThrow(TypeError);
      expect(subscribed).toBe(false);
    });

    it('leaves no rejection unhandled on any path, when every returned promise is handled', async () => {
      const reject = (batch$: Observable<TaskBatchState>, options: { signal?: AbortSignal; timeout?: number } = {}) =>
        waitForBatch(batch$, options).catch((error: unknown) => error);
      const controller = new AbortController();
      const settledFirst = new AbortController();
      const outcomes = await Promise.all([
        reject(throwError(() => new Error('stream error'))),
        reject(new Observable<TaskBatchState>((s) => s.complete())),
        reject(NEVER, { timeout: 0 }),
        reject(NEVER, { signal: AbortSignal.abort(new Error('aborted already')) }),
        (() => {
          const waiting = reject(NEVER, { signal: controller.signal, timeout: 60_000 });
          controller.abort(new Error('aborted while waiting'));
          return waiting;
        })(),
        (async () => {
          const ended = reject(new Observable<TaskBatchState>((s) => s.complete()), { signal: settledFirst.signal, timeout: 0 });
          await ended;
          settledFirst.abort(new Error('aborted after the end'));
          return ended;
        })(),
      ]);
      expect(outcomes.map((error) => (error as Error).name)).toEqual(['Error', 'TaskIncompleteError', 'TaskTimeoutError', 'Error', 'Error', 'TaskIncompleteError']);
      // afterEach checks that nothing reached the process.
    });
  });

  describe('over real HTTP', () => {
    let watch: HangingWatch | undefined;
    afterEach(async () => {
      await watch?.server.close();
      watch = undefined;
    });

    it('on abort, rejects with the reason, aborts the request in flight and ends the poll loop', async () => {
      watch = await startHangingWatch('postman');
      const controller = new AbortController();
      const waiting = waitForBatch(combineTasks([watch.task$]), { signal: controller.signal, timeout: 60_000 });
      await watch.hanging();

      const reason = new Error('the caller went away');
      controller.abort(reason);
      await expect(waiting).rejects.toBe(reason);
      await watch.expectPollLoopEnded();
    });
  });
});

// Compile-time check: the batch keeps the shape of combineTasks' input.
export function typedRecord(users: Observable<TaskState<{ url: string }>>, orders: Observable<TaskState>): Promise<string | undefined> {
  return waitForBatch(combineTasks({ users, orders })).then(({ tasks }) => tasks.users?.result?.url ?? tasks.orders?.id);
}
