import * as t from 'io-ts';
import { LooseNumber } from './codecs.js';

/**
 * Stream's `GetTaskResponse`. The spec makes `task_id`, `created_at`,
 * `updated_at` and `duration` required too; only `status` is required here,
 * since a state can be made without the others (they are read when present:
 * see `Timestamp`), and a body that drops one is drift, not a broken task.
 */
export const StreamTaskResponse = t.intersection([
  t.type({ status: t.string }),
  t.partial({
    task_id: t.string,
    created_at: t.unknown,
    updated_at: t.unknown,
    duration: t.string,
    result: t.unknown,
    error: t.intersection([t.partial({ type: t.string, description: t.string }), t.partial({ stacktrace: t.string, version: t.string })]),
  }),
]);
export type StreamTaskResponse = t.TypeOf<typeof StreamTaskResponse>;

/** Stream's `APIError` body. The HTTP status travels as `StatusCode`. */
export const StreamApiError = t.intersection([
  t.type({ code: LooseNumber }),
  t.partial({
    message: t.string,
    StatusCode: LooseNumber,
    duration: t.string,
    more_info: t.string,
    details: t.unknown,
    exception_fields: t.unknown,
    unrecoverable: t.boolean,
  }),
]);
export type StreamApiError = t.TypeOf<typeof StreamApiError>;
