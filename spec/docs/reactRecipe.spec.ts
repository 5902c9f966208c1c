import type { TaskSource } from '../../src/index.js';
import { acmeTasks } from '../../docs/examples/custom-provider/acme.js';
import { useTaskBatch } from '../../docs/examples/react/useTaskBatch.js';
import { refKey, useTaskState } from '../../docs/examples/react/useTaskState.js';
import { scriptedTransport, type Scripted } from '../support/scriptedTransport.js';
import { virtualTime } from '../support/virtualTime.js';
import { mountHook } from './hookHarness.js';

// React is not a dependency: the docs' hooks run on the small hook runtime of
// hookHarness.ts, against a real source in virtual time. What docs/react.md
// promises: unsubscribe on unmount, watch again when the ref changes (and
// never show the old task's state), StrictMode's double mount sends nothing
// twice, errors become state.
jest.mock('react', () => jest.requireActual('./hookHarness').hooks, { virtual: true });

const job = (id: string, state: string, percent?: number): Scripted => ({ body: { id, state, ...(percent === undefined ? {} : { percent }) }, latency: 100 });

/** Each task is working 10 %, 40 %, 70 % in its first, second, third virtual second, then done; task 'gone' answers 404. */
function setup() {
  const time = virtualTime();
  const wire = scriptedTransport(time.scheduler, (_n, request) => {
    const id = decodeURIComponent(request.url.split('/').pop()!);
    if (id === 'gone') return { status: 404, body: { message: 'no such job' }, latency: 100 };
    const second = Math.floor(time.now() / 1_000);
    return second < 3 ? job(id, 'working', [10, 40, 70][second]) : job(id, 'done');
  });
  const acme: TaskSource = acmeTasks({ token: 't0ken', interval: 1_000, jitter: 0, scheduler: time.tracked, transport: wire.transport });
  return { time, wire, acme };
}

describe('useTaskState', () => {
  it('shows nothing before the first answer, then each state, then completes', () => {
    const { time, acme } = setup();
    const view = mountHook(useTaskState, [acme, 'j1']);
    expect(view.result()).toEqual({ value: undefined, completed: false, error: undefined });
    time.advanceTo(1_500);
    expect(view.result().value).toMatchObject({ id: 'j1', status: 'running', progress: 0.4 });
    time.flush();
    expect(view.result()).toMatchObject({ value: { status: 'completed', progress: 1 }, completed: true, error: undefined });
    view.unmount();
  });

  it('stops polling and aborts the request in flight on unmount', () => {
    const { time, wire, acme } = setup();
    const view = mountHook(useTaskState, [acme, 'j1']);
    time.advanceTo(1_050); // the second poll started at 1000, answers at 1100
    view.unmount();
    time.flush();
    expect(wire.startedAt).toEqual([0, 1_000]);
    expect(wire.abortedAt).toEqual([1_050]);
    expect(time.tracked.liveTimers()).toBe(0);
  });

  it("watches again when the ref changes, never showing the old task's state for the new one", () => {
    const { time, wire, acme } = setup();
    const view = mountHook(useTaskState, [acme, 'a'] as [TaskSource, string | undefined]);
    time.advanceTo(1_500);
    expect(view.result().value?.id).toBe('a');
    expect(view.rerender(acme, 'b')).toEqual({ value: undefined, completed: false, error: undefined });
    time.advanceTo(1_700);
    expect(view.result().value).toMatchObject({ id: 'b', progress: 0.4 });
    time.flush();
    expect(wire.requests.filter((request) => request.url.endsWith('/a'))).toHaveLength(2); // stopped at 1500
    expect(view.rerender(acme, undefined)).toEqual({ value: undefined, completed: false, error: undefined });
    view.unmount();
    expect(time.tracked.liveTimers()).toBe(0);
  });

  it('does not watch again when re-rendered with an equal object ref', () => {
    const { time, wire, acme: source } = setup();
    const byObject = {
      provider: 'acme',
      watch: (ref: { id: string } | string) => source.watch(typeof ref === 'string' ? ref : ref.id),
      parseRef: (text: string) => ({ id: text }),
      formatRef: (ref: { id: string }) => ref.id,
      events: source.events,
    } satisfies TaskSource<{ id: string }>;
    const view = mountHook(useTaskState<{ id: string }>, [byObject, { id: 'j1' }]);
    time.advanceTo(500);
    view.rerender(byObject, { id: 'j1' });
    time.flush();
    expect(wire.startedAt).toEqual([0, 1_000, 2_000, 3_000]);
    expect(refKey({ id: 'j1' })).toBe(refKey({ id: 'j1' }));
    view.unmount();
  });

  it('keeps the error that ended the watch as state', () => {
    const { time, acme } = setup();
    const view = mountHook(useTaskState, [acme, 'gone']);
    time.flush();
    expect(view.result()).toMatchObject({ value: undefined, completed: false, error: expect.objectContaining({ code: 'TASK_NOT_FOUND' }) });
    view.unmount();
  });

  it("under StrictMode's mount, unmount, mount, aborts the first poll at once and then polls as a single mount", () => {
    const single = setup();
    const once = mountHook(useTaskState, [single.acme, 'j1']);
    single.time.flush();

    const strict = setup();
    const twice = mountHook(useTaskState, [strict.acme, 'j1'], { strict: true });
    strict.time.flush();

    // The first mount's poll is started and aborted in the same tick (fetch has not sent it yet: see docs/react.md).
    expect(strict.wire.abortedAt).toEqual([0]);
    expect(strict.wire.startedAt).toEqual([0, ...single.wire.startedAt]);
    expect(twice.result()).toEqual(once.result());
    expect(strict.time.tracked.liveTimers()).toBe(0);
    twice.unmount();
    once.unmount();
  });
});

describe('useTaskBatch', () => {
  it('follows many tasks as one batch, on one poll loop per task, and completes', () => {
    const { time, wire, acme } = setup();
    const other = mountHook(useTaskState, [acme, 'x']); // another component watching one task of the batch
    const view = mountHook(useTaskBatch, [acme, ['x', 'y', 'gone']]);
    time.advanceTo(1_500);
    expect(view.result().value).toMatchObject({ total: 3, counts: { running: 2, failed: 1 }, done: false });
    time.flush();
    expect(view.result()).toMatchObject({ value: { counts: { completed: 2, failed: 1 }, done: true }, completed: true });
    expect(wire.requests.filter((request) => request.url.endsWith('/x'))).toHaveLength(4); // shared with the other component
    view.unmount();
    other.unmount();
    expect(time.tracked.liveTimers()).toBe(0);
  });
});
