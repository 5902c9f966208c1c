import { mobizonTasks, TaskFailedError, toAsyncIterable, type TaskState } from 'rx-task-status';

export interface FollowImportInput {
  readonly apiKey: string;
  readonly taskId: string;
  /** Default api.mobizon.kz. */
  readonly domain?: string;
  /** A local fake server's URL in tests. */
  readonly baseUrl?: string;
  /** Where progress lines go. Default: `console.log`. */
  readonly print?: (line: string) => void;
  /** Stops following once this much is done (0..1), leaving the task to finish on its own. Default 1. */
  readonly enoughProgress?: number;
}

/**
 * A script's way of following a Mobizon import: one line per state, then on
 * with the script. Resolves with the last state seen (completed, or past
 * `enoughProgress`); throws a `TaskFailedError` if the task fails, or the
 * error that ended the watch.
 */
export async function followImport({ apiKey, taskId, domain, baseUrl, print = console.log, enoughProgress = 1 }: FollowImportInput): Promise<TaskState | undefined> {
  const mobizon = mobizonTasks({ apiKey, ...(domain === undefined ? {} : { domain }), ...(baseUrl === undefined ? {} : { baseUrl }) });
  let last: TaskState | undefined;
  // A watch completes after the task's terminal state, which ends the loop.
  for await (const state of toAsyncIterable(mobizon.watch(taskId))) {
    last = state;
    print(`import ${state.id}: ${state.status} ${Math.round((state.progress ?? 0) * 100)}%`);
    // Leaving the loop, by a throw or a break, unsubscribes: the polling stops.
    if (state.status === 'failed') throw new TaskFailedError(state);
    if ((state.progress ?? 0) >= enoughProgress) break;
  }
  return last;
}
