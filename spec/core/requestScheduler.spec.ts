import { asapScheduler, asyncScheduler } from 'rxjs';
import { ARRIVAL_MARGIN_MS, type BudgetAnswer, type RequestBudget } from '../../src/core/budget.js';
import { RequestScheduler, type Turn } from '../../src/core/requestScheduler.js';
import { wakeSlackFor } from '../../src/core/wakeSlack.js';
import { maxInAnyWindow, virtualTime } from '../support/virtualTime.js';

function setup(maxRequestsPerSecond: number, maxConcurrentRequests = Number.POSITIVE_INFINITY, { reserve, wakeSlackMs }: { reserve?: number; wakeSlackMs?: number } = {}) {
  const time = virtualTime();
  const requests = new RequestScheduler({ maxRequestsPerSecond, maxConcurrentRequests, requestTimeout: 10_000, scheduler: time.tracked, reserve, wakeSlackMs });
  const starts: Array<{ name: string; at: number }> = [];
  const turns = new Map<string, Turn>();
  const ask = (name: string, dueAt = time.now(), { hold = false } = {}) =>
    requests.request(dueAt, {
      onTurn: (turn) => {
        starts.push({ name, at: turn.startedAt });
        if (hold) turns.set(name, turn);
        else turn.release();
      },
      onTurnFailed: (error) => {
        throw error;
      },
    });
  return { time, requests, starts, turns, ask };
}

describe('RequestScheduler with a wake-up slack (the real clock)', () => {
  it('wakes for due polls on a grid of the slack: those due close together start on one wake-up, none before its time, none later than the slack', () => {
    const { time, starts, ask } = setup(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, { wakeSlackMs: 10 });
    for (const [name, dueAt] of [['a', 1001], ['b', 1004], ['c', 1010], ['d', 1013], ['e', 2000]] as const) ask(name, dueAt);
    time.advanceTo(1009);
    expect(starts).toEqual([]);
    time.flush();

    expect(starts.map((s) => [s.name, s.at])).toEqual([
      ['a', 1010],
      ['b', 1010],
      ['c', 1010],
      ['d', 1020],
      ['e', 2000],
    ]);
    expect(time.tracked.liveTimers()).toBe(0);
  });

  it('gives a poll due now at once, and keeps the pace and the window to the millisecond', () => {
    const now = setup(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, { wakeSlackMs: 10 });
    now.ask('now');
    expect(now.starts).toEqual([{ name: 'now', at: 0 }]);

    const paced = setup(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, { wakeSlackMs: 10 });
    paced.requests.observe({ remaining: 11, resetAt: 770, limit: 10 }); // 11 - a reserve of 1: 10 starts over 770 ms, 77 ms apart
    for (let i = 0; i < 3; i++) paced.ask(`p${i}`, 0);
    paced.time.flush();
    // Not 80 and 160: rounding the pace's times to the grid would slow a paced source down.
    expect(paced.starts.map((s) => s.at)).toEqual([0, 77, 154]);

    const windowed = setup(2, Number.POSITIVE_INFINITY, { wakeSlackMs: 10 });
    for (let i = 0; i < 3; i++) windowed.ask(`w${i}`, 0);
    windowed.time.flush();
    expect(windowed.starts.map((s) => s.at)).toEqual([0, 0, 1000 + ARRIVAL_MARGIN_MS]);
  });
});

describe('RequestScheduler', () => {
  it('gives a due turn at once, and a future one at its due time', () => {
    const { time, starts, ask } = setup(10);
    ask('now');
    ask('later', 250);
    expect(starts).toEqual([{ name: 'now', at: 0 }]);
    time.advanceTo(249);
    expect(starts).toHaveLength(1);
    time.advanceTo(250);
    expect(starts).toEqual([
      { name: 'now', at: 0 },
      { name: 'later', at: 250 },
    ]);
  });

  it('never lets more than the budget start in any one-second window, wherever the window falls', () => {
    const { time, starts, ask } = setup(5);
    for (let i = 0; i < 60; i++) ask(`t${i}`, i * 37); // arrivals spread unevenly over 2.2 s
    time.flush();
    expect(starts).toHaveLength(60);
    expect(maxInAnyWindow(starts.map((s) => s.at))).toBe(5);
  });

  it('does not let a full burst through on both sides of a window edge (the token-bucket flaw)', () => {
    const { time, starts, ask } = setup(4);
    for (let i = 0; i < 4; i++) ask(`early${i}`, 900);
    for (let i = 0; i < 4; i++) ask(`late${i}`, 1000);
    time.flush();
    // The window is kept with ARRIVAL_MARGIN_MS to spare: servers count arrivals, not starts.
    const next = 900 + 1000 + ARRIVAL_MARGIN_MS;
    expect(starts.map((s) => s.at)).toEqual([900, 900, 900, 900, next, next, next, next]);
  });

  it('counts a request in the window until its answer, so a request delayed on the way cannot crowd the next window', () => {
    const { time, starts, turns, ask } = setup(2);
    ask('slow', 0, { hold: true }); // answered only at 700: the server may have counted it as late as that
    ask('quick', 0);
    ask('third', 0);
    ask('fourth', 0);
    time.advanceTo(700);
    turns.get('slow')?.release();
    time.flush();
    // 'quick' was answered at once, so its slot frees first; 'slow' holds its slot until 700 + the window.
    expect(starts.map((s) => [s.name, s.at])).toEqual([
      ['slow', 0],
      ['quick', 0],
      ['third', 1000 + ARRIVAL_MARGIN_MS],
      ['fourth', 1700 + ARRIVAL_MARGIN_MS],
    ]);
  });

  it('spreads what Remaining leaves over the rest of the window, and takes a gap under a millisecond for no pace at all', () => {
    const paced = setup(Number.POSITIVE_INFINITY);
    paced.requests.observe({ remaining: 11, resetAt: 1000, limit: 10 }); // 11 - a reserve of 1: 10 starts over 1000 ms
    for (let i = 0; i < 3; i++) paced.ask(`p${i}`, 0);
    paced.time.flush();
    expect(paced.starts.map((s) => s.at)).toEqual([0, 100, 200]);

    // A roomy account (a million a minute): a start every 0.06 ms is more than the clock can keep, so none waits for a timer.
    const roomy = setup(Number.POSITIVE_INFINITY);
    roomy.requests.observe({ remaining: 1_000_000, resetAt: 60_000, limit: 1_000_000 });
    for (let i = 0; i < 3; i++) roomy.ask(`r${i}`, 0);
    expect(roomy.starts.map((s) => s.at)).toEqual([0, 0, 0]);
    expect(roomy.time.tracked.liveTimers()).toBe(0);
  });

  describe('with a server whose window is one second (RateLimit-Policy w=1)', () => {
    const perSecond = (starts: readonly { at: number }[]) => maxInAnyWindow(starts.map((s) => s.at));

    it('keeps its own window at the limit less the reserve, and is not stalled by a reset given in whole seconds', () => {
      const { time, requests, starts, ask } = setup(10);
      // Remaining 9 of 10 with nothing of ours in the window: one request is someone else's, within the reserve of 1.
      requests.observe({ limit: 10, remaining: 9, resetAt: 1000, windowMs: 1000 });
      for (let i = 0; i < 20; i++) ask(`t${i}`, 0);
      time.flush();
      expect(starts.map((s) => s.at)).toEqual([...Array<number>(9).fill(0), ...Array<number>(9).fill(1000 + ARRIVAL_MARGIN_MS), 2 * (1000 + ARRIVAL_MARGIN_MS), 2 * (1000 + ARRIVAL_MARGIN_MS)]);
      expect(perSecond(starts)).toBe(9);
    });

    it('goes on at the full limit with no reserve when Remaining 0 counts only its own requests, and pauses until the reset when others spent it', () => {
      const own = setup(10, Number.POSITIVE_INFINITY, { reserve: 0 });
      for (let i = 0; i < 10; i++) own.ask(`t${i}`, 0);
      own.requests.observe({ limit: 10, remaining: 0, resetAt: 2000, windowMs: 1000 }); // the ten in the window are ours; the reset, in whole seconds, rounded up
      for (let i = 10; i < 20; i++) own.ask(`t${i}`, 0);
      own.time.flush();
      expect(own.starts.filter((s) => s.at === 1000 + ARRIVAL_MARGIN_MS)).toHaveLength(10);
      expect(perSecond(own.starts)).toBe(10);

      const crowded = setup(10, Number.POSITIVE_INFINITY, { reserve: 0 });
      crowded.ask('first', 0);
      crowded.time.advanceTo(100);
      crowded.requests.observe({ limit: 10, remaining: 0, resetAt: 2000, windowMs: 1000 }); // nine of the ten are someone else's
      crowded.ask('second', 100);
      crowded.time.flush();
      expect(crowded.starts.map((s) => s.at)).toEqual([0, 2000 + ARRIVAL_MARGIN_MS]);
    });

    it("takes what the account's other clients use beyond the reserve off its own share", () => {
      const { time, requests, starts, ask } = setup(10);
      requests.observe({ limit: 10, remaining: 6, resetAt: 1000, windowMs: 1000 }); // four used by others: more than the reserve of one
      for (let i = 0; i < 12; i++) ask(`t${i}`, 0);
      time.flush();
      expect(perSecond(starts)).toBe(6);
    });
  });

  it('lets the other slots work while one request hangs', () => {
    const { time, starts, turns, ask } = setup(2);
    ask('hanging', 0, { hold: true });
    for (let i = 0; i < 3; i++) ask(`t${i}`, 0);
    time.advanceTo(5000);
    expect(starts.map((s) => s.name)).toEqual(['hanging', 't0', 't1', 't2']);
    expect(maxInAnyWindow(starts.map((s) => s.at))).toBe(2);
    turns.get('hanging')?.release();
  });

  it('arms no timer while every slot is in flight: the answer wakes it', () => {
    const { time, starts, turns, ask } = setup(1);
    ask('inFlight', 0, { hold: true });
    ask('next', 0);
    expect(time.tracked.liveTimers()).toBe(0);
    time.advanceTo(300);
    turns.get('inFlight')?.release();
    expect(time.tracked.liveTimers()).toBe(1);
    time.flush();
    expect(starts.map((s) => [s.name, s.at])).toEqual([
      ['inFlight', 0],
      ['next', 1300 + ARRIVAL_MARGIN_MS],
    ]);
  });

  it('serves due turns earliest-due first, ties in arrival order', () => {
    const { time, starts, ask } = setup(1);
    ask('first', 0);
    ask('c', 300);
    ask('a', 100);
    ask('b', 100);
    time.flush();
    expect(starts.map((s) => s.name)).toEqual(['first', 'a', 'b', 'c']);
  });

  it('bounds every wait under load: with 1,000 tasks due at once, the last starts after n / budget windows', () => {
    const { time, starts, ask } = setup(20);
    for (let i = 0; i < 1000; i++) ask(`t${i}`, 0);
    time.flush();
    expect(Math.max(...starts.map((s) => s.at))).toBe(49 * (1000 + ARRIVAL_MARGIN_MS));
    expect(maxInAnyWindow(starts.map((s) => s.at))).toBe(20);
  });

  it('keeps a budget below one request per second as one request per 1/rate seconds', () => {
    const { time, starts, ask } = setup(0.5);
    for (let i = 0; i < 3; i++) ask(`t${i}`, 0);
    time.flush();
    expect(starts.map((s) => s.at)).toEqual([0, 2000 + ARRIVAL_MARGIN_MS, 2 * (2000 + ARRIVAL_MARGIN_MS)]);
  });

  it('holds turns back while maxConcurrentRequests are in flight, and hands one on at each release', () => {
    const { time, starts, turns, ask } = setup(Number.POSITIVE_INFINITY, 2);
    for (const name of ['a', 'b', 'c', 'd']) ask(name, 0, { hold: true });
    expect(starts.map((s) => s.name)).toEqual(['a', 'b']);
    time.advanceTo(40);
    turns.get('a')?.release();
    expect(starts.map((s) => s.name)).toEqual(['a', 'b', 'c']);
    turns.get('a')?.release(); // a second release of the same turn changes nothing
    expect(starts).toHaveLength(3);
    turns.get('b')?.release();
    expect(starts).toEqual([
      { name: 'a', at: 0 },
      { name: 'b', at: 0 },
      { name: 'c', at: 40 },
      { name: 'd', at: 40 },
    ]);
  });

  it('forgets a cancelled ticket, and a cancelled granted turn frees its slot', () => {
    const { time, starts, ask } = setup(Number.POSITIVE_INFINITY, 1);
    const held = ask('held', 0, { hold: true });
    const gone = ask('gone', 0);
    ask('next', 0);
    gone.cancel();
    held.cancel();
    time.flush();
    expect(starts.map((s) => s.name)).toEqual(['held', 'next']);
  });

  it('keeps one timer at most, and none once the queue is empty', () => {
    const { time, starts, ask } = setup(1);
    const tickets = Array.from({ length: 50 }, (_, i) => ask(`t${i}`, 1000 + i));
    expect(time.tracked.liveTimers()).toBe(1);
    for (const ticket of tickets) ticket.cancel();
    expect(time.tracked.liveTimers()).toBe(0);
    time.flush();
    expect(starts).toHaveLength(0);
  });
});

/** A shared budget the test answers by hand: every `take` waits until the test settles it. */
class HandBudget implements RequestBudget {
  readonly shared = true;
  readonly asked: Array<{ timeoutMs: number; answer(answer: BudgetAnswer): void; fail(error: Error): void }> = [];
  readonly released: unknown[] = [];
  readonly cancelled: unknown[] = [];
  readonly paused: number[] = [];
  private permits = 0;

  constructor(readonly maxRequestsPerSecond?: number) {}

  take(timeoutMs: number): Promise<BudgetAnswer> {
    return new Promise((resolve, reject) => this.asked.push({ timeoutMs, answer: resolve, fail: reject }));
  }
  /** Answers the oldest open question with a fresh permit. */
  grant(): string {
    const permit = `p${++this.permits}`;
    this.asked.shift()?.answer({ permit });
    return permit;
  }
  release(permit: unknown): void {
    this.released.push(permit);
  }
  cancel(permit: unknown): void {
    this.cancelled.push(permit);
  }
  pause(ms: number): void {
    this.paused.push(ms);
  }
}

/** Lets the budget's answers (promises) arrive. */
const answersArrive = () => new Promise((resolve) => setImmediate(resolve));

function sharedSetup(budget: HandBudget, maxRequestsPerSecond = Number.POSITIVE_INFINITY) {
  const time = virtualTime();
  const requests = new RequestScheduler({ maxRequestsPerSecond, maxConcurrentRequests: Number.POSITIVE_INFINITY, budget, requestTimeout: 4000, scheduler: time.tracked });
  const starts: Array<{ name: string; at: number; turn: Turn }> = [];
  const failed: Array<{ name: string; error: unknown }> = [];
  const ask = (name: string, dueAt = time.now()) =>
    requests.request(dueAt, {
      onTurn: (turn) => starts.push({ name, at: turn.startedAt, turn }),
      onTurnFailed: (error) => failed.push({ name, error }),
    });
  return { time, requests, starts, failed, ask };
}

describe('RequestScheduler with a shared budget', () => {
  it('asks the shared budget one question at a time, for the head of the queue, with the request timeout', async () => {
    const budget = new HandBudget();
    const { starts, ask } = sharedSetup(budget);
    ask('a');
    ask('b');
    ask('c');
    expect(budget.asked.map((q) => q.timeoutMs)).toEqual([4000]);
    budget.grant();
    await answersArrive();
    expect(starts.map((s) => s.name)).toEqual(['a']);
    expect(budget.asked).toHaveLength(1);
    budget.grant();
    await answersArrive();
    budget.grant();
    await answersArrive();
    expect(starts.map((s) => s.name)).toEqual(['a', 'b', 'c']);
    expect(budget.asked).toHaveLength(0);
  });

  it('gives the permit back when the request ends, and cancels it when nobody is due any more', async () => {
    const budget = new HandBudget();
    const { starts, ask } = sharedSetup(budget);
    ask('kept');
    const first = budget.grant();
    await answersArrive();
    starts[0]?.turn.release();
    expect(budget.released).toEqual([first]);
    const ticket = ask('gone');
    ticket.cancel(); // the watch left while the budget was being asked
    const second = budget.grant();
    await answersArrive();
    expect(budget.cancelled).toEqual([second]);
    expect(starts).toHaveLength(1);
  });

  it('asks again after the wait the budget names, and not before', async () => {
    const budget = new HandBudget();
    const { time, starts, ask } = sharedSetup(budget);
    ask('a');
    budget.asked.shift()?.answer({ waitMs: 300 });
    await answersArrive();
    expect(budget.asked).toHaveLength(0);
    time.advanceTo(299);
    expect(budget.asked).toHaveLength(0);
    time.advanceTo(300);
    expect(budget.asked).toHaveLength(1);
    budget.grant();
    await answersArrive();
    expect(starts).toEqual([expect.objectContaining({ name: 'a', at: 300 })]);
  });

  it('waits at least a millisecond on a budget that answers "wait 0" (or nonsense), rather than ask it in a loop', async () => {
    const budget = new HandBudget();
    const { time, ask } = sharedSetup(budget);
    ask('a');
    budget.asked.shift()?.answer({ waitMs: 0 });
    await answersArrive();
    expect(budget.asked).toHaveLength(0);
    time.advanceTo(1);
    budget.asked.shift()?.answer({ waitMs: Number.NaN });
    await answersArrive();
    expect(budget.asked).toHaveLength(0);
    time.advanceTo(2);
    expect(budget.asked).toHaveLength(1);
  });

  it('fails every due poll when the budget cannot be asked, and keeps the ones not yet due waiting', async () => {
    const budget = new HandBudget();
    const { time, starts, failed, ask } = sharedSetup(budget);
    ask('a');
    ask('b');
    ask('later', 500);
    const down = new Error('Redis is down');
    budget.asked.shift()?.fail(down);
    await answersArrive();
    expect(failed).toEqual([
      { name: 'a', error: down },
      { name: 'b', error: down },
    ]);
    time.advanceTo(500);
    expect(budget.asked).toHaveLength(1);
    budget.grant();
    await answersArrive();
    expect(starts.map((s) => s.name)).toEqual(['later']);
  });

  it('keeps its own window too: a shared budget is asked only once the local one allows a start', async () => {
    const budget = new HandBudget();
    const { time, starts, ask } = sharedSetup(budget, 1);
    ask('a');
    ask('b');
    budget.grant();
    await answersArrive();
    starts[0]?.turn.release();
    expect(budget.asked).toHaveLength(0);
    time.advanceTo(1000 + ARRIVAL_MARGIN_MS);
    expect(budget.asked).toHaveLength(1);
  });

  it('tells a pause to everyone sharing the budget', () => {
    const budget = new HandBudget();
    const { time, requests } = sharedSetup(budget);
    time.advanceTo(100);
    requests.pauseUntil(2100);
    requests.pauseUntil(1500); // inside the pause already: nothing new to tell
    expect(budget.paused).toEqual([2000]);
  });

  it('leaves the pace to the shared budget: a low Remaining slows nobody, Remaining 0 pauses everyone, unless the budget is within the announced limit', () => {
    const larger = new HandBudget(20);
    const { requests } = sharedSetup(larger);
    requests.observe({ remaining: 1, resetAt: 1000, limit: 10 });
    expect(larger.paused).toEqual([]);
    requests.observe({ remaining: 0, resetAt: 1000, limit: 10 });
    expect(larger.paused).toEqual([1000 + ARRIVAL_MARGIN_MS]);

    const within = new HandBudget(10);
    const second = sharedSetup(within);
    second.requests.observe({ remaining: 0, resetAt: 1000, limit: 10 });
    expect(within.paused).toEqual([]);
  });
});

describe('wakeSlackFor', () => {
  it('gives a slack of interval / 100, at most 10 ms and none under 1 ms, on the real clock only', () => {
    expect([1000, 60_000, 500, 99, 1].map((interval) => wakeSlackFor(asyncScheduler, interval))).toEqual([10, 10, 5, 0, 0]);
    expect(wakeSlackFor(virtualTime().tracked, 1000)).toBe(0);
    expect(wakeSlackFor(asapScheduler, 1000)).toBe(0);
  });
});
