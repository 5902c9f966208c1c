import type { TaskBatchState, TaskState } from '../index.js';
import { describeError, type TaskLabel, type TaskView } from './taskView.js';

/**
 * Output for pipes and `--json`: one JSON line (NDJSON) per state change on
 * stdout, each a whole `TaskState` (dates as ISO 8601 strings, `raw`
 * included), so `jq` and log shippers read it as is. Errors go to stderr as
 * plain lines, keeping stdout a clean stream of states.
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

  state(_index: number, state: TaskState): void {
    this.stdout.write(`${JSON.stringify(state)}\n`);
  }

  error(index: number, error: unknown): void {
    const label = this.labels[index];
    this.stderr.write(`rx-task-status: ${label?.provider ?? ''} task ${label?.id ?? index}: ${describeError(error)}\n`);
  }

  /** Batch totals are for people; a consumer of JSON lines sums the states itself. */
  batch(_batch: TaskBatchState): void {}

  /** Every line is written whole as it comes: nothing to flush or tidy. */
  stop(): void {}
}
