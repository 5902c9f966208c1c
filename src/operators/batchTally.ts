import type { TaskState, TaskStatus } from '../core/taskState.js';
import { describeValue } from './expectations.js';
import { PersistentArray } from './persistentArray.js';
import { BatchSnapshot, type TaskBatchState, type TaskErrors } from './taskBatchState.js';

const PENDING = 0;
const RUNNING = 1;
const COMPLETED = 2;
const FAILED = 3;
/** Progress is summed in integer units of 1e-9, so a million updates add no rounding drift. */
const UNIT = 1e9;

/**
 * The running totals of a batch, updated in O(1) per task state: counts per
 * status, the progress sum, how many tasks are settled, and the latest state
 * and error of each task in persistent arrays that snapshots can read later.
 */
export class BatchTally<TTasks> {
  private readonly counts = [0, 0, 0, 0];
  private readonly statuses: Uint8Array;
  private readonly units: Float64Array;
  private readonly settled: Uint8Array;
  private settledCount = 0;
  private progressUnits = 0;
  private readonly tasks: PersistentArray<TaskState, TTasks>;
  private readonly errors: PersistentArray<unknown, TaskErrors<TTasks>>;

  constructor(
    private readonly total: number,
    present: (values: readonly unknown[]) => unknown,
  ) {
    this.counts[PENDING] = total;
    this.statuses = new Uint8Array(total);
    this.units = new Float64Array(total);
    this.settled = new Uint8Array(total);
    this.tasks = new PersistentArray(total, present as (values: readonly (TaskState | undefined)[]) => TTasks);
    this.errors = new PersistentArray(total, present as (values: readonly unknown[]) => TaskErrors<TTasks>);
  }

  /** Whether task `index` is terminal or errored: what it sends next is ignored. */
  isSettled(index: number): boolean {
    return this.settled[index] === 1;
  }

  /**
   * Records a new state of task `index`; `false` when it is ignored (the task
   * was settled already). Throws a TypeError for something that is not a task state.
   */
  update(index: number, state: TaskState): boolean {
    if (this.settled[index] === 1) return false;
    const status = statusCode(state.status);
    const units = status === COMPLETED ? UNIT : progressUnits(state.progress);
    this.move(index, status);
    this.progressUnits += units - this.units[index];
    this.units[index] = units;
    if (status >= COMPLETED) this.settle(index);
    this.tasks.set(index, state);
    return true;
  }

  /** Records that task `index`'s stream errored: it counts as failed and keeps its last state and progress. */
  fail(index: number, error: unknown): boolean {
    if (this.settled[index] === 1) return false;
    this.move(index, FAILED);
    this.settle(index);
    this.errors.set(index, error);
    return true;
  }

  /** The batch as it is now. O(1): `tasks` and `errors` are read from their versions only when asked for. */
  snapshot(): TaskBatchState<TTasks> {
    const { counts, total } = this;
    return new BatchSnapshot(
      this.tasks,
      this.tasks.version(),
      this.errors,
      this.errors.version(),
      { pending: counts[PENDING], running: counts[RUNNING], completed: counts[COMPLETED], failed: counts[FAILED] },
      total,
      total === 0 ? 1 : this.progressUnits / (total * UNIT),
      this.settledCount === total,
    );
  }

  private move(index: number, status: number): void {
    this.counts[this.statuses[index]]--;
    this.counts[status]++;
    this.statuses[index] = status;
  }

  private settle(index: number): void {
    this.settled[index] = 1;
    this.settledCount++;
  }
}

function statusCode(status: TaskStatus): number {
  switch (status) {
    case 'pending':
      return PENDING;
    case 'running':
      return RUNNING;
    case 'completed':
      return COMPLETED;
    case 'failed':
      return FAILED;
    default: {
      // Only a hand-made state (a webhook payload cast to TaskState) gets here.
      const got: unknown = status;
      const shown = typeof got === 'string' ? JSON.stringify(got.slice(0, 40)) : describeValue(got);
      throw new TypeError(`Expected a task state with a status of pending, running, completed or failed, got ${shown}.`);
    }
  }
}

/** Clamped to 0..1 (a hand-made state may carry anything); missing or NaN counts as 0. */
function progressUnits(progress: number | undefined): number {
  if (progress === undefined || !(progress > 0)) return 0;
  return progress >= 1 ? UNIT : Math.round(progress * UNIT);
}
