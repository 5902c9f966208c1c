import { left, right } from 'fp-ts/lib/Either.js';
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
  readonly baseUrl?: string;
}

/**
 * Which Postman task: a bare id is a collection update task
 * (`PUT /collections/{id}` with `Prefer: respond-async`); `kind:
 * 'collection-merge'` a merge task; an `apiId` an API Builder task.
 *
 * As text (`parseRef`, `formatRef`, and any string given to `watch`): `ID` or
 * `update:ID` a collection update, `merge:ID` a collection merge, `API_ID/ID`
 * an API Builder task. Postman ids are UUIDs, so neither `:` nor `/` is ever
 * part of one.
 */
export type PostmanTaskRef =
  | string
  | {
      /** The task id Postman returned when the update or merge started. */
      readonly id: string;
      /** Which collection task: `'collection-update'` (the default) or `'collection-merge'`. */
      readonly kind?: 'collection-update' | 'collection-merge';
    }
  | {
      /** The API Builder task's id. */
      readonly id: string;
      /** The id of the API the task belongs to. */
      readonly apiId: string;
    };

/**
 * Collection tasks say `in-progress | successful | failed`, API Builder tasks
 * `pending | completed | failed`; the spec calls both lists partial. A switch,
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
      // `in-progress`, and anything new: not terminal.
      return 'running';
  }
}

interface Target {
  readonly id: string;
  readonly path: string;
  readonly accept: string;
}

/**
 * Asynchronous tasks of the Postman API: collection updates and merges, and
 * API Builder tasks.
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
export const postmanTasks: TaskSourceFactory<PostmanOptions, PostmanTaskRef> = defineProvider({
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
    // The 202 that starts an update wraps the task in `task`; the status endpoints do not. Accept both.
    const body = isWrapped(parsed.right) ? parsed.right.task : parsed.right;
    const task = decodeWith(PostmanTask, body, what);
    return task._tag === 'Left' ? task : right(toTaskState(task.right, body));
  },
});

function toTaskState(task: PostmanTask, raw: unknown): TaskStateInit {
  const status = statusOf(task.status);
  const createdAt = optional(Timestamp, task.createdAt);
  const updatedAt = optional(Timestamp, task.updatedAt);
  const resources = task.details?.resources;
  const failure = task.details?.error?.message;
  return {
    status,
    providerStatus: task.status,
    ...(resources !== undefined ? { result: resources } : status === 'completed' && task.details !== undefined ? { result: task.details } : {}),
    ...(status === 'failed' ? { error: { message: failure ?? 'task failed' } } : {}),
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(updatedAt === undefined ? {} : { updatedAt }),
    raw,
  };
}

/**
 * Both error shapes; 429 `serviceLimitExhausted` (the plan's quota is spent:
 * waiting will not help) is final, any other 429 (`rateLimited`) is retried
 * after `Retry-After`; 503 (a traffic spike) and other 5xx are retried.
 */
function postmanFailure(response: HttpResponse, what: string): ProviderFailure {
  const body = parseJsonBody(response, what);
  const parsed = body._tag === 'Right' ? body.right : undefined;
  const { names, reason } = readErrorBody(parsed);
  const details = parsed === undefined ? undefined : { body: parsed };
  if (response.status === 429 && names.some((name) => SERVICE_LIMIT_EXHAUSTED.test(name))) {
    return {
      error: new RateLimitError(`${what}: the plan's usage limit is exhausted${reason ? `: ${reason}` : ''}`, { exhausted: true, details }),
      retryable: false,
    };
  }
  return httpFailure({ response, what, ...(reason === undefined ? {} : { reason }), ...(details === undefined ? {} : { details }) });
}

/** `serviceLimitExhausted`, `service-limit-exhausted`, "Service Limit Exhausted"… */
const SERVICE_LIMIT_EXHAUSTED = /service[-_\s]?limit[-_\s]?exhausted/i;

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
  if (typeof ref !== 'object' || ref === null) throw new TypeError(`Expected a Postman task id or { id, kind } or { id, apiId }, got ${show(ref)}.`);
  const id = expectPathSegment('id', ref.id);
  if ('apiId' in ref) {
    const apiId = expectPathSegment('apiId', ref.apiId);
    return { id, path: `/apis/${encodeURIComponent(apiId)}/tasks/${encodeURIComponent(id)}`, accept: 'application/vnd.api.v10+json' };
  }
  const kind = ref.kind ?? 'collection-update';
  if (kind !== 'collection-update' && kind !== 'collection-merge') {
    throw new TypeError(`Expected \`kind\` to be 'collection-update' or 'collection-merge', got ${JSON.stringify(kind)}.`);
  }
  const folder = kind === 'collection-merge' ? 'collection-merges-tasks' : 'collection-updates-tasks';
  return { id, path: `/${folder}/${encodeURIComponent(id)}`, accept: json };
}

/** `API_ID/ID`. */
const API_TASK_TEXT = /^([^/:]+)\/([^/:]+)$/;
/** `ID`, `update:ID` or `merge:ID`. */
const COLLECTION_TASK_TEXT = /^(?:(update|merge):)?([^/:]+)$/;

/** The text form of a ref (see {@link PostmanTaskRef}): a collection update is read as its bare id, as it always was. */
function parsePostmanRef(text: string): PostmanTaskRef {
  const api = API_TASK_TEXT.exec(text);
  if (api !== null) return { apiId: expectPathSegment('apiId', api[1]), id: expectPathSegment('task id', api[2]) };
  const collection = COLLECTION_TASK_TEXT.exec(text);
  if (collection === null) {
    throw new TypeError(`Expected a Postman task ref: ID or update:ID (collection update), merge:ID (collection merge), or API_ID/ID (API Builder task), got ${quote(text)}.`);
  }
  const id = expectPathSegment('task id', collection[2]);
  return collection[1] === 'merge' ? { id, kind: 'collection-merge' } : id;
}

/** The inverse of {@link parsePostmanRef}, for a ref `identify` has checked: an update is written as its bare id. */
function formatPostmanRef(ref: PostmanTaskRef): string {
  if (typeof ref === 'string') return textId('task id', ref);
  if ('apiId' in ref) return `${textId('apiId', ref.apiId)}/${textId('id', ref.id)}`;
  return ref.kind === 'collection-merge' ? `merge:${textId('id', ref.id)}` : textId('id', ref.id);
}

/** An id as the text form holds it: one with `:` or `/` in it would read back as another task. */
function textId(name: string, id: string): string {
  if (/[:/]/.test(id)) throw new TypeError(`Expected \`${name}\` to be a Postman id (a UUID, with no ":" or "/") to write it as text, got ${quote(id)}.`);
  return id;
}

function isWrapped(body: unknown): body is { task: unknown } {
  return typeof body === 'object' && body !== null && !('status' in body) && typeof (body as { task?: unknown }).task === 'object';
}
