import type { PostmanErrorShape } from './fault.js';
import type { RequestBudget } from './requestBudget.js';

/** The credentials each fake provider accepts. */
export interface FakeCredentials {
  readonly stream: { readonly apiKey: string; readonly apiSecret: string };
  readonly mobizon: { readonly apiKey: string };
  readonly postman: { readonly apiKey: string };
}

/** What the fake server accepts when no credentials are given: fine for a demo, obviously not secrets. */
export const FAKE_CREDENTIALS: FakeCredentials = {
  stream: { apiKey: 'fake-stream-key', apiSecret: 'fake-stream-secret' },
  mobizon: { apiKey: 'fake-mobizon-key' },
  postman: { apiKey: 'PMAK-fake-postman-key' },
};

export interface FakeStreamOptions {
  /** The `api_key` accepted. Default `FAKE_CREDENTIALS.stream.apiKey`. */
  readonly apiKey?: string;
  /** The secret server tokens must be signed with (HS256). Default `FAKE_CREDENTIALS.stream.apiSecret`. */
  readonly apiSecret?: string;
  /** Requests each API key may make; enforced with 429 code 9 and advertised in `X-RateLimit-*`. Default: none. */
  readonly budget?: RequestBudget;
  /** Send every `X-RateLimit-*` value twice, `"10, 10"`, as Stream sometimes does. Default false. */
  readonly duplicateRateLimitHeaders?: boolean;
}

export interface FakeMobizonOptions {
  /** The `apiKey` accepted. Default `FAKE_CREDENTIALS.mobizon.apiKey`. */
  readonly apiKey?: string;
  /** Requests each API key may make; enforced with code 30 (HTTP 200). Default: none. */
  readonly budget?: RequestBudget;
  /**
   * Enforce the docs' "no more than once per second" per task: a request less
   * than 1 s (server clock) after the previous request about the same task,
   * whatever became of that one, gets code 30. Default false.
   */
  readonly strict?: boolean;
  /**
   * The API host of the account (`localhost`, or `host:port`); a request whose
   * `Host` header differs gets code 13 with this host in `data`. Without a
   * port, the server's own port is added. Default: any host is home.
   */
  readonly homeHost?: string;
  /** Send `data.progress` and `data.status` as strings (`"45"`). Default false. */
  readonly numbersAsStrings?: boolean;
}

export interface FakePostmanOptions {
  /** The `x-api-key` accepted. Default `FAKE_CREDENTIALS.postman.apiKey`. */
  readonly apiKey?: string;
  /** Requests each API key may make; enforced with a `rateLimited` 429, advertised in both header families. Default: none. */
  readonly budget?: RequestBudget;
  /** The shape of error bodies (a fault may pick its own). Default `'problem'` (RFC 7807). */
  readonly errorShape?: PostmanErrorShape;
  /** Send every rate-limit value twice, `"10, 10"`. Default false. */
  readonly duplicateRateLimitHeaders?: boolean;
}

export interface FakeProviderServerOptions {
  /** Default `'127.0.0.1'`. */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /**
   * The server's notion of now, in ms since the epoch: tasks' lifecycles,
   * budgets, time claims of tokens and rate-limit headers all read it.
   * Default `Date.now`; tests pass a clock they move by hand.
   */
  readonly clock?: () => number;
  readonly stream?: FakeStreamOptions;
  readonly mobizon?: FakeMobizonOptions;
  readonly postman?: FakePostmanOptions;
}

/** Checks options once, at start, so a typo fails there and not on the first request. */
export function checkServerOptions(options: FakeProviderServerOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`Expected the fake server's options to be an object, got ${String(options)}.`);
  if (options.clock !== undefined && typeof options.clock !== 'function') throw new TypeError('Expected `clock` to be a function returning ms.');
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535)) {
    throw new TypeError(`Expected \`port\` to be an integer from 0 to 65535, got ${String(options.port)}.`);
  }
  const shape = options.postman?.errorShape;
  if (shape !== undefined && shape !== 'problem' && shape !== 'legacy') throw new TypeError(`Expected \`postman.errorShape\` to be problem or legacy, got ${JSON.stringify(shape)}.`);
  for (const [name, value] of [
    ['stream.apiKey', options.stream?.apiKey],
    ['stream.apiSecret', options.stream?.apiSecret],
    ['mobizon.apiKey', options.mobizon?.apiKey],
    ['postman.apiKey', options.postman?.apiKey],
    ['mobizon.homeHost', options.mobizon?.homeHost],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) throw new TypeError(`Expected \`${name}\` to be a non-empty string.`);
  }
}
