import { asyncScheduler, Observable, type Subscription } from 'rxjs';

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
    let stop: (() => void) | undefined;
    let timer: Subscription | undefined;
    const settle = (outcome: WaitOutcome<R>): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      timer?.unsubscribe();
      stop?.();
      if ('value' in outcome) resolve(outcome.value);
      else reject(outcome.error);
    };
    const onAbort = () => settle({ error: signal?.reason });

    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeout !== undefined) timer = asyncScheduler.schedule(() => settle(timeout.expire()), timeout.ms);
    try {
      // The source is handed our own subscriber, so that the last value's `next` ends it there and then:
      // a source that emits synchronously is stopped inside that value, not once `subscribe` returns.
      new Observable<T>((subscriber) => {
        stop = () => subscriber.unsubscribe();
        return source$.subscribe(subscriber);
      }).subscribe({
        next: (value) => {
          let ending: WaitOutcome<R> | undefined;
          try {
            ending = wait.next(value);
          } catch (error) {
            ending = { error };
          }
          if (ending !== undefined) settle(ending);
        },
        error: (error: unknown) => settle({ error }),
        complete: () => {
          if (!settled) settle(wait.complete(asyncScheduler.now() - startedAt));
        },
      });
    } catch (error) {
      // Only under RxJS's deprecated synchronous error handling does a throwing subscribe get here.
      settle({ error });
    }
  });
}
