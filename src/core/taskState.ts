/**
 * The normalised status of a task, whatever the provider calls it.
 * `completed` and `failed` are terminal: a task in either can no longer change.
 */
export type TaskStatus = 'pending' | 'running' | 'completed' | 'failed';

/** Why a task failed, as the provider told it. */
export interface TaskStateError {
  readonly message: string;
  /** The provider's own error type or code (Stream `error.type`, for instance). */
  readonly code?: string;
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
  readonly status: TaskStatus;
  /** The status exactly as the provider sent it (`'in-progress'`, `'2'`, …). */
  readonly providerStatus: string;
  /** A fraction in 0..1 where the provider reports progress; always 1 once completed. */
  readonly progress?: number;
  readonly result?: TResult;
  readonly error?: TaskStateError;
  readonly createdAt?: Date;
  readonly updatedAt?: Date;
  /** The decoded body this state was read from. */
  readonly raw: unknown;
}

/** What a provider reports; `provider` and `id` are filled in by the source. */
export type TaskStateInit<TResult = unknown> = Omit<TaskState<TResult>, 'provider' | 'id'>;

/** `true` for `completed` and `failed`: the task will not change any more. */
export function isTerminal(state: Pick<TaskState, 'status'>): boolean {
  return state.status === 'completed' || state.status === 'failed';
}

/**
 * Builds a frozen {@link TaskState}: progress clamped to 0..1 (1 when completed),
 * absent optional fields left out rather than set to `undefined`.
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
    raw: init.raw,
  };
  if (progress !== undefined) state.progress = progress;
  if (init.result !== undefined) state.result = init.result;
  if (init.error !== undefined) state.error = Object.freeze({ ...init.error });
  if (isValidDate(init.createdAt)) state.createdAt = init.createdAt;
  if (isValidDate(init.updatedAt)) state.updatedAt = init.updatedAt;
  return Object.freeze(state);
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
