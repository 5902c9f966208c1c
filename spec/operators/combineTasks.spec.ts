import { map, mergeMap, Observable, of, Subject } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { TaskFailedError } from '../../src/core/errors/index.js';
import type { TaskState } from '../../src/core/taskState.js';
import { combineTasks, untilTerminal, type CombineTasksOptions, type TaskBatchState, type TaskInputs } from '../../src/index.js';
import { counts, taskState, testScheduler } from './support.js';

const aR = taskState('a', 'running', 0.5);
const aC = taskState('a', 'completed');
const aF = taskState('a', 'failed', 0.5);
const bR = taskState('b', 'running', 0.25);
const bC = taskState('b', 'completed');
const states = { r: aR, c: aC, f: aF, R: bR, C: bC };
const networkDown = new Error('network down');

describe('combineTasks', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = testScheduler();
  });

  it('emits counts, mean progress and each latest state after each change, and completes when every input has', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('   --r-----c|', states);
      const asubs = '    ^--------!';
      const b = cold('   -----R-----C|', states);
      const bsubs = '    ^-----------!';
      const expected = ' --w--x--y--z|';
      const none = [undefined, undefined];
      expectObservable(combineTasks([a, b])).toBe(expected, {
        w: { tasks: [aR, undefined], errors: none, counts: counts(1, 1, 0, 0), total: 2, progress: 0.25, done: false },
        x: { tasks: [aR, bR], errors: none, counts: counts(0, 2, 0, 0), total: 2, progress: 0.375, done: false },
        y: { tasks: [aC, bR], errors: none, counts: counts(0, 1, 1, 0), total: 2, progress: 0.625, done: false },
        z: { tasks: [aC, bC], errors: none, counts: counts(0, 0, 2, 0), total: 2, progress: 1, done: true },
      });
      expectSubscriptions(a.subscriptions).toBe(asubs);
      expectSubscriptions(b.subscriptions).toBe(bsubs);
    });
  });

  it('keeps the shape of a record in `tasks` and `errors`', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const users = cold('  --r--c|', states);
      const usersSubs = '   ^-----!';
      const orders = cold(' ---R---C|', states);
      const ordersSubs = '  ^-------!';
      const expected = '    --wx-y-z|';
      const none = { users: undefined, orders: undefined };
      expectObservable(combineTasks({ users, orders })).toBe(expected, {
        w: { tasks: { users: aR, orders: undefined }, errors: none, counts: counts(1, 1, 0, 0), total: 2, progress: 0.25, done: false },
        x: { tasks: { users: aR, orders: bR }, errors: none, counts: counts(0, 2, 0, 0), total: 2, progress: 0.375, done: false },
        y: { tasks: { users: aC, orders: bR }, errors: none, counts: counts(0, 1, 1, 0), total: 2, progress: 0.625, done: false },
        z: { tasks: { users: aC, orders: bC }, errors: none, counts: counts(0, 0, 2, 0), total: 2, progress: 1, done: true },
      });
      expectSubscriptions(users.subscriptions).toBe(usersSubs);
      expectSubscriptions(orders.subscriptions).toBe(ordersSubs);
    });
  });

  it('counts a task not heard from as pending, and stays open while it never emits', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('   --r--c|', states);
      const asubs = '    ^-----!';
      const silent = cold<TaskState>('-');
      const silentSubs = '^';
      const expected = ' --x--y-';
      const none = [undefined, undefined];
      expectObservable(combineTasks([a, silent])).toBe(expected, {
        x: { tasks: [aR, undefined], errors: none, counts: counts(1, 1, 0, 0), total: 2, progress: 0.25, done: false },
        y: { tasks: [aC, undefined], errors: none, counts: counts(1, 0, 1, 0), total: 2, progress: 0.5, done: false },
      });
      expectSubscriptions(a.subscriptions).toBe(asubs);
      expectSubscriptions(silent.subscriptions).toBe(silentSubs);
    });
  });

  it('ignores whatever a task sends after its terminal state, and completes when its stream does', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('   --c--r--f--|', states);
      const asubs = '    ^----------!';
      const expected = ' --x--------|';
      expectObservable(combineTasks([a])).toBe(expected, {
        x: { tasks: [aC], errors: [undefined], counts: counts(0, 0, 1, 0), total: 1, progress: 1, done: true },
      });
      expectSubscriptions(a.subscriptions).toBe(asubs);
    });
  });

  it.each([
    ['settling all', {}],
    ['failing fast', { failFast: true }],
  ])('ignores an error after a terminal state when %s', (_, options: CombineTasksOptions) => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('   --c--#', states, networkDown);
      const asubs = '    ^----!';
      const expected = ' --x--|';
      expectObservable(combineTasks([a], options)).toBe(expected, {
        x: { tasks: [aC], errors: [undefined], counts: counts(0, 0, 1, 0), total: 1, progress: 1, done: true },
      });
      expectSubscriptions(a.subscriptions).toBe(asubs);
    });
  });

  describe('settling all (without failFast)', () => {
    it('counts a failed task and goes on', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('   --f|', states);
        const asubs = '    ^--!';
        const b = cold('   -----R--C|', states);
        const bsubs = '    ^--------!';
        const expected = ' --x--y--z|';
        const none = [undefined, undefined];
        expectObservable(combineTasks([a, b])).toBe(expected, {
          x: { tasks: [aF, undefined], errors: none, counts: counts(1, 0, 0, 1), total: 2, progress: 0.5, done: false },
          y: { tasks: [aF, bR], errors: none, counts: counts(0, 1, 0, 1), total: 2, progress: 0.625, done: false },
          z: { tasks: [aF, bC], errors: none, counts: counts(0, 0, 1, 1), total: 2, progress: 1, done: true },
        });
        expectSubscriptions(a.subscriptions).toBe(asubs);
        expectSubscriptions(b.subscriptions).toBe(bsubs);
      });
    });

    it('counts a task whose stream errors as failed, keeps its last state, and puts the error in `errors`', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('   --r--#', states, networkDown);
        const asubs = '    ^----!';
        const b = cold('   ------R--C|', states);
        const bsubs = '    ^---------!';
        const expected = ' --w--xy--z|';
        expectObservable(combineTasks([a, b])).toBe(expected, {
          w: { tasks: [aR, undefined], errors: [undefined, undefined], counts: counts(1, 1, 0, 0), total: 2, progress: 0.25, done: false },
          x: { tasks: [aR, undefined], errors: [networkDown, undefined], counts: counts(1, 0, 0, 1), total: 2, progress: 0.5, done: false },
          y: { tasks: [aR, bR], errors: [networkDown, undefined], counts: counts(0, 1, 0, 1), total: 2, progress: 0.625, done: false },
          z: { tasks: [aR, bC], errors: [networkDown, undefined], counts: counts(0, 0, 1, 1), total: 2, progress: 1, done: true },
        });
        expectSubscriptions(a.subscriptions).toBe(asubs);
        expectSubscriptions(b.subscriptions).toBe(bsubs);
      });
    });

    it('counts as failed a task that sends something that is not a task state, and keeps listening to the rest', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const garbage = { ...aR, status: 'done' } as unknown as TaskState;
        const a = cold('   --g--r|', { g: garbage, r: aR });
        const asubs = '    ^-----!';
        const b = cold('   ----C|', states);
        const bsubs = '    ^----!';
        const expected = ' --x-y-|';
        const notAState = new TypeError('Expected a task state with a status of pending, running, completed or failed, got "done".');
        expectObservable(combineTasks([a, b])).toBe(expected, {
          x: { tasks: [undefined, undefined], errors: [notAState, undefined], counts: counts(1, 0, 0, 1), total: 2, progress: 0.5, done: false },
          y: { tasks: [undefined, bC], errors: [notAState, undefined], counts: counts(0, 0, 1, 1), total: 2, progress: 1, done: true },
        });
        expectSubscriptions(a.subscriptions).toBe(asubs);
        expectSubscriptions(b.subscriptions).toBe(bsubs);
      });
    });
  });

  describe('failing fast', () => {
    it('errors with a TaskFailedError at the first failed task and unsubscribes the rest', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('   --r-----f--|', states);
        const asubs = '    ^-------!';
        const b = cold('   -----R--------C|', states);
        const bsubs = '    ^-------!';
        const expected = ' --x--y--#';
        const none = [undefined, undefined];
        expectObservable(combineTasks([a, b], { failFast: true })).toBe(
          expected,
          {
            x: { tasks: [aR, undefined], errors: none, counts: counts(1, 1, 0, 0), total: 2, progress: 0.25, done: false },
            y: { tasks: [aR, bR], errors: none, counts: counts(0, 2, 0, 0), total: 2, progress: 0.375, done: false },
          },
          new TaskFailedError(aF),
        );
        expectSubscriptions(a.subscriptions).toBe(asubs);
        expectSubscriptions(b.subscriptions).toBe(bsubs);
      });
    });

    it('errors with the error of the first task stream that errors and unsubscribes the rest', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('   -----#', states, networkDown);
        const asubs = '    ^----!';
        const b = cold('   --R-----C|', states);
        const bsubs = '    ^----!';
        const expected = ' --x--#';
        expectObservable(combineTasks({ a, b }, { failFast: true })).toBe(
          expected,
          { x: { tasks: { a: undefined, b: bR }, errors: { a: undefined, b: undefined }, counts: counts(1, 1, 0, 0), total: 2, progress: 0.125, done: false } },
          networkDown,
        );
        expectSubscriptions(a.subscriptions).toBe(asubs);
        expectSubscriptions(b.subscriptions).toBe(bsubs);
      });
    });

    it('does not subscribe to the tasks after one that fails at once', () => {
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const b = cold('--R|', states);
        expectObservable(combineTasks([of(aF), b], { failFast: true })).toBe('#', {}, new TaskFailedError(aF));
        expectSubscriptions(b.subscriptions).toBe([]);
      });
    });
  });

  it.each([
    ['array', [], []],
    ['record', {}, {}],
  ])('emits once and completes on an empty %s', (_, tasks: TaskInputs, shape: unknown) => {
    scheduler.run(({ expectObservable }) => {
      expectObservable(combineTasks(tasks)).toBe('(x|)', {
        x: { tasks: shape, errors: shape, counts: counts(0, 0, 0, 0), total: 0, progress: 1, done: true },
      });
    });
  });

  it('completes without emitting when every input completes without a state', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold<TaskState>('   |');
      const asubs = '    (^!)';
      const b = cold<TaskState>('   ---|');
      const bsubs = '    ^--!';
      const expected = ' ---|';
      expectObservable(combineTasks([a, b])).toBe(expected);
      expectSubscriptions(a.subscriptions).toBe(asubs);
      expectSubscriptions(b.subscriptions).toBe(bsubs);
    });
  });

  it('lets the subscriber unsubscribe early, unsubscribing every task', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const a = hot('    --r-----c|', states);
      const b = hot('    -----R-----C|', states);
      const unsub = '    ----!';
      const subs = '     ^---!';
      const expected = ' --x--';
      expectObservable(combineTasks([a, b]), unsub).toBe(expected, {
        x: { tasks: [aR, undefined], errors: [undefined, undefined], counts: counts(1, 1, 0, 0), total: 2, progress: 0.25, done: false },
      });
      expectSubscriptions(a.subscriptions).toBe(subs);
      expectSubscriptions(b.subscriptions).toBe(subs);
    });
  });

  it('does not break unsubscription chains when unsubscribed explicitly', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const a = hot('    --r-----c|', states);
      const b = hot('    -----R-----C|', states);
      const unsub = '    ------!';
      const subs = '     ^-----!';
      const expected = ' --x--y-';
      const result = combineTasks([a.pipe(mergeMap((state: TaskState) => of(state))), b]).pipe(mergeMap((batch: TaskBatchState) => of(batch)));
      expectObservable(result, unsub).toBe(expected, {
        x: { tasks: [aR, undefined], errors: [undefined, undefined], counts: counts(1, 1, 0, 0), total: 2, progress: 0.25, done: false },
        y: { tasks: [aR, bR], errors: [undefined, undefined], counts: counts(0, 2, 0, 0), total: 2, progress: 0.375, done: false },
      });
      expectSubscriptions(a.subscriptions).toBe(subs);
      expectSubscriptions(b.subscriptions).toBe(subs);
    });
  });

  it('follows webhook-fed Subjects, ended by untilTerminal', () => {
    const users = new Subject<TaskState>();
    const orders = new Subject<TaskState>();
    const batches: TaskBatchState<{ readonly users: TaskState | undefined; readonly orders: TaskState | undefined }>[] = [];
    let completed = false;
    combineTasks({ users: users.pipe(untilTerminal()), orders: orders.pipe(untilTerminal()) }).subscribe({
      next: (batch) => batches.push(batch),
      complete: () => (completed = true),
    });

    users.next(aR);
    orders.next(bR);
    users.next(aC);
    expect(completed).toBe(false);
    orders.next(bC);

    expect(completed).toBe(true);
    expect(batches.map(({ progress }) => progress)).toEqual([0.25, 0.375, 0.625, 1]);
    expect(batches[3]?.tasks).toEqual({ users: aC, orders: bC });
    expect(users.observed || orders.observed).toBe(false);
  });

  describe('the tasks view', () => {
    it('shows each batch as it was, even when read after later ones, in any order', () => {
      const inputs = [new Subject<TaskState>(), new Subject<TaskState>(), new Subject<TaskState>()];
      const batches: TaskBatchState[] = [];
      combineTasks(inputs).subscribe((batch) => batches.push(batch));
      const updates: [number, TaskState][] = [
        [0, taskState('a', 'running', 0.1)],
        [1, taskState('b', 'running', 0.1)],
        [0, taskState('a', 'running', 0.2)],
        [2, taskState('c', 'pending')],
        [0, taskState('a', 'running', 0.3)],
        [1, taskState('b', 'completed')],
        [2, taskState('c', 'failed')],
        [0, taskState('a', 'completed')],
      ];
      const expected: (TaskState | undefined)[][] = [];
      const latest: (TaskState | undefined)[] = [undefined, undefined, undefined];
      for (const [index, state] of updates) {
        inputs[index]?.next(state);
        latest[index] = state;
        expected.push([...latest]);
        if (expected.length === 3) expect(batches[1]?.tasks).toEqual(expected[1]); // one read in the middle
      }

      const readOrder = [7, 0, 5, 2, 6, 4, 3, 1];
      for (const index of readOrder) expect(batches[index]?.tasks).toEqual(expected[index]);
    });

    it('gives each batch its own frozen tasks, the same object on every read', () => {
      const input = new Subject<TaskState>();
      const batches: TaskBatchState[] = [];
      combineTasks([input]).subscribe((batch) => batches.push(batch));
      input.next(aR);
      input.next(aC);
      const [first, second] = batches as [TaskBatchState, TaskBatchState];
      expect(first.tasks).toBe(first.tasks);
      expect(Object.isFrozen(first.tasks)).toBe(true);
      expect(Object.isFrozen(second.errors)).toBe(true);
      expect(first.tasks).not.toBe(second.tasks);
      expect(() => (first.tasks as (TaskState | undefined)[]).push(aF)).toThrow(TypeError);
    });

    it('freezes a record’s tasks and errors too', () => {
      const batches: TaskBatchState<{ readonly users: TaskState | undefined }>[] = [];
      combineTasks({ users: of(aR) }).subscribe((batch) => batches.push(batch));
      expect(Object.isFrozen(batches[0]?.tasks)).toBe(true);
      expect(Object.isFrozen(batches[0]?.errors)).toBe(true);
    });

    it('is plain data: spreading, JSON and structuredClone keep every field, tasks and errors included', () => {
      const inputs = [new Subject<TaskState>(), new Subject<TaskState>()];
      const batches: TaskBatchState[] = [];
      combineTasks(inputs).subscribe((batch) => batches.push(batch));
      inputs[0]?.next(aR);
      inputs[1]?.error(networkDown);
      const batch = batches[1] as TaskBatchState;
      const fields = ['tasks', 'errors', 'counts', 'total', 'progress', 'done'];
      expect(Object.keys({ ...batch })).toEqual(fields);
      expect({ ...batch }).toEqual(batch);
      expect(Object.keys(structuredClone(batch))).toEqual(fields);
      expect(structuredClone(batch).tasks).toEqual([aR, undefined]);
      expect(Object.keys(JSON.parse(JSON.stringify(batch)) as object)).toEqual(fields);
      expect(structuredClone(batch).errors).toEqual([undefined, networkDown]);
    });

    it('keeps `tasks` and `errors` in JSON', () => {
      const input = new Subject<TaskState>();
      const batches: TaskBatchState<{ readonly only: TaskState | undefined }>[] = [];
      combineTasks({ only: input }).subscribe((batch) => batches.push(batch));
      input.error(networkDown);
      expect(JSON.parse(JSON.stringify(batches[0]))).toEqual({
        tasks: {},
        errors: { only: {} },
        counts: counts(0, 0, 0, 1),
        total: 1,
        progress: 1,
        done: true,
      });
    });
  });

  describe('progress', () => {
    it('counts a completed task as 1, a task without progress as 0, a failed one as 1, and a task not settled at its progress', () => {
      const inputs = [of(taskState('a', 'completed')), of(taskState('b', 'running')), of(taskState('c', 'failed', 0.5)), of(taskState('d', 'pending', 0.25))];
      const progress: number[] = [];
      combineTasks(inputs).subscribe((batch) => progress.push(batch.progress));
      expect(progress).toEqual([0.25, 0.25, 0.5, 0.5625]);
    });

    it('counts a failed task as 1 whatever its last progress, since it has done all it will do', () => {
      const batches: TaskBatchState[] = [];
      combineTasks([of(taskState('a', 'running', 0.2), taskState('a', 'failed', 0.2)), of(taskState('b', 'failed'))]).subscribe((batch) => batches.push(batch));
      expect(batches.map(({ progress, done }) => [progress, done])).toEqual([
        [0.1, false],
        [0.5, false],
        [1, true],
      ]);
    });

    it('counts a task whose stream errored as 1, whatever it showed before', () => {
      scheduler.run(({ cold, expectObservable }) => {
        const a = cold('   --r--#', states, networkDown);
        const b = cold('   -R------C|', states);
        const expected = ' -wx--y--z|';
        expectObservable(combineTasks([a, b]).pipe(map(({ progress, done }) => ({ progress, done })))).toBe(expected, {
          w: { progress: 0.125, done: false },
          x: { progress: 0.375, done: false },
          y: { progress: 0.625, done: false },
          z: { progress: 1, done: true },
        });
      });
    });

    it('is 1 exactly when the batch is done, a running task at 100 % included', () => {
      const inputs = [new Subject<TaskState>(), new Subject<TaskState>(), new Subject<TaskState>()];
      const seen: [number, boolean][] = [];
      combineTasks(inputs).subscribe(({ progress, done }) => seen.push([progress, done]));
      inputs[0]?.next(taskState('a', 'running', 1));
      inputs[1]?.next(taskState('b', 'running', 1));
      inputs[2]?.next(taskState('c', 'running', 1));
      inputs[0]?.next(taskState('a', 'completed'));
      inputs[1]?.next(taskState('b', 'failed', 1));
      expect(seen.every(([progress, done]) => progress < 1 && !done)).toBe(true);
      expect(seen.at(-1)?.[0]).toBeGreaterThan(0.99);
      inputs[2]?.error(networkDown);
      expect(seen.at(-1)).toEqual([1, true]);
    });

    it('is 1 if and only if done over any order of updates, failures and errors', () => {
      const statuses = ['pending', 'running', 'running', 'completed', 'failed', 'error'] as const;
      let seed = 7;
      const random = (below: number) => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed % below;
      };
      for (let round = 0; round < 200; round++) {
        const inputs = Array.from({ length: 1 + random(6) }, () => new Subject<TaskState>());
        const seen: [number, boolean][] = [];
        combineTasks(inputs).subscribe(({ progress, done }) => seen.push([progress, done]));
        for (let step = 0; step < 30; step++) {
          const index = random(inputs.length);
          const status = statuses[random(statuses.length)] as (typeof statuses)[number];
          if (status === 'error') inputs[index]?.error(networkDown);
          else inputs[index]?.next(taskState(`t${index}`, status, random(3) === 0 ? 1 : random(101) / 100));
        }
        for (const [progress, done] of seen) expect({ progress, done, whole: progress === 1 }).toEqual({ progress, done, whole: done });
      }
    });

    it('replaces a task’s progress rather than adding to it, and stays exact over many updates', () => {
      const input = new Subject<TaskState>();
      let last: TaskBatchState | undefined;
      combineTasks([input, of(taskState('b', 'running', 0.3))]).subscribe((batch) => (last = batch));
      for (let step = 1; step <= 10_000; step++) input.next(taskState('a', 'running', (step % 97) / 97));
      input.next(taskState('a', 'running', 0.1));
      expect(last?.progress).toBe(0.2);
      input.next(taskState('a', 'completed'));
      expect(last?.progress).toBe(0.65);
    });

    it('counts a hand-made completed state as 1, whatever its progress says', () => {
      const progress: number[] = [];
      const completedAtZero = { ...taskState('a', 'running', 0), status: 'completed' } as TaskState;
      combineTasks([of(completedAtZero)]).subscribe((batch) => progress.push(batch.progress));
      expect(progress).toEqual([1]);
    });

    it('clamps the progress of hand-made states into 0..1, just below 1 while the task runs', () => {
      const handMade = (progress: number) => ({ ...taskState('a', 'running'), progress }) as TaskState;
      const progress: number[] = [];
      combineTasks([of(handMade(7)), of(handMade(-3)), of(handMade(Number.NaN))]).subscribe((batch) => progress.push(batch.progress));
      expect(progress).toEqual([(1 - 1e-9) / 3, (1 - 1e-9) / 3, (1 - 1e-9) / 3]);
    });
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a single Observable', of(aR)],
    ['a number', 42],
    ['an array holding a number', [of(aR), 1]],
    ['a sparse array', [of(aR), , of(bR)]],
    ['a record holding a string', { a: 'task-1' }],
  ])('throws a TypeError when created with %s', (_, tasks) => {
    expect(() => combineTasks(tasks as unknown as TaskInputs)).toThrow(TypeError);
  });

  it.each([
    ['null options', null],
    ['a string failFast', { failFast: 'yes' }],
  ])('throws a TypeError when created with %s', (_, options) => {
    expect(() => combineTasks([], options as unknown as CombineTasksOptions)).toThrow(TypeError);
  });

  it.each([
    ['a Map', new Map([['a', of(aR)]]), 'a Map (pass Object.fromEntries(map) or [...map.values()])'],
    ['a Set', new Set([of(aR)]), 'a Set (pass [...set])'],
    ['a Promise', Promise.resolve([of(aR)]), 'a Promise (await it first)'],
  ])('refuses %s rather than making a silent, empty batch of it', (_, tasks, got) => {
    expect(() => combineTasks(tasks as unknown as TaskInputs)).toThrow(
      new TypeError(`Expected \`tasks\` to be an array or a record of Observables of task states, got ${got}.`),
    );
  });

  it('accepts a record made without a prototype', () => {
    const tasks = Object.assign(Object.create(null) as Record<string, Observable<TaskState>>, { a: of(aC) });
    const batches: unknown[] = [];
    combineTasks(tasks).subscribe((batch) => batches.push(batch.done));
    expect(batches).toEqual([true]);
  });

  it('says which task is not an Observable', () => {
    expect(() => combineTasks({ users: of(aR), orders: 'task-2' } as unknown as TaskInputs)).toThrow(
      'Expected `tasks` to be an array or a record of Observables of task states; `tasks.orders` is a string of 6 characters.',
    );
  });

  it('does not change when the caller changes the array it was given', () => {
    const tasks = [of(aC)];
    const batch$ = combineTasks(tasks);
    tasks.push(new Observable<TaskState>());
    const totals: number[] = [];
    batch$.subscribe((batch) => totals.push(batch.total));
    expect(totals).toEqual([1]);
  });
});

// Compile-time checks: the shape of `tasks` follows the input, and keeps `TaskState<R>`.
export function typedRecord(users: Observable<TaskState<{ url: string }>>, orders: Observable<TaskState>): Observable<string | undefined> {
  return combineTasks({ users, orders }).pipe(mergeMap(({ tasks }) => of(tasks.users?.result?.url ?? tasks.orders?.id)));
}
export function typedArray(tasks: Observable<TaskState>[]): Observable<readonly (TaskState | undefined)[]> {
  return combineTasks(tasks).pipe(mergeMap((batch) => of(batch.tasks)));
}
