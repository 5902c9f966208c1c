import { left, right } from '../core/either.js';
import { decodeJsonBody, parseJsonBody } from '../core/decodeBody.js';
import { defineProvider, type TaskSourceFactory } from '../core/taskSource.js';
import { RateLimitError, TaskNotFoundError } from '../core/errors/index.js';
import type { HttpResponse } from '../core/http.js';
import { httpFailure, type ProviderFailure } from '../core/retry.js';
import type { TaskStateInit, TaskStatus } from '../core/taskState.js';
import { expectPathSegment, expectSecret } from '../core/validate.js';
import { optional, Timestamp } from './codecs.js';
import { signHs256 } from './signHs256.js';
import { StreamApiError, StreamTaskResponse } from './streamCodecs.js';

/** The Video docs' host, and the default. */
export const STREAM_VIDEO_BASE_URL = 'https://video.stream-io-api.com';
/** The host of the v2 OpenAPI files (and of the official Node SDK's GetTask); same path and body. */
export const STREAM_CHAT_BASE_URL = 'https://chat.stream-io-api.com';
/** Stream's API hosts: a redirect may lead from one to the other, never elsewhere. */
const STREAM_HOSTS = ['video.stream-io-api.com', 'chat.stream-io-api.com'];

/**
 * Options of {@link streamTasks}, beside the common {@link SourceOptions}.
 * Give `apiKey` and exactly one of `apiSecret` (on a server) and `token`
 * (anywhere else: a server token your back end made).
 */
export interface StreamOptions {
  /** The app's API key, sent as `api_key`. */
  readonly apiKey: string;
  /** The API secret: the library signs the server token (HS256, `{"server":true}`) with it. */
  readonly apiSecret?: string | undefined;
  /** A server token made elsewhere, used as given. Pass this or `apiSecret`. */
  readonly token?: string | undefined;
  /**
   * Default {@link STREAM_VIDEO_BASE_URL} (or {@link STREAM_CHAT_BASE_URL} with
   * `endpoint: 'legacy'`, the only host of the legacy path); the chat host
   * serves `/api/v2` the same.
   */
  readonly baseUrl?: string | undefined;
  /** `'v2'` (default): `GET /api/v2/tasks/{id}`. `'legacy'`: the chat API's `GET /tasks/{id}`. */
  readonly endpoint?: 'v2' | 'legacy' | undefined;
}

interface StreamContext {
  readonly apiKey: string;
  readonly path: string;
  readonly token: () => string | Promise<string>;
}

/**
 * Stream's status spellings (a plain string in the spec, no enum). A switch, not
 * a lookup object: a status such as `"constructor"` must not find a prototype member.
 */
function statusOf(providerStatus: string): TaskStatus {
  switch (providerStatus) {
    case 'waiting':
    case 'pending':
      return 'pending';
    case 'completed':
      return 'completed';
    case 'failed':
      return 'failed';
    default:
      // `running`, and anything new: work in progress, not an end (only completed and failed are terminal).
      return 'running';
  }
}

/**
 * Tasks of Stream (getstream.io): exports, imports, deletions started by the
 * Chat, Video or Feeds APIs, followed with GetTask.
 *
 * Defaults: one poll per second per task (what Stream's own Go and Python
 * wait helpers do), and 2 requests per second for the whole source: Stream
 * limits each endpoint per minute, with a per-second cap of a thirtieth of
 * that, and GetTask's own limit is not published; 2/s is the cap of the
 * common 60-per-minute tier. Raise it if your plan allows more.
 *
 * ```ts
 * import { streamTasks } from 'rx-task-status';
 *
 * const stream = streamTasks({ apiKey: process.env.STREAM_KEY!, apiSecret: process.env.STREAM_SECRET! });
 * const taskId = process.argv[2] ?? '23685bb3-8a1c';
 * stream.watch(taskId).subscribe((state) => console.log(state.status));
 * ```
 */
export const streamTasks: TaskSourceFactory<StreamOptions, string> = /*#__PURE__*/ defineProvider({
  name: 'stream',
  defaults: { interval: 1000, maxRequestsPerSecond: 2 },
  setup: (options: StreamOptions) => {
    const apiKey = expectSecret('apiKey', options.apiKey);
    if ((options.apiSecret === undefined) === (options.token === undefined)) {
      throw new TypeError('Expected exactly one of `apiSecret` (the library signs the server token) and `token` (a server token of your own).');
    }
    const token = options.token === undefined ? signedServerToken(expectSigningSecret(options.apiSecret)) : constant(expectSecret('token', options.token));
    const endpoint = options.endpoint ?? 'v2';
    if (endpoint !== 'v2' && endpoint !== 'legacy') throw new TypeError(`Expected \`endpoint\` to be 'v2' or 'legacy', got ${String(endpoint)}.`);
    return {
      baseUrl: options.baseUrl ?? (endpoint === 'legacy' ? STREAM_CHAT_BASE_URL : STREAM_VIDEO_BASE_URL),
      context: { apiKey, token, path: endpoint === 'v2' ? '/api/v2/tasks/' : '/tasks/' } satisfies StreamContext,
      secrets: [apiKey, options.apiSecret, options.token],
      hosts: STREAM_HOSTS,
    };
  },
  identify: (ref: string) => ({ id: expectPathSegment('task id', ref) }),
  request: ({ id, context }) => {
    const build = (jwt: string) => ({
      method: 'GET' as const,
      path: context.path + encodeURIComponent(id),
      query: { api_key: context.apiKey },
      headers: { Authorization: jwt, 'stream-auth-type': 'jwt', accept: 'application/json' },
    });
    const jwt = context.token();
    return typeof jwt === 'string' ? build(jwt) : jwt.then(build);
  },
  decode: (response, { id }) => {
    const what = `Stream task ${id}`;
    if (response.status < 200 || response.status > 299) return left(streamFailure(response, what));
    const decoded = decodeJsonBody(response, StreamTaskResponse, what);
    return decoded._tag === 'Left' ? decoded : right(toTaskState(decoded.right.value, decoded.right.body));
  },
});

function toTaskState(body: StreamTaskResponse, raw: unknown): TaskStateInit {
  const createdAt = optional(Timestamp, body.created_at);
  const updatedAt = optional(Timestamp, body.updated_at);
  const failure = body.error;
  return {
    status: statusOf(body.status),
    providerStatus: body.status,
    ...(body.result === undefined ? {} : { result: body.result }),
    ...(failure === undefined
      ? {}
      : { error: { message: failure.description ?? failure.type ?? 'task failed', ...(failure.type === undefined ? {} : { code: failure.type }) } }),
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(updatedAt === undefined ? {} : { updatedAt }),
    raw,
  };
}

/** Token expired (40), not valid yet (41), issued in the future (42): Stream and this machine disagree on the time. */
const TOKEN_TIME_CODES: ReadonlySet<number> = new Set([40, 41, 42]);

/**
 * An APIError: 401/403 authentication, 404 or code 16 not found, 429 retried
 * (the core reads Retry-After and X-RateLimit-Reset), 5xx retried, and
 * `unrecoverable: true` never retried, whatever the status.
 */
function streamFailure(response: HttpResponse, what: string): ProviderFailure {
  const body = parseJsonBody(response, what);
  const apiError = body._tag === 'Right' ? StreamApiError.decode(body.right) : undefined;
  if (apiError === undefined || apiError._tag === 'Left') return httpFailure({ response, what });
  const { code, message, unrecoverable } = apiError.right;
  const reason = `${message ?? 'error'} (code ${code})`;
  const details = { code, ...(unrecoverable === undefined ? {} : { unrecoverable }) };
  if (code === 16) return { error: new TaskNotFoundError(`${what} was not found: ${reason}`, { details }), retryable: false };
  if (TOKEN_TIME_CODES.has(code)) {
    return httpFailure({ response, what, reason: `${reason}: the server token's time claims were refused; check this machine's clock`, details });
  }
  const failure = httpFailure({ response, what, reason, details });
  if (unrecoverable !== true) return failure;
  const error =
    failure.error instanceof RateLimitError
      ? new RateLimitError(failure.error.message, { details, exhausted: true })
      : failure.error;
  return { error, retryable: false };
}

/**
 * HS256 wants a key at least as long as its hash (RFC 7518, 3.2): 32 bytes.
 * Real Stream secrets are 64 characters, and Stream's Java SDKs refuse
 * shorter keys too: a shorter one is a placeholder or a typo.
 */
const MIN_SECRET_BYTES = 32;
/** How long a server token is good for, and how early before that a new one is signed, in seconds. */
const TOKEN_LIFETIME_S = 3600;
const RESIGN_BEFORE_S = 300;
/**
 * `iat` is set this far in the past: Stream refuses a token "used before
 * issue at" (code 42) with hardly any leeway, so a clock a little ahead of
 * Stream's would otherwise fail the first poll after each signing.
 */
const IAT_BACKDATE_S = 30;

function expectSigningSecret(value: unknown): string {
  const secret = expectSecret('apiSecret', value);
  const bytes = new TextEncoder().encode(secret).byteLength;
  if (bytes < MIN_SECRET_BYTES) {
    throw new TypeError(`Expected \`apiSecret\` to be your Stream app's API secret (64 characters), got one of ${bytes} bytes: too short to sign with (HS256 needs at least ${MIN_SECRET_BYTES}).`);
  }
  return secret;
}

/**
 * The server token, `{"server": true}` with `iat` and a short `exp` (an hour),
 * signed again five minutes before it expires: a token that leaks (a proxy's
 * log, a debugger) is good for an hour, not for the life of the process.
 * Time is the wall clock, the one Stream's servers judge tokens by.
 */
function signedServerToken(apiSecret: string): () => string | Promise<string> {
  let token: string | undefined;
  let renewAt = 0;
  let signing: Promise<string> | undefined;
  return () => {
    const now = Math.floor(Date.now() / 1000);
    if (token !== undefined && now < renewAt) return token;
    signing ??= signHs256({ server: true, iat: now - IAT_BACKDATE_S, exp: now + TOKEN_LIFETIME_S }, apiSecret).then(
        (signed) => {
          token = signed;
          renewAt = now + TOKEN_LIFETIME_S - RESIGN_BEFORE_S;
          signing = undefined;
          return signed;
        },
        (error: unknown) => {
          signing = undefined;
          throw error;
        },
      );
    return signing;
  };
}

function constant(token: string): () => string {
  return () => token;
}
