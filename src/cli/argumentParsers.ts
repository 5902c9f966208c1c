import { InvalidArgumentError } from 'commander';

/**
 * Node keeps a timer's delay in a signed 32-bit count of ms: a longer one
 * fires after 1 ms instead (with a TimeoutOverflowWarning), so a huge
 * `--timeout` would end the watch at once and a huge `--interval` would poll
 * in a tight loop. About 24.8 days.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const TIMER_LIMIT = "24.8 days, as far as Node's timers go";

/** `--interval <ms>`: a whole number of ms that a timer can hold. */
export function milliseconds(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError('Expected a positive whole number of ms.');
  if (value > MAX_TIMER_MS) throw new InvalidArgumentError(`Expected at most ${MAX_TIMER_MS} ms (${TIMER_LIMIT}).`);
  return value;
}

/** `--timeout <seconds>`: a number of seconds that a timer can hold once made ms. */
export function seconds(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('Expected a positive number of seconds.');
  if (value * 1000 > MAX_TIMER_MS) throw new InvalidArgumentError(`Expected at most ${MAX_TIMER_MS / 1000} seconds (${TIMER_LIMIT}).`);
  return value;
}

/** A parser of whole numbers from `min` to `max`. */
export function wholeNumber(min: number, max: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    return value;
  };
}

/** A parser of numbers above 0 and at most `max`. */
export function positiveNumber(max: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0 || value > max) throw new InvalidArgumentError(`Expected a number above 0 and at most ${max}.`);
    return value;
  };
}
