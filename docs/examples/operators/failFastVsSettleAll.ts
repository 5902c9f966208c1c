import { lastValueFrom } from 'rxjs';
import { combineTasks, type TaskSource, type TaskState } from 'rx-task-status';

/**
 * All or nothing: resolves with every completed state, or rejects at the first
 * failure (a TaskFailedError, or the error of a watch) and stops following the
 * other tasks at once.
 */
export async function importAllOrNothing(source: TaskSource, taskIds: readonly string[]): Promise<readonly (TaskState | undefined)[]> {
  const batch = await lastValueFrom(combineTasks(taskIds.map((id) => source.watch(id)), { failFast: true }));
  return batch.tasks;
}

export interface ImportReport {
  readonly completed: number;
  readonly failures: readonly { readonly id: string; readonly why: string }[];
}

/** Settle all: waits for every task, then says which failed and why. */
export async function importAll(source: TaskSource, taskIds: readonly string[]): Promise<ImportReport> {
  const watches = Object.fromEntries(taskIds.map((id) => [id, source.watch(id)]));
  const { tasks, errors, counts } = await lastValueFrom(combineTasks(watches));
  const failures = taskIds.flatMap((id) => {
    const error = errors[id];
    if (error !== undefined) return [{ id, why: `could not follow it: ${error instanceof Error ? error.message : String(error)}` }];
    const state = tasks[id];
    if (state?.status === 'failed') return [{ id, why: state.error?.message ?? state.providerStatus }];
    return [];
  });
  return { completed: counts.completed, failures };
}
