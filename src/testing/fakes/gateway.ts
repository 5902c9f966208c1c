import { STATUS_CODES } from 'node:http';
import type { RefusalFault } from '../faults/fault.js';
import { NOMINAL_QUOTA, retryAfterHeader, xRateLimitHeaders } from './rateLimitHeaders.js';
import type { WireResponse } from '../server/wireResponse.js';

// What a proxy or an API gateway in front of a provider answers in its place.

/**
 * What a proxy in front of an API sends when things go wrong: an HTML page
 * where JSON was expected. With status 200 it is the kind of proxy that hides
 * errors (a captive portal, a maintenance page).
 */
export function htmlErrorPage(status = 502): WireResponse {
  const title = status === 200 ? 'Service temporarily unavailable' : `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  const text = `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>nginx</center></body></html>\n`;
  return { status, headers: {}, contentType: 'text/html; charset=utf-8', text };
}

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
