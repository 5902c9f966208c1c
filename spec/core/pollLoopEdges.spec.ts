// The poll loop's edges: what a custom provider can get wrong, what the server can ask for,
// and what must hold across pauses and re-subscriptions. All in virtual time.
import { left, right } from 'fp-ts/lib/Either.js';
import { BehaviorSubject, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  AuthenticationError,
  DecodeError,
  defineProvider,
  ProviderError,
  TaskTimeoutError,
  TransportError,
  type SourceOptions,
  type TaskState,
  type TaskStatus,
} from '../../src/index.js';
import { httpFailure, type HttpRequest } from '../../src/provider.js';
import { ARRIVAL_MARGIN_MS } from '../../src/core/budget.js';
import { MAX_DELAY_MS } from '../../src/core/validate.js';
import { scriptedTransport, type Scripted } from '../support/scriptedTransport.js';

interface ToyOptions {
  readonly requestFails?: () => never;
}

/** A provider whose bodies are the state itself: `{ status, providerStatus, progress? }`. */
const toyProvider = (minInterval: number) =>
  defineProvider({
  name: 'toy',
  defaults: { interval: 1000, maxRequestsPerSecond: 100, minInterval },
  setup: (options: ToyOptions) => ({ baseUrl: 'https://toy.example', context: options, secrets: [] }),
  identify: (ref: string) => ({ id: ref }),
  request: ({ id, context }) => {
    context.requestFails?.();
    return { method: 'GET', path: `/t/${id}` };
  },
  decode: (response) => {
    if (response.status !== 200) return left(httpFailure({ response, what: 'toy task' }));
    const body = JSON.parse(response.body) as { status: TaskStatus; providerStatus?: unknown; progress?: number };
    return right({ status: body.status, providerStatus: body.providerStatus as string, ...(body.progress === undefined ? {} : { progress: body.progress }), raw: body });
  },
});
const toyTasks = toyProvider(0);
/** The same with a provider minimum of 1 s between two requests of a task (as Mobizon has). */
const slowToyTasks = toyProvider(1000);

const running = (extra: Record<string, unknown> = {}): Scripted => ({ body: { status: 'running', providerStatus: 'r', ...extra } });
const idOf = (request: HttpRequest) => new URL(request.url).pathname.split('/').pop() ?? '';

interface Event {
  readonly id: string;
  readonly at: number;
  readonly state?: TaskState;
  readonly error?: unknown;
  readonly complete?: true;
}

function simulate(
  answer: (id: string, now: number, n: number) => Scripted,
  {
    until,
    watches = ['a'],
    during,
    toy = {},
    factory = toyTasks,
    ...options
  }: Partial<SourceOptions> & {
    until: number;
    watches?: string[];
    during?: (s: TestScheduler, subscribe: (id: string) => Subscription) => void;
    toy?: ToyOptions;
    factory?: typeof toyTasks;
  },
) {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  const events: Event[] = [];
  const counts = new Map<string, number>();
  const scripted = scriptedTransport(scheduler, (_, request) => {
    const id = idOf(request);
    const n = counts.get(id) ?? 0;
    counts.set(id, n + 1);
    return answer(id, scheduler.now(), n);
  });
  const source = factory({ ...toy, transport: scripted.transport, scheduler, random: () => 0.5, jitter: 0, ...options });
  scheduler.run(({ flush }) => {
    const subscriptions: Subscription[] = [];
    const subscribe = (id: string) => {
      const subscription = source.watch(id).subscribe({
        next: (state) => events.push({ id, at: scheduler.now(), state }),
        error: (error: unknown) => events.push({ id, at: scheduler.now(), error }),
        complete: () => events.push({ id, at: scheduler.now(), complete: true }),
      });
      subscriptions.push(subscription);
      return subscription;
    };
    for (const id of watches) subscribe(id);
    during?.(scheduler, subscribe);
    scheduler.schedule(() => subscriptions.forEach((s) => s.unsubscribe()), until);
    flush();
  });
  const startsOf = (id: string) => scripted.requests.map((r, i) => [idOf(r), scripted.startedAt[i] as number] as const).filter(([rid]) => rid === id).map(([, at]) => at);
  return { events, scripted, startsOf };
}

describe('a custom provider that gets its state wrong', () => {
  it.each([
    ['a status outside the four', { status: 'done', providerStatus: 'done' }, /invalid state for task a: expected `status` to be 'pending', 'running', 'completed' or 'failed', got "done"/],
    ['a providerStatus that is not a string', { status: 'running', providerStatus: 7 }, /expected `providerStatus` to be a string, got 7/],
  ])('ends with a DecodeError after one request, for %s, instead of polling forever', (_, body, message) => {
    const { events, scripted } = simulate(() => ({ body }), { until: 10_000 });
    expect(scripted.requests).toHaveLength(1);
    expect(events).toEqual([expect.objectContaining({ error: expect.any(DecodeError) })]);
    expect((events[0]?.error as Error).message).toMatch(message);
  });

  it('ends at once when its request() throws a TaskError (a token it cannot sign), without retrying', () => {
    const requestFails = () => {
      throw new AuthenticationError('the signing key was refused');
    };
    const { events, scripted } = simulate(() => running(), { until: 60_000, toy: { requestFails } });
    expect(scripted.requests).toHaveLength(0);
    expect(events).toEqual([expect.objectContaining({ at: 0, error: expect.any(AuthenticationError) })]);
  });

  it('ends at once with a ProviderError naming the task when its request() has a bug, not with a "network" failure', () => {
    const requestFails = () => {
      throw new RangeError('index out of range');
    };
    const { events } = simulate(() => running(), { until: 60_000, toy: { requestFails } });
    expect(events).toHaveLength(1);
    const error = events[0]?.error;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).not.toBeInstanceOf(TransportError);
    expect((error as Error).message).toBe('The toy provider could not build the request for task a: index out of range');
    expect((error as Error).cause).toMatchObject({ message: 'index out of range' });
  });

  it('freezes the states all the way down, so one subscriber cannot change what another sees', () => {
    const { events } = simulate(() => ({ body: { status: 'completed', providerStatus: 'ok', nested: { list: [{ n: 1 }] } } }), { until: 1000 });
    const state = events[0]?.state as TaskState;
    const raw = state.raw as { nested: { list: Array<{ n: number }> } };
    expect(Object.isFrozen(state)).toBe(true);
    expect(Object.isFrozen(raw.nested.list[0])).toBe(true);
    expect(() => {
      (raw.nested.list[0] as { n: number }).n = 2;
    }).toThrow(TypeError);
  });
});

describe('what the server asks for', () => {
  it('a 429 that says nothing still pauses the whole source for the backoff, not only the task', () => {
    const { startsOf } = simulate((id, now) => (id === 'a' && now === 0 ? { status: 429, body: {}, latency: 100 } : running({ id, now })), {
      until: 2500,
      watches: ['a', 'b'],
      maxConcurrentRequests: 1,
      interval: 100,
    });
    // a's 429 arrives at 100; its backoff (750 ms with random 0.5) holds b too, which was waiting for the one slot.
    expect(startsOf('b')[0]).toBe(850);
    expect(startsOf('a')[1]).toBe(850);
  });

  it('reads the 429 before giving the turn back: no other task starts in the gap', () => {
    const { startsOf } = simulate((id, now) => (id === 'a' && now === 0 ? { status: 429, body: {}, headers: { 'Retry-After': '10' }, latency: 100 } : running({ id, now })), {
      until: 12_000,
      watches: ['a', 'b'],
      maxConcurrentRequests: 1,
      interval: 1000,
    });
    expect(startsOf('b')[0]).toBe(10_100);
    expect(startsOf('a')).toEqual([0, 10_100, 11_100]);
  });

  it('a 429 waits for RateLimit-Reset, whatever Remaining says, across the source', () => {
    const { startsOf } = simulate(
      (id, now) => (id === 'a' && now === 0 ? { status: 429, body: {}, headers: { 'RateLimit-Remaining': '3', 'RateLimit-Reset': '5' } } : running({ id, now })),
      { until: 6500, watches: ['a', 'b'], interval: 1000 },
    );
    expect(startsOf('a')).toEqual([0, 5000, 6000]);
    expect(startsOf('b').filter((at) => at > 0 && at < 5000)).toEqual([]);
  });

  it('a Retry-After of years is taken as one hour, and the timer never overflows', () => {
    const { startsOf } = simulate((_, now) => (now === 0 ? { status: 429, body: {}, headers: { 'Retry-After': '99999999999' } } : { body: { status: 'completed', providerStatus: 'ok' } }), {
      until: 2 * 60 * 60 * 1000,
    });
    expect(startsOf('a')).toEqual([0, 60 * 60 * 1000]);
  });

  it('the RateLimit-* family slows the whole source before the budget runs out', () => {
    let served = 0;
    const { scripted } = simulate(
      (id, now) => {
        served++;
        // The IETF family: Reset in seconds from now.
        const headers = { 'RateLimit-Limit': '40', 'RateLimit-Remaining': String(Math.max(0, 40 - served)), 'RateLimit-Reset': String((20_000 - now) / 1000) };
        return { ...running({ id, now }), headers };
      },
      { until: 19_999, watches: ['a', 'b', 'c', 'd'], interval: 100 },
    );
    // 40 per 20 s, 10 % kept for the account's other clients: about 36, never 40.
    expect(scripted.requests.length).toBeLessThanOrEqual(37);
    expect(scripted.requests.length).toBeGreaterThanOrEqual(30);
  });
});

describe('per-task floors hold across pauses and re-subscriptions', () => {
  it('the end of a pause does not bring a poll closer than the provider minimum', () => {
    const hidden = new BehaviorSubject(false);
    const during = (scheduler: TestScheduler) => {
      scheduler.schedule(() => hidden.next(true), 50);
      scheduler.schedule(() => hidden.next(false), 300);
    };
    // Without a minimum the paused task resumes with an immediate poll; with one, not before it.
    expect(simulate(() => running(), { until: 2000, pauseWhen: hidden, during }).startsOf('a').slice(0, 2)).toEqual([0, 300]);
    expect(simulate(() => running(), { until: 2000, pauseWhen: hidden, during, factory: slowToyTasks }).startsOf('a').slice(0, 2)).toEqual([0, 1000 + ARRIVAL_MARGIN_MS]);
  });

  it('the end of a pause does not cut short a Retry-After the task was given', () => {
    const hidden = new BehaviorSubject(false);
    const { startsOf } = simulate((_, now) => (now === 0 ? { ...running(), headers: { 'Retry-After': '30' } } : running()), {
      until: 31_000,
      interval: 1000,
      pauseWhen: hidden,
      during: (scheduler) => {
        scheduler.schedule(() => hidden.next(true), 50);
        scheduler.schedule(() => hidden.next(false), 300);
      },
    });
    expect(startsOf('a')).toEqual([0, 30_000]);
  });

  it('a backoff after a 503 survives the end of a pause', () => {
    const hidden = new BehaviorSubject(false);
    const { startsOf } = simulate((_, now) => (now === 0 ? { status: 503, body: {} } : running()), {
      until: 1000,
      interval: 100,
      pauseWhen: hidden,
      during: (scheduler) => {
        scheduler.schedule(() => hidden.next(true), 10);
        scheduler.schedule(() => hidden.next(false), 20);
      },
    });
    // The retry waits its backoff (750 ms with random 0.5), not the 20 ms of the pause.
    expect(startsOf('a').slice(0, 2)).toEqual([0, 750]);
  });

  it('a task watched again at once keeps its Retry-After (React StrictMode subscribes twice)', () => {
    const { startsOf } = simulate((_, now) => (now === 0 ? { ...running(), headers: { 'Retry-After': '5' } } : running()), {
      until: 6000,
      watches: [],
      interval: 1000,
      during: (scheduler, subscribe) => {
        const first = subscribe('a');
        scheduler.schedule(() => first.unsubscribe(), 100);
        scheduler.schedule(() => void subscribe('a'), 150);
      },
    });
    expect(startsOf('a')).toEqual([0, 5000]);
  });

  it('a task watched again at once keeps the provider minimum', () => {
    const { startsOf } = simulate(() => running(), {
      until: 1500,
      watches: [],
      factory: slowToyTasks,
      during: (scheduler, subscribe) => {
        const first = subscribe('a');
        scheduler.schedule(() => first.unsubscribe(), 100);
        scheduler.schedule(() => void subscribe('a'), 150);
      },
    });
    expect(startsOf('a')).toEqual([0, 1000 + ARRIVAL_MARGIN_MS]);
  });
});

describe('deadlines at the edges of time', () => {
  it('a deadline already passed errors at once, without a request', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    const scripted = scriptedTransport(scheduler, [running()]);
    const source = toyTasks({ transport: scripted.transport, scheduler });
    const events: unknown[] = [];
    scheduler.run(({ flush }) => {
      scheduler.schedule(() => source.watch('a', { deadline: 500 }).subscribe({ error: (e: unknown) => events.push(e) }), 1000);
      flush();
    });
    expect(scripted.requests).toHaveLength(0);
    expect(events).toEqual([expect.any(TaskTimeoutError)]);
  });

  it('a deadline weeks away, beyond what one timer can wait, fires then and not at once', () => {
    const weeks = 6 * 7 * 24 * 60 * 60 * 1000;
    expect(weeks).toBeGreaterThan(MAX_DELAY_MS);
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    const scripted = scriptedTransport(scheduler, [running()]);
    const source = toyTasks({ transport: scripted.transport, scheduler, interval: 24 * 60 * 60 * 1000, maxInterval: 24 * 60 * 60 * 1000 });
    let failedAt: number | undefined;
    scheduler.run(({ flush }) => {
      source.watch('a', { deadline: weeks }).subscribe({ error: () => (failedAt = scheduler.now()) });
      flush();
    });
    expect(failedAt).toBe(weeks);
  });

  it.each([Number.POSITIVE_INFINITY, Number.NaN, 9e15, new Date(Number.NaN)])('a deadline of %p is a TypeError at watch()', (deadline) => {
    const source = toyTasks({ transport: scriptedTransport(new TestScheduler(() => undefined), []).transport });
    expect(() => source.watch('a', { deadline })).toThrow(/Expected `deadline` to be a valid Date or a finite time in ms/);
  });
});
