// The libraries users would pick instead of rx-task-status, each used the way
// its own docs show, over the same endpoint (see statusCheck.ts). Every anchor
// follows one task and resolves with how it ended.
//
// `timeScale` divides every duration an anchor is given (its interval, delays,
// wait limits): the economy bench runs the server and rx-task-status on a clock
// `timeScale` times faster than the wall clock, and the anchors, which only know
// setTimeout, get their settings shrunk by the same factor. With 1, settings are
// used as written.
import { createHttpPoller, type OperationState } from '@azure/core-lro';
// createWaiter lives in @smithy/core (its `client` entry); @smithy/util-waiter only re-exports it from there.
import { createWaiter, WaiterState } from '@smithy/core/client';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import polling from 'rx-polling';
import { defer, first, map } from 'rxjs';
import { checkStatus, checkStatusOverHttp, type CheckOutcome, type Endpoint } from './statusCheck.js';

export type AnchorOutcome = 'completed' | 'failed' | 'aborted' | 'timed out';

export interface AnchorTask {
  readonly endpoint: Endpoint;
  readonly id: string;
  readonly signal: AbortSignal;
  /** Wait this long (wall ms) before the first poll; a user staggering starts. Default 0. */
  readonly startDelayMs?: number;
  /** Called with every answer (the memory bench waits for the first). */
  readonly onAnswer?: (outcome: CheckOutcome) => void;
}

export type Anchor = (task: AnchorTask) => Promise<AnchorOutcome>;

/**
 * The loop everyone writes first, and what Stream's Go and Python helpers do:
 * poll, and if the task is not finished, sleep `intervalMs` and poll again.
 * A refusal (429) is just another "not yet".
 */
export function fixedLoop({ intervalMs, timeScale = 1 }: { intervalMs: number; timeScale?: number }): Anchor {
  return async ({ endpoint, id, signal, startDelayMs = 0, onAnswer }) => {
    try {
      if (startDelayMs > 0) await sleep(startDelayMs, undefined, { signal });
      for (;;) {
        const outcome = await checkStatus(endpoint, id, signal);
        onAnswer?.(outcome);
        if (outcome.kind === 'completed' || outcome.kind === 'failed') return outcome.kind;
        await sleep(intervalMs / timeScale, undefined, { signal });
      }
    } catch (error) {
      if (signal.aborted) return 'aborted';
      throw error;
    }
  };
}

/**
 * Not a library: the least any poller must do, the baseline of the overhead
 * row (`over: 'node:http'`: the same on `node:http` itself, without fetch,
 * the floor). Poll (fetch, json, read `status`), and if the task is not finished,
 * `setTimeout` for `intervalMs` and poll again. No abort listener, no
 * cancellable sleep: the loop looks at the signal only between polls, so
 * that nothing but the polling itself is counted.
 */
export function rawLoop({ intervalMs, timeScale = 1, over = 'cross-fetch' }: { intervalMs: number; timeScale?: number; over?: 'cross-fetch' | 'node:http' }): Anchor {
  const check = over === 'node:http' ? checkStatusOverHttp : checkStatus;
  return async ({ endpoint, id, signal, startDelayMs = 0, onAnswer }) => {
    if (startDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, startDelayMs));
    while (!signal.aborted) {
      const outcome = await check(endpoint, id);
      onAnswer?.(outcome);
      if (outcome.kind === 'completed' || outcome.kind === 'failed') return outcome.kind;
      await new Promise((resolve) => setTimeout(resolve, intervalMs / timeScale));
    }
    return 'aborted';
  };
}

/**
 * `@azure/core-lro` 2: `createHttpPoller` over a `LongRunningOperation` whose
 * poll request is the provider's status request, its answer translated into
 * the Azure shape core-lro reads (`{ status: 'Running' | 'Succeeded' | 'Failed' }`,
 * the `Retry-After` header passed through, which core-lro honours). The task
 * already exists, so the "initial request" is the 202 that would have created
 * it, pointing `Operation-Location` at the status URL. `intervalInMs` default: 2000.
 */
export function coreLro({ intervalInMs, timeScale = 1 }: { intervalInMs?: number; timeScale?: number } = {}): Anchor {
  return async ({ endpoint, id, signal, startDelayMs = 0, onAnswer }) => {
    try {
      if (startDelayMs > 0) await sleep(startDelayMs, undefined, { signal });
      const poller = await createHttpPoller<unknown, OperationState<unknown>>(
        {
          sendInitialRequest: async () => ({
            flatResponse: {},
            rawResponse: { statusCode: 202, headers: { 'operation-location': `${endpoint.url}/tasks/${id}` }, body: {} },
          }),
          sendPollRequest: async () => {
            const outcome = await checkStatus(endpoint, id, signal);
            onAnswer?.(outcome);
            const status = outcome.kind === 'completed' ? 'Succeeded' : outcome.kind === 'failed' ? 'Failed' : 'Running';
            const headers: Record<string, string> =
              outcome.kind === 'throttled' && outcome.retryAfterSeconds !== undefined ? { 'retry-after': String(outcome.retryAfterSeconds) } : {};
            const body = { status };
            return { flatResponse: body, rawResponse: { statusCode: 200, headers, body } };
          },
        },
        { resolveOnUnsuccessful: true, ...(intervalInMs === undefined ? { intervalInMs: 2000 / timeScale } : { intervalInMs: intervalInMs / timeScale }) },
      );
      await poller.pollUntilDone({ abortSignal: signal });
      return poller.getOperationState().status === 'succeeded' ? 'completed' : 'failed';
    } catch (error) {
      if (signal.aborted) return 'aborted';
      throw error;
    }
  };
}

/**
 * smithy's `createWaiter` (what every AWS SDK v3 `waitUntil…` is built on;
 * imported from `@smithy/core/client`, which `@smithy/util-waiter` only
 * re-exports): exponential
 * backoff with full jitter between `minDelay` and `maxDelay` seconds (its
 * defaults: 2 and 120), giving up after `maxWaitTime` seconds. A refusal is a
 * RETRY, as the SDK's own retry layer would make it.
 *
 * Its sleeps cannot be cancelled: after an abort, the waiter's promise
 * settles at once but its pending timer runs out (and then sends nothing,
 * since the check below sees the abort).
 */
export function smithyWaiter({ minDelay = 2, maxDelay = 120, maxWaitTime = 3600, timeScale = 1 }: { minDelay?: number; maxDelay?: number; maxWaitTime?: number; timeScale?: number } = {}): Anchor {
  return async ({ endpoint, id, signal, startDelayMs = 0, onAnswer }) => {
    try {
      if (startDelayMs > 0) await sleep(startDelayMs, undefined, { signal });
      const result = await createWaiter(
        { client: {}, minDelay: minDelay / timeScale, maxDelay: maxDelay / timeScale, maxWaitTime: maxWaitTime / timeScale, abortSignal: signal },
        id,
        async () => {
          if (signal.aborted) return { state: WaiterState.ABORTED };
          const outcome = await checkStatus(endpoint, id, signal);
          onAnswer?.(outcome);
          if (outcome.kind === 'completed') return { state: WaiterState.SUCCESS };
          if (outcome.kind === 'failed') return { state: WaiterState.FAILURE };
          return { state: WaiterState.RETRY };
        },
      );
      switch (result.state) {
        case WaiterState.SUCCESS:
          return 'completed';
        case WaiterState.FAILURE:
          return 'failed';
        case WaiterState.TIMEOUT:
          return 'timed out';
        default:
          return 'aborted';
      }
    } catch (error) {
      if (signal.aborted) return 'aborted';
      throw error;
    }
  };
}

/**
 * `rx-polling` 1 (the RxJS polling library on npm; there is no `rxjs-poll`
 * there): `polling(request$, { interval })` resubscribes `request$` `interval`
 * ms after each answer, never completes (the user stops at the end: here
 * `first(terminal)`), and on an error retries with its backoff (default:
 * exponential from 1 s, 9 attempts, then it errors). `request$` errors on a
 * refusal, as rxjs's `ajax` and Angular's `HttpClient` (its README's examples)
 * do on a 429. It has no default interval: the caller must give one.
 *
 * It listens to `document`'s `visibilitychange` (it pauses in hidden tabs) and
 * cannot start without a `document`: in Node it is given a page that is always
 * visible (what it sees in a foreground tab), once, when the anchor is made.
 */
export function rxPolling({ interval, timeScale = 1 }: { interval: number; timeScale?: number }): Anchor {
  provideVisibleDocument();
  return async ({ endpoint, id, signal, startDelayMs = 0, onAnswer }) => {
    try {
      if (startDelayMs > 0) await sleep(startDelayMs, undefined, { signal });
    } catch (error) {
      if (signal.aborted) return 'aborted';
      throw error;
    }
    const request$ = defer(() => checkStatus(endpoint, id, signal)).pipe(
      map((outcome) => {
        onAnswer?.(outcome);
        if (outcome.kind === 'throttled') throw new Error(`Task ${id}: rate limited.`);
        return outcome.kind;
      }),
    );
    return new Promise<AnchorOutcome>((resolve, reject) => {
      if (signal.aborted) return resolve('aborted');
      const onAbort = () => {
        subscription.unsubscribe();
        resolve('aborted');
      };
      const settle = (outcome: AnchorOutcome) => {
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const subscription = polling(request$, { interval: interval / timeScale, exponentialUnit: 1000 / timeScale })
        .pipe(first((kind) => kind === 'completed' || kind === 'failed'))
        .subscribe({
          next: (kind) => settle(kind as AnchorOutcome),
          error: (error: unknown) => {
            signal.removeEventListener('abort', onAbort);
            if (signal.aborted) resolve('aborted');
            else reject(error);
          },
        });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  };
}

function provideVisibleDocument(): void {
  const scope = globalThis as { document?: unknown };
  if (scope.document !== undefined) return;
  const page = Object.assign(new EventTarget(), { hidden: false, visibilityState: 'visible' });
  // One listener per task polled: as many as tasks is intended.
  setMaxListeners(0, page);
  scope.document = page;
}
