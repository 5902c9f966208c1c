/**
 * Argument checks for public functions. They throw a `TypeError` at call time
 * that says what was expected and what came, without echoing strings that may
 * be credentials.
 */
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

/** A span of time in ms: positive (or zero), and no longer than a timer can wait. */
export function expectDelay(name: string, value: unknown, { allowZero = false } = {}): number {
  const ms = expectPositiveNumber(name, value, { allowZero });
  if (ms > MAX_DELAY_MS) throw new TypeError(`Expected \`${name}\` to be at most ${MAX_DELAY_MS} ms (about 24.8 days), got ${ms}.`);
  return ms;
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

/** A short, safe description of a value for a message. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
