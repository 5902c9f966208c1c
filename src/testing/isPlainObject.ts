/**
 * Whether `value` is a plain object (`{…}` or `Object.create(null)`), as
 * decoded JSON is. Realm-independent on purpose: a test runner's sandbox has
 * its own `Object.prototype`, so the test is that the prototype has none.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}
