import type { Observable, Subscription } from 'rxjs';
import type { TaskState } from '../core/taskState.js';
import { expectObservable } from '../core/validate.js';
import { StateQueue } from './stateQueue.js';

/**
 * Turns a task stream into an async iterable, for a `for await` loop over its
 * states.
 *
 * - **Lazy**: nothing is subscribed before the loop asks for its first state
 *   (the first `next()`). Each loop over the iterable subscribes anew.
 * - **Nothing lost**: states that come while the loop body is busy are queued
 *   in order and handed out one per turn. The queue is unbounded: an Observable
 *   cannot be paused, and the only other choices, dropping states or failing a
 *   slow consumer, are worse. A `watch` stream emits only when the state
 *   changes, so the backlog stays small; a source that floods (a busy webhook
 *   Subject) holds memory until the loop catches up.
 * - **Errors** are thrown from the loop, after every state that came before
 *   them has been delivered.
 * - **Completion** ends the loop, once the queue is drained.
 * - **Leaving the loop** (`break`, `return`, or a throw in its body) unsubscribes
 *   at once, so a `watch` stream stops polling and aborts its request in
 *   flight, and drops whatever was queued.
 *
 * ```
 * task$:                --p--r--c|
 * for await (…):        p, r, c, then the loop ends (subscribed at the first next())
 * task$:                --p--r--#
 * for await (…):        p, r, then # is thrown
 * break after r:        unsubscribed at once
 * ```
 *
 * ## Example
 *
 * Log every state of an export, and stop watching once it is half done:
 *
 * ```ts
 * import { streamTasks, toAsyncIterable, untilTerminal } from 'rx-task-status';
 *
 * const stream = streamTasks({ apiKey: 'key', apiSecret: process.env.STREAM_API_SECRET ?? '' });
 *
 * for await (const state of toAsyncIterable(stream.watch('task-42').pipe(untilTerminal()))) {
 *   console.log(state.status, state.progress);
 *   if ((state.progress ?? 0) >= 0.5) break; // unsubscribes: the polling stops
 * }
 * ```
 *
 * @param task$ The states of one task: a `watch` stream, or any `Observable<TaskState>`.
 * @return An async iterable of the stream's states, each of its iterators
 * subscribing on its first `next()`.
 * @throws {TypeError} At once, when `task$` is not an Observable.
 * @see {@link waitForTask} when only the completed state matters.
 * @see {@link toReadable} for Node streams, with backpressure.
 */
export function toAsyncIterable<T extends TaskState>(task$: Observable<T>): AsyncIterable<T> {
  expectObservable<TaskState>('task$', task$);
  return { [Symbol.asyncIterator]: () => new TaskStateIterator(task$) };
}

interface Waiter<T> {
  resolve(result: IteratorResult<T, undefined>): void;
  reject(error: unknown): void;
}

const DONE: IteratorResult<never, undefined> = /*#__PURE__*/ Object.freeze({ done: true, value: undefined });

/** One pass over a task stream: subscribes on its first `next()`, unsubscribes on `return()`. */
class TaskStateIterator<T> implements AsyncIterableIterator<T, undefined> {
  /** States that came before anyone asked for them. */
  private readonly queued = new StateQueue<T>();
  /** `next()` calls made before a state came (a caller may call again without awaiting). */
  private readonly waiters = new StateQueue<Waiter<T>>();
  private subscription: Subscription | undefined;
  private started = false;
  /** Nothing more will come: the stream ended, or the consumer left. */
  private ended = false;
  /** The stream's error, held until the queued states before it are taken. */
  private failure: { readonly error: unknown } | undefined;

  constructor(private readonly task$: Observable<T>) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (!this.started) this.start();
    if (this.queued.length > 0) return Promise.resolve({ done: false, value: this.queued.shift() as T });
    const failure = this.failure;
    if (failure !== undefined) {
      this.failure = undefined;
      return Promise.reject(failure.error);
    }
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Leaves early (`break`, `return`, a throw in the loop body): unsubscribes, drops the queue, ends every pending `next()`. */
  return(): Promise<IteratorResult<T, undefined>> {
    this.close();
    return Promise.resolve(DONE);
  }

  /**
   * As an async generator that does not catch: the iterator closes as with
   * `return()`, and the promise rejects with `error`. A `for await` loop never
   * calls it; `yield*` passes an outer generator's `throw` on to it.
   */
  throw(error?: unknown): Promise<IteratorResult<T, undefined>> {
    this.close();
    return Promise.reject(error);
  }

  private close(): void {
    this.started = true;
    this.ended = true;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.queued.clear();
    this.failure = undefined;
    this.releaseWaiters();
  }

  private start(): void {
    this.started = true;
    this.subscription = this.task$.subscribe({
      next: (state) => {
        const waiter = this.waiters.shift();
        if (waiter === undefined) this.queued.push(state);
        else waiter.resolve({ done: false, value: state });
      },
      error: (error: unknown) => {
        this.ended = true;
        const waiter = this.waiters.shift();
        // A waiter exists only when the queue is empty: nothing comes before the error.
        if (waiter === undefined) this.failure = { error };
        else waiter.reject(error);
        this.releaseWaiters();
      },
      complete: () => {
        this.ended = true;
        this.releaseWaiters();
      },
    });
  }

  /** Every pending `next()` gets `done`: nothing more will come. */
  private releaseWaiters(): void {
    for (let waiter = this.waiters.shift(); waiter !== undefined; waiter = this.waiters.shift()) waiter.resolve(DONE);
  }
}
