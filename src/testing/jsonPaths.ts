import { isPlainObject } from './isPlainObject.js';

// Editing a JSON body by dot path (`data.progress`): what the content faults
// `missing-fields` and `extra-fields` do to an honest answer.

/** A deep copy of a JSON value (bigints included), to change without touching the original. */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => cloneJson(item)) as T;
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, cloneJson(member)])) as T;
  return value;
}

/** Sets a field by dot path, creating objects on the way. */
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
