import { Readable } from 'node:stream';
import type { Observable, Subscription } from 'rxjs';
import type { TaskState } from '../core/taskState.js';
import { expectObservable, expectOptions } from '../core/validate.js';
import { expectInteger } from '../core/validate.js';
import { StateQueue } from './stateQueue.js';

/** Options of {@link toReadable}. */
export interface ToReadableOptions {
  /**
   * How many states the Readable holds for its consumer before it asks for a
   * pause. Past it, states wait in the adapter (none is ever dropped) until the
   * consumer reads again.
   *
   * @default 16 (Node's default for object mode)
   */
  readonly highWaterMark?: number | undefined;
}

/**
 * Turns a task stream into a Node object-mode `Readable` of its states, for
 * `pipeline`s and anything else that speaks Node streams.
 *
 * - **Lazy**: subscribes on the first read (the first `_read`), not before.
 * - **Backpressure**: states go into the Readable while it wants them; once
 *   `push` says it is full (`highWaterMark` states unread), later states wait
 *   in the adapter, in order, and move in as the consumer reads. An Observable
 *   cannot be paused, so that wait is unbounded; a `watch` stream emits only
 *   on change, so it stays small. No state is ever dropped.
 * - **Completion** ends the Readable (`'end'`) after every state is read.
 * - **An error** destroys the Readable with that very error (`'error'`, then
 *   `'close'`), once every state that came before it has been read: Node
 *   discards unread data on destroy, so the adapter waits for it to be taken.
 * - **Destroying** the Readable (`destroy()`, or a `pipeline` that fails)
 *   unsubscribes at once, so a `watch` stream stops polling and aborts its
 *   request in flight.
 *
 * ```
 * task$:          --p--r--c|
 * toReadable:     'data' p, r, c, then 'end'   (subscribed at the first read)
 * task$:          --p--r--#
 * toReadable:     'data' p, r, then 'error' #, 'close'
 * destroy() at 4: unsubscribed at 4, 'close'
 * ```
 *
 * ## Example
 *
 * Write every state of an export to a file, one JSON line each:
 *
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * import { pipeline } from 'node:stream/promises';
 * import { streamTasks, toNdjson, toReadable } from 'rx-task-status';
 *
 * const stream = streamTasks({ apiKey: 'key', apiSecret: process.env.STREAM_API_SECRET ?? '' });
 *
 * await pipeline(toReadable(stream.watch('task-42')), toNdjson(), createWriteStream('task-42.ndjson'));
 * ```
 *
 * @param task$ The states of one task: a `watch` stream, or any `Observable<TaskState>`.
 * @param options `highWaterMark`: see {@link ToReadableOptions}.
 * @return An object-mode `Readable` of the stream's states.
 * @throws {TypeError} At once, when `task$` is not an Observable or
 * `highWaterMark` is not a non-negative integer.
 * @see {@link toNdjson} to turn the states into newline-delimited JSON.
 * @see {@link toAsyncIterable} for a `for await` loop without Node streams.
 */
export function toReadable<T extends TaskState>(task$: Observable<T>, options: ToReadableOptions = {}): Readable {
  expectObservable<TaskState>('task$', task$);
  expectOptions('options', options);
  const highWaterMark = options.highWaterMark === undefined ? undefined : expectInteger('highWaterMark', options.highWaterMark, 0);
  return new TaskStateReadable(task$, highWaterMark);
}

class TaskStateReadable<T> extends Readable {
  /** States the Readable had no room for yet. */
  private readonly waiting = new StateQueue<T>();
  private subscription: Subscription | undefined;
  private started = false;
  /** The last `push` had room: the next state may go straight in. */
  private wantsMore = false;
  private completed = false;
  /** The stream's error, held until every state before it has been read. */
  private failure: { readonly error: unknown } | undefined;

  constructor(
    private readonly task$: Observable<T>,
    highWaterMark: number | undefined,
  ) {
    super({ objectMode: true, ...(highWaterMark === undefined ? {} : { highWaterMark }) });
  }

  override _read(): void {
    this.wantsMore = true;
    if (!this.started) this.start();
    while (this.wantsMore && this.waiting.length > 0) this.wantsMore = this.push(this.waiting.shift());
    if (this.waiting.length === 0 && this.completed) this.push(null);
  }

  // Every way of consuming a Readable (flowing, paused, async iteration) takes
  // data through `read`, so this is where the last unread state is seen to go.
  override read(size?: number): unknown {
    const state: unknown = super.read(size);
    this.failIfDrained();
    return state;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.started = true;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.waiting.clear();
    this.failure = undefined;
    callback(error);
  }

  private start(): void {
    this.started = true;
    const subscription = this.task$.subscribe({
      next: (state) => {
        if (this.wantsMore && this.waiting.length === 0) this.wantsMore = this.push(state);
        else this.waiting.push(state);
      },
      error: (error: unknown) => {
        this.failure = { error };
        this.failIfDrained();
      },
      complete: () => {
        this.completed = true;
        if (this.waiting.length === 0) this.push(null);
      },
    });
    // Destroyed while subscribing (by a consumer acting on a synchronous state): `_destroy` could not see it.
    if (this.destroyed) subscription.unsubscribe();
    else this.subscription = subscription;
  }

  private failIfDrained(): void {
    const failure = this.failure;
    if (failure === undefined || this.waiting.length > 0 || this.readableLength > 0 || this.destroyed) return;
    this.failure = undefined;
    this.destroy(failure.error as Error);
  }
}
