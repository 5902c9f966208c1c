import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { LooseNumber, Timestamp } from '../../src/provider.js';
import { MobizonEnvelope, MobizonTaskStatus } from '../../src/providers/mobizonCodecs.js';
import { PostmanTask } from '../../src/providers/postmanCodecs.js';
import { StreamApiError, StreamTaskResponse } from '../../src/providers/streamCodecs.js';

const decoded = <A>(result: { _tag: 'Left' } | { _tag: 'Right'; right: A }): A => {
  if (result._tag === 'Left') throw new Error('expected the value to decode');
  return result.right;
};

describe('the exported codecs', () => {
  it('LooseNumber reads numbers and strings of digits, and nothing else', () => {
    expect(decoded(LooseNumber.decode(45))).toBe(45);
    expect(decoded(LooseNumber.decode('45'))).toBe(45);
    expect(decoded(LooseNumber.decode(' -1.5 '))).toBe(-1.5);
    for (const bad of ['', '4a', 'NaN', null, undefined, Number.NaN, Infinity, {}]) expect(isLeft(LooseNumber.decode(bad))).toBe(true);
  });

  it.each([
    ['nanoseconds', 1765621515856428000, '2025-12-13T10:25:15.856Z'],
    ['microseconds', 1765621515856428, '2025-12-13T10:25:15.856Z'],
    ['milliseconds', 1765621515856, '2025-12-13T10:25:15.856Z'],
    ['seconds', 1765621515, '2025-12-13T10:25:15.000Z'],
    ['RFC 3339 with microseconds', '2025-12-13T10:25:15.856428Z', '2025-12-13T10:25:15.856Z'],
    ['RFC 3339 with an offset', '2025-12-13T12:25:15+02:00', '2025-12-13T10:25:15.000Z'],
  ])('Timestamp reads %s', (_, wire, iso) => {
    expect(decoded(Timestamp.decode(wire)).toISOString()).toBe(iso);
  });

  it('Timestamp keeps every whole millisecond exact when given in nanoseconds beyond 2^53', () => {
    const start = 1765621515856;
    for (let ms = start; ms < start + 2000; ms++) {
      const wire = JSON.parse(String(BigInt(ms) * 1000000n)) as number;
      expect(decoded(Timestamp.decode(wire)).getTime()).toBe(ms);
    }
  });

  it.each([['yesterday'], [-1], ['2025-13-45T00:00:00Z'], [null]])('Timestamp refuses %p', (wire) => {
    expect(isLeft(Timestamp.decode(wire))).toBe(true);
  });

  it('MobizonEnvelope and MobizonTaskStatus read numbers sent as strings, the code too', () => {
    expect(decoded(MobizonEnvelope.decode({ code: '2', data: '', message: 'Task not found' }))).toEqual({ code: 2, data: '', message: 'Task not found' });
    expect(decoded(MobizonTaskStatus.decode({ progress: '100', status: '2' }))).toEqual({ progress: 100, status: 2 });
    // Only the status is needed: an odd progress is left out, not fatal; a missing status is.
    expect(decoded(MobizonTaskStatus.decode({ progress: 'half', status: 1 })).progress).toBeUndefined();
    expect(decoded(MobizonTaskStatus.decode({ progress: 'half', status: 1 })).status).toBe(1);
    expect(isLeft(MobizonTaskStatus.decode({ progress: 50 }))).toBe(true);
  });

  it('StreamTaskResponse needs only a status; StreamApiError needs only a code', () => {
    expect(isRight(StreamTaskResponse.decode({ status: 'running' }))).toBe(true);
    expect(isLeft(StreamTaskResponse.decode({ task_id: 'x' }))).toBe(true);
    expect(decoded(StreamApiError.decode({ code: 43, message: 'signature is invalid', StatusCode: 401, details: [] }))).toMatchObject({ code: 43, StatusCode: 401 });
  });

  it('the Postman codec reads a task', () => {
    expect(isRight(PostmanTask.decode({ id: 'x', status: 'in-progress' }))).toBe(true);
    expect(isLeft(PostmanTask.decode({ id: 'x' }))).toBe(true);
  });
});
