// The page's task streams, read from the task hub: one `hubTasks` per
// provider the page shows (made only when a task needs it), all sharing the
// first one's connection: one connection to the hub, however many tasks of
// however many providers the page follows. A task
// that cannot be followed (a hub URL the page cannot use, a ref too long to
// be one) fails on its own row, through the same path as a task the hub
// refuses, and leaves the other tasks running.
import { hubTasks, type HubFetch, type TaskSource, type TaskState } from 'rx-task-status';
import { throwError, type Observable } from 'rxjs';
import { taskKey, type ExampleProvider, type ExampleTask, type PageConfig } from './pageConfig.js';

export interface SourceSetup {
  /** `true` while no source may hold a connection. */
  readonly pauseWhen: Observable<boolean>;
  /** The `fetch` every source talks to the hub with. */
  readonly fetch: HubFetch;
  /** A task's latest state from an earlier watch, to carry on from (a page back from the back/forward cache). */
  readonly resumeFrom: (key: string) => TaskState | undefined;
}

export interface PageTasks {
  /** Each task's stream, keyed by {@link taskKey}. */
  readonly tasks: Record<string, Observable<TaskState>>;
  /** Why no source could be made (the hub's URL): every task's stream errors with it. */
  readonly setupError: unknown;
}

export function watchTasks({ hub, tasks }: PageConfig, { pauseWhen, fetch, resumeFrom }: SourceSetup): PageTasks {
  const sources = new Map<ExampleProvider, TaskSource<string>>();
  let setupError: unknown;
  const sourceOf = (provider: ExampleProvider): TaskSource<string> => {
    let source = sources.get(provider);
    if (source === undefined) {
      const first = sources.values().next().value;
      // Every source after the first shares its connection: browsers allow six per origin, for every tab together.
      source = first === undefined ? hubTasks({ url: hub, provider, pauseWhen, fetch }) : hubTasks({ url: hub, provider, pauseWhen, shareWith: first });
      sources.set(provider, source);
    }
    return source;
  };
  const watch = (task: ExampleTask): Observable<TaskState> => {
    if (setupError !== undefined) return throwError(() => setupError);
    let source: TaskSource<string>;
    try {
      source = sourceOf(task.provider);
    } catch (error) {
      setupError = error;
      return throwError(() => error);
    }
    const state = resumeFrom(taskKey(task));
    try {
      return source.watch(task.ref, state === undefined ? {} : { resumeFrom: state });
    } catch (error) {
      return throwError(() => error);
    }
  };
  const streams = Object.fromEntries(tasks.map((task) => [taskKey(task), watch(task)]));
  return { tasks: streams, setupError };
}
