import type { FakeProviderServer } from '../../src/testing/index.js';
import { headersOf, mobizonPost, postmanGet, startOnClock, streamGet, T0 } from './fakeServerHelpers.js';

const RESET_IN_2_S = String(Math.ceil((T0 + 2000) / 1000));

function rateLimitHeaders(response: Response): Record<string, string> {
  return Object.fromEntries(Object.entries(headersOf(response)).filter(([name]) => name.includes('ratelimit') || name === 'retry-after'));
}

describe('refusal faults (answered in the provider\'s place)', () => {
  let server: FakeProviderServer;

  beforeEach(async () => {
    ({ server } = await startOnClock());
    server.tasks.create({ provider: 'stream', id: 's1', duration: 1000 });
    server.tasks.create({ provider: 'mobizon', id: '1', duration: 1000 });
    server.tasks.create({ provider: 'postman', id: 'p1', duration: 1000 });
  });
  afterEach(() => server.close());

  describe('rate-limited', () => {
    it('is a Stream 429 code 9 with Retry-After in seconds and X-RateLimit-* (reset in Unix seconds)', async () => {
      server.faults.add({ kind: 'rate-limited', retryAfterSeconds: 2 });
      const response = await streamGet(server, 's1');
      expect(response.status).toBe(429);
      expect(await response.text()).toMatch(/^\{"code":9,"message":"Too many requests","StatusCode":429,"duration":"[\d.]+ms","more_info":"","details":\[\]\}$/);
      expect(rateLimitHeaders(response)).toEqual({
        'retry-after': '2',
        'x-ratelimit-limit': '300',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': RESET_IN_2_S,
      });
      expect((await streamGet(server, 's1')).status).toBe(200);
    });

    it('can give Retry-After as an HTTP date, on the server clock like the Date header', async () => {
      server.faults.add({ kind: 'rate-limited', retryAfterSeconds: 2, retryAfterAs: 'http-date' });
      const response = await streamGet(server, 's1');
      expect(response.headers.get('retry-after')).toBe('Sat, 13 Dec 2025 10:25:18 GMT');
      expect(response.headers.get('date')).toBe('Sat, 13 Dec 2025 10:25:15 GMT');
    });

    it('can leave Retry-After out, so that only X-RateLimit-Reset says when', async () => {
      server.faults.add({ kind: 'rate-limited', retryAfterSeconds: 2, retryAfterAs: 'reset-only' });
      const response = await streamGet(server, 's1');
      expect(response.status).toBe(429);
      expect(rateLimitHeaders(response)).toEqual({ 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': RESET_IN_2_S });
    });

    it('is Postman\'s rateLimited problem with Retry-After, X-RateLimit-RetryAfter and both header families', async () => {
      server.faults.add({ kind: 'rate-limited', retryAfterSeconds: 2 });
      const response = await postmanGet(server, '/collection-updates-tasks/p1');
      expect(response.status).toBe(429);
      expect(await response.text()).toBe(
        '{"type":"https://api.postman.com/problems/rate-limit-exceeded","title":"Too Many Requests","status":429,"detail":"Rate limit exceeded. Retry after the period indicated by the Retry-After header."}',
      );
      expect(rateLimitHeaders(response)).toEqual({
        'retry-after': '2',
        'x-ratelimit-retryafter': '2',
        ratelimit: 'limit=300, remaining=0, reset=2',
        'ratelimit-limit': '300',
        'ratelimit-remaining': '0',
        'ratelimit-reset': RESET_IN_2_S,
        'ratelimit-policy': '300;w=60',
        'x-ratelimit-limit': '300',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': RESET_IN_2_S,
      });
    });

    it('takes the legacy Postman shape when the fault asks for it', async () => {
      server.faults.add({ kind: 'rate-limited', errorShape: 'legacy' });
      const response = await postmanGet(server, '/collection-updates-tasks/p1');
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.json()).toEqual({
        error: { name: 'rateLimited', message: 'Rate limit exceeded. Retry after the period indicated by the Retry-After header.' },
      });
    });

    it('is Mobizon\'s code 30 with HTTP 200 and no rate-limit headers', async () => {
      server.faults.add({ kind: 'rate-limited', retryAfterSeconds: 5 });
      const response = await mobizonPost(server, '1');
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('{"code":30,"data":"","message":"Too many requests"}');
      expect(rateLimitHeaders(response)).toEqual({});
    });

    describe('answered by a gateway in front of the provider (`answeredBy: \'gateway\'`)', () => {
      const page = '<!DOCTYPE html>\n<html><head><title>429 Too Many Requests</title></head><body><center><h1>429 Too Many Requests</h1></center><hr><center>nginx</center></body></html>\n';

      it.each([
        ['seconds', { 'retry-after': '2' }],
        ['http-date', { 'retry-after': 'Sat, 13 Dec 2025 10:25:18 GMT' }],
        ['reset-only', {}],
      ] as const)('is an HTTP 429 HTML page for Mobizon too, with Retry-After as %s and X-RateLimit-*', async (retryAfterAs, retryAfter) => {
        server.faults.add({ kind: 'rate-limited', answeredBy: 'gateway', retryAfterSeconds: 2, retryAfterAs });
        const response = await mobizonPost(server, '1');
        expect(response.status).toBe(429);
        expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(await response.text()).toBe(page);
        expect(rateLimitHeaders(response)).toEqual({ ...retryAfter, 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': RESET_IN_2_S });
        expect(server.log.entries()[0]).toMatchObject({ fault: 'rate-limited', status: 429, rateLimited: true });
        expect(server.log.entries()[0]?.providerCode).toBeUndefined();
      });

      it('is the same page whatever the provider behind it', async () => {
        server.faults.add({ kind: 'rate-limited', answeredBy: 'gateway' }, { times: 2 });
        for (const response of [await streamGet(server, 's1'), await postmanGet(server, '/collection-updates-tasks/p1')]) {
          expect(response.status).toBe(429);
          expect(response.headers.get('retry-after')).toBe('1');
          expect(await response.text()).toBe(page);
        }
      });
    });

    it('is logged as a rate-limit refusal', async () => {
      server.faults.add({ kind: 'rate-limited' }, { times: 3 });
      await streamGet(server, 's1');
      await mobizonPost(server, '1');
      await postmanGet(server, '/collection-updates-tasks/p1');
      expect(server.log.rateLimitRefusals()).toBe(3);
      expect(server.log.entries().map((entry) => [entry.fault, entry.status, entry.providerCode])).toEqual([
        ['rate-limited', 429, 9],
        ['rate-limited', 200, 30],
        ['rate-limited', 429, undefined],
      ]);
    });
  });

  describe('server-error', () => {
    it.each([
      [500, 'internal server error'],
      [502, 'bad gateway'],
      [503, 'service unavailable'],
    ])('is a Stream %i with an APIError of code -1', async (status, message) => {
      server.faults.add({ kind: 'server-error', status });
      const response = await streamGet(server, 's1');
      expect(response.status).toBe(status);
      expect(await response.json()).toEqual({
        code: -1,
        message,
        StatusCode: status,
        duration: expect.stringMatching(/ms$/),
        more_info: 'https://getstream.io/chat/docs/api_errors_response',
        details: [],
      });
    });

    it.each([
      [500, 'internal-server-error', 'Internal Server Error'],
      [502, 'bad-gateway', 'Bad Gateway'],
      [503, 'service-unavailable', 'Service Unavailable'],
    ])('is a Postman %i problem, or its legacy error', async (status, problem, title) => {
      server.faults.add({ kind: 'server-error', status });
      server.faults.add({ kind: 'server-error', status, errorShape: 'legacy' });
      const first = await postmanGet(server, '/collection-updates-tasks/p1');
      expect(first.status).toBe(status);
      expect(await first.json()).toEqual({
        type: `https://api.postman.com/problems/${problem}`,
        title,
        status,
        detail: 'Something went wrong on our side. Try again later.',
      });
      const second = await postmanGet(server, '/collection-updates-tasks/p1');
      expect(second.status).toBe(status);
      expect(await second.json()).toEqual({ error: { name: 'serverError', message: 'Something went wrong on our side. Try again later.' } });
    });

    it('is a Mobizon envelope with code 999 under the HTTP status', async () => {
      server.faults.add({ kind: 'server-error', status: 503 });
      const response = await mobizonPost(server, '1');
      expect(response.status).toBe(503);
      expect(await response.text()).toBe('{"code":999,"data":"","message":"General error"}');
    });
  });

  describe('html-error-page', () => {
    it('is a proxy\'s 502 HTML page by default', async () => {
      server.faults.add({ kind: 'html-error-page' });
      const response = await streamGet(server, 's1');
      expect(response.status).toBe(502);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const text = await response.text();
      expect(text).toContain('<title>502 Bad Gateway</title>');
      expect(() => JSON.parse(text)).toThrow();
    });

    it('can come with status 200, for every provider', async () => {
      server.faults.add({ kind: 'html-error-page', status: 200 }, { times: Infinity });
      for (const response of [await mobizonPost(server, '1'), await postmanGet(server, '/collection-updates-tasks/p1')]) {
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(await response.text()).toMatch(/^<!DOCTYPE html>.*Service temporarily unavailable/s);
      }
    });
  });

  describe('provider-specific final errors', () => {
    it('stream-error sends any APIError, `unrecoverable: true` included', async () => {
      server.faults.add({ kind: 'stream-error', status: 400, code: 4, message: 'task expired', unrecoverable: true });
      const response = await streamGet(server, 's1');
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(
        /^\{"code":4,"message":"task expired","StatusCode":400,"duration":"[\d.]+ms","more_info":"[^"]+","details":\[\],"unrecoverable":true\}$/,
      );
    });

    it('stream-error carries exception_fields and details when given', async () => {
      server.faults.add({ kind: 'stream-error', status: 400, code: 4, message: 'GetTask failed with error: "id is not a valid uuid"', exceptionFields: { id: 'id is not a valid uuid' }, details: [4, 17] });
      const response = await streamGet(server, 's1');
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        code: 4,
        message: 'GetTask failed with error: "id is not a valid uuid"',
        StatusCode: 400,
        duration: expect.stringMatching(/ms$/),
        more_info: 'https://getstream.io/chat/docs/api_errors_response',
        details: [4, 17],
        exception_fields: { id: 'id is not a valid uuid' },
      });
    });

    it('stream-error placed everywhere touches only Stream', async () => {
      server.faults.add({ kind: 'stream-error', status: 500, code: -1 }, { times: Infinity });
      expect((await postmanGet(server, '/collection-updates-tasks/p1')).status).toBe(200);
      expect(await (await mobizonPost(server, '1')).json()).toMatchObject({ code: 0 });
      expect((await streamGet(server, 's1')).status).toBe(500);
    });

    it("service-limit-exhausted is Postman's final 429, without Retry-After: the OpenAPI's plan-limit example, or serviceLimitExhausted in the legacy shape", async () => {
      server.faults.add({ kind: 'service-limit-exhausted' });
      server.faults.add({ kind: 'service-limit-exhausted', errorShape: 'legacy' });
      const problem = await postmanGet(server, '/collection-updates-tasks/p1');
      expect(problem.status).toBe(429);
      expect(problem.headers.get('retry-after')).toBeNull();
      expect(await problem.json()).toEqual({
        type: 'https://api.postman.com/problems/rate-limit-exceeded',
        title: "You've reached the limit for your plan",
        status: 429,
        detail: "You've reached the limit for number of Packages.",
      });
      const legacy = await postmanGet(server, '/collection-updates-tasks/p1');
      expect(await legacy.json()).toEqual({
        error: { name: 'serviceLimitExhausted', message: "You've reached the usage limit of your plan. Contact your Postman Team Admin for assistance." },
      });
    });

    it('postman-error sends any Postman error in the configured shape', async () => {
      server.faults.add({ kind: 'postman-error', status: 403, name: 'forbiddenError', title: 'Forbidden', message: 'You are not permitted to do this.' });
      const response = await postmanGet(server, '/collection-updates-tasks/p1');
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({
        type: 'https://api.postman.com/problems/forbiddenError',
        title: 'Forbidden',
        status: 403,
        detail: 'You are not permitted to do this.',
      });
    });

    it('mobizon-error sends any code with HTTP 200, with the documented message unless given one', async () => {
      server.faults.add({ kind: 'mobizon-error', code: 14 });
      server.faults.add({ kind: 'mobizon-error', code: 100, data: '4242', message: 'Queued' });
      const blocked = await mobizonPost(server, '1');
      expect(blocked.status).toBe(200);
      expect(await blocked.text()).toBe('{"code":14,"data":"","message":"Account blocked or deleted"}');
      expect(await (await mobizonPost(server, '1')).text()).toBe('{"code":100,"data":"4242","message":"Queued"}');
      expect(server.log.entries().map((entry) => entry.providerCode)).toEqual([14, 100]);
    });
  });

  it('answers before the credentials are checked', async () => {
    server.faults.add({ kind: 'server-error' });
    expect((await streamGet(server, 's1', { apiKey: 'wrong' })).status).toBe(500);
    expect((await streamGet(server, 's1', { apiKey: 'wrong' })).status).toBe(401);
  });
});
