import type { RetryEvent } from '../core/sourceEvents.js';
import { describeRetry, formatElapsed } from './taskView.js';

/** A task as the live view shows it. */
export interface TaskRow {
  readonly label: string;
  /** `error`: the watch ended in an error (a timeout, a rejected key, …) rather than a state. */
  status: 'pending' | 'running' | 'completed' | 'failed' | 'error';
  /** The status column: the status word, or what went wrong. */
  text: string;
  /** 0..1. */
  progress: number;
  /** When the task ended (same clock as `now`): its elapsed time stops there. */
  endedAt?: number;
  /** The poll that failed last and is to be retried: shown in place of the status until the provider answers again. */
  retry?: RetryEvent;
}

/** The terminal's size in character cells. */
export interface ScreenSize {
  readonly rows: number;
  readonly columns: number;
}

export interface LayoutInput {
  readonly tasks: readonly TaskRow[];
  readonly size: ScreenSize;
  readonly startedAt: number;
  readonly now: number;
}

const MAX_BAR = 20;
const MIN_BAR = 5;
const MAX_LABEL = 28;
const MIN_LABEL = 5;
/** Room a label gets before the bar starts to shrink. */
const FAIR_LABEL = 12;
/** What a shortened label keeps of its id: two characters at each end around `…`. */
const MIN_ID = 5;
/** ' ', '100%', ' ', the elapsed time (6), ' ': everything on a line but the label, the bar and the status. */
const FIXED = 13;
/** ' |' and '| ' around the bar. */
const BAR_EDGES = 3;

/**
 * The lines of the live view, top to bottom: one per task and a total, as
 * long as they fit the terminal. cli-progress redraws by moving the cursor up
 * over what it drew, which a terminal cannot do past its top line; so when
 * the tasks outnumber the rows, the running tasks are shown first, then the
 * pending ones, then the latest to end, and one line sums up the rest. They
 * fill every row: the cursor stays at the end of the last line, so going
 * back up to the first never passes the top, and a row left over would show
 * whatever was above the drawing (the demo's blank line under its heading).
 * A line never reaches the last column: with line wrapping off, a terminal
 * would clear that character with the rest of the line.
 */
export function layoutLines({ tasks, size, startedAt, now }: LayoutInput): string[] {
  const height = Math.max(1, size.rows);
  const room = size.columns - 1;
  const columns = columnWidths(tasks, room);
  const barText = (progress: number) => (columns.bar === 0 ? ' ' : ` |${bar(progress, columns.bar)}| `);
  const line = (label: string, progress: number, elapsed: number, status: string) =>
    cut(`${fit(label, columns.label)}${barText(progress)}${percent(progress)} ${formatElapsed(elapsed).padStart(6)} ${status}`, room);
  const status = (task: TaskRow) => (task.retry !== undefined && task.endedAt === undefined ? describeRetry(task.retry, now) : task.text);
  const taskLine = (task: TaskRow) => line(task.label, task.progress, (task.endedAt ?? now) - startedAt, status(task));

  const ended = tasks.filter((task) => task.endedAt !== undefined);
  const allEndedAt = ended.length === tasks.length && tasks.length > 0 ? Math.max(...ended.map((task) => task.endedAt as number)) : now;
  const total = line('total', settledProgress(tasks), allEndedAt - startedAt, totalText(tasks));

  if (tasks.length + 1 <= height) return [...tasks.map(taskLine), total];
  if (height === 1) return [total];
  const shown = new Set(byInterest(tasks).slice(0, height - 2));
  const hidden = tasks.filter((task) => !shown.has(task));
  return [...tasks.filter((task) => shown.has(task)).map(taskLine), cut(`… and ${hidden.length} more: ${countsText(hidden)}`, room), total];
}

/** `24/24 done, 5 failed`: settled tasks (an error counts as failed) of all. */
export function totalText(tasks: readonly TaskRow[]): string {
  const settled = tasks.filter((task) => task.endedAt !== undefined).length;
  const failed = tasks.filter((task) => task.status === 'failed' || task.status === 'error').length;
  return `${settled}/${tasks.length} done, ${failed} failed`;
}

/**
 * The batch's progress as a person reads it: a task that has ended, however
 * it ended, has done all it will do, so the bar is full when the batch is.
 */
export function settledProgress(tasks: readonly TaskRow[]): number {
  if (tasks.length === 0) return 1;
  return tasks.reduce((sum, task) => sum + (task.endedAt === undefined ? task.progress : 1), 0) / tasks.length;
}

/** Running tasks first, then pending ones, then those that ended, latest first; in their own order otherwise. */
function byInterest(tasks: readonly TaskRow[]): TaskRow[] {
  const rank = (task: TaskRow) => (task.endedAt !== undefined ? 2 : task.status === 'running' ? 0 : 1);
  return tasks
    .map((task, index) => ({ task, index }))
    .sort((a, b) => rank(a.task) - rank(b.task) || (b.task.endedAt ?? 0) - (a.task.endedAt ?? 0) || a.index - b.index)
    .map(({ task }) => task);
}

function countsText(tasks: readonly TaskRow[]): string {
  const count = (statuses: readonly TaskRow['status'][]) => tasks.filter((task) => statuses.includes(task.status)).length;
  const parts: Array<[number, string]> = [
    [count(['running']), 'running'],
    [count(['pending']), 'pending'],
    [count(['completed']), 'completed'],
    [count(['failed', 'error']), 'failed'],
  ];
  return parts.flatMap(([n, word]) => (n === 0 ? [] : [`${n} ${word}`])).join(', ');
}

/**
 * How wide the label and the bar are. What gives way, in this order, so that
 * the total's counts fit the line: the label's id (shortened in the middle,
 * its provider kept), the bar (down to `MIN_BAR` columns, then left out: the
 * percentage stays), and only on the narrowest terminals the provider.
 */
function columnWidths(tasks: readonly TaskRow[], room: number): { label: number; bar: number } {
  const status = Math.max('completed'.length, `${tasks.length}/${tasks.length} done, ${tasks.length} failed`.length);
  const longest = Math.max('total'.length, ...tasks.map((task) => task.label.length));
  const kept = Math.max('total'.length, ...tasks.map((task) => keptWidth(task.label)));
  const forLabelAndBar = room - FIXED - status;
  const barWidth = clamp(forLabelAndBar - BAR_EDGES - Math.max(kept, Math.min(longest, FAIR_LABEL)), MIN_BAR, MAX_BAR);
  if (forLabelAndBar - BAR_EDGES - barWidth >= kept) return { label: Math.min(MAX_LABEL, longest, forLabelAndBar - BAR_EDGES - barWidth), bar: barWidth };
  return { label: clamp(forLabelAndBar, MIN_LABEL, Math.min(MAX_LABEL, longest)), bar: 0 };
}

/** The narrowest a label gets while keeping its provider and both ends of its id (`postman ab…yz`): the whole label if it is shorter. */
function keptWidth(label: string): number {
  const space = label.indexOf(' ');
  return Math.min(label.length, space > 0 ? space + 1 + MIN_ID : MIN_ID);
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}

/** Rounded down (`0.999` is not done), with a little slack for binary fractions (`0.29 * 100` is 28.999…). */
function share(progress: number, of: number): number {
  return Math.floor(clamp(progress, 0, 1) * of + 1e-9);
}

function bar(progress: number, width: number): string {
  const full = share(progress, width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

function percent(progress: number): string {
  return `${String(share(progress, 100)).padStart(3)}%`;
}

/** Pads or cuts a label (`provider id`) to `width` columns, keeping the provider and both ends of a long id. */
function fit(text: string, width: number): string {
  if (text.length <= width) return text.padEnd(width);
  const space = text.indexOf(' ');
  const prefix = space > 0 && space + 1 + MIN_ID <= width ? text.slice(0, space + 1) : '';
  const rest = text.slice(prefix.length);
  const room = width - prefix.length;
  const head = Math.ceil((room - 1) / 2);
  return `${prefix}${rest.slice(0, head)}…${rest.slice(rest.length - (room - 1 - head))}`;
}

/** At most `width` characters, `…` marking a cut. */
export function cut(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 0 ? '' : `${text.slice(0, width - 1)}…`;
}
