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
  private readonly admittedAt = new Map<string, number[]>();

  constructor(budget: RequestBudget) {
    const { limit, windowSeconds } = normalizeBudget(budget);
    this.limit = limit;
    this.windowSeconds = windowSeconds;
    this.windowMs = windowSeconds * 1000;
  }

  admit(key: string, at: number): BudgetDecision {
    const recent = (this.admittedAt.get(key) ?? []).filter((time) => time > at - this.windowMs);
    const admitted = recent.length < this.limit;
    if (admitted) recent.push(at);
    this.admittedAt.set(key, recent);
    const resetAt = Math.min(...recent, at) + this.windowMs;
    return {
      admitted,
      limit: this.limit,
      windowSeconds: this.windowSeconds,
      remaining: Math.max(0, this.limit - recent.length),
      resetAt,
      retryAfterMs: admitted ? 0 : Math.max(0, resetAt - at),
    };
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
