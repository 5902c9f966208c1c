import type { ProviderName } from '../server/routes.js';

/** How a 429 says when to come back: `Retry-After: 2`, `Retry-After: <HTTP date>`, or only `X-RateLimit-Reset`. */
export type RetryAfterForm = 'seconds' | 'http-date' | 'reset-only';

/** Postman's two error bodies: RFC 7807 problem JSON, or the legacy `{error: {name, message}}`. */
export type PostmanErrorShape = 'problem' | 'legacy';

/**
 * Faults answered in the provider's place: the request never reaches its
 * checks (it is not counted against a budget either).
 */
export type RefusalFault =
  /**
   * A rate-limit refusal. By default the provider's own: Stream's and Postman's
   * 429 with their headers, Mobizon's code 30 with HTTP 200 (which carries no
   * wait: Mobizon ignores `retryAfterSeconds` and `retryAfterAs`). With
   * `answeredBy: 'gateway'`, the HTTP 429 of a proxy or API gateway in front of
   * any provider: an HTML page with `Retry-After` and `X-RateLimit-*`.
   */
  | {
      readonly kind: 'rate-limited';
      /** Default 1. */
      readonly retryAfterSeconds?: number | undefined;
      /** Default `'seconds'`. */
      readonly retryAfterAs?: RetryAfterForm | undefined;
      /** Default `'provider'`. */
      readonly answeredBy?: 'provider' | 'gateway' | undefined;
      readonly errorShape?: PostmanErrorShape | undefined;
    }
  /** A 5xx with the provider's error body (Mobizon: code 999). */
  | { readonly kind: 'server-error'; /** 500..599, default 500. */ readonly status?: number; readonly errorShape?: PostmanErrorShape }
  /** A proxy's HTML page instead of JSON. */
  | { readonly kind: 'html-error-page'; /** Default 502; 200 for the kind of proxy that hides errors. */ readonly status?: number }
  /** Any Stream `APIError`; `unrecoverable: true` tells the client never to retry. */
  | {
      readonly kind: 'stream-error';
      readonly status: number;
      readonly code: number;
      readonly message?: string | undefined;
      readonly unrecoverable?: boolean | undefined;
      /** The body's `exception_fields` (field name → what is wrong with it), as Stream sends on a 400. Default: none. */
      readonly exceptionFields?: Readonly<Record<string, string>> | undefined;
      /** The body's `details` (integers). Default `[]`. */
      readonly details?: readonly number[] | undefined;
    }
  /** Any Postman error, in either shape. */
  | {
      readonly kind: 'postman-error';
      readonly status: number;
      /** The legacy shape's `error.name`; the problem's `title` and the end of its `type` unless given. */
      readonly name: string;
      readonly message?: string | undefined;
      readonly title?: string | undefined;
      readonly type?: string | undefined;
      readonly errorShape?: PostmanErrorShape | undefined;
    }
  /** Postman's final 429: the plan's usage is used up. */
  | { readonly kind: 'service-limit-exhausted'; readonly errorShape?: PostmanErrorShape }
  /** Any Mobizon envelope code, with HTTP 200. */
  | { readonly kind: 'mobizon-error'; readonly code: number; readonly data?: unknown; readonly message?: string }
  /**
   * Exactly this answer, in the provider's place: for what no other fault
   * says, such as a hostile provider (a redirect elsewhere, a body nested
   * thousands of levels deep, escape sequences in an error message).
   */
  | {
      readonly kind: 'custom-response';
      /** 200..599. */
      readonly status: number;
      /** Default `''`. */
      readonly body?: string | undefined;
      /** Default `application/json; charset=utf-8`. */
      readonly contentType?: string | undefined;
      /** Extra headers (`Location`, `Retry-After`, …); not Content-Type or Content-Length. */
      readonly headers?: Readonly<Record<string, string>> | undefined;
    };

/** Faults of delivery: the provider's answer is computed as usual (it counts), then broken on the way. */
export type TransportFault =
  /** A TCP reset, before any byte or after half the body. Default `'before-headers'`. */
  | { readonly kind: 'connection-reset'; readonly stage?: 'before-headers' | 'mid-body' }
  /** A response that never finishes: nothing at all, or headers and half the body. Default `'mid-body'`. */
  | { readonly kind: 'hang'; readonly stage?: 'before-headers' | 'mid-body' }
  /** `Content-Length` of the whole body, half of it sent, then the connection closes. */
  | { readonly kind: 'truncated-body' }
  /** The body padded to `bytes` (default 2 MiB) and streamed in chunks, never buffered whole. */
  | { readonly kind: 'oversized-body'; readonly bytes?: number }
  /** A complete response whose body is not valid JSON. */
  | { readonly kind: 'malformed-json' }
  /** The usual body under another content type (default `text/html; charset=utf-8`). */
  | { readonly kind: 'wrong-content-type'; readonly contentType?: string };

/** Faults of content: they change a successful task-state body, and only such a body. */
export type ContentFault =
  /** A status the provider never documented (default per provider: `suspended`, 7, `queued`, `processing`). */
  | { readonly kind: 'unknown-status'; readonly status?: string | number }
  /** Removes fields, as dot paths (`data.progress`). Default: the status field. */
  | { readonly kind: 'missing-fields'; readonly fields?: readonly string[] }
  /** Adds fields, keyed by dot path. Default `{ unexpected_field: { added_by: 'fake server' } }`. */
  | { readonly kind: 'extra-fields'; readonly fields?: Readonly<Record<string, unknown>> }
  /**
   * A terminal answer replaced by the task's state from before it finished:
   * the end shows up late, as with an eventually consistent store. It waits for
   * an answer that would be terminal, and spoils `times` of them.
   */
  | { readonly kind: 'flap' };

/** Something going wrong on purpose, for one request or many. */
export type Fault = RefusalFault | TransportFault | ContentFault;

export type FaultKind = Fault['kind'];

const REFUSALS = ['rate-limited', 'server-error', 'html-error-page', 'stream-error', 'postman-error', 'service-limit-exhausted', 'mobizon-error', 'custom-response'];
const TRANSPORT = ['connection-reset', 'hang', 'truncated-body', 'oversized-body', 'malformed-json', 'wrong-content-type'];
const CONTENT = ['unknown-status', 'missing-fields', 'extra-fields', 'flap'];

export function isRefusal(fault: Fault): fault is RefusalFault {
  return REFUSALS.includes(fault.kind);
}

export function isTransportFault(fault: Fault): fault is TransportFault {
  return TRANSPORT.includes(fault.kind);
}

export function isContentFault(fault: Fault): fault is ContentFault {
  return CONTENT.includes(fault.kind);
}

/** The provider a fault kind belongs to, when it belongs to one. */
export function providerOfFault(fault: Fault): ProviderName | undefined {
  if (fault.kind === 'stream-error') return 'stream';
  if (fault.kind === 'postman-error' || fault.kind === 'service-limit-exhausted') return 'postman';
  if (fault.kind === 'mobizon-error') return 'mobizon';
  return undefined;
}

/** Throws a `TypeError` for a fault that could not be served. */
export function checkFault(fault: Fault): Fault {
  if (typeof fault !== 'object' || fault === null || ![...REFUSALS, ...TRANSPORT, ...CONTENT].includes(fault.kind)) {
    throw new TypeError(`Expected a fault with a known \`kind\`, got ${JSON.stringify((fault as { kind?: unknown } | null)?.kind)}.`);
  }
  const status = (fault as { status?: unknown }).status;
  if (fault.kind === 'server-error' && status !== undefined && !isStatus(status, 500)) {
    throw new TypeError(`Expected a server-error \`status\` from 500 to 599, got ${String(status)}.`);
  }
  if ((fault.kind === 'stream-error' || fault.kind === 'postman-error' || fault.kind === 'html-error-page') && status !== undefined && !isStatus(status, 200)) {
    throw new TypeError(`Expected the ${fault.kind} \`status\` to be an HTTP status from 200 to 599, got ${String(status)}.`);
  }
  if (fault.kind === 'rate-limited' && fault.answeredBy !== undefined && fault.answeredBy !== 'provider' && fault.answeredBy !== 'gateway') {
    throw new TypeError(`Expected \`answeredBy\` to be provider or gateway, got ${JSON.stringify(fault.answeredBy)}.`);
  }
  if (fault.kind === 'rate-limited' && fault.retryAfterAs !== undefined && !['seconds', 'http-date', 'reset-only'].includes(fault.retryAfterAs)) {
    throw new TypeError(`Expected \`retryAfterAs\` to be seconds, http-date or reset-only, got ${JSON.stringify(fault.retryAfterAs)}.`);
  }
  if (fault.kind === 'stream-error') checkStreamErrorBody(fault);
  if (fault.kind === 'rate-limited' && fault.retryAfterSeconds !== undefined && !(fault.retryAfterSeconds >= 0 && Number.isFinite(fault.retryAfterSeconds))) {
    throw new TypeError(`Expected \`retryAfterSeconds\` to be a non-negative number, got ${String(fault.retryAfterSeconds)}.`);
  }
  if (fault.kind === 'stream-error' && !Number.isInteger(fault.code)) throw new TypeError(`Expected a stream-error \`code\` (an integer), got ${String(fault.code)}.`);
  if (fault.kind === 'mobizon-error' && !Number.isInteger(fault.code)) throw new TypeError(`Expected a mobizon-error \`code\` (an integer), got ${String(fault.code)}.`);
  if (fault.kind === 'postman-error' && (typeof fault.name !== 'string' || fault.name === '')) {
    throw new TypeError(`Expected a postman-error \`name\` (such as serviceLimitExhausted), got ${JSON.stringify(fault.name)}.`);
  }
  if ((fault.kind === 'stream-error' || fault.kind === 'postman-error') && status === undefined) {
    throw new TypeError(`Expected a ${fault.kind} \`status\` (an HTTP status), got undefined.`);
  }
  if (fault.kind === 'custom-response') checkCustomResponse(fault);
  if (fault.kind === 'oversized-body' && fault.bytes !== undefined && !(Number.isInteger(fault.bytes) && fault.bytes > 0)) {
    throw new TypeError(`Expected \`bytes\` to be a positive integer, got ${String(fault.bytes)}.`);
  }
  return fault;
}

function checkStreamErrorBody(fault: Extract<RefusalFault, { kind: 'stream-error' }>): void {
  const { exceptionFields, details } = fault;
  if (exceptionFields !== undefined && (typeof exceptionFields !== 'object' || exceptionFields === null || Array.isArray(exceptionFields) || Object.values(exceptionFields).some((v) => typeof v !== 'string'))) {
    throw new TypeError(`Expected \`exceptionFields\` to be an object of strings (field → problem), got ${JSON.stringify(exceptionFields)}.`);
  }
  if (details !== undefined && !(Array.isArray(details) && details.every((n) => Number.isInteger(n)))) {
    throw new TypeError(`Expected \`details\` to be an array of integers, got ${JSON.stringify(details)}.`);
  }
}

function checkCustomResponse(fault: Extract<RefusalFault, { kind: 'custom-response' }>): void {
  if (!isStatus(fault.status, 200)) throw new TypeError(`Expected a custom-response \`status\` from 200 to 599, got ${String(fault.status)}.`);
  if (fault.body !== undefined && typeof fault.body !== 'string') throw new TypeError(`Expected a custom-response \`body\` to be a string, got ${typeof fault.body}.`);
  if (fault.contentType !== undefined && (typeof fault.contentType !== 'string' || /[\r\n]/.test(fault.contentType))) {
    throw new TypeError('Expected a custom-response `contentType` to be one line of text.');
  }
  for (const [name, value] of Object.entries(fault.headers ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(name) || /^content-(type|length)$/i.test(name) || typeof value !== 'string' || /[\r\n]/.test(value)) {
      throw new TypeError(`Expected custom-response \`headers\` to be names (not Content-Type or Content-Length) with one-line values, got ${JSON.stringify(name)}.`);
    }
  }
}

function isStatus(status: unknown, min: number): boolean {
  return typeof status === 'number' && Number.isInteger(status) && status >= min && status <= 599;
}
