import { TaskError, type RetryEvent, type TaskBatchState, type TaskState } from '../index.js';
import { printable } from '../core/redact.js';
import { describeError, describeRetry, jsonLine, type TaskLabel, type TaskView } from './taskView.js';

/**
 * The line written on stdout for a task whose watch ended in an error rather
 * than a state (a timeout, a rejected key, a task not found): told apart
 * from state lines by its `type`, and naming the task as they do (`id` and
 * `ref`). `code` is the library's stable error code (`TASK_TIMEOUT`,
 * `AUTHENTICATION`, `TASK_NOT_FOUND`, …), `UNEXPECTED` for anything else.
 * Library messages never contain a credential.
 */
export interface ErrorLine {
  readonly type: 'error';
  readonly provider: string;
  readonly id: string;
  readonly ref: string;
  readonly code: string;
  readonly message: string;
}

/**
 * Output for pipes and `--json`: one JSON line (NDJSON) per state change on
 * stdout, each a whole `TaskState` (dates as ISO 8601 strings, `raw`
 * included) plus the task's text form as `ref`, so `jq` and log shippers
 * read it as is; an {@link ErrorLine} for a task that could not be followed
 * to its end. Every line names its task the same way: `id` as in its states,
 * `ref` as `formatRef` writes it (`merge:ID`), which `watch` takes back.
 * Errors also go to stderr as plain lines, for the person watching the script.
 */
export class JsonLinesView implements TaskView {
  private labels: readonly TaskLabel[] = [];

  constructor(
    private readonly stdout: NodeJS.WritableStream,
    private readonly stderr: NodeJS.WritableStream,
  ) {}

  start(labels: readonly TaskLabel[]): void {
    this.labels = labels;
  }

  state(index: number, state: TaskState): void {
    const { provider, id, ...rest } = state;
    this.stdout.write(jsonLine({ provider, id, ref: this.labels[index]?.ref ?? id, ...rest }));
  }

  error(index: number, error: unknown): void {
    const provider = this.labels[index]?.provider ?? '';
    const id = this.labels[index]?.id ?? String(index);
    const ref = this.labels[index]?.ref ?? id;
    const line: ErrorLine = {
      type: 'error',
      provider,
      id,
      ref,
      code: error instanceof TaskError ? error.code : 'UNEXPECTED',
      message: error instanceof Error ? error.message : String(error),
    };
    this.stdout.write(jsonLine(line));
    this.stderr.write(`rx-task-status: ${printable(`${provider} task ${ref}`)}: ${describeError(error)}\n`);
  }

  /** Retries are for the person watching (stderr): stdout keeps one line per state, and one per task that ended in an error. */
  retrying(index: number, retry: RetryEvent | undefined, at: number): void {
    if (retry === undefined) return;
    const ref = this.labels[index]?.ref ?? String(index);
    this.stderr.write(`rx-task-status: ${printable(`${this.labels[index]?.provider ?? ''} task ${ref}`)}: ${describeRetry(retry, at)}\n`);
  }

  /** Batch totals are for people; a consumer of JSON lines sums the states itself. */
  batch(_batch: TaskBatchState): void {}

  /** Every line is written whole as it comes: nothing to flush or tidy. */
  stop(): void {}
}
