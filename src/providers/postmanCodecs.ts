import * as t from 'io-ts';
import { lenient } from './codecs.js';

const PostmanTaskDetails = /*#__PURE__*/ lenient({
  resources: t.array(t.unknown),
  error: lenient({ message: t.string }, 'PostmanTaskFailure'),
}, 'PostmanTaskDetails');

/**
 * A Postman task: the collection update and merge tasks (`in-progress |
 * successful | failed`), the collection duplication tasks (`processing |
 * completed | failed`, with `reason`), the generation tasks of collections
 * and specs (`pending | completed | failed`, with `meta`; on failure
 * `details` is the reason as a string) and the API Builder's tasks
 * (`pending | completed | failed`, with `meta`, `createdAt`, `updatedAt`).
 * The spec calls its enums partial, so `status` is any string; every other
 * field is read leniently (see {@link lenient}).
 */
export const PostmanTask = /*#__PURE__*/ t.intersection([
  t.type({ status: t.string }),
  lenient({
    id: t.string,
    meta: lenient({ url: t.string, model: t.string, action: t.string }, 'PostmanTaskMeta'),
    details: t.union([t.string, PostmanTaskDetails]),
    reason: t.string,
    createdAt: t.unknown,
    updatedAt: t.unknown,
  }),
]);
export type PostmanTask = t.TypeOf<typeof PostmanTask>;
