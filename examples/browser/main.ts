// The browser example: a batch of tasks on several providers, followed as one
// with combineTasks, drawn as a progress bar per task and one for the batch.
// The tasks are read from the task hub of the server that served the page
// (`hubTasks`): the server polls each task once, whoever watches it, and holds
// the provider keys; the page holds none and runs no provider code.
// While the page is hidden it holds no connection (pauseWhen); when it is
// shown again it takes its stream up again and gets what it missed. While the
// hub does not answer, the page says it is retrying. Leaving the page stops
// everything; coming back to it from the back/forward cache carries on where
// it stopped.
//
// Bundled for the browser by bundle.ts; `npx ts-node examples/browser/demo.ts` serves it.
import { combineTasks, whenDocumentHidden, type TaskState } from 'rx-task-status';
import { Subscription } from 'rxjs';
import { readPageConfig, type PageConfig } from './pageConfig.js';
import { ServerHealth } from './serverHealth.js';
import { watchTasks } from './taskSources.js';
import { describeError, TaskView, type Batch } from './taskView.js';

/** `true` while the page is hidden: no source holds a connection while it is. */
const hidden$ = whenDocumentHidden(document);

/**
 * Follows every task of `config` until unsubscribed. `latest` keeps each
 * task's latest state across follows: a task already finished is not asked
 * about again, an unfinished one carries on from where it was.
 */
function follow(config: PageConfig, view: TaskView, latest: Map<string, TaskState>): Subscription {
  let batch: Batch | undefined;
  const health = new ServerHealth(() => view.show(batch, health.trouble));
  const { tasks, setupError } = watchTasks(config, {
    pauseWhen: hidden$,
    fetch: health.fetch,
    resumeFrom: (key) => latest.get(key),
  });
  const problems = setupError === undefined ? [] : [`Cannot follow the tasks: ${describeError(setupError)}`];
  view.showProblems(problems);
  view.show(batch, health.trouble);

  const subscription = new Subscription(() => health.close());
  subscription.add(hidden$.subscribe((hidden) => view.showPaused(hidden)));
  subscription.add(
    combineTasks(tasks).subscribe({
      next: (next) => {
        batch = next;
        for (const [key, state] of Object.entries(next.tasks)) if (state !== undefined) latest.set(key, state);
        view.show(batch, health.trouble);
      },
      // Not expected (a task's error is counted, not thrown), but never silent.
      error: (error: unknown) => view.showProblems([...problems, describeError(error)]),
    }),
  );
  return subscription;
}

function start(): void {
  let config: PageConfig;
  try {
    config = readPageConfig(location.search);
  } catch (error) {
    new TaskView([]).showProblems([describeError(error)]);
    return;
  }
  const view = new TaskView(config.tasks);
  const latest = new Map<string, TaskState>();
  let following = follow(config, view, latest);
  // Leaving the page stops every watch (and closes the hub connections) at once. A page kept
  // in the back/forward cache may be shown again: then it follows again.
  addEventListener('pagehide', () => following.unsubscribe());
  addEventListener('pageshow', (event) => {
    if (event.persisted && following.closed) following = follow(config, view, latest);
  });
}

start();

// An ES module, said outright: the repository's package.json says CommonJS, and a
// bundler reads a file with no export by it (wrapping every module it imports).
export {};
