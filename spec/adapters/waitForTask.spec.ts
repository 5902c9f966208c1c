import { NEVER, Observable, Subject, throwError } from 'rxjs';
import { take } from 'rxjs';
import { TaskFailedError, TaskIncompleteError, TaskTimeoutError, TransportError, waitForTask, withTimeout, type TaskState } from '../../src/index.js';
import { adapterTestBed, marbleStates, microtasks, startHangingWatch, type HangingWatch } from './support.js';

const values = marbleStates;
const { r, c, f } = values;

/** How a promise settled, read in virtual time. */
type Outcome = { resolved: TaskState } | { rejected: unknown } | 'pending';

function track(promise: Promise<TaskState>): () => Outcome {
  let outcome: Outcome = 'pending';
  promise.then(
    (resolved) => (outcome = { resolved }),
    (rejected: unknown) => (outcome = { rejected }),
  );
  return () => outcome;
}

describe('waitForTask', () => {
  const bed = adapterTestBed();

  describe('in virtual time', () => {
    it('resolves with the first completed state, and unsubscribes then and there', async () => {
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const e1 = cold('--p--r--c--r--|', values);
        outcome = track(waitForTask(e1));
        flush();
        expectSubscriptions(e1.subscriptions).toBe('^-------!');
      });
      await microtasks();
      expect(outcome()).toEqual({ resolved: c });
    });

    it('rejects with a TaskFailedError carrying the failed state', async () => {
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const e1 = cold('--r--f--c--|', values);
        outcome = track(waitForTask(e1));
        flush();
        expectSubscriptions(e1.subscriptions).toBe('^----!');
      });
      await microtasks();
      const { rejected } = outcome() as { rejected: TaskFailedError };
      expect(rejected).toBeInstanceOf(TaskFailedError);
      expect(rejected.state).toBe(f);
    });

    it("rejects with the stream's own error, as it is", async () => {
      const error = new TransportError('socket hang up', { reason: 'network' });
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const e1 = cold('--p--#', values, error);
        outcome = track(waitForTask(e1));
        flush();
        expectSubscriptions(e1.subscriptions).toBe('^----!');
      });
      await microtasks();
      expect(outcome()).toEqual({ rejected: error });
      expect((outcome() as { rejected: unknown }).rejected).toBe(error);
    });

    it('rejects with a TaskIncompleteError (last state, time watched), not a timeout, when the stream completes before a terminal state', async () => {
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, flush }) => {
        outcome = track(waitForTask(cold('--p--r--|', values)));
        flush();
      });
      await microtasks();
      const { rejected } = outcome() as { rejected: TaskIncompleteError };
      expect(rejected).toBeInstanceOf(TaskIncompleteError);
      expect(rejected).not.toBeInstanceOf(TaskTimeoutError);
      expect(rejected).toMatchObject({ code: 'TASK_INCOMPLETE', ms: 8, state: r, taskId: 't1', provider: 'acme' });
      expect(rejected.message).toBe('Task t1 (acme) was watched for 8 ms and its stream ended before a terminal state; last seen running.');
    });

    it('rejects with a TaskIncompleteError for a watch cut short by take(1), and unsubscribes at its first state', async () => {
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const e1 = cold('--p--r--c--|', values);
        outcome = track(waitForTask(e1.pipe(take(1))));
        flush();
        expectSubscriptions(e1.subscriptions).toBe('^-!');
      });
      await microtasks();
      const { rejected } = outcome() as { rejected: TaskIncompleteError };
      expect(rejected).toBeInstanceOf(TaskIncompleteError);
      expect(rejected).toMatchObject({ code: 'TASK_INCOMPLETE', ms: 2, state: values.p });
    });

    it('rejects with a TaskIncompleteError without a state when the stream completes before any', async () => {
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, flush }) => {
        outcome = track(waitForTask(cold<TaskState>('---|')));
        flush();
      });
      await microtasks();
      const { rejected } = outcome() as { rejected: TaskIncompleteError };
      expect(rejected).toBeInstanceOf(TaskIncompleteError);
      expect(rejected.ms).toBe(3);
      expect(rejected.state).toBeUndefined();
      expect(rejected.message).toBe('The task was watched for 3 ms and its stream ended before a terminal state; no state was seen.');
    });

    it("still rejects with withTimeout's own TaskTimeoutError when the bound runs out", async () => {
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const e1 = cold('--p--r------c|', values);
        outcome = track(waitForTask(e1.pipe(withTimeout(6))));
        flush();
        expectSubscriptions(e1.subscriptions).toBe('^-----!');
      });
      await microtasks();
      const { rejected } = outcome() as { rejected: TaskTimeoutError };
      expect(rejected).toBeInstanceOf(TaskTimeoutError);
      expect(rejected).toMatchObject({ timeout: 'total', ms: 6, state: r });
    });

    it('rejects with the signal\'s reason when it aborts, unsubscribing at that moment', async () => {
      const controller = new AbortController();
      const reason = new Error('client went away');
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const e1 = cold('--p--r-----c|', values);
        outcome = track(waitForTask(e1, { signal: controller.signal }));
        bed.scheduler.schedule(() => controller.abort(reason), 7);
        flush();
        expectSubscriptions(e1.subscriptions).toBe('^------!');
      });
      await microtasks();
      expect(outcome()).toEqual({ rejected: reason });
    });

    it('ignores an abort after it has settled, and removes its abort listener', async () => {
      const controller = new AbortController();
      const removed = jest.spyOn(controller.signal, 'removeEventListener');
      let outcome!: () => Outcome;
      bed.scheduler.run(({ cold, flush }) => {
        outcome = track(waitForTask(cold('--c|', values), { signal: controller.signal }));
        flush();
      });
      expect(removed).toHaveBeenCalledWith('abort', expect.any(Function));
      controller.abort(new Error('too late'));
      await microtasks();
      expect(outcome()).toEqual({ resolved: c });
    });
  });

  describe('without a scheduler', () => {
    it('rejects at once with the reason of a signal aborted already, without subscribing', async () => {
      const reason = new Error('cancelled before it began');
      let subscribed = false;
      const task$ = new Observable<TaskState>(() => {
        subscribed = true;
      });
      await expect(waitForTask(task$, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      expect(subscribed).toBe(false);
    });

    it('rejects with the default AbortError (a DOMException) when the signal aborts without a reason', async () => {
      const controller = new AbortController();
      const waiting = waitForTask(NEVER, { signal: controller.signal });
      controller.abort();
      await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    });

    it('stops a synchronous source inside the completed state, not after its subscribe returns', async () => {
      let closedAfterCompleted: boolean | undefined;
      const task$ = new Observable<TaskState>((subscriber) => {
        subscriber.next(r);
        subscriber.next(c);
        closedAfterCompleted = subscriber.closed;
        subscriber.next(r);
      });
      await expect(waitForTask(task$)).resolves.toBe(c);
      expect(closedAfterCompleted).toBe(true);
    });

    it('settles once when a Subject goes on after the terminal state, errors included', async () => {
      const states = new Subject<TaskState>();
      const waiting = waitForTask(states);
      states.next(r);
      states.next(f);
      states.next(c);
      states.error(new Error('late'));
      await expect(waiting).rejects.toBeInstanceOf(TaskFailedError);
      expect(states.observed).toBe(false);
    });

    it('rejects with the error of a foreign Observable whose subscribe throws', async () => {
      const boom = new Error('cannot subscribe');
      const foreign = { subscribe: () => { throw boom; } };
      // isObservable looks for `lift` and `subscribe`: a minimal foreign Observable.
      const task$ = Object.assign(Object.create(Observable.prototype) as Observable<TaskState>, foreign);
      await expect(waitForTask(task$)).rejects.toBe(boom);
    });

    it('throws a TypeError at once for a bad argument', () => {
      expect(() => waitForTask(Promise.resolve(c) as never)).toThrow(/Expected `task\$` to be an Observable of task states, got an object/);
      expect(() => waitForTask(NEVER, [] as never)).toThrow(/Expected `options` to be an options object, got an array/);
      expect(() => waitForTask(NEVER, { signal: new AbortController() as never })).toThrow(
        'Expected `signal` to be an AbortSignal, got an AbortController (pass its `signal`).',
      );
    });

    it('leaves no rejection unhandled on any path, when every returned promise is handled', async () => {
      const reject = (task$: Observable<TaskState>, signal?: AbortSignal) => waitForTask(task$, signal ? { signal } : {}).catch((error: unknown) => error);
      const controller = new AbortController();
      const settledFirst = new AbortController();
      const outcomes = await Promise.all([
        reject(throwError(() => new Error('stream error'))),
        reject(new Observable<TaskState>((s) => s.next(f))),
        reject(new Observable<TaskState>((s) => s.complete())),
        reject(NEVER, AbortSignal.abort(new Error('aborted already'))),
        (() => {
          const waiting = reject(NEVER, controller.signal);
          controller.abort(new Error('aborted while waiting'));
          return waiting;
        })(),
        (async () => {
          const failed = reject(new Observable<TaskState>((s) => s.next(f)), settledFirst.signal);
          await failed;
          settledFirst.abort(new Error('aborted after the failure'));
          return failed;
        })(),
      ]);
      expect(outcomes.map((error) => (error as Error).name)).toEqual(['Error', 'TaskFailedError', 'TaskIncompleteError', 'Error', 'Error', 'TaskFailedError']);
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
      watch = await startHangingWatch('mobizon');
      const controller = new AbortController();
      const waiting = waitForTask(watch.task$, { signal: controller.signal });
      await watch.hanging();

      const reason = new Error('the caller went away');
      controller.abort(reason);
      await expect(waiting).rejects.toBe(reason);
      await watch.expectPollLoopEnded();
    });
  });
});
