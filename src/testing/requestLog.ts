import type { FaultKind } from './fault.js';
import type { ProviderName, RouteName } from './routes.js';

/** One request the fake server received. No key, token or body is kept. */
export interface RequestLogEntry {
  /** Server clock (ms) when the request arrived. */
  readonly at: number;
  /** Absent when no route matched. */
  readonly provider?: ProviderName;
  readonly route?: RouteName;
  readonly method: string;
  /** The path, without the query (where keys travel). */
  readonly path: string;
  readonly taskId?: string;
  /** The HTTP status sent; absent while in flight, or when no status line was ever sent (reset, hang). */
  readonly status?: number;
  /** Stream's `code` on an error, Mobizon's envelope `code`. */
  readonly providerCode?: number;
  /** A rate-limit refusal: a 429, or Mobizon's code 30. */
  readonly rateLimited: boolean;
  readonly fault?: FaultKind;
  /** The client went away before the response ended. */
  readonly aborted: boolean;
  /** The exchange is over (answered, broken off or abandoned). */
  readonly settled: boolean;
}

/** Narrows a log question to some requests. */
export interface RequestLogFilter {
  readonly provider?: ProviderName;
  readonly route?: RouteName;
  readonly taskId?: string;
}

/**
 * What the fake server saw, in arrival order: what tests assert and
 * benchmarks measure. Preflight (`OPTIONS`) requests are the browser's, not
 * the client's, and are not logged.
 */
export interface RequestLog {
  entries(filter?: RequestLogFilter): RequestLogEntry[];
  count(filter?: RequestLogFilter): number;
  /** Requests per task id. */
  countsByTask(filter?: RequestLogFilter): Map<string, number>;
  /**
   * The most requests that arrived within any window of `windowMs` (default
   * 1000) on the server clock: what a provider counting "per second" sees.
   */
  maxRequestsInAnyWindow(options?: RequestLogFilter & { readonly windowMs?: number }): number;
  /** How many rate-limit refusals the server served (budget, strict Mobizon or faults). */
  rateLimitRefusals(filter?: RequestLogFilter): number;
  /** Resolves once `count` requests (since the last `clear`) have settled. */
  waitForSettled(count: number): Promise<void>;
  clear(): void;
}

type MutableEntry = { -readonly [K in keyof RequestLogEntry]: RequestLogEntry[K] };

export class RequestRecorder implements RequestLog {
  private log: MutableEntry[] = [];
  private settledCount = 0;
  private waiters: Array<{ count: number; resolve: () => void; reject: (error: Error) => void }> = [];

  /** Starts an entry; the returned object is filled in as the exchange goes on. */
  open(entry: Pick<RequestLogEntry, 'at' | 'method' | 'path' | 'provider' | 'route'>): MutableEntry {
    const opened: MutableEntry = { ...entry, rateLimited: false, aborted: false, settled: false };
    this.log.push(opened);
    return opened;
  }

  settle(entry: MutableEntry, { aborted }: { aborted: boolean }): void {
    if (entry.settled) return;
    entry.settled = true;
    entry.aborted = aborted;
    if (!this.log.includes(entry)) return;
    this.settledCount++;
    const due = this.waiters.filter((waiter) => waiter.count <= this.settledCount);
    this.waiters = this.waiters.filter((waiter) => waiter.count > this.settledCount);
    for (const waiter of due) waiter.resolve();
  }

  /** Rejects every pending `waitForSettled`: the server is gone. */
  dispose(): void {
    for (const waiter of this.waiters) waiter.reject(new Error('The fake provider server closed before enough requests settled.'));
    this.waiters = [];
  }

  entries(filter: RequestLogFilter = {}): RequestLogEntry[] {
    return this.log.filter((entry) => matches(entry, filter)).map((entry) => ({ ...entry }));
  }

  count(filter: RequestLogFilter = {}): number {
    return this.log.filter((entry) => matches(entry, filter)).length;
  }

  countsByTask(filter: RequestLogFilter = {}): Map<string, number> {
    const counts = new Map<string, number>();
    for (const entry of this.log) {
      if (entry.taskId !== undefined && matches(entry, filter)) counts.set(entry.taskId, (counts.get(entry.taskId) ?? 0) + 1);
    }
    return counts;
  }

  maxRequestsInAnyWindow({ windowMs = 1000, ...filter }: RequestLogFilter & { readonly windowMs?: number } = {}): number {
    if (!(windowMs > 0)) throw new TypeError(`Expected \`windowMs\` to be a positive number, got ${String(windowMs)}.`);
    const times = this.log.filter((entry) => matches(entry, filter)).map((entry) => entry.at).sort((a, b) => a - b);
    let most = 0;
    let first = 0;
    for (let last = 0; last < times.length; last++) {
      while ((times[last] as number) - (times[first] as number) >= windowMs) first++;
      most = Math.max(most, last - first + 1);
    }
    return most;
  }

  rateLimitRefusals(filter: RequestLogFilter = {}): number {
    return this.log.filter((entry) => entry.rateLimited && matches(entry, filter)).length;
  }

  waitForSettled(count: number): Promise<void> {
    if (count <= this.settledCount) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ count, resolve, reject }));
  }

  clear(): void {
    this.log = [];
    this.settledCount = 0;
  }
}

function matches(entry: RequestLogEntry, filter: RequestLogFilter): boolean {
  return (
    (filter.provider === undefined || entry.provider === filter.provider) &&
    (filter.route === undefined || entry.route === filter.route) &&
    (filter.taskId === undefined || entry.taskId === filter.taskId)
  );
}
