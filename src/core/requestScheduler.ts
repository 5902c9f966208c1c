import type { SchedulerLike, Subscription } from 'rxjs';
import { ARRIVAL_MARGIN_MS, LocalBudget, type BudgetAnswer, type RequestBudget } from './budget.js';
import { MinHeap, type HeapEntry } from './minHeap.js';
import type { RateLimitHints } from './rateLimitHints.js';
import type { SourceEvents } from './sourceEvents.js';
import { MAX_DELAY_MS } from './validate.js';
import { slackened } from './wakeSlack.js';

/** Permission to start one request now; `release()` when it has ended, however it ended. */
export interface Turn {
  readonly startedAt: number;
  release(): void;
}

/** A place in the queue; `cancel()` gives it up (or releases the turn, if already granted). */
export interface Ticket {
  cancel(): void;
}

/** Whoever waits for a turn (a poll loop): its `onTurn` takes it, or `onTurnFailed` hears that the budget could not be asked. */
export interface TurnTaker {
  onTurn(turn: Turn): void;
  /** A shared budget did not answer (its store is down): the turn failed like a request that got no answer. */
  onTurnFailed(error: unknown): void;
}

export interface RequestSchedulerOptions {
  /** Requests that may start in any one-second window in this source alone; `Infinity` for no local limit. */
  readonly maxRequestsPerSecond: number;
  /** Requests that may be in flight at once; `Infinity` for no limit. */
  readonly maxConcurrentRequests: number;
  /** A budget shared with other sources or processes, asked on top of the local window. */
  readonly budget?: RequestBudget | undefined;
  /** Share of the server's announced limit left to the account's other clients. Default 0.1. */
  readonly reserve?: number | undefined;
  /** How long the shared budget may take to answer, ms: the source's `requestTimeout`. */
  readonly requestTimeout: number;
  readonly scheduler: SchedulerLike;
  /** Where the source tells of pauses (`rate-limited`, `paused`, `resumed`). */
  readonly events?: SourceEvents | undefined;
  /** How late a wake-up for a due poll may be, ms, so that polls due close together share it (see wakeSlack.ts). Default 0. */
  readonly wakeSlackMs?: number | undefined;
}

/**
 * One per source: every poll of every task of that source asks it for a turn.
 *
 * - A request starts only when the source's own window allows it (see
 *   {@link LocalBudget}) and, with a shared budget, when that budget does too
 *   (asked once at a time, for the poll at the head of the queue; a shared
 *   budget that does not answer fails the due polls like a request that got
 *   no answer, so a store that is down never hangs a watch).
 * - Due polls are served earliest-due first, ties in arrival order; a task that
 *   waits only gets older than the ones arriving after it, so none starves.
 * - The server's word comes first: a 429 or `Retry-After` pauses the whole
 *   source (and everyone sharing its budget) until the time given, and when
 *   `RateLimit-Remaining` runs low the remaining requests are spread over what
 *   is left of the window, so the source slows down before the server has to
 *   refuse it. With a shared budget, only the pause is shared: a slow-down of
 *   one process alone would not spare the account.
 * - One timer for the whole source, armed for the next moment anything can
 *   start, and disarmed when the queue is empty.
 */
export class RequestScheduler {
  private readonly queue = new MinHeap<Waiter>((a, b) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq));
  private local: LocalBudget | undefined;
  private readonly shared: RequestBudget | undefined;
  private lastStart = -Infinity;
  private inFlight = 0;
  private seq = 0;
  private wake: Subscription | undefined;
  private wakeAt = Infinity;
  private pumping = false;
  private pumpAgain = false;
  /** Set while the shared budget is being asked: one question at a time. */
  private asking = false;
  /** The shared budget said to wait until then before asking it again. */
  private sharedWaitUntil = -Infinity;
  private pausedUntil = -Infinity;
  private paceGap = 0;
  private paceUntil = -Infinity;
  private held = false;

  constructor(private readonly options: RequestSchedulerOptions) {
    this.local = Number.isFinite(options.maxRequestsPerSecond) ? new LocalBudget(options.maxRequestsPerSecond, () => this.now()) : undefined;
    this.shared = options.budget;
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

  /** A granted request has ended: it counts in its budgets until a window after now. */
  ended(permits: Permits): void {
    this.inFlight--;
    if (permits.local !== undefined) this.local?.release(permits.local);
    if (permits.shared !== undefined) this.shared?.release(permits.shared);
    this.pump();
  }

  /** No request starts before `until` (a 429, a `Retry-After`): the whole source waits, and everyone sharing its budget. */
  pauseUntil(until: number): void {
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    const { events } = this.options;
    if (events?.observed === true) {
      const now = this.now();
      events.emit({ type: 'rate-limited', provider: events.provider, waitMs: until - now, until, at: now });
    }
    this.shared?.pause(until - this.now());
    this.pump();
  }

  /**
   * Reads a response's rate-limit headers. With `remaining` requests left until
   * `resetAt`, less a reserve for the account's other clients and what is
   * already in flight, starts are spaced so the rest lasts until the reset;
   * with none left, the source waits for the reset.
   *
   * A shared budget is left to keep the pace (one process slowing down alone
   * would not spare the account): only `Remaining: 0` pauses everyone sharing
   * it until the reset, and not even that when the shared budget is no larger
   * than the limit the server announces, since its own window then holds the
   * account to it already (and a reset given in whole seconds would only add
   * dead time).
   */
  observe(hints: RateLimitHints): void {
    const now = this.now();
    const { remaining, resetAt, limit } = hints;
    if (remaining === undefined || resetAt === undefined || resetAt <= now) return;
    if (this.shared !== undefined) {
      const ours = this.shared.maxRequestsPerSecond;
      const heldByBudget = ours !== undefined && limit !== undefined && ours <= limit;
      if (remaining <= 0 && !heldByBudget) this.pauseUntil(resetAt + ARRIVAL_MARGIN_MS);
      return;
    }
    const reserve = limit === undefined ? 0 : Math.ceil(limit * (this.options.reserve ?? 0.1));
    if (limit !== undefined && hints.windowMs === 1000) {
      this.keepWindow(limit, remaining, reserve, resetAt);
      return;
    }
    const usable = remaining - reserve - this.inFlight;
    if (usable <= 0) {
      this.pauseUntil(resetAt + ARRIVAL_MARGIN_MS);
      return;
    }
    const gap = (resetAt - now) / usable;
    // A gap under the clock's millisecond is no pace: the rest of the window allows more than a start each ms, and
    // keeping it would only arm a timer before every start (a roomy account then cost 5x the CPU per poll).
    this.paceGap = gap;
    this.paceUntil = gap < MIN_PACE_GAP_MS ? -Infinity : resetAt;
    this.pump();
  }

  /**
   * A server whose window is one second, as the source's own is: the source's
   * window keeps its limit by itself when it lets no more than the limit less
   * the reserve start in any second. Spreading `Remaining` until a reset
   * given in whole seconds would only stall it (a second's wait each time the
   * window filled). The server's word still counts where the source cannot
   * see: what the account's other clients use beyond the reserve comes off
   * the source's share, and `Remaining: 0` with others at work pauses it
   * until the reset.
   */
  private keepWindow(limit: number, remaining: number, reserve: number, resetAt: number): void {
    const local = (this.local ??= new LocalBudget(limit, () => this.now()));
    // What the server counted beyond this source's own requests (never more than it saw: ours in flight may not have arrived).
    const others = Math.max(0, limit - remaining - local.held());
    local.limitTo(limit - Math.max(reserve, others));
    this.paceUntil = -Infinity;
    if (remaining <= 0 && others > reserve) this.pauseUntil(resetAt + ARRIVAL_MARGIN_MS);
    else this.pump();
  }

  /**
   * Holds every turn while `held` (the page is hidden, say). On release every
   * waiting poll becomes due at once (a task that was paused resumes with a
   * poll), but none before its own `notBefore`.
   */
  hold(held: boolean): void {
    if (held === this.held) return;
    this.held = held;
    const { events } = this.options;
    if (events?.observed === true) events.emit({ type: held ? 'paused' : 'resumed', provider: events.provider, at: this.now() });
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
    if (this.held || this.asking) return; // `hold(false)` and the answer pump again
    for (let head = this.queue.peek(); head !== undefined; head = this.queue.peek()) {
      if (this.inFlight >= this.options.maxConcurrentRequests) return; // a release will pump again
      const now = this.now();
      const readyAt = Math.max(head.dueAt, this.pausedUntil, this.pacedAt(now), this.sharedWaitUntil);
      if (readyAt > now) {
        // Only the poll's own due time may be put off a little; the pace, a pause and the budget's times are kept exactly.
        this.arm(readyAt === head.dueAt ? slackened(readyAt, this.options.wakeSlackMs ?? 0) : readyAt, now);
        return;
      }
      const local = this.local?.take();
      if (local?.waitMs !== undefined) {
        // Infinity: every slot of the window is in flight; the first release pumps again.
        if (local.waitMs === Infinity) this.disarm();
        else this.arm(now + local.waitMs, now);
        return;
      }
      const permits: Permits = { local: local?.permit };
      if (this.shared === undefined) {
        this.grant(permits, now);
        continue;
      }
      const answer = this.shared.take(this.options.requestTimeout);
      if (!isPromiseLike(answer)) {
        if (!this.answered(answer, permits)) return;
        continue;
      }
      this.asking = true;
      answer.then(
        (settled) => {
          this.asking = false;
          this.answered(settled, permits);
          this.pump();
        },
        (error: unknown) => {
          this.asking = false;
          this.unanswered(error, permits);
          this.pump();
        },
      );
      return;
    }
  }

  /** The shared budget answered: a start for the head of the queue (whoever it is by now), or a wait. Returns whether it granted. */
  private answered(answer: BudgetAnswer, permits: Permits): boolean {
    const now = this.now();
    if (answer.waitMs !== undefined) {
      if (permits.local !== undefined) this.local?.cancel(permits.local);
      // At least a millisecond (a budget answering 0 would be asked in a loop), and never forever.
      this.sharedWaitUntil = now + (answer.waitMs >= 1 ? Math.min(answer.waitMs, MAX_DELAY_MS) : 1);
      this.arm(this.sharedWaitUntil, now);
      return false;
    }
    const head = this.queue.peek();
    if (head === undefined || head.dueAt > now || this.held) {
      // Nobody is due any more (a watch left while the budget was asked): the places are given back unused.
      if (permits.local !== undefined) this.local?.cancel(permits.local);
      this.shared?.cancel(answer.permit);
      return false;
    }
    this.grant({ ...permits, shared: answer.permit }, now);
    return true;
  }

  /** The shared budget could not be asked: every due poll fails as if its request got no answer, and retries under its backoff. */
  private unanswered(error: unknown, permits: Permits): void {
    if (permits.local !== undefined) this.local?.cancel(permits.local);
    const now = this.now();
    const due: Waiter[] = [];
    for (let head = this.queue.peek(); head !== undefined && head.dueAt <= now; head = this.queue.peek()) due.push(this.queue.pop() as Waiter);
    for (const waiter of due) {
      waiter.turn = FAILED;
      waiter.taker.onTurnFailed(error);
    }
  }

  private grant(permits: Permits, now: number): void {
    const waiter = this.queue.pop() as Waiter;
    const turn = new GrantedTurn(this, now, permits);
    this.lastStart = now;
    this.inFlight++;
    waiter.turn = turn;
    waiter.taker.onTurn(turn);
  }

  private pacedAt(now: number): number {
    return now < this.paceUntil ? this.lastStart + this.paceGap : -Infinity;
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
  turn: GrantedTurn | typeof FAILED | undefined;

  constructor(
    private readonly scheduler: RequestScheduler,
    public dueAt: number,
    /** The turn never comes before this, not even when a hold ends. */
    readonly notBefore: number,
    readonly seq: number,
    readonly taker: TurnTaker,
  ) {}

  cancel(): void {
    if (this.turn === FAILED) return;
    if (this.turn !== undefined) this.turn.release();
    else this.scheduler.withdraw(this);
  }
}

/** A waiter whose turn failed (its shared budget could not be asked): nothing is left to give back. */
const FAILED = /*#__PURE__*/ Symbol('failed');

/** The shortest gap between starts that pacing keeps, ms: the scheduler's clock counts whole milliseconds. */
const MIN_PACE_GAP_MS = 1;

/** The places a granted request holds in its budgets. */
interface Permits {
  readonly local?: unknown;
  readonly shared?: unknown;
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}

export class GrantedTurn implements Turn {
  private released = false;

  constructor(
    private readonly scheduler: RequestScheduler,
    readonly startedAt: number,
    /** The places this request holds in its budgets. */
    private readonly permits: Permits,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    this.scheduler.ended(this.permits);
  }
}
