import { combineTasks, type TaskBatchState, type TaskSource } from 'rx-task-status';
import { useObservable, type ObservableView } from './useObservable.js';
import { refKey } from './useTaskState.js';

export interface UseTaskBatchOptions {
  /** End the batch at the first failure (see `combineTasks`). Default `false`: settle all. */
  readonly failFast?: boolean;
}

/**
 * One view of many tasks: `counts`, `progress` and `done` of `combineTasks`
 * over a watch of each ref. Watches again when the source, the refs (by
 * value) or `failFast` change.
 */
export function useTaskBatch<TRef>(
  source: TaskSource<TRef>,
  refs: readonly TRef[],
  { failFast = false }: UseTaskBatchOptions = {},
): ObservableView<TaskBatchState> {
  return useObservable(
    () => combineTasks(refs.map((ref) => source.watch(ref)), { failFast }),
    [source, refs.map(refKey).join('\n'), failFast],
  );
}
