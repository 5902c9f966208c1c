import { once } from 'node:events';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Observable, of, Subject, throwError } from 'rxjs';
import { TransportError, toReadable, type TaskState } from '../../src/index.js';
import { adapterTestBed, frame, marbleStates, startHangingWatch, taskState, type HangingWatch } from './support.js';

const values = marbleStates;
const { p, r, c } = values;

/** Reads a Readable to its end in flowing mode; says how it ended. Never rejects. */
function consume(readable: Readable): Promise<{ states: unknown[]; error?: unknown; events: string[] }> {
  const states: unknown[] = [];
  const events: string[] = [];
  return new Promise((resolve) => {
    let error: unknown;
    readable.on('data', (state: unknown) => states.push(state));
    readable.on('end', () => events.push('end'));
    readable.on('error', (e: unknown) => {
      events.push('error');
      error = e;
    });
    readable.on('close', () => {
      events.push('close');
      resolve(error === undefined ? { states, events } : { states, error, events });
    });
  });
}

/** A Writable that takes one state per macrotask: slower than any stream here. */
function slowSink(into: unknown[]): Writable {
  return new Writable({
    objectMode: true,
    highWaterMark: 1,
    write(state: unknown, _encoding, callback) {
      into.push(state);
      setImmediate(callback);
    },
  });
}

const states = (n: number) => Array.from({ length: n }, (_, i) => taskState('t1', 'running', i / n));

describe('toReadable', () => {
  const bed = adapterTestBed();

  describe('in virtual time', () => {
    it('is an object-mode Readable of the states that ends when the stream completes, subscribed at the first read', async () => {
      const e1 = bed.scheduler.createColdObservable('--p--r--c|', values);
      const readable = toReadable(e1);
      expect(readable.readableObjectMode).toBe(true);
      expect(readable.readableHighWaterMark).toBe(16);
      const outcome = consume(readable);
      await new Promise((resolve) => setImmediate(resolve)); // flowing starts on the next tick: the first read
      expect(e1.subscriptions).toEqual([expect.objectContaining({ subscribedFrame: 0 })]);
      bed.scheduler.flush();
      expect(await outcome).toEqual({ states: [p, r, c], events: ['end', 'close'] });
      expect(e1.subscriptions).toEqual([{ subscribedFrame: 0, unsubscribedFrame: frame(9) }]);
    });

    it('unsubscribes at the moment it is destroyed, and closes without an error', async () => {
      const e1 = bed.scheduler.createColdObservable('--p--r-----c|', values);
      const readable = toReadable(e1);
      const outcome = consume(readable);
      await new Promise((resolve) => setImmediate(resolve));
      bed.scheduler.schedule(() => readable.destroy(), frame(7));
      bed.scheduler.flush();
      expect(e1.subscriptions).toEqual([{ subscribedFrame: 0, unsubscribedFrame: frame(7) }]);
      expect(await outcome).toEqual({ states: [p, r], events: ['close'] });
    });

    it('is destroyed with the stream\'s very error, after the states before it', async () => {
      const error = new TransportError('socket hang up', { reason: 'network' });
      const e1 = bed.scheduler.createColdObservable('--p--r--#', values, error);
      const readable = toReadable(e1);
      const outcome = consume(readable);
      await new Promise((resolve) => setImmediate(resolve));
      bed.scheduler.flush();
      const { states: seen, error: got, events } = await outcome;
      expect(seen).toEqual([p, r]);
      expect(got).toBe(error);
      expect(events).toEqual(['error', 'close']);
    });
  });

  describe('backpressure', () => {
    it('holds highWaterMark states in the Readable while paused, keeps the rest waiting, and drops none', async () => {
      const source = new Subject<TaskState>();
      const readable = toReadable(source, { highWaterMark: 2 });
      readable.read(0); // the first read subscribes; nobody reads after it
      expect(source.observed).toBe(true);
      const sent = states(50);
      for (const state of sent) source.next(state);
      source.complete();
      expect(readable.readableLength).toBe(2);

      const taken: unknown[] = [];
      for await (const state of readable) taken.push(state);
      expect(taken).toEqual(sent);
    });

    it('keeps every state, in order, for a slow pipeline, and ends it', async () => {
      const source = new Subject<TaskState>();
      const sent = states(200);
      const into: unknown[] = [];
      const piped = pipeline(toReadable(source, { highWaterMark: 4 }), slowSink(into));
      await new Promise((resolve) => setImmediate(resolve));
      for (const state of sent) source.next(state);
      source.complete();
      await piped;
      expect(into).toEqual(sent);
    });

    it('delivers the states held back before the error it ends with, even to a paused reader', async () => {
      const source = new Subject<TaskState>();
      const readable = toReadable(source, { highWaterMark: 1 });
      const errors: unknown[] = [];
      readable.on('error', (e: unknown) => errors.push(e));
      readable.read(0);
      const sent = states(5);
      for (const state of sent) source.next(state);
      const error = new Error('after five');
      source.error(error);
      await new Promise((resolve) => setImmediate(resolve));
      expect(errors).toEqual([]); // nothing read yet: the error waits behind the states
      expect(readable.destroyed).toBe(false);

      const taken: unknown[] = [];
      await expect(
        (async () => {
          for await (const state of readable) taken.push(state);
        })(),
      ).rejects.toBe(error);
      expect(taken).toEqual(sent);
      expect(errors).toEqual([error]);
    });

    it('rejects a pipeline with the stream\'s error', async () => {
      const error = new Error('broken');
      const into: unknown[] = [];
      await expect(pipeline(toReadable(throwError(() => error)), slowSink(into))).rejects.toBe(error);
    });
  });

  describe('ending early', () => {
    it('unsubscribes when a pipeline fails downstream', async () => {
      const source = new Subject<TaskState>();
      const failingSink = new Writable({
        objectMode: true,
        write(_state, _encoding, callback) {
          callback(new Error('disk full'));
        },
      });
      const piped = pipeline(toReadable(source), failingSink);
      await new Promise((resolve) => setImmediate(resolve));
      source.next(p);
      await expect(piped).rejects.toThrow('disk full');
      expect(source.observed).toBe(false);
    });

    it('unsubscribes when a for await loop over it breaks', async () => {
      const source = new Subject<TaskState>();
      const readable = toReadable(source);
      const loop = (async () => {
        for await (const state of readable) if ((state as TaskState).status === 'running') break;
      })();
      await new Promise((resolve) => setImmediate(resolve));
      source.next(p);
      source.next(r);
      await loop;
      expect(source.observed).toBe(false);
      expect(readable.destroyed).toBe(true);
    });

    it('never subscribes when destroyed before the first read', async () => {
      let subscribed = 0;
      const readable = toReadable(new Observable<TaskState>(() => void subscribed++));
      readable.destroy();
      await once(readable, 'close');
      expect(subscribed).toBe(0);
    });

    it('lets go of a source destroyed by a consumer of its first, synchronous state', async () => {
      let teardowns = 0;
      const source = new Observable<TaskState>((subscriber) => {
        subscriber.next(p);
        return () => void teardowns++;
      });
      const readable = toReadable(source);
      readable.on('data', () => readable.destroy());
      await once(readable, 'close');
      expect(teardowns).toBe(1);
    });

    it('ends at once for a stream that completes while subscribed', async () => {
      expect(await consume(toReadable(of(p, c)))).toEqual({ states: [p, c], events: ['end', 'close'] });
    });
  });

  it('throws a TypeError at once for a bad argument', () => {
    expect(() => toReadable({} as never)).toThrow(/Expected `task\$` to be an Observable of task states, got an object/);
    expect(() => toReadable(of(p), { highWaterMark: -1 })).toThrow('Expected `highWaterMark` to be an integer of at least 0, got -1.');
    expect(() => toReadable(of(p), { highWaterMark: 1.5 })).toThrow('Expected `highWaterMark` to be an integer of at least 0, got 1.5.');
    expect(() => toReadable(of(p), 16 as never)).toThrow('Expected `options` to be an options object, got 16.');
  });

  describe('over real HTTP', () => {
    let watch: HangingWatch | undefined;
    afterEach(async () => {
      await watch?.server.close();
      watch = undefined;
    });

    it('destroying it aborts the request in flight and ends the poll loop', async () => {
      const rig = await startHangingWatch('postman');
      watch = rig;
      const readable = toReadable(rig.task$);
      const [first] = (await once(readable, 'data')) as [TaskState];
      expect(first.providerStatus).toBe('in-progress');
      await rig.hanging();
      readable.destroy();
      await once(readable, 'close');
      await rig.expectPollLoopEnded();
    });
  });
});
