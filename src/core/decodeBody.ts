import type { Either } from 'fp-ts/lib/Either.js';
import { left, right } from './either.js';
import type * as t from 'io-ts';
import { DecodeError } from './errors/index.js';
import type { HttpResponse } from './http.js';
import { excerpt } from './redact.js';

/**
 * Bodies nested deeper than this are refused: no provider's format goes past
 * a handful of levels, and a deep body would reach every walk over it
 * (freezing, comparing, cleaning an error, a user's `JSON.stringify`).
 */
export const MAX_BODY_DEPTH = 64;

/**
 * Parses a response body as JSON. A body that is not JSON (an HTML error page,
 * a truncated answer) is a `DecodeError` whose message shows the status, the
 * content type and the start of the body.
 */
export function parseJsonBody(response: HttpResponse, what: string): Either<DecodeError, unknown> {
  const { body } = response;
  if (nestingDepth(body) > MAX_BODY_DEPTH) {
    return left(new DecodeError(`${what}: the body of HTTP ${response.status} is nested deeper than ${MAX_BODY_DEPTH} levels`, { paths: [`(body): expected at most ${MAX_BODY_DEPTH} levels of nesting`] }));
  }
  try {
    return right(JSON.parse(body) as unknown);
  } catch {
    const type = response.headers.get('content-type') ?? 'no content type';
    return left(new DecodeError(`${what}: expected a JSON body, got HTTP ${response.status} (${excerpt(type)}) starting ${JSON.stringify(excerpt(body, 120))}`, { paths: ['(body): expected JSON'] }));
  }
}

/**
 * How deep the brackets of a JSON text go, in one pass over its characters
 * (strings skipped), stopping as soon as it passes the limit: `JSON.parse`
 * copes with any depth, but what walks the result should not have to.
 */
function nestingDepth(text: string): number {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c) index++; // a backslash: the next character is escaped
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x7b || char === 0x5b) {
      if (++depth > MAX_BODY_DEPTH) return depth;
    } else if (char === 0x7d || char === 0x5d) {
      depth--;
    }
  }
  return depth;
}

/**
 * Parses a JSON body and decodes it with an io-ts codec, in one step: the
 * decoded value, and the body as sent (what a state's `raw` keeps). Written
 * with plain branches, not `pipe`/`chain`: it runs for every poll, and fp-ts'
 * combinators copy their arguments on each call to tell data-first from
 * data-last.
 */
export function decodeJsonBody<A, O>(response: HttpResponse, codec: t.Type<A, O, unknown>, what: string): Either<DecodeError, DecodedBody<A>> {
  const parsed = parseJsonBody(response, what);
  if (parsed._tag === 'Left') return parsed;
  const decoded = decodeWith(codec, parsed.right, what);
  return decoded._tag === 'Left' ? decoded : right({ value: decoded.right, body: parsed.right });
}

/** What {@link decodeJsonBody} gives. */
export interface DecodedBody<A> {
  /** The body as the codec decoded it. */
  readonly value: A;
  /** The body as sent, parsed. */
  readonly body: unknown;
}

/** Decodes a value with an io-ts codec; a `Left` is a `DecodeError` naming each field that failed. */
export function decodeWith<A, O>(codec: t.Type<A, O, unknown>, value: unknown, what: string): Either<DecodeError, A> {
  const result = codec.decode(value);
  if (result._tag === 'Right') return result;
  const paths = describeValidationErrors(result.left);
  return left(new DecodeError(`${what}: unexpected body (${paths.slice(0, 3).join('; ')}${paths.length > 3 ? '; …' : ''})`, { paths }));
}

/**
 * One readable line per failure: `data.progress: expected (number | NumericString), got "abc"`.
 * Union and intersection members are left out of the path: they are not fields.
 */
export function describeValidationErrors(errors: t.Errors): string[] {
  const lines = errors.map((error) => {
    const keys: string[] = [];
    error.context.forEach((entry, index) => {
      const parent = error.context[index - 1]?.type as { _tag?: string } | undefined;
      const isMember = parent?._tag === 'UnionType' || parent?._tag === 'IntersectionType';
      if (entry.key !== '' && !isMember) keys.push(entry.key);
    });
    const expected = error.context[error.context.length - 1]?.type.name ?? 'a valid value';
    return `${keys.join('.') || '(body)'}: expected ${expected}, got ${excerptOfValue(error.value)}`;
  });
  return [...new Set(lines)];
}

/** A long string is cut before `JSON.stringify` copies it whole. */
function excerptValue(value: unknown): unknown {
  return typeof value === 'string' ? excerpt(value, 60) : value;
}

/** A value a body held, quoted for a `DecodeError` path line. */
function excerptOfValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    // Cut where no credential is cut in two: the error is cleaned of them before anyone sees it.
    return excerpt(JSON.stringify(excerptValue(value)) ?? String(value), 60);
  } catch {
    return typeof value;
  }
}
