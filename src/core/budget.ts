/**
 * Kept to spare on every window and per-task minimum, for servers that count
 * time in whole milliseconds or round a window's edges (a server counting
 * whole seconds as fixed windows needs none: no more than N in any second,
 * wherever it falls, is no more than N in each). Network delay needs no
 * margin either: a request counts in the window from its start until its
 * answer, see {@link LocalBudget}. It costs its share of every window (50 ms
 * cost 5 % of the rate a server allows, 10 ms costs 1 %).
 */
export const ARRIVAL_MARGIN_MS = 10;

/** A budget's answer to "may a request start now?": a permit to start, or how long to wait before asking again. */
export type BudgetAnswer =
  | {
      /** Start now; give the permit back with `release` once the request has ended, or `cancel` if it was never sent. */
      readonly permit: unknown;
      /** Unset with a permit. */
      readonly waitMs?: undefined;
    }
  | {
      /** Unset when the request must wait. */
      readonly permit?: undefined;
      /** Ask again after this many ms (a finite number: a budget shared with others cannot promise to call back). */
      readonly waitMs: number;
    };

/**
 * How many requests may start, and when: the provider's rate limit as a
 * source keeps it. Every source has one: by default its own sliding window
 * (`maxRequestsPerSecond`); pass one to `SourceOptions.budget` to share it
 * with others (`redisBudget` from `rx-task-status/redis` shares it with
 * every process of an account).
 *
 * The promise every budget keeps: no more than its limit of request starts
 * in any one-second window, wherever the window falls, with a request
 * counted from its start until its answer (the provider counted it at its
 * arrival, somewhere in between) and for a window after that.
 */
export interface RequestBudget {
  /**
   * May one request start now? Synchronous for a local budget; a shared one
   * asks its store, and rejects when the store has not answered within
   * `timeoutMs` (the source's `requestTimeout`: such a turn fails like a
   * request that got no answer). An unanswered request stops counting after
   * `timeoutMs` and a window, should its process never say it ended.
   */
  take(timeoutMs: number): BudgetAnswer | PromiseLike<BudgetAnswer>;
  /** The request of `permit` has ended (answered, failed or aborted): it counts for one more window, then frees its place. */
  release(permit: unknown): void;
  /** The request of `permit` was never sent: its place is free again at once. */
  cancel(permit: unknown): void;
  /**
   * The server asked the account to wait (a 429, `Retry-After`, `Remaining:
   * 0`): nobody sharing this budget starts a request for `ms`. A local budget
   * has nobody to tell (its source waits on its own).
   */
  pause(ms: number): void;
  /** Whether other clients share this budget: then the source leaves pacing to the shared pauses, rather than slow down alone. */
  readonly shared: boolean;
  /** Its limit, when it has one a source can compare with the limit a server announces. */
  readonly maxRequestsPerSecond?: number | undefined;
}

/**
 * A source's own sliding window: a request may start only while fewer than
 * `maxRequestsPerSecond` requests are in flight or were answered in the last
 * second, so no one-second window, wherever it falls, holds more. (A token
 * bucket would let a full burst through on each side of a window edge.) A
 * request counts from its start until a second after its *answer*, not its
 * start: the server counted it at its arrival, somewhere in between, and two
 * requests started a second apart can arrive less than a second apart when
 * the first is delayed on the way. Counting from the answer keeps the
 * promise whatever the network does, for the price of one round trip per
 * window.
 */
export class LocalBudget implements RequestBudget {
  readonly shared = false;
  private readonly windowMs: number;
  /** When each slot of the window may carry a request again; `Infinity` while its request is in flight. */
  private readonly slotFreeAt: number[];
  /** How many of the slots may carry requests: all of them, unless the server's headers ask for fewer (see `limitTo`). */
  private usable: number;

  constructor(
    readonly maxRequestsPerSecond: number,
    private readonly now: () => number,
  ) {
    // Below 1 rps the window stretches: 0.5 rps is one request in any two seconds.
    const size = Math.max(1, Math.floor(maxRequestsPerSecond));
    this.windowMs = (maxRequestsPerSecond >= 1 ? 1000 : 1000 / maxRequestsPerSecond) + ARRIVAL_MARGIN_MS;
    this.slotFreeAt = new Array<number>(size).fill(-Infinity);
    this.usable = size;
  }

  /**
   * Lets at most `count` requests (at least one) start in any window from now
   * on, never more than `maxRequestsPerSecond`; the slots past it finish what
   * they carry and stay empty.
   */
  limitTo(count: number): void {
    this.usable = Math.max(1, Math.min(this.slotFreeAt.length, Math.floor(count)));
  }

  /** Requests of this source the window holds now: in flight, or answered within the last window. */
  held(): number {
    const now = this.now();
    let count = 0;
    for (const freeAt of this.slotFreeAt) if (freeAt > now) count++;
    return count;
  }

  /** The free slot that has been free longest; else how long until the first slot frees (Infinity while all are in flight: a release asks again). */
  take(): BudgetAnswer {
    const now = this.now();
    let slot = -1;
    let earliest = Infinity;
    for (let index = 0; index < this.usable; index++) {
      const freeAt = this.slotFreeAt[index] as number;
      if (freeAt < earliest) {
        earliest = freeAt;
        slot = index;
      }
    }
    if (earliest > now) return { waitMs: earliest - now };
    this.slotFreeAt[slot] = Infinity;
    return { permit: slot };
  }

  release(permit: unknown): void {
    this.slotFreeAt[permit as number] = this.now() + this.windowMs;
  }

  cancel(permit: unknown): void {
    this.slotFreeAt[permit as number] = -Infinity;
  }

  pause(): void {
    // Nobody else to tell: the source that paused waits by itself.
  }
}
