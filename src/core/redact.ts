import { isErrorLike, type ErrorLike } from './errors/errorLike.js';
import { TaskError } from './errors/TaskError.js';
import { isPlainObject } from './validate.js';

const REDACTED = '[redacted]';

/**
 * The most of any one text that is ever scanned: provider text is cut to this
 * before anything reads it, so that no answer, however large, costs more than
 * a few kilobytes of work. It is far longer than any message or field is
 * shown ({@link MAX_TEXT}), and the difference is longer than any credential:
 * a secret cut in two by this first cut starts beyond what is shown, so no
 * part of it is ever shown.
 */
export const TEXT_WINDOW = 8192;

/** The longest a message, or a string in an error's fields, is shown: longer ones end in `…`. */
export const MAX_TEXT = 1000;
/** The longest a `DecodeError` path line is shown (`data.progress: expected number, got "…"`). */
const MAX_PATH_TEXT = 200;

/**
 * Secrets shorter than this could be part of ordinary words (an `apiKey` of
 * `'a'` in a test): they are removed only where they stand as a whole token,
 * not inside `collection-updates`. Longer ones are removed wherever they are.
 */
const SHORT_SECRET = 8;

/**
 * Credentials the library was not told about, each a pattern whose first
 * group is the secret part. Every pattern is linear in the text: it can only
 * start at a fixed keyword or at the start of a run of its own characters
 * (the JWT's look-behind), and what follows a start is one run of one class,
 * so no start rescans what another start has scanned.
 */
const PATTERNS: readonly RegExp[] = [
  // Query parameters and form fields: `?api_key=…`, `&token=…`.
  /[?&;\s"'](?:api[_-]?key|apikey|access[_-]?token|token|secret|password|signature|key)=([^&#\s"']+)/dgi,
  // Header dumps: `Authorization: Bearer …`, `x-api-key: …`.
  /(?:authorization|x-api-key|api-key|cookie)[ \t]*[:=][ \t]*"?(?:bearer[ \t]+)?([^\s",}]+)/dgi,
  // Anything shaped like a JWT: three base64url segments, the first a JSON header.
  /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*)/dg,
];

const TOKEN_CHAR = /[A-Za-z0-9_-]/;

/**
 * Removes credentials from text: every known secret (as given and URL-encoded),
 * plus anything that looks like a credential in a URL, a header dump or a JWT.
 * One pass over the text as it came: what a replacement writes is never read
 * again, so redacting twice changes nothing.
 */
export interface Redactor {
  (text: string): string;
}

export function createRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const literals = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length > 0).flatMap((s) => [s, encodeURIComponent(s)]))];
  return (text: string): string => {
    const spans: Array<[number, number]> = [];
    for (const literal of literals) {
      for (let at = text.indexOf(literal); at >= 0; at = text.indexOf(literal, at + literal.length)) {
        if (literal.length >= SHORT_SECRET || isWholeToken(text, at, literal.length)) spans.push([at, at + literal.length]);
      }
    }
    for (const pattern of PATTERNS) {
      pattern.lastIndex = 0;
      for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
        const group = match.indices?.[1];
        if (group !== undefined) spans.push([group[0], group[1]]);
      }
    }
    return spans.length === 0 ? text : replaceSpans(text, spans);
  };
}

/** The redactor with no known secrets: only the generic patterns. */
export const redactGeneric: Redactor = /*#__PURE__*/ createRedactor([]);

function isWholeToken(text: string, at: number, length: number): boolean {
  return !TOKEN_CHAR.test(text.charAt(at - 1)) && !TOKEN_CHAR.test(text.charAt(at + length));
}

/**
 * Replaces every span (overlapping ones merged) by the marker, building the
 * text once. A span that touches a marker already in the text (text redacted
 * before, by another source) is left alone: redacting twice changes nothing,
 * whatever the secrets.
 */
function replaceSpans(text: string, spans: Array<[number, number]>): string {
  spans.sort((a, b) => a[0] - b[0]);
  let marker = text.indexOf(REDACTED);
  let out = '';
  let copied = 0;
  for (const [start, end] of spans) {
    while (marker >= 0 && marker + REDACTED.length <= start) marker = text.indexOf(REDACTED, marker + REDACTED.length);
    if (marker >= 0 && marker < end) continue;
    if (end <= copied) continue;
    if (start >= copied) out += text.slice(copied, start) + REDACTED;
    copied = end;
  }
  return out + text.slice(copied);
}

/**
 * Bodies are the server's, so anything may be in them. C0 and C1 controls,
 * DEL, format characters (bidi overrides that reorder a line) and line
 * separators are written as `\uXXXX`, so that text shows on one line what it
 * says and can neither move a terminal's cursor nor fake a log line.
 */
export function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

/**
 * The start of a text, cut before redaction without cutting a credential in
 * two: at the first delimiter (space, quote, `&`, `=`, …) at or after `length`
 * characters, so that a secret that starts in the part kept ends in it too,
 * whole, where redaction finds it (a token longer than any secret is cut
 * anyway). Never longer than the scanning window (see {@link TEXT_WINDOW}),
 * which is safe on its own.
 */
export function excerpt(text: string, length = TEXT_WINDOW): string {
  if (text.length <= length) return text;
  if (length >= TEXT_WINDOW) return `${text.slice(0, TEXT_WINDOW)}…`;
  DELIMITER.lastIndex = length;
  const end = Math.min(DELIMITER.exec(text)?.index ?? Infinity, length + LONGEST_SECRET);
  return end >= text.length ? text : `${text.slice(0, end)}…`;
}

/** No credential this library is given (or finds by pattern) is longer: a token cut this far past the point asked for is no secret's. */
const LONGEST_SECRET = 512;

const DELIMITER = /[\s"'`&=?#,;:<>()[\]{}|]/g;

/** Text fit to show: cut to the window, stripped of credentials, made printable, then cut to `max`. */
export function safeText(text: string, redact: Redactor, max = MAX_TEXT): string {
  const shown = printable(redact(excerpt(text)));
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}

/** Errors already cleaned: a second pass would find nothing, and is skipped. */
const cleaned = new WeakSet<object>();

/**
 * Makes an error safe to show, in place: message, stack, `details` and
 * `paths` stripped of credentials, made printable and bounded, and the
 * `cause` chain replaced by cleaned copies, so nothing reachable from the error
 * (`String(err)`, `err.stack`, `JSON.stringify(err)`, `console.log(err)`) can
 * show a secret or write a control character. The one place every error
 * passes before a subscriber sees it.
 */
export function redactError<E>(error: E, redact: Redactor, depth = 0): E {
  if (!isErrorLike(error)) {
    return (typeof error === 'string' ? safeText(error, redact) : error) as E;
  }
  if (cleaned.has(error)) return error;
  cleaned.add(error);
  const target = error as ErrorLike & { details?: unknown; paths?: unknown };
  const message = safeText(target.message, redact);
  if (typeof target.stack === 'string') rewrite(target, 'stack', safeStack(target, message, redact));
  rewrite(target, 'message', message);
  if (target.details !== undefined) rewrite(target, 'details', redactValue(target.details, redact, new Budget()));
  if (Array.isArray(target.paths)) rewrite(target, 'paths', Object.freeze(target.paths.map((path: unknown) => (typeof path === 'string' ? safeText(path, redact, MAX_PATH_TEXT) : path))));
  if (target.cause !== undefined) {
    const cause = depth < 5 ? copyError(target.cause, redact, depth) : undefined;
    rewrite(target, 'cause', cause);
  }
  return error;
}

/**
 * The stack with its first line (`Name: message`, which may run over many
 * lines when the message had line breaks) replaced by the cleaned message;
 * the frames after it are the library's, and are only redacted.
 */
function safeStack(error: ErrorLike, message: string, redact: Redactor): string {
  const stack = error.stack ?? '';
  const head = `${error.name}: ${error.message}`;
  if (stack.startsWith(head)) return `${error.name}: ${message}${safeFrames(stack.slice(head.length), redact)}`;
  const frames = stack.indexOf('\n    at ');
  return `${error.name}: ${message}${frames < 0 ? '' : safeFrames(stack.slice(frames), redact)}`;
}

function safeFrames(frames: string, redact: Redactor): string {
  return redact(frames.length > TEXT_WINDOW ? frames.slice(0, TEXT_WINDOW) : frames);
}

function copyError(cause: unknown, redact: Redactor, depth: number): unknown {
  if (!isErrorObject(cause)) return redactValue(cause, redact, new Budget());
  if (cause instanceof TaskError) return redactError(cause, redact, depth + 1);
  // A foreign error (fetch's, Node's) is copied rather than changed: it is not ours to mutate.
  const copy = new Error(safeText(cause.message, redact));
  copy.name = cause.name;
  copy.stack = safeStack(cause, copy.message, redact);
  const { code } = cause;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(copy, { code: typeof code === 'string' ? safeText(code, redact) : code });
  const inner = cause.cause;
  if (inner !== undefined && depth < 5) Object.defineProperty(copy, 'cause', { value: copyError(inner, redact, depth + 1), configurable: true, writable: true });
  return copy;
}

/**
 * An error object, as opposed to data that merely has `name` and `message`
 * (Postman's `{ error: { name, message } }` body): data is kept as data.
 */
function isErrorObject(value: unknown): value is ErrorLike {
  return isErrorLike(value) && !isPlainObject(value);
}

/** Deeper than this, or past this many values, plain data in an error is cut (`'[…]'`): what is kept stays small. */
const MAX_DATA_DEPTH = 64;
const MAX_DATA_VALUES = 2000;
const CUT = '[…]';

/** What is left of one error's allowance of values to copy. */
class Budget {
  values = MAX_DATA_VALUES;
}

/**
 * A cleaned copy of plain data (an error body in `details`): every string
 * cleaned as in {@link safeText}, at any depth; past the depth or the number
 * of values allowed, what is left is replaced by `'[…]'` rather than kept
 * unread, so no secret stays deep inside and the copy stays small.
 */
function redactValue(value: unknown, redact: Redactor, budget: Budget, depth = 0): unknown {
  if (--budget.values < 0 || depth > MAX_DATA_DEPTH) return CUT;
  if (typeof value === 'string') return safeText(value, redact);
  if (typeof value !== 'object' || value === null) return value;
  if (isErrorObject(value)) return copyError(value, redact, 4);
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value as unknown[]) {
      if (budget.values <= 0) {
        items.push(CUT);
        break;
      }
      items.push(redactValue(item, redact, budget, depth + 1));
    }
    return items;
  }
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const done = budget.values <= 0;
    // Defined, not assigned: a key `__proto__` stays a key.
    Object.defineProperty(copy, done ? CUT : safeText(key, redact, 200), {
      value: done ? CUT : redactValue((value as Record<string, unknown>)[key], redact, budget, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    if (done) break;
  }
  return copy;
}

function rewrite(target: object, key: string, value: unknown): void {
  const existing = Object.getOwnPropertyDescriptor(target, key);
  Object.defineProperty(target, key, {
    value,
    configurable: true,
    writable: true,
    enumerable: existing?.enumerable ?? false,
  });
}
