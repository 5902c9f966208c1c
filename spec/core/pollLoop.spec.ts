import { left, right } from 'fp-ts/lib/Either.js';
import { take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  AuthenticationError,
  DecodeError,
  defineProvider,
  ProviderError,
  RateLimitError,
  TaskError,
  TaskNotFoundError,
  TransportError,
  type SourceOptions,
  type TaskState,
} from '../../src/index.js';
import { ARRIVAL_MARGIN_MS } from '../../src/core/budget.js';
import { createTaskState } from '../../src/core/taskState.js';
import { acmeTasks, type AcmeJob } from '../support/acmeProvider.js';
import { scriptedTransport, type Scripted } from '../support/scriptedTransport.js';
import { maxInAnyWindow } from '../support/virtualTime.js';

const TOKEN = 'acme-secret-token-123';
const job = (state: AcmeJob['state'], percent?: number): Scripted => ({ body: { id: 'j1', state, ...(percent === undefined ? {} : { percent }) } });
const stateOf = (state: AcmeJob['state'], percent?: number, id = 'j1') => {
  const status = ({ queued: 'pending', working: 'running', done: 'completed', error: 'failed' } as const)[state];
  return createTaskState('acme', id, {
    status,
    providerStatus: state,
    ...(percent === undefined ? {} : { progress: percent / 100 }),
    raw: { id: 'j1', state, ...(percent === undefined ? {} : { percent }) },
  });
};

function setup(script: readonly Scripted[] | ((n: number) => Scripted), options: Partial<SourceOptions> = {}) {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  const scripted = scriptedTransport(scheduler, script);
  const source = acmeTasks({ token: TOKEN, transport: scripted.transport, scheduler, random: () => 0.5, ...options });
  return { scheduler, scripted, source };
}

describe('the poll loop (virtual time)', () => {
  it('polls on the interval and emits only when the normalised state changes', () => {
    const { scheduler, scripted, source } = setup([job('queued'), job('queued'), job('working', 50), job('working', 50), job('done')]);
    scheduler.run(({ expectObservable }) => {
      expectObservable(source.watch('j1')).toBe('a 1999ms b 1999ms (c|)', {
        a: stateOf('queued'),
        b: stateOf('working', 50),
        c: stateOf('done'),
      });
    });
    expect(scripted.startedAt).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it('measures the interval from start to start, so latency does not stretch it', () => {
    const { scheduler, scripted, source } = setup([
      { ...job('working', 10), latency: 300 },
      { ...job('working', 60), latency: 300 },
      { ...job('done'), latency: 300 },
    ]);
    scheduler.run(({ expectObservable }) => {
      expectObservable(source.watch('j1', { interval: 500 })).toBe('300ms a 499ms b 499ms (c|)', {
        a: stateOf('working', 10),
        b: stateOf('working', 60),
        c: stateOf('done'),
      });
    });
    expect(scripted.startedAt).toEqual([0, 500, 1000]);
  });

  it('stops polling after the terminal state', () => {
    const { scheduler, scripted, source } = setup([job('done'), job('working', 1)]);
    scheduler.run(({ expectObservable, flush }) => {
      expectObservable(source.watch('j1')).toBe('(a|)', { a: stateOf('done') });
      flush();
    });
    expect(scripted.startedAt).toEqual([0]);
  });

  it('retries transient failures with exponential backoff and jitter, then carries on', () => {
    const down = { fail: new Error('socket hang up') };
    const { scheduler, scripted, source } = setup([down, { status: 503, body: 'busy' }, down, job('done')]);
    scheduler.run(({ expectObservable }) => {
      // random() = 0.5: each delay is 3/4 of its ceiling (1 s, 2 s, 4 s).
      expectObservable(source.watch('j1')).toBe('5250ms (a|)', { a: stateOf('done') });
    });
    expect(scripted.startedAt).toEqual([0, 750, 2250, 5250]);
  });

  it.each([
    [0, [0, 500, 1500, 3500]],
    [0.999, [0, 999.5, 2998.5, 6996.5]],
  ])('spreads each retry delay with equal jitter: half kept, half random (random() = %p)', (random, starts) => {
    const down = { fail: new Error('socket hang up') };
    const { scheduler, scripted, source } = setup([down, down, down, job('done')], { random: () => random, jitter: 0 });
    scheduler.run(({ flush }) => {
      source.watch('j1').subscribe();
      flush();
    });
    expect(scripted.startedAt).toEqual(starts);
  });

  it('retries a 408 Request Timeout like any transient failure', () => {
    const { scheduler, scripted, source } = setup([{ status: 408, body: '' }, job('done')]);
    scheduler.run(({ expectObservable }) => {
      expectObservable(source.watch('j1')).toBe('750ms (a|)', { a: stateOf('done') });
    });
    expect(scripted.startedAt).toEqual([0, 750]);
  });

  it('gives up after the configured retries with the last transient error', () => {
    const { scheduler, scripted, source } = setup([{ status: 502, body: '<html>bad gateway</html>' }], { retry: { retries: 2, minDelay: 100 } });
    scheduler.run(({ expectObservable }) => {
      expectObservable(source.watch('j1')).toBe('225ms #', undefined, expect.any(TransportError));
    });
    expect(scripted.startedAt).toEqual([0, 75, 225]);
  });

  it('resets the failure count after a good answer', () => {
    const down = { fail: new Error('reset') };
    const { scheduler, scripted, source } = setup([down, job('working', 5), down, job('done')], { retry: { retries: 1, minDelay: 100 } });
    scheduler.run(({ expectObservable }) => {
      // With the count reset the second failure waits the first delay again (75 ms), and is tolerated.
      expectObservable(source.watch('j1')).toBe('75ms a 1074ms (b|)', { a: stateOf('working', 5), b: stateOf('done') });
    });
    expect(scripted.startedAt).toEqual([0, 75, 1075, 1150]);
  });

  it.each([
    [401, AuthenticationError],
    [403, AuthenticationError],
    [404, TaskNotFoundError],
    [400, TransportError],
  ])('ends at once on a final HTTP %d, after exactly one request', (status, ErrorClass) => {
    const { scheduler, scripted, source } = setup([{ status, body: {} }, job('done')]);
    scheduler.run(({ expectObservable, flush }) => {
      expectObservable(source.watch('j1')).toBe('#', undefined, expect.any(ErrorClass));
      flush();
    });
    expect(scripted.startedAt).toEqual([0]);
  });

  it('ends at once, after one request, when a 200 body does not decode', () => {
    const { scheduler, scripted, source } = setup([{ body: { id: 'j1', state: 'teleporting' } }]);
    let error: unknown;
    scheduler.run(({ flush }) => {
      source.watch('j1').subscribe({ error: (e: unknown) => (error = e) });
      flush();
    });
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).paths).toEqual([expect.stringMatching(/^state: expected .*got "teleporting"$/)]);
    expect(scripted.startedAt).toEqual([0]);
  });

  it('waits as long as Retry-After says on a 429, even past the backoff', () => {
    const { scheduler, scripted, source } = setup([{ status: 429, body: {}, headers: { 'Retry-After': '5' } }, job('done')]);
    scheduler.run(({ expectObservable }) => {
      expectObservable(source.watch('j1')).toBe('5000ms (a|)', { a: stateOf('done') });
    });
    expect(scripted.startedAt).toEqual([0, 5000]);
  });

  it('waits for the window reset on a 429 that says the budget is spent', () => {
    const { scheduler, scripted, source } = setup([
      { status: 429, body: {}, headers: { 'RateLimit-Remaining': '0', 'RateLimit-Reset': '8' } },
      job('done'),
    ]);
    scheduler.run(({ expectObservable }) => {
      // The reset is when the server's window ends; the margin covers the request's way there.
      expectObservable(source.watch('j1')).toBe(`${8000 + ARRIVAL_MARGIN_MS}ms (a|)`, { a: stateOf('done') });
    });
    expect(scripted.startedAt).toEqual([0, 8000 + ARRIVAL_MARGIN_MS]);
  });

  it('ends with a RateLimitError once 429s outlast the retries', () => {
    const { scheduler, source } = setup([{ status: 429, body: {}, headers: { 'Retry-After': '1' } }], { retry: { retries: 1 } });
    scheduler.run(({ expectObservable }) => {
      expectObservable(source.watch('j1')).toBe('1000ms #', undefined, expect.objectContaining({ name: 'RateLimitError', retryAfterMs: 1000 }));
    });
  });

  it('shares one loop between subscribers; a late one gets the latest state at once', () => {
    const { scheduler, scripted, source } = setup([job('working', 10), job('working', 20), job('working', 30), job('done')]);
    scheduler.run(({ expectObservable, cold }) => {
      const task$ = source.watch('j1');
      expectObservable(task$).toBe('a 999ms b 999ms c 999ms (d|)', {
        a: stateOf('working', 10),
        b: stateOf('working', 20),
        c: stateOf('working', 30),
        d: stateOf('done'),
      });
      const late$ = cold('1500ms x').pipe(take(1));
      late$.subscribe(() => {
        const seen: TaskState[] = [];
        source.watch('j1').subscribe((state) => seen.push(state));
        expect(seen).toEqual([stateOf('working', 20)]);
      });
    });
    expect(scripted.startedAt).toEqual([0, 1000, 2000, 3000]);
  });

  it('stops polling and aborts the request in flight when the last subscriber leaves', () => {
    const { scheduler, scripted, source } = setup([{ ...job('working', 1), latency: 800 }]);
    scheduler.run(({ expectObservable, flush }) => {
      expectObservable(source.watch('j1'), '^ 2499ms !').toBe('800ms a', { a: stateOf('working', 1) });
      flush();
    });
    expect(scripted.startedAt).toEqual([0, 1000, 2000]);
    expect(scripted.abortedAt).toEqual([2500]);
  });

  it('keeps polling while one of two subscribers remains', () => {
    const { scheduler, scripted, source } = setup([job('working', 1)]);
    scheduler.run(({ expectObservable, flush }) => {
      const task$ = source.watch('j1');
      expectObservable(task$, '^ 1500ms !').toBe('a', { a: stateOf('working', 1) });
      expectObservable(task$, '^ 3500ms !').toBe('a', { a: stateOf('working', 1) });
      flush();
    });
    expect(scripted.startedAt).toEqual([0, 1000, 2000, 3000]);
  });

  it('starts a new loop for a subscriber that comes after completion', () => {
    const { scheduler, scripted, source } = setup([job('done')]);
    scheduler.run(({ expectObservable, cold }) => {
      const task$ = source.watch('j1');
      expectObservable(task$).toBe('(a|)', { a: stateOf('done') });
      expectObservable(cold('100ms x').pipe(take(1)), undefined).toBe('100ms (x|)');
      cold('100ms x').subscribe(() => task$.subscribe());
    });
    expect(scripted.startedAt).toEqual([0, 100]);
  });

  it('polls two tasks of one source in two loops, sharing the budget', () => {
    const { scheduler, scripted, source } = setup(() => job('working', 1), { maxRequestsPerSecond: 5, interval: 100 });
    scheduler.run(({ flush }) => {
      const subs = ['a', 'b', 'c'].map((id) => source.watch(id).subscribe());
      scheduler.schedule(() => subs.forEach((s) => s.unsubscribe()), 3000);
      flush();
    });
    const ids = scripted.requests.map((r) => new URL(r.url).pathname);
    expect(new Set(ids)).toEqual(new Set(['/v1/jobs/a', '/v1/jobs/b', '/v1/jobs/c']));
    expect(maxInAnyWindow(scripted.startedAt)).toBe(5);
    expect(scripted.startedAt.length).toBeGreaterThanOrEqual(14);
  });

  it('sends the request the provider built, at the source base URL', () => {
    const { scheduler, scripted, source } = setup([job('done')], {});
    scheduler.run(({ flush }) => {
      source.watch('a/b').subscribe();
      flush();
    });
    expect(scripted.requests[0]).toEqual({
      method: 'GET',
      url: 'https://jobs.acme.example/v1/jobs/a%2Fb',
      headers: { accept: 'application/json', authorization: `Bearer ${TOKEN}` },
    });
  });

  it('never shows a secret in an error, even one the transport put in its message', () => {
    const { scheduler, source } = setup([{ fail: new Error(`connect ECONNREFUSED https://jobs.acme.example/v1/jobs/j1 (authorization: Bearer ${TOKEN})`) }], {
      retry: { retries: 0 },
    });
    let error: TaskError | undefined;
    scheduler.run(({ flush }) => {
      source.watch('j1').subscribe({ error: (e: TaskError) => (error = e) });
      flush();
    });
    expect(error).toBeInstanceOf(TransportError);
    for (const text of [error?.message, error?.stack, String(error), JSON.stringify(error), String((error?.cause as Error).message)]) {
      expect(text).not.toContain(TOKEN);
    }
    expect(error).toMatchObject({ provider: 'acme', taskId: 'j1' });
  });
});

describe('provider-driven behaviour of the loop', () => {
  // A provider whose answers say where to go next: exercises moveTo and the minimum interval.
  const movingTasks = defineProvider({
    name: 'moving',
    defaults: { interval: 200, maxRequestsPerSecond: 100, minInterval: 1000 },
    setup: (options: { baseUrl: string }) => ({ baseUrl: options.baseUrl, context: null, secrets: [], hosts: ['two.example', 'three.example', 'evil.example'] }),
    identify: (ref: string) => ({ id: ref }),
    request: ({ id }) => ({ method: 'GET', path: `/t/${id}` }),
    decode: (response, { movedFrom }) => {
      const body = JSON.parse(response.body) as { moveTo?: string; state?: string; fail?: boolean };
      if (body.moveTo !== undefined) return left({ error: new TaskNotFoundError('elsewhere'), retryable: false, moveTo: body.moveTo });
      if (body.fail === true) return left({ error: new TransportError('flaky', { reason: 'status', status: 500 }), retryable: true });
      return right({ status: body.state === 'done' ? 'completed' : 'running', providerStatus: body.state ?? '?', raw: { body, movedFrom } });
    },
  });

  function run(script: Scripted[], options: Partial<SourceOptions> = {}) {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    const scripted = scriptedTransport(scheduler, script);
    const source = movingTasks({ baseUrl: 'https://one.example', transport: scripted.transport, scheduler, random: () => 0.5, ...options });
    const events: Array<TaskState | Error | 'complete'> = [];
    scheduler.run(({ flush }) => {
      source.watch('x').subscribe({ next: (s) => events.push(s), error: (e: Error) => events.push(e), complete: () => events.push('complete') });
      flush();
    });
    return { events, scripted };
  }

  it('moves the source once to the base URL the provider names, and polls again', () => {
    const { events, scripted } = run([{ body: { moveTo: 'https://two.example/' } }, { body: { state: 'done' } }]);
    expect(scripted.requests.map((r) => r.url)).toEqual(['https://one.example/t/x', 'https://two.example/t/x']);
    expect(events).toEqual([expect.objectContaining({ status: 'completed', raw: expect.objectContaining({ movedFrom: 'https://one.example' }) }), 'complete']);
  });

  it('refuses a second move, ending with the provider error', () => {
    const { events, scripted } = run([{ body: { moveTo: 'https://two.example' } }, { body: { moveTo: 'https://three.example' } }]);
    expect(scripted.requests).toHaveLength(2);
    expect(events).toEqual([expect.any(TaskNotFoundError)]);
  });

  it('refuses a move to plain http off loopback, with a ProviderError that says so', () => {
    const { events, scripted } = run([{ body: { moveTo: 'http://evil.example' } }]);
    expect(scripted.requests).toHaveLength(1);
    expect(events).toEqual([expect.any(ProviderError)]);
    expect((events[0] as Error).message).toBe('elsewhere; not moved to "evil.example": only https (or plain http on this machine) may carry the credentials, with no path or query beyond the host');
  });

  it('refuses a move to a host that is not one of the provider\'s, naming it, after one request', () => {
    for (const moveTo of ['https://attacker.example', 'https://169.254.169.254', 'https://two.example:8443', 'https://two.example.attacker.example']) {
      const { events, scripted } = run([{ body: { moveTo } }]);
      expect(scripted.requests).toHaveLength(1);
      expect(events).toEqual([expect.any(ProviderError)]);
      expect((events[0] as Error).message).toBe(`elsewhere; not moved to "${new URL(moveTo).host}": it is not one of the moving hosts this source may send its credentials to`);
    }
  });

  it('keeps the provider minimum between two requests of a task, retries and moves included', () => {
    const { scripted } = run([{ body: { fail: true } }, { body: { moveTo: 'https://two.example' } }, { body: { state: 'running' } }, { body: { state: 'done' } }]);
    // backoff wants 750 ms, the interval 200 ms: the 1 s floor (plus the arrival margin) wins each time.
    expect(scripted.startedAt).toEqual([0, 1, 2, 3].map((n) => n * (1000 + ARRIVAL_MARGIN_MS)));
  });

  it('counts the provider minimum from the end of the last request, so a slow answer cannot bring the next one closer', () => {
    const { scripted } = run([{ body: { state: 'running' }, latency: 400 }, { body: { state: 'done' } }]);
    // The server may have seen the first request as late as 400: the second waits 1 s (+ margin) from there.
    expect(scripted.startedAt).toEqual([0, 1400 + ARRIVAL_MARGIN_MS]);
  });

  it('raises a requested interval below the provider minimum to it', () => {
    const { scripted } = run([{ body: { state: 'running' } }, { body: { state: 'running', n: 1 } }, { body: { state: 'done' } }], { interval: 10 });
    expect(scripted.startedAt).toEqual([0, 1, 2].map((n) => n * (1000 + ARRIVAL_MARGIN_MS)));
  });

  it('turns a decode that throws into a DecodeError, after one request', () => {
    const { events, scripted } = run([{ body: 'not json' }]);
    expect(scripted.requests).toHaveLength(1);
    expect(events).toEqual([expect.any(DecodeError)]);
    expect((events[0] as Error).message).toMatch(/moving provider could not read the response for task x/);
  });
});

describe('watch', () => {
  it('is cold: nothing is sent before a subscription', () => {
    const { scheduler, scripted, source } = setup([job('done')]);
    scheduler.run(({ flush }) => {
      const task$ = source.watch('j1');
      flush();
      expect(scripted.requests).toHaveLength(0);
      task$.subscribe();
      flush();
    });
    expect(scripted.requests).toHaveLength(1);
  });
});

describe('bad input fails at call time with a TypeError that says what was expected', () => {
  const transport = scriptedTransport(new TestScheduler(() => undefined), [job('done')]).transport;
  it.each([
    [{ interval: -1 }, 'Expected `interval` to be a positive finite number of ms, got -1.'],
    [{ interval: Number.NaN }, /`interval`.*got NaN/],
    [{ maxRequestsPerSecond: 0 }, /`maxRequestsPerSecond` to be a positive number, got 0/],
    [{ requestTimeout: Number.POSITIVE_INFINITY }, /`requestTimeout`.*finite/],
    [{ retry: { retries: 1.5 } }, /`retry.retries` to be an integer/],
    [{ fetch: 'fetch' as never }, /`fetch` to be a function/],
  ])('source options %j', (options, message) => {
    expect(() => acmeTasks({ token: TOKEN, transport, ...options })).toThrow(message instanceof RegExp ? message : new TypeError(message));
  });

  it.each([
    [{ scheduler: 5 as never }, 'Expected `scheduler` to be an RxJS scheduler (with now() and schedule()), got 5.'],
    [{ allowInsecureHttp: 'yes' as never }, 'Expected `allowInsecureHttp` to be a boolean, got a string of 3 characters.'],
    [{ requestTimeout: 3_000_000_000 }, 'Expected `requestTimeout` to be at most 2147483647 ms (about 24.8 days), got 3000000000.'],
    [{ interval: 2 ** 31 }, 'Expected `interval` to be at most 2147483647 ms (about 24.8 days), got 2147483648.'],
    [{ retry: { maxDelay: 1e10 } }, /`retry.maxDelay` to be at most 2147483647 ms/],
  ])('source options %j, which a timer could not honour or which would be silently misread', (options, message) => {
    expect(() => acmeTasks({ token: TOKEN, transport, ...options })).toThrow(message instanceof RegExp ? message : new TypeError(message));
  });

  it('watch options that are not an object', () => {
    const source = acmeTasks({ token: TOKEN, transport });
    expect(() => source.watch('j1', null as never)).toThrow(new TypeError('Expected `options` to be an options object, got null.'));
    expect(() => source.watch('j1', 5 as never)).toThrow(new TypeError('Expected `options` to be an options object, got 5.'));
  });

  it('a resumeFrom state stored as JSON (dates as strings) is read back, and a broken one refused', () => {
    const source = acmeTasks({ token: TOKEN, transport });
    const stored = JSON.parse(JSON.stringify(createTaskState('acme', 'j1', { status: 'running', providerStatus: 'working', createdAt: new Date(5000), raw: {} }))) as TaskState;
    expect(() => source.watch('j1', { resumeFrom: stored })).not.toThrow();
    expect(() => source.watch('j1', { resumeFrom: { ...stored, createdAt: 'yesterday' as never } })).toThrow(
      'Expected `resumeFrom.createdAt` to be a Date or a date string, got a string of 9 characters.',
    );
    expect(() => source.watch('j1', { resumeFrom: { ...stored, status: 'done' as never } })).toThrow(/Expected `resumeFrom` to be a TaskState: expected `status`/);
  });

  it('a plain-http base URL off loopback', () => {
    expect(() => acmeTasks({ token: TOKEN, baseUrl: 'http://jobs.acme.example' })).toThrow(/Refusing plain http/);
  });

  it('an empty task id and a bad per-watch interval', () => {
    const source = acmeTasks({ token: TOKEN, transport });
    expect(() => source.watch('')).toThrow('Expected `task id` to be a non-empty string, got an empty string.');
    expect(() => source.watch('j1', { interval: 0 })).toThrow(/`interval` to be a positive/);
  });

  it('options that are not an object', () => {
    expect(() => acmeTasks(null as never)).toThrow(TypeError);
  });

  it('a missing credential, without echoing anything', () => {
    expect(() => acmeTasks({ token: '' })).toThrow(TypeError);
  });

  it('a provider definition without its functions', () => {
    expect(() => defineProvider({ name: 'x' } as never)).toThrow('Expected `definition.setup` to be a function, got undefined.');
    expect(() => defineProvider({ name: '' } as never)).toThrow(/`definition.name`/);
  });

  it('RateLimitError is what a spent 429 budget ends with (type check of the export)', () => {
    expect(new RateLimitError('x')).toBeInstanceOf(TaskError);
  });
});
