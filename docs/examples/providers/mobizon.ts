import { tap } from 'rxjs';
import { combineTasks, mobizonTasks, type TaskBatchState } from 'rx-task-status';

export interface MobizonBatchInput {
  readonly apiKey: string;
  /** Your account's API domain, such as 'api.mobizon.kz'. */
  readonly domain?: string;
  /** Instead of `domain`: a proxy, or a local fake server's URL. */
  readonly baseUrl?: string;
  readonly taskIds: readonly string[];
  /** Told of every change of the batch; a progress bar, say. */
  readonly onProgress?: (batch: TaskBatchState) => void;
}

/**
 * Follows a batch of Mobizon background tasks (contact imports, campaign
 * sends) to their end, and resolves with the final batch state. The source
 * paces itself: one request per second for the whole account, never two for
 * one task less than a second apart.
 */
export function followMobizonBatch({ apiKey, domain, baseUrl, taskIds, onProgress }: MobizonBatchInput): Promise<TaskBatchState> {
  const sms = mobizonTasks({ apiKey, ...(domain === undefined ? {} : { domain }), ...(baseUrl === undefined ? {} : { baseUrl }) });
  return new Promise((resolve, reject) => {
    let last: TaskBatchState | undefined;
    combineTasks(taskIds.map((id) => sms.watch(id)))
      .pipe(tap((batch) => onProgress?.(batch)))
      .subscribe({
        next: (batch) => {
          last = batch;
        },
        error: reject,
        complete: () => (last === undefined ? reject(new Error('No Mobizon task to follow.')) : resolve(last)),
      });
  });
}
