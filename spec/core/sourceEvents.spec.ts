import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { RateLimitError, TransportError, type SourceOptions, type TaskSourceEvent } from '../../src/index.js';
import { SourceEvents } from '../../src/core/sourceEvents.js';
import { acmeTasks, type AcmeJob } from '../support/acmeProvider.js';
import { scriptedTransport, type Scripted } from '../support/scriptedTransport.js';

const TOKEN = 'acme-secret-token-123';
const job = (state: AcmeJob['state'], percent?: number): Scripted => ({ body: { id: 'j1', state, ...(percent === undefined ? {} : { percent }) } });
const refused = (): Scripted => ({ fail: Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:9 (token ${TOKEN})`), { code: 'ECONNREFUSED' }) });

function setup(script: readonly Scripted[], options: Partial<SourceOptions> = {}) {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  const scripted = scriptedTransport(scheduler, script);
  const source = acmeTasks({ token: TOKEN, transport: scripted.transport, scheduler, random: () => 0.5, jitter: 0, ...options });
  return { scheduler, scripted, source };
}

/** Every event the source tells while `run` runs, in virtual time. */
function record(scheduler: TestScheduler, source: { events: import('rxjs').Observable<TaskSourceEvent> }, run: () => void): TaskSourceEvent[] {
  const events: TaskSourceEvent[] = [];
  scheduler.run(({ flush }) => {
    const listening = source.events.subscribe((event) => events.push(event));
    run();
    flush();
    listening.unsubscribe();
  });
  return events;
}

describe('source.events (virtual time)', () => {
  it('tells each request and its answer, with the attempt and the time the answer took', () => {
    const { scheduler, source } = setup([{ ...job('working', 10), latency: 30 }, { ...job('done'), latency: 20 }]);
    const events = record(scheduler, source, () => source.watch('j1').subscribe());
    expect(events).toEqual([
      { type: 'request', provider: 'acme', id: 'j1', attempt: 1, at: 0 },
      { type: 'answer', provider: 'acme', id: 'j1', status: 200, ms: 30, at: 30 },
      { type: 'request', provider: 'acme', id: 'j1', attempt: 1, at: 1000 },
      { type: 'answer', provider: 'acme', id: 'j1', status: 200, ms: 20, at: 1020 },
    ]);
  });

  it('tells each retry with its attempt, the retries allowed, the delay, a short reason and the cause without the secret', () => {
    const { scheduler, scripted, source } = setup([refused(), { status: 503, body: 'busy' }, job('done')], { retry: { retries: 4, minDelay: 1000 } });
    const events = record(scheduler, source, () => source.watch('j1').subscribe());
    const retries = events.filter((event) => event.type === 'retry');
    // random() = 0.5: each delay is 3/4 of its ceiling (1 s, 2 s).
    expect(retries).toEqual([
      expect.objectContaining({ provider: 'acme', id: 'j1', attempt: 1, retries: 4, delayMs: 750, reason: 'connection refused', at: 0 }),
      expect.objectContaining({ provider: 'acme', id: 'j1', attempt: 2, retries: 4, delayMs: 1500, reason: 'HTTP 503', at: 750 }),
    ]);
    expect(scripted.startedAt).toEqual([0, 750, 2250]);
    const [first, second] = retries as Extract<TaskSourceEvent, { type: 'retry' }>[];
    expect(first?.cause).toBeInstanceOf(TransportError);
    expect(first?.cause).toMatchObject({ provider: 'acme', taskId: 'j1', reason: 'network' });
    expect(JSON.stringify({ message: first?.cause.message, cause: String((first?.cause as Error).cause) })).not.toContain(TOKEN);
    expect(second?.cause).toMatchObject({ status: 503 });
    // The retry that follows is attempt n + 1 on its request.
    expect(events.filter((event) => event.type === 'request').map((event) => (event as { attempt: number }).attempt)).toEqual([1, 2, 3]);
  });

  it('tells a pause the provider asked for, with its length, once per pause', () => {
    const { scheduler, source } = setup([{ status: 429, body: {}, headers: { 'Retry-After': '5' } }, job('done')]);
    const events = record(scheduler, source, () => source.watch('j1').subscribe());
    expect(events.filter((event) => event.type === 'rate-limited')).toEqual([{ type: 'rate-limited', provider: 'acme', waitMs: 5000, until: 5000, at: 0 }]);
    expect(events.find((event) => event.type === 'retry')).toMatchObject({ reason: 'rate limited', delayMs: 5000, cause: expect.any(RateLimitError) });
  });

  it('tells when pauseWhen pauses and resumes the source', () => {
    const hidden = new Subject<boolean>();
    const { scheduler, source } = setup([job('working', 10)], { pauseWhen: hidden });
    const events = record(scheduler, source, () => {
      const watching = source.watch('j1').subscribe();
      scheduler.schedule(() => hidden.next(true), 1500);
      scheduler.schedule(() => hidden.next(false), 4000);
      scheduler.schedule(() => watching.unsubscribe(), 4500);
    });
    expect(events.filter((event) => event.type === 'paused' || event.type === 'resumed')).toEqual([
      { type: 'paused', provider: 'acme', at: 1500 },
      { type: 'resumed', provider: 'acme', at: 4000 },
    ]);
    // Paused from 1.5 s to 4 s: the poll due at 2 s waited for the resume.
    expect(events.filter((event) => event.type === 'request').map((event) => event.at)).toEqual([0, 1000, 4000]);
  });

  it('builds no event while nobody listens, and tells only those who listen now', () => {
    const emit = jest.spyOn(SourceEvents.prototype, 'emit');
    try {
      const { scheduler, source } = setup([refused(), job('working', 10), job('done')]);
      scheduler.run(({ flush }) => {
        source.watch('j1').subscribe();
        flush();
      });
      expect(emit).not.toHaveBeenCalled();
      const late = setup([job('done')]);
      const events = record(late.scheduler, late.source, () => late.source.watch('j1').subscribe());
      expect(emit).toHaveBeenCalledTimes(events.length);
      expect(events.length).toBe(2);
    } finally {
      emit.mockRestore();
    }
  });

  it('tells every listener, and none after it has unsubscribed; the events never complete', () => {
    const { scheduler, source } = setup([job('working', 10), job('done')]);
    const first: string[] = [];
    const second: string[] = [];
    let completed = false;
    scheduler.run(({ flush }) => {
      const a = source.events.subscribe({ next: (event) => first.push(`${event.type}@${event.at}`), complete: () => (completed = true) });
      const b = source.events.subscribe((event) => second.push(`${event.type}@${event.at}`));
      source.watch('j1').subscribe();
      scheduler.schedule(() => b.unsubscribe(), 500);
      flush();
      a.unsubscribe();
    });
    expect(first).toEqual(['request@0', 'answer@0', 'request@1000', 'answer@1000']);
    expect(second).toEqual(['request@0', 'answer@0']);
    expect(completed).toBe(false);
  });
});
