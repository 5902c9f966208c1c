/**
 * JSON.stringify, except that a `bigint` is written as its exact integer
 * digits. Stream's nanosecond timestamps (1765621515856428000) are beyond
 * 2^53: as a `number` they would lose their last digits on the wire.
 */
export function toJsonText(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined || typeof item === 'function' ? 'null' : toJsonText(item))).join(',')}]`;
  if (isPlainObject(value)) {
    const members = Object.entries(value)
      .filter(([, member]) => member !== undefined && typeof member !== 'function')
      .map(([key, member]) => `${JSON.stringify(key)}:${toJsonText(member)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A deep copy of a JSON value (bigints included), to change without touching the original. */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => cloneJson(item)) as T;
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, cloneJson(member)])) as T;
  return value;
}

// Realm-independent (a test runner's sandbox has its own Object.prototype): a plain object's prototype has no prototype.
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/** Sets a field by dot path (`data.progress`), creating objects on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

/** Removes a field by dot path; a path that leads nowhere changes nothing. */
export function deletePath(target: Record<string, unknown>, path: string): void {
  const keys = path.split('.');
  let node: unknown = target;
  for (const key of keys.slice(0, -1)) {
    node = isPlainObject(node) ? node[key] : undefined;
  }
  if (isPlainObject(node)) delete node[keys[keys.length - 1] as string];
}
