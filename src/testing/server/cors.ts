import type { IncomingMessage } from 'node:http';

/** Headers a browser script must be able to read: every rate-limit header and Retry-After. */
const EXPOSED_HEADERS = [
  'Retry-After',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'X-RateLimit-RetryAfter',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'RateLimit-Policy',
];

const REQUEST_HEADERS = 'Authorization, stream-auth-type, x-api-key, Content-Type, Accept';

/**
 * On every response: any origin may read it (a demo page on another loopback
 * port, for instance), headers included. No cookies are involved, so `*` is enough.
 */
export function corsHeaders(): Record<string, string> {
  return { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': EXPOSED_HEADERS.join(', ') };
}

/** The answer to a preflight `OPTIONS`: the methods and request headers the three providers need. */
export function preflightHeaders(request: IncomingMessage): Record<string, string> {
  const asked = request.headers['access-control-request-headers'];
  return {
    ...corsHeaders(),
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    // A fake server lets a browser send whatever it asks for; the provider checks happen on the real request.
    'Access-Control-Allow-Headers': asked === undefined || asked.trim() === '' ? REQUEST_HEADERS : asked,
    'Access-Control-Max-Age': '600',
    Vary: 'Access-Control-Request-Headers',
  };
}
