import type { Either } from 'fp-ts/lib/Either.js';
import type { TaskError } from './errors/index.js';
import type { HttpMethod, HttpResponse } from './http.js';
import type { ProviderDefaults } from './sourceOptions.js';
import type { TaskStateInit } from './taskState.js';

/** A request as a provider describes it: relative to the source's base URL. */
export interface ProviderRequest {
  /** The HTTP method. */
  readonly method: HttpMethod;
  /** Appended to the base URL's own path (`/api/v2/tasks/abc`). Encode ids yourself. */
  readonly path: string;
  /** Query parameters, URL-encoded by the source. Messages never show the query string, so a key may go here. */
  readonly query?: Readonly<Record<string, string>>;
  /** Request headers, sent as given. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The request body, already serialised (set `content-type` in `headers` to match). */
  readonly body?: string;
}

/** What a provider's `decode` returns. */
export type DecodeResult = Either<TaskError | ProviderFailure, TaskStateInit>;

/** Why a poll did not yield a state, and what the source should do about it. */
export interface ProviderFailure {
  /** The error the stream ends with: at once when not `retryable`, else after more than `retry.retries` failed polls in a row. */
  readonly error: TaskError;
  /** Transient (5xx, rate limited, …): poll again after a backoff. Otherwise the stream ends with `error`. */
  readonly retryable: boolean;
  /** The provider's own "come back in" hint, on top of the backoff. */
  readonly retryAfterMs?: number;
  /**
   * The account lives at another base URL (Mobizon's code 13): the source moves
   * there, for all its tasks, and polls again at once. A task moves at most once;
   * a second move ends its stream with `error`. Only a URL on one of the
   * provider's {@link ProviderSetup.hosts} is followed; any other ends the
   * stream with a `ProviderError` that names the refused host.
   */
  readonly moveTo?: string;
}

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
  readonly hosts?: readonly string[];
}

/** A task as the source knows it: the id states carry, and the key polls are shared by. */
export interface TaskIdentity {
  /** The id every state and error of the task carries. */
  readonly id: string;
  /** Two refs with one key are one task: one poll loop serves both. Default: `id`. */
  readonly key?: string;
}

/** What a provider's `request` gets, to build the poll request of one task. */
export interface RequestInput<TRef, TContext> {
  /** The ref as given to `watch`. */
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
  readonly movedFrom?: string;
}

/**
 * A provider, described as plain functions: no timers, no fetch. The source
 * built by {@link defineProvider} does the polling, pacing, retrying and
 * redaction around it.
 */
export interface ProviderDefinition<TOptions extends object, TRef, TContext> {
  /** Goes into every state's `provider` and every error's `provider`. */
  readonly name: string;
  /** The provider's default pace and limits, under the user's {@link SourceOptions}. */
  readonly defaults: ProviderDefaults;
  /** Checks the provider's own options (throw a `TypeError` for bad ones) and prepares requests. */
  setup(options: TOptions): ProviderSetup<TContext>;
  /** Checks a ref (throw a `TypeError` for a bad one) and names the task. */
  identify(ref: TRef): TaskIdentity;
  /** Builds the poll request of one task. May be async (a token to sign). */
  request(input: RequestInput<TRef, TContext>): ProviderRequest | Promise<ProviderRequest>;
  /**
   * Reads one response: a normalised state, or why there is none. A bare
   * `TaskError` on the left ends the stream; a {@link ProviderFailure} says
   * whether to retry. Must not throw.
   */
  decode(response: HttpResponse, input: DecodeInput<TRef, TContext>): DecodeResult;
}
