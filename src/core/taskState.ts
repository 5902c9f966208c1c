import { redactGeneric, safeText, type Redactor } from './redact.js';
import { quote, show } from './validate.js';

/**
 * The normalised status of a task, whatever the provider calls it.
 * `completed` and `failed` are terminal: a task in either can no longer change.
 */
export type TaskStatus = 'pending' | 'running' | 'completed' | 'failed';

/** Why a task failed, as the provider told it. */
export interface TaskStateError {
  /** The provider's explanation, or a generic one (`'task failed'`) when it gave none. */
  readonly message: string;
  /** The provider's own error type or code (Stream `error.type`, for instance). */
  readonly code?: string | undefined;
  /** Anything more the provider said about the failure, as plain data. */
  readonly details?: unknown;
}

/**
 * One observed state of one task, normalised across providers.
 *
 * States are immutable plain data: a new object is emitted for each change,
 * never an update of an old one.
 */
export interface TaskState<TResult = unknown> {
  /** `'stream' | 'mobizon' | 'postman'`, or the name of a custom provider. */
  readonly provider: string;
  /** The task id as the provider knows it. */
  readonly id: string;
  /** The normalised status; `completed` and `failed` are terminal (see {@link isTerminal}). */
  readonly status: TaskStatus;
  /** The status exactly as the provider sent it (`'in-progress'`, `'2'`, …). */
  readonly providerStatus: string;
  /** A fraction in 0..1 where the provider reports progress; always 1 once completed. */
  readonly progress?: number | undefined;
  /**
   * What the task produced, as the provider sent it (Stream's `result`,
   * Postman's `details.resources`); unset when it sent nothing. Frozen.
   */
  readonly result?: TResult | undefined;
  /** Why the task failed: on every `failed` state of Mobizon and Postman, and on Stream's when its body has an `error`. */
  readonly error?: TaskStateError | undefined;
  /** When the provider says the task was created; unset when it does not say (Mobizon never does). */
  readonly createdAt?: Date | undefined;
  /** When the provider says the task last changed; unset when it does not say. */
  readonly updatedAt?: Date | undefined;
  /**
   * The decoded body this state was read from; `undefined` when the body was
   * over the source's `maxRawBytes` (64 KiB by default), so that a watched
   * task never holds more than that of a body it does not need, and in a
   * state polled by another process (`coordination`) when it was over 64 KiB.
   */
  readonly raw: unknown;
}

/** What a provider reports; `provider` and `id` are filled in by the source. */
export type TaskStateInit<TResult = unknown> = Omit<TaskState<TResult>, 'provider' | 'id'>;

/**
 * `true` for `completed` and `failed`: the task will not change any more.
 * `false` for a task not heard from yet (`undefined`, as in a batch's `tasks`).
 */
export function isTerminal(state: Pick<TaskState, 'status'> | undefined | null): boolean {
  return state?.status === 'completed' || state?.status === 'failed';
}

/**
 * Builds a frozen {@link TaskState}: progress clamped to 0..1 (1 when completed),
 * absent optional fields left out rather than set to `undefined`, and the
 * provider's error message made safe to show (credentials removed with
 * `redact`, printable, at most 1000 characters; `raw` keeps it as sent).
 * `result`, `error` and `raw` are frozen all the way down: one state is shared
 * by every subscriber of a task, so none of them may change what the others
 * see. (`Date`s cannot be frozen: treat `createdAt` and `updatedAt` as read-only.)
 */
export function createTaskState<TResult>(
  provider: string,
  id: string,
  init: TaskStateInit<TResult>,
  redact: Redactor = redactGeneric,
): TaskState<TResult> {
  const progress = init.status === 'completed' ? 1 : clampProgress(init.progress);
  const state: { -readonly [K in keyof TaskState<TResult>]: TaskState<TResult>[K] } = {
    provider,
    id,
    status: init.status,
    providerStatus: init.providerStatus,
    raw: deepFreeze(init.raw),
  };
  if (progress !== undefined) state.progress = progress;
  if (init.result !== undefined) state.result = deepFreeze(init.result);
  if (init.error !== undefined) state.error = deepFreeze({ ...init.error, message: safeText(init.error.message, redact) });
  if (isValidDate(init.createdAt)) state.createdAt = init.createdAt;
  if (isValidDate(init.updatedAt)) state.updatedAt = init.updatedAt;
  return Object.freeze(state);
}

/**
 * Freezes plain objects and arrays (decoded JSON) in place, all the way down;
 * leaves class instances alone. A loop over a stack of its own, not recursion:
 * a custom provider may hand over data of any depth.
 */
function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item !== 'object' || item === null || Object.isFrozen(item)) continue;
    const proto: unknown = Object.getPrototypeOf(item);
    if (!Array.isArray(item) && proto !== Object.prototype && proto !== null) continue;
    Object.freeze(item);
    for (const key of Object.keys(item)) pending.push((item as Record<string, unknown>)[key]);
  }
  return value;
}

function clampProgress(progress: number | undefined): number | undefined {
  if (progress === undefined || !Number.isFinite(progress)) return undefined;
  return Math.min(1, Math.max(0, progress));
}

function isValidDate(date: Date | undefined): date is Date {
  return date instanceof Date && !Number.isNaN(date.getTime());
}

/**
 * Whether two states say the same thing. `raw` is left out on purpose: bodies
 * carry fields that change on every response (Stream's `duration`) without the
 * task having changed.
 */
export function isSameState(a: TaskState, b: TaskState): boolean {
  return (
    a.provider === b.provider &&
    a.id === b.id &&
    a.status === b.status &&
    a.providerStatus === b.providerStatus &&
    a.progress === b.progress &&
    a.createdAt?.getTime() === b.createdAt?.getTime() &&
    a.updatedAt?.getTime() === b.updatedAt?.getTime() &&
    isDeepEqual(a.error, b.error) &&
    isDeepEqual(a.result, b.result)
  );
}

/**
 * Structural equality for decoded JSON (plain objects, arrays, primitives,
 * Dates). A loop over pairs still to compare, not recursion: data of any
 * depth is compared without growing the call stack.
 */
export function isDeepEqual(a: unknown, b: unknown): boolean {
  const pending: unknown[] = [a, b];
  while (pending.length > 0) {
    const y = pending.pop();
    const x = pending.pop();
    if (Object.is(x, y)) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (x instanceof Date || y instanceof Date) {
      if (!(x instanceof Date && y instanceof Date && x.getTime() === y.getTime())) return false;
      continue;
    }
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    const xKeys = Object.keys(x);
    if (xKeys.length !== Object.keys(y).length) return false;
    for (const key of xKeys) {
      if (!Object.prototype.hasOwnProperty.call(y, key)) return false;
      pending.push((x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key]);
    }
  }
  return true;
}

const STATUSES: ReadonlySet<unknown> = new Set(['pending', 'running', 'completed', 'failed']);

/**
 * What is wrong with a provider's {@link TaskStateInit}, or `undefined` when
 * nothing is. A custom provider's mistake (a status `'done'`) must end the
 * stream with a `DecodeError`, not poll forever for a state that is never terminal.
 */
export function describeInvalidInit(init: TaskStateInit): string | undefined {
  if (typeof init !== 'object' || init === null) return `expected a state object, got ${show(init)}`;
  if (!STATUSES.has(init.status)) return `expected \`status\` to be 'pending', 'running', 'completed' or 'failed', got ${quote(init.status)}`;
  if (typeof init.providerStatus !== 'string') return `expected \`providerStatus\` to be a string, got ${show(init.providerStatus)}`;
  if (init.progress !== undefined && typeof init.progress !== 'number') return `expected \`progress\` to be a number, got ${show(init.progress)}`;
  if (init.error !== undefined && typeof init.error?.message !== 'string') return 'expected `error` to be { message: string, … }';
  return undefined;
}

/**
 * A `resumeFrom` of `watch`: a state of this very task. A stored state may
 * have been through JSON (saved before a page reload): its dates come back as
 * strings, and are read back into `Date`s here.
 */
export function checkResumeFrom(state: TaskState, provider: string, id: string): TaskState {
  if (typeof state !== 'object' || state === null || state.provider !== provider || state.id !== id) {
    throw new TypeError(`Expected \`resumeFrom\` to be a state of ${provider} task ${id}, got ${describeState(state)}.`);
  }
  const stored = { ...state, ...revivedDate('createdAt', state.createdAt), ...revivedDate('updatedAt', state.updatedAt) };
  const problem = describeInvalidInit(stored);
  if (problem !== undefined) throw new TypeError(`Expected \`resumeFrom\` to be a TaskState: ${problem}.`);
  return createTaskState(provider, id, stored);
}

function revivedDate(name: 'createdAt' | 'updatedAt', value: unknown): { createdAt?: Date; updatedAt?: Date } {
  if (value === undefined || value instanceof Date) return {};
  const date = typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) throw new TypeError(`Expected \`resumeFrom.${name}\` to be a Date or a date string, got ${show(value)}.`);
  return { [name]: date };
}

function describeState(state: unknown): string {
  if (typeof state !== 'object' || state === null) return String(state);
  const { provider, id } = state as Partial<TaskState>;
  return `a state of ${String(provider)} task ${String(id)}`;
}
