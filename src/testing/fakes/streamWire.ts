import type { FakeTask } from '../tasks/fakeTask.js';
import type { TaskStep } from '../tasks/taskSpec.js';
import { jsonResponse, type WireResponse } from '../server/wireResponse.js';

const MORE_INFO = 'https://getstream.io/chat/docs/api_errors_response';

/**
 * A `GetTaskResponse` body. On `/api/v2` the timestamps are integer
 * nanoseconds since the epoch, as bigints (see `toJsonText`); on the legacy
 * `/tasks` endpoint RFC 3339 strings with microseconds. `updated_at` is when
 * the current step began.
 */
export function streamTaskBody({ task, step, legacy, duration }: { task: FakeTask; step: TaskStep; legacy: boolean; duration: string }): Record<string, unknown> {
  const time = legacy ? rfc3339Micros : epochNanos;
  const failed = step.status === 'failed';
  return {
    task_id: task.id,
    status: step.status,
    created_at: time(task.createdAt),
    updated_at: time(task.createdAt + step.at),
    ...(step.result === undefined ? {} : { result: step.result }),
    ...(failed || step.error !== undefined
      ? { error: { type: step.error?.type ?? 'task_error', description: step.error?.message ?? 'the task failed' } }
      : {}),
    duration,
  };
}

/** An `APIError` response; the wire key is `StatusCode`, and `unrecoverable: true` means "never retry". */
export function streamError({
  status,
  code,
  message,
  duration,
  unrecoverable,
  exceptionFields,
  details = [],
}: {
  status: number;
  code: number;
  message: string;
  duration: string;
  unrecoverable?: boolean | undefined;
  exceptionFields?: Readonly<Record<string, string>> | undefined;
  details?: readonly number[] | undefined;
}): WireResponse {
  const body = {
    code,
    message,
    StatusCode: status,
    duration,
    more_info: code === 9 ? '' : MORE_INFO,
    details: [...details],
    ...(exceptionFields === undefined ? {} : { exception_fields: { ...exceptionFields } }),
    ...(unrecoverable === undefined ? {} : { unrecoverable }),
  };
  return jsonResponse(status, body, { providerCode: code });
}

/** Stream's `duration`: how long the server took, as `"0.52ms"`. */
export function streamDuration(receivedAt: bigint): string {
  return `${(Number(process.hrtime.bigint() - receivedAt) / 1e6).toFixed(2)}ms`;
}

export function epochNanos(ms: number): bigint {
  return BigInt(Math.round(ms * 1000)) * 1000n;
}

/** `2025-12-13T10:25:15.856428Z`. */
export function rfc3339Micros(ms: number): string {
  const micros = Math.round(ms * 1000);
  const seconds = Math.floor(micros / 1e6);
  const fraction = String(micros - seconds * 1e6).padStart(6, '0');
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}
