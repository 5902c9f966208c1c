import { isObservable, type Observable, type SchedulerLike } from 'rxjs';

// Every check of a public argument, in one place. Each throws a `TypeError`
// at call time (when a source, an operator or an adapter is made, before
// anything is sent or subscribed) that says what was expected and what came,
// without echoing strings that may be credentials.

export function expectPositiveNumber(name: string, value: unknown, { allowZero = false, allowInfinity = false } = {}): number {
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    (allowInfinity || Number.isFinite(value)) &&
    (allowZero ? value >= 0 : value > 0);
  if (!ok) {
    const what = allowZero ? 'a non-negative' : 'a positive';
    throw new TypeError(`Expected \`${name}\` to be ${what}${allowInfinity ? '' : ' finite'} number, got ${show(value)}.`);
  }
  return value as number;
}

/**
 * The longest delay a timer can wait: Node's timers (and browsers') hold a
 * signed 32-bit count of ms, and a longer one fires at once instead.
 */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/** A span of time in ms: positive (or zero), finite, and no longer than a timer can wait. */
export function expectDelay(name: string, value: unknown, { allowZero = false } = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (allowZero ? value < 0 : value <= 0)) {
    throw new TypeError(`Expected \`${name}\` to be a ${allowZero ? 'non-negative' : 'positive'} finite number of ms, got ${show(value)}.`);
  }
  if (value > MAX_DELAY_MS) throw new TypeError(`Expected \`${name}\` to be at most ${MAX_DELAY_MS} ms (about 24.8 days), got ${value}.`);
  return value;
}

export function expectOptionalBoolean(name: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`Expected \`${name}\` to be a boolean, got ${show(value)}.`);
  return value;
}

export function expectInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`Expected \`${name}\` to be an integer of at least ${min}, got ${show(value)}.`);
  }
  return value;
}

/** For credentials: the message never shows the value itself. */
export function expectSecret(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    const got = typeof value === 'string' ? 'an empty string' : show(value);
    throw new TypeError(`Expected \`${name}\` to be a non-empty string, got ${got}.`);
  }
  return value;
}

export function expectNonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`Expected \`${name}\` to be a non-empty string, got ${typeof value === 'string' ? 'an empty string' : show(value)}.`);
  }
  return value;
}

/**
 * A value that goes into a URL path as one segment (a task id): a non-empty
 * string, and not `.` or `..`, which every URL parser resolves away, so that
 * the request (credentials and all) would go to another path.
 */
export function expectPathSegment(name: string, value: unknown): string {
  const text = expectNonEmptyString(name, value);
  if (text === '.' || text === '..') throw new TypeError(`Expected \`${name}\` to be an id, got "${text}", which a URL would read as a step up its path.`);
  return text;
}

export function expectFunction<F>(name: string, value: unknown): F {
  if (typeof value !== 'function') throw new TypeError(`Expected \`${name}\` to be a function, got ${show(value)}.`);
  return value as F;
}

/** An options argument: `undefined` or a plain object (not an array, not an Observable). */
export function expectOptions(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isObservable(value)) {
    throw new TypeError(`Expected \`${name}\` to be an options object, got ${show(value)}.`);
  }
}

/** A fraction from 0 up to (not including) 1. */
export function expectFraction(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new TypeError(`Expected \`${name}\` to be a number from 0 up to (not including) 1, got ${show(value)}.`);
  }
  return value;
}

/** An RxJS scheduler: what every time-based part takes, so that tests run in virtual time. */
export function expectScheduler(name: string, value: unknown): SchedulerLike {
  const scheduler = value as Partial<SchedulerLike> | null;
  if (typeof scheduler !== 'object' || scheduler === null || typeof scheduler.now !== 'function' || typeof scheduler.schedule !== 'function') {
    throw new TypeError(`Expected \`${name}\` to be an RxJS scheduler (with now() and schedule()), got ${show(value)}.`);
  }
  return value as SchedulerLike;
}

/** What the Observables named so hold, for the message. */
const OBSERVABLE_OF: Readonly<Record<string, string>> = { task$: ' of task states', batch$: ' of batches' };

export function expectObservable<T>(name: string, value: unknown): Observable<T> {
  if (!isObservable(value)) {
    // The likeliest mistake with a batch: the task streams themselves, not yet combined.
    const streams = Array.isArray(value) ? value : isPlainObject(value) ? Object.values(value) : [];
    const hint = name === 'batch$' && streams.some((entry) => isObservable(entry)) ? ' (combine the task streams with combineTasks first)' : '';
    throw new TypeError(`Expected \`${name}\` to be an Observable${OBSERVABLE_OF[name] ?? ''}, got ${show(value)}${hint}.`);
  }
  return value as Observable<T>;
}

/** An interval policy (`fixedInterval()`, …): anything with a `create` method. */
export function expectPolicy<P extends { create(...args: never[]): unknown }>(name: string, value: unknown): P {
  if (typeof (value as P | undefined)?.create !== 'function') {
    throw new TypeError(`Expected \`${name}\` to be an interval policy (fixedInterval(), exponentialInterval() or progressAwareInterval()), got ${show(value)}.`);
  }
  return value as P;
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
  const got = typeof candidate?.abort === 'function' && typeof candidate.signal === 'object' ? 'an AbortController (pass its `signal`)' : show(value);
  throw new TypeError(`Expected \`signal\` to be an AbortSignal, got ${got}.`);
}

/**
 * An object made by `{}` or `JSON.parse` (or with no prototype at all), as
 * opposed to an array or an instance of a class. Realm-independent: an object
 * from another realm (a test runner's sandbox, a worker) has another
 * `Object.prototype`, so the test is that its prototype has none.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** A short, safe description of a value for a message: strings are never shown (they may be credentials). */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (Array.isArray(value)) return 'an array';
  if (isObservable(value)) return 'an Observable';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Like {@link show}, but a string that cannot be a credential (a status a provider sent) is shown, cut to 40 characters. */
export function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : show(value);
}

/** The most a `Date` can hold, either side of 1970. */
const MAX_TIME = 8.64e15;

/** A `deadline` of `watch`: a valid Date, or a finite time in ms a `Date` can hold. */
export function checkDeadline(deadline: Date | number): Date | number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (typeof at !== 'number' || !Number.isFinite(at) || Math.abs(at) > MAX_TIME) {
    throw new TypeError(`Expected \`deadline\` to be a valid Date or a finite time in ms, got ${deadline instanceof Date ? 'an invalid Date' : show(deadline)}.`);
  }
  return deadline;
}
