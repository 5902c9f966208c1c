// The browser example: a batch of tasks on several providers, followed as one
// with combineTasks, drawn as a progress bar per task and one for the batch.
// While the page is hidden no request is sent (pauseWhen); when it is shown
// again, every unfinished task polls at once.
//
// Bundled for the browser by bundle.ts; `npx ts-node examples/browser/demo.ts` serves it.
import {
  combineTasks,
  mobizonTasks,
  postmanTasks,
  streamTasks,
  TaskError,
  whenDocumentHidden,
  type TaskBatchState,
  type TaskState,
} from 'rx-task-status';
import type { Observable } from 'rxjs';
import { readPageConfig, taskKey, type ExampleTask, type PageConfig } from './pageConfig.js';

type Tasks = Record<string, Observable<TaskState>>;
type Batch = TaskBatchState<Record<string, TaskState | undefined>>;

interface Row {
  readonly element: HTMLElement;
  readonly bar: HTMLProgressElement;
  readonly status: HTMLElement;
}

/** `true` while the page is hidden: every source stops sending while it is. */
const hidden$ = whenDocumentHidden(document);

function watchTasks({ server, credentials, tasks }: PageConfig): Tasks {
  const common = { baseUrl: server, pauseWhen: hidden$ };
  // One source per provider, made on first use: each keeps its own request budget.
  const need = (value: string | undefined, what: string): string => {
    if (value === undefined) throw new Error(`Expected ${what} in the query string.`);
    return value;
  };
  const once = <T>(make: () => T): (() => T) => {
    let made: T | undefined;
    return () => (made ??= make());
  };
  const stream = once(() => streamTasks({ ...common, apiKey: need(credentials.streamKey, 'streamKey'), token: need(credentials.streamToken, 'streamToken') }));
  const mobizon = once(() => mobizonTasks({ ...common, apiKey: need(credentials.mobizonKey, 'mobizonKey') }));
  const postman = once(() => postmanTasks({ ...common, apiKey: need(credentials.postmanKey, 'postmanKey') }));

  const watch = (task: ExampleTask): Observable<TaskState> => {
    switch (task.kind) {
      case 'stream':
        return stream().watch(task.id);
      case 'mobizon':
        return mobizon().watch(task.id);
      case 'postman':
        return postman().watch(task.id);
      case 'postman-merge':
        return postman().watch({ id: task.id, kind: 'collection-merge' });
      case 'postman-api':
        return postman().watch({ id: task.id, apiId: task.apiId });
    }
  };
  return Object.fromEntries(tasks.map((task) => [taskKey(task), watch(task)]));
}

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`index.html has no #${id}`);
  return element as T;
}

function part<T extends HTMLElement>(parent: HTMLElement, selector: string): T {
  const element = parent.querySelector<T>(selector);
  if (element === null) throw new Error(`missing ${selector}`);
  return element;
}

function addRows(tasks: readonly ExampleTask[]): Map<string, Row> {
  const list = byId('tasks');
  const rows = new Map<string, Row>();
  for (const task of tasks) {
    const element = document.createElement('div');
    element.className = 'task';
    element.dataset.task = taskKey(task);
    element.dataset.status = 'pending';
    element.innerHTML = '<span class="label"></span><progress max="1"></progress><span class="status">waiting for news</span>';
    part(element, '.label').textContent = taskKey(task);
    list.append(element);
    rows.set(taskKey(task), { element, bar: part(element, 'progress'), status: part(element, '.status') });
  }
  return rows;
}

function describeError(error: unknown): string {
  if (error instanceof TaskError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)} %`;
}

function showTask(row: Row, state: TaskState | undefined, error: unknown): void {
  if (state === undefined && error === undefined) return;
  const status = error === undefined ? (state as TaskState).status : 'failed';
  row.element.dataset.status = status;
  row.element.dataset.heard = 'true';
  // Stream and Postman report no progress: the bar stays indeterminate until the end.
  const progress = state?.progress ?? (status === 'completed' ? 1 : undefined);
  if (progress === undefined && (status === 'pending' || status === 'running')) row.bar.removeAttribute('value');
  else row.bar.value = progress ?? 0;
  const why = error !== undefined ? describeError(error) : state?.error?.message;
  row.status.textContent = [status, progress === undefined ? '' : percent(progress), why === undefined ? '' : `(${why})`].filter(Boolean).join(' ');
  row.status.title = why ?? '';
}

function showBatch(batch: Batch, rows: Map<string, Row>): void {
  const { tasks, errors, counts, total, progress, done } = batch;
  for (const [key, row] of rows) showTask(row, tasks[key], errors[key]);
  const summary = byId('total');
  summary.dataset.done = String(done);
  part<HTMLProgressElement>(summary, 'progress').value = progress;
  part(summary, '.status').textContent = done
    ? `done: ${counts.completed} completed, ${counts.failed} failed`
    : `${percent(progress)}: ${counts.completed + counts.failed}/${total} finished, ${counts.running} running`;
}

function showProblem(error: unknown): void {
  const problem = byId('problem');
  problem.hidden = false;
  problem.textContent = describeError(error);
}

function start(): void {
  let config: PageConfig;
  try {
    config = readPageConfig(location.search);
  } catch (error) {
    showProblem(error);
    return;
  }
  const rows = addRows(config.tasks);
  const paused = byId('paused');
  const subscription = hidden$.subscribe((hidden) => (paused.hidden = !hidden));
  try {
    subscription.add(
      combineTasks(watchTasks(config)).subscribe({
        next: (batch) => showBatch(batch, rows),
        error: showProblem,
      }),
    );
  } catch (error) {
    showProblem(error);
  }
  // Leaving the page stops every poll loop (and its timers) at once.
  addEventListener('pagehide', () => subscription.unsubscribe(), { once: true });
}

start();
