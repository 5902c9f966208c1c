import { left, right, type Either } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { DecodeError } from './errors/index.js';
import type { HttpResponse } from './http.js';

/**
 * Parses a response body as JSON. A body that is not JSON (an HTML error page,
 * a truncated answer) is a `DecodeError` whose message shows the status, the
 * content type and the start of the body.
 */
export function parseJsonBody(response: HttpResponse, what: string): Either<DecodeError, unknown> {
  try {
    return right(JSON.parse(response.body) as unknown);
  } catch {
    const type = response.headers.get('content-type') ?? 'no content type';
    return left(
      new DecodeError(`${what}: expected a JSON body, got HTTP ${response.status} (${type}) starting ${printable(JSON.stringify(cut(response.body)))}`, {
        paths: ['(body): expected JSON'],
      }),
    );
  }
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
    return `${keys.join('.') || '(body)'}: expected ${expected}, got ${describeValue(error.value)}`;
  });
  return [...new Set(lines)];
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    return printable(cut(JSON.stringify(value) ?? String(value), 60));
  } catch {
    return typeof value;
  }
}

function cut(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Bodies are the server's, so anything may be in them. `JSON.stringify` already
 * escapes C0 controls; DEL, C1 controls, format characters (bidi overrides that
 * reorder a log line) and line separators are escaped here, so that a message
 * shows on one line what it says.
 */
function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}
