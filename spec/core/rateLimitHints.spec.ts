import { MAX_SERVER_WAIT_MS, parseRetryAfter, readRateLimitHints, type HeaderReader } from '../../src/core/rateLimitHints.js';

const NOW = Date.parse('2025-12-13T10:00:00Z');
const at = (headers: Record<string, string>) => readRateLimitHints(new Headers(headers), NOW);

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    ['0', 0],
    ['1.5', 1500],
    [' 7 ', 7000],
    ['Sat, 13 Dec 2025 10:00:30 GMT', 30_000],
    ['Sat, 13 Dec 2025 09:59:00 GMT', 0],
    // The two obsolete forms RFC 9110 says a recipient must accept; asctime is GMT without saying so.
    ['Saturday, 13-Dec-25 10:00:30 GMT', 30_000],
    ['Sat Dec 13 10:00:30 2025', 30_000],
    ['Sat Dec  6 10:00:00 2025', 0],
  ])('%j → %d ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  it.each([null, undefined, '', 'soon', '-5', '1e3'])('%j → undefined', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  it('says what it expected when called with something that is not a header value', () => {
    expect(() => parseRetryAfter(5 as never, NOW)).toThrow(new TypeError('Expected a Retry-After header value (a string), got 5.'));
    expect(() => parseRetryAfter('5', 'now' as never)).toThrow(/Expected `now` to be a time in ms/);
  });
});

describe('readRateLimitHints', () => {
  it("reads Postman's combined RateLimit header (limit, remaining, and reset in seconds from now), in any order", () => {
    expect(at({ RateLimit: 'limit=300, remaining=12, reset=42' })).toEqual({ limit: 300, remaining: 12, resetAt: NOW + 42_000 });
    expect(at({ RateLimit: 'reset=5,remaining=0,limit=300', 'RateLimit-Policy': '300;w=60' })).toEqual({ limit: 300, remaining: 0, resetAt: NOW + 5000, windowMs: 60_000 });
    // The later drafts' short form.
    expect(at({ RateLimit: '"default";r=7;t=3' })).toEqual({ remaining: 7, resetAt: NOW + 3000 });
  });

  it('lets separate headers win over the combined one, and reads nothing from a combined header it cannot read', () => {
    expect(at({ RateLimit: 'limit=300, remaining=12, reset=42', 'X-RateLimit-Remaining': '3' })).toEqual({ limit: 300, remaining: 3, resetAt: NOW + 42_000 });
    expect(at({ RateLimit: 'plenty' })).toEqual({});
    expect(at({ RateLimit: 'remaining=-1, limit=lots' })).toEqual({});
  });

  it("reads Postman's RetryAfter spelling, after Retry-After and X-RateLimit-RetryAfter", () => {
    expect(at({ RetryAfter: '9' })).toEqual({ retryAfterMs: 9000 });
    expect(at({ RetryAfter: '9', 'X-RateLimit-RetryAfter': '4' })).toEqual({ retryAfterMs: 4000 });
    expect(at({ RetryAfter: '9', 'Retry-After': '2' })).toEqual({ retryAfterMs: 2000 });
  });

  it('reads the X-RateLimit-* family, with the reset in Unix seconds (Stream, Postman)', () => {
    const reset = NOW / 1000 + 42;
    expect(at({ 'X-RateLimit-Limit': '300', 'X-RateLimit-Remaining': '12', 'X-RateLimit-Reset': String(reset) })).toEqual({
      limit: 300,
      remaining: 12,
      resetAt: NOW + 42_000,
    });
  });

  it('reads the IETF RateLimit-* family, with the reset in seconds from now', () => {
    expect(at({ 'RateLimit-Limit': '300', 'RateLimit-Remaining': '0', 'RateLimit-Reset': '17', 'RateLimit-Policy': '300;w=60' })).toEqual({
      limit: 300,
      remaining: 0,
      resetAt: NOW + 17_000,
      windowMs: 60_000,
    });
  });

  it("reads the window of RateLimit-Policy ('100;w=1', its first policy), and nothing from one without a window", () => {
    expect(at({ 'RateLimit-Policy': '100;w=1' })).toEqual({ windowMs: 1000 });
    expect(at({ 'RateLimit-Policy': '"burst";q=100;w=0.5, "day";q=5000;w=86400' })).toEqual({ windowMs: 500 });
    expect(at({ 'RateLimit-Policy': '100' })).toEqual({});
    expect(at({ 'RateLimit-Policy': '100;w=0' })).toEqual({});
    expect(at({ 'RateLimit-Policy': '100;w=soon' })).toEqual({});
  });

  it('takes the first of duplicated values such as "300, 300"', () => {
    expect(at({ 'X-RateLimit-Limit': '300, 300', 'X-RateLimit-Remaining': '299, 299' })).toEqual({ limit: 300, remaining: 299 });
  });

  it('reads Retry-After in seconds, as an HTTP date, duplicated, and Postman\'s X-RateLimit-RetryAfter', () => {
    expect(at({ 'Retry-After': '3' }).retryAfterMs).toBe(3000);
    expect(at({ 'Retry-After': 'Sat, 13 Dec 2025 10:00:05 GMT' }).retryAfterMs).toBe(5000);
    expect(at({ 'Retry-After': 'Sat, 13 Dec 2025 10:00:05 GMT, Sat, 13 Dec 2025 10:00:05 GMT' }).retryAfterMs).toBe(5000);
    expect(at({ 'X-RateLimit-RetryAfter': '9' }).retryAfterMs).toBe(9000);
  });

  it('reads the RFC 850 form of the date even though it has a comma of its own, duplicated or not', () => {
    expect(at({ 'Retry-After': 'Saturday, 13-Dec-25 10:00:05 GMT' }).retryAfterMs).toBe(5000);
    expect(at({ 'Retry-After': 'Saturday, 13-Dec-25 10:00:05 GMT, Saturday, 13-Dec-25 10:00:05 GMT' }).retryAfterMs).toBe(5000);
  });

  it('never asks for more than an hour, however long the server says', () => {
    expect(at({ 'Retry-After': '99999999999' }).retryAfterMs).toBe(MAX_SERVER_WAIT_MS);
    expect(at({ 'X-RateLimit-Reset': String(NOW / 1000 + 10 * 365 * 24 * 3600) }).resetAt).toBe(NOW + MAX_SERVER_WAIT_MS);
    expect(MAX_SERVER_WAIT_MS).toBe(3_600_000);
  });

  it('reads node-fetch headers (what cross-fetch gives in Node) through their raw map, whatever the case, and any reader by get()', () => {
    const { Headers: NodeFetchHeaders } = require('node-fetch') as { Headers: new (init: Array<[string, string]>) => HeaderReader };
    const nodeFetch = new NodeFetchHeaders([
      ['X-RateLimit-Limit', '300'],
      ['x-ratelimit-limit', '300'],
      ['X-RateLimit-Remaining', '7'],
      ['Retry-After', '2'],
    ]);
    expect(readRateLimitHints(nodeFetch, NOW)).toEqual({ limit: 300, remaining: 7, retryAfterMs: 2000 });
    const plain: HeaderReader = { get: (name) => ({ 'ratelimit-remaining': '3', 'ratelimit-reset': '4' })[name] ?? null };
    expect(readRateLimitHints(plain, NOW)).toEqual({ remaining: 3, resetAt: NOW + 4000 });
    expect(readRateLimitHints(new NodeFetchHeaders([['content-type', 'application/json']]), NOW)).toEqual({});
  });

  it('accepts a reset in Unix milliseconds', () => {
    expect(at({ 'X-RateLimit-Reset': String(NOW + 5000) }).resetAt).toBe(NOW + 5000);
  });

  it('ignores garbage rather than guessing', () => {
    expect(at({ 'X-RateLimit-Limit': 'lots', 'X-RateLimit-Remaining': '-1', 'X-RateLimit-Reset': 'later', 'Retry-After': 'never' })).toEqual({});
  });
});
