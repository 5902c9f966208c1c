import type { FaultKind } from '../faults/fault.js';
import { maxInAnyWindow } from './maxInAnyWindow.js';
import type { ProviderName, RouteName } from '../server/routes.js';

/** One request the fake server received. No key, token or body is kept. */
export interface RequestLogEntry {
  /** Server clock (ms) when the request arrived. */
  readonly at: number;
  /** Absent when no route matched. */
  readonly provider?: ProviderName | undefined;
  readonly route?: RouteName | undefined;
  readonly method: string;
  /** The path, without the query (where keys travel). */
  readonly path: string;
  readonly taskId?: string | undefined;
  /** The HTTP status sent; absent while in flight, or when no status line was ever sent (reset, hang). */
  readonly status?: number | undefined;
  /** Stream's `code` on an error, Mobizon's envelope `code`. */
  readonly providerCode?: number | undefined;
  /** A rate-limit refusal: a 429, or Mobizon's code 30. */
  readonly rateLimited: boolean;
  readonly fault?: FaultKind | undefined;
  /**
   * Bytes of response body the server handed to the socket (kernel buffers
   * included: on a broken exchange not all of them need have reached the
   * client). Set once settled; 0 when no body was sent.
   */
  readonly bytesSent: number;
  /** The client went away before the response ended. */
  readonly aborted: boolean;
  /** The exchange is over (answered, broken off or abandoned). */
  readonly settled: boolean;
}

/** Narrows a log question to some requests. */
export interface RequestLogFilter {
  readonly provider?: ProviderName | undefined;
  readonly route?: RouteName | undefined;
  readonly taskId?: string | undefined;
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
  /**
   * Resolves once `count` requests (since the last `clear`) have settled.
   * Rejects, with an error that says so, if the server closes first, or was
   * closed already.
   */
  waitForSettled(count: number): Promise<void>;
  /**
   * Resolves once `count` requests matching `filter` (since the last `clear`)
   * have been received: request line, headers and body read, task known. What
   * a test waits for before it acts on a request in flight (an unsubscribe
   * while the server holds the request, say). Rejects like `waitForSettled`.
   */
  waitForRequests(count: number, filter?: RequestLogFilter): Promise<void>;
  /** Forgets every entry; the counts of `waitForSettled` and `waitForRequests` start again from 0. */
  clear(): void;
}

type MutableEntry = { -readonly [K in keyof RequestLogEntry]: RequestLogEntry[K] };

/** A pending `waitFor…`: `missing` counts down as matching events happen. */
interface Waiter {
  readonly on: 'received' | 'settled';
  readonly filter: RequestLogFilter;
  missing: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const CLOSED = 'The fake provider server is closed: no more requests will arrive or settle.';

export class RequestRecorder implements RequestLog {
  private log: MutableEntry[] = [];
  /** The entries of `log` (a `clear` starts a new set: late news of a forgotten entry is not counted). */
  private current = new WeakSet<MutableEntry>();
  /** Entries of `log` received whole (body read, task known). */
  private received = new WeakSet<MutableEntry>();
  private waiters: Waiter[] = [];
  private disposed = false;

  /** Starts an entry on arrival; the returned object is filled in as the exchange goes on. */
  open(entry: Pick<RequestLogEntry, 'at' | 'method' | 'path' | 'provider' | 'route'>): MutableEntry {
    const opened: MutableEntry = { ...entry, rateLimited: false, bytesSent: 0, aborted: false, settled: false };
    this.log.push(opened);
    this.current.add(opened);
    return opened;
  }

  /** The request has been read whole and its task is known. */
  receive(entry: MutableEntry): void {
    if (!this.current.has(entry) || this.received.has(entry)) return;
    this.received.add(entry);
    this.countDown('received', entry);
  }

  settle(entry: MutableEntry, { aborted, bytesSent }: { aborted: boolean; bytesSent: number }): void {
    if (entry.settled) return;
    entry.settled = true;
    entry.aborted = aborted;
    entry.bytesSent = bytesSent;
    if (this.current.has(entry)) this.countDown('settled', entry);
  }

  /** Rejects every pending wait, and every later one not already satisfied: the server is gone. */
  dispose(): void {
    this.disposed = true;
    for (const waiter of this.waiters) waiter.reject(new Error(`${CLOSED} ${waiter.missing} ${waiter.on} request(s) were still awaited.`));
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
    return maxInAnyWindow(
      this.log.filter((entry) => matches(entry, filter)).map((entry) => entry.at),
      windowMs,
    );
  }

  rateLimitRefusals(filter: RequestLogFilter = {}): number {
    return this.log.filter((entry) => entry.rateLimited && matches(entry, filter)).length;
  }

  waitForSettled(count: number): Promise<void> {
    checkCount(count);
    return this.waitFor('settled', count, {}, (entry) => entry.settled);
  }

  waitForRequests(count: number, filter: RequestLogFilter = {}): Promise<void> {
    checkCount(count);
    return this.waitFor('received', count, filter, (entry) => this.received.has(entry));
  }

  clear(): void {
    this.log = [];
    this.current = new WeakSet();
    this.received = new WeakSet();
  }

  private waitFor(on: Waiter['on'], count: number, filter: RequestLogFilter, done: (entry: MutableEntry) => boolean): Promise<void> {
    const missing = count - this.log.filter((entry) => done(entry) && matches(entry, filter)).length;
    if (missing <= 0) return Promise.resolve();
    if (this.disposed) return Promise.reject(new Error(`${CLOSED} It will never see ${missing} more ${on} request(s).`));
    return new Promise((resolve, reject) => this.waiters.push({ on, filter, missing, resolve, reject }));
  }

  private countDown(on: Waiter['on'], entry: MutableEntry): void {
    if (this.waiters.length === 0) return;
    const due: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.on === on && matches(entry, waiter.filter) && --waiter.missing <= 0) due.push(waiter);
    }
    if (due.length === 0) return;
    this.waiters = this.waiters.filter((waiter) => !due.includes(waiter));
    for (const waiter of due) waiter.resolve();
  }
}

function checkCount(count: number): void {
  if (!(Number.isInteger(count) && count >= 0)) throw new TypeError(`Expected \`count\` to be a non-negative integer, got ${String(count)}.`);
}

function matches(entry: RequestLogEntry, filter: RequestLogFilter): boolean {
  return (
    (filter.provider === undefined || entry.provider === filter.provider) &&
    (filter.route === undefined || entry.route === filter.route) &&
    (filter.taskId === undefined || entry.taskId === filter.taskId)
  );
}
