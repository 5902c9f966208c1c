import type { RetryAfterForm } from '../faults/fault.js';

/** A rate limit as headers describe it. */
export interface QuotaSnapshot {
  readonly limit: number;
  readonly remaining: number;
  /** Server clock (ms) when a place frees up. */
  readonly resetAt: number;
  readonly windowSeconds: number;
}

/** What providers advertise when no budget is set: Postman's documented 300 requests a minute (Stream publishes none). */
export const NOMINAL_QUOTA = { limit: 300, windowSeconds: 60 } as const;

/** Unix seconds, rounded up: a client that waits until then is never early. */
export function unixSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

/** `X-RateLimit-Limit/Remaining/Reset` (reset in Unix seconds), each optionally sent twice as `"N, N"` the way Stream does. */
export function xRateLimitHeaders(quota: QuotaSnapshot, duplicate: boolean): Record<string, string> {
  const value = (n: number) => (duplicate ? `${n}, ${n}` : String(n));
  return {
    'X-RateLimit-Limit': value(quota.limit),
    'X-RateLimit-Remaining': value(quota.remaining),
    'X-RateLimit-Reset': value(unixSeconds(quota.resetAt)),
  };
}

/** The IETF draft's family, as Postman sends it beside the X- one: reset in Unix seconds, and a policy `300;w=60`. */
export function ietfRateLimitHeaders(quota: QuotaSnapshot, duplicate: boolean): Record<string, string> {
  const value = (n: number) => (duplicate ? `${n}, ${n}` : String(n));
  return {
    'RateLimit-Limit': value(quota.limit),
    'RateLimit-Remaining': value(quota.remaining),
    'RateLimit-Reset': value(unixSeconds(quota.resetAt)),
    'RateLimit-Policy': `${quota.limit};w=${quota.windowSeconds}`,
  };
}

/**
 * `Retry-After` in the requested form: delay-seconds (rounded up), an HTTP
 * date `retryAfterMs` from `now` (server clock), or nothing at all when the
 * client is meant to rely on `X-RateLimit-Reset`.
 */
export function retryAfterHeader(retryAfterMs: number, now: number, form: RetryAfterForm): Record<string, string> {
  if (form === 'reset-only') return {};
  if (form === 'http-date') return { 'Retry-After': new Date(unixSeconds(now + retryAfterMs) * 1000).toUTCString() };
  return { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) };
}
