import type { TaskState } from '../core/taskState.js';
import type { ArrayVersion, PersistentArray } from './persistentArray.js';

/** How many tasks of a batch are in each status. They add up to `total`. */
export interface TaskCounts {
  /** Tasks whose latest state is `pending`, and those not heard from yet. */
  readonly pending: number;
  /** Tasks whose latest state is `running`. */
  readonly running: number;
  /** Tasks whose latest state is `completed`. */
  readonly completed: number;
  /** Tasks whose latest state is `failed`, and those whose stream errored (without `failFast`). */
  readonly failed: number;
}

/** Shaped like `tasks` (same indexes or keys), one entry per task. */
export type TaskErrors<TTasks> = { readonly [K in keyof TTasks]: unknown };

/**
 * One moment of a batch followed by {@link combineTasks}. Each emission is a
 * consistent snapshot: reading any of its fields, now or later, shows the
 * batch as it was when it was emitted.
 *
 * `tasks` and `errors` are built only when read (getters, O(number of tasks)
 * on the first read of an emission, cached after), so following counts and
 * progress costs O(1) per update however large the batch. Being getters (on
 * the prototype), they are left out by `{ ...batch }` and `Object.keys`: read
 * them by name (`const { tasks } = batch` works). `JSON.stringify` keeps them.
 */
export interface TaskBatchState<TTasks = readonly (TaskState | undefined)[]> {
  /**
   * The latest state of each task, shaped like the input (an array for an
   * array, a record with the same keys for a record); `undefined` for a task
   * not heard from yet. Frozen. For a task whose stream errored, the last state
   * it emitted before the error (see `errors`).
   */
  readonly tasks: TTasks;
  /**
   * Shaped like `tasks`: the error a task's stream ended with, `undefined` for
   * every task whose stream did not error. Such a task counts as `failed`.
   * (With `failFast` the first error ends the batch instead, so every entry stays `undefined`.)
   */
  readonly errors: TaskErrors<TTasks>;
  /** How many tasks are in each status; they add up to `total`. */
  readonly counts: TaskCounts;
  /** The number of tasks in the batch. */
  readonly total: number;
  /**
   * The mean progress of the tasks, 0..1: a completed task counts 1, a task
   * without progress (or not heard from yet) 0, a failed one its last progress.
   * 1 for an empty batch.
   */
  readonly progress: number;
  /** Every task is terminal (completed, failed, or its stream errored). */
  readonly done: boolean;
}

/**
 * The {@link TaskBatchState} that combineTasks emits; only the interface is
 * public. `tasks` and `errors` are getters on the prototype rather than own
 * accessors: V8 takes about a microsecond to create an object with its own
 * accessors, more than all the rest of an update.
 */
export class BatchSnapshot<TTasks> implements TaskBatchState<TTasks> {
  readonly #tasks: PersistentArray<TaskState, TTasks>;
  readonly #tasksVersion: ArrayVersion<TaskState>;
  readonly #errors: PersistentArray<unknown, TaskErrors<TTasks>>;
  readonly #errorsVersion: ArrayVersion<unknown>;

  constructor(
    tasks: PersistentArray<TaskState, TTasks>,
    tasksVersion: ArrayVersion<TaskState>,
    errors: PersistentArray<unknown, TaskErrors<TTasks>>,
    errorsVersion: ArrayVersion<unknown>,
    readonly counts: TaskCounts,
    readonly total: number,
    readonly progress: number,
    readonly done: boolean,
  ) {
    this.#tasks = tasks;
    this.#tasksVersion = tasksVersion;
    this.#errors = errors;
    this.#errorsVersion = errorsVersion;
  }

  get tasks(): TTasks {
    return this.#tasks.read(this.#tasksVersion);
  }

  get errors(): TaskErrors<TTasks> {
    return this.#errors.read(this.#errorsVersion);
  }

  toJSON(): TaskBatchState<TTasks> {
    const { tasks, errors, counts, total, progress, done } = this;
    return { tasks, errors, counts, total, progress, done };
  }
}
