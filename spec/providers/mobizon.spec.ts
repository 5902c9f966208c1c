import { take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ARRIVAL_MARGIN_MS } from '../../src/core/budget.js';
import { scriptedTransport } from '../support/scriptedTransport.js';
import {
  AuthenticationError,
  DecodeError,
  fixedInterval,
  MOBIZON_DOMAINS,
  mobizonTasks,
  ProviderError,
  RateLimitError,
  TaskNotFoundError,
  type MobizonOptions,
  type SourceOptions,
} from '../../src/index.js';
import { acceleratedTime, startFakeProviderServer, type AcceleratedTime, type FakeProviderServer, type FakeMobizonOptions } from '../../src/testing/index.js';
import { startTestServer, type TestServer } from '../support/httpServer.js';
import { collect, expectNoSecrets, headerOf, startRecordingProxy } from './support.js';

const API_KEY = 'mobizon-key-Hb27Wq';

// Mobizon's 1 s floor makes every second poll a second away: both the fake
// server and the sources run on one clock 20× faster than the wall clock.
const FACTOR = 20;

describe('mobizonTasks against the fake Mobizon API', () => {
  let server: FakeProviderServer | undefined;
  let proxy: TestServer | undefined;
  let time: AcceleratedTime;

  // Checked shape: the fake refuses any request of ours that is not the one Mobizon documents.
  async function start(mobizon: FakeMobizonOptions = {}): Promise<FakeProviderServer> {
    time = acceleratedTime(FACTOR);
    server = await startFakeProviderServer({ clock: time.now, mobizon: { apiKey: API_KEY, checkRequestShape: true, ...mobizon } });
    return server;
  }

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await server?.close();
    server = undefined;
  });

  const source = (baseUrl: string, options: Partial<MobizonOptions & SourceOptions> = {}) =>
    mobizonTasks({ apiKey: API_KEY, baseUrl, scheduler: time.scheduler, jitter: 0, ...options });

  async function failingWatch(fake: FakeProviderServer, options: Partial<MobizonOptions & SourceOptions> = {}) {
    fake.tasks.create({ provider: 'mobizon', id: '500', steps: [{ at: 0, status: 1 }] });
    const outcome = await collect(source(fake.url, options).watch('500'));
    expect(outcome.values).toEqual([]);
    expectNoSecrets(outcome.error, [API_KEY, 'mobizon-key-wrong']);
    return outcome.error;
  }

  describe('options', () => {
    it('requires a domain (or a baseUrl), and the TypeError lists the known domains', () => {
      expect(() => mobizonTasks({ apiKey: API_KEY })).toThrow(TypeError);
      expect(() => mobizonTasks({ apiKey: API_KEY })).toThrow(
        'Expected `domain`: your Mobizon account\'s API domain, one of api.mobizon.kz, api.mobizon.ua, api.mobizon.com.br, api.mobizon.gmbh (or another your account uses), or a `baseUrl`.',
      );
      expect(MOBIZON_DOMAINS).toEqual(['api.mobizon.kz', 'api.mobizon.ua', 'api.mobizon.com.br', 'api.mobizon.gmbh']);
    });

    it('takes any host name as a domain, and refuses a URL in its place', () => {
      expect(mobizonTasks({ apiKey: API_KEY, domain: 'api.mobizon.kz' }).provider).toBe('mobizon');
      expect(mobizonTasks({ apiKey: API_KEY, domain: 'api.mobizon.example' }).provider).toBe('mobizon');
      expect(() => mobizonTasks({ apiKey: API_KEY, domain: 'https://api.mobizon.kz' })).toThrow(
        new TypeError('Expected `domain` to be a host name such as api.mobizon.kz, got "https://api.mobizon.kz".'),
      );
    });

    it('refuses a missing apiKey without showing what was given', () => {
      expect(() => mobizonTasks({ apiKey: '', domain: 'api.mobizon.kz' })).toThrow(new TypeError('Expected `apiKey` to be a non-empty string, got an empty string.'));
    });
  });

  describe('the request', () => {
    it('is a form POST of id to /service/taskqueue/getstatus with output, api and apiKey in the query', async () => {
      const fake = await start();
      proxy = await startRecordingProxy(fake.url);
      fake.tasks.create({ provider: 'mobizon', id: '4821', steps: [{ at: 0, status: 2 }] });
      await collect(source(proxy.url).watch('4821'));
      expect(proxy.requests).toHaveLength(1);
      const [request] = proxy.requests;
      expect(request?.method).toBe('POST');
      expect(request?.url).toBe(`/service/taskqueue/getstatus?output=json&api=v1&apiKey=${API_KEY}`);
      expect(headerOf(request, 'content-type')).toBe('application/x-www-form-urlencoded');
      expect(request?.body).toBe('id=4821');
      expect(fake.log.entries().map((entry) => [entry.status, entry.providerCode])).toEqual([[200, 0]]);
    });
  });

  describe('states', () => {
    it.each([
      [0, 0, 'pending', 0],
      [1, 45, 'running', 0.45],
      [2, 100, 'completed', 1],
      [3, 60, 'failed', 0.6],
      [7, 30, 'running', 0.3],
    ])('reads status %i at %i %% as %s, progress %d', async (code, percent, status, progress) => {
      for (const numbersAsStrings of [false, true]) {
        const fake = await start({ numbersAsStrings });
        fake.tasks.create({ provider: 'mobizon', id: '1', steps: [{ at: 0, status: code, progress: percent }] });
        const outcome = await collect(source(fake.url).watch('1').pipe(take(1)));
        const data = numbersAsStrings ? { progress: String(percent), status: String(code) } : { progress: percent, status: code };
        expect(outcome.values).toEqual([
          {
            provider: 'mobizon',
            id: '1',
            status,
            providerStatus: String(code),
            progress,
            ...(status === 'failed' ? { error: { message: 'task rejected', code: 'rejected' } } : {}),
            raw: { code: 0, data, message: '' },
          },
        ]);
        await fake.close();
      }
    });

    it('follows a task to its end, one state per change, and completes', async () => {
      const fake = await start({ numbersAsStrings: true });
      fake.tasks.create({
        provider: 'mobizon',
        id: '77',
        steps: [
          { at: 0, status: 0, progress: 0 },
          { at: 4000, status: 1, progress: 40 },
          { at: 8000, status: 1, progress: 80 },
          { at: 12000, status: 2, progress: 100 },
        ],
      });
      // Steps 4 s apart, polls 1 s apart: a slow moment of the machine (up to 150 ms of wall time) cannot skip a step.
      const outcome = await collect(source(fake.url, { policy: fixedInterval(), interval: 1000 }).watch('77'));
      expect(outcome.completed).toBe(true);
      expect(outcome.values.map((state) => [state.status, state.progress])).toEqual([
        ['pending', 0],
        ['running', 0.4],
        ['running', 0.8],
        ['completed', 1],
      ]);
    });
  });

  describe('the 1 s floor', () => {
    it('raises a lower interval, of the source or of a watch, to 1 s between the starts of two polls of a task (in virtual time)', () => {
      const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
      // Every answer is a new state (progress rises), so every poll counts; the source budget is no limit here.
      let n = 0;
      const scripted = scriptedTransport(scheduler, () => ({ body: { code: 0, data: { progress: n++, status: 1 }, message: '' } }));
      const sms = mobizonTasks({ apiKey: API_KEY, domain: 'api.mobizon.kz', transport: scripted.transport, scheduler, interval: 100, policy: fixedInterval(), maxRequestsPerSecond: 100 });
      scheduler.run(({ flush }) => {
        sms.watch('a').pipe(take(4)).subscribe();
        sms.watch('b', { interval: 10 }).pipe(take(4)).subscribe();
        flush();
      });
      const startsOf = (id: string) => scripted.startedAt.filter((_, index) => new URLSearchParams(scripted.requests[index]?.body).get('id') === id);
      for (const id of ['a', 'b']) {
        const times = startsOf(id);
        expect(times).toHaveLength(4);
        for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(1000);
      }
      expect(scripted.requests).toHaveLength(8);
    });

    it('raises the interval to the floor, not to the 2 s default (in virtual time, where the gaps are exact)', () => {
      const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
      let n = 0;
      const scripted = scriptedTransport(scheduler, () => ({ body: { code: 0, data: { progress: n++, status: 1 }, message: '' } }));
      const sms = mobizonTasks({ apiKey: API_KEY, domain: 'api.mobizon.kz', transport: scripted.transport, scheduler, jitter: 0, policy: fixedInterval() });
      scheduler.run(({ flush }) => {
        sms.watch('a', { interval: 10 }).pipe(take(3)).subscribe();
        flush();
      });
      // The floor is kept from the end of the last request, with the scheduler's arrival margin to spare.
      expect(scripted.startedAt).toEqual([0, 1000 + ARRIVAL_MARGIN_MS, 2 * (1000 + ARRIVAL_MARGIN_MS)]);
    });

    it('keeps the whole source to 1 request per second by default', async () => {
      const fake = await start();
      const ids = ['1', '2', '3', '4'];
      for (const id of ids) fake.tasks.create({ provider: 'mobizon', id, steps: [{ at: 0, status: 1, progress: 10 }] });
      const sms = source(fake.url);
      await Promise.all(ids.map((id) => collect(sms.watch(id).pipe(take(1)))));
      expect(fake.log.count()).toBe(4);
      expect(fake.log.maxRequestsInAnyWindow({ windowMs: 1000 })).toBe(1);
    });
  });

  describe('error codes (always with HTTP 200)', () => {
    it('turns code 2 into a TaskNotFoundError after one request', async () => {
      const fake = await start();
      const outcome = await collect(source(fake.url).watch('404404'));
      expect(outcome.error).toBeInstanceOf(TaskNotFoundError);
      expect(outcome.error).toMatchObject({ code: 'TASK_NOT_FOUND', provider: 'mobizon', taskId: '404404', details: { code: 2 } });
      expect((outcome.error as Error).message).toBe('Mobizon task 404404 was not found: Task not found (code 2)');
      expect(fake.log.entries().map((entry) => [entry.status, entry.providerCode])).toEqual([[200, 2]]);
    });

    it('turns a wrong key (code 8) into an AuthenticationError after one request', async () => {
      const fake = await start();
      const error = await failingWatch(fake, { apiKey: 'mobizon-key-wrong' });
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error).toMatchObject({ details: { code: 8 } });
      expect(fake.log.count()).toBe(1);
    });

    it.each([9, 14])('turns code %i into an AuthenticationError after one request', async (code) => {
      const fake = await start();
      fake.faults.add({ kind: 'mobizon-error', code, message: `refused for ${API_KEY}` });
      const error = await failingWatch(fake);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error).toMatchObject({ code: 'AUTHENTICATION', details: { code } });
      expect(fake.log.count()).toBe(1);
    });

    it.each([
      [1, 'Validation error'],
      [3, 'Unknown application error'],
      [11, 'Required parameter missing'],
      [15, 'Operation error'],
      [99, 'Nothing processed'],
      [999, 'General error'],
    ])('turns code %i into a ProviderError with the code and message, after one request', async (code, message) => {
      const fake = await start();
      fake.faults.add({ kind: 'mobizon-error', code, message });
      const error = await failingWatch(fake);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ code: 'PROVIDER', providerCode: code, details: { code } });
      expect((error as Error).message).toBe(`Mobizon task 500: ${message} (code ${code})`);
      expect(fake.log.count()).toBe(1);
    });

    it('backs off on code 30 for a second, the whole source with it, and goes on', async () => {
      const fake = await start();
      fake.tasks.create({ provider: 'mobizon', id: '31', steps: [{ at: 0, status: 2 }] });
      fake.faults.add({ kind: 'rate-limited' });
      const outcome = await collect(source(fake.url, { retry: { minDelay: 10 } }).watch('31'));
      expect(outcome.values.map((state) => state.status)).toEqual(['completed']);
      const [refused, next] = fake.log.entries();
      expect([refused?.providerCode, next?.providerCode]).toEqual([30, 0]);
      expect((next?.at as number) - (refused?.at as number)).toBeGreaterThanOrEqual(1000);
    });

    it('gives up on code 30 with a RateLimitError once retries are spent', async () => {
      const fake = await start();
      fake.faults.add({ kind: 'rate-limited' }, { times: Infinity });
      const error = await failingWatch(fake, { retry: { retries: 2, minDelay: 10 } });
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error).toMatchObject({ retryAfterMs: 1000, exhausted: false, details: { code: 30 } });
      expect(fake.log.count()).toBe(3);
    });

    it('retries a proxy\'s HTML error page, and reads an HTML page under 200 as a DecodeError', async () => {
      const fake = await start();
      fake.tasks.create({ provider: 'mobizon', id: '8', steps: [{ at: 0, status: 2 }] });
      fake.faults.add({ kind: 'html-error-page', status: 502 });
      const retried = await collect(source(fake.url, { retry: { minDelay: 10 } }).watch('8'));
      expect(retried.values.map((state) => state.status)).toEqual(['completed']);
      expect(fake.log.entries().map((entry) => entry.status)).toEqual([502, 200]);

      fake.log.clear();
      fake.faults.add({ kind: 'html-error-page', status: 200 });
      const error = await failingWatch(fake);
      expect(error).toBeInstanceOf(DecodeError);
      expect(fake.log.count()).toBe(1);
    });
  });

  describe('code 13: the account lives on another API domain', () => {
    it('moves once to the domain in data and goes on there', async () => {
      const fake = await start({ homeHost: '127.0.0.1' });
      fake.tasks.create({ provider: 'mobizon', id: '13', steps: [{ at: 0, status: 2 }] });
      const sms = source(`http://localhost:${fake.port}`, { allowedDomains: [`127.0.0.1:${fake.port}`] });
      expect(sms.baseUrl).toBe(`http://localhost:${fake.port}`);
      const outcome = await collect(sms.watch('13'));
      expect(outcome.values.map((state) => state.status)).toEqual(['completed']);
      expect(fake.log.entries().map((entry) => entry.providerCode)).toEqual([13, 0]);
      // The source says where it went, for the user to fix their configuration.
      expect(sms.baseUrl).toBe(`http://127.0.0.1:${fake.port}`);
    });

    it('ends with a ProviderError that says where it moved from and to when the new domain answers 13 again', async () => {
      const fake = await start();
      const moved = `localhost:${fake.port}`;
      fake.faults.add({ kind: 'mobizon-error', code: 13, data: moved }, { times: Infinity });
      const error = await failingWatch(fake, { allowedDomains: [moved] });
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({
        providerCode: 13,
        details: { code: 13, movedFrom: fake.url, movedTo: `http://${moved}` },
      });
      expect(fake.log.count()).toBe(2);
    });

    it.each([
      ['another host', 'attacker.example', 'not moved to "attacker.example"'],
      ['the cloud metadata address', '169.254.169.254', 'not moved to "169.254.169.254"'],
      ['a private address with a port', '10.0.0.5:6379', 'not moved to "10.0.0.5:6379"'],
      ['an https URL on another host', 'https://api.mobizon.kz.attacker.example', 'not moved to "api.mobizon.kz.attacker.example"'],
    ])('refuses to move to %s, with a ProviderError naming it, after one request', async (_what, data, named) => {
      const fake = await start();
      const elsewhere = await startTestServer((_req, res) => res.end('{"code":0,"data":{"status":2,"progress":100}}'));
      try {
        fake.faults.add({ kind: 'mobizon-error', code: 13, data });
        const error = await failingWatch(fake);
        expect(error).toBeInstanceOf(ProviderError);
        expect(error).toMatchObject({ providerCode: 13 });
        expect((error as Error).message).toContain(named);
        expect(fake.log.count()).toBe(1);
        expect(elsewhere.requests).toHaveLength(0);
      } finally {
        await elsewhere.close();
      }
    });

    it.each([
      ['a bare host', 'api.mobizon.ua', 'https://api.mobizon.ua'],
      ['an https URL of nothing but a host', 'https://api.mobizon.com.br/', 'https://api.mobizon.com.br'],
    ])('follows %s on one of Mobizon\'s own domains by default (in virtual time: nothing leaves this machine)', (_what, data, movedTo) => {
      const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
      const scripted = scriptedTransport(scheduler, [{ body: { code: 13, data, message: 'Use another API domain' } }, { body: { code: 0, data: { status: 2, progress: 100 }, message: '' } }]);
      const sms = mobizonTasks({ apiKey: API_KEY, domain: 'api.mobizon.kz', transport: scripted.transport, scheduler });
      const statuses: string[] = [];
      scheduler.run(({ flush }) => {
        sms.watch('77').subscribe((state) => statuses.push(state.status));
        flush();
      });
      expect(scripted.requests.map((request) => new URL(request.url).origin)).toEqual(['https://api.mobizon.kz', movedTo]);
      expect(statuses).toEqual(['completed']);
      expect(sms.baseUrl).toBe(movedTo);
    });

    it.each([
      ['a URL with a path', 'https://api.mobizon.ua/elsewhere'],
      ['a URL with a query', 'https://api.mobizon.ua/?apiKey=x'],
      ['a plain http URL', 'http://api.mobizon.ua'],
      ['a URL with credentials', 'https://user:pw@api.mobizon.ua'],
    ])('does not follow %s, even on one of Mobizon\'s domains', (_what, data) => {
      const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
      const scripted = scriptedTransport(scheduler, [{ body: { code: 13, data, message: 'Use another API domain' } }]);
      const sms = mobizonTasks({ apiKey: API_KEY, domain: 'api.mobizon.kz', transport: scripted.transport, scheduler });
      const errors: unknown[] = [];
      scheduler.run(({ flush }) => {
        sms.watch('77').subscribe({ error: (error: unknown) => errors.push(error) });
        flush();
      });
      expect(scripted.requests).toHaveLength(1);
      expect(errors).toEqual([expect.any(ProviderError)]);
      expect(sms.baseUrl).toBe('https://api.mobizon.kz');
    });

    it('does not follow a plain http URL, even to an allowed host: only a bare host keeps the scheme', async () => {
      const fake = await start({ homeHost: '127.0.0.1' });
      fake.tasks.create({ provider: 'mobizon', id: '14', steps: [{ at: 0, status: 2 }] });
      fake.faults.add({ kind: 'mobizon-error', code: 13, data: `http://127.0.0.1:${fake.port}` });
      const refused = await failingWatch(fake, { allowedDomains: [`127.0.0.1:${fake.port}`] });
      expect(refused).toBeInstanceOf(ProviderError);
      expect((refused as Error).message).toBe(`Mobizon task 500: Use another API domain (code 13); not moved to "127.0.0.1:${fake.port}": only an https URL is followed`);
      expect(fake.log.count()).toBe(1);
    });

    describe('data as an https URL, over real HTTP (the fetch given to the source sends Mobizon\'s hosts to the fake)', () => {
      /** A source on `api.mobizon.ua` whose requests, to whichever Mobizon host, all reach the fake: the origins asked are kept. */
      function viaFake(fake: FakeProviderServer) {
        const origins: string[] = [];
        const toFake: SourceOptions['fetch'] = (url, init) => {
          const { origin, pathname, search } = new URL(url);
          origins.push(origin);
          return fetch(`${fake.url}${pathname}${search}`, init);
        };
        return { origins, sms: mobizonTasks({ apiKey: API_KEY, domain: 'api.mobizon.ua', fetch: toFake, scheduler: time.scheduler, jitter: 0 }) };
      }

      it.each([
        ['with no path', 'https://api.mobizon.kz'],
        ['with a trailing /', 'https://api.mobizon.kz/'],
        ['in capitals', 'HTTPS://API.MOBIZON.KZ/'],
      ])('follows one %s to its host, and goes on there', async (_what, data) => {
        const fake = await start();
        fake.tasks.create({ provider: 'mobizon', id: '15', steps: [{ at: 0, status: 2 }] });
        fake.faults.add({ kind: 'mobizon-error', code: 13, data });
        const { origins, sms } = viaFake(fake);
        const outcome = await collect(sms.watch('15'));
        expect(outcome.values.map((state) => state.status)).toEqual(['completed']);
        expect(origins).toEqual(['https://api.mobizon.ua', 'https://api.mobizon.kz']);
        expect(fake.log.entries().map((entry) => entry.providerCode)).toEqual([13, 0]);
        expect(sms.baseUrl).toBe('https://api.mobizon.kz');
      });

      it.each([
        ['plain http', 'http://api.mobizon.kz', 'not moved to "api.mobizon.kz": only an https URL is followed'],
        ['a path', 'https://api.mobizon.kz/evil', 'not moved to "api.mobizon.kz": the URL has a path beyond /'],
        ['a path behind a backslash', 'https://api.mobizon.kz\\evil', 'not moved to "api.mobizon.kz": the URL has a path beyond /'],
        ['a query', 'https://api.mobizon.kz/?x=', 'not moved to "api.mobizon.kz": the URL has a query'],
        ['a query holding the key', `https://api.mobizon.kz/?apiKey=${API_KEY}`, 'not moved to "api.mobizon.kz": the URL has a query'],
        ['an empty query', 'https://api.mobizon.kz?', 'not moved to "api.mobizon.kz": the URL has a query'],
        ['a fragment', 'https://api.mobizon.kz/#top', 'not moved to "api.mobizon.kz": the URL has a fragment'],
        ['a user', 'https://user@api.mobizon.kz', 'not moved to "api.mobizon.kz": the URL carries credentials'],
        ['the key as a user', `https://${API_KEY}:x@api.mobizon.kz/`, 'not moved to "api.mobizon.kz": the URL carries credentials'],
        ['another host', 'https://attacker.example', 'not moved to "attacker.example": it is not one of the mobizon hosts this source may send its credentials to'],
        ['a Mobizon host with a port no one allowed', 'https://api.mobizon.kz:8443', 'not moved to "api.mobizon.kz:8443": it is not one of the mobizon hosts'],
        ['a host with a path, no scheme', 'api.mobizon.kz/evil', 'not moved: `data` names neither a host nor an https URL of one'],
      ])('refuses a URL with %s: one request, a ProviderError that says why, nothing sent elsewhere', async (_what, data, why) => {
        const fake = await start();
        fake.tasks.create({ provider: 'mobizon', id: '16', steps: [{ at: 0, status: 2 }] });
        fake.faults.add({ kind: 'mobizon-error', code: 13, data });
        const { origins, sms } = viaFake(fake);
        const outcome = await collect(sms.watch('16'));
        expect(outcome.values).toEqual([]);
        expect(outcome.error).toBeInstanceOf(ProviderError);
        expect(outcome.error).toMatchObject({ providerCode: 13, details: { code: 13 } });
        expect((outcome.error as Error).message).toContain(`Mobizon task 16: Use another API domain (code 13); ${why}`);
        expectNoSecrets(outcome.error, [API_KEY]);
        expect(origins).toEqual(['https://api.mobizon.ua']);
        expect(fake.log.count()).toBe(1);
        expect(sms.baseUrl).toBe('https://api.mobizon.ua');
      });
    });

    it('does not follow data that is not a host name', async () => {
      const fake = await start();
      fake.faults.add({ kind: 'mobizon-error', code: 13, data: `127.0.0.1:${fake.port}/elsewhere` });
      const error = await failingWatch(fake);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ providerCode: 13 });
      expect(fake.log.count()).toBe(1);
    });
  });
});
