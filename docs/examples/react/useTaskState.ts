import type { TaskSource, TaskState, WatchOptions } from 'rx-task-status';
import { useObservable, type ObservableView } from './useObservable.js';

/**
 * The live state of one task: watches `ref` on `source` while the component
 * is mounted, and watches again when `source` or `ref` change. `ref`
 * `undefined` watches nothing (the task has not been started yet).
 *
 * `ref` is compared by value (an object ref such as Postman's `{ id, kind }`
 * may be a new object on every render). `options` are read when the watch
 * starts; changing them alone does not restart it.
 */
export function useTaskState<TRef>(source: TaskSource<TRef>, ref: TRef | undefined, options?: WatchOptions): ObservableView<TaskState> {
  return useObservable(() => (ref === undefined ? undefined : source.watch(ref, options)), [source, refKey(ref)]);
}

/** A string that is equal for equal refs: the id itself, or the JSON of an object ref. */
export function refKey(ref: unknown): string | undefined {
  if (ref === undefined) return undefined;
  return typeof ref === 'string' ? ref : JSON.stringify(ref);
}
