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

/**
 * A plan's limit reached: a 429 that waiting does not lift. As a problem, the
 * OpenAPI's own example (`packages429ErrorRateLimitExceeded`: type
 * `rate-limit-exceeded`, title "You've reached the limit for your plan"); in
 * the legacy shape, the `serviceLimitExhausted` error its overview names.
 */
export function serviceLimitExhausted(shape: PostmanErrorShape): WireResponse {
  if (shape === 'legacy') {
    const message = "You've reached the usage limit of your plan. Contact your Postman Team Admin for assistance.";
    return postmanError({ status: 429, name: 'serviceLimitExhausted', problem: 'serviceLimitExhausted', title: 'Service Limit Exhausted', message, shape });
  }
  const message = "You've reached the limit for number of Packages.";
  return postmanError({ status: 429, name: 'serviceLimitExhausted', problem: 'rate-limit-exceeded', title: "You've reached the limit for your plan", message, shape });
}

/**
 * A task body, as the OpenAPI (1.45) shows each. Collection updates: `{id,
 * status}`. Collection merges add `details.error.message` when failed.
 * Duplications wrap the task: `{task: {id, status, reason}}`, `reason` null
 * until it fails. Generations: `{status, meta: {model, action: 'generation'}}`
 * with `details.resources` on completion and `details` the reason (a string)
 * on failure. API tasks: `{id, meta, status, details?, createdAt,
 * updatedAt}` with `details.resources` on completion.
 */
export function postmanTaskBody(task: FakeTask, step: TaskStep): Record<string, unknown> {
  const failure = { error: { message: step.error?.message ?? 'The task failed.' } };
  if (task.kind === 'collection-update') return { id: task.id, status: step.status };
  if (task.kind === 'collection-merge') return { id: task.id, status: step.status, ...(step.status === 'failed' ? { details: failure } : {}) };
  if (task.kind === 'collection-duplicate') return { task: { id: task.id, reason: step.status === 'failed' ? (step.error?.message ?? 'instance not found') : null, status: step.status } };
  if (task.kind === 'generation') {
    const meta = { model: task.elementType === 'specs' ? 'collection' : 'spec', action: 'generation' };
    const details =
      step.status === 'completed' ? { resources: step.result ?? generatedResources(task) } : step.status === 'failed' ? (step.error?.message ?? 'Failed to generate collection from specification') : undefined;
    return { status: step.status, meta, ...(details === undefined ? {} : { details }) };
  }
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

/** What a generation made: a spec (from a collection) or a collection (from a spec), as `{id, url}`. */
function generatedResources(task: FakeTask & { kind: 'generation' }): unknown[] {
  const id = uuidFrom(`generated:${task.id}`);
  return [task.elementType === 'specs' ? { id: `12345678-${id}`, url: `/collections/${id}` } : { id, url: `/specs/${id}` }];
}

function defaultResources(task: FakeTask): unknown[] {
  const id = uuidFrom(`resource:${task.id}`);
  return [{ id, url: `${task.meta?.url ?? `/apis/${task.apiId ?? ''}/versions`}/${id}` }];
}

/** `2024-01-05T10:00:09Z`: Postman's timestamps have whole seconds. */
function isoSeconds(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}
