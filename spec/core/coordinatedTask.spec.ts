// A coordinated watch in virtual time: the source's side of any coordination
// (a hand-made one here, which the test drives: it says when this process
// leads, and hands it what others polled).
import { TestScheduler } from 'rxjs/testing';
import type { CoordinatedTaskEvents, CoordinatedTaskHandle, CoordinatedTaskInfo, TaskCoordination } from '../../src/core/coordination.js';
import { createTaskState } from '../../src/core/taskState.js';
import { fixedInterval, postmanTasks, TaskNotFoundError, withTimeout, type TaskState } from '../../src/index.js';
import { scriptedTransport } from '../support/scriptedTransport.js';

/** A coordination the test drives, which records what the source tells it. */
class Coordination implements TaskCoordination {
  readonly joined: CoordinatedTaskInfo[] = [];
  readonly published: string[] = [];
  readonly polls: number[] = [];
  left = 0;
  events: CoordinatedTaskEvents | undefined;
  /** Settles the next publish when the test says so (the end waits for it). */
  hold: { release(): void } | undefined;

  constructor(private readonly now: () => number) {}

  join(task: CoordinatedTaskInfo, events: CoordinatedTaskEvents): CoordinatedTaskHandle {
    this.joined.push(task);
    this.events = events;
    return {
      polling: () => void this.polls.push(this.now()),
      publish: (state) => {
        this.published.push(state.providerStatus);
        if (this.hold === undefined) return Promise.resolve();
        return new Promise<void>((resolve) => (this.hold = { release: resolve }));
      },
      publishError: (error) => {
        this.published.push(error.code);
        return Promise.resolve();
      },
      leave: () => void this.left++,
    };
  }
}

function setup(statuses: readonly string[]) {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  const scripted = scriptedTransport(scheduler, statuses.map((status) => ({ body: { id: 't', status } })));
  const coordination = new Coordination(() => scheduler.now());
  const source = postmanTasks({ apiKey: 'PMAK-test-key-123', transport: scripted.transport, scheduler, coordination, interval: 100, policy: fixedInterval(), jitter: 0, maxRequestsPerSecond: Infinity });
  const seen: Array<TaskState | Error | 'complete'> = [];
  const watch = () => source.watch('t').subscribe({ next: (s) => seen.push(s), error: (e: Error) => seen.push(e), complete: () => seen.push('complete') });
  return { scheduler, scripted, coordination, seen, watch };
}

const merging = (status: string) => createTaskState('postman', 't', { status: status === 'successful' ? 'completed' : 'running', providerStatus: status, raw: { id: 't', status } });

describe('a coordinated watch', () => {
  it('polls only once it leads, no sooner than the coordination says, and publishes every change', async () => {
    const { scheduler, scripted, coordination, seen, watch } = setup(['in-progress', 'in-progress', 'merging', 'successful']);
    scheduler.run(({ flush }) => {
      watch();
      expect(coordination.joined).toEqual([{ provider: 'postman', key: '/collection-updates-tasks/t', id: 't', interval: 100 }]);
      scheduler.schedule(() => coordination.events?.lead(250), 50);
      flush();
    });
    expect(scripted.startedAt).toEqual([300, 400, 500, 600]);
    expect(coordination.polls).toEqual([300, 400, 500, 600]);
    expect(coordination.published).toEqual(['in-progress', 'merging', 'successful']);
    // The end goes out everywhere first (a promise, settled in a microtask), then ends the watch here.
    await Promise.resolve();
    expect(seen.map((s) => (typeof s === 'string' ? s : 'providerStatus' in s ? s.providerStatus : s.name))).toEqual(['in-progress', 'merging', 'successful', 'complete']);
    expect(coordination.left).toBe(1);
  });

  it('tells its end everywhere before its subscribers hear it (who may close the Redis client then), and lets go of the task', async () => {
    const { scheduler, coordination, seen, watch } = setup(['in-progress', 'successful']);
    scheduler.run(({ flush }) => {
      watch();
      coordination.events?.lead(0);
      scheduler.schedule(() => (coordination.hold = { release: () => undefined }), 50);
      flush();
    });
    expect(coordination.published).toEqual(['in-progress', 'successful']);
    // The change before the end is heard at once; the end waits for its news to be out.
    expect(seen.map((s) => (typeof s === 'string' ? s : 'providerStatus' in s ? s.providerStatus : s.name))).toEqual(['in-progress']);
    expect(coordination.left).toBe(0);
    coordination.hold?.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.map((s) => (typeof s === 'string' ? s : 'providerStatus' in s ? s.providerStatus : s.name))).toEqual(['in-progress', 'successful', 'complete']);
    expect(coordination.left).toBe(1);
  });

  it('stops polling when another process takes over, and emits what it publishes, each change once', () => {
    const { scheduler, scripted, coordination, seen, watch } = setup(['in-progress']);
    scheduler.run(({ flush }) => {
      watch();
      coordination.events?.lead(0);
      scheduler.schedule(() => coordination.events?.follow(), 150);
      scheduler.schedule(() => coordination.events?.state(merging('in-progress')), 300);
      scheduler.schedule(() => coordination.events?.state(merging('merging')), 400);
      scheduler.schedule(() => coordination.events?.state(merging('successful')), 500);
      flush();
    });
    expect(scripted.startedAt).toEqual([0, 100]);
    expect(seen.map((s) => (typeof s === 'string' ? s : (s as TaskState).providerStatus))).toEqual(['in-progress', 'merging', 'successful', 'complete']);
    expect(coordination.left).toBe(1);
  });

  it('keeps its own interval when it takes the task back', () => {
    const { scheduler, scripted, coordination, watch } = setup(['in-progress']);
    scheduler.run(({ flush }) => {
      const subscription = watch();
      coordination.events?.lead(0);
      scheduler.schedule(() => coordination.events?.follow(), 120);
      // Told it may poll at once, it still waits for its last poll (at 100) plus the interval.
      scheduler.schedule(() => coordination.events?.lead(0), 130);
      scheduler.schedule(() => subscription.unsubscribe(), 350);
      flush();
    });
    expect(scripted.startedAt).toEqual([0, 100, 200, 300]);
  });

  it('ends with the error the task ended with elsewhere, and leaves', () => {
    const { scheduler, coordination, seen, watch } = setup(['in-progress']);
    scheduler.run(({ flush }) => {
      watch();
      scheduler.schedule(() => coordination.events?.error(new TaskNotFoundError('Postman task t was not found')), 10);
      flush();
    });
    expect(seen).toEqual([expect.any(TaskNotFoundError)]);
    expect(coordination.left).toBe(1);
  });

  it('leaves the coordination when its last subscriber leaves, and polls no more', () => {
    const { scheduler, scripted, coordination, watch } = setup(['in-progress']);
    scheduler.run(({ flush }) => {
      const first = watch();
      const second = watch();
      coordination.events?.lead(0);
      scheduler.schedule(() => first.unsubscribe(), 150);
      scheduler.schedule(() => second.unsubscribe(), 250);
      flush();
    });
    expect(coordination.joined).toHaveLength(1);
    expect(scripted.startedAt).toEqual([0, 100, 200]);
    expect(coordination.left).toBe(1);
  });

  it('lets a stalled bound hear the polls of the process that leads, and the renewals of another that does, and no more once it stops hearing', () => {
    const { scheduler, coordination } = setupWith([{ body: { id: 't', status: 'in-progress' } }]);
    const outcome: { error?: unknown; at?: number } = {};
    scheduler.run(({ flush }) => {
      coordination.source
        .watch('t')
        .pipe(withTimeout({ stalled: 300 }, scheduler))
        .subscribe({ error: (error: unknown) => Object.assign(outcome, { error, at: scheduler.now() }) });
      // Leads at once: its own polls (every 100 ms, unchanged) are answers.
      coordination.events?.lead(0);
      // From 1000 ms another process polls; this one hears its renewals, every 200 ms until 2000 ms.
      scheduler.schedule(() => coordination.events?.follow(), 1000);
      for (let at = 1200; at <= 2000; at += 200) scheduler.schedule(() => coordination.events?.alive?.(), at);
      flush();
    });
    // The last sign of life at 2000 ms: stalled 300 ms later.
    expect(outcome.at).toBe(2300);
    expect(outcome.error).toMatchObject({ timeout: 'stalled', ms: 300 });
  });
});

function setupWith(script: Parameters<typeof scriptedTransport>[1]) {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  const scripted = scriptedTransport(scheduler, script);
  const coordination = new Coordination(() => scheduler.now());
  const source = postmanTasks({ apiKey: 'PMAK-test-key-123', transport: scripted.transport, scheduler, coordination, interval: 100, policy: fixedInterval(), jitter: 0, maxRequestsPerSecond: Infinity });
  return { scheduler, scripted, coordination: Object.assign(coordination, { source }) };
}
