import { headerValues, type HeaderReader } from './headerValues.js';
import { show } from './validate.js';

export type { HeaderReader } from './headerValues.js';

/** What a response's headers say about the provider's rate limit, in the scheduler's clock. */
export interface RateLimitHints {
  /** Wait at least this long before the next request (`Retry-After`, `X-RateLimit-RetryAfter`). */
  readonly retryAfterMs?: number | undefined;
  /** Requests allowed per window (`X-RateLimit-Limit`, `RateLimit-Limit`). */
  readonly limit?: number | undefined;
  /** Requests left in the current window (`X-RateLimit-Remaining`, `RateLimit-Remaining`). */
  readonly remaining?: number | undefined;
  /** When the current window ends, as a time on the scheduler's clock (ms). */
  readonly resetAt?: number | undefined;
  /** How long the window is, ms (the `w` of `RateLimit-Policy: 300;w=60`, which Postman sends). */
  readonly windowMs?: number | undefined;
}

/**
 * The longest wait a header may impose: one hour. A server that asks for more
 * (or a broken one asking for years) is asked again after an hour, rather than
 * leaving every task of the source silent for as long as it says.
 */
export const MAX_SERVER_WAIT_MS = 60 * 60 * 1000;

/**
 * Reads the rate-limit header families (`X-RateLimit-*`, the IETF draft's
 * `RateLimit-*`, and its combined `RateLimit: limit=300, remaining=12,
 * reset=30` that Postman sends) and `Retry-After` (also spelled `RetryAfter`
 * and `X-RateLimit-RetryAfter`). Duplicated values such as `"300, 300"` (seen
 * from Stream) count once: the first is taken. Separate headers win over the
 * combined one where both are sent.
 */
export function readRateLimitHints(all: HeaderReader, now: number): RateLimitHints {
  const hints: { -readonly [K in keyof RateLimitHints]: RateLimitHints[K] } = {};
  const headers = headerValues(all, HINT_HEADERS);
  // None at all, the common case: decided at once.
  if (headers.size === 0) return hints;
  // Retry-After is authoritative when present: it is the server's own answer to "when may I come back".
  const retryAfter =
    parseRetryAfter(firstValue(headers.get('retry-after')), now) ??
    parseRetryAfter(firstValue(headers.get('x-ratelimit-retryafter')), now) ??
    parseRetryAfter(firstValue(headers.get('retryafter')), now);
  if (retryAfter !== undefined) hints.retryAfterMs = Math.min(retryAfter, MAX_SERVER_WAIT_MS);
  const combined = combinedRateLimit(headers.get('ratelimit'));
  const limit = parseCount(firstOf(headers, 'ratelimit-limit', 'x-ratelimit-limit') ?? combined.limit);
  if (limit !== undefined) hints.limit = limit;
  const remaining = parseCount(firstOf(headers, 'ratelimit-remaining', 'x-ratelimit-remaining') ?? combined.remaining);
  if (remaining !== undefined) hints.remaining = remaining;
  const resetAt = parseReset(firstOf(headers, 'ratelimit-reset', 'x-ratelimit-reset') ?? combined.reset, now);
  if (resetAt !== undefined) hints.resetAt = Math.min(resetAt, now + MAX_SERVER_WAIT_MS);
  const window = /(?:^|;)\s*w\s*=\s*"?(\d+(?:\.\d+)?)"?\s*(?:;|$)/i.exec(firstValue(headers.get('ratelimit-policy')) ?? '');
  if (window !== null && Number(window[1]) > 0) hints.windowMs = Number(window[1]) * 1000;
  return hints;
}

/**
 * `Retry-After` is either delay-seconds (`"120"`) or an HTTP date in any of
 * the three forms RFC 9110 asks recipients to accept: IMF-fixdate (`"Sun, 06
 * Nov 1994 08:49:37 GMT"`), the obsolete RFC 850 form (`"Sunday, 06-Nov-94
 * 08:49:37 GMT"`) and asctime (`"Sun Nov  6 08:49:37 1994"`, which is GMT
 * though it does not say so). Returns milliseconds from `now`, never negative;
 * `undefined` when the value is none of these.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') throw new TypeError(`Expected a Retry-After header value (a string), got ${show(value)}.`);
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new TypeError(`Expected \`now\` to be a time in ms, got ${show(now)}.`);
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(ASCTIME.test(text) ? `${text} GMT` : text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** asctime: `Sun Nov  6 08:49:37 1994`, no zone (GMT by definition; `Date.parse` would read it as local time). */
const ASCTIME = /^[a-z]{3} [a-z]{3} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}$/i;

/**
 * Reset headers come in three units in the wild: Unix seconds (Stream's and
 * Postman's `X-RateLimit-Reset`), seconds from now (the IETF `RateLimit-Reset`)
 * and, rarely, Unix milliseconds. No delta is ever a billion seconds, so the
 * size of the number tells them apart.
 */
function parseReset(value: string | undefined, now: number): number | undefined {
  const n = parseNumber(value);
  if (n === undefined || n < 0) return undefined;
  if (n >= 1e12) return n;
  if (n >= 1e9) return n * 1000;
  return now + n * 1000;
}

/**
 * The combined header of the IETF draft, as Postman sends it: `limit=300,
 * remaining=12, reset=30` (`reset` in seconds from now), its parameters in
 * any order; the later drafts' short names (`r` remaining, `t` seconds to
 * reset) are read too. Values are left as text for the same parsers as the
 * separate headers'.
 */
function combinedRateLimit(value: string | undefined): { limit?: string; remaining?: string; reset?: string } {
  if (value === undefined) return {};
  const fields: { limit?: string; remaining?: string; reset?: string } = {};
  // The first list member only (a server that repeats the header gives the same twice).
  for (const part of value.split(/[,;]/)) {
    const match = /^\s*([a-z]+)\s*=\s*"?([^"\s]*)"?\s*$/i.exec(part);
    if (match === null) continue;
    const name = (match[1] as string).toLowerCase();
    const key = name === 'r' ? 'remaining' : name === 't' ? 'reset' : name;
    if ((key === 'limit' || key === 'remaining' || key === 'reset') && fields[key] === undefined) fields[key] = match[2] as string;
  }
  return fields;
}

/** The names {@link readRateLimitHints} reads. */
const HINT_HEADERS: ReadonlySet<string> = new Set([
  'retry-after',
  'retryafter',
  'ratelimit',
  'x-ratelimit-retryafter',
  'ratelimit-limit',
  'x-ratelimit-limit',
  'ratelimit-remaining',
  'x-ratelimit-remaining',
  'ratelimit-reset',
  'x-ratelimit-reset',
  'ratelimit-policy',
]);

function firstOf(headers: ReadonlyMap<string, string>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = firstValue(headers.get(name));
    if (value !== undefined) return value;
  }
  return undefined;
}

function firstValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((part) => part.trim());
  // An HTTP date has a comma of its own ("Wed, 21 Oct 2015 07:28:00 GMT", "Sunday, 06-Nov-94 …"): its first two parts are one value.
  const first = /^[a-z]{3,9}$/i.test(parts[0] ?? '') ? `${parts[0]}, ${parts[1] ?? ''}` : parts[0];
  return first === undefined || first === '' ? undefined : first;
}

function parseCount(value: string | undefined): number | undefined {
  const n = parseNumber(value);
  return n === undefined || n < 0 ? undefined : Math.floor(n);
}

function parseNumber(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d+(\.\d+)?$/.test(value)) return undefined;
  return Number(value);
}
