import { isPlainObject } from './isPlainObject.js';

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
