import { createTaskState, describeInvalidInit, type TaskState } from './taskState.js';
import { show } from './validate.js';

/** The most a `Date` can hold, either side of 1970. */
const MAX_TIME = 8.64e15;

/** A `deadline` of `watch`: a valid Date, or a finite time in ms a `Date` can hold. */
export function checkDeadline(deadline: Date | number): Date | number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (typeof at !== 'number' || !Number.isFinite(at) || Math.abs(at) > MAX_TIME) {
    throw new TypeError(`Expected \`deadline\` to be a valid Date or a finite time in ms, got ${deadline instanceof Date ? 'an invalid Date' : show(deadline)}.`);
  }
  return deadline;
}

/**
 * A `resumeFrom` of `watch`: a state of this very task. A stored state may
 * have been through JSON (saved before a page reload): its dates come back as
 * strings, and are read back into `Date`s here.
 */
export function checkResumeFrom(state: TaskState, provider: string, id: string): TaskState {
  if (typeof state !== 'object' || state === null || state.provider !== provider || state.id !== id) {
    throw new TypeError(`Expected \`resumeFrom\` to be a state of ${provider} task ${id}, got ${describeState(state)}.`);
  }
  const stored = { ...state, ...revivedDate('createdAt', state.createdAt), ...revivedDate('updatedAt', state.updatedAt) };
  const problem = describeInvalidInit(stored);
  if (problem !== undefined) throw new TypeError(`Expected \`resumeFrom\` to be a TaskState: ${problem}.`);
  return createTaskState(provider, id, stored);
}

function revivedDate(name: 'createdAt' | 'updatedAt', value: unknown): { createdAt?: Date; updatedAt?: Date } {
  if (value === undefined || value instanceof Date) return {};
  const date = typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) throw new TypeError(`Expected \`resumeFrom.${name}\` to be a Date or a date string, got ${show(value)}.`);
  return { [name]: date };
}

function describeState(state: unknown): string {
  if (typeof state !== 'object' || state === null) return String(state);
  const { provider, id } = state as Partial<TaskState>;
  return `a state of ${String(provider)} task ${String(id)}`;
}
