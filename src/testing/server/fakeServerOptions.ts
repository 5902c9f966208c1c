import { isIP } from 'node:net';
import { isPlainObject, quote } from '../../core/validate.js';
import type { PostmanErrorShape } from '../faults/fault.js';
import { normalizeBudget, type RequestBudget } from '../log/requestBudget.js';

/** The credentials each fake provider accepts. */
export interface FakeCredentials {
  readonly stream: { readonly apiKey: string; readonly apiSecret: string };
  readonly mobizon: { readonly apiKey: string };
  readonly postman: { readonly apiKey: string };
}

/** What the fake server accepts when no credentials are given: fine for a demo, obviously not secrets. */
export const FAKE_CREDENTIALS: FakeCredentials = {
  stream: { apiKey: 'fake-stream-key', apiSecret: 'fake-stream-secret-for-tests-only-0123456789' },
  mobizon: { apiKey: 'fake-mobizon-key' },
  postman: { apiKey: 'PMAK-fake-postman-key' },
};

export interface FakeStreamOptions {
  /** The `api_key` accepted. Default `FAKE_CREDENTIALS.stream.apiKey`. */
  readonly apiKey?: string | undefined;
  /** The secret server tokens must be signed with (HS256). Default `FAKE_CREDENTIALS.stream.apiSecret`. */
  readonly apiSecret?: string | undefined;
  /**
   * Requests each API key may make; enforced with 429 code 9 and advertised
   * in `X-RateLimit-*` on every answer, as Stream does. Default 300 a minute
   * (GetTask's own limit is not published: the fake's choice).
   */
  readonly budget?: RequestBudget | undefined;
  /** Send every `X-RateLimit-*` value twice, `"10, 10"`, as Stream sometimes does. Default false. */
  readonly duplicateRateLimitHeaders?: boolean | undefined;
}

export interface FakeMobizonOptions {
  /** The `apiKey` accepted. Default `FAKE_CREDENTIALS.mobizon.apiKey`. */
  readonly apiKey?: string | undefined;
  /** Requests each API key may make; enforced with code 30 (HTTP 200). Default: none. */
  readonly budget?: RequestBudget | undefined;
  /**
   * Enforce the docs' "no more than once per second" per task: a request less
   * than 1 s (server clock) after the previous request about the same task,
   * whatever became of that one, gets code 30. Only tasks on the board are
   * followed (an unknown id is not found, however fast it is asked), and what
   * is kept of a task goes with it (`tasks.remove`, `tasks.clear`, `close`).
   * Default false.
   */
  readonly strict?: boolean | undefined;
  /**
   * The API host of the account (`localhost`, or `host:port`); a request whose
   * `Host` header differs gets code 13 with this host in `data`. Without a
   * port, the server's own port is added. Default: any host is home.
   */
  readonly homeHost?: string | undefined;
  /** Send `data.progress` and `data.status` as strings (`"45"`). Default false. */
  readonly numbersAsStrings?: boolean | undefined;
  /**
   * How closely requests are checked. Each refusal's message says what was
   * expected and what came.
   *
   * - `false` (the default): read a request as the real server is known to.
   *   GET and POST alike, every parameter (`id`, `apiKey`, `output`, `api`)
   *   from the query or from a POST's form body (urlencoded, or multipart as
   *   PHP reads it too; the body wins where both have one: both inferred, not
   *   confirmed); a missing `output` is JSON and a missing `api` is v1. The evidence: Mobizon's docs say requests are sent "using
   *   GET and POST" and its examples send GET where a method takes no
   *   parameter; its PHP client sends a GET then, and the id of a POST in its
   *   form body; mobizon-node sends `SendSmsMessage`'s parameters in a GET's
   *   query, its tests against the live API expecting code 0; the npm
   *   `mobizon` package sends neither `output` nor `api` ("by default mobizon
   *   use JSON"). Still refused: a body of another type (not read, so the id
   *   is missing: code 11), an `output` other than `json` (code 6: the fake
   *   speaks no XML) and an `api` other than `v1` (code 1).
   * - `true`: only the request Mobizon's docs show: a POST (a GET gets 405,
   *   `Allow: POST`), `output=json` (code 6 otherwise) and `api=v1` (code 1
   *   otherwise) in the query, both checked before the key, and the id in an
   *   `application/x-www-form-urlencoded` body (code 11 otherwise). This
   *   library's own tests turn it on, to prove it sends the documented request.
   */
  readonly checkRequestShape?: boolean | undefined;
}

export interface FakePostmanOptions {
  /** The `x-api-key` accepted. Default `FAKE_CREDENTIALS.postman.apiKey`. */
  readonly apiKey?: string | undefined;
  /**
   * Requests each API key may make; enforced with a `rateLimited` 429 and
   * advertised on every answer in each form Postman documents (the combined
   * `RateLimit`, and both header families). Default 300 a minute, Postman's
   * documented limit.
   */
  readonly budget?: RequestBudget | undefined;
  /** The shape of error bodies (a fault may pick its own). Default `'problem'` (RFC 7807). */
  readonly errorShape?: PostmanErrorShape | undefined;
  /** Send every rate-limit value twice, `"10, 10"`. Default false. */
  readonly duplicateRateLimitHeaders?: boolean | undefined;
  /**
   * Advertise the budget on every answer. `false`: no rate-limit header at
   * all, as a server that enforces a limit without telling it (a 429 still
   * carries `Retry-After`). Default true.
   */
  readonly rateLimitHeaders?: boolean | undefined;
  /**
   * Refuse an API Builder task request (`/apis/:apiId/tasks/:id`) that does
   * not accept `application/vnd.api.v10+json`, with a 400
   * `unsupportedVersionError` naming the header: what a test turns on to
   * prove its client sends the header. Default false, as Postman behaves:
   * it documents the header but no refusal, and its own MCP server does not
   * send it.
   */
  readonly checkRequestShape?: boolean | undefined;
}

export interface FakeProviderServerOptions {
  /** The address to listen on: an IP address or a host name. Default `'127.0.0.1'`. */
  readonly host?: string | undefined;
  /** Default 0: a free port. */
  readonly port?: number | undefined;
  /**
   * The server's notion of now, in ms since the epoch: tasks' lifecycles,
   * budgets, time claims of tokens and rate-limit headers all read it.
   * Default `Date.now`; tests pass a clock they move by hand.
   */
  readonly clock?: (() => number) | undefined;
  readonly stream?: FakeStreamOptions | undefined;
  readonly mobizon?: FakeMobizonOptions | undefined;
  readonly postman?: FakePostmanOptions | undefined;
}

type Kind = 'string' | 'boolean' | 'budget' | 'errorShape' | 'host';

/** Every option there is, by dot path, and what it must be. */
const SCHEMA: Readonly<Record<'stream' | 'mobizon' | 'postman', Readonly<Record<string, Kind>>>> = {
  stream: { apiKey: 'string', apiSecret: 'string', budget: 'budget', duplicateRateLimitHeaders: 'boolean' },
  mobizon: { apiKey: 'string', budget: 'budget', strict: 'boolean', homeHost: 'host', numbersAsStrings: 'boolean', checkRequestShape: 'boolean' },
  postman: { apiKey: 'string', budget: 'budget', errorShape: 'errorShape', duplicateRateLimitHeaders: 'boolean', rateLimitHeaders: 'boolean', checkRequestShape: 'boolean' },
};
const TOP_LEVEL = ['host', 'port', 'clock', 'stream', 'mobizon', 'postman'];
const HOST_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;

/**
 * Checks the fake server's options once, at start, so that a typo fails
 * there (with a `TypeError` naming the option) and not on the first request:
 * unknown names, the host, the port, the clock, each provider's options
 * object and every value in it.
 */
export function checkServerOptions(options: FakeProviderServerOptions): void {
  if (!isPlainObject(options)) throw new TypeError(`Expected the fake server's options to be an object, got ${quote(options)}.`);
  checkNames('', options, TOP_LEVEL);
  const { host, port, clock } = options;
  if (host !== undefined && !(typeof host === 'string' && (isIP(host) !== 0 || HOST_NAME.test(host)))) {
    throw new TypeError(`Expected \`host\` to be an IP address or a host name such as 127.0.0.1 or localhost, got ${quote(host)}.`);
  }
  if (port !== undefined && !(typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new TypeError(`Expected \`port\` to be an integer from 0 to 65535, got ${quote(port)}.`);
  }
  if (clock !== undefined && typeof clock !== 'function') throw new TypeError(`Expected \`clock\` to be a function returning ms, got ${quote(clock)}.`);
  for (const provider of ['stream', 'mobizon', 'postman'] as const) {
    const value: unknown = options[provider];
    if (value === undefined) continue;
    if (!isPlainObject(value)) throw new TypeError(`Expected \`${provider}\` to be an object of ${provider} options, got ${quote(value)}.`);
    const schema = SCHEMA[provider];
    checkNames(`${provider}.`, value, Object.keys(schema));
    for (const [name, kind] of Object.entries(schema)) {
      if (value[name] !== undefined) checkValue(`${provider}.${name}`, kind, value[name]);
    }
  }
}

function checkValue(name: string, kind: Kind, value: unknown): void {
  switch (kind) {
    case 'string':
      if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`Expected \`${name}\` to be a non-empty string, got ${quote(value)}.`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw new TypeError(`Expected \`${name}\` to be true or false, got ${quote(value)}.`);
      return;
    case 'errorShape':
      if (value !== 'problem' && value !== 'legacy') throw new TypeError(`Expected \`${name}\` to be problem or legacy, got ${quote(value)}.`);
      return;
    case 'host':
      if (typeof value !== 'string' || !/^[a-z0-9.-]+(:\d{1,5})?$/i.test(value)) {
        throw new TypeError(`Expected \`${name}\` to be a host, optionally with a port (api.mobizon.kz, localhost:8080), got ${quote(value)}.`);
      }
      return;
    case 'budget':
      try {
        normalizeBudget(value as never);
      } catch (error) {
        throw new TypeError(`\`${name}\`: ${(error as Error).message}`);
      }
  }
}

function checkNames(prefix: string, value: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(value).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new TypeError(`Unknown fake server option \`${prefix}${unknown[0]}\`; the ${prefix === '' ? '' : `${prefix.slice(0, -1)} `}options are ${known.join(', ')}.`);
  }
}
