import type { Either } from 'fp-ts/lib/Either.js';
import type { TaskError } from './errors/index.js';
import type { HttpMethod, HttpResponse } from './http.js';
import type { ProviderFailure, RetryOptions } from './retry.js';
import type { IntervalPolicy } from './intervalPolicy.js';
import type { TaskStateInit } from './taskState.js';

/** A request as a provider describes it: relative to the source's base URL. */
export interface ProviderRequest {
  /** The HTTP method. */
  readonly method: HttpMethod;
  /** Appended to the base URL's own path (`/api/v2/tasks/abc`). Encode ids yourself. */
  readonly path: string;
  /** Query parameters, URL-encoded by the source. Messages never show the query string, so a key may go here. */
  readonly query?: Readonly<Record<string, string>> | undefined;
  /** Request headers, sent as given. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** The request body, already serialised (set `content-type` in `headers` to match). */
  readonly body?: string | undefined;
}

/** What a provider sets as its defaults and limits. */
export interface ProviderDefaults {
  /** Default ms between polls of one task. */
  readonly interval: number;
  /** Default request budget per second for a source. */
  readonly maxRequestsPerSecond: number;
  /** Default requests in flight at once for a source. Default 6. */
  readonly maxConcurrentRequests?: number | undefined;
  /** The provider's documented minimum gap between two requests for one task, in ms. Default 0. */
  readonly minInterval?: number | undefined;
  /** The default interval policy. Default `fixedInterval()`. */
  readonly policy?: IntervalPolicy | undefined;
  /** The provider's own retry defaults, under the user's `retry` (field by field). Default: 5 retries, 1 s doubling up to 30 s. */
  readonly retry?: RetryOptions | undefined;
}

/** What a provider's `decode` returns. */
export type DecodeResult = Either<TaskError | ProviderFailure, TaskStateInit>;

/** What `setup` returns: how to reach the provider, and the values that must never be shown. */
export interface ProviderSetup<TContext> {
  /**
   * Where requests go (usually the user's `baseUrl`, else the provider's default): an
   * absolute `https:` URL without query; plain `http:` is refused unless the host
   * is loopback or the user set `allowInsecureHttp`.
   */
  readonly baseUrl: string;
  /** Anything the provider needs to build requests (credentials, a token cache…). */
  readonly context: TContext;
  /** Credentials to strip from every error message, stack and cause. */
  readonly secrets: readonly (string | undefined)[];
  /**
   * The provider's own API hosts (`api.example.com`, or `host:port` where the
   * user named a port): the only places besides the base URL's own origin
   * that a request may be sent to, by a redirect (over https only) or a
   * {@link ProviderFailure.moveTo}. The credentials go with every request, so
   * a redirect or a move anywhere else is refused. Default: none.
   */
  readonly hosts?: readonly string[] | undefined;
}

/** A task as the source knows it: the id states carry, and the key polls are shared by. */
export interface TaskIdentity {
  /** The id every state and error of the task carries. */
  readonly id: string;
  /** Two refs with one key are one task: one poll loop serves both. Default: `id`. */
  readonly key?: string | undefined;
}

/** What a provider's `request` gets, to build the poll request of one task. */
export interface RequestInput<TRef, TContext> {
  /** The ref as given to `watch`, read by `parseRef` when it was given as text. */
  readonly ref: TRef;
  /** The task id, as `identify` returned it. */
  readonly id: string;
  /** What `setup` returned as its `context`. */
  readonly context: TContext;
}

/** What a provider's `decode` gets beside the response: the request's input, and where it went. */
export interface DecodeInput<TRef, TContext> extends RequestInput<TRef, TContext> {
  /** The base URL the request went to. */
  readonly baseUrl: string;
  /** Set once the source has moved (see {@link ProviderFailure.moveTo}): where it was before. */
  readonly movedFrom?: string | undefined;
}

/**
 * A provider, described as plain functions: no timers, no fetch. The source
 * built by `defineProvider` does the polling, pacing, retrying and
 * redaction around it.
 */
export interface ProviderDefinition<TOptions extends object, TRef, TContext> {
  /** Goes into every state's `provider` and every error's `provider`. */
  readonly name: string;
  /** The provider's default pace and limits, under the user's `SourceOptions`. */
  readonly defaults: ProviderDefaults;
  /** Checks the provider's own options (throw a `TypeError` for bad ones) and prepares requests. */
  setup(options: TOptions): ProviderSetup<TContext>;
  /** Checks a ref (throw a `TypeError` for a bad one) and names the task. */
  identify(ref: TRef): TaskIdentity;
  /**
   * Reads the text form of a ref (what URLs, command lines and logs carry),
   * throwing a `TypeError` that says what was expected for a bad one. Its
   * result goes through `identify` like any ref. A string it returns must
   * read as itself, since `watch` reads every string ref as text.
   * Default: the text is the ref (`identify` then checks it, as for any
   * string ref).
   */
  parseRef?(text: string): TRef;
  /**
   * Writes a ref (already checked by `identify`) as text, the inverse of
   * `parseRef`: the text must read back as the same task, or the source
   * refuses it. Default: a string ref is its own text; any other ref throws
   * a `TypeError` saying the provider defines no text form for it.
   */
  formatRef?(ref: TRef): string;
  /** Builds the poll request of one task. May be async (a token to sign). */
  request(input: RequestInput<TRef, TContext>): ProviderRequest | Promise<ProviderRequest>;
  /**
   * Reads one response: a normalised state, or why there is none. A bare
   * `TaskError` on the left ends the stream; a {@link ProviderFailure} says
   * whether to retry. Must not throw.
   */
  decode(response: HttpResponse, input: DecodeInput<TRef, TContext>): DecodeResult;
}
