import * as t from 'io-ts';
import { lenient, LooseNumber } from './codecs.js';

/**
 * Stream's `GetTaskResponse`. The spec makes `task_id`, `created_at`,
 * `updated_at` and `duration` required too; only `status` is required here,
 * since a state can be made without the others, and a body that drops one or
 * sends it in another shape is drift, not a broken task: such a field is left
 * out (see {@link lenient}) and `raw` keeps it as sent.
 */
export const StreamTaskResponse = /*#__PURE__*/ t.intersection([
  t.type({ status: t.string }),
  lenient({
    task_id: t.string,
    created_at: t.unknown,
    updated_at: t.unknown,
    duration: t.string,
    result: t.unknown,
    error: lenient({ type: t.string, description: t.string, stacktrace: t.string, version: t.string }, 'StreamTaskError'),
  }),
]);
export type StreamTaskResponse = t.TypeOf<typeof StreamTaskResponse>;

/**
 * Stream's `APIError` body. The HTTP status travels as `StatusCode`. Only
 * `code` is needed to classify it; `unrecoverable` must survive a body whose
 * other fields are odd, so everything else is read leniently.
 */
export const StreamApiError = /*#__PURE__*/ t.intersection([
  t.type({ code: LooseNumber }),
  lenient({
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
