import { randomUUID } from 'node:crypto';
import { stepAt, type FakeTask } from './fakeTask.js';
import type { ProviderName } from '../server/routes.js';
import { scriptTask } from './scriptTask.js';
import type { TaskSpec, TaskStep } from './taskSpec.js';

const FIRST_MOBIZON_ID = 100001;

/**
 * The fake server's tasks. A task's state is never stored: it is read from
 * its script at the time of each request, on the server's clock, so no timer
 * runs however many tasks there are.
 *
 * @example
 * ```ts
 * import { startFakeProviderServer } from 'rx-task-status/testing';
 *
 * const server = await startFakeProviderServer();
 * const task = server.tasks.create({ provider: 'mobizon', duration: 3000 });
 * server.tasks.stepAt(task.id); // { at: 0, status: 0, progress: 0 }
 * ```
 */
export class TaskBoard {
  private readonly tasks = new Map<string, FakeTask>();
  private nextMobizonId = FIRST_MOBIZON_ID;

  constructor(private readonly clock: () => number) {}

  /**
   * Creates a task, starting now on the server clock. Ids are unique across
   * providers; without one, Stream and Postman tasks get a random UUID and
   * Mobizon tasks the next free number from 100001. Throws a `TypeError` for a
   * spec that is not valid or an id that is taken.
   */
  create(spec: TaskSpec): FakeTask {
    return this.createAll([spec], (message) => message)[0] as FakeTask;
  }

  /**
   * Creates every task, all at the same instant of the server clock (a
   * scenario, for instance). All or nothing: every spec is checked first, and
   * if one is not valid (its index is in the error) no task is created.
   */
  createMany(specs: readonly TaskSpec[]): FakeTask[] {
    if (!Array.isArray(specs)) throw new TypeError(`Expected \`specs\` to be an array of task specs, got ${specs === null ? 'null' : typeof specs}.`);
    return this.createAll(specs, (message, index) => `specs[${index}]: ${message}`);
  }

  get(id: string): FakeTask | undefined {
    return this.tasks.get(id);
  }

  /** Every task on the board, in creation order; or one provider's. */
  list(provider?: ProviderName): FakeTask[] {
    const all = [...this.tasks.values()];
    return provider === undefined ? all : all.filter((task) => task.provider === provider);
  }

  /** What the server reports for a task at `time` (default: now on the server clock). */
  stepAt(id: string, time: number = this.clock()): TaskStep | undefined {
    const task = this.tasks.get(id);
    return task === undefined ? undefined : stepAt(task, time);
  }

  /** Forgets a task, and whatever the server kept about it: from now on the server answers "not found" for it. */
  remove(id: string): boolean {
    return this.tasks.delete(id);
  }

  /** Forgets every task. */
  clear(): void {
    this.tasks.clear();
  }

  private createAll(specs: readonly TaskSpec[], where: (message: string, index: number) => string): FakeTask[] {
    const createdAt = this.clock();
    const explicit = new Set(specs.map((spec) => (spec as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === 'string'));
    const inBatch = new Set<string>();
    let nextMobizonId = this.nextMobizonId;
    const taken = (id: string) => this.tasks.has(id) || inBatch.has(id) || explicit.has(id);
    const made = specs.map((spec, index) => {
      try {
        let id = (spec as { id?: unknown } | null)?.id;
        if (id === undefined && (spec as { provider?: unknown } | null)?.provider === 'mobizon') {
          while (taken(String(nextMobizonId))) nextMobizonId++;
          id = String(nextMobizonId++);
        }
        id ??= randomUUID();
        if (typeof id !== 'string' || id === '') throw new TypeError(`Expected \`id\` to be a non-empty string, got ${JSON.stringify(id)}.`);
        if (this.tasks.has(id)) throw new TypeError(`A task with id "${id}" already exists on the fake server.`);
        if (inBatch.has(id)) throw new TypeError(`The id "${id}" is given to two tasks of the batch.`);
        inBatch.add(id);
        return scriptTask(spec, { id, createdAt });
      } catch (error) {
        throw error instanceof TypeError ? new TypeError(where(error.message, index)) : error;
      }
    });
    for (const task of made) this.tasks.set(task.id, task);
    this.nextMobizonId = nextMobizonId;
    return made;
  }
}
