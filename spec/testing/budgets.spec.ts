import type { FakeProviderServer, FakeProviderServerOptions } from '../../src/testing/index.js';
import { headersOf, mobizonPost, postmanGet, startOnClock, streamGet, T0, type ManualClock } from './fakeServerHelpers.js';
import { SlidingWindowBudget } from '../../src/testing/log/requestBudget.js';

function rateLimitHeaders(response: Response): Record<string, string> {
  return Object.fromEntries(Object.entries(headersOf(response)).filter(([name]) => name.includes('ratelimit') || name === 'retry-after'));
}

const unix = (ms: number) => String(Math.ceil(ms / 1000));

describe('request budgets (enforced by the server, over a sliding window)', () => {
  let server: FakeProviderServer;
  let clock: ManualClock;

  const start = async (options: FakeProviderServerOptions) => {
    ({ server, clock } = await startOnClock(options));
    server.tasks.create({ provider: 'stream', id: 's1', duration: 60_000 });
    server.tasks.create({ provider: 'mobizon', id: '1', duration: 60_000 });
    server.tasks.create({ provider: 'postman', id: 'p1', duration: 60_000 });
  };
  afterEach(() => server.close());

  it('admits `budget` Stream requests per second, then answers 429 code 9 with Retry-After', async () => {
    await start({ stream: { budget: 2 } });
    const first = await streamGet(server, 's1');
    expect(first.status).toBe(200);
    expect(rateLimitHeaders(first)).toEqual({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': unix(T0 + 1000) });
    clock.advance(600);
    const second = await streamGet(server, 's1');
    expect(rateLimitHeaders(second)).toEqual({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': unix(T0 + 1000) });
    clock.advance(300);
    const refused = await streamGet(server, 's1');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: 9, message: 'Too many requests', StatusCode: 429, more_info: '', details: [] });
    expect(rateLimitHeaders(refused)).toEqual({
      'retry-after': '1',
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': unix(T0 + 1000),
    });
  });

  it('slides: a request is admitted when the oldest leaves the window, not at a fixed second', async () => {
    await start({ stream: { budget: 2 } });
    const statusAt = async (elapsed: number) => {
      clock.advance(elapsed - (clock.now() - T0));
      return (await streamGet(server, 's1')).status;
    };
    expect([await statusAt(0), await statusAt(600), await statusAt(900), await statusAt(1000), await statusAt(1100), await statusAt(1600)]).toEqual([
      200, 200, 429, 200, 429, 200,
    ]);
    expect(server.log.maxRequestsInAnyWindow()).toBe(4);
    expect(server.log.rateLimitRefusals()).toBe(2);
  });

  it('keeps one budget per API key', async () => {
    await start({ stream: { budget: 1 } });
    expect((await streamGet(server, 's1')).status).toBe(200);
    expect((await streamGet(server, 's1')).status).toBe(429);
    expect((await streamGet(server, 's1', { apiKey: 'someone-else' })).status).toBe(401);
  });

  it('keeps one budget per provider, shared by all its endpoints', async () => {
    await start({ stream: { budget: 1 }, postman: { budget: 1 } });
    expect((await streamGet(server, 's1')).status).toBe(200);
    expect((await streamGet(server, 's1', { legacy: true })).status).toBe(429);
    expect((await postmanGet(server, '/collection-updates-tasks/p1')).status).toBe(200);
    expect(await (await mobizonPost(server, '1')).json()).toMatchObject({ code: 0 });
  });

  it('refuses Mobizon requests over budget with code 30 and HTTP 200', async () => {
    await start({ mobizon: { budget: 1 } });
    expect(await (await mobizonPost(server, '1')).json()).toMatchObject({ code: 0 });
    const refused = await mobizonPost(server, '1');
    expect(refused.status).toBe(200);
    expect(await refused.text()).toBe('{"code":30,"data":"","message":"Too many requests"}');
    expect(rateLimitHeaders(refused)).toEqual({});
    expect(server.log.entries().map((entry) => entry.rateLimited)).toEqual([false, true]);
  });

  it('advertises a Postman budget in every form Postman documents (combined, and both header families) and refuses with rateLimited', async () => {
    await start({ postman: { budget: 2 } });
    const admitted = await postmanGet(server, '/collection-updates-tasks/p1');
    const reset = unix(T0 + 1000);
    expect(rateLimitHeaders(admitted)).toEqual({
      ratelimit: 'limit=2, remaining=1, reset=1',
      'ratelimit-limit': '2',
      'ratelimit-remaining': '1',
      'ratelimit-reset': reset,
      'ratelimit-policy': '2;w=1',
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '1',
      'x-ratelimit-reset': reset,
    });
    await postmanGet(server, '/collection-updates-tasks/p1');
    const refused = await postmanGet(server, '/collection-updates-tasks/p1');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ type: 'https://api.postman.com/problems/rate-limit-exceeded', status: 429 });
    expect(rateLimitHeaders(refused)).toMatchObject({ 'retry-after': '1', 'x-ratelimit-retryafter': '1', 'ratelimit-remaining': '0', 'x-ratelimit-remaining': '0' });
  });

  it('advertises and enforces the real limit when no budget is given: Postman\'s 300 a minute, on every answer', async () => {
    await start({});
    const first = await postmanGet(server, '/collection-updates-tasks/p1');
    expect(rateLimitHeaders(first)).toMatchObject({ ratelimit: 'limit=300, remaining=299, reset=60', 'x-ratelimit-limit': '300', 'ratelimit-policy': '300;w=60' });
    for (let index = 1; index < 300; index++) await postmanGet(server, '/collection-updates-tasks/p1');
    const refused = await postmanGet(server, '/collection-updates-tasks/p1');
    expect(refused.status).toBe(429);
    expect(rateLimitHeaders(refused)).toMatchObject({ 'retry-after': '60', 'x-ratelimit-remaining': '0' });
  });

  it('takes a limit per window: Postman\'s documented 300 a minute', async () => {
    await start({ postman: { budget: { limit: 300, windowSeconds: 60 } } });
    const response = await postmanGet(server, '/collection-updates-tasks/p1');
    expect(rateLimitHeaders(response)).toMatchObject({ 'ratelimit-policy': '300;w=60', 'ratelimit-limit': '300', 'ratelimit-remaining': '299', 'ratelimit-reset': unix(T0 + 60_000) });
  });

  it('takes a budget below one request per second as one request per 1/n seconds', async () => {
    await start({ stream: { budget: 0.5 } });
    expect((await streamGet(server, 's1')).status).toBe(200);
    clock.advance(1999);
    const refused = await streamGet(server, 's1');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    clock.advance(1);
    expect((await streamGet(server, 's1')).status).toBe(200);
  });

  it('can send every rate-limit value twice, "N, N", the way Stream sometimes does', async () => {
    await start({ stream: { budget: 5, duplicateRateLimitHeaders: true }, postman: { budget: 5, duplicateRateLimitHeaders: true } });
    expect(rateLimitHeaders(await streamGet(server, 's1'))).toEqual({
      'x-ratelimit-limit': '5, 5',
      'x-ratelimit-remaining': '4, 4',
      'x-ratelimit-reset': `${unix(T0 + 1000)}, ${unix(T0 + 1000)}`,
    });
    expect(rateLimitHeaders(await postmanGet(server, '/collection-updates-tasks/p1'))).toMatchObject({ 'ratelimit-limit': '5, 5', 'x-ratelimit-remaining': '4, 4', 'ratelimit-policy': '5;w=1' });
  });

  it('can keep its budget to itself: Postman with rateLimitHeaders false sends no rate-limit header, and its 429 only when to come back', async () => {
    await start({ postman: { budget: 1, rateLimitHeaders: false } });
    const answered = await postmanGet(server, '/collection-updates-tasks/p1');
    expect(answered.status).toBe(200);
    expect(rateLimitHeaders(answered)).toEqual({});
    const refused = await postmanGet(server, '/collection-updates-tasks/p1');
    expect(refused.status).toBe(429);
    // When to come back, in Postman's two spellings, and nothing of the limit.
    expect(rateLimitHeaders(refused)).toEqual({ 'retry-after': '1', 'x-ratelimit-retryafter': '1' });
  });

  it('does not count refusal faults against the budget', async () => {
    await start({ stream: { budget: 1 } });
    server.faults.add({ kind: 'server-error' }, { times: 3 });
    for (let i = 0; i < 3; i++) expect((await streamGet(server, 's1')).status).toBe(500);
    expect((await streamGet(server, 's1')).status).toBe(200);
  });

  it('rejects a budget that is not a positive rate', async () => {
    const { startFakeProviderServer } = await import('../../src/testing/index.js');
    await start({});
    await expect(startFakeProviderServer({ stream: { budget: 0 } })).rejects.toThrow(TypeError);
    await expect(startFakeProviderServer({ postman: { budget: { limit: 1.5, windowSeconds: 1 } } })).rejects.toThrow(TypeError);
  });
});

describe('the sliding window itself', () => {
  it('counts the same whatever the limit, and in order when a clock is set back', () => {
    const budget = new SlidingWindowBudget({ limit: 2, windowSeconds: 1 });
    expect(budget.admit('k', 1000)).toMatchObject({ admitted: true, remaining: 1, resetAt: 2000 });
    // A hand clock set back: the earlier time counts first.
    expect(budget.admit('k', 500)).toMatchObject({ admitted: true, remaining: 0, resetAt: 1500 });
    expect(budget.admit('k', 1200)).toMatchObject({ admitted: false, remaining: 0, resetAt: 1500, retryAfterMs: 300 });
    // 500 has left the window at 1500; 1000 at 2000.
    expect(budget.admit('k', 1500)).toMatchObject({ admitted: true, remaining: 0, resetAt: 2000 });
    expect(budget.admit('other', 1500)).toMatchObject({ admitted: true, remaining: 1 });
  });

  it('admits a roomy account at load: 200,000 requests in one window, each counted', () => {
    const budget = new SlidingWindowBudget({ limit: 1_000_000, windowSeconds: 60 });
    let last = budget.admit('k', 0);
    for (let at = 1; at < 200_000; at++) last = budget.admit('k', at / 10);
    expect(last).toMatchObject({ admitted: true, remaining: 800_000 });
    // The window slides: a minute later only what came in its last minute counts.
    expect(budget.admit('k', 70_000)).toMatchObject({ admitted: true, remaining: 900_000 }); // 99,999 from after 10 s, and this one
  });
});
