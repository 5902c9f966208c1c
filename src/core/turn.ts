import type { HeapEntry } from './minHeap.js';
import type { RequestScheduler } from './requestScheduler.js';

/** Permission to start one request now; `release()` when it has ended, however it ended. */
export interface Turn {
  readonly startedAt: number;
  release(): void;
}

/** A place in the queue; `cancel()` gives it up (or releases the turn, if already granted). */
export interface Ticket {
  cancel(): void;
}

/** Whoever waits for a turn: a function, or an object (a poll loop) whose `onTurn` method takes it. */
export type TurnTaker = ((turn: Turn) => void) | { onTurn(turn: Turn): void };

/**
 * A poll waiting for its turn, and its ticket. Waiters and turns are classes,
 * not closures: one of each lives for every task that is watched, so what they
 * hold is what 10,000 idle tasks cost.
 */
export class Waiter implements HeapEntry, Ticket {
  heapIndex = -1;
  turn: GrantedTurn | undefined;

  constructor(
    private readonly scheduler: RequestScheduler,
    public dueAt: number,
    /** The turn never comes before this, not even when a hold ends. */
    readonly notBefore: number,
    readonly seq: number,
    readonly taker: TurnTaker,
  ) {}

  cancel(): void {
    if (this.turn !== undefined) this.turn.release();
    else this.scheduler.withdraw(this);
  }
}

export class GrantedTurn implements Turn {
  private released = false;

  constructor(
    private readonly scheduler: RequestScheduler,
    readonly startedAt: number,
    /** The window slot this request holds (-1: no budget to keep). */
    readonly slot: number,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    this.scheduler.ended(this.slot);
  }
}
