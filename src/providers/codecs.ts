import * as t from 'io-ts';

/**
 * A number, or a string holding one (`"45"`): providers send either. Decodes
 * to a number.
 */
export const LooseNumber = new t.Type<number, number, unknown>(
  'LooseNumber',
  (u): u is number => typeof u === 'number' && Number.isFinite(u),
  (u, c) => {
    if (typeof u === 'number' && Number.isFinite(u)) return t.success(u);
    if (typeof u === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(u)) return t.success(Number(u));
    return t.failure(u, c);
  },
  t.identity,
);
export type LooseNumber = t.TypeOf<typeof LooseNumber>;

/**
 * A point in time as an RFC 3339 string or as an integer count since the Unix
 * epoch. Integers are read by size: nanoseconds (Stream's `/api/v2`, beyond
 * 2^53, where the lost precision is below a microsecond), microseconds,
 * milliseconds or seconds. Decodes to a `Date`.
 */
export const Timestamp = new t.Type<Date, string, unknown>(
  'Timestamp',
  (u): u is Date => u instanceof Date,
  (u, c) => {
    const date = toDate(u);
    return date === undefined ? t.failure(u, c) : t.success(date);
  },
  (date) => date.toISOString(),
);
export type Timestamp = t.TypeOf<typeof Timestamp>;

function toDate(u: unknown): Date | undefined {
  let ms: number;
  if (typeof u === 'number' && Number.isFinite(u) && u >= 0) {
    // Nanoseconds beyond 2^53 are off by up to 128 ns, so a value that was a whole
    // millisecond can come out a hair below it and `Date` would cut it to the one
    // before: round to whole microseconds (exact below 2^53) first.
    if (u >= 1e17) ms = Math.round(u / 1e3) / 1e3;
    else if (u >= 1e14) ms = u / 1e3;
    else if (u >= 1e11) ms = u;
    else ms = u * 1000;
  } else if (typeof u === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(u)) {
    ms = Date.parse(u);
  } else {
    return undefined;
  }
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** Reads an optional field leniently: what does not decode is left out rather than failing the whole body. */
export function optional<A>(codec: t.Decoder<unknown, A>, value: unknown): A | undefined {
  const result = codec.decode(value);
  return result._tag === 'Right' ? result.right : undefined;
}
