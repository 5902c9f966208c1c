import type { FakeTask } from '../testing/index.js';
import type { FollowOutcome } from './followTasks.js';
import { PROVIDERS, type ProviderName } from './credentials.js';
import { formatElapsed } from './taskView.js';

/** One provider's line of the demo's summary. */
export interface ProviderSummary {
  readonly provider: ProviderName;
  readonly tasks: number;
  readonly completed: number;
  /** Failed tasks, and tasks whose watch ended in an error. */
  readonly failed: number;
  /** Requests the fake server received for this provider. */
  readonly requests: number;
  /**
   * Median ms from the moment the server began to report a task as ended
   * (its `terminalAt`, server clock) to the moment the watch saw it; `null`
   * when no task's end was seen.
   */
  readonly medianDetectionLagMs: number | null;
}

export interface SummaryInput {
  readonly fakeTasks: readonly FakeTask[];
  readonly outcome: FollowOutcome;
  readonly requestsOf: (provider: ProviderName) => number;
}

export function summarise({ fakeTasks, outcome, requestsOf }: SummaryInput): ProviderSummary[] {
  return PROVIDERS.map((provider) => {
    const indexes = fakeTasks.flatMap((task, index) => (task.provider === provider ? [index] : []));
    const statusOf = (index: number) => (outcome.errors[index] === undefined ? outcome.states[index]?.status : 'failed');
    const lags = indexes.flatMap((index) => {
      const seen = outcome.terminalSeenAt[index];
      const ended = fakeTasks[index]?.terminalAt;
      return seen === undefined || ended === undefined ? [] : [seen - ended];
    });
    return {
      provider,
      tasks: indexes.length,
      completed: indexes.filter((index) => statusOf(index) === 'completed').length,
      failed: indexes.filter((index) => statusOf(index) === 'failed').length,
      requests: requestsOf(provider),
      medianDetectionLagMs: median(lags),
    };
  });
}

/** The middle value (the mean of the two middle ones for an even count), rounded to whole ms. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return Math.round(value);
}

/** The summary as a plain-text table, one line per provider and a total. */
export function summaryTable(rows: readonly ProviderSummary[]): string {
  const header = ['provider', 'tasks', 'completed', 'failed', 'requests', 'median lag'];
  const sum = (pick: (row: ProviderSummary) => number) => rows.reduce((total, row) => total + pick(row), 0);
  const body = rows.map((row) => [row.provider, row.tasks, row.completed, row.failed, row.requests, lagText(row.medianDetectionLagMs)].map(String));
  const total = ['total', sum((row) => row.tasks), sum((row) => row.completed), sum((row) => row.failed), sum((row) => row.requests), ''].map(String);
  const lines = [header, ...body, total];
  const widths = header.map((_, column) => Math.max(...lines.map((line) => (line[column] as string).length)));
  return lines
    .map((line) => line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number))).join('  ').trimEnd())
    .join('\n');
}

function lagText(ms: number | null): string {
  if (ms === null) return '-';
  return Math.abs(ms) < 1000 ? `${ms} ms` : formatElapsed(ms);
}
