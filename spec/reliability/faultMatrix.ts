// The fault matrix: every fault the fake provider server can inject, for each
// of the three providers, and what the library must make of it. One module of
// plain data, read by the test (spec/reliability/faultMatrix.spec.ts) and by the
// table in docs/reliability.md (scripts/reliability-table.ts), so the two
// cannot disagree.
import type { TaskErrorCode, TransportFailure } from '../../src/index.js';
import type { Fault, ProviderName } from '../../src/testing/index.js';
import { deepJson, errorWithData, errorWithText, manyObjects, REGEX_BOMB, redirectTo, runningStateWithData, TERMINAL_ATTACK } from './hostileBodies.js';

export const PROVIDERS: readonly ProviderName[] = ['stream', 'mobizon', 'postman'];

/** Retries the matrix's sources allow: an error after "every retry" took this many requests, plus one. */
export const MATRIX_RETRIES = 4;

/** The error classes a case may end with (names, so the docs need no import of the library). */
export type ErrorName =
  | 'AuthenticationError'
  | 'DecodeError'
  | 'ProviderError'
  | 'RateLimitError'
  | 'TaskNotFoundError'
  | 'TransportError';

export type Expected =
  /** The watch completes with the right terminal state; no state the server reported twice in a row is skipped. */
  | { readonly outcome: 'recovers' }
  | {
      readonly outcome: 'error';
      readonly error: ErrorName;
      readonly code: TaskErrorCode;
      /** `TransportError.reason`, where it tells cases apart. */
      readonly reason?: TransportFailure;
      /** `TransportError.status`. */
      readonly status?: number;
      /** `RateLimitError.exhausted`. */
      readonly exhausted?: boolean;
      /** `once`: not retried, exactly one request. `every retry`: {@link MATRIX_RETRIES} + 1 requests. */
      readonly requests: 'once' | 'every retry';
    };

export interface ProviderCase {
  /** Faults placed on the watched task, in order. */
  readonly faults: readonly Fault[];
  /** How many requests each fault spoils (and, the test checks, did spoil). Default 1. */
  readonly times?: number;
  /**
   * `no-task`: the task was never created, the server answers with its own
   * "not found". `terminal-then-running`: once the watch has ended, the
   * script goes back from its terminal state to a running one a while later,
   * so the server answers a terminal state, then a non-terminal one, to
   * whoever asks.
   */
  readonly arrange?: 'no-task' | 'terminal-then-running';
  readonly expected: Expected;
}

export interface MatrixRow {
  readonly id: string;
  /** The fault, as the docs table names it. */
  readonly fault: string;
  /**
   * `start`: the faults are in place before the first request (used for every
   * outcome that must cost exactly one request). `mid`: placed once the first
   * state has arrived, so the watch already has a state to keep.
   */
  readonly when: 'start' | 'mid';
  /** Per provider; a provider that cannot answer this way has no case. */
  readonly cases: Readonly<Partial<Record<ProviderName, ProviderCase>>>;
  /** The next request after the first fault came at least this long after it (ms): the server's wait was honoured. */
  readonly waitsAtLeastMs?: number;
  /** The request the fault spoiled was abandoned by the client (`aborted` in the server's log): the socket was let go. */
  readonly clientHangsUp?: boolean;
  /** Shorter `requestTimeout` (ms) for this row, so that a hang is bounded. */
  readonly requestTimeout?: number;
  /**
   * Once the watch has ended, time runs on past the point where the server's
   * answer turns non-terminal again: exactly one request got the terminal
   * answer, it was the last, and none came after.
   */
  readonly quietAfterEnd?: boolean;
  /** Body bytes the server wrote before the client hung up: at least `atLeast` (the cap was reached), below `below`. */
  readonly bytesSent?: { readonly atLeast: number; readonly below: number };
}

const recovers: Expected = { outcome: 'recovers' };
const once = <E extends Omit<Extract<Expected, { outcome: 'error' }>, 'outcome' | 'requests'>>(expected: E): Expected => ({
  outcome: 'error',
  requests: 'once',
  ...expected,
});
const afterRetries = <E extends Omit<Extract<Expected, { outcome: 'error' }>, 'outcome' | 'requests'>>(expected: E): Expected => ({
  outcome: 'error',
  requests: 'every retry',
  ...expected,
});

/** The same fault and outcome on all three providers. */
function everywhere(faults: readonly Fault[], expected: Expected, times?: number): MatrixRow['cases'] {
  const one: ProviderCase = { faults, expected, ...(times === undefined ? {} : { times }) };
  return { stream: one, mobizon: one, postman: one };
}

export const HANG_TIMEOUT_MS = 1000;

/**
 * The rows for the faults issue 8 names: each must have a case on all three
 * providers (the meta-test checks it). Faults only one provider can answer
 * (Postman's serviceLimitExhausted, Stream's `unrecoverable`) are named
 * apart, in {@link PROVIDER_ROWS}.
 */
export const ROWS_FOR_EVERY_PROVIDER = [
  '429-seconds',
  '429-http-date',
  '429-reset-only',
  '500-burst',
  '502-burst',
  '503-burst',
  'reset-mid-body',
  'hang-before-headers',
  'hang-mid-body',
  'malformed-json',
  'html-200',
  'html-502',
  'truncated',
  'oversized',
  'wrong-content-type',
  'unknown-status',
  'missing-fields',
  'extra-fields',
  'terminal-then-running',
  '401',
  '403',
  'not-found',
] as const;

/** The rows of a hostile provider (issue 21), each on all three providers: see also hostileProvider.spec.ts. */
export const HOSTILE_ROWS = ['hostile-regex-bomb', 'hostile-terminal-text', 'hostile-deep-200', 'hostile-deep-error', 'hostile-redirect', 'hostile-many-objects'] as const;

/** Non-retryable outcomes only one provider has, and that provider. */
export const PROVIDER_ROWS: Readonly<Record<string, ProviderName>> = {
  'stream-unrecoverable-500': 'stream',
  'stream-unrecoverable-429': 'stream',
  'postman-exhausted-problem': 'postman',
  'postman-exhausted-legacy': 'postman',
  'mobizon-code-30': 'mobizon',
};
const FOREVER = Number.POSITIVE_INFINITY;

const MIB = 1024 * 1024;

/** Mobizon answers its own rate limit with code 30 and HTTP 200, no wait given: a 429 with headers comes from a gateway in front of it. */
function rateLimitedAll(retryAfterAs: 'seconds' | 'http-date' | 'reset-only'): MatrixRow['cases'] {
  const fault: Fault = { kind: 'rate-limited', retryAfterSeconds: 1, retryAfterAs };
  return {
    stream: { faults: [fault], expected: recovers },
    mobizon: { faults: [{ ...fault, answeredBy: 'gateway' }], expected: recovers },
    postman: { faults: [fault], expected: recovers },
  };
}

/** Each provider's own error answer, with hostile text where that provider puts its words: what it ends with. */
function hostileErrorText(text: string): MatrixRow['cases'] {
  return {
    stream: { faults: [errorWithText('stream', text)], expected: once({ error: 'TransportError', code: 'TRANSPORT', reason: 'status', status: 400 }) },
    mobizon: { faults: [errorWithText('mobizon', text)], expected: once({ error: 'ProviderError', code: 'PROVIDER' }) },
    postman: { faults: [errorWithText('postman', text)], expected: once({ error: 'TransportError', code: 'TRANSPORT', reason: 'status', status: 400 }) },
  };
}

/** Body depth of the deep rows: what killed the process (a recursive freeze overflowed the stack). */
export const HOSTILE_DEPTH = 6000;

const HOSTILE_ROWS_DATA: readonly MatrixRow[] = [
  {
    id: 'hostile-regex-bomb',
    fault: 'hostile: 900 KB of `eyJ` as the provider\'s error text (quadratic for the old JWT pattern)',
    when: 'start',
    cases: hostileErrorText(REGEX_BOMB),
  },
  {
    id: 'hostile-terminal-text',
    fault: 'hostile: escape sequences, a forged log line, bidi overrides and C1 controls in the error text',
    when: 'start',
    cases: hostileErrorText(TERMINAL_ATTACK),
  },
  {
    id: 'hostile-deep-200',
    fault: `hostile: a state answer nested ${HOSTILE_DEPTH} levels deep`,
    when: 'start',
    cases: {
      stream: { faults: [runningStateWithData('stream', deepJson(HOSTILE_DEPTH))], expected: once({ error: 'DecodeError', code: 'DECODE' }) },
      mobizon: { faults: [runningStateWithData('mobizon', deepJson(HOSTILE_DEPTH))], expected: once({ error: 'DecodeError', code: 'DECODE' }) },
      postman: { faults: [runningStateWithData('postman', deepJson(HOSTILE_DEPTH))], expected: once({ error: 'DecodeError', code: 'DECODE' }) },
    },
  },
  {
    id: 'hostile-deep-error',
    fault: `hostile: an error answer nested ${HOSTILE_DEPTH} levels deep (Mobizon: with HTTP 200)`,
    when: 'start',
    cases: {
      stream: { faults: [errorWithData('stream', deepJson(HOSTILE_DEPTH))], expected: once({ error: 'TransportError', code: 'TRANSPORT', reason: 'status', status: 400 }) },
      mobizon: { faults: [errorWithData('mobizon', deepJson(HOSTILE_DEPTH))], expected: once({ error: 'DecodeError', code: 'DECODE' }) },
      postman: { faults: [errorWithData('postman', deepJson(HOSTILE_DEPTH))], expected: once({ error: 'TransportError', code: 'TRANSPORT', reason: 'status', status: 400 }) },
    },
  },
  {
    id: 'hostile-redirect',
    fault: 'hostile: a 302 to plain http on another host (the credentials would go with it)',
    when: 'start',
    cases: everywhere([redirectTo('http://192.0.2.2/collect?stolen=1')], once({ error: 'TransportError', code: 'TRANSPORT', reason: 'redirect', status: 302 })),
  },
  {
    id: 'hostile-many-objects',
    fault: 'hostile: a state answer padded with 250,000 empty objects (750 KB, about 15 MB once parsed)',
    when: 'mid',
    cases: {
      stream: { faults: [runningStateWithData('stream', manyObjects(250_000))], expected: recovers },
      mobizon: { faults: [runningStateWithData('mobizon', manyObjects(250_000))], expected: recovers },
      postman: { faults: [runningStateWithData('postman', manyObjects(250_000))], expected: recovers },
    },
  },
];

export const FAULT_MATRIX: readonly MatrixRow[] = [
  {
    id: '429-seconds',
    fault: '429 with `Retry-After: 1` (Mobizon: from a gateway in front of it)',
    when: 'mid',
    cases: rateLimitedAll('seconds'),
    waitsAtLeastMs: 1000,
  },
  {
    id: '429-http-date',
    fault: '429 with `Retry-After` as an HTTP date (Mobizon: from a gateway)',
    when: 'mid',
    cases: rateLimitedAll('http-date'),
    waitsAtLeastMs: 1000,
  },
  {
    id: '429-reset-only',
    fault: '429 with only `X-RateLimit-Reset` (Mobizon: from a gateway)',
    when: 'mid',
    cases: rateLimitedAll('reset-only'),
    waitsAtLeastMs: 1000,
  },
  {
    id: 'mobizon-code-30',
    fault: 'Mobizon: code 30 with HTTP 200, its own rate limit (no wait given)',
    when: 'mid',
    cases: { mobizon: { faults: [{ kind: 'rate-limited' }], expected: recovers } },
    waitsAtLeastMs: 1000,
  },
  {
    id: '429-forever',
    fault: '429 on every request',
    when: 'start',
    cases: everywhere([{ kind: 'rate-limited', retryAfterSeconds: 1 }], afterRetries({ error: 'RateLimitError', code: 'RATE_LIMITED', exhausted: false }), FOREVER),
  },
  ...[500, 502, 503].map(
    (status): MatrixRow => ({
      id: `${status}-burst`,
      fault: `${status} three times, then good answers (Mobizon: code 999 with HTTP ${status})`,
      when: 'mid',
      cases: everywhere([{ kind: 'server-error', status }], recovers, 3),
    }),
  ),
  {
    id: '503-forever',
    fault: '503 on every request',
    when: 'start',
    cases: everywhere([{ kind: 'server-error', status: 503 }], afterRetries({ error: 'TransportError', code: 'TRANSPORT', reason: 'status', status: 503 }), FOREVER),
  },
  {
    id: 'reset-before-headers',
    fault: 'connection reset before the headers, twice',
    when: 'mid',
    cases: everywhere([{ kind: 'connection-reset', stage: 'before-headers' }], recovers, 2),
  },
  {
    id: 'reset-mid-body',
    fault: 'connection reset mid-body, twice',
    when: 'mid',
    cases: everywhere([{ kind: 'connection-reset', stage: 'mid-body' }], recovers, 2),
  },
  {
    id: 'reset-forever',
    fault: 'connection reset on every request',
    when: 'start',
    cases: everywhere([{ kind: 'connection-reset', stage: 'mid-body' }], afterRetries({ error: 'TransportError', code: 'TRANSPORT', reason: 'network' }), FOREVER),
  },
  {
    id: 'hang-before-headers',
    fault: 'no answer at all, once (`requestTimeout` fires)',
    when: 'mid',
    cases: everywhere([{ kind: 'hang', stage: 'before-headers' }], recovers),
    clientHangsUp: true,
    requestTimeout: HANG_TIMEOUT_MS,
  },
  {
    id: 'hang-mid-body',
    fault: 'a body that never ends, once',
    when: 'mid',
    cases: everywhere([{ kind: 'hang', stage: 'mid-body' }], recovers),
    clientHangsUp: true,
    requestTimeout: HANG_TIMEOUT_MS,
  },
  {
    id: 'hang-forever',
    fault: 'a body that never ends, on every request',
    when: 'start',
    cases: everywhere([{ kind: 'hang', stage: 'mid-body' }], afterRetries({ error: 'TransportError', code: 'TRANSPORT', reason: 'timeout' }), FOREVER),
    clientHangsUp: true,
    requestTimeout: HANG_TIMEOUT_MS,
  },
  {
    id: 'truncated',
    fault: 'truncated body (shorter than its `Content-Length`), once',
    when: 'mid',
    cases: everywhere([{ kind: 'truncated-body' }], recovers),
    // The default fetch in Node sees the connection close at once; a fetch that never ends such a body (cross-fetch,
    // that is node-fetch 2, which a user may pass) is ended by the timeout, kept short here for that case.
    requestTimeout: HANG_TIMEOUT_MS,
  },
  {
    id: 'oversized',
    fault: '64 MiB body (cap: 1 MiB)',
    when: 'start',
    cases: everywhere([{ kind: 'oversized-body', bytes: 64 * MIB }], once({ error: 'TransportError', code: 'TRANSPORT', reason: 'body-too-large' })),
    clientHangsUp: true,
    // The client read up to its 1 MiB cap and hung up; the socket buffers of both sides took a few MiB more
    // (about 3.75 MiB in all on Linux's default loopback buffers), never the rest of the 64 MiB.
    bytesSent: { atLeast: MIB, below: 32 * MIB },
  },
  {
    id: 'malformed-json',
    fault: 'malformed JSON with status 200',
    when: 'start',
    cases: everywhere([{ kind: 'malformed-json' }], once({ error: 'DecodeError', code: 'DECODE' })),
  },
  {
    id: 'html-200',
    fault: 'HTML error page with status 200',
    when: 'start',
    cases: everywhere([{ kind: 'html-error-page', status: 200 }], once({ error: 'DecodeError', code: 'DECODE' })),
  },
  {
    id: 'html-502',
    fault: 'HTML error page with status 502, twice',
    when: 'mid',
    cases: everywhere([{ kind: 'html-error-page', status: 502 }], recovers, 2),
  },
  {
    id: 'wrong-content-type',
    fault: 'the right JSON as `text/html`',
    when: 'mid',
    cases: everywhere([{ kind: 'wrong-content-type' }], recovers, 2),
  },
  {
    id: 'unknown-status',
    fault: 'an undocumented status (reported as `running`)',
    when: 'mid',
    cases: everywhere([{ kind: 'unknown-status' }], recovers),
  },
  {
    id: 'missing-fields',
    fault: 'the status field missing from a 200 body',
    when: 'start',
    cases: everywhere([{ kind: 'missing-fields' }], once({ error: 'DecodeError', code: 'DECODE' })),
  },
  {
    id: 'extra-fields',
    fault: 'unknown extra fields (accepted)',
    when: 'start',
    cases: everywhere([{ kind: 'extra-fields' }], recovers, FOREVER),
  },
  {
    id: 'terminal-then-running',
    fault: 'a terminal state followed by a non-terminal one (the terminal state stands)',
    when: 'start',
    cases: {
      stream: { faults: [], arrange: 'terminal-then-running', expected: recovers },
      mobizon: { faults: [], arrange: 'terminal-then-running', expected: recovers },
      postman: { faults: [], arrange: 'terminal-then-running', expected: recovers },
    },
    quietAfterEnd: true,
  },
  {
    id: 'late-terminal',
    fault: 'the first two finished answers still unfinished (a late terminal state)',
    when: 'start',
    cases: everywhere([{ kind: 'flap' }], recovers, 2),
  },
  {
    id: '401',
    fault: '401 (Mobizon: code 8, bad API key)',
    when: 'start',
    cases: {
      stream: { faults: [{ kind: 'stream-error', status: 401, code: 43, message: 'signature is invalid' }], expected: once({ error: 'AuthenticationError', code: 'AUTHENTICATION' }) },
      mobizon: { faults: [{ kind: 'mobizon-error', code: 8 }], expected: once({ error: 'AuthenticationError', code: 'AUTHENTICATION' }) },
      postman: {
        faults: [{ kind: 'postman-error', status: 401, name: 'AuthenticationError', type: 'unauthorized', title: 'Unauthorized' }],
        expected: once({ error: 'AuthenticationError', code: 'AUTHENTICATION' }),
      },
    },
  },
  {
    id: '403',
    fault: '403 (Mobizon: code 9, no access)',
    when: 'start',
    cases: {
      stream: { faults: [{ kind: 'stream-error', status: 403, code: 17, message: 'not allowed' }], expected: once({ error: 'AuthenticationError', code: 'AUTHENTICATION' }) },
      mobizon: { faults: [{ kind: 'mobizon-error', code: 9 }], expected: once({ error: 'AuthenticationError', code: 'AUTHENTICATION' }) },
      postman: {
        faults: [{ kind: 'postman-error', status: 403, name: 'forbiddenError', type: 'forbidden', title: 'Forbidden' }],
        expected: once({ error: 'AuthenticationError', code: 'AUTHENTICATION' }),
      },
    },
  },
  {
    id: 'not-found',
    fault: "unknown task: the server's own answer (Stream 404 code 16, Mobizon code 2, Postman 404)",
    when: 'start',
    cases: {
      stream: { faults: [], arrange: 'no-task', expected: once({ error: 'TaskNotFoundError', code: 'TASK_NOT_FOUND' }) },
      mobizon: { faults: [], arrange: 'no-task', expected: once({ error: 'TaskNotFoundError', code: 'TASK_NOT_FOUND' }) },
      postman: { faults: [], arrange: 'no-task', expected: once({ error: 'TaskNotFoundError', code: 'TASK_NOT_FOUND' }) },
    },
  },
  {
    id: 'stream-400-code-16',
    fault: 'Stream: unknown task as 400 code 16',
    when: 'start',
    cases: { stream: { faults: [{ kind: 'stream-error', status: 400, code: 16, message: 'task not found' }], expected: once({ error: 'TaskNotFoundError', code: 'TASK_NOT_FOUND' }) } },
  },
  {
    id: 'stream-unrecoverable-500',
    fault: 'Stream: 500 with `unrecoverable: true`',
    when: 'start',
    cases: {
      stream: {
        faults: [{ kind: 'stream-error', status: 500, code: -1, message: 'internal error', unrecoverable: true }],
        expected: once({ error: 'TransportError', code: 'TRANSPORT', reason: 'status', status: 500 }),
      },
    },
  },
  {
    id: 'stream-unrecoverable-429',
    fault: 'Stream: 429 with `unrecoverable: true`',
    when: 'start',
    cases: {
      stream: {
        faults: [{ kind: 'stream-error', status: 429, code: 9, message: 'Too many requests', unrecoverable: true }],
        expected: once({ error: 'RateLimitError', code: 'RATE_LIMITED', exhausted: true }),
      },
    },
  },
  {
    id: 'postman-exhausted-problem',
    fault: "Postman: 429 plan limit reached (problem JSON, the OpenAPI's example)",
    when: 'start',
    cases: { postman: { faults: [{ kind: 'service-limit-exhausted', errorShape: 'problem' }], expected: once({ error: 'RateLimitError', code: 'RATE_LIMITED', exhausted: true }) } },
  },
  {
    id: 'postman-exhausted-legacy',
    fault: 'Postman: 429 `serviceLimitExhausted` (legacy error)',
    when: 'start',
    cases: { postman: { faults: [{ kind: 'service-limit-exhausted', errorShape: 'legacy' }], expected: once({ error: 'RateLimitError', code: 'RATE_LIMITED', exhausted: true }) } },
  },
  {
    id: 'mobizon-blocked',
    fault: 'Mobizon: code 14, account blocked',
    when: 'start',
    cases: { mobizon: { faults: [{ kind: 'mobizon-error', code: 14 }], expected: once({ error: 'AuthenticationError', code: 'AUTHENTICATION' }) } },
  },
  {
    id: 'mobizon-general-error',
    fault: 'Mobizon: code 999 with HTTP 200',
    when: 'start',
    cases: { mobizon: { faults: [{ kind: 'mobizon-error', code: 999 }], expected: once({ error: 'ProviderError', code: 'PROVIDER' }) } },
  },
  ...HOSTILE_ROWS_DATA,
];
