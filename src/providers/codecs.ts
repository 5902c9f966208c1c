import * as t from 'io-ts';
import { isPlainObject } from '../core/validate.js';

/**
 * A number, or a string holding one (`"45"`): providers send either. Decodes
 * to a number.
 */
export const LooseNumber = /*#__PURE__*/ new t.Type<number, number, unknown>(
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
export const Timestamp = /*#__PURE__*/ new t.Type<Date, string, unknown>(
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
  // An absent field (the common case, on every poll) is left out without building io-ts' failure report for it.
  if (value === undefined) return undefined;
  const result = codec.decode(value);
  return result._tag === 'Right' ? result.right : undefined;
}

/**
 * Optional fields read leniently: like `t.partial`, except that a field whose
 * value does not decode (a `null`, a number where a string was documented) is
 * left out of the result instead of failing the whole body. A provider that
 * changes a field it never promised us is drift, not a broken task
 * (`raw` keeps the body exactly as it came). Unknown fields pass through.
 */
export function lenient<P extends t.Props>(props: P, name = 'lenient'): t.Type<Partial<t.TypeOfProps<P>>, unknown, unknown> {
  const keys = Object.keys(props);
  return new t.Type<Partial<t.TypeOfProps<P>>, unknown, unknown>(
    name,
    (u): u is Partial<t.TypeOfProps<P>> => isPlainObject(u) && keys.every((key) => u[key] === undefined || (props[key] as t.Any).is(u[key])),
    (u, c) => {
      if (!isPlainObject(u)) return t.failure(u, c);
      const out: Record<string, unknown> = { ...u };
      for (const key of keys) {
        if (!(key in out)) continue;
        const result = (props[key] as t.Any).decode(out[key]);
        // Set to undefined rather than deleted: `t.intersection` merges by the keys it sees.
        out[key] = result._tag === 'Right' ? result.right : undefined;
      }
      return t.success(out as Partial<t.TypeOfProps<P>>);
    },
    t.identity,
  );
}
