import { isErrorLike } from './errorLike.js';
import { DecodeError } from './DecodeError.js';
import { RateLimitError } from './RateLimitError.js';
import { TaskError } from './TaskError.js';
import { TransportError } from './TransportError.js';

/** What a system error code means, in the words a status line uses (Node's codes, and undici's for its own fetch). */
const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  UND_ERR_SOCKET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** Longer reasons are cut: a reason goes on one line beside a task. */
const MAX_REASON = 80;

/**
 * A failed poll in a few words, for a status line or a time-out message:
 * `connection refused`, `HTTP 503`, `timed out after 10000 ms`, `rate
 * limited`. Read from the error's class and fields, and from the system
 * error code beneath a network failure; anything else is the start of the
 * message (already free of secrets, as every message of this library is).
 */
export function failureReason(error: unknown): string {
  if (error instanceof RateLimitError) return 'rate limited';
  if (error instanceof TransportError) {
    switch (error.reason) {
      case 'timeout':
        return /timed out after \d+ ms/.exec(error.message)?.[0] ?? 'timed out';
      case 'status':
        return error.status === undefined ? 'HTTP error' : `HTTP ${error.status}`;
      case 'body-too-large':
        return 'answer too large';
      case 'redirect':
        return 'redirect refused';
      case 'network':
        return networkReason(error.cause) ?? 'network error';
    }
  }
  if (error instanceof DecodeError) return 'unreadable answer';
  if (error instanceof TaskError) return cut(error.message);
  return isErrorLike(error) ? cut(error.message) : 'unknown failure';
}

/** The first system code known in the cause chain (fetch wraps Node's error once or twice). */
function networkReason(cause: unknown): string | undefined {
  for (let depth = 0; depth < 5 && isErrorLike(cause); depth++) {
    const code = typeof cause.code === 'string' ? cause.code : undefined;
    // Node's TLS codes (CERT_HAS_EXPIRED, SELF_SIGNED_CERT_IN_CHAIN, ERR_TLS_CERT_ALTNAME_INVALID, …) all say the same to a user.
    const known = code === undefined ? undefined : (NETWORK_CODES[code] ?? (/CERT|TLS/.test(code) ? 'TLS certificate rejected' : undefined));
    if (known !== undefined) return known;
    cause = cause.cause;
  }
  return undefined;
}

function cut(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length <= MAX_REASON ? line : `${line.slice(0, MAX_REASON - 1)}…`;
}
