import * as t from 'io-ts';

const PostmanTaskDetails = t.partial({
  resources: t.array(t.unknown),
  error: t.partial({ message: t.string }),
});

/**
 * A Postman task: the collection update and merge tasks (`in-progress |
 * successful | failed`) and the API Builder's tasks (`pending | completed |
 * failed`, with `meta`, `createdAt`, `updatedAt`). The spec calls its enums
 * partial, so `status` is any string.
 */
export const PostmanTask = t.intersection([
  t.type({ status: t.string }),
  t.partial({
    id: t.string,
    meta: t.partial({ url: t.string, model: t.string, action: t.string }),
    details: PostmanTaskDetails,
    createdAt: t.unknown,
    updatedAt: t.unknown,
  }),
]);
export type PostmanTask = t.TypeOf<typeof PostmanTask>;

/** The RFC 7807 problem body of Postman's newer endpoints. */
export const PostmanProblem = t.intersection([t.type({ type: t.string }), t.partial({ title: t.string, status: t.number, detail: t.string })]);
export type PostmanProblem = t.TypeOf<typeof PostmanProblem>;

/** The legacy error body, `{ error: { name, message } }`. */
export const PostmanLegacyError = t.type({ error: t.intersection([t.type({ name: t.string }), t.partial({ message: t.string })]) });
export type PostmanLegacyError = t.TypeOf<typeof PostmanLegacyError>;
