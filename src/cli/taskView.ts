import { TaskError, TaskTimeoutError, type TaskBatchState, type TaskState } from '../index.js';

/** How a task is named on screen: its provider and its id as typed on the command line. */
export interface TaskLabel {
  readonly provider: string;
  readonly id: string;
}

/**
 * Where the states of a watch go: a live terminal view or JSON lines. Times
 * (`at`) are ms on the watch's clock, so that a fast-forwarded demo shows
 * task time.
 */
export interface TaskView {
  start(labels: readonly TaskLabel[], at: number): void;
  /** A task's state changed. */
  state(index: number, state: TaskState, at: number): void;
  /** A task could not be followed to its end (a timeout, an authentication error, …). */
  error(index: number, error: unknown, at: number): void;
  batch(batch: TaskBatchState, at: number): void;
  /** The watch is over (finished or interrupted): release timers, leave the terminal tidy. */
  stop(): void;
}

/** One line about an error. Library errors never contain a credential, so their messages are safe to show. */
export function describeError(error: unknown): string {
  if (error instanceof TaskTimeoutError) return `timed out after ${formatElapsed(error.ms)}`;
  if (error instanceof TaskError) return `${error.name}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** `4.2s`, `1m05s`, `1h02m`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.floor(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}
