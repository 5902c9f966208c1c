import type { SchedulerLike } from 'rxjs';

/** How many remembered per-task times may pile up before the passed ones are dropped. */
const SWEEP_SIZE = 1024;

/**
 * Per task: no poll before this time (its minimum gap, a `Retry-After`), kept
 * across re-subscriptions. A poll loop that stops leaves its floor here and the
 * next loop of the same task takes it, so unsubscribing and watching again at
 * once (React's StrictMode) cannot bring a request closer than the provider
 * allows.
 */
export class TaskFloors {
  private readonly floors = new Map<string, number>();
  private sweepAt = SWEEP_SIZE;

  constructor(private readonly scheduler: SchedulerLike) {}

  /** The floor a stopped loop of the task left, if it has not passed; forgotten once taken. */
  take(key: string): number | undefined {
    const at = this.floors.get(key);
    this.floors.delete(key);
    return at;
  }

  keep(key: string, at: number): void {
    const now = this.scheduler.now();
    if (!(at > now)) return;
    this.floors.set(key, at);
    // Tasks that are never watched again would stay for good: drop the times that have passed, now and then.
    if (this.floors.size < this.sweepAt) return;
    for (const [task, floor] of this.floors) if (floor <= now) this.floors.delete(task);
    this.sweepAt = Math.max(SWEEP_SIZE, 2 * this.floors.size);
  }
}
