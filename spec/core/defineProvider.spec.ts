import { inspect } from 'node:util';
import { lastValueFrom, toArray } from 'rxjs';
import { left, right } from 'fp-ts/lib/Either.js';
import { AuthenticationError, defineProvider, TaskNotFoundError, TransportError, type TaskState } from '../../src/index.js';
import { acmeTasks } from '../support/acmeProvider.js';
import { startAcmeServer } from '../support/acmeServer.js';
import type { TestServer } from '../support/httpServer.js';
import { startTestServer } from '../support/httpServer.js';

const TOKEN = 'acme_tok_5ecret_9f8e7d';

/** Every way an error can be shown: none may contain the token. */
function everyRendering(error: unknown): string[] {
  const texts = [String(error), JSON.stringify(error), inspect(error, { depth: 10 })];
  for (let e: unknown = error; e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e); e = (e as Error).cause) {
    texts.push((e as Error).message, String((e as Error).stack));
  }
  return texts;
}

describe('a provider defined with defineProvider, over real HTTP', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const fast = { interval: 20, retry: { minDelay: 10, maxDelay: 20 } };

  it('follows a job from queued to done, one request per poll, with its credentials', async () => {
    server = await startAcmeServer(TOKEN, {
      j1: [
        { id: 'j1', state: 'queued' },
        { id: 'j1', state: 'working', percent: 50 },
        { id: 'j1', state: 'working', percent: 50 },
        { id: 'j1', state: 'done', output: { url: 'https://files/x.json' } },
      ],
    });
    const acme = acmeTasks({ token: TOKEN, baseUrl: server.url, ...fast });
    const states = await lastValueFrom(acme.watch('j1').pipe(toArray()));
    expect(states.map((s: TaskState) => [s.status, s.progress])).toEqual([
      ['pending', undefined],
      ['running', 0.5],
      ['completed', 1],
    ]);
    expect(states[2]).toMatchObject({ provider: 'acme', id: 'j1', result: { url: 'https://files/x.json' } });
    expect(server.requests).toHaveLength(4);
    expect(server.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}` && r.url === '/v1/jobs/j1')).toBe(true);
  });

  it('shares one loop between two subscribers', async () => {
    server = await startAcmeServer(TOKEN, { j2: [{ id: 'j2', state: 'working', percent: 10 }, { id: 'j2', state: 'done' }] });
    const acme = acmeTasks({ token: TOKEN, baseUrl: server.url, ...fast });
    const [a, b] = await Promise.all([lastValueFrom(acme.watch('j2')), lastValueFrom(acme.watch('j2'))]);
    expect([a.status, b.status]).toEqual(['completed', 'completed']);
    expect(server.requests).toHaveLength(2);
  });

  it('recovers from 503s', async () => {
    server = await startAcmeServer(TOKEN, { j3: [{ status: 503 }, { status: 503 }, { id: 'j3', state: 'done' }] });
    const acme = acmeTasks({ token: TOKEN, baseUrl: server.url, ...fast });
    await expect(lastValueFrom(acme.watch('j3'))).resolves.toMatchObject({ status: 'completed' });
    expect(server.requests).toHaveLength(3);
  });

  it('ends with TaskNotFoundError after exactly one request', async () => {
    server = await startAcmeServer(TOKEN, {});
    const acme = acmeTasks({ token: TOKEN, baseUrl: server.url, ...fast });
    await expect(lastValueFrom(acme.watch('nope'))).rejects.toBeInstanceOf(TaskNotFoundError);
    expect(server.requests).toHaveLength(1);
  });

  it('ends with AuthenticationError after exactly one request, and never shows the token', async () => {
    server = await startAcmeServer('the-real-token', { j4: [{ id: 'j4', state: 'done' }] });
    const acme = acmeTasks({ token: TOKEN, baseUrl: server.url, ...fast });
    const error = await lastValueFrom(acme.watch('j4')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ provider: 'acme', taskId: 'j4', message: 'Acme job j4 was refused (HTTP 401)' });
    expect(server.requests).toHaveLength(1);
    for (const text of everyRendering(error)) expect(text).not.toContain(TOKEN);
  });

  it('times out a request that hangs, closes it, and never shows the token', async () => {
    server = await startAcmeServer(TOKEN, { j5: ['hang'] });
    const acme = acmeTasks({ token: TOKEN, baseUrl: server.url, requestTimeout: 100, retry: { retries: 0 } });
    const error = await lastValueFrom(acme.watch('j5')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ reason: 'timeout', taskId: 'j5' });
    await server.settled(1);
    expect(server.requests[0]?.aborted).toBe(true);
    for (const text of everyRendering(error)) expect(text).not.toContain(TOKEN);
  });

  it('aborts the request in flight when the subscriber leaves', async () => {
    server = await startAcmeServer(TOKEN, { j6: ['hang'] });
    const acme = acmeTasks({ token: TOKEN, baseUrl: server.url, requestTimeout: 10_000 });
    const subscription = acme.watch('j6').subscribe();
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    subscription.unsubscribe();
    await server.settled(1);
    expect(server.requests[0]?.aborted).toBe(true);
  });

  it('gives up on an unreachable host with a TransportError that shows no secret anywhere, cause included', async () => {
    const gone = await startTestServer(() => undefined);
    await gone.close();
    const acme = acmeTasks({ token: TOKEN, baseUrl: gone.url, retry: { retries: 1, minDelay: 5 } });
    const error = await lastValueFrom(acme.watch('j7')).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TransportError', reason: 'network', provider: 'acme', taskId: 'j7' });
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect((error as Error).cause).toBeDefined();
    for (const text of everyRendering(error)) expect(text).not.toContain(TOKEN);
  });
});

describe('a provider that sends its key in the query string (as Stream and Mobizon do)', () => {
  const KEY = 'qk_4ab3c2d1e0f9';
  const queryKeyTasks = defineProvider({
    name: 'query-key',
    defaults: { interval: 20, maxRequestsPerSecond: 50 },
    setup: (options: { apiKey: string; baseUrl: string }) => ({ baseUrl: options.baseUrl, context: options.apiKey, secrets: [options.apiKey] }),
    identify: (ref: string) => ({ id: ref }),
    request: ({ id, context }) => ({ method: 'GET', path: `/t/${id}`, query: { apiKey: context } }),
    decode: (response) => (response.status === 200 ? right({ status: 'completed', providerStatus: 'ok', raw: null }) : left(new TaskNotFoundError('no'))),
  });

  it('keeps the key out of the error and out of the cause that fetch made from the URL', async () => {
    const gone = await startTestServer(() => undefined);
    await gone.close();
    const source = queryKeyTasks({ apiKey: KEY, baseUrl: gone.url, retry: { retries: 0 } });
    const error = await lastValueFrom(source.watch('t1')).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TransportError', reason: 'network' });
    const cause = (error as Error).cause as Error;
    expect(cause.message).toMatch(/ECONNREFUSED/); // the cause is kept, only the key is gone from it
    for (const text of everyRendering(error)) expect(text).not.toContain(KEY);
  });
});
