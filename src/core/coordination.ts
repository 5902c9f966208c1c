import type { TaskError } from './errors/index.js';
import type { TaskState } from './taskState.js';

/** A task, as a coordination knows it. */
export interface CoordinatedTaskInfo {
  /** The provider's name: with `key`, what names the task across processes. */
  readonly provider: string;
  /** The task's key in its source (two refs with one key are one task). */
  readonly key: string;
  /** The id its states and errors carry. */
  readonly id: string;
  /** The least time between two polls of the task, ms: kept when another process takes over. */
  readonly interval: number;
}

/** What a coordination tells one process about one task it watches. */
export interface CoordinatedTaskEvents {
  /** This process is to poll the task now, no sooner than `notBeforeMs` from now (the last poll, wherever it was, plus the interval). */
  lead(notBeforeMs: number): void;
  /** Another process polls the task from now on: stop polling. */
  follow(): void;
  /** A state polled elsewhere (or the latest one, for a process that joins late). */
  state(state: TaskState): void;
  /** The task's stream ended in this error where it was polled. */
  error(error: TaskError): void;
  /**
   * Another process polls the task and is alive (it renewed its hold): what
   * a follower knows in place of the answers it does not see. Optional for
   * a coordination that cannot tell.
   */
  alive?(): void;
}

/** What one process tells a coordination about one task. */
export interface CoordinatedTaskHandle {
  /** A poll of the task starts now here (the one polling): every process keeps its spacing. */
  polling(): void;
  /**
   * A new state, polled here, for every other process. Settles once it has
   * gone out (or could not): the end of a task is told everywhere before
   * this process lets go of it.
   */
  publish(state: TaskState): Promise<void>;
  /** The stream ended in an error here, for every other process; settles like {@link publish}. */
  publishError(error: TaskError): Promise<void>;
  /** This process no longer watches the task. */
  leave(): void;
}

/**
 * Polls each task once across every process that watches it: one process
 * holds the task and polls, the others receive its states. Passed to any
 * source as `SourceOptions.coordination` (`redisCoordination` from
 * `rx-task-status/redis`); a source without one polls every task it watches.
 */
export interface TaskCoordination {
  /** Starts following a task; `events` hears whether to poll it, and what others polled. */
  join(task: CoordinatedTaskInfo, events: CoordinatedTaskEvents): CoordinatedTaskHandle;
}
