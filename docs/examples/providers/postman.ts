import { waitForTask, postmanTasks, type PostmanTaskRef, type TaskState } from 'rx-task-status';

export interface PostmanTaskInput {
  readonly apiKey: string;
  /** A collection update id, `{ id, kind: 'collection-merge' }`, or `{ id, apiId }` for an API Builder task. */
  readonly task: PostmanTaskRef;
  /** Default https://api.getpostman.com; https://api.eu.postman.com for EU accounts, or a local fake server's URL. */
  readonly baseUrl?: string;
  /** Stop waiting (and polling) when this aborts. */
  readonly signal?: AbortSignal;
}

/**
 * Waits for a Postman asynchronous task and resolves with its completed state
 * (`result` holds `details.resources` for API Builder tasks). Rejects with a
 * `TaskFailedError` when the task fails, a `RateLimitError` when the plan's
 * usage is exhausted, or the abort reason.
 */
export function waitForPostmanTask({ apiKey, task, baseUrl, signal }: PostmanTaskInput): Promise<TaskState> {
  const postman = postmanTasks({ apiKey, ...(baseUrl === undefined ? {} : { baseUrl }) });
  return waitForTask(postman.watch(task), signal === undefined ? {} : { signal });
}
