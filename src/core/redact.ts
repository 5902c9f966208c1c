import { isErrorLike, type ErrorLike } from './errorLike.js';
import { TaskError } from './errors/TaskError.js';

const REDACTED = '[redacted]';

/** Query parameters and header names whose values are credentials, whatever the provider. */
const SECRET_PARAM = /([?&;\s"'](?:api[_-]?key|apikey|access[_-]?token|token|secret|password|signature|key)=)[^&#\s"']+/gi;
const SECRET_HEADER = /((?:authorization|x-api-key|api-key|cookie)\s*[:=]\s*"?)(?:bearer\s+)?[^\s",}]+/gi;
/** Anything shaped like a JWT (three base64url segments, the first a JSON header). */
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

/**
 * Removes credentials from text: every known secret (as given and URL-encoded),
 * plus anything that looks like a credential in a URL, a header dump or a JWT.
 */
export interface Redactor {
  (text: string): string;
}

export function createRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const literals = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length > 0))]
    .flatMap((s) => [s, encodeURIComponent(s)])
    .sort((a, b) => b.length - a.length);
  return (text: string): string => {
    let out = text;
    for (const literal of literals) out = out.split(literal).join(REDACTED);
    return out.replace(JWT, REDACTED).replace(SECRET_PARAM, `$1${REDACTED}`).replace(SECRET_HEADER, `$1${REDACTED}`);
  };
}

/** The redactor with no known secrets: only the generic patterns. */
export const redactGeneric: Redactor = createRedactor([]);

/**
 * Strips credentials from an error in place (message, stack, details) and
 * replaces its `cause` chain by redacted copies, so nothing reachable from the
 * error (`String(err)`, `err.stack`, `JSON.stringify(err)`, `console.log(err)`)
 * can show a secret. The one place every error passes before a subscriber sees it.
 */
export function redactError<E>(error: E, redact: Redactor, depth = 0): E {
  if (!isErrorLike(error)) {
    return (typeof error === 'string' ? redact(error) : error) as E;
  }
  const target = error as ErrorLike & { details?: unknown };
  rewrite(target, 'message', redact(target.message));
  if (typeof target.stack === 'string') rewrite(target, 'stack', redact(target.stack));
  if (target.details !== undefined) rewrite(target, 'details', redactValue(target.details, redact));
  if (target.cause !== undefined) {
    const cause = depth < 5 ? copyError(target.cause, redact, depth) : undefined;
    rewrite(target, 'cause', cause);
  }
  return error;
}

function copyError(cause: unknown, redact: Redactor, depth: number): unknown {
  if (!isErrorObject(cause)) return redactValue(cause, redact);
  if (cause instanceof TaskError) return redactError(cause, redact, depth + 1);
  // A foreign error (fetch's, Node's) is copied rather than changed: it is not ours to mutate.
  const copy = new Error(redact(cause.message));
  copy.name = cause.name;
  copy.stack = redact(cause.stack ?? `${cause.name}: ${cause.message}`);
  const { code } = cause;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(copy, { code });
  const inner = cause.cause;
  if (inner !== undefined && depth < 5) Object.defineProperty(copy, 'cause', { value: copyError(inner, redact, depth + 1), configurable: true, writable: true });
  return copy;
}

/**
 * An error object, as opposed to data that merely has `name` and `message`
 * (Postman's `{ error: { name, message } }` body): data is kept as data.
 */
function isErrorObject(value: unknown): value is ErrorLike {
  if (!isErrorLike(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto !== Object.prototype && proto !== null;
}

function redactValue(value: unknown, redact: Redactor, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (isErrorObject(value)) return copyError(value, redact, depth);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redact, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, redact, depth + 1)]));
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
