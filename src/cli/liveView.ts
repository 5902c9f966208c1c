import { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import { isTerminal, type TaskBatchState, type TaskState } from '../index.js';
import { describeError, formatElapsed, type TaskLabel, type TaskView } from './taskView.js';

/** What a terminal output stream may tell about itself. */
export type OutputStream = NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };

interface Row {
  readonly bar: cliProgress.SingleBar;
  status: string;
  /** Set when the task ended: its elapsed time stops there. */
  endedAt?: number;
}

/** Labels are cut to this, so that a line fits 80 columns with its bar, percentage and time. */
const LABEL_WIDTH = 28;
/** How often the elapsed times move when nothing else changes, ms of wall time. */
const TICK_MS = 200;

/**
 * The terminal view: one progress bar per task (progress as the provider
 * reports it, a status word, the time since the watch began or until the task
 * ended) and a total bar with the batch's counts. Drawn with cli-progress at
 * most 10 times a second, whatever the rate of states. Failures and errors,
 * which a line would cut short, are listed in full below the bars at the end.
 */
export class LiveView implements TaskView {
  private readonly bars: cliProgress.MultiBar;
  private rows: Row[] = [];
  private total: cliProgress.SingleBar | undefined;
  private totalStatus = '';
  private labels: readonly TaskLabel[] = [];
  private readonly failures: string[] = [];
  private startedAt = 0;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly stdout: OutputStream,
    private readonly clock: () => number,
  ) {
    this.bars = new cliProgress.MultiBar({
      stream: asTerminal(stdout),
      // The time before the status: a long failure message may run off the edge, the time must not.
      format: '{label} |{bar}| {percent} {elapsed} {status}',
      barsize: 20,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      // We own Ctrl-C (the watch stops and then the view): no handler of cli-progress's own.
      gracefulExit: false,
    });
  }

  start(labels: readonly TaskLabel[], at: number): void {
    this.labels = labels;
    this.startedAt = at;
    const texts = labels.map(labelText);
    const width = Math.min(LABEL_WIDTH, Math.max('total'.length, ...texts.map((text) => text.length)));
    this.rows = texts.map((text) => ({ bar: this.bars.create(100, 0, { label: fit(text, width), percent: percent(0), status: 'pending', elapsed: '' }), status: 'pending' }));
    this.total = this.bars.create(100, 0, { label: 'total'.padEnd(width), percent: percent(0), status: '', elapsed: '' });
    this.totalStatus = `0/${labels.length} done`;
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.tick();
  }

  state(index: number, state: TaskState, at: number): void {
    const row = this.rows[index];
    if (row === undefined) return;
    row.status = state.status === 'failed' && state.error !== undefined ? `failed: ${state.error.message}` : state.status;
    if (isTerminal(state)) row.endedAt = at;
    if (state.status === 'failed') this.failures.push(`${this.labelOf(index)}: failed${state.error === undefined ? '' : `: ${state.error.message}`}`);
    const progress = state.progress ?? 0;
    row.bar.update(Math.round(progress * 100), { percent: percent(progress), status: row.status, elapsed: this.elapsed(row, at) });
  }

  error(index: number, error: unknown, at: number): void {
    const row = this.rows[index];
    if (row === undefined) return;
    const description = describeError(error);
    row.status = `error: ${description}`;
    row.endedAt = at;
    row.bar.update({ status: row.status, elapsed: this.elapsed(row, at) });
    this.failures.push(`${this.labelOf(index)}: ${description}`);
  }

  batch({ counts, total, progress }: TaskBatchState, at: number): void {
    this.totalStatus = `${counts.completed + counts.failed}/${total} done, ${counts.failed} failed`;
    this.total?.update(Math.round(progress * 100), { percent: percent(progress), status: this.totalStatus, elapsed: formatElapsed(at - this.startedAt).padStart(6) });
  }

  stop(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
    this.tick();
    this.bars.stop();
    for (const failure of this.failures) this.stdout.write(`${failure}\n`);
  }

  private tick(): void {
    const now = this.clock();
    for (const row of this.rows) row.bar.update({ elapsed: this.elapsed(row, now) });
    this.total?.update({ status: this.totalStatus, elapsed: formatElapsed(now - this.startedAt).padStart(6) });
  }

  private elapsed(row: Row, now: number): string {
    return formatElapsed((row.endedAt ?? now) - this.startedAt).padStart(6);
  }

  private labelOf(index: number): string {
    const label = this.labels[index];
    return label === undefined ? String(index) : labelText(label);
  }
}

function labelText({ provider, id }: TaskLabel): string {
  return `${provider} ${id}`;
}

/** Pads or cuts a label to `width` columns, keeping both ends of a long id. */
function fit(text: string, width: number): string {
  if (text.length <= width) return text.padEnd(width);
  const head = Math.ceil((width - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (width - 1 - head))}`;
}

function percent(progress: number): string {
  return `${String(Math.round(progress * 100)).padStart(3)}%`;
}

/**
 * cli-progress draws only on a stream that says it is a TTY. When `run()` is
 * told its output is a terminal but the stream does not say so (a test, a
 * wrapper around a pseudo-terminal), it writes through a stream that does.
 */
function asTerminal(stdout: OutputStream): NodeJS.WritableStream {
  if (stdout.isTTY === true) return stdout;
  const terminal = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      stdout.write(chunk);
      callback();
    },
  });
  return Object.assign(terminal, { isTTY: true, columns: stdout.columns ?? 100 });
}
