import { left, right } from '../core/either.js';
import { decodeWith, parseJsonBody } from '../core/decodeBody.js';
import { defineProvider, type TaskSourceFactory } from '../core/taskSource.js';
import { RateLimitError } from '../core/errors/index.js';
import type { HttpResponse } from '../core/http.js';
import { httpFailure, type ProviderFailure } from '../core/retry.js';
import type { TaskStateInit, TaskStatus } from '../core/taskState.js';
import { expectPathSegment, expectSecret, isPlainObject, quote, show } from '../core/validate.js';
import { optional, Timestamp } from './codecs.js';
import { PostmanTask } from './postmanCodecs.js';

/** The Postman API's host, and the default `baseUrl`. */
export const POSTMAN_BASE_URL = 'https://api.getpostman.com';
/** Postman's API hosts (the docs' and the OpenAPI servers'): a redirect may lead from one to another, never elsewhere. */
const POSTMAN_HOSTS = ['api.getpostman.com', 'api.postman.com', 'api.eu.postman.com'];

/** Options of {@link postmanTasks}, beside the common {@link SourceOptions}. */
export interface PostmanOptions {
  /** The Postman API key, sent as `x-api-key`. */
  readonly apiKey: string;
  /** Default {@link POSTMAN_BASE_URL}; `https://api.postman.com` and `https://api.eu.postman.com` work too. */
  readonly baseUrl?: string | undefined;
}

/**
 * Which Postman task: a bare id is a collection update task
 * (`PUT /collections/{id}` with `Prefer: respond-async`); `kind:
 * 'collection-merge'` a merge task, `kind: 'collection-duplicate'` a
 * duplication task (`POST /collections/{id}/duplicates`); a `collectionId`
 * or a `specId` a generation task (`POST /collections/{uid}/generations/spec`,
 * `POST /specs/{id}/generations/collection`); an `apiId` an API Builder task
 * (an endpoint the current reference marks deprecated).
 *
 * As text (`parseRef`, `formatRef`, and any string given to `watch`): `ID` or
 * `update:ID` a collection update, `merge:ID` a collection merge,
 * `duplicate:ID` a duplication, `collection:COLLECTION_UID/ID` and
 * `spec:SPEC_ID/ID` generation tasks, `API_ID/ID` an API Builder task.
 * Postman ids are UUIDs or UIDs (`12345678-UUID`), so neither `:` nor `/`
 * is ever part of one.
 */
export type PostmanTaskRef =
  | string
  | {
      /** The task id Postman returned when the update, merge or duplication started. */
      readonly id: string;
      /** Which collection task: `'collection-update'` (the default), `'collection-merge'` or `'collection-duplicate'`. */
      readonly kind?: 'collection-update' | 'collection-merge' | 'collection-duplicate' | undefined;
    }
  | {
      /** The generation task's id (`taskId` in the answer that started it). */
      readonly id: string;
      /** The UID of the collection a spec is generated from. */
      readonly collectionId: string;
    }
  | {
      /** The generation task's id (`taskId` in the answer that started it). */
      readonly id: string;
      /** The id of the spec a collection is generated from. */
      readonly specId: string;
    }
  | {
      /** The API Builder task's id. */
      readonly id: string;
      /** The id of the API the task belongs to. */
      readonly apiId: string;
    };

/**
 * Collection update and merge tasks say `in-progress | successful | failed`,
 * duplication tasks `processing | completed | failed`, generation and API
 * Builder tasks `pending | completed | failed`; the spec calls every list
 * partial. A switch,
 * not a lookup object: a status such as `"toString"` must not find a prototype member.
 */
function statusOf(providerStatus: string): TaskStatus {
  switch (providerStatus) {
    case 'pending':
      return 'pending';
    case 'successful':
    case 'completed':
      return 'completed';
    case 'failed':
      return 'failed';
    default:
      // `in-progress`, `processing`, and anything new: not terminal.
      return 'running';
  }
}

interface Target {
  readonly id: string;
  readonly path: string;
  readonly accept: string;
}

/**
 * Asynchronous tasks of the Postman API: collection updates, merges and
 * duplications, the generation of a spec from a collection or of a
 * collection from a spec, and API Builder tasks.
 *
 * Defaults: one poll every 2 s per task and 2 requests per second for the
 * source. Postman allows 300 requests per minute per user for all endpoints
 * together, so the default leaves 60 % of it to the user's other calls.
 * Failed polls are retried 9 times (1 s doubling, at most 60 s apart: about
 * three minutes in all), since Postman's 503s "usually clear within minutes".
 *
 * ```ts
 * import { postmanTasks } from 'rx-task-status';
 *
 * const postman = postmanTasks({ apiKey: process.env.POSTMAN_API_KEY! });
 * const taskId = process.argv[2] ?? 'c3a1f0de-merge';
 * postman.watch({ id: taskId, kind: 'collection-merge' }).subscribe((state) => console.log(state.status));
 * // The same task, by its text form:
 * postman.watch(`merge:${taskId}`).subscribe((state) => console.log(state.status));
 * ```
 */
export const postmanTasks: TaskSourceFactory<PostmanOptions, PostmanTaskRef> = /*#__PURE__*/ defineProvider({
  name: 'postman',
  // A 503 is a traffic spike that "usually clears within minutes": retries reach about three minutes before giving up.
  defaults: { interval: 2000, maxRequestsPerSecond: 2, retry: { retries: 9, maxDelay: 60_000 } },
  setup: (options: PostmanOptions) => {
    const apiKey = expectSecret('apiKey', options.apiKey);
    return { baseUrl: options.baseUrl ?? POSTMAN_BASE_URL, context: { apiKey }, secrets: [apiKey], hosts: POSTMAN_HOSTS };
  },
  identify: (ref: PostmanTaskRef) => {
    const target = targetOf(ref);
    return { id: target.id, key: target.path };
  },
  parseRef: parsePostmanRef,
  formatRef: formatPostmanRef,
  request: ({ ref, context }) => {
    const { path, accept } = targetOf(ref);
    return { method: 'GET', path, headers: { 'x-api-key': context.apiKey, accept } };
  },
  decode: (response, { id }) => {
    const what = `Postman task ${id}`;
    if (response.status < 200 || response.status > 299) return left(postmanFailure(response, what));
    const parsed = parseJsonBody(response, what);
    if (parsed._tag === 'Left') return parsed;
    // The 202 that starts an update, and the duplication status endpoint, wrap the task in `task`; the others do not. `raw` is the body as it came.
    const body = isWrapped(parsed.right) ? parsed.right.task : parsed.right;
    const task = decodeWith(PostmanTask, body, what);
    return task._tag === 'Left' ? task : right(toTaskState(task.right, parsed.right));
  },
});

function toTaskState(task: PostmanTask, raw: unknown): TaskStateInit {
  const status = statusOf(task.status);
  const createdAt = optional(Timestamp, task.createdAt);
  const updatedAt = optional(Timestamp, task.updatedAt);
  // Generation tasks say why they failed in `details` itself, duplication tasks in `reason`; an empty text says nothing.
  const details = typeof task.details === 'string' ? undefined : task.details;
  const resources = details?.resources;
  // Field by field rather than spreads of `{}`: this runs for every poll.
  const init: { -readonly [K in keyof TaskStateInit]: TaskStateInit[K] } = { status, providerStatus: task.status, raw };
  if (resources !== undefined) init.result = resources;
  else if (status === 'completed' && details !== undefined) init.result = details;
  if (status === 'failed') init.error = { message: details?.error?.message ?? said(task.details) ?? said(task.reason) ?? 'task failed' };
  if (createdAt !== undefined) init.createdAt = createdAt;
  if (updatedAt !== undefined) init.updatedAt = updatedAt;
  return init;
}

/** A text that says something: not empty, not only spaces. */
function said(text: unknown): string | undefined {
  return typeof text === 'string' && text.trim() !== '' ? text : undefined;
}

/**
 * Both error shapes. A 429 is final when waiting will not help: the plan's
 * quota is spent (`serviceLimitExhausted`), a plan limit is reached (the
 * OpenAPI's `rate-limit-exceeded` example titled "You've reached the limit
 * for your plan"), or the month's calls are used up
 * (`RateLimit-Remaining-Month: 0`). Any other 429 (`rateLimited`, "Too Many
 * Requests") is retried after `Retry-After`; 503 (a traffic spike) and other
 * 5xx are retried.
 */
function postmanFailure(response: HttpResponse, what: string): ProviderFailure {
  const body = parseJsonBody(response, what);
  const parsed = body._tag === 'Right' ? body.right : undefined;
  const { names, reason } = readErrorBody(parsed);
  const details = parsed === undefined ? undefined : { body: parsed };
  if (response.status === 429) {
    const spent = names.some((name) => SERVICE_LIMIT_EXHAUSTED.test(name))
      ? "the plan's usage limit is exhausted"
      : names.some((name) => PLAN_LIMIT.test(name))
        ? "the plan's limit is reached"
        : monthSpent(response)
          ? "this month's Postman API calls are used up"
          : undefined;
    if (spent !== undefined) {
      return { error: new RateLimitError(`${what}: ${spent}${reason ? `: ${reason}` : ''}`, { exhausted: true, details }), retryable: false };
    }
  }
  return httpFailure({ response, what, ...(reason === undefined ? {} : { reason }), ...(details === undefined ? {} : { details }) });
}

/** `serviceLimitExhausted`, `service-limit-exhausted`, "Service Limit Exhausted"… */
const SERVICE_LIMIT_EXHAUSTED = /service[-_\s]?limit[-_\s]?exhausted/i;
/** "You've reached the limit for your plan", and the like. */
const PLAN_LIMIT = /limit (for|of) your plan|plan(['’]s)? limit/i;

/** The month's calls are spent: `RateLimit-Remaining-Month` (or `X-…`) says 0. */
function monthSpent(response: HttpResponse): boolean {
  const value = response.headers.get('ratelimit-remaining-month') ?? response.headers.get('x-ratelimit-remaining-month');
  return value !== null && /^\s*0+\s*(,|$)/.test(value);
}

/**
 * What an error body of either shape calls the error, and why. Read field by
 * field rather than through a codec: a `null` title or a status sent as a
 * string must not hide that a 429 is final.
 */
function readErrorBody(parsed: unknown): { names: string[]; reason?: string } {
  const problem = isPlainObject(parsed) ? parsed : undefined;
  const legacy = isPlainObject(problem?.['error']) ? problem['error'] : undefined;
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : undefined);
  const names = [text(problem?.['type']), text(problem?.['title']), text(legacy?.['name'])].filter((name): name is string => name !== undefined);
  const reason = text(problem?.['detail']) ?? text(problem?.['title']) ?? text(legacy?.['message']) ?? text(legacy?.['name']);
  return reason === undefined ? { names } : { names, reason };
}

function targetOf(ref: PostmanTaskRef): Target {
  const json = 'application/json';
  if (typeof ref === 'string') return { id: expectPathSegment('task id', ref), path: `/collection-updates-tasks/${encodeURIComponent(ref)}`, accept: json };
  if (typeof ref !== 'object' || ref === null) throw new TypeError(`Expected a Postman task id, or { id, kind }, { id, collectionId }, { id, specId } or { id, apiId }, got ${show(ref)}.`);
  const id = expectPathSegment('id', ref.id);
  const task = encodeURIComponent(id);
  if ('apiId' in ref) {
    const apiId = expectPathSegment('apiId', ref.apiId);
    return { id, path: `/apis/${encodeURIComponent(apiId)}/tasks/${task}`, accept: 'application/vnd.api.v10+json' };
  }
  if ('collectionId' in ref) return { id, path: `/collections/${encodeURIComponent(expectPathSegment('collectionId', ref.collectionId))}/tasks/${task}`, accept: json };
  if ('specId' in ref) return { id, path: `/specs/${encodeURIComponent(expectPathSegment('specId', ref.specId))}/tasks/${task}`, accept: json };
  const kind = ref.kind ?? 'collection-update';
  const folder = COLLECTION_TASK_FOLDERS[kind];
  if (typeof folder !== 'string' || !Object.hasOwn(COLLECTION_TASK_FOLDERS, kind)) {
    throw new TypeError(`Expected \`kind\` to be 'collection-update', 'collection-merge' or 'collection-duplicate', got ${JSON.stringify(kind)}.`);
  }
  return { id, path: `/${folder}/${task}`, accept: json };
}

/** Where each kind of collection task is polled. */
const COLLECTION_TASK_FOLDERS: Readonly<Record<'collection-update' | 'collection-merge' | 'collection-duplicate', string>> = {
  'collection-update': 'collection-updates-tasks',
  'collection-merge': 'collection-merges-tasks',
  'collection-duplicate': 'collection-duplicate-tasks',
};

/** `API_ID/ID`, `collection:COLLECTION_UID/ID` and `spec:SPEC_ID/ID`. */
const NESTED_TASK_TEXT = /^(?:(collection|spec):)?([^/:]+)\/([^/:]+)$/;
/** `ID`, `update:ID`, `merge:ID` or `duplicate:ID`. */
const COLLECTION_TASK_TEXT = /^(?:(update|merge|duplicate):)?([^/:]+)$/;

/** The text form of a ref (see {@link PostmanTaskRef}): a collection update is read as its bare id, as it always was. */
function parsePostmanRef(text: string): PostmanTaskRef {
  const nested = NESTED_TASK_TEXT.exec(text);
  if (nested !== null) {
    const [, owner, ownerId, taskId] = nested;
    const id = expectPathSegment('task id', taskId);
    if (owner === 'collection') return { collectionId: expectPathSegment('collectionId', ownerId), id };
    if (owner === 'spec') return { specId: expectPathSegment('specId', ownerId), id };
    return { apiId: expectPathSegment('apiId', ownerId), id };
  }
  const collection = COLLECTION_TASK_TEXT.exec(text);
  if (collection === null) {
    throw new TypeError(
      `Expected a Postman task ref: ID or update:ID (collection update), merge:ID (merge), duplicate:ID (duplication), collection:COLLECTION_UID/ID or spec:SPEC_ID/ID (generation), or API_ID/ID (API Builder task), got ${quote(text)}.`,
    );
  }
  const id = expectPathSegment('task id', collection[2]);
  if (collection[1] === 'merge') return { id, kind: 'collection-merge' };
  if (collection[1] === 'duplicate') return { id, kind: 'collection-duplicate' };
  return id;
}

/** The inverse of {@link parsePostmanRef}, for a ref `identify` has checked: an update is written as its bare id. */
function formatPostmanRef(ref: PostmanTaskRef): string {
  if (typeof ref === 'string') return textId('task id', ref);
  if ('apiId' in ref) return `${textId('apiId', ref.apiId)}/${textId('id', ref.id)}`;
  if ('collectionId' in ref) return `collection:${textId('collectionId', ref.collectionId)}/${textId('id', ref.id)}`;
  if ('specId' in ref) return `spec:${textId('specId', ref.specId)}/${textId('id', ref.id)}`;
  if (ref.kind === 'collection-merge') return `merge:${textId('id', ref.id)}`;
  if (ref.kind === 'collection-duplicate') return `duplicate:${textId('id', ref.id)}`;
  return textId('id', ref.id);
}

/** An id as the text form holds it: one with `:` or `/` in it would read back as another task. */
function textId(name: string, id: string): string {
  if (/[:/]/.test(id)) throw new TypeError(`Expected \`${name}\` to be a Postman id (a UUID, with no ":" or "/") to write it as text, got ${quote(id)}.`);
  return id;
}

function isWrapped(body: unknown): body is { task: unknown } {
  return typeof body === 'object' && body !== null && !('status' in body) && typeof (body as { task?: unknown }).task === 'object';
}
