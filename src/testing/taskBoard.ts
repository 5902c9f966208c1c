import { randomUUID } from 'node:crypto';
import { stepAt, type FakeTask } from './fakeTask.js';
import type { ProviderName } from './routes.js';
import { scriptTask } from './scriptTask.js';
import type { TaskSpec, TaskStep } from './taskSpec.js';

/**
 * The fake server's tasks. A task's state is never stored: it is read from
 * its script at the time of each request, on the server's clock, so no timer
 * runs however many tasks there are.
 *
 * @example
 * ```ts
 * const task = server.tasks.create({ provider: 'mobizon', duration: 3000 });
 * server.tasks.stepAt(task.id); // { at: 0, status: 0, progress: 0 }
 * ```
 */
export class TaskBoard {
  private readonly tasks = new Map<string, FakeTask>();
  private nextMobizonId = 100001;

  constructor(private readonly clock: () => number) {}

  /** Creates a task, starting now on the server clock. Ids are unique across providers. */
  create(spec: TaskSpec): FakeTask {
    const id = spec.id ?? this.newId(spec.provider);
    if (typeof id !== 'string' || id === '') throw new TypeError(`Expected \`id\` to be a non-empty string, got ${JSON.stringify(id)}.`);
    if (this.tasks.has(id)) throw new TypeError(`A task with id "${id}" already exists on the fake server.`);
    const task = scriptTask(spec, { id, createdAt: this.clock() });
    this.tasks.set(id, task);
    return task;
  }

  /** Creates every task, all at the same server time (a scenario, for instance). */
  createMany(specs: readonly TaskSpec[]): FakeTask[] {
    return specs.map((spec) => this.create(spec));
  }

  get(id: string): FakeTask | undefined {
    return this.tasks.get(id);
  }

  list(provider?: ProviderName): FakeTask[] {
    const all = [...this.tasks.values()];
    return provider === undefined ? all : all.filter((task) => task.provider === provider);
  }

  /** What the server reports for a task at `time` (default: now on the server clock). */
  stepAt(id: string, time: number = this.clock()): TaskStep | undefined {
    const task = this.tasks.get(id);
    return task === undefined ? undefined : stepAt(task, time);
  }

  /** Forgets a task: from now on the server answers "not found" for it. */
  remove(id: string): boolean {
    return this.tasks.delete(id);
  }

  clear(): void {
    this.tasks.clear();
  }

  private newId(provider: ProviderName): string {
    if (provider !== 'mobizon') return randomUUID();
    while (this.tasks.has(String(this.nextMobizonId))) this.nextMobizonId++;
    return String(this.nextMobizonId++);
  }
}
