import { mergeMap, Observable, of, Subject, type SchedulerLike, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { TaskTimeoutError } from '../../src/core/errors/index.js';
import type { TaskState } from '../../src/core/taskState.js';
import { untilTerminal, withTimeout, type WithTimeoutConfig } from '../../src/index.js';
import { countedTimers } from '../support/countedTimers.js';
import { taskState, testScheduler } from './support.js';

const p = taskState('t1', 'pending');
const r = taskState('t1', 'running', 0.2);
const s = taskState('t1', 'running', 0.6);
const c = taskState('t1', 'completed');
/** Says the same as `r`, in a new object: a webhook delivered twice. */
const rAgain = taskState('t1', 'running', 0.2);
const values = { p, r, s, c, R: rAgain };

const timeoutError = (timeout: 'total' | 'idle', ms: number, state?: TaskState) =>
  new TaskTimeoutError(
    state === undefined
      ? `The task ${timeout === 'total' ? `did not finish within ${ms} ms` : `showed no new state for ${ms} ms`}; no state was seen.`
      : `Task ${state.id} (${state.provider}) ${timeout === 'total' ? `did not finish within ${ms} ms` : `showed no new state for ${ms} ms`}; last seen ${state.status}.`,
    { timeout, ms, ...(state === undefined ? {} : { state }) },
  );

describe('withTimeout', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = testScheduler();
  });

  it('mirrors a source that completes in time', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --p--r--c|', values);
      const e1subs = '  ^--------!';
      const expected = '--p--r--c|';
      expectObservable(e1.pipe(withTimeout({ total: 20, idle: 5 }))).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors when the source has not completed within `total`, with the last state, and unsubscribes from it', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --p--r----------c|', values);
      const e1subs = '  ^---------!';
      const expected = '--p--r----#';
      expectObservable(e1.pipe(withTimeout(10))).toBe(expected, values, timeoutError('total', 10, r));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('counts `total` from subscription even while states keep coming', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -p-r-s-r-s-r-s-c|', values);
      const e1subs = '  ^-------!';
      const expected = '-p-r-s-r#';
      expectObservable(e1.pipe(withTimeout({ total: 8, idle: 3 }))).toBe(expected, values, timeoutError('total', 8, r));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('carries no state when nothing came before `total`', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --------p|', values);
      const e1subs = '  ^----!';
      const expected = '-----#';
      expectObservable(e1.pipe(withTimeout({ total: 5 }))).toBe(expected, values, timeoutError('total', 5));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors when no new state came for `idle`, with the last state', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --p--r-------c|', values);
      const e1subs = '  ^--------!';
      const expected = '--p--r---#';
      expectObservable(e1.pipe(withTimeout({ idle: 4 }))).toBe(expected, values, timeoutError('idle', 4, r));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('counts `idle` from subscription until the first state, and carries no state then', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -----p|', values);
      const e1subs = '  ^--!';
      const expected = '---#';
      expectObservable(e1.pipe(withTimeout({ idle: 3 }))).toBe(expected, values, timeoutError('idle', 3));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('restarts the `idle` bound on each new state', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --p--r--s--c|', values);
      const e1subs = '  ^-----------!';
      const expected = '--p--r--s--c|';
      expectObservable(e1.pipe(withTimeout({ idle: 4 }))).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('does not count a state repeated unchanged as news, but passes it on', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --r--R--s--c|', values);
      const e1subs = '  ^-----!';
      const expected = '--r--R#';
      expectObservable(e1.pipe(withTimeout({ idle: 4 }))).toBe(expected, values, timeoutError('idle', 4, rAgain));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('mirrors an error from the source and stops its timers', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --p--#', values, new Error('network down'));
      const e1subs = '  ^----!';
      const expected = '--p--#';
      expectObservable(e1.pipe(withTimeout({ total: 10, idle: 4 }))).toBe(expected, values, new Error('network down'));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('completes with an empty source', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<TaskState>(' |');
      const e1subs = '  (^!)';
      const expected = '|';
      expectObservable(e1.pipe(withTimeout({ total: 10, idle: 5 }))).toBe(expected);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('lets a synchronous source finish within 0 ms', () => {
    scheduler.run(({ expectObservable }) => {
      expectObservable(of(r, c).pipe(withTimeout({ total: 0, idle: 0 }))).toBe('(rc|)', values);
    });
  });

  it('times out at once with 0 ms on a source that is not synchronous', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' -p|', values);
      const e1subs = '  (^!)';
      const expected = '#';
      expectObservable(e1.pipe(withTimeout(0))).toBe(expected, values, timeoutError('total', 0));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('lets the subscriber unsubscribe early', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  --p--r--------c|', values);
      const unsub = '   ----!';
      const e1subs = '  ^---!';
      const expected = '--p--';
      expectObservable(e1.pipe(withTimeout({ total: 6, idle: 3 })), unsub).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('does not break unsubscription chains when unsubscribed explicitly', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  --p--r--------c|', values);
      const unsub = '   ------!';
      const e1subs = '  ^-----!';
      const expected = '--p--r-';
      const result = e1.pipe(
        mergeMap((state: TaskState) => of(state)),
        withTimeout({ total: 10 }),
        mergeMap((state: TaskState) => of(state)),
      );
      expectObservable(result, unsub).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('bounds a webhook-fed Subject, after untilTerminal', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const webhook = new Subject<TaskState>();
      // The webhook calls, as they arrive; the Subject itself never completes.
      cold('--p--r--c--r', values).subscribe((state) => webhook.next(state));
      expectObservable(webhook.pipe(untilTerminal(), withTimeout({ idle: 5 }))).toBe('--p--r--(c|)', values);
      expectObservable(webhook.pipe(withTimeout({ idle: 5 }))).toBe('--p--r--c--r----#', values, timeoutError('idle', 5, r));
    });
  });

  it('aborts the request in flight when it times out', () => {
    scheduler.run(({ flush }) => {
      let signal: AbortSignal | undefined;
      // A source shaped like a poll loop: a request that is aborted on unsubscribe.
      const slowRequest = new Observable<TaskState>(() => {
        const controller = new AbortController();
        signal = controller.signal;
        return () => controller.abort();
      });
      let error: unknown;
      slowRequest.pipe(withTimeout(1000)).subscribe({ error: (e: unknown) => (error = e) });
      expect(signal?.aborted).toBe(false);
      flush();
      expect(error).toBeInstanceOf(TaskTimeoutError);
      expect(signal?.aborted).toBe(true);
    });
  });

  it('runs its timers on the scheduler it is given', () => {
    const virtual = new TestScheduler(() => undefined);
    const source = new Subject<TaskState>();
    let error: unknown;
    source.pipe(withTimeout({ idle: 300 }, virtual)).subscribe({ error: (e: unknown) => (error = e) });
    source.next(s);
    expect(error).toBeUndefined();
    virtual.flush();
    expect(error).toEqual(timeoutError('idle', 300, s));
    expect(source.observed).toBe(false);
  });

  it.each([
    ['completes', (source: Subject<TaskState>) => source.complete()],
    ['errors', (source: Subject<TaskState>) => source.error(new Error('network down'))],
    ['is unsubscribed', (_: Subject<TaskState>, subscription: Subscription) => subscription.unsubscribe()],
  ])('leaves no timer behind when the source %s', (_, end) => {
    const timers = countedTimers(new TestScheduler(() => undefined));
    const source = new Subject<TaskState>();
    const subscription = source.pipe(withTimeout({ total: 500, idle: 100 }, timers)).subscribe({ error: () => undefined });
    source.next(r);
    source.next(s);
    expect(timers.liveTimers()).toBe(2);
    end(source, subscription);
    expect(timers.liveTimers()).toBe(0);
  });

  it.each([
    ['a negative number', -1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a negative total', { total: -5 }],
    ['an infinite idle', { idle: Number.POSITIVE_INFINITY }],
    ['a string idle', { total: 10, idle: '5' }],
    ['neither bound', {}],
    ['a string', '10'],
    ['null', null],
    ['undefined', undefined],
  ])('throws a TypeError when created with %s', (_, config) => {
    expect(() => withTimeout(config as unknown as WithTimeoutConfig)).toThrow(TypeError);
  });

  it('throws a TypeError when created with something that is not a scheduler', () => {
    expect(() => withTimeout(10, {} as SchedulerLike)).toThrow('Expected `scheduler` to be an RxJS scheduler (with now() and schedule()), got an object.');
  });

  it('says what it expected in its TypeError', () => {
    expect(() => withTimeout({ idle: -3 })).toThrow('Expected `idle` to be a non-negative finite number of ms, got -3.');
  });
});
