import { uuidFrom, type FakeTask } from '../tasks/fakeTask.js';
import type { PostmanErrorShape } from '../faults/fault.js';
import type { TaskStep } from '../tasks/taskSpec.js';
import { jsonResponse, type WireResponse } from '../server/wireResponse.js';

const PROBLEMS = 'https://api.postman.com/problems';

/** One Postman error, written in either of the shapes Postman uses. */
export interface PostmanErrorInput {
  readonly status: number;
  /** The legacy shape's `error.name`. */
  readonly name: string;
  /** The problem's `type` (its last path segment under `https://api.postman.com/problems/`, or a full URL). */
  readonly problem: string;
  readonly title: string;
  readonly message: string;
  readonly shape: PostmanErrorShape;
}

/** RFC 7807 `{type, title, status, detail}` (as `application/problem+json`), or legacy `{error: {name, message}}`. */
export function postmanError({ status, name, problem, title, message, shape }: PostmanErrorInput): WireResponse {
  if (shape === 'legacy') return jsonResponse(status, { error: { name, message } });
  const type = /^https?:/.test(problem) ? problem : `${PROBLEMS}/${problem}`;
  return { ...jsonResponse(status, { type, title, status, detail: message }), contentType: 'application/problem+json; charset=utf-8' };
}

export function unauthorized(shape: PostmanErrorShape): WireResponse {
  return shape === 'legacy'
    ? postmanError({ status: 401, name: 'AuthenticationError', problem: 'unauthorized', title: 'Unauthorized', message: 'Invalid API Key. Every request requires a valid API Key to be sent.', shape })
    : postmanError({ status: 401, name: 'AuthenticationError', problem: 'unauthorized', title: 'Unauthorized', message: 'A valid API key must be provided in the request header.', shape });
}

export function taskNotFound(taskId: string, shape: PostmanErrorShape): WireResponse {
  return postmanError({ status: 404, name: 'instanceNotFoundError', problem: 'not-found', title: 'Task not found', message: `We could not find a task with id ${taskId}.`, shape });
}

/**
 * Postman's answer to an API Builder request without the v10 `Accept` header
 * (the fake's choice: Postman documents the header, not the refusal): a 400
 * that names the header it wants.
 */
export function unsupportedVersion(accept: string | undefined, shape: PostmanErrorShape): WireResponse {
  const got = accept === undefined || accept.trim() === '' ? 'no Accept header' : `Accept: ${accept.slice(0, 80)}`;
  const message = `This endpoint is only available in v10 of the Postman API: send the header Accept: application/vnd.api.v10+json (got ${got}).`;
  return postmanError({ status: 400, name: 'unsupportedVersionError', problem: 'unsupported-version', title: 'Unsupported API version', message, shape });
}

export function rateLimited(shape: PostmanErrorShape): WireResponse {
  const message = 'Rate limit exceeded. Retry after the period indicated by the Retry-After header.';
  return postmanError({ status: 429, name: 'rateLimited', problem: 'rate-limit-exceeded', title: 'Too Many Requests', message, shape });
}

export function serviceLimitExhausted(shape: PostmanErrorShape): WireResponse {
  const message = "You've reached the usage limit of your plan. Upgrade your plan or wait for the limit to reset.";
  return postmanError({ status: 429, name: 'serviceLimitExhausted', problem: 'serviceLimitExhausted', title: 'Service Limit Exhausted', message, shape });
}

/**
 * A task body. Collection updates: `{id, status}`. Collection merges add
 * `details.error.message` when failed. API tasks: `{id, meta, status,
 * details?, createdAt, updatedAt}` with `details.resources` on completion.
 */
export function postmanTaskBody(task: FakeTask, step: TaskStep): Record<string, unknown> {
  const failure = { error: { message: step.error?.message ?? 'The task failed.' } };
  if (task.kind === 'collection-update') return { id: task.id, status: step.status };
  if (task.kind === 'collection-merge') return { id: task.id, status: step.status, ...(step.status === 'failed' ? { details: failure } : {}) };
  const details = step.status === 'completed' ? { resources: step.result ?? defaultResources(task) } : step.status === 'failed' ? failure : undefined;
  return {
    id: task.id,
    meta: task.meta,
    status: step.status,
    ...(details === undefined ? {} : { details }),
    createdAt: isoSeconds(task.createdAt),
    updatedAt: isoSeconds(task.createdAt + step.at),
  };
}

function defaultResources(task: FakeTask): unknown[] {
  const id = uuidFrom(`resource:${task.id}`);
  return [{ id, url: `${task.meta?.url ?? `/apis/${task.apiId ?? ''}/versions`}/${id}` }];
}

/** `2024-01-05T10:00:09Z`: Postman's timestamps have whole seconds. */
function isoSeconds(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}
