import type { Left, Right } from 'fp-ts/lib/Either.js';

// fp-ts's own `left` and `right`, as data. fp-ts ships a CommonJS copy (lib/,
// the one Node's ES modules can load) and an ES copy (es6/, which bundlers
// take through io-ts), with no exports map to choose between them: importing
// its runtime here put both copies into every browser bundle. Its Either is a
// plain tagged object, so building one needs no import at run time, and io-ts
// brings the only copy of fp-ts a page holds.

/** fp-ts's `left`: the failure side of an `Either`. */
export const left = <E, A = never>(value: E): Left<E> | Right<A> => ({ _tag: 'Left', left: value });

/** fp-ts's `right`: the success side of an `Either`. */
export const right = <A, E = never>(value: A): Left<E> | Right<A> => ({ _tag: 'Right', right: value });
