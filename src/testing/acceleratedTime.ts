import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

/**
 * One fast-forwarded clock for a fake provider server and the sources that
 * poll it, so that an end-to-end test over real HTTP runs minutes of task time
 * in seconds.
 *
 * Pass `now` as the server's `clock` and `scheduler` as the sources'
 * `scheduler`: both then read the same time, which runs `factor` times faster
 * than the wall clock, so tasks, budgets, `Retry-After`, intervals and
 * request timeouts all keep their proportions. Unlike a virtual clock it needs
 * nobody to move it, which is what real sockets need.
 *
 * Network time is fast-forwarded too: a request that takes 2 ms of wall time
 * takes `2 * factor` ms of accelerated time. Keep `factor` modest (5–20) so
 * that loopback latency stays small against the intervals under test.
 */
export interface AcceleratedTime {
  readonly factor: number;
  /** Accelerated milliseconds since the epoch; starts at the wall clock. */
  readonly now: () => number;
  /** An RxJS scheduler whose delays are accelerated milliseconds. */
  readonly scheduler: SchedulerLike;
}

/**
 * Creates an {@link AcceleratedTime} running `factor` times faster than the wall clock.
 *
 * ```ts
 * import { lastValueFrom } from 'rxjs';
 * import { mobizonTasks, untilTerminal } from 'rx-task-status';
 * import { acceleratedTime, startFakeProviderServer } from 'rx-task-status/testing';
 *
 * const time = acceleratedTime(10);
 * const server = await startFakeProviderServer({ clock: time.now });
 * server.tasks.create({ provider: 'mobizon', id: '7', duration: 60_000 }); // a minute of task time
 * const sms = mobizonTasks({ apiKey: server.credentials.mobizon.apiKey, baseUrl: server.url, scheduler: time.scheduler });
 * console.log(await lastValueFrom(sms.watch('7').pipe(untilTerminal()))); // about 6 s later
 * await server.close();
 * ```
 */
export function acceleratedTime(factor: number): AcceleratedTime {
  if (!(Number.isFinite(factor) && factor > 0)) throw new TypeError(`Expected \`factor\` to be a positive finite number, got ${String(factor)}.`);
  const wallOrigin = performance.now();
  const epoch = Date.now();
  const now = () => epoch + (performance.now() - wallOrigin) * factor;
  const scheduler: SchedulerLike = {
    now,
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
      return new AcceleratedAction(work, factor).schedule(state, delay);
    },
  };
  return { factor, now, scheduler };
}

/** One scheduled piece of work; it may reschedule itself, as RxJS actions do. */
class AcceleratedAction<T> extends Subscription implements SchedulerAction<T> {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
    private readonly factor: number,
  ) {
    super(() => this.cancel());
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.cancel();
    this.timer = setTimeout(() => this.run(state), Math.max(0, delay) / this.factor);
    return this;
  }

  private run(state: T | undefined): void {
    this.timer = undefined;
    try {
      this.work(state);
    } finally {
      // Work that did not schedule itself again is done: release the action.
      if (this.timer === undefined) this.unsubscribe();
    }
  }

  private cancel(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
