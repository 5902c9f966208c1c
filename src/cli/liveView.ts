import { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import { printable } from '../core/redact.js';
import type { RetryEvent, TaskBatchState, TaskState } from '../index.js';
import { cut, layoutLines, type ScreenSize, type TaskRow } from './liveLayout.js';
import { describeError, type TaskLabel, type TaskView } from './taskView.js';

/** What a terminal output stream may tell about itself (a `tty.WriteStream` tells all, and emits `resize`). */
export type OutputStream = NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number; readonly rows?: number };

/** How often the elapsed times move when nothing else changes, ms of wall time. */
const TICK_MS = 200;
/** A terminal that does not say its size is taken for the classic one. */
const DEFAULT_SIZE: ScreenSize = { rows: 24, columns: 80 };

interface LinePayload {
  readonly line: string;
}


/** One cli-progress drawing: a bar per line on screen, each showing whatever line {@link layoutLines} puts there. */
interface Board {
  readonly bars: cliProgress.MultiBar;
  readonly lines: cliProgress.SingleBar[];
  readonly columns: number;
}

/**
 * The terminal view: a line per task (a bar of the progress the provider
 * reports, the time since the watch began or until the task ended, a status
 * word) and a total, fitted to the terminal's rows and columns (see
 * {@link layoutLines}). cli-progress redraws them in place at most 10 times a
 * second, whatever the rate of states. When the terminal is resized the
 * drawing is cleared and started afresh at the new size, since cli-progress
 * can only redraw as many lines as it first drew. At the end the last frame
 * stays as plain lines, and failures and errors, which a line would cut
 * short, are listed in full below it.
 */
export class LiveView implements TaskView {
  private board: Board | undefined;
  private tasks: TaskRow[] = [];
  private readonly failures: string[] = [];
  private startedAt = 0;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly onResize = () => this.draw(this.clock());

  constructor(
    private readonly stdout: OutputStream,
    private readonly clock: () => number,
  ) {}

  start(labels: readonly TaskLabel[], at: number): void {
    this.tasks = labels.map((label) => ({ label: labelText(label), status: 'pending', text: 'pending', progress: 0 }));
    this.startedAt = at;
    this.stdout.on('resize', this.onResize);
    this.ticker = setInterval(() => this.draw(this.clock()), TICK_MS);
    this.draw(at);
  }

  state(index: number, state: TaskState, at: number): void {
    const task = this.tasks[index];
    if (task === undefined) return;
    // The library makes a state's error message printable; escaped here too, so that no provider text written to the terminal can act on it.
    const failure = state.status === 'failed' ? `failed${state.error === undefined ? '' : `: ${printable(state.error.message)}`}` : undefined;
    task.status = state.status;
    task.text = failure ?? state.status;
    task.progress = state.status === 'completed' ? 1 : (state.progress ?? task.progress);
    if (state.status === 'completed' || state.status === 'failed') task.endedAt = at;
    if (failure !== undefined) this.failures.push(`${task.label}: ${failure}`);
    this.draw(at);
  }

  error(index: number, error: unknown, at: number): void {
    const task = this.tasks[index];
    if (task === undefined) return;
    const description = describeError(error);
    task.status = 'error';
    task.text = `error: ${description}`;
    task.endedAt = at;
    this.failures.push(`${task.label}: ${description}`);
    this.draw(at);
  }

  retrying(index: number, retry: RetryEvent | undefined, at: number): void {
    const task = this.tasks[index];
    if (task === undefined || task.retry === retry) return;
    if (retry === undefined) delete task.retry;
    else task.retry = retry;
    // A cleared note waits for the next frame: an answer that failed is followed at once by its retry.
    if (retry !== undefined) this.draw(at);
  }

  /** Every count the view shows is its own tally of the states above, so the lines and the total always agree. */
  batch(_batch: TaskBatchState, at: number): void {
    this.draw(at);
  }

  stop(): void {
    if (this.ticker === undefined) return;
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.stdout.removeListener('resize', this.onResize);
    this.clearBoard();
    const lines = this.layout(this.clock());
    this.stdout.write([...lines, ...this.failures].map((line) => `${line}\n`).join(''));
  }

  private draw(now: number): void {
    const lines = this.layout(now);
    if (this.board !== undefined && (this.board.lines.length !== lines.length || this.board.columns !== sizeOf(this.stdout).columns)) this.clearBoard();
    const fresh = this.board === undefined;
    const board = (this.board ??= this.createBoard(lines.length));
    lines.forEach((line, index) => board.lines[index]?.update({ line } satisfies LinePayload));
    // A new board is drawn at once, not at cli-progress's next frame: no blank moment after a resize.
    if (fresh) board.bars.update();
  }

  private layout(now: number): string[] {
    return layoutLines({ tasks: this.tasks, size: sizeOf(this.stdout), startedAt: this.startedAt, now });
  }

  private createBoard(count: number): Board {
    const bars = new cliProgress.MultiBar({
      stream: asTerminal(this.stdout),
      // The layout fits lines to the size it read; this cuts again at the width of the moment of drawing.
      format: (_options, params, payload: LinePayload) => cut(payload.line, params.maxWidth - 1),
      hideCursor: true,
      // Line wrapping off while drawing (restored on stop): one line per bar, always.
      linewrap: false,
      // Erase the drawing on stop: on a resize it is drawn again; at the end, written once as plain lines.
      clearOnComplete: true,
      // We own Ctrl-C (the watch stops and then the view): no handler of cli-progress's own.
      gracefulExit: false,
    });
    const lines = Array.from({ length: count }, () => bars.create(1, 0, { line: '' } satisfies LinePayload));
    return { bars, lines, columns: sizeOf(this.stdout).columns };
  }

  /** Moves the cursor back to the top of the drawing, clears below, shows the cursor and turns line wrapping back on. */
  private clearBoard(): void {
    this.board?.bars.stop();
    this.board = undefined;
  }
}

function labelText({ provider, ref }: TaskLabel): string {
  return printable(`${provider} ${ref}`);
}

function sizeOf(stdout: OutputStream): ScreenSize {
  const valid = (cells: number | undefined) => (cells !== undefined && Number.isInteger(cells) && cells > 0 ? cells : undefined);
  // A pseudo-terminal nobody sized says 0 × 0.
  return { rows: valid(stdout.rows) ?? DEFAULT_SIZE.rows, columns: valid(stdout.columns) ?? DEFAULT_SIZE.columns };
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
  return Object.defineProperties(terminal, {
    isTTY: { value: true },
    columns: { get: () => sizeOf(stdout).columns },
  });
}
