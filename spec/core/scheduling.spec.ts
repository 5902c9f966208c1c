import { BehaviorSubject, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  exponentialInterval,
  fixedInterval,
  progressAwareInterval,
  TaskTimeoutError,
  whenDocumentHidden,
  type SourceOptions,
  type TaskState,
  type VisibilityDocument,
  type WatchOptions,
} from '../../src/index.js';
import type { HttpRequest } from '../../src/provider.js';
import { ARRIVAL_MARGIN_MS } from '../../src/core/budget.js';
import { createTaskState } from '../../src/core/taskState.js';
import { acmeTasks, type AcmeJob } from '../support/acmeProvider.js';
import { scriptedTransport, type Scripted } from '../support/scriptedTransport.js';
import { maxInAnyWindow } from '../support/virtualTime.js';

const idOf = (request: HttpRequest) => decodeURIComponent(new URL(request.url).pathname.split('/').pop() ?? '');
const working = (id: string, percent?: number): Scripted => ({ body: { id, state: 'working', ...(percent === undefined ? {} : { percent }) } });

interface Run {
  readonly starts: Array<{ id: string; at: number }>;
  readonly events: Map<string, Array<{ at: number; state?: TaskState; error?: unknown; complete?: true }>>;
}

/** Runs watches in virtual time until `until` (then unsubscribes all), with a script answering by task and time. */
function simulate(
  answer: (id: string, now: number, request: HttpRequest) => Scripted,
  watches: Array<{ id: string; options?: WatchOptions; at?: number }>,
  { until, ...options }: Partial<SourceOptions> & { until: number },
  during?: (scheduler: TestScheduler) => void,
): Run {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  const starts: Run['starts'] = [];
  const events: Run['events'] = new Map();
  const scripted = scriptedTransport(scheduler, (_, request) => {
    const id = idOf(request);
    starts.push({ id, at: scheduler.now() });
    return answer(id, scheduler.now(), request);
  });
  const source = acmeTasks({ token: 't0k3n', transport: scripted.transport, scheduler, random: () => 0.5, ...options });
  scheduler.run(({ flush }) => {
    const subscriptions: Subscription[] = [];
    for (const { id, options: watchOptions, at = 0 } of watches) {
      const log = events.get(id) ?? [];
      events.set(id, log);
      scheduler.schedule(() => {
        subscriptions.push(
          source.watch(id, watchOptions).subscribe({
            next: (state) => log.push({ at: scheduler.now(), state }),
            error: (error: unknown) => log.push({ at: scheduler.now(), error }),
            complete: () => log.push({ at: scheduler.now(), complete: true }),
          }),
        );
      }, at);
    }
    during?.(scheduler);
    scheduler.schedule(() => subscriptions.forEach((s) => s.unsubscribe()), until);
    flush();
  });
  return { starts, events };
}

const startsOf = (run: Run, id: string) => run.starts.filter((s) => s.id === id).map((s) => s.at);
const gaps = (times: number[]) => times.slice(1).map((t, i) => t - (times[i] as number));

describe('the shared request budget', () => {
  it('is never exceeded with 1,000 tasks, and every task is served in turn', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `t${i}`);
    const run = simulate((id) => working(id), ids.map((id) => ({ id })), { until: 400_000, maxRequestsPerSecond: 10, interval: 1000, jitter: 0 });
    const times = run.starts.map((s) => s.at);
    expect(maxInAnyWindow(times, 1000)).toBe(10);
    // A full round of 1,000 tasks at 10 per (1 s + margin) takes 105 s: no task waits longer than one round.
    const round = 100 * (1000 + ARRIVAL_MARGIN_MS);
    for (const id of ids) {
      const mine = startsOf(run, id);
      expect(mine[0]).toBeLessThan(round);
      expect(Math.max(...gaps(mine))).toBeLessThanOrEqual(round);
    }
    const counts = ids.map((id) => startsOf(run, id).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });
});

describe('server hints', () => {
  it('a 429 with Retry-After pauses the whole source, remembered through other answers and retries', () => {
    const run = simulate(
      (id, now) => {
        if (id === 'a' && now === 0) return { status: 429, body: {}, headers: { 'Retry-After': '10' } };
        if (id === 'c' && now === 0) return { fail: new Error('connection reset') };
        return working(id);
      },
      [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
      { until: 11_500, interval: 1000, jitter: 0 },
    );
    expect(run.starts.filter((s) => s.at > 0 && s.at < 10_000)).toEqual([]);
    expect(startsOf(run, 'a')).toEqual([0, 10_000, 11_000]);
    expect(startsOf(run, 'b')).toEqual([0, 10_000, 11_000]);
    expect(startsOf(run, 'c')).toEqual([0, 10_000, 11_000]);
  });

  it('a Retry-After on a good answer delays that task only', () => {
    const run = simulate(
      (id, now) => (id === 'a' && now === 0 ? { ...working(id), headers: { 'Retry-After': '5' } } : working(id)),
      [{ id: 'a' }, { id: 'b' }],
      { until: 6500, interval: 1000, jitter: 0 },
    );
    expect(startsOf(run, 'a')).toEqual([0, 5000, 6000]);
    expect(startsOf(run, 'b')).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000]);
  });

  it('slows the source down when Remaining runs low, before the server has to refuse', () => {
    // The server: 100 requests per 60 s window; a 101st is refused.
    let served = 0;
    let refused = 0;
    const run = simulate(
      (id, now) => {
        if (now >= 60_000) return working(id);
        served++;
        if (served > 100) {
          refused++;
          return { status: 429, body: {}, headers: { 'X-RateLimit-Limit': '100', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '60' } };
        }
        const headers = { 'X-RateLimit-Limit': '100', 'X-RateLimit-Remaining': String(100 - served), 'X-RateLimit-Reset': String((60_000 - now) / 1000) };
        return { ...working(id), headers };
      },
      Array.from({ length: 20 }, (_, i) => ({ id: `t${i}` })),
      { until: 59_999, interval: 100, maxRequestsPerSecond: 50, jitter: 0 },
    );
    expect(refused).toBe(0);
    // 10 % of the limit is left to the account's other clients.
    expect(run.starts.length).toBeLessThanOrEqual(90);
    expect(run.starts.length).toBeGreaterThanOrEqual(80);
    // Spread over the window rather than spent in the first seconds.
    expect(run.starts.filter((s) => s.at > 30_000).length).toBeGreaterThan(5);
  });
});

describe('interval policies', () => {
  const forever = (id: string) => working(id);

  it('fixed: one poll per interval', () => {
    const run = simulate(forever, [{ id: 'a', options: { policy: fixedInterval() } }], { until: 4500, interval: 1000, jitter: 0 });
    expect(startsOf(run, 'a')).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it('exponential: gaps grow by the factor up to the cap', () => {
    const run = simulate(forever, [{ id: 'a', options: { policy: exponentialInterval({ factor: 2, cap: 8000 }) } }], { until: 32_000, interval: 1000, jitter: 0 });
    expect(startsOf(run, 'a')).toEqual([0, 1000, 3000, 7000, 15_000, 23_000, 31_000]);
  });

  it('exponential gaps stop at the source maxInterval', () => {
    const run = simulate(forever, [{ id: 'a', options: { policy: exponentialInterval() } }], { until: 18_000, interval: 1000, jitter: 0, maxInterval: 5000 });
    expect(gaps(startsOf(run, 'a'))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('jitter spreads the gaps within ±jitter', () => {
    let i = 0;
    const randoms = [0, 1, 0.25, 0.75];
    const run = simulate(forever, [{ id: 'a' }], { until: 4500, interval: 1000, jitter: 0.1, random: () => randoms[i++ % 4] as number });
    expect(gaps(startsOf(run, 'a'))).toEqual([900, 1100, 950, 1050]);
  });

  describe('progress-aware', () => {
    // A task whose progress climbs steadily from 0 % to 100 % over 60 s, reported in whole percent.
    const DURATION = 60_000;
    const linear = (id: string, now: number): Scripted =>
      now >= DURATION ? { body: { id, state: 'done' } } : working(id, Math.floor((100 * now) / DURATION));
    const endOf = (run: Run, status: 'completed' | 'failed' = 'completed') => run.events.get('a')?.find((e) => e.state?.status === status)?.at ?? Number.NaN;
    const progressAware = (options?: Parameters<typeof progressAwareInterval>[0]) => [{ id: 'a', options: { policy: progressAwareInterval(options) } }];

    it('by default, polls a steady task every 1.1 intervals and sees its end within moments', () => {
      const run = simulate(linear, progressAware(), { until: 200_000, interval: 1000, jitter: 0 });
      const fixed = simulate(linear, [{ id: 'a', options: { policy: fixedInterval() } }], { until: 200_000, interval: 1000, jitter: 0 });

      expect(startsOf(fixed, 'a')).toHaveLength(61);
      // 60 s at 1.1 s, the first poll and the one just past the end.
      expect(startsOf(run, 'a').length).toBeLessThanOrEqual(58);
      expect(Math.max(...gaps(startsOf(run, 'a')))).toBeLessThanOrEqual(1100);
      expect(endOf(run) - DURATION).toBeGreaterThanOrEqual(0);
      expect(endOf(run) - DURATION).toBeLessThan(500);
    });

    it('trusting the prediction alone (maxGap: Infinity), follows a steady task with a handful of requests', () => {
      const run = simulate(linear, progressAware({ maxGap: Infinity }), { until: 200_000, interval: 1000, jitter: 0 });

      expect(startsOf(run, 'a').length).toBeLessThanOrEqual(12);
      expect(endOf(run) - DURATION).toBeGreaterThanOrEqual(0);
      expect(endOf(run) - DURATION).toBeLessThan(1000);
    });

    it('sees a task that fails on the way within maxGap intervals, however far its predicted finish', () => {
      const FAILS_AT = 20_300;
      const failing = (id: string, now: number): Scripted => (now >= FAILS_AT ? { body: { id, state: 'error', reason: 'out of credit' } } : linear(id, now));
      const capped = simulate(failing, progressAware(), { until: 100_000, interval: 1000, jitter: 0 });
      const wider = simulate(failing, progressAware({ maxGap: 3 }), { until: 100_000, interval: 1000, jitter: 0 });
      const trusting = simulate(failing, progressAware({ maxGap: Infinity }), { until: 100_000, interval: 1000, jitter: 0 });

      expect(endOf(capped, 'failed') - FAILS_AT).toBeLessThanOrEqual(1100);
      expect(endOf(wider, 'failed') - FAILS_AT).toBeLessThanOrEqual(3000);
      // Halfway to a finish 40 s away: the failure waits for a poll that was aimed far past it.
      expect(endOf(trusting, 'failed') - FAILS_AT).toBeGreaterThan(5000);
    });

    it('polls every maxGap intervals while progress has not moved', () => {
      const queued = (id: string, now: number): Scripted => (now < 10_000 ? working(id, 0) : linear(id, now - 10_000));

      expect(startsOf(simulate(queued, progressAware(), { until: 9000, interval: 1000, jitter: 0 }), 'a')).toEqual([0, 1100, 2200, 3300, 4400, 5500, 6600, 7700, 8800]);
      expect(startsOf(simulate(queued, progressAware({ maxGap: 2 }), { until: 9000, interval: 1000, jitter: 0 }), 'a')).toEqual([0, 2000, 4000, 6000, 8000]);
    });

    it('dates each change of coarse progress midway between two answers, and sees the end of a task reported in steps within moments', () => {
      // 20 %, 40 %, … every 12 s: an answer says only that the last step was passed, somewhere since the answer before.
      const byTwenties = (id: string, now: number): Scripted => (now >= DURATION ? { body: { id, state: 'done' } } : working(id, 20 * Math.floor(now / 12_000)));
      // As Mobizon's tasks do: 0 % while queued (a tenth of the run) and for the first step, then by tens to 90 %, then done.
      const byTens = (id: string, now: number): Scripted =>
        now >= DURATION ? { body: { id, state: 'done' } } : working(id, now < 11_400 ? 0 : Math.min(90, 10 * Math.floor((now - 6000) / 5400)));
      const trusting = simulate(byTwenties, progressAware({ maxGap: Infinity }), { until: 200_000, interval: 1000, jitter: 0 });
      const capped = simulate(byTens, progressAware(), { until: 200_000, interval: 1000, jitter: 0 });

      for (const run of [trusting, capped]) {
        expect(endOf(run) - DURATION).toBeGreaterThanOrEqual(0);
        expect(endOf(run) - DURATION).toBeLessThan(1000);
      }
      expect(startsOf(trusting, 'a').length).toBeLessThanOrEqual(25);
    });

    it('past the predicted finish, waits as long again as the task is late: a stalled task is polled less and less often, up to maxGap intervals', () => {
      // Steady to 90 % at 54 s, then stuck there: the predicted finish (60 s) passes and nothing ends.
      const stalled = (id: string, now: number): Scripted => working(id, Math.min(90, Math.floor((100 * now) / DURATION)));
      const trusting = simulate(stalled, progressAware({ maxGap: Infinity }), { until: 300_000, interval: 1000, jitter: 0, maxInterval: 60_000 });
      const capped = simulate(stalled, progressAware(), { until: 300_000, interval: 1000, jitter: 0 });

      const late = startsOf(trusting, 'a').filter((at) => at > 61_000);
      expect(late.length).toBeLessThanOrEqual(10);
      const lateGaps = gaps(late);
      expect(lateGaps).toEqual([...lateGaps].sort((a, b) => a - b));
      expect(Math.max(...lateGaps)).toBe(60_000);
      const cappedGaps = gaps(startsOf(capped, 'a').filter((at) => at > 70_000));
      expect(cappedGaps.length).toBeGreaterThan(100);
      for (const gap of cappedGaps) expect(gap).toBeCloseTo(1100, 6);
    });

    it('without a minimum gap from the provider, keeps its polls a quarter interval apart past the predicted finish', () => {
      // Progress reaches 100 % at 60 s, but the task reports done only at 63 s.
      const slowToEnd = (id: string, now: number): Scripted => (now >= 63_000 ? { body: { id, state: 'done' } } : working(id, Math.min(100, Math.floor((100 * now) / DURATION))));
      const run = simulate(slowToEnd, progressAware(), { until: 100_000, interval: 1000, jitter: 0 });

      expect(Math.min(...gaps(startsOf(run, 'a')))).toBeGreaterThanOrEqual(250);
      expect(endOf(run) - 63_000).toBeLessThan(1100);
    });

    it('polls on the plain interval while there is no progress to go by', () => {
      const run = simulate((id) => working(id), progressAware(), { until: 3500, interval: 1000, jitter: 0 });
      expect(startsOf(run, 'a')).toEqual([0, 1000, 2000, 3000]);
    });

    it('never waits longer than maxInterval, whatever it predicts', () => {
      const slow = (id: string, now: number): Scripted => working(id, Math.min(99, Math.floor(now / 36_000)));
      const run = simulate(slow, progressAware({ maxGap: Infinity }), { until: 400_000, interval: 1000, jitter: 0, maxInterval: 30_000 });
      expect(Math.max(...gaps(startsOf(run, 'a')))).toBeLessThanOrEqual(30_000);
    });

    it('takes a maxGap that is a positive number, Infinity included, and says so when it is not', () => {
      expect(() => progressAwareInterval({ maxGap: Infinity })).not.toThrow();
      expect(() => progressAwareInterval({ maxGap: 0 })).toThrow(new TypeError('Expected `maxGap` to be a positive number, got 0.'));
      expect(() => progressAwareInterval({ maxGap: Number.NaN })).toThrow(new TypeError('Expected `maxGap` to be a positive number, got NaN.'));
    });
  });
});

describe('pauseWhen', () => {
  it('sends nothing while paused, and resumes with an immediate poll', () => {
    const hidden = new BehaviorSubject(true);
    const run = simulate((id) => working(id), [{ id: 'a' }, { id: 'b' }], { until: 12_000, interval: 1000, jitter: 0, pauseWhen: hidden }, (scheduler) => {
      scheduler.schedule(() => hidden.next(false), 5000);
      scheduler.schedule(() => hidden.next(true), 5500);
      scheduler.schedule(() => hidden.next(false), 9300);
    });
    expect(startsOf(run, 'a')).toEqual([5000, 9300, 10_300, 11_300]);
    expect(startsOf(run, 'b')).toEqual([5000, 9300, 10_300, 11_300]);
    expect(hidden.observed).toBe(false); // let go once nothing is watched
  });

  it('is listened to only while something is watched', () => {
    const hidden = new BehaviorSubject(false);
    let seenObserved = false;
    simulate((id) => ({ body: { id, state: 'done' } }), [{ id: 'a', at: 100 }], { until: 1000, pauseWhen: hidden }, (scheduler) => {
      scheduler.schedule(() => (seenObserved = hidden.observed), 50);
    });
    expect(seenObserved).toBe(false);
    expect(hidden.observed).toBe(false);
  });
});

describe('whenDocumentHidden', () => {
  it('follows the visibility of a document', () => {
    const listeners = new Set<() => void>();
    const doc = {
      visibilityState: 'visible',
      addEventListener: (_: string, l: () => void) => listeners.add(l),
      removeEventListener: (_: string, l: () => void) => listeners.delete(l),
    } satisfies VisibilityDocument;
    const seen: boolean[] = [];
    const subscription = whenDocumentHidden(doc).subscribe((hidden) => seen.push(hidden));
    const flip = (state: string) => {
      doc.visibilityState = state;
      listeners.forEach((l) => l());
    };
    flip('hidden');
    flip('hidden');
    flip('visible');
    subscription.unsubscribe();
    expect(seen).toEqual([false, true, false]);
    expect(listeners.size).toBe(0);
  });

  it('is false once, and complete, where there is no document (server-side rendering)', () => {
    const seen: Array<boolean | 'done'> = [];
    whenDocumentHidden(undefined).subscribe({ next: (h) => seen.push(h), complete: () => seen.push('done') });
    expect('document' in globalThis).toBe(false);
    expect(seen).toEqual([false, 'done']);
  });
});

describe('resumeFrom', () => {
  const stored = (job: AcmeJob) =>
    createTaskState('acme', job.id, {
      status: job.state === 'done' ? 'completed' : 'running',
      providerStatus: job.state,
      ...(job.percent === undefined ? {} : { progress: job.percent / 100 }),
      raw: job,
    });

  it('emits the stored state first, and not again while unchanged', () => {
    const resumeFrom = stored({ id: 'a', state: 'working', percent: 40 });
    const run = simulate((id, now) => working(id, now < 2000 ? 40 : 60), [{ id: 'a', options: { resumeFrom } }], { until: 2500, interval: 1000, jitter: 0 });
    expect(run.events.get('a')?.map((e) => [e.at, e.state?.progress])).toEqual([
      [0, 0.4],
      [2000, 0.6],
    ]);
    expect(startsOf(run, 'a')).toEqual([0, 1000, 2000]);
  });

  it('ends at once, without a request, when the stored state is terminal', () => {
    const resumeFrom = stored({ id: 'a', state: 'done' });
    const run = simulate((id) => working(id), [{ id: 'a', options: { resumeFrom } }], { until: 5000 });
    expect(run.starts).toEqual([]);
    expect(run.events.get('a')).toEqual([{ at: 0, state: resumeFrom }, { at: 0, complete: true }]);
  });

  it('refuses a state of another task', () => {
    const source = acmeTasks({ token: 'x', transport: scriptedTransport(new TestScheduler(() => undefined), []).transport });
    expect(() => source.watch('b', { resumeFrom: stored({ id: 'a', state: 'working' }) })).toThrow(
      'Expected `resumeFrom` to be a state of acme task b, got a state of acme task a.',
    );
  });
});

describe('deadline', () => {
  it('errors with TaskTimeoutError and the last state when it passes, and stops polling', () => {
    const run = simulate((id, now) => working(id, now / 100), [{ id: 'a', options: { deadline: 3500 } }], { until: 10_000, interval: 1000, jitter: 0 });
    const last = run.events.get('a')?.at(-1);
    expect(last?.at).toBe(3500);
    expect(last?.error).toBeInstanceOf(TaskTimeoutError);
    expect(last?.error).toMatchObject({ timeout: 'deadline', ms: 3500, state: expect.objectContaining({ progress: 0.3 }) });
    expect(startsOf(run, 'a')).toEqual([0, 1000, 2000, 3000]);
  });

  it('is absolute: a watch resumed later keeps the deadline it had', () => {
    const resumeFrom = createTaskState('acme', 'a', { status: 'running', providerStatus: 'working', raw: {} });
    const run = simulate((id) => working(id), [{ id: 'a', at: 2000, options: { resumeFrom, deadline: new Date(3000) } }], { until: 10_000, interval: 400, jitter: 0 });
    expect(run.events.get('a')?.at(-1)).toMatchObject({ at: 3000, error: expect.objectContaining({ timeout: 'deadline', ms: 1000 }) });
  });
});
