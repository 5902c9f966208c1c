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
  readonly code?: string;
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
  readonly progress?: number;
  /**
   * What the task produced, as the provider sent it (Stream's `result`,
   * Postman's `details.resources`); unset when it sent nothing. Frozen.
   */
  readonly result?: TResult;
  /** Why the task failed: on every `failed` state of Mobizon and Postman, and on Stream's when its body has an `error`. */
  readonly error?: TaskStateError;
  /** When the provider says the task was created; unset when it does not say (Mobizon never does). */
  readonly createdAt?: Date;
  /** When the provider says the task last changed; unset when it does not say. */
  readonly updatedAt?: Date;
  /** The decoded body this state was read from. */
  readonly raw: unknown;
}

/** What a provider reports; `provider` and `id` are filled in by the source. */
export type TaskStateInit<TResult = unknown> = Omit<TaskState<TResult>, 'provider' | 'id'>;

const STATUSES: ReadonlySet<unknown> = new Set<TaskStatus>(['pending', 'running', 'completed', 'failed']);

/**
 * `true` for `completed` and `failed`: the task will not change any more.
 * `false` for a task not heard from yet (`undefined`, as in a batch's `tasks`).
 */
export function isTerminal(state: Pick<TaskState, 'status'> | undefined | null): boolean {
  return state?.status === 'completed' || state?.status === 'failed';
}

/**
 * What is wrong with a provider's {@link TaskStateInit}, or `undefined` when
 * nothing is. A custom provider's mistake (a status `'done'`) must end the
 * stream with a `DecodeError`, not poll forever for a state that is never terminal.
 */
export function describeInvalidInit(init: TaskStateInit): string | undefined {
  if (typeof init !== 'object' || init === null) return `expected a state object, got ${init === null ? 'null' : typeof init}`;
  if (!STATUSES.has(init.status)) return `expected \`status\` to be 'pending', 'running', 'completed' or 'failed', got ${describe(init.status)}`;
  if (typeof init.providerStatus !== 'string') return `expected \`providerStatus\` to be a string, got ${describe(init.providerStatus)}`;
  if (init.progress !== undefined && typeof init.progress !== 'number') return `expected \`progress\` to be a number, got ${describe(init.progress)}`;
  if (init.error !== undefined && typeof init.error?.message !== 'string') return 'expected `error` to be { message: string, … }';
  return undefined;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : value === null ? 'null' : typeof value;
}

/**
 * Builds a frozen {@link TaskState}: progress clamped to 0..1 (1 when completed),
 * absent optional fields left out rather than set to `undefined`. `result`,
 * `error` and `raw` are frozen all the way down: one state is shared by every
 * subscriber of a task, so none of them may change what the others see.
 * (`Date`s cannot be frozen: treat `createdAt` and `updatedAt` as read-only.)
 */
export function createTaskState<TResult>(
  provider: string,
  id: string,
  init: TaskStateInit<TResult>,
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
  if (init.error !== undefined) state.error = deepFreeze({ ...init.error });
  if (isValidDate(init.createdAt)) state.createdAt = init.createdAt;
  if (isValidDate(init.updatedAt)) state.updatedAt = init.updatedAt;
  return Object.freeze(state);
}

/** Freezes plain objects and arrays (decoded JSON) in place, all the way down; leaves class instances alone. */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
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

/** Structural equality for decoded JSON (plain objects, arrays, primitives, Dates). */
export function isDeepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  const bRecord = b as Record<string, unknown>;
  const aRecord = a as Record<string, unknown>;
  return aKeys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && isDeepEqual(aRecord[key], bRecord[key]));
}
