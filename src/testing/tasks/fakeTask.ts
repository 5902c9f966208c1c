import { createHash } from 'node:crypto';
import type { ProviderName } from '../server/routes.js';
import { outcomeOf, VOCABULARY, type FakeTaskKind, type TaskOutcome } from './taskKinds.js';
import type { PostmanTaskMeta, TaskStep } from './taskSpec.js';

/**
 * A task as the fake server holds it: its script, fixed at creation. One
 * type per kind, told apart by `kind`: a Postman API task always has its
 * `apiId` and `meta`, no other kind has them.
 *
 * @example
 * ```ts
 * import { startFakeProviderServer } from 'rx-task-status/testing';
 *
 * const server = await startFakeProviderServer();
 * const task = server.tasks.create({ provider: 'postman', kind: 'api', duration: 2000 });
 * if (task.kind === 'api') console.log(`${server.url}/apis/${task.apiId}/tasks/${task.id}`);
 * await server.close();
 * ```
 */
export type FakeTask = FakeStreamTask | FakeMobizonTask | FakePostmanCollectionTask | FakePostmanGenerationTask | FakePostmanApiTask;

/** What every fake task has, whatever its kind. */
export interface FakeTaskBase {
  /** Unique across providers. */
  readonly id: string;
  /** The provider whose API serves it. */
  readonly provider: ProviderName;
  /** What it is: one kind per provider, three for Postman. */
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
  readonly terminalAt?: number | undefined;
  /** How its script ends; `undefined` when it never does. */
  readonly outcome?: TaskOutcome | undefined;
  /**
   * Server clock (ms) from which the server answers "not found" for the task
   * although it is still on the board: Postman keeps a collection merge task
   * 24 h after its creation, then 404. `undefined` for every other kind.
   */
  readonly expiresAt?: number | undefined;
}

/** Every kind but Postman's API tasks: it belongs to no API, so reading `apiId` or `meta` before narrowing on `kind` gives `undefined`. */
export interface FakeTaskOutsideApi extends FakeTaskBase {
  /** Only Postman API tasks have one. */
  readonly apiId?: undefined;
  /** Only Postman API tasks have one. */
  readonly meta?: undefined;
}

/** A Stream task (`GET /api/v2/tasks/{id}`). */
export interface FakeStreamTask extends FakeTaskOutsideApi {
  /** Always `'stream'`. */
  readonly provider: 'stream';
  /** Always `'stream'`. */
  readonly kind: 'stream';
}

/** A Mobizon task (`POST /service/taskqueue/getstatus`). */
export interface FakeMobizonTask extends FakeTaskOutsideApi {
  /** Always `'mobizon'`. */
  readonly provider: 'mobizon';
  /** Always `'mobizon'`. */
  readonly kind: 'mobizon';
}

/** A Postman collection update, merge or duplication task. */
export interface FakePostmanCollectionTask extends FakeTaskOutsideApi {
  /** Always `'postman'`. */
  readonly provider: 'postman';
  /** Which endpoint serves it: `/collection-updates-tasks/{id}`, `/collection-merges-tasks/{id}` or `/collection-duplicate-tasks/{id}`. */
  readonly kind: 'collection-update' | 'collection-merge' | 'collection-duplicate';
}

/** A Postman generation task, served at `/{elementType}/{elementId}/tasks/{id}`. */
export interface FakePostmanGenerationTask extends FakeTaskOutsideApi {
  /** Always `'postman'`. */
  readonly provider: 'postman';
  /** Always `'generation'`. */
  readonly kind: 'generation';
  /** `'collections'`: a spec generated from a collection; `'specs'`: a collection generated from a spec. */
  readonly elementType: 'collections' | 'specs';
  /** The collection's UID or the spec's id. */
  readonly elementId: string;
}

/** A Postman API Builder task, served at `/apis/{apiId}/tasks/{id}`. */
export interface FakePostmanApiTask extends FakeTaskBase {
  /** Always `'postman'`. */
  readonly provider: 'postman';
  /** Always `'api'`. */
  readonly kind: 'api';
  /** The API the task belongs to: the spec's, or a UUID derived from the task id. */
  readonly apiId: string;
  /** `meta` of the body: the spec's, or a version being created. */
  readonly meta: PostmanTaskMeta;
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
