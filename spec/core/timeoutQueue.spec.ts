import { TimeoutQueue } from '../../src/core/timeoutQueue.js';
import { virtualTime } from '../support/virtualTime.js';

describe('TimeoutQueue (virtual time)', () => {
  it('fires each time-out once, its length after it was added, on a single timer', () => {
    const time = virtualTime();
    const queue = new TimeoutQueue(time.tracked, 1000);
    const fired: Array<[string, number]> = [];
    const add = (name: string) => queue.add(() => fired.push([name, time.now()]));
    add('a');
    time.advanceTo(300);
    add('b');
    time.advanceTo(700);
    add('c');
    expect(time.tracked.liveTimers()).toBe(1);
    time.flush();
    expect(fired).toEqual([
      ['a', 1000],
      ['b', 1300],
      ['c', 1700],
    ]);
    expect(time.tracked.liveTimers()).toBe(0);
  });

  it('never fires a cancelled time-out, and lets its timer go once none is left', () => {
    const time = virtualTime();
    const queue = new TimeoutQueue(time.tracked, 1000);
    const fired: string[] = [];
    const a = queue.add(() => fired.push('a'));
    time.advanceTo(100);
    const b = queue.add(() => fired.push('b'));
    a.cancel();
    a.cancel();
    expect(time.tracked.liveTimers()).toBe(1);
    b.cancel();
    expect(time.tracked.liveTimers()).toBe(0);
    time.flush();
    expect(fired).toEqual([]);
  });

  it('keeps later time-outs on time when one that fires adds another (a retry)', () => {
    const time = virtualTime();
    const queue = new TimeoutQueue(time.tracked, 1000);
    const fired: Array<[string, number]> = [];
    queue.add(() => {
      fired.push(['first', time.now()]);
      queue.add(() => fired.push(['retry', time.now()]));
    });
    time.advanceTo(400);
    queue.add(() => fired.push(['second', time.now()]));
    time.flush();
    expect(fired).toEqual([
      ['first', 1000],
      ['second', 1400],
      ['retry', 2000],
    ]);
  });

  it('stays right over many time-outs, most of them cancelled (the queue compacts as it goes)', () => {
    const time = virtualTime();
    const queue = new TimeoutQueue(time.tracked, 50);
    const fired: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const pending = queue.add(() => fired.push(i));
      if (i % 7 !== 0) pending.cancel();
      time.advanceBy(1);
    }
    time.flush();
    expect(fired).toEqual(Array.from({ length: 5000 }, (_, i) => i).filter((i) => i % 7 === 0));
    expect(time.tracked.liveTimers()).toBe(0);
  });
});
