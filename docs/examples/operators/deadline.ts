import { lastValueFrom } from 'rxjs';
import { TaskFailedError, TaskTimeoutError, untilTerminal, withTimeout, type TaskSource, type TaskState } from 'rx-task-status';

/**
 * Waits for one export: two minutes at most in all, and 30 s at most without
 * an answer from the provider (a long export that does not change is still
 * answered on every poll). Resolves with the completed state; rejects with a TaskFailedError, a
 * TaskTimeoutError, or the error that ended the watch.
 */
export function waitForExport(source: TaskSource, taskId: string): Promise<TaskState> {
  return lastValueFrom(
    source.watch(taskId).pipe(
      untilTerminal({ throwOnFailure: true }),
      withTimeout({ total: 120_000, stalled: 30_000 }),
    ),
  );
}

export async function downloadLink(source: TaskSource, taskId: string): Promise<string | undefined> {
  try {
    const done = await waitForExport(source, taskId);
    return (done.result as { url?: string } | undefined)?.url;
  } catch (error) {
    if (error instanceof TaskTimeoutError) {
      console.error(`export ${taskId}: no answer in time (${error.timeout}), last seen ${error.state?.status ?? 'nothing'}`);
      return undefined;
    }
    if (error instanceof TaskFailedError) {
      console.error(`export ${taskId} failed: ${error.state.error?.message ?? error.state.providerStatus}`);
      return undefined;
    }
    throw error;
  }
}
