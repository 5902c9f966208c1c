import type { SchedulerLike, Subscription } from 'rxjs';
import { MinHeap, type HeapEntry } from './minHeap.js';
import type { RateLimitHints } from './rateLimitHints.js';
import { MAX_DELAY_MS } from './validate.js';

/** Permission to start one request now; `release()` when it has ended, however it ended. */
export interface Turn {
  readonly startedAt: number;
  release(): void;
}

/** A place in the queue; `cancel()` gives it up (or releases the turn, if already granted). */
export interface Ticket {
  cancel(): void;
}

/** Whoever waits for a turn (a poll loop): its `onTurn` takes it. */
export interface TurnTaker {
  onTurn(turn: Turn): void;
}

export interface RequestSchedulerOptions {
  /** Requests that may start in any one-second window; `Infinity` for no limit. */
  readonly maxRequestsPerSecond: number;
  /** Requests that may be in flight at once; `Infinity` for no limit. */
  readonly maxConcurrentRequests: number;
  /** Share of the server's announced limit left to the account's other clients. Default 0.1. */
  readonly reserve?: number;
  readonly scheduler: SchedulerLike;
}

/**
 * Kept to spare on every window and per-task minimum, for servers that round
 * their clocks or count windows in whole seconds. (Network delay needs no
 * margin: a request counts in the window from its start until its answer, see
 * {@link RequestScheduler}.)
 */
export const ARRIVAL_MARGIN_MS = 50;

/**
 * One per source: every poll of every task of that source asks it for a turn.
 *
 * - The budget is a sliding window: a request may start only when fewer than
 *   `maxRequestsPerSecond` requests are in flight or were answered in the last
 *   second, so no one-second window, wherever it falls, holds more. (A token
 *   bucket would let a full burst through on each side of a window edge.) A
 *   request counts from its start until a second after its *answer*, not its
 *   start: the server counted it at its arrival, somewhere in between, and two
 *   requests started a second apart can arrive less than a second apart when
 *   the first is delayed on the way. Counting from the answer keeps the
 *   promise whatever the network does, for the price of one round trip per
 *   window.
 * - Due polls are served earliest-due first, ties in arrival order; a task that
 *   waits only gets older than the ones arriving after it, so none starves.
 * - The server's word comes first: a 429 or `Retry-After` pauses the whole
 *   source until the time given, and when `RateLimit-Remaining` runs low the
 *   remaining requests are spread over what is left of the window, so the
 *   source slows down before the server has to refuse it.
 * - One timer for the whole source, armed for the next moment anything can
 *   start, and disarmed when the queue is empty.
 */
export class RequestScheduler {
  private readonly queue = new MinHeap<Waiter>((a, b) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq));
  private readonly windowSize: number;
  private readonly windowMs: number;
  /** When each of the window's slots may carry a request again; `Infinity` while its request is in flight. */
  private readonly slotFreeAt: number[];
  private lastStart = -Infinity;
  private inFlight = 0;
  private seq = 0;
  private wake: Subscription | undefined;
  private wakeAt = Infinity;
  private pumping = false;
  private pumpAgain = false;
  private pausedUntil = -Infinity;
  private paceGap = 0;
  private paceUntil = -Infinity;
  private held = false;

  constructor(private readonly options: RequestSchedulerOptions) {
    const rate = options.maxRequestsPerSecond;
    // Below 1 rps the window stretches: 0.5 rps is one request in any two seconds.
    this.windowSize = Number.isFinite(rate) ? Math.max(1, Math.floor(rate)) : 0;
    this.windowMs = (rate >= 1 ? 1000 : 1000 / rate) + ARRIVAL_MARGIN_MS;
    this.slotFreeAt = new Array<number>(this.windowSize).fill(-Infinity);
  }

  now(): number {
    return this.options.scheduler.now();
  }

  /**
   * Asks for a turn at `dueAt` or as soon after as the budget allows, and never
   * before `notBefore` (a task's minimum gap or `Retry-After`: unlike `dueAt`,
   * the end of a hold does not bring it forward).
   */
  request(dueAt: number, taker: TurnTaker, notBefore = -Infinity): Ticket {
    const waiter = new Waiter(this, Math.max(dueAt, notBefore), notBefore, this.seq++, taker);
    this.queue.push(waiter);
    this.pump();
    return waiter;
  }

  /** A waiter gives up its place (its ticket was cancelled before its turn). */
  withdraw(waiter: Waiter): void {
    if (this.queue.remove(waiter)) this.pump();
  }

  /** A granted request has ended: its slot of the window counts until a window after now. */
  ended(slot: number): void {
    this.inFlight--;
    if (slot >= 0) this.slotFreeAt[slot] = this.now() + this.windowMs;
    this.pump();
  }

  /** No request starts before `until` (a 429, a `Retry-After`): the whole source waits. */
  pauseUntil(until: number): void {
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.pump();
  }

  /**
   * Reads a response's rate-limit headers. With `remaining` requests left until
   * `resetAt`, less a reserve for the account's other clients and what is
   * already in flight, starts are spaced so the rest lasts until the reset;
   * with none left, the source waits for the reset.
   */
  observe(hints: RateLimitHints): void {
    const now = this.now();
    const { remaining, resetAt, limit } = hints;
    if (remaining === undefined || resetAt === undefined || resetAt <= now) return;
    const reserve = limit === undefined ? 0 : Math.ceil(limit * (this.options.reserve ?? 0.1));
    const usable = remaining - reserve - this.inFlight;
    if (usable <= 0) {
      this.pauseUntil(resetAt + ARRIVAL_MARGIN_MS);
      return;
    }
    this.paceGap = (resetAt - now) / usable;
    this.paceUntil = resetAt;
    this.pump();
  }

  /**
   * Holds every turn while `held` (the page is hidden, say). On release every
   * waiting poll becomes due at once (a task that was paused resumes with a
   * poll), but none before its own `notBefore`.
   */
  hold(held: boolean): void {
    if (held === this.held) return;
    this.held = held;
    if (held) {
      this.disarm();
      return;
    }
    const now = this.now();
    const waiting: Waiter[] = [];
    for (let waiter = this.queue.pop(); waiter !== undefined; waiter = this.queue.pop()) waiting.push(waiter);
    for (const waiter of waiting) {
      waiter.dueAt = Math.max(waiter.notBefore, Math.min(waiter.dueAt, now));
      this.queue.push(waiter);
    }
    this.pump();
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
    if (this.held) return; // `hold(false)` pumps again
    for (let head = this.queue.peek(); head !== undefined; head = this.queue.peek()) {
      if (this.inFlight >= this.options.maxConcurrentRequests) return; // a release will pump again
      const now = this.now();
      const readyAt = Math.max(head.dueAt, this.windowOpensAt(), this.pausedUntil, this.pacedAt(now));
      if (readyAt > now) {
        // Infinity: every slot of the window is in flight; the first release pumps again.
        if (readyAt === Infinity) this.disarm();
        else this.arm(readyAt, now);
        return;
      }
      this.queue.pop();
      this.grant(head, now);
    }
  }

  private grant(waiter: Waiter, now: number): void {
    const turn = new GrantedTurn(this, now, this.takeSlot(now));
    this.inFlight++;
    waiter.turn = turn;
    waiter.taker.onTurn(turn);
  }

  /** The earliest moment a slot of the window is free. */
  private windowOpensAt(): number {
    let earliest = Infinity;
    for (const freeAt of this.slotFreeAt) if (freeAt < earliest) earliest = freeAt;
    return this.windowSize === 0 ? -Infinity : earliest;
  }

  private pacedAt(now: number): number {
    return now < this.paceUntil ? this.lastStart + this.paceGap : -Infinity;
  }

  /** Notes a start, and holds a free slot of the window until the request's answer (-1: no budget to keep). */
  private takeSlot(now: number): number {
    this.lastStart = now;
    let slot = -1;
    for (let index = 0; index < this.windowSize; index++) {
      if ((this.slotFreeAt[index] as number) <= now && (slot < 0 || (this.slotFreeAt[index] as number) < (this.slotFreeAt[slot] as number))) slot = index;
    }
    if (slot >= 0) this.slotFreeAt[slot] = Infinity;
    return slot;
  }

  private arm(at: number, now: number): void {
    // A timer cannot wait longer than MAX_DELAY_MS (a longer one fires at once): wake up then, and arm again.
    const wakeAt = Math.min(at, now + MAX_DELAY_MS);
    if (this.wake !== undefined && this.wakeAt <= wakeAt) return;
    this.disarm();
    this.wakeAt = wakeAt;
    this.wake = this.options.scheduler.schedule(() => {
      this.wake = undefined;
      this.wakeAt = Infinity;
      this.pump();
    }, wakeAt - now);
  }

  private disarm(): void {
    this.wake?.unsubscribe();
    this.wake = undefined;
    this.wakeAt = Infinity;
  }
}

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
