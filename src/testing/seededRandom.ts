/**
 * A small deterministic random source: the same seed gives the same sequence
 * on every machine and Node version (unlike `Math.random`), so a scenario can
 * be replayed exactly.
 */
export interface SeededRandom {
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  integer(min: number, max: number): number;
  /** One of `items`. */
  pick<T>(items: readonly T[]): T;
  /** A UUID-shaped string (version 4 layout) drawn from the sequence. */
  uuid(): string;
}

export function seededRandom(seed: number): SeededRandom {
  // A 32-bit state stepped by a Weyl sequence, then scrambled by two multiply-xorshift rounds.
  let state = Math.trunc(seed) >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
  const hex = (digits: number): string =>
    Array.from({ length: digits }, () => Math.floor(next() * 16).toString(16)).join('');
  return {
    next,
    integer: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(next() * 4)] as string}${hex(3)}-${hex(12)}`,
  };
}
