import { asyncScheduler, takeWhile, type Observable, type Subscription } from 'rxjs';

/** How a wait ends: with a value the promise resolves with, or an error it rejects with. */
export type WaitOutcome<R> = { readonly value: R } | { readonly error: unknown };

/** What a wait makes of the stream; {@link waitForStream} does the rest. */
export interface StreamWait<T, R> {
  /** Aborting it rejects with its reason; aborted already, the stream is never subscribed. */
  readonly signal: AbortSignal | undefined;
  /** A bound on the wait: after `ms`, `expire()` ends it. */
  readonly timeout?: { readonly ms: number; expire(): WaitOutcome<R> } | undefined;
  /** Reads each value: an outcome ends the wait on this very value, `undefined` waits on. */
  next(value: T): WaitOutcome<R> | undefined;
  /** The stream completed while the wait was still open, `ms` after it began. */
  complete(ms: number): WaitOutcome<R>;
}

/**
 * The one way an adapter turns a stream into a Promise (`waitForTask`,
 * `waitForBatch`): it subscribes at once and settles once, on the first of an
 * outcome of `next`, the stream's error (as it is), its completion, `timeout`,
 * or `signal` aborting. Whichever comes first, the subscription, the timer and
 * the abort listener all end then and there. The returned promise is the only
 * one made, so nothing can become an unhandled rejection behind the caller's back.
 *
 * Time is read and the timer set on `asyncScheduler`, so `TestScheduler.run()`
 * covers them with virtual time.
 */
export function waitForStream<T, R>(source$: Observable<T>, wait: StreamWait<T, R>): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const { signal, timeout } = wait;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const startedAt = asyncScheduler.now();
    let settled = false;
    let subscription: Subscription | undefined;
    let timer: Subscription | undefined;
    const settle = (outcome: WaitOutcome<R>): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      timer?.unsubscribe();
      subscription?.unsubscribe();
      if ('value' in outcome) resolve(outcome.value);
      else reject(outcome.error);
    };
    const onAbort = () => settle({ error: signal?.reason });

    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeout !== undefined) timer = asyncScheduler.schedule(() => settle(timeout.expire()), timeout.ms);
    try {
      let ending: WaitOutcome<R> | undefined;
      // `takeWhile(…, true)` ends the subscription inside the last value's own `next`:
      // a source that emits synchronously is stopped there, not once `subscribe` returns.
      subscription = source$
        .pipe(
          takeWhile((value) => {
            ending = wait.next(value);
            return ending === undefined;
          }, true),
        )
        .subscribe({
          next: () => {
            if (ending !== undefined) settle(ending);
          },
          error: (error: unknown) => settle({ error }),
          complete: () => {
            if (!settled) settle(wait.complete(asyncScheduler.now() - startedAt));
          },
        });
    } catch (error) {
      // Only a foreign Observable gets here (RxJS sends a throwing subscribe to `error`).
      settle({ error });
    }
    // Settled while subscribing (a synchronous source, an abort by a side effect), before `subscription` was known.
    if (settled) subscription?.unsubscribe();
  });
}
