// The page's task streams: one source per provider (each with its own request
// budget, as the provider counts it), made only when a task needs it. A source
// that cannot be made (a key missing from the query string, a bad server URL)
// fails its own tasks, through the same path as a task that cannot be
// followed, and leaves the other providers' tasks running.
import { mobizonTasks, postmanTasks, streamTasks, type FetchLike, type TaskState } from 'rx-task-status';
import { throwError, type Observable } from 'rxjs';
import { taskKey, type ExampleProvider, type ExampleTask, type PageConfig } from './pageConfig.js';

export interface SourceSetup {
  /** `true` while no source may send anything. */
  readonly pauseWhen: Observable<boolean>;
  readonly fetchFor: (provider: ExampleProvider) => FetchLike;
  /** A task's latest state from an earlier watch, to carry on from (a page back from the back/forward cache). */
  readonly resumeFrom: (key: string) => TaskState | undefined;
}

export interface PageTasks {
  /** Each task's stream, keyed by {@link taskKey}. */
  readonly tasks: Record<string, Observable<TaskState>>;
  /** Why a provider's source could not be made; its tasks' streams error with it. */
  readonly setupErrors: ReadonlyMap<ExampleProvider, unknown>;
}

export function watchTasks({ server, credentials, tasks }: PageConfig, { pauseWhen, fetchFor, resumeFrom }: SourceSetup): PageTasks {
  const setupErrors = new Map<ExampleProvider, unknown>();
  /** Runs `use` on the provider's source, made on first use; a source that cannot be made errors every stream asked of it. */
  const lazily = <S>(provider: ExampleProvider, make: () => S) => {
    let made: { readonly source: S } | undefined;
    return (use: (source: S) => Observable<TaskState>): Observable<TaskState> => {
      if (made === undefined && !setupErrors.has(provider)) {
        try {
          made = { source: make() };
        } catch (error) {
          setupErrors.set(provider, error);
        }
      }
      return made === undefined ? throwError(() => setupErrors.get(provider)) : use(made.source);
    };
  };
  const need = (value: string | undefined, name: string): string => {
    if (value === undefined) throw new Error(`Expected \`${name}\` in the query string.`);
    return value;
  };
  const common = (provider: ExampleProvider) => ({ baseUrl: server, pauseWhen, fetch: fetchFor(provider) });
  const stream = lazily('stream', () =>
    streamTasks({ ...common('stream'), apiKey: need(credentials.streamKey, 'streamKey'), token: need(credentials.streamToken, 'streamToken') }),
  );
  const mobizon = lazily('mobizon', () => mobizonTasks({ ...common('mobizon'), apiKey: need(credentials.mobizonKey, 'mobizonKey') }));
  const postman = lazily('postman', () => postmanTasks({ ...common('postman'), apiKey: need(credentials.postmanKey, 'postmanKey') }));

  const watch = (task: ExampleTask): Observable<TaskState> => {
    const state = resumeFrom(taskKey(task));
    const options = state === undefined ? {} : { resumeFrom: state };
    switch (task.kind) {
      case 'stream':
        return stream((source) => source.watch(task.id, options));
      case 'mobizon':
        return mobizon((source) => source.watch(task.id, options));
      case 'postman':
        return postman((source) => source.watch(task.id, options));
      case 'postman-merge':
        return postman((source) => source.watch({ id: task.id, kind: 'collection-merge' }, options));
      case 'postman-api':
        return postman((source) => source.watch({ id: task.id, apiId: task.apiId }, options));
    }
  };
  return { tasks: Object.fromEntries(tasks.map((task) => [taskKey(task), watch(task)])), setupErrors };
}
