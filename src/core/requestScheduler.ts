import type { SchedulerLike, Subscription } from 'rxjs';
import { MinHeap, type HeapEntry } from './minHeap.js';

/** Permission to start one request now; `release()` when it has ended, however it ended. */
export interface Turn {
  readonly startedAt: number;
  release(): void;
}

/** A place in the queue; `cancel()` gives it up (or releases the turn, if already granted). */
export interface Ticket {
  cancel(): void;
}

export interface RequestSchedulerOptions {
  /** Requests that may start in any one-second window; `Infinity` for no limit. */
  readonly maxRequestsPerSecond: number;
  /** Requests that may be in flight at once; `Infinity` for no limit. */
  readonly maxConcurrentRequests: number;
  readonly scheduler: SchedulerLike;
}

interface Waiter extends HeapEntry {
  readonly dueAt: number;
  readonly seq: number;
  readonly onTurn: (turn: Turn) => void;
}

/**
 * One per source: every poll of every task of that source asks it for a turn.
 *
 * - The budget is a sliding window over request *starts*: a request may start
 *   only when fewer than `maxRequestsPerSecond` started in the last second, so
 *   no one-second window, wherever it falls, holds more. (A token bucket would
 *   let a full burst through on each side of a window edge.)
 * - Due polls are served earliest-due first, ties in arrival order; a task that
 *   waits only gets older than the ones arriving after it, so none starves.
 * - One timer for the whole source, armed for the next moment anything can start,
 *   and disarmed when the queue is empty.
 */
export class RequestScheduler {
  private readonly queue = new MinHeap<Waiter>((a, b) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq));
  private readonly windowSize: number;
  private readonly windowMs: number;
  private readonly starts: number[];
  private oldestStart = 0;
  private inFlight = 0;
  private seq = 0;
  private wake: Subscription | undefined;
  private wakeAt = Infinity;
  private pumping = false;
  private pumpAgain = false;
  private started = 0;

  constructor(private readonly options: RequestSchedulerOptions) {
    const rate = options.maxRequestsPerSecond;
    // Below 1 rps the window stretches: 0.5 rps is one request in any two seconds.
    this.windowSize = Number.isFinite(rate) ? Math.max(1, Math.floor(rate)) : 0;
    this.windowMs = rate >= 1 ? 1000 : 1000 / rate;
    this.starts = new Array<number>(this.windowSize).fill(-Infinity);
  }

  /** How many requests this source has started since it was made. */
  get requestCount(): number {
    return this.started;
  }

  now(): number {
    return this.options.scheduler.now();
  }

  /** Asks for a turn at `dueAt` or as soon after as the budget allows. */
  request(dueAt: number, onTurn: (turn: Turn) => void): Ticket {
    let turn: Turn | undefined;
    const waiter: Waiter = {
      heapIndex: -1,
      dueAt,
      seq: this.seq++,
      onTurn: (granted) => {
        turn = granted;
        onTurn(granted);
      },
    };
    this.queue.push(waiter);
    this.pump();
    return {
      cancel: () => {
        if (turn !== undefined) turn.release();
        else if (this.queue.remove(waiter)) this.pump();
      },
    };
  }

  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.grantDueTurns();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    if (this.queue.size === 0) this.disarm();
  }

  private grantDueTurns(): void {
    for (let head = this.queue.peek(); head !== undefined; head = this.queue.peek()) {
      if (this.inFlight >= this.options.maxConcurrentRequests) return; // a release will pump again
      const now = this.now();
      const readyAt = Math.max(head.dueAt, this.windowOpensAt());
      if (readyAt > now) {
        this.arm(readyAt, now);
        return;
      }
      this.queue.pop();
      this.grant(head, now);
    }
  }

  private grant(waiter: Waiter, now: number): void {
    this.recordStart(now);
    this.inFlight++;
    let released = false;
    waiter.onTurn({
      startedAt: now,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.pump();
      },
    });
  }

  private windowOpensAt(): number {
    if (this.windowSize === 0) return -Infinity;
    return (this.starts[this.oldestStart] as number) + this.windowMs;
  }

  private recordStart(now: number): void {
    this.started++;
    if (this.windowSize === 0) return;
    this.starts[this.oldestStart] = now;
    this.oldestStart = (this.oldestStart + 1) % this.windowSize;
  }

  private arm(at: number, now: number): void {
    if (this.wake !== undefined && this.wakeAt <= at) return;
    this.disarm();
    this.wakeAt = at;
    this.wake = this.options.scheduler.schedule(() => {
      this.wake = undefined;
      this.wakeAt = Infinity;
      this.pump();
    }, at - now);
  }

  private disarm(): void {
    this.wake?.unsubscribe();
    this.wake = undefined;
    this.wakeAt = Infinity;
  }
}
