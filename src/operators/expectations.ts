import { isObservable } from 'rxjs';
import { MAX_DELAY_MS, show } from '../core/validate.js';

// Argument checks shared by the operators. Each throws a TypeError when the
// operator is created, with a message that says what was expected.

/** An options argument: `undefined` or a plain object (not an array, not an Observable). */
export function expectOptions(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isObservable(value)) {
    throw new TypeError(`Expected \`${name}\` to be an options object, got ${describeValue(value)}.`);
  }
}

export function expectOptionalBoolean(name: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(`Expected \`${name}\` to be a boolean, got ${describeValue(value)}.`);
  }
  return value;
}

/** A duration in ms: zero or more, finite (an endless timeout is no timeout), and no longer than a timer can wait. */
export function expectDuration(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`Expected \`${name}\` to be a non-negative finite number of ms, got ${describeValue(value)}.`);
  }
  if (value > MAX_DELAY_MS) throw new TypeError(`Expected \`${name}\` to be at most ${MAX_DELAY_MS} ms (about 24.8 days), got ${value}.`);
  return value;
}

/** Like the core's `show` (strings are not echoed: they may be credentials), with the article right for objects. */
export function describeValue(value: unknown): string {
  if (isObservable(value)) return 'an Observable';
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return 'an object';
  return show(value);
}
