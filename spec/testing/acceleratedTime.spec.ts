import { firstValueFrom, map, timer, toArray, interval, take } from 'rxjs';
import { acceleratedTime } from '../../src/testing/index.js';

const timeouts = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;

describe('acceleratedTime', () => {
  it('runs its clock factor times faster than the wall clock', async () => {
    const time = acceleratedTime(100);
    const wallStart = performance.now();
    const start = time.now();
    await firstValueFrom(timer(2_000, time.scheduler));
    const wall = performance.now() - wallStart;
    const elapsed = time.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(1_900); // timers may fire up to a wall millisecond early
    expect(wall).toBeLessThan(1_000); // far less than the 2 s asked for
    expect(elapsed / wall).toBeCloseTo(100, -1);
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
