import type { RefusalFault } from './fault.js';
import { NOMINAL_QUOTA, retryAfterHeader, xRateLimitHeaders } from './rateLimitHeaders.js';
import type { WireResponse } from './wireResponse.js';

/**
 * The HTTP 429 of a proxy or API gateway in front of a provider (nginx's
 * `limit_req`, a cloud gateway): an HTML page, whatever the provider behind
 * it speaks, with `Retry-After` in the form asked for and `X-RateLimit-*`
 * (reset in Unix seconds). For Mobizon, whose own refusal is code 30 with
 * HTTP 200 and no wait, it is the only way a client meets a 429 with headers.
 */
export function gatewayRateLimit(fault: Extract<RefusalFault, { kind: 'rate-limited' }>, now: number): WireResponse {
  const retryAfterMs = (fault.retryAfterSeconds ?? 1) * 1000;
  const quota = { ...NOMINAL_QUOTA, remaining: 0, resetAt: now + retryAfterMs };
  const text =
    '<!DOCTYPE html>\n<html><head><title>429 Too Many Requests</title></head><body><center><h1>429 Too Many Requests</h1></center><hr><center>nginx</center></body></html>\n';
  return {
    status: 429,
    headers: { ...retryAfterHeader(retryAfterMs, now, fault.retryAfterAs ?? 'seconds'), ...xRateLimitHeaders(quota, false) },
    contentType: 'text/html; charset=utf-8',
    text,
  };
}
