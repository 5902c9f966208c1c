import { NEVER, Observable, of, Subject, throwError } from 'rxjs';
import { TransportError, toAsyncIterable, type TaskState } from '../../src/index.js';
import { adapterTestBed, frame, marbleStates, microtasks, startHangingWatch, taskState, type HangingWatch } from './support.js';

const values = marbleStates;
const { p, r, c } = values;

/** Drives a `for await` loop by hand: each `next()` asked for, and what it gave. */
async function drain(iterable: AsyncIterable<TaskState>): Promise<{ states: TaskState[]; error?: unknown }> {
  const states: TaskState[] = [];
  try {
    for await (const state of iterable) states.push(state);
    return { states };
  } catch (error) {
    return { states, error };
  }
}

describe('toAsyncIterable', () => {
  const bed = adapterTestBed();

  describe('in virtual time', () => {
    it('hands out every state in order and ends the loop when the stream completes; subscribes at the first next()', async () => {
      const e1 = bed.scheduler.createColdObservable('--p--r--c|', values);
      const iterator = toAsyncIterable(e1)[Symbol.asyncIterator]();
      expect(e1.subscriptions).toEqual([]);

      const first = iterator.next();
      bed.scheduler.flush();
      expect(e1.subscriptions).toHaveLength(1);
      expect(e1.subscriptions[0]).toMatchObject({ subscribedFrame: 0, unsubscribedFrame: frame(9) });
      // The loop body was "busy" the whole time: nothing was lost while it was.
      expect(await first).toEqual({ done: false, value: p });
      expect(await iterator.next()).toEqual({ done: false, value: r });
      expect(await iterator.next()).toEqual({ done: false, value: c });
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
    });

    it('throws the stream\'s error from the loop, after the states that came before it', async () => {
      const error = new TransportError('socket hang up', { reason: 'network' });
      const e1 = bed.scheduler.createColdObservable('--p--r--#', values, error);
      const iterator = toAsyncIterable(e1)[Symbol.asyncIterator]();
      const first = iterator.next();
      bed.scheduler.flush();
      expect(await first).toEqual({ done: false, value: p });
      expect(await iterator.next()).toEqual({ done: false, value: r });
      await expect(iterator.next()).rejects.toBe(error);
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
    });

    it('rejects a next() already waiting when the error comes, and ends the others', async () => {
      const error = new Error('gone');
      const e1 = bed.scheduler.createColdObservable('-----#', values, error);
      const iterator = toAsyncIterable(e1)[Symbol.asyncIterator]();
      const first = iterator.next();
      const second = iterator.next();
      bed.scheduler.flush();
      await expect(first).rejects.toBe(error);
      await expect(second).resolves.toEqual({ done: true, value: undefined });
    });

    it('unsubscribes at once when the loop breaks, and drops what was queued', async () => {
      const e1 = bed.scheduler.createColdObservable('--p--r-----c|', values);
      const seen: TaskState[] = [];
      const loop = (async () => {
        for await (const state of toAsyncIterable(e1)) {
          seen.push(state);
          if (state.status === 'running') break;
        }
      })();
      // Step virtual time, letting the loop body run after each step.
      for (const characters of [2, 5]) {
        bed.scheduler.maxFrames = frame(characters);
        bed.scheduler.flush();
        await microtasks();
      }
      await loop;
      expect(seen).toEqual([p, r]);
      expect(e1.subscriptions).toHaveLength(1);
      expect(e1.subscriptions[0]).toMatchObject({ subscribedFrame: 0, unsubscribedFrame: frame(5) });
    });

    it('unsubscribes when the loop body throws, and the loop throws that error', async () => {
      const e1 = bed.scheduler.createColdObservable('--p--r--c|', values);
      const mine = new Error('my bug');
      const loop = (async () => {
        for await (const state of toAsyncIterable(e1)) {
          if (state.status === 'pending') throw mine;
        }
      })();
      bed.scheduler.maxFrames = frame(2);
      bed.scheduler.flush();
      await expect(loop).rejects.toBe(mine);
      expect(e1.subscriptions[0]).toMatchObject({ subscribedFrame: 0, unsubscribedFrame: frame(2) });
    });
  });

  describe('the iterator protocol', () => {
    it('keeps every state of a fast stream for a slow loop, in order', async () => {
      const many = Array.from({ length: 2000 }, (_, i) => taskState('t1', 'running', i / 2000));
      const source = new Subject<TaskState>();
      const seen: TaskState[] = [];
      const loop = (async () => {
        for await (const state of toAsyncIterable(source)) {
          seen.push(state);
          // A slow body: a macrotask per state, while the stream emits all at once.
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await microtasks();
      for (const state of many) source.next(state);
      source.complete();
      await loop;
      expect(seen).toEqual(many);
    });

    it('return() before the first next() never subscribes; a later next() is done', async () => {
      let subscribed = 0;
      const iterator = toAsyncIterable(new Observable<TaskState>(() => void subscribed++))[Symbol.asyncIterator]();
      await expect(iterator.return?.()).resolves.toEqual({ done: true, value: undefined });
      await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
      expect(subscribed).toBe(0);
    });

    it('return() ends the next() calls still waiting with done', async () => {
      const source = new Subject<TaskState>();
      const iterator = toAsyncIterable(source)[Symbol.asyncIterator]();
      const waiting = iterator.next();
      expect(source.observed).toBe(true);
      await iterator.return?.();
      expect(source.observed).toBe(false);
      await expect(waiting).resolves.toEqual({ done: true, value: undefined });
    });

    it('throw(error) closes the iterator like return() and rejects with that error, as a generator would', async () => {
      const source = new Subject<TaskState>();
      const iterator = toAsyncIterable(source)[Symbol.asyncIterator]();
      const waiting = iterator.next();
      const error = new Error('stop');
      await expect(iterator.throw?.(error)).rejects.toBe(error);
      expect(source.observed).toBe(false);
      await expect(waiting).resolves.toEqual({ done: true, value: undefined });
      await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
    });

    it('passes an outer generator\'s throw() on through yield*, and unsubscribes', async () => {
      const source = new Subject<TaskState>();
      async function* relabel(): AsyncGenerator<TaskState> {
        yield* toAsyncIterable(source);
      }
      const outer = relabel();
      const first = outer.next();
      await microtasks();
      source.next(p);
      await expect(first).resolves.toEqual({ done: false, value: p });
      const error = new Error('stop');
      await expect(outer.throw(error)).rejects.toBe(error);
      expect(source.observed).toBe(false);
    });

    it('subscribes anew for each loop over the same iterable', async () => {
      let subscriptions = 0;
      const iterable = toAsyncIterable(new Observable<TaskState>((subscriber) => {
        subscriptions++;
        subscriber.next(c);
        subscriber.complete();
      }));
      expect((await drain(iterable)).states).toEqual([c]);
      expect((await drain(iterable)).states).toEqual([c]);
      expect(subscriptions).toBe(2);
    });

    it('takes states and errors a source sends while being subscribed', async () => {
      expect(await drain(toAsyncIterable(of(p, r, c)))).toEqual({ states: [p, r, c] });
      const error = new Error('at once');
      expect(await drain(toAsyncIterable(throwError(() => error)))).toEqual({ states: [], error });
    });

    it('throws a TypeError at once when given no Observable', () => {
      expect(() => toAsyncIterable([p] as never)).toThrow(/Expected `task\$` to be an Observable of task states, got an array/);
    });

    it('leaves no rejection unhandled: an error nobody asks for, or one dropped by return()', async () => {
      const erroring = toAsyncIterable(throwError(() => new Error('never asked for')))[Symbol.asyncIterator]();
      const first = erroring.next();
      await expect(first).rejects.toThrow('never asked for');

      const failing = new Subject<TaskState>();
      const iterator = toAsyncIterable(failing)[Symbol.asyncIterator]();
      const pending = iterator.next();
      failing.next(p);
      failing.error(new Error('held, then dropped'));
      await pending;
      await iterator.return?.();
      await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });

      const never = toAsyncIterable(NEVER)[Symbol.asyncIterator]();
      const parked = never.next();
      await never.return?.();
      await parked;
      // afterEach checks that nothing reached the process.
    });
  });

  describe('over real HTTP', () => {
    let watch: HangingWatch | undefined;
    afterEach(async () => {
      await watch?.server.close();
      watch = undefined;
    });

    it('breaking out of the loop aborts the request in flight and ends the poll loop', async () => {
      const rig = await startHangingWatch('postman');
      watch = rig;
      const seen: string[] = [];
      for await (const state of toAsyncIterable(rig.task$)) {
        seen.push(state.providerStatus);
        await rig.hanging();
        break;
      }
      expect(seen).toEqual(['in-progress']);
      await rig.expectPollLoopEnded();
    });
  });
});
