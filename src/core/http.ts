import { Observable, type SchedulerLike } from 'rxjs';
import { isErrorLike } from './errors/errorLike.js';
import { TransportError } from './errors/index.js';
import { redactGeneric } from './redact.js';
import { readRateLimitHints, type HeaderReader, type RateLimitHints } from './rateLimitHints.js';
import { BodyTooLargeError, cancelBody, readBodyCapped, type ResponseLike } from './readBody.js';

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

/** The `fetch` signature this library needs; the global fetch, cross-fetch, node-fetch and undici all fit. */
export type FetchLike = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string;
    signal: AbortSignal;
    /** Always `'manual'`: the source decides which redirects to follow (its own origin, and the provider's own hosts over https). */
    redirect: 'manual';
  },
) => Promise<
  ResponseLike & {
    /** The HTTP status. */
    readonly status: number;
    /** `'opaqueredirect'` for a redirect a browser hides from the page (status 0). */
    readonly type?: string | undefined;
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
  /**
   * Whether `fetch` lets go of a request's `signal` once the response's body
   * has been read, as node-fetch does (it removes its abort listener at the
   * body's end): a controller whose request was answered without an abort or
   * a redirect can then carry the next request. Node makes each new
   * AbortSignal slowly (about 4 µs, a fifth of a poll's CPU at full speed).
   * Default false, a new AbortController per request: the WHATWG fetch keeps
   * its abort steps on a signal until the request is collected.
   */
  readonly reusesSignals?: boolean | undefined;
  /**
   * Hosts (`host` or `host:port`) a redirect may lead to over https, beside
   * the request's own origin: the provider's own API hosts. A redirect
   * anywhere else is not followed (the credentials would go with it) and
   * fails the request for good. Default: none.
   */
  readonly trustedHosts?: readonly string[] | undefined;
}

/** More redirects than this in a row fail the request: a loop, or a chain that leads nowhere good. */
const MAX_REDIRECTS = 5;

/**
 * The transport every source uses by default: `fetch` with a per-request
 * timeout and a body size cap. It never decides what a status means (Mobizon
 * answers errors with 200): that is the provider's job. It fails only when no
 * complete response came back, with a `TransportError` that names the request
 * by method, origin and path, never by its query string.
 */
export function httpTransport(options: HttpTransportOptions): Transport {
  /** Controllers of answered requests, never aborted: see `reusesSignals`. As many as were once in flight together, at most. */
  const spare: AbortController[] | undefined = options.reusesSignals === true ? [] : undefined;
  return (request) =>
    new Observable<HttpResponse>((subscriber) => {
      const controller = spare?.pop() ?? new AbortController();
      /** Once a response is complete there is nothing left to abort (and an abort costs a DOMException). */
      let answered = false;
      const fail = (reason: 'network' | 'timeout' | 'body-too-large', cause: unknown) =>
        subscriber.error(transportFailure(request, reason, cause, options));
      // Failing (its teardown aborts) rather than only aborting: a `fetch` that ignores its signal must not keep the stream waiting.
      const timer = options.scheduler.schedule(() => fail('timeout', undefined), options.timeoutMs);

      /** Whether the controller may carry another request once this one is answered: not after a redirect, whose body was dropped unread. */
      let reusable = spare !== undefined;
      (async () => {
        const { response, redirected } = await fetchFollowing(request, controller.signal, options);
        if (redirected) reusable = false;
        const body = await readBodyCapped(response, options.maxBodyBytes);
        return { status: response.status, headers: response.headers, body, hints: readRateLimitHints(response.headers, options.scheduler.now()) };
      })().then(
        (response) => {
          if (subscriber.closed) return;
          answered = true;
          timer.unsubscribe();
          // The body is read, so the fetch has let go of the signal, and no teardown will abort it now.
          if (reusable) spare?.push(controller);
          subscriber.next(response);
          subscriber.complete();
        },
        (error: unknown) => {
          if (subscriber.closed) return;
          timer.unsubscribe();
          if (error instanceof TransportError) subscriber.error(error);
          else fail(error instanceof BodyTooLargeError ? 'body-too-large' : 'network', error);
        },
      );

      return () => {
        timer.unsubscribe();
        if (!answered) controller.abort();
      };
    });
}

type FetchedResponse = Awaited<ReturnType<FetchLike>>;

/**
 * Fetches without letting fetch follow redirects: a redirect is followed here,
 * and only to the request's own origin or, over https, to a trusted host (the
 * provider's own), so that no answer can send the credentials elsewhere.
 * A POST is followed only by 307 and 308, which keep its method and body.
 */
async function fetchFollowing(first: HttpRequest, signal: AbortSignal, options: HttpTransportOptions): Promise<{ response: FetchedResponse; redirected: boolean }> {
  // Called unbound: a browser's own fetch throws "Illegal invocation" when called as a method of another object.
  const { fetch } = options;
  let request = first;
  for (let hops = 0; ; hops++) {
    const init: Parameters<FetchLike>[1] = { method: request.method, headers: { ...request.headers }, signal, redirect: 'manual' };
    if (request.body !== undefined) init.body = request.body;
    const response = await fetch(request.url, init);
    if (response.type === 'opaqueredirect') {
      throw redirectRefused(first, 'to a place the browser does not show (an opaque redirect)', response);
    }
    if (!REDIRECTS.has(response.status)) return { response, redirected: hops > 0 };
    cancelBody(response.body);
    const location = response.headers.get('location');
    const target = location === null ? undefined : parseUrl(location, request.url);
    if (target === undefined) throw redirectRefused(first, `(HTTP ${response.status}) without a usable Location`, response);
    const where = `(HTTP ${response.status}) to ${target.protocol}//${target.host}`;
    if (hops >= MAX_REDIRECTS) throw redirectRefused(first, `${where}, more than ${MAX_REDIRECTS} times in a row`, response);
    if (!isTrustedTarget(target, request.url, options.trustedHosts ?? [])) {
      throw redirectRefused(first, `${where}, which is neither this origin nor one of the provider's hosts over https: not followed, so that the credentials do not go with it`, response);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD' && response.status !== 307 && response.status !== 308) {
      throw redirectRefused(first, `${where}; a ${request.method} is followed only through 307 and 308, which keep it as it is`, response);
    }
    request = { ...request, url: target.href };
  }
}

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

function isTrustedTarget(target: URL, from: string, trustedHosts: readonly string[]): boolean {
  const origin = parseUrl(from, from)?.origin;
  if (target.origin === origin) return true;
  return target.protocol === 'https:' && target.username === '' && target.password === '' && trustedHosts.includes(target.host.toLowerCase());
}

function parseUrl(text: string, base: string): URL | undefined {
  try {
    return new URL(text, base);
  } catch {
    return undefined;
  }
}

function redirectRefused(request: HttpRequest, how: string, response: { readonly status: number }): TransportError {
  return new TransportError(`${describeRequest(request)} was redirected ${how}`, { reason: 'redirect', ...(response.status > 0 ? { status: response.status } : {}) });
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
