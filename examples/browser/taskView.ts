// What the page shows: a row per task (its bar and its news), the batch's
// bar and summary, and notices above them (paused, retrying, problems). It is
// drawn from scratch from the latest batch and the hub's health each time,
// so what it shows never depends on what it showed before.
import { TaskError, type TaskBatchState, type TaskState } from 'rx-task-status';
import { taskKey, type ExampleTask } from './pageConfig.js';
import type { Trouble } from './serverHealth.js';

export type Batch = TaskBatchState<Record<string, TaskState | undefined>>;

interface Row {
  readonly task: ExampleTask;
  readonly element: HTMLElement;
  readonly bar: HTMLProgressElement;
  readonly status: HTMLElement;
}

/** What a row says: `data-status`, the text, and the bar (`undefined`: busy, no progress known). */
interface RowView {
  readonly status: 'waiting' | TaskState['status'] | 'error';
  readonly text: string;
  readonly progress: number | undefined;
  readonly detail?: string;
}

export class TaskView {
  readonly #rows: readonly Row[];

  constructor(tasks: readonly ExampleTask[]) {
    const list = byId('tasks');
    this.#rows = tasks.map((task) => {
      const element = document.createElement('div');
      element.className = 'task';
      element.dataset.task = taskKey(task);
      element.innerHTML = '<span class="label"></span><progress max="1"></progress><span class="status"></span>';
      part(element, '.label').textContent = taskKey(task);
      list.append(element);
      return { task, element, bar: part(element, 'progress'), status: part(element, '.status') };
    });
  }

  /** Draws every row and the summary; `batch` is `undefined` until the first task is heard from. */
  show(batch: Batch | undefined, trouble: Trouble | undefined): void {
    let retryingAny = false;
    for (const row of this.#rows) {
      const key = taskKey(row.task);
      let view = rowView(batch?.tasks[key], batch?.errors[key]);
      const settled = view.status === 'completed' || view.status === 'failed' || view.status === 'error';
      // Only a task still followed is being retried: once it has settled, the hub's trouble is not its own.
      const retrying = !settled && trouble !== undefined;
      if (retrying) {
        retryingAny = true;
        view = { ...view, text: "retrying: can't reach the server" };
      }
      row.element.dataset.status = view.status;
      row.element.dataset.heard = String(view.status !== 'waiting');
      row.element.toggleAttribute('data-retrying', retrying);
      if (view.progress === undefined) row.bar.removeAttribute('value');
      else row.bar.value = view.progress;
      row.status.textContent = view.text;
      row.status.title = view.detail ?? view.text;
    }
    this.#showSummary(batch);
    showNotice(
      'trouble',
      retryingAny && trouble !== undefined
        ? [`Can't reach the task hub: ${trouble.last}. Retrying… (${trouble.failures} failed ${trouble.failures === 1 ? 'request' : 'requests in a row'})`]
        : [],
    );
  }

  /** Problems that concern the page rather than one task: no source could be made, a batch that ended in error. */
  showProblems(problems: readonly string[]): void {
    showNotice('problem', problems);
  }

  showPaused(paused: boolean): void {
    byId('paused').hidden = !paused;
  }

  #showSummary(batch: Batch | undefined): void {
    const summary = byId('total');
    summary.hidden = false;
    const total = this.#rows.length;
    const counts = batch?.counts ?? { pending: total, running: 0, completed: 0, failed: 0 };
    const done = batch?.done ?? false;
    const errors = batch === undefined ? 0 : Object.values(batch.errors).filter((error) => error !== undefined).length;
    summary.dataset.done = String(done);
    summary.toggleAttribute('data-failed', counts.failed > 0);
    // A settled task counts 1 in the batch's progress, failed or not: the bar is full exactly when the batch is done.
    part<HTMLProgressElement>(summary, 'progress').value = batch?.progress ?? 0;
    const settled = counts.completed + counts.failed;
    part(summary, '.status').textContent = done
      ? `done: ${[`${counts.completed} completed`, `${counts.failed - errors} failed`, ...(errors === 0 ? [] : [`${errors} ${errors === 1 ? 'error' : 'errors'}`])].join(', ')}`
      : `${percent(batch?.progress ?? 0)}: ${settled}/${total} finished, ${counts.running} running`;
  }
}

function rowView(state: TaskState | undefined, error: unknown): RowView {
  if (error !== undefined) {
    const why = describeError(error);
    return { status: 'error', text: `error: ${why}`, progress: state?.progress ?? 0, detail: `Could not follow this task: ${why}` };
  }
  if (state === undefined) return { status: 'waiting', text: 'waiting for news', progress: undefined };
  const { status, progress } = state;
  switch (status) {
    case 'completed':
      return { status, text: 'completed', progress: 1 };
    case 'failed': {
      const why = state.error?.message ?? `provider status ${state.providerStatus}`;
      return { status, text: `failed${progress === undefined ? '' : ` at ${percent(progress)}`}: ${why}`, progress: progress ?? 0 };
    }
    default:
      // Stream and Postman report no progress: the bar stays busy until the end.
      return { status, text: progress === undefined ? status : `${status} ${percent(progress)}`, progress };
  }
}

export function describeError(error: unknown): string {
  if (error instanceof TaskError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Whole percents, rounded down: a task at 99.6 % is not done yet. */
function percent(fraction: number): string {
  return `${Math.floor(fraction * 100)}%`;
}

function showNotice(id: string, lines: readonly string[]): void {
  const notice = byId(id);
  notice.hidden = lines.length === 0;
  notice.textContent = lines.join('\n');
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
