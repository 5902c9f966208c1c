import { createHash } from 'node:crypto';
import type { ProviderName } from '../server/routes.js';
import { outcomeOf, VOCABULARY, type FakeTaskKind, type TaskOutcome } from './taskKinds.js';
import type { PostmanTaskMeta, TaskStep } from './taskSpec.js';

/** A task as the fake server holds it: its script, fixed at creation. */
export interface FakeTask {
  readonly id: string;
  readonly provider: ProviderName;
  readonly kind: FakeTaskKind;
  /** Server clock (ms) at creation; every step's `at` counts from here. */
  readonly createdAt: number;
  /** The script, in time order, the first at 0. */
  readonly steps: readonly TaskStep[];
  /**
   * Server clock (ms) from which the server reports the task as completed or
   * failed; `undefined` when its script never ends. Benchmarks measure how
   * late a client noticed from this.
   */
  readonly terminalAt?: number;
  readonly outcome?: TaskOutcome;
  /**
   * Server clock (ms) from which the server answers "not found" for the task
   * although it is still on the board: Postman keeps a collection merge task
   * 24 h after its creation, then 404. `undefined` for every other kind.
   */
  readonly expiresAt?: number;
  /** Postman API tasks: the API the task belongs to. */
  readonly apiId?: string;
  /** Postman API tasks: `meta` of the body. */
  readonly meta?: PostmanTaskMeta;
}

/** The step the server reports at `time` (server clock); before creation, the first. */
export function stepAt(task: FakeTask, time: number): TaskStep {
  const elapsed = time - task.createdAt;
  let current = task.steps[0] as TaskStep;
  for (const step of task.steps) {
    if (step.at > elapsed) break;
    current = step;
  }
  return current;
}

/** The state a finished task "flaps back" to: the last non-terminal step before it ended, else a running one. */
export function stepBeforeTerminal(task: FakeTask): TaskStep {
  const end = task.steps.findIndex((step) => outcomeOf(task.kind, step.status) !== undefined);
  const before = task.steps.slice(0, end === -1 ? task.steps.length : end).reverse();
  const last = before.find((step) => outcomeOf(task.kind, step.status) === undefined);
  return last ?? { at: 0, status: VOCABULARY[task.kind].running, ...(task.kind === 'mobizon' ? { progress: 99 } : {}) };
}

/** When the first terminal step starts, and how it ends the task. */
export function findTerminalStep(kind: FakeTaskKind, steps: readonly TaskStep[]): { at: number; outcome: TaskOutcome } | undefined {
  for (const step of steps) {
    const outcome = outcomeOf(kind, step.status);
    if (outcome !== undefined) return { at: step.at, outcome };
  }
  return undefined;
}

/** A stable UUID-shaped id derived from some text: the same text, the same id. */
export function uuidFrom(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
