import { identity, merge, type Observable, type Subscription, tap } from 'rxjs';
import { combineTasks, isTerminal, untilTerminal, withTimeout, type TaskSourceEvent, type TaskState } from '../index.js';
import type { CliIO } from './cliIO.js';
import { JsonLinesView } from './jsonLinesView.js';
import { LiveView } from './liveView.js';
import type { TaskLabel, TaskView } from './taskView.js';

export interface FollowedTask extends TaskLabel {
  readonly state$: Observable<TaskState>;
  /** Its source's events: retries are shown on the task's row. */
  readonly events?: Observable<TaskSourceEvent>;
}

export interface FollowOptions {
  readonly tasks: readonly FollowedTask[];
  readonly view: TaskView;
  /** Each task must end within this many ms, or it ends with a `TaskTimeoutError`. */
  readonly timeoutMs?: number;
  /** Aborting stops every watch at once (requests in flight are aborted). */
  readonly signal?: AbortSignal;
  /** The clock of the watch, ms. */
  readonly clock: () => number;
}

/** How a watch ended, task by task (same order as the input). */
export interface FollowOutcome {
  /** Each task's last state, `undefined` if none came. */
  readonly states: readonly (TaskState | undefined)[];
  /** The error each task's watch ended with, `undefined` if none. */
  readonly errors: readonly unknown[];
  /** When (on `clock`) each task's terminal state was seen. */
  readonly terminalSeenAt: readonly (number | undefined)[];
  /** Stopped by the signal before every task ended. */
  readonly aborted: boolean;
}

/**
 * Watches tasks until each has reached a terminal state, errored or timed
 * out (a failure does not stop the others: `combineTasks` settles them all),
 * feeding every state to the view. Resolves whatever became of the tasks; on abort it
 * unsubscribes everything before resolving.
 */
export function followTasks({ tasks, view, timeoutMs, signal, clock }: FollowOptions): Promise<FollowOutcome> {
  const states: (TaskState | undefined)[] = tasks.map(() => undefined);
  const errors: unknown[] = tasks.map(() => undefined);
  const terminalSeenAt: (number | undefined)[] = tasks.map(() => undefined);
  const bound = timeoutMs === undefined ? identity : withTimeout<TaskState>(timeoutMs);
  const inputs = tasks.map(({ state$ }, index) =>
    state$.pipe(
      untilTerminal(),
      bound,
      tap({
        next: (state) => {
          const at = clock();
          states[index] = state;
          if (isTerminal(state)) terminalSeenAt[index] = at;
          view.state(index, state, at);
        },
        error: (error: unknown) => {
          errors[index] = error;
          view.error(index, error, clock());
        },
      }),
    ),
  );

  return new Promise((resolve, reject) => {
    let subscription: Subscription | undefined;
    let finished = false;
    const finish = (aborted: boolean, failure?: { error: unknown }) => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      subscription?.unsubscribe();
      view.stop();
      if (failure === undefined) resolve({ states, errors, terminalSeenAt, aborted });
      else reject(failure.error);
    };
    const onAbort = () => finish(true);

    view.start(tasks, clock());
    if (signal?.aborted) {
      finish(true);
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    const retries = showRetries(tasks, view, clock);
    subscription = combineTasks(inputs).subscribe({
      next: (batch) => view.batch(batch, clock()),
      complete: () => finish(false),
      // Without `failFast` a batch does not error (a task's error is counted and kept above): this is a bug, not a task failure.
      error: (error: unknown) => finish(false, { error }),
    });
    subscription.add(retries);
    // The batch may have ended during `subscribe`, before `subscription` was set.
    if (finished) subscription.unsubscribe();
  });
}

/**
 * Shows each task's latest retry on its row (and clears it once the provider
 * answers again), from the events of every source the tasks come from.
 */
function showRetries(tasks: readonly FollowedTask[], view: TaskView, clock: () => number): Subscription {
  const indexes = new Map<string, number[]>();
  tasks.forEach(({ provider, id }, index) => indexes.set(`${provider} ${id}`, [...(indexes.get(`${provider} ${id}`) ?? []), index]));
  const sources = [...new Set(tasks.flatMap(({ events }) => (events === undefined ? [] : [events])))];
  return merge(...sources).subscribe((event) => {
    if (event.type !== 'retry' && event.type !== 'answer') return;
    const targets = event.id === undefined ? tasks.flatMap((task, index) => (task.provider === event.provider ? [index] : [])) : (indexes.get(`${event.provider} ${event.id}`) ?? []);
    for (const index of targets) view.retrying(index, event.type === 'retry' ? event : undefined, clock());
  });
}

/** Progress bars for a person at a terminal; JSON lines for `--json` and for anything piped. */
export function chooseView({ io, json, clock }: { io: CliIO; json: boolean; clock: () => number }): TaskView {
  return json || !io.isTTY ? new JsonLinesView(io.stdout, io.stderr) : new LiveView(io.stdout, clock);
}
