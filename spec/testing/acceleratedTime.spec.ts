import { firstValueFrom, map, timer, toArray, interval, take } from 'rxjs';
import { acceleratedTime } from '../../src/testing/index.js';

const timeouts = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;

describe('acceleratedTime', () => {
  it('runs its clock factor times faster than an independent monotonic clock', async () => {
    // process.hrtime is read by another path than the performance.now() the clock is built on. Each reading of
    // time.now() is bracketed by two of hrtime, so the accelerated interval must lie between factor × the inner
    // and factor × the outer hrtime interval, however slow or busy the machine: no tolerance on timing needed.
    const factor = 40;
    const time = acceleratedTime(factor);
    const ms = () => Number(process.hrtime.bigint()) / 1e6;
    const h0 = ms();
    const a0 = time.now();
    const h1 = ms();
    await firstValueFrom(timer(400, time.scheduler));
    const h2 = ms();
    const a1 = time.now();
    const h3 = ms();
    const slack = 0.01 * factor; // sub-microsecond rounding of either clock, magnified
    expect(a1 - a0).toBeGreaterThanOrEqual(factor * (h2 - h1) - slack);
    expect(a1 - a0).toBeLessThanOrEqual(factor * (h3 - h0) + slack);
  });

  it('fires a delay of d accelerated ms after d / factor wall ms: after a shorter wall timer, before a longer one', async () => {
    // Node runs timers in order of their due time: the accelerated timer must fall between the two wall timers.
    const time = acceleratedTime(50);
    const order: string[] = [];
    const done = new Promise<void>((resolve) => {
      setTimeout(() => order.push('wall 10 ms'), 10);
      time.scheduler.schedule(() => void order.push('accelerated 1000 ms'), 1000);
      setTimeout(() => {
        order.push('wall 40 ms');
        resolve();
      }, 40);
    });
    await done;
    expect(order).toEqual(['wall 10 ms', 'accelerated 1000 ms', 'wall 40 ms']);
  });

  it('starts at the wall clock, so dates made from it are real dates', () => {
    const time = acceleratedTime(10);
    expect(Math.abs(time.now() - Date.now())).toBeLessThan(1_000);
  });

  it('lets work reschedule itself, as periodic RxJS sources do', async () => {
    const time = acceleratedTime(50);
    const start = time.now();
    const ticks = await firstValueFrom(interval(500, time.scheduler).pipe(take(3), map(() => time.now() - start), toArray()));
    expect(ticks).toHaveLength(3);
    expect(ticks[2]).toBeGreaterThanOrEqual(1_400);
  });

  it('releases its timer on unsubscribe, and runs nothing after', async () => {
    const time = acceleratedTime(10);
    const before = timeouts();
    let ran = false;
    const action = time.scheduler.schedule(() => {
      ran = true;
    }, 10_000);
    expect(timeouts()).toBe(before + 1);
    action.unsubscribe();
    expect(timeouts()).toBe(before);
    expect(ran).toBe(false);
  });

  it('refuses a factor that is not a positive finite number', () => {
    for (const factor of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => acceleratedTime(factor)).toThrow(TypeError);
  });
});
