import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { combineTasks, TaskTimeoutError, TransportError, untilTerminal, withTimeout, type SourceOptions, type TaskBatchState } from '../../src/index.js';
import { acmeTasks, type AcmeJob } from '../support/acmeProvider.js';
import { scriptedTransport, type Scripted } from '../support/scriptedTransport.js';
import { taskState } from './support.js';

const TOKEN = 'acme-secret-token-123';
const job = (state: AcmeJob['state'], id = 'j1'): Scripted => ({ body: { id, state } });
const refused: Scripted = { fail: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) };

function setup(script: readonly Scripted[] | ((n: number) => Scripted), options: Partial<SourceOptions> = {}) {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  const scripted = scriptedTransport(scheduler, script);
  const source = acmeTasks({ token: TOKEN, transport: scripted.transport, scheduler, random: () => 0.5, jitter: 0, ...options });
  return { scheduler, scripted, source };
}

/** Runs `stream$` to its end in virtual time: what it emitted, how it ended, and when. */
function settle<T>(scheduler: TestScheduler, stream$: Observable<T>): { values: T[]; error?: unknown; completed: boolean; at: number } {
  const outcome: { values: T[]; error?: unknown; completed: boolean; at: number } = { values: [], completed: false, at: -1 };
  scheduler.run(({ flush }) => {
    stream$.subscribe({
      next: (value) => outcome.values.push(value),
      error: (error: unknown) => {
        outcome.error = error;
        outcome.at = scheduler.now();
      },
      complete: () => {
        outcome.completed = true;
        outcome.at = scheduler.now();
      },
    });
    flush();
  });
  return outcome;
}

describe('withTimeout: stalled (no answer) apart from idle (no change), and the last failure as the cause', () => {
  it('lets a long task that never changes run past a stalled bound, where the same idle bound gives up', () => {
    // Running, unchanged, for 10 polls, then done: healthy, like a Stream export or a Postman merge.
    const script = (n: number) => (n < 10 ? job('working') : job('done'));
    const stalled = setup(script);
    const calm = settle(stalled.scheduler, stalled.source.watch('j1').pipe(untilTerminal(), withTimeout({ stalled: 3000 }, stalled.scheduler)));
    expect(calm).toMatchObject({ completed: true, at: 10_000 });
    expect(calm.values.map((state) => state.status)).toEqual(['running', 'completed']);

    const idle = setup(script);
    const bored = settle(idle.scheduler, idle.source.watch('j1').pipe(untilTerminal(), withTimeout({ idle: 3000 }, idle.scheduler)));
    expect(bored.error).toBeInstanceOf(TaskTimeoutError);
    expect(bored).toMatchObject({ at: 3000, error: { timeout: 'idle', ms: 3000 } });
  });

  it('gives up when the provider stops answering, with the last failure as its cause and in its message', () => {
    // Two good answers, then the connection is refused for good (retries: 20, so the watch itself would go on).
    const { scheduler, scripted, source } = setup((n) => (n < 2 ? job('working') : refused), { retry: { retries: 20, minDelay: 1000, maxDelay: 1000 } });
    const outcome = settle(scheduler, source.watch('j1').pipe(withTimeout({ stalled: 5000 }, scheduler)));
    // The last answer came at 1000 ms: stalled from then.
    expect(outcome.at).toBe(6000);
    const error = outcome.error as TaskTimeoutError;
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error).toMatchObject({ timeout: 'stalled', ms: 5000, provider: 'acme', taskId: 'j1', state: { status: 'running' } });
    expect(error.message).toBe('Task j1 (acme) got no answer from the provider for 5000 ms; last seen running; last attempt: connection refused.');
    expect(error.cause).toBeInstanceOf(TransportError);
    expect(error.cause).toMatchObject({ reason: 'network', taskId: 'j1' });
    // Polling stopped with the time-out: no request after 6000 ms.
    expect(Math.max(...scripted.startedAt)).toBeLessThanOrEqual(6000);
    expect(scripted.abortedAt.filter((at) => at > 6000)).toEqual([]);
  });

  it('names the task and the last failure when no state was seen at all (a total bound over a refused connection)', () => {
    const down = setup([refused], { retry: { retries: 9, minDelay: 500 } });
    const outcome = settle(down.scheduler, down.source.watch('j1').pipe(withTimeout(2000, down.scheduler)));
    const error = outcome.error as TaskTimeoutError;
    expect(error.message).toBe('Task j1 (acme) did not finish within 2000 ms; no state was seen; last attempt: connection refused.');
    expect(error).toMatchObject({ timeout: 'total', provider: 'acme', taskId: 'j1' });
    expect(error.state).toBeUndefined();
    expect(error.cause).toBeInstanceOf(TransportError);
  });

  it('forgets a failure once the provider answers again: a later time-out names none', () => {
    const recovering = setup([refused, job('working')], { retry: { retries: 5, minDelay: 100 } });
    const outcome = settle(recovering.scheduler, recovering.source.watch('j1').pipe(withTimeout(5000, recovering.scheduler)));
    const error = outcome.error as TaskTimeoutError;
    expect(error.message).toBe('Task j1 (acme) did not finish within 5000 ms; last seen running.');
    expect(error.cause).toBeUndefined();
  });

  it('counts only states on a stream that is not a watch (a webhook Subject): there stalled is idle', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable }) => {
      const hooks = cold('--a 5ms b', { a: taskState('t1', 'running', 0.1), b: taskState('t1', 'running', 0.2) });
      expectObservable(hooks.pipe(withTimeout({ stalled: 4 }, scheduler))).toBe('--a---#', { a: taskState('t1', 'running', 0.1) }, expect.any(TaskTimeoutError));
    });
  });

  it('lets the outer of two nested bounds hear the polls and their failures through the inner one', () => {
    const { scheduler, source } = setup((n) => (n < 3 ? job('working') : refused), { retry: { retries: 20, minDelay: 1000, maxDelay: 1000 } });
    const outcome = settle(scheduler, source.watch('j1').pipe(withTimeout({ stalled: 60_000 }, scheduler), withTimeout({ stalled: 2500 }, scheduler)));
    // The outer bound (2.5 s) ran out 2.5 s after the last answer (2000 ms), and carried the cause it heard through the inner one.
    expect(outcome.at).toBe(4500);
    expect(outcome.error).toMatchObject({ timeout: 'stalled', ms: 2500, cause: expect.any(TransportError) });
  });

  it('bounds a whole batch: one deadline for every task, the last batch on the error, every watch stopped', () => {
    // Both tasks run for good: only the deadline ends the batch.
    const { scheduler, scripted, source } = setup((n) => job('working', n % 2 === 0 ? 'j1' : 'j2'));
    const batch$ = combineTasks([source.watch('j1').pipe(untilTerminal()), source.watch('j2').pipe(untilTerminal())]);
    const bounded$: Observable<TaskBatchState> = batch$.pipe(withTimeout(5000, scheduler));
    const outcome = settle(scheduler, bounded$);
    const error = outcome.error as TaskTimeoutError;
    expect(outcome.at).toBe(5000);
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error.timeout).toBe('total');
    expect(error.batch?.total).toBe(2);
    expect(error.message).toBe('The batch of 2 tasks did not finish within 5000 ms; 0 of 2 settled.');
    expect(scripted.startedAt.filter((at) => at > 5000)).toEqual([]);
  });

  it('bounds a batch by stalled: any task answering keeps it alive, none answering ends it with the cause', () => {
    const { scheduler, source } = setup((n) => (n < 4 ? job('working', n % 2 === 0 ? 'j1' : 'j2') : refused), { retry: { retries: 20, minDelay: 1000, maxDelay: 1000 } });
    const batch$ = combineTasks({ a: source.watch('j1'), b: source.watch('j2') }).pipe(withTimeout({ stalled: 3000 }, scheduler));
    const outcome = settle(scheduler, batch$);
    const error = outcome.error as TaskTimeoutError;
    // Answers at 0, 0, 1000, 1000; refused from 2000 on.
    expect(outcome.at).toBe(4000);
    expect(error).toMatchObject({ timeout: 'stalled', cause: expect.any(TransportError) });
    expect(error.message).toMatch(/^The batch of 2 tasks got no answer from the provider for 3000 ms; 0 of 2 settled; last attempt: connection refused\.$/);
  });
});
