import { SignJWT } from 'jose';
import type { FakeProviderServer } from '../../src/testing/index.js';
import { signStreamToken, startFakeProviderServer } from '../../src/testing/index.js';
import { headersOf, startOnClock, streamGet, T0, type ManualClock } from './fakeServerHelpers.js';

const DURATION = /^\d+\.\d{2}ms$/;
const MORE_INFO = 'https://getstream.io/chat/docs/api_errors_response';

describe('fake Stream GetTask', () => {
  let server: FakeProviderServer;
  let clock: ManualClock;

  beforeEach(async () => {
    ({ server, clock } = await startOnClock());
  });
  afterEach(() => server.close());

  const steps = [
    { at: 0, status: 'waiting' },
    { at: 100, status: 'pending' },
    { at: 200, status: 'running' },
    { at: 300, status: 'completed', result: { url: 'https://example.com/export.json' } },
  ];

  it.each([
    [0, 'waiting', 0],
    [150, 'pending', 100],
    [299, 'running', 200],
  ])('at %i ms reports "%s" on /api/v2 with nanosecond timestamps', async (elapsed, status, since) => {
    server.tasks.create({ provider: 'stream', id: 'task-1', steps });
    clock.advance(elapsed);
    const response = await streamGet(server, 'task-1');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = await response.text();
    const created = `${T0}000000`;
    const updated = `${T0 + since}000000`;
    expect(text).toMatch(new RegExp(`^\\{"task_id":"task-1","status":"${status}","created_at":${created},"updated_at":${updated},"duration":"\\d+\\.\\d{2}ms"\\}$`));
  });

  it('reports a completed task with its result and a failed one with its error', async () => {
    server.tasks.create({ provider: 'stream', id: 'done', steps });
    server.tasks.create({ provider: 'stream', id: 'broken', duration: 1000, outcome: 'failed', error: { type: 'export_error', message: 'channel not found' } });
    clock.advance(1000);
    const done = (await (await streamGet(server, 'done')).json()) as Record<string, unknown>;
    expect(done).toEqual({
      task_id: 'done',
      status: 'completed',
      created_at: expect.any(Number),
      updated_at: expect.any(Number),
      result: { url: 'https://example.com/export.json' },
      duration: expect.stringMatching(DURATION),
    });
    const broken = (await (await streamGet(server, 'broken')).json()) as Record<string, unknown>;
    expect(broken).toEqual({
      task_id: 'broken',
      status: 'failed',
      created_at: expect.any(Number),
      updated_at: expect.any(Number),
      error: { type: 'export_error', description: 'channel not found' },
      duration: expect.stringMatching(DURATION),
    });
  });

  it('gives a failed task without a scripted error a generic one', async () => {
    server.tasks.create({ provider: 'stream', id: 'plain', steps: [{ at: 0, status: 'failed' }] });
    const body = (await (await streamGet(server, 'plain')).json()) as { error: unknown };
    expect(body.error).toEqual({ type: 'task_error', description: 'the task failed' });
  });

  it('writes timestamps beyond 2^53 as their exact integer digits', async () => {
    await server.close();
    let now = T0 + 0.428; // a clock with sub-millisecond precision, like the real server's
    server = await startFakeProviderServer({ clock: () => now });
    server.tasks.create({ provider: 'stream', id: 'precise', steps: [{ at: 0, status: 'running' }, { at: 100.5, status: 'completed' }] });
    now += 144.173;
    const text = await (await streamGet(server, 'precise')).text();
    expect(1765621515856428000 > Number.MAX_SAFE_INTEGER).toBe(true);
    expect(text).toContain('"created_at":1765621515856428000,"updated_at":1765621515956928000,');
    const legacy = await (await streamGet(server, 'precise', { legacy: true })).text();
    expect(legacy).toContain('"created_at":"2025-12-13T10:25:15.856428Z","updated_at":"2025-12-13T10:25:15.956928Z"');
  });

  it('answers the legacy /tasks/:id endpoint with the same task and RFC 3339 timestamps', async () => {
    server.tasks.create({ provider: 'stream', id: 'task-2', steps });
    clock.advance(1234.5);
    const response = await streamGet(server, 'task-2', { legacy: true });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      task_id: 'task-2',
      status: 'completed',
      created_at: '2025-12-13T10:25:15.856000Z',
      updated_at: '2025-12-13T10:25:16.156000Z',
      result: { url: 'https://example.com/export.json' },
      duration: expect.stringMatching(DURATION),
    });
  });

  it('passes an undocumented status through as scripted', async () => {
    server.tasks.create({ provider: 'stream', id: 'odd', steps: [{ at: 0, status: 'archiving' }] });
    expect(await (await streamGet(server, 'odd')).json()).toMatchObject({ status: 'archiving' });
  });

  it('sends its rate-limit headers on every answer, budget set or not, as the real API does (the nominal 300 a minute)', async () => {
    server.tasks.create({ provider: 'stream', id: 'quiet', duration: 10 });
    const first = headersOf(await streamGet(server, 'quiet'));
    const second = headersOf(await streamGet(server, 'quiet'));
    expect(first).toMatchObject({ 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '299', 'x-ratelimit-reset': expect.stringMatching(/^\d+$/) });
    expect(second['x-ratelimit-remaining']).toBe('298');
    expect(first['retry-after']).toBeUndefined();
  });

  describe('errors (APIError bodies)', () => {
    const apiError = (code: number, status: number, message: string | RegExp) => ({
      code,
      message: typeof message === 'string' ? message : expect.stringMatching(message),
      StatusCode: status,
      duration: expect.stringMatching(DURATION),
      more_info: MORE_INFO,
      details: [],
    });

    beforeEach(() => {
      server.tasks.create({ provider: 'stream', id: 'known', duration: 1000 });
    });

    it('answers 404 code 16 for an unknown task', async () => {
      const response = await streamGet(server, 'nope');
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual(apiError(16, 404, 'task nope does not exist'));
    });

    it('answers 404 for a task of another provider', async () => {
      const mobizon = server.tasks.create({ provider: 'mobizon', duration: 1000 });
      expect((await streamGet(server, mobizon.id)).status).toBe(404);
    });

    it('answers 401 code 2 for a wrong or missing api_key', async () => {
      for (const apiKey of ['wrong', null]) {
        const response = await streamGet(server, 'known', { apiKey });
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual(apiError(2, 401, 'api_key not valid'));
      }
    });

    it('answers 401 code 43 "signature is invalid" for a token signed with another secret', async () => {
      const response = await streamGet(server, 'known', { token: await signStreamToken('another-secret') });
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual(apiError(43, 401, 'signature is invalid'));
      expect(text).toMatch(/^\{"code":43,"message":"signature is invalid","StatusCode":401,"duration":"[\d.]+ms","more_info":"[^"]+","details":\[\]\}$/);
    });

    it('answers 401 code 5 without an Authorization header', async () => {
      const response = await streamGet(server, 'known', { token: null });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual(apiError(5, 401, /Authorization header is missing/));
    });

    it('answers 401 code 5 without `stream-auth-type: jwt`', async () => {
      for (const authType of [null, 'anonymous']) {
        const response = await streamGet(server, 'known', { authType });
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual(apiError(5, 401, /stream-auth-type/));
      }
    });

    it('refuses a token sent as "Bearer <token>" (Stream wants the raw token)', async () => {
      const token = await signStreamToken(server.credentials.stream.apiSecret);
      const response = await streamGet(server, 'known', { token: `Bearer ${token}` });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: 5 });
    });

    it('refuses a token signed with another algorithm', async () => {
      const secret = new TextEncoder().encode(server.credentials.stream.apiSecret);
      const token = await new SignJWT({ server: true }).setProtectedHeader({ alg: 'HS512' }).sign(secret);
      expect(await (await streamGet(server, 'known', { token })).json()).toMatchObject({ code: 5, StatusCode: 401 });
    });

    it('answers 403 code 17 for a valid token whose payload lacks `server: true`', async () => {
      const secret = server.credentials.stream.apiSecret;
      for (const payload of [{ user_id: 'john' }, { server: 'true' }]) {
        const response = await streamGet(server, 'known', { token: await signStreamToken(secret, payload) });
        expect(response.status).toBe(403);
        expect(await response.json()).toEqual(apiError(17, 403, /server-side tokens/));
      }
    });

    it('judges exp, nbf and iat on the wall clock, as Stream does, whatever the script clock says: codes 40, 41, 42', async () => {
      const secret = server.credentials.stream.apiSecret;
      const seconds = Math.floor(Date.now() / 1000);
      const cases: Array<[Record<string, unknown>, number]> = [
        [{ server: true, exp: seconds - 10 }, 40],
        [{ server: true, nbf: seconds + 60 }, 41],
        [{ server: true, iat: seconds + 60 }, 42],
      ];
      for (const [payload, code] of cases) {
        const response = await streamGet(server, 'known', { token: await signStreamToken(secret, payload) });
        expect(response.status).toBe(401);
        expect(await response.json()).toMatchObject({ code, StatusCode: 401 });
      }
      // The script clock is a year and more behind the wall clock: a token signed now is still good.
      expect(T0).toBeLessThan(Date.now() - 300 * 86_400_000);
      const fine = await signStreamToken(secret, { server: true, iat: seconds - 5, exp: seconds + 60 });
      expect((await streamGet(server, 'known', { token: fine })).status).toBe(200);
      clock.advance(61_000);
      expect((await streamGet(server, 'known', { token: fine })).status).toBe(200);
    });

    it('accepts the official SDKs\' token exactly: {"server":true}, HS256, no iat or exp', async () => {
      const token = await signStreamToken(server.credentials.stream.apiSecret);
      const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as unknown);
      expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
      expect(payload).toEqual({ server: true });
      expect((await streamGet(server, 'known', { token })).status).toBe(200);
    });

    it('uses the credentials it was given', async () => {
      await server.close();
      ({ server } = await startOnClock({ stream: { apiKey: 'my-key', apiSecret: 'my-secret' } }));
      server.tasks.create({ provider: 'stream', id: 'mine', duration: 10 });
      expect(server.credentials.stream).toEqual({ apiKey: 'my-key', apiSecret: 'my-secret' });
      const token = await signStreamToken('my-secret');
      expect((await streamGet(server, 'mine', { apiKey: 'my-key', token })).status).toBe(200);
      expect((await streamGet(server, 'mine', { apiKey: 'fake-stream-key', token })).status).toBe(401);
    });
  });
});
