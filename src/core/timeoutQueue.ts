import type { SchedulerLike, Subscription } from 'rxjs';

/** A time-out waiting in a {@link TimeoutQueue}; `cancel` is idempotent. */
export interface PendingTimeout {
  cancel(): void;
}

interface Entry {
  readonly at: number;
  fire: (() => void) | undefined;
}

/**
 * Time-outs that all last the same (one transport's `requestTimeout`), on one
 * scheduler timer instead of one each. Arming and clearing a timer for every
 * request costs more than the rest of the bookkeeping of a poll; since every
 * time-out here has the same length, they expire in the order they were
 * added, so a queue and a single timer for its head are enough.
 *
 * A cancelled time-out is only marked: the timer, when it fires, skips it.
 * Once none is left the timer is let go, so an idle transport holds nothing.
 */
export class TimeoutQueue {
  private entries: Entry[] = [];
  private head = 0;
  private live = 0;
  private timer: Subscription | undefined;
  /** Set while due time-outs fire: one that starts a new request adds to the queue, and must not arm for its own. */
  private expiring = false;

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly ms: number,
  ) {}

  /** Calls `fire` after the queue's time-out, unless cancelled first. */
  add(fire: () => void): PendingTimeout {
    const entry: Entry = { at: this.scheduler.now() + this.ms, fire };
    this.entries.push(entry);
    this.live++;
    if (this.timer === undefined && !this.expiring) this.arm(entry.at);
    return {
      cancel: () => {
        if (entry.fire === undefined) return;
        entry.fire = undefined;
        if (--this.live === 0) this.reset();
      },
    };
  }

  private arm(at: number): void {
    this.timer = this.scheduler.schedule(() => this.expire(), Math.max(0, at - this.scheduler.now()));
  }

  private expire(): void {
    this.timer = undefined;
    const now = this.scheduler.now();
    this.expiring = true;
    try {
      while (this.head < this.entries.length) {
        const entry = this.entries[this.head] as Entry;
        if (entry.fire !== undefined && entry.at > now) break;
        this.head++;
        const fire = entry.fire;
        if (fire === undefined) continue;
        entry.fire = undefined;
        this.live--;
        fire();
      }
    } finally {
      this.expiring = false;
    }
    if (this.live === 0) {
      this.reset();
      return;
    }
    // Drop what has been passed, now and then, so the array does not grow for as long as the transport is busy.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    if (this.timer === undefined) this.arm((this.entries[this.head] as Entry).at);
  }

  private reset(): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.entries = [];
    this.head = 0;
  }
}
