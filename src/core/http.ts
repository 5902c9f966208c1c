import { Observable, type SchedulerLike } from 'rxjs';
import { isErrorLike } from './errorLike.js';
import { TransportError } from './errors/index.js';
import { redactGeneric } from './redact.js';
import { readRateLimitHints, type HeaderReader, type RateLimitHints } from './rateLimitHints.js';
import { BodyTooLargeError, readBodyCapped, type ResponseLike } from './readBody.js';
import { TimeoutQueue } from './timeoutQueue.js';

/** The HTTP methods a provider may use. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

/** A request, fully addressed. */
export interface HttpRequest {
  /** The HTTP method. */
  readonly method: HttpMethod;
  /** The absolute URL, query included (which may hold a key: never log it as is). */
  readonly url: string;
  /** Request headers (credentials among them: never log them as is). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The request body, already serialised. */
  readonly body?: string;
}

/** A response with its body read (up to the size cap) and its rate-limit headers parsed. */
export interface HttpResponse {
  /** The HTTP status; any status, errors included (what it means is the provider's to say). */
  readonly status: number;
  /** The response headers, read case-insensitively. */
  readonly headers: HeaderReader;
  /** The whole body as UTF-8 text (a body over `maxBodyBytes` fails the request instead). */
  readonly body: string;
  /** What the rate-limit and `Retry-After` headers said, already parsed. */
  readonly hints: RateLimitHints;
}

/** The `fetch` signature this library needs; the global fetch, cross-fetch and node-fetch all fit. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal },
) => Promise<
  ResponseLike & {
    /** The HTTP status. */
    readonly status: number;
  }
>;

/** Performs one request; unsubscribing aborts it. The seam where tests in virtual time plug in. */
export type Transport = (request: HttpRequest) => Observable<HttpResponse>;

export interface HttpTransportOptions {
  readonly fetch: FetchLike;
  /** Abort and fail with a `TransportError` (`reason: 'timeout'`) after this many ms. */
  readonly timeoutMs: number;
  /** Bodies longer than this are cut off with a `TransportError` (`reason: 'body-too-large'`). */
  readonly maxBodyBytes: number;
  readonly scheduler: SchedulerLike;
}

/**
 * The transport every source uses by default: `fetch` with a per-request
 * timeout and a body size cap. It never decides what a status means (Mobizon
 * answers errors with 200): that is the provider's job. It fails only when no
 * complete response came back, with a `TransportError` that names the request
 * by method, origin and path, never by its query string.
 */
export function httpTransport(options: HttpTransportOptions): Transport {
  const timeouts = new TimeoutQueue(options.scheduler, options.timeoutMs);
  return (request) =>
    new Observable<HttpResponse>((subscriber) => {
      const controller = new AbortController();
      /** Once a response is complete there is nothing left to abort (and an abort costs a DOMException). */
      let answered = false;
      const fail = (reason: 'network' | 'timeout' | 'body-too-large', cause: unknown) =>
        subscriber.error(transportFailure(request, reason, cause, options));
      // Failing (its teardown aborts) rather than only aborting: a `fetch` that ignores its signal must not keep the stream waiting.
      const timer = timeouts.add(() => fail('timeout', undefined));

      // Called unbound: a browser's own fetch throws "Illegal invocation" when called as a method of another object.
      const { fetch } = options;
      (async () => {
        const response = await fetch(request.url, {
          method: request.method,
          headers: { ...request.headers },
          ...(request.body === undefined ? {} : { body: request.body }),
          signal: controller.signal,
        });
        const body = await readBodyCapped(response, options.maxBodyBytes);
        return { status: response.status, headers: response.headers, body, hints: readRateLimitHints(response.headers, options.scheduler.now()) };
      })().then(
        (response) => {
          if (subscriber.closed) return;
          answered = true;
          timer.cancel();
          subscriber.next(response);
          subscriber.complete();
        },
        (error: unknown) => {
          if (subscriber.closed) return;
          timer.cancel();
          fail(error instanceof BodyTooLargeError ? 'body-too-large' : 'network', error);
        },
      );

      return () => {
        timer.cancel();
        if (!answered) controller.abort();
      };
    });
}

/** `GET https://host/path`: how a request is named in messages. The query, where keys live, is left out. */
export function describeRequest(request: Pick<HttpRequest, 'method' | 'url'>): string {
  try {
    const url = new URL(request.url);
    return `${request.method} ${url.origin}${url.pathname}`;
  } catch {
    return request.method;
  }
}

function transportFailure(
  request: HttpRequest,
  reason: 'network' | 'timeout' | 'body-too-large',
  cause: unknown,
  options: HttpTransportOptions,
): TransportError {
  const what = describeRequest(request);
  const message =
    reason === 'timeout'
      ? `${what} timed out after ${options.timeoutMs} ms`
      : reason === 'body-too-large'
        ? `${what} answered with a body over ${options.maxBodyBytes} bytes; it was cut off`
        : `${what} failed: ${causeMessage(cause, request)}`;
  return new TransportError(message, { reason, cause });
}

/** The cause's message, with the request URL (and so its query) replaced by its safe description. */
function causeMessage(cause: unknown, request: HttpRequest): string {
  if (!isErrorLike(cause)) return String(cause);
  const code = typeof cause.code === 'string' ? cause.code : isErrorLike(cause.cause) ? cause.cause.code : undefined;
  const message = cause.message.split(request.url).join(describeRequest(request).replace(/^\S+ /, ''));
  return redactGeneric(typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message);
}
