import { PersistentArray, type ArrayVersion } from '../../src/operators/persistentArray.js';

const asIs = (values: readonly (string | undefined)[]) => values;

describe('PersistentArray', () => {
  it('starts with every slot undefined and reads back what was set', () => {
    const array = new PersistentArray<string, readonly (string | undefined)[]>(3, asIs);
    expect(array.read(array.version())).toEqual([undefined, undefined, undefined]);
    array.set(1, 'b');
    expect(array.get(1)).toBe('b');
    expect(array.read(array.version())).toEqual([undefined, 'b', undefined]);
  });

  it('gives the same version until the next write', () => {
    const array = new PersistentArray<string, readonly (string | undefined)[]>(2, asIs);
    const before = array.version();
    expect(array.version()).toBe(before);
    array.set(0, 'a');
    expect(array.version()).not.toBe(before);
  });

  it('shows every version as it was, whatever the order of reads and writes (against a plain-array model)', () => {
    let seed = 42;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    const length = 7;
    const array = new PersistentArray<string, readonly (string | undefined)[]>(length, asIs);
    const model: (string | undefined)[] = new Array(length).fill(undefined);
    const taken: { version: ArrayVersion<string>; expected: (string | undefined)[] }[] = [];
    for (let step = 0; step < 2_000; step++) {
      const action = random(10);
      if (action < 6) {
        const index = random(length);
        const value = random(4) === 0 ? undefined : `v${step}`;
        array.set(index, value);
        model[index] = value;
      } else if (action < 8) {
        taken.push({ version: array.version(), expected: [...model] });
      } else if (taken.length > 0) {
        const pick = taken[random(taken.length)] as (typeof taken)[number];
        expect(array.read(pick.version)).toEqual(pick.expected);
      }
    }
    for (const { version, expected } of [...taken].reverse()) expect(array.read(version)).toEqual(expected);
  });

  it('builds a version once, through `present`, frozen', () => {
    const present = jest.fn((values: readonly (string | undefined)[]) => ({ first: values[0] }));
    const array = new PersistentArray<string, { first: string | undefined }>(1, present);
    array.set(0, 'a');
    const version = array.version();
    array.set(0, 'b');
    const view = array.read(version);
    expect(view).toEqual({ first: 'a' });
    expect(array.read(version)).toBe(view);
    expect(present).toHaveBeenCalledTimes(1);
    expect(Object.isFrozen(present.mock.calls[0]?.[0])).toBe(true);
  });

  it('lets go of the later changes once a version has been read', () => {
    const array = new PersistentArray<string, readonly (string | undefined)[]>(2, asIs);
    const old = array.version();
    array.set(0, 'a');
    array.set(1, 'b');
    array.read(old);
    expect(old.next).toBeUndefined();
    expect(old.value).toBeUndefined();
  });

  it('keeps no change for a version read before the write that follows it', () => {
    const array = new PersistentArray<string, readonly (string | undefined)[]>(2, asIs);
    const read = array.version();
    array.read(read);
    array.set(0, 'a');
    expect(read.next).toBeUndefined();
    expect(array.read(read)).toEqual([undefined, undefined]);
  });
});
