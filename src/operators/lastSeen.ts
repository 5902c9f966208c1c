import type { TaskState } from '../core/taskState.js';
import type { TaskBatchState } from './taskBatchState.js';

/** How a time-out or an early end names what it was waiting for, and what it saw last. */
export interface LastSeen {
  /** `Task 4821 (mobizon)`, `The task`, `The batch of 5 tasks`. */
  readonly name: string;
  /** `last seen running`, `no state was seen`, `3 of 5 settled`. */
  readonly seen: string;
}

/**
 * A task's name and last state, for messages: `Task 4821 (mobizon)` and
 * `last seen running`. Before any state, `named` (a failed poll's task, say)
 * may still name it.
 */
export function taskLastSeen(state: TaskState | undefined, named: { readonly id: string; readonly provider: string } | undefined = state): LastSeen {
  return {
    name: named === undefined ? 'The task' : `Task ${named.id} (${named.provider})`,
    seen: state === undefined ? 'no state was seen' : `last seen ${state.status}`,
  };
}

/** A batch's size and how far it got, for messages; read defensively, as a hand-fed batch may lack any field. */
export function batchLastSeen(batch: TaskBatchState<unknown> | undefined): LastSeen {
  const { total, counts } = (batch ?? {}) as Partial<TaskBatchState<unknown>>;
  if (typeof total !== 'number') return { name: 'The batch', seen: batch === undefined ? 'no batch was seen' : 'the last batch seen had no `total`' };
  const name = `The batch of ${total} ${total === 1 ? 'task' : 'tasks'}`;
  const settled = Number(counts?.completed) + Number(counts?.failed);
  return { name, seen: Number.isNaN(settled) ? 'the last batch seen had no `counts`' : `${settled} of ${total} settled` };
}
