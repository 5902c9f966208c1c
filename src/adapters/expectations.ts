import { isObservable, type Observable } from 'rxjs';
import { describeValue } from '../operators/expectations.js';

// Argument checks shared by the adapters. Each throws a TypeError at call time,
// before anything is subscribed, with a message that says what was expected.

export function expectTaskStream<T>(value: Observable<T>): Observable<T> {
  if (!isObservable(value)) {
    throw new TypeError(`Expected \`task$\` to be an Observable of task states, got ${describeValue(value)}.`);
  }
  return value;
}

/**
 * An `AbortSignal`, recognised by its shape rather than `instanceof`, so that a
 * signal from another realm (a worker, a test environment) or a polyfill works.
 */
export function expectOptionalSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  const candidate = value as Partial<AbortSignal & AbortController> | null;
  if (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.aborted === 'boolean' &&
    typeof candidate.addEventListener === 'function' &&
    typeof candidate.removeEventListener === 'function'
  ) {
    return value as AbortSignal;
  }
  // The likeliest mistake of all: passing the controller instead of its signal.
  const got = typeof candidate?.abort === 'function' && typeof candidate.signal === 'object' ? 'an AbortController (pass its `signal`)' : describeValue(value);
  throw new TypeError(`Expected \`signal\` to be an AbortSignal, got ${got}.`);
}
