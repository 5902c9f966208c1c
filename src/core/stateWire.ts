import {
  AuthenticationError,
  DecodeError,
  ProviderError,
  RateLimitError,
  TaskError,
  TaskFailedError,
  TaskIncompleteError,
  TaskNotFoundError,
  TaskTimeoutError,
  TransportError,
  type TaskErrorCode,
  type TaskTimeout,
  type TransportFailure,
} from './errors/index.js';
import { checkResumeFrom, type TaskState } from './taskState.js';

// States and errors as they cross Redis: JSON, read back into the same types
// (Dates as Dates, each error as its own class with its fields), so that a
// process that did not poll sees exactly what the one that did saw.

/** A state's JSON is kept under this many bytes: a larger `raw` is left out (and said so). */
export const MAX_STATE_BYTES = 64 * 1024;

/** A state as it travels: `rawLeftOut` says how large a `raw` it had to leave behind. */
interface StateRecord {
  readonly state: unknown;
  readonly rawLeftOut?: number | undefined;
}

/** A state as JSON; its `raw` is left out when it would take the record past {@link MAX_STATE_BYTES}. */
export function stateToJson(state: TaskState): string {
  const whole = JSON.stringify({ state } satisfies StateRecord);
  if (byteLength(whole) <= MAX_STATE_BYTES) return whole;
  const { raw, ...rest } = state;
  return JSON.stringify({ state: rest, rawLeftOut: byteLength(JSON.stringify(raw) ?? '') } satisfies StateRecord);
}

/** A state read back from {@link stateToJson}: checked as a state of this task, its dates `Date`s again. */
export function stateFromJson(text: string, provider: string, id: string): TaskState {
  const record = JSON.parse(text) as StateRecord;
  return checkResumeFrom(record.state as TaskState, provider, id);
}

/** Every field an error of this library may carry beside its message. */
interface ErrorRecord {
  readonly name: string;
  readonly code: TaskErrorCode;
  readonly message: string;
  readonly provider?: string | undefined;
  readonly taskId?: string | undefined;
  readonly details?: unknown;
  readonly status?: number | undefined;
  readonly reason?: TransportFailure | undefined;
  readonly retryAfterMs?: number | undefined;
  readonly exhausted?: boolean | undefined;
  readonly paths?: readonly string[] | undefined;
  readonly providerCode?: string | number | undefined;
  readonly timeout?: TaskTimeout | undefined;
  readonly ms?: number | undefined;
  readonly state?: unknown;
}

/** An error as JSON (already cleaned of secrets: it left its source through the one door that cleans them). */
export function errorToJson(error: unknown): string {
  const record = error instanceof TaskError ? error.toJSON() : { name: 'TaskError', code: 'PROVIDER', message: String(error) };
  return JSON.stringify(record);
}

/**
 * An error read back from {@link errorToJson}, of its own class with its own
 * fields. A field the record lacks is passed as `undefined`, which every
 * error's constructor leaves unset.
 */
export function errorFromJson(text: string): TaskError {
  const record = JSON.parse(text) as ErrorRecord;
  const { message, provider, taskId, details } = record;
  const common = { provider, taskId, details };
  const stored = record.state as TaskState | undefined;
  const state = stored === undefined ? undefined : checkResumeFrom(stored, stored.provider, stored.id);
  switch (record.code) {
    case 'TASK_NOT_FOUND':
      return new TaskNotFoundError(message, common);
    case 'AUTHENTICATION':
      return new AuthenticationError(message, common);
    case 'RATE_LIMITED':
      return new RateLimitError(message, { ...common, retryAfterMs: record.retryAfterMs, exhausted: record.exhausted === true });
    case 'DECODE':
      return new DecodeError(message, { ...common, paths: record.paths ?? [] });
    case 'TRANSPORT':
      return new TransportError(message, { ...common, reason: record.reason ?? 'network', status: record.status });
    case 'TASK_TIMEOUT':
      return new TaskTimeoutError(message, { ...common, timeout: record.timeout ?? 'total', ms: record.ms ?? 0, state });
    case 'TASK_INCOMPLETE':
      return new TaskIncompleteError(message, { ...common, ms: record.ms ?? 0, state });
    case 'TASK_FAILED':
      return state === undefined ? new TaskError(message, 'TASK_FAILED', common) : new TaskFailedError(state);
    case 'PROVIDER':
      return new ProviderError(message, { ...common, providerCode: record.providerCode });
    default:
      return new TaskError(message, record.code, common);
  }
}

/** UTF-8 bytes, in Node and in browsers alike (the hub's client reads states too). */
function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}
