/**
 * How many requests one API key may start: a number is requests per second
 * (below 1: one request per `1 / n` seconds); or a limit per window of seconds.
 */
export type RequestBudget = number | { readonly limit: number; readonly windowSeconds: number };

/** The budget's answer to one request. */
export interface BudgetDecision {
  readonly admitted: boolean;
  readonly limit: number;
  readonly windowSeconds: number;
  /** Requests still allowed in the window once this one is counted. */
  readonly remaining: number;
  /** Server clock (ms) when the oldest request counted leaves the window, freeing a place. */
  readonly resetAt: number;
  /** For a refused request: ms until a request would be admitted. 0 when admitted. */
  readonly retryAfterMs: number;
}

/**
 * A request budget per API key, judged over a sliding window: a request is
 * admitted when fewer than `limit` admitted requests arrived in the last
 * `windowSeconds`. Refused requests do not count, so a client that waits as
 * told gets in.
 */
export class SlidingWindowBudget {
  readonly limit: number;
  readonly windowSeconds: number;
  private readonly windowMs: number;
  private readonly admittedAt = new Map<string, AdmissionTimes>();

  constructor(budget: RequestBudget) {
    const { limit, windowSeconds } = normalizeBudget(budget);
    this.limit = limit;
    this.windowSeconds = windowSeconds;
    this.windowMs = windowSeconds * 1000;
  }

  admit(key: string, at: number): BudgetDecision {
    let times = this.admittedAt.get(key);
    if (times === undefined) this.admittedAt.set(key, (times = new AdmissionTimes()));
    times.dropUpTo(at - this.windowMs);
    const admitted = times.size < this.limit;
    if (admitted) times.add(at);
    const resetAt = Math.min(times.oldest ?? at, at) + this.windowMs;
    return {
      admitted,
      limit: this.limit,
      windowSeconds: this.windowSeconds,
      remaining: Math.max(0, this.limit - times.size),
      resetAt,
      retryAfterMs: admitted ? 0 : Math.max(0, resetAt - at),
    };
  }
}

/**
 * One key's admission times, oldest first: times leave from the front as the
 * window slides, so a request costs O(1) however large the limit (a load test
 * on a roomy account admits thousands a second).
 */
class AdmissionTimes {
  private times: number[] = [];
  private head = 0;

  get size(): number {
    return this.times.length - this.head;
  }

  get oldest(): number | undefined {
    return this.times[this.head];
  }

  /** Forgets every time at or before `time`. */
  dropUpTo(time: number): void {
    while (this.head < this.times.length && (this.times[this.head] as number) <= time) this.head++;
    // What has left the window is let go now and then, not on every request.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  add(time: number): void {
    if (this.size === 0) {
      this.times = [time];
      this.head = 0;
      return;
    }
    const last = this.times[this.times.length - 1] as number;
    if (time >= last) {
      this.times.push(time);
      return;
    }
    // A clock set back (a test's hand clock): kept in order all the same.
    const at = this.times.findIndex((other, index) => index >= this.head && other > time);
    this.times.splice(at, 0, time);
  }
}

export function normalizeBudget(budget: RequestBudget): { limit: number; windowSeconds: number } {
  if (typeof budget === 'number') {
    if (!(budget > 0 && Number.isFinite(budget))) throw new TypeError(`Expected a budget of a positive number of requests per second, got ${String(budget)}.`);
    return budget >= 1 ? { limit: Math.floor(budget), windowSeconds: 1 } : { limit: 1, windowSeconds: 1 / budget };
  }
  const { limit, windowSeconds } = budget ?? {};
  if (!(Number.isInteger(limit) && limit >= 1 && typeof windowSeconds === 'number' && windowSeconds > 0 && Number.isFinite(windowSeconds))) {
    throw new TypeError(`Expected a budget of \`{ limit, windowSeconds }\` (a positive integer and a positive number), got ${JSON.stringify(budget)}.`);
  }
  return { limit, windowSeconds };
}
