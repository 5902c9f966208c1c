import { Observable, timer, map, type SchedulerLike } from 'rxjs';
import type { HttpRequest, HttpResponse, Transport } from '../../src/provider.js';
import { readRateLimitHints } from '../../src/provider.js';

/** One scripted answer: a response, or a network failure; after `latency` ms of virtual time. */
export type Scripted =
  | { readonly status?: number; readonly body: unknown; readonly headers?: Record<string, string>; readonly latency?: number }
  | { readonly fail: Error; readonly latency?: number }
  | { readonly hang: true };

export interface ScriptedTransport {
  readonly transport: Transport;
  /** Virtual times at which requests started. */
  readonly startedAt: number[];
  /** Virtual times at which requests were aborted (unsubscribed before answering). */
  readonly abortedAt: number[];
  readonly requests: HttpRequest[];
}

/**
 * A transport for tests in virtual time: answers requests from a script, in
 * order (the last entry repeats), or from a function of the request count and
 * the request. Not a mock of fetch: the core's own seam.
 */
export function scriptedTransport(
  scheduler: SchedulerLike,
  script: readonly Scripted[] | ((n: number, request: HttpRequest) => Scripted),
): ScriptedTransport {
  const startedAt: number[] = [];
  const abortedAt: number[] = [];
  const requests: HttpRequest[] = [];
  const next = (n: number, request: HttpRequest): Scripted =>
    typeof script === 'function' ? script(n, request) : (script[Math.min(n, script.length - 1)] as Scripted);
  const transport: Transport = (request) =>
    new Observable<HttpResponse>((subscriber) => {
      const n = requests.length;
      requests.push(request);
      startedAt.push(scheduler.now());
      const step = next(n, request);
      let done = false;
      if ('hang' in step) return () => void (done || abortedAt.push(scheduler.now()));
      const sub = timer(step.latency ?? 0, scheduler)
        .pipe(map(() => step))
        .subscribe((answer) => {
          done = true;
          if ('fail' in answer) {
            subscriber.error(answer.fail);
            return;
          }
          const headers = new Headers(answer.headers ?? {});
          subscriber.next({
            status: answer.status ?? 200,
            headers,
            body: typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body),
            hints: readRateLimitHints(headers, scheduler.now()),
          });
          subscriber.complete();
        });
      return () => {
        if (!done) abortedAt.push(scheduler.now());
        sub.unsubscribe();
      };
    });
  return { transport, startedAt, abortedAt, requests };
}
