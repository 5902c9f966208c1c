import { failureReason } from '../core/errors/failureReason.js';
import { printable } from '../core/redact.js';
import { TaskError, TaskTimeoutError, type RetryEvent, type TaskBatchState, type TaskState } from '../index.js';

/** How a task is named: its provider, the id its states carry, and its text form. */
export interface TaskLabel {
  readonly provider: string;
  /** The task's id, as in its states. */
  readonly id: string;
  /** The task's text form, as the source's `formatRef` writes it (`merge:ID` for a Postman merge): what a user types to watch it again. */
  readonly ref: string;
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
  /** A poll of the task failed and will be retried (`retry`), or (`undefined`) the provider answered again. */
  retrying(index: number, retry: RetryEvent | undefined, at: number): void;
  batch(batch: TaskBatchState, at: number): void;
  /** The watch is over (finished or interrupted): release timers, leave the terminal tidy. */
  stop(): void;
}

/**
 * One line about an error, fit for a terminal. Library errors never contain a
 * credential; provider text in them is already escaped, and anything else is
 * escaped here: no control character, escape sequence or bidi override a
 * provider sent reaches the terminal as such.
 */
export function describeError(error: unknown): string {
  if (error instanceof TaskTimeoutError) {
    const bound = error.timeout === 'stalled' ? `no answer for ${formatElapsed(error.ms)}` : `timed out after ${formatElapsed(error.ms)}`;
    return printable(error.cause === undefined ? bound : `${bound}; last attempt: ${failureReason(error.cause)}`);
  }
  if (error instanceof TaskError) return printable(`${error.name}: ${error.message}`);
  if (error instanceof Error) return printable(error.message);
  return printable(String(error));
}

/**
 * A JSON line whose text cannot act on a terminal: `JSON.stringify` escapes
 * C0 controls but writes C1 controls, bidi overrides and line separators as
 * they are, and a provider's strings (`raw`, `providerStatus`) may hold them.
 * Escaped inside JSON strings, they still read back the same.
 */
export function jsonLine(value: unknown): string {
  return `${printable(JSON.stringify(value))}\n`;
}

/** `retrying in 8 s: connection refused, attempt 3 of 9`, counting down to the retry. */
export function describeRetry(retry: RetryEvent, now: number): string {
  const left = Math.ceil((retry.at + retry.delayMs - now) / 1000);
  const when = left > 0 ? `in ${left} s` : 'now';
  return printable(`retrying ${when}: ${retry.reason}, attempt ${retry.attempt} of ${retry.retries}`);
}

/** `4.2s`, `1m05s`, `1h02m`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.floor(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}
