import { mergeMap, Observable, of, Subject } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { TaskFailedError } from '../../src/core/errors/index.js';
import type { TaskState } from '../../src/core/taskState.js';
import { untilTerminal, type UntilTerminalOptions } from '../../src/index.js';
import { taskState, testScheduler } from './support.js';

const p = taskState('t1', 'pending');
const r = taskState('t1', 'running', 0.5);
const c = taskState('t1', 'completed');
const f = taskState('t1', 'failed');
const values = { p, r, c, f };

describe('untilTerminal', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = testScheduler();
  });

  it('mirrors states until the first terminal one, emits it, and completes', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  --p--r--c--r--|', values);
      const e1subs = '  ^-------!';
      const expected = '--p--r--(c|)';
      expectObservable(e1.pipe(untilTerminal())).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('emits a failed state and completes when throwOnFailure is off', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --r--f--r--|', values);
      const e1subs = '  ^----!';
      const expected = '--r--(f|)';
      expectObservable(e1.pipe(untilTerminal({ throwOnFailure: false }))).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors with a TaskFailedError carrying the failed state when throwOnFailure is on', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --p--r--f--c--|', values);
      const e1subs = '  ^-------!';
      const expected = '--p--r--#';
      expectObservable(e1.pipe(untilTerminal({ throwOnFailure: true }))).toBe(expected, values, new TaskFailedError(f));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('still emits a completed state and completes when throwOnFailure is on', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --r--c--f--|', values);
      const e1subs = '  ^----!';
      const expected = '--r--(c|)';
      expectObservable(e1.pipe(untilTerminal({ throwOnFailure: true }))).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('ends on a terminal state that comes first', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' c--r--|', values);
      const e1subs = '  (^!)';
      const expected = '(c|)';
      expectObservable(e1.pipe(untilTerminal())).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('completes with a source that completes before any terminal state', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --p--r--|', values);
      const e1subs = '  ^-------!';
      const expected = '--p--r--|';
      expectObservable(e1.pipe(untilTerminal())).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('mirrors an error from the source', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold(' --r--#', values, new Error('network down'));
      const e1subs = '  ^----!';
      const expected = '--r--#';
      expectObservable(e1.pipe(untilTerminal())).toBe(expected, values, new Error('network down'));
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('completes at once on an empty source', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<TaskState>(' |');
      const e1subs = '  (^!)';
      const expected = '|';
      expectObservable(e1.pipe(untilTerminal())).toBe(expected);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('waits on a source that never emits', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold<TaskState>(' -');
      const e1subs = '  ^';
      const expected = '-';
      expectObservable(e1.pipe(untilTerminal())).toBe(expected);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('lets the subscriber unsubscribe early', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  --p--r--c--|', values);
      const unsub = '   ----!';
      const e1subs = '  ^---!';
      const expected = '--p--';
      expectObservable(e1.pipe(untilTerminal({ throwOnFailure: true })), unsub).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('does not break unsubscription chains when unsubscribed explicitly', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('  --p--r--c--|', values);
      const unsub = '   ------!';
      const e1subs = '  ^-----!';
      const expected = '--p--r-';
      const result = e1.pipe(
        mergeMap((state: TaskState) => of(state)),
        untilTerminal({ throwOnFailure: true }),
        mergeMap((state: TaskState) => of(state)),
      );
      expectObservable(result, unsub).toBe(expected, values);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('ends a webhook-fed Subject that never completes on its own', () => {
    const webhook = new Subject<TaskState>();
    const seen: TaskState[] = [];
    let completed = false;
    webhook.pipe(untilTerminal()).subscribe({ next: (state) => seen.push(state), complete: () => (completed = true) });

    webhook.next(p);
    webhook.next(r);
    expect(completed).toBe(false);
    webhook.next(c);
    webhook.next(r);

    expect(seen).toEqual([p, r, c]);
    expect(completed).toBe(true);
    expect(webhook.observed).toBe(false);
  });

  it('keeps the result type of the states it passes on', () => {
    const typed = of(createResultState()).pipe(untilTerminal());
    const urls: string[] = [];
    typed.subscribe((state) => urls.push(state.result?.url ?? ''));
    expect(urls).toEqual(['https://files.example/export.csv']);
  });

  it.each([
    ['null', null],
    ['an array', []],
    ['a number', 3],
    ['an Observable', of(1)],
    ['a string throwOnFailure', { throwOnFailure: 'yes' }],
  ])('throws a TypeError when created with %s as options', (_, options) => {
    expect(() => untilTerminal(options as unknown as UntilTerminalOptions)).toThrow(TypeError);
  });

  it('says what it expected in its TypeError', () => {
    expect(() => untilTerminal({ throwOnFailure: 1 as unknown as boolean })).toThrow('Expected `throwOnFailure` to be a boolean, got 1.');
  });
});

function createResultState(): TaskState<{ url: string }> {
  return { ...taskState('t2', 'completed'), result: { url: 'https://files.example/export.csv' } };
}

// A compile-time check: the operator keeps `TaskState<R>` (tsc fails here if it widened it).
export const keepsResultType = (source: Observable<TaskState<{ url: string }>>): Observable<TaskState<{ url: string }>> =>
  source.pipe(untilTerminal({ throwOnFailure: true }));
