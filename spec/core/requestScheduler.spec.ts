import { ARRIVAL_MARGIN_MS, RequestScheduler, type Turn } from '../../src/core/requestScheduler.js';
import { maxInAnyWindow, virtualTime } from '../support/virtualTime.js';

function setup(maxRequestsPerSecond: number, maxConcurrentRequests = Number.POSITIVE_INFINITY) {
  const time = virtualTime();
  const requests = new RequestScheduler({ maxRequestsPerSecond, maxConcurrentRequests, scheduler: time.tracked });
  const starts: Array<{ name: string; at: number }> = [];
  const turns = new Map<string, Turn>();
  const ask = (name: string, dueAt = time.now(), { hold = false } = {}) =>
    requests.request(dueAt, {
      onTurn: (turn) => {
        starts.push({ name, at: turn.startedAt });
        if (hold) turns.set(name, turn);
        else turn.release();
      },
    });
  return { time, requests, starts, turns, ask };
}

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
    expect(starts.map((s) => s.at)).toEqual([900, 900, 900, 900, 1950, 1950, 1950, 1950]);
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
