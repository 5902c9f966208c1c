import { left, right } from '../core/either.js';
import { decodeJsonBody, decodeWith } from '../core/decodeBody.js';
import { defineProvider, type TaskSourceFactory } from '../core/taskSource.js';
import { AuthenticationError, ProviderError, RateLimitError, TaskNotFoundError, type TaskError } from '../core/errors/index.js';
import { httpFailure, type ProviderFailure } from '../core/retry.js';
import { progressAwareInterval } from '../core/intervalPolicy.js';
import type { DecodeResult } from '../core/provider.js';
import type { TaskStatus } from '../core/taskState.js';
import { expectNonEmptyString, expectSecret } from '../core/validate.js';
import { MOBIZON_CODES, MobizonEnvelope, MobizonTaskStatus } from './mobizonCodecs.js';

/** The API domains confirmed on Mobizon's official pages. `api.mobizon.com` is deprecated. */
export const MOBIZON_DOMAINS = ['api.mobizon.kz', 'api.mobizon.ua', 'api.mobizon.com.br', 'api.mobizon.gmbh'] as const;

/** Options of {@link mobizonTasks}, beside the common {@link SourceOptions}. Give `apiKey`, and `domain` or `baseUrl`. */
export interface MobizonOptions {
  /** Your Mobizon API key, sent as the `apiKey` query parameter. */
  readonly apiKey: string;
  /** Your account's API domain, such as `'api.mobizon.kz'` (see {@link MOBIZON_DOMAINS}). Required unless `baseUrl` is given. */
  readonly domain?: string | undefined;
  /** A full base URL instead of a domain (a proxy, a test server). */
  readonly baseUrl?: string | undefined;
  /**
   * The API domains a "wrong API domain" answer (code 13) may move the source
   * to: the API key goes wherever the source goes, so no other is followed.
   * Entries are host names, with a port only where one is meant
   * (`'127.0.0.1:8443'` for a test server). Default: {@link MOBIZON_DOMAINS}
   * and your `domain`.
   */
  readonly allowedDomains?: readonly string[] | undefined;
}

/** A host name with an optional port, as `domain` and code 13's `data` spell it. */
const HOST_NAME = /^[a-z0-9.-]+(:\d+)?$/i;
const AUTH_CODES: ReadonlySet<number> = new Set([MOBIZON_CODES.badApiKey, MOBIZON_CODES.noAccess, MOBIZON_CODES.accountBlocked]);
/** Codes about the caller's request or account: they mean the same under any HTTP status. */
const CALLER_CODES: ReadonlySet<number> = new Set([MOBIZON_CODES.notFound, MOBIZON_CODES.wrongDomain, ...AUTH_CODES]);

/** 0 waiting, 1 in progress, 2 completed, 3 rejected; anything new is taken as work in progress. */
function statusOf(status: number): TaskStatus {
  switch (status) {
    case 0:
      return 'pending';
    case 2:
      return 'completed';
    case 3:
      return 'failed';
    default:
      return 'running';
  }
}


/**
 * Background tasks of Mobizon (SMS campaigns, contact imports), followed with
 * Taskqueue/GetStatus.
 *
 * Mobizon's docs ask for this request "no more than once per second". The
 * library reads that both ways it can be meant: never two requests for one
 * task less than a second apart (a lower `interval` is raised to 1 s), and, by
 * default, no more than one request per second for the whole source. Raise
 * `maxRequestsPerSecond` knowingly if your account allows more. Mobizon
 * reports progress, so polls are progress-aware by default: few requests while
 * the end is far, one just after the predicted end.
 *
 * ```ts
 * import { mobizonTasks } from 'rx-task-status';
 *
 * const sms = mobizonTasks({ apiKey: process.env.MOBIZON_KEY!, domain: 'api.mobizon.kz' });
 * sms.watch('4821').subscribe((state) => console.log(state.progress));
 * ```
 */
export const mobizonTasks: TaskSourceFactory<MobizonOptions, string> = /*#__PURE__*/ defineProvider({
  name: 'mobizon',
  defaults: { interval: 2000, maxRequestsPerSecond: 1, minInterval: 1000, policy: progressAwareInterval() },
  setup: (options: MobizonOptions) => {
    const apiKey = expectSecret('apiKey', options.apiKey);
    const baseUrl = baseUrlOf(options);
    const hosts = options.allowedDomains ?? [...MOBIZON_DOMAINS, ...(options.domain === undefined ? [] : [options.domain.trim()])];
    return { baseUrl, context: { apiKey }, secrets: [apiKey], hosts };
  },
  identify: (ref: string) => ({ id: expectNonEmptyString('task id', ref) }),
  request: ({ id, context }) => ({
    method: 'POST',
    path: '/service/taskqueue/getstatus',
    query: { output: 'json', api: 'v1', apiKey: context.apiKey },
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ id }).toString(),
  }),
  decode: (response, { id, baseUrl, movedFrom }): DecodeResult => {
    const what = `Mobizon task ${id}`;
    const envelope = decodeJsonBody(response, MobizonEnvelope, what);
    // Mobizon answers errors with 200 and a code; a non-JSON answer is a proxy's, and its status means what it usually does.
    if (envelope._tag === 'Left') return response.status >= 200 && response.status < 300 ? envelope : left(httpFailure({ response, what }));
    const { code, data, message = '' } = envelope.right.value;
    // The code decides, not the HTTP status, with one exception: a 5xx whose code
    // says nothing about the caller (not "not found", not "bad key", not "wrong
    // domain") is the server or a proxy failing, and transient like any 5xx.
    if (response.status >= 500 && !CALLER_CODES.has(code)) return left(httpFailure({ response, what, reason: `${message || 'no message'} (code ${code})` }));
    const moved = movedFrom === undefined ? undefined : { movedFrom, movedTo: baseUrl };
    if (code !== MOBIZON_CODES.ok) return left(mobizonFailure({ code, data, message, what, baseUrl, moved }));
    const task = decodeWith(MobizonTaskStatus, data, `${what} (data)`);
    if (task._tag === 'Left') return task;
    const { progress, status } = task.right;
    return right({
      status: statusOf(status),
      // Exactly as sent: "2" stays "2", and "2.0" stays "2.0".
      providerStatus: String((data as { status: unknown }).status).trim(),
      ...(progress === undefined ? {} : { progress: progress / 100 }),
      ...(status === 3 ? { error: { message: message || 'task rejected', code: 'rejected' } } : {}),
      raw: envelope.right.body,
    });
  },
});

interface FailureInput {
  readonly code: number;
  readonly data: unknown;
  readonly message: string;
  readonly what: string;
  readonly baseUrl: string;
  readonly moved: { movedFrom: string; movedTo: string } | undefined;
}

function mobizonFailure({ code, data, message, what, baseUrl, moved }: FailureInput): ProviderFailure | TaskError {
  const because = `${message || 'no message'} (code ${code})`;
  const options = { details: { code, ...moved } };
  if (code === MOBIZON_CODES.notFound) return new TaskNotFoundError(`${what} was not found: ${because}`, options);
  if (AUTH_CODES.has(code)) return new AuthenticationError(`${what} was refused: ${because}`, options);
  if (code === MOBIZON_CODES.rateLimited) {
    return { error: new RateLimitError(`${what} was rate limited: ${because}`, { ...options, retryAfterMs: 1000 }), retryable: true, retryAfterMs: 1000 };
  }
  if (code !== MOBIZON_CODES.wrongDomain) return new ProviderError(`${what}: ${because}`, { ...options, providerCode: code });
  // The account lives on another API domain: the source goes there if it is one of Mobizon's (the core checks the host).
  const domain = domainIn(data, baseUrl);
  if ('refused' in domain) return new ProviderError(`${what}: ${because}; ${domain.refused}`, { ...options, providerCode: code });
  return { error: new ProviderError(`${what}: ${because}`, { ...options, providerCode: code }), retryable: false, moveTo: domain.moveTo };
}

/**
 * Where code 13's `data` says the account lives: a bare host (`api.mobizon.kz`,
 * the scheme kept: plain http only ever on loopback) or an https URL of
 * nothing but a host (`https://api.mobizon.kz`, `https://api.mobizon.kz/`).
 * Anything more would send the key somewhere no domain names: then the
 * reason it is not followed, naming the host at most and never the rest of
 * `data` (a query or a user part may hold a key).
 */
function domainIn(data: unknown, baseUrl: string): { readonly moveTo: string } | { readonly refused: string } {
  const text = typeof data === 'string' ? data.trim() : '';
  if (HOST_NAME.test(text)) return { moveTo: `${new URL(baseUrl).protocol}//${text}` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { refused: 'not moved: `data` names neither a host nor an https URL of one' };
  }
  const flaw = urlFlaw(url, text);
  if (flaw === undefined) return { moveTo: url.origin };
  return { refused: `not moved${url.host === '' ? '' : ` to ${JSON.stringify(url.host.slice(0, 80))}`}: ${flaw}` };
}

/** What, beyond `https://host[:port]` and one `/`, a URL in code 13's `data` holds. */
function urlFlaw(url: URL, text: string): string | undefined {
  if (url.protocol !== 'https:') return 'only an https URL is followed';
  // Read from the text as sent too: the parser drops an empty `?` or `#`, and reads `\` as `/`.
  const [, authority = '', rest = ''] = /^https:\/\/([^/?#]*)(.*)$/is.exec(text) ?? [];
  if (url.username !== '' || url.password !== '' || authority.includes('@')) return 'the URL carries credentials';
  if (url.search !== '' || rest.includes('?')) return 'the URL has a query';
  if (url.hash !== '' || rest.includes('#')) return 'the URL has a fragment';
  if (url.pathname !== '/' || (rest !== '' && rest !== '/')) return 'the URL has a path beyond /';
  if (!HOST_NAME.test(authority)) return 'the URL\'s host is not a plain host name';
  return undefined;
}

function baseUrlOf(options: MobizonOptions): string {
  if (options.baseUrl !== undefined) return options.baseUrl;
  if (options.domain === undefined) {
    throw new TypeError(`Expected \`domain\`: your Mobizon account's API domain, one of ${MOBIZON_DOMAINS.join(', ')} (or another your account uses), or a \`baseUrl\`.`);
  }
  const domain = expectNonEmptyString('domain', options.domain).trim();
  if (!HOST_NAME.test(domain)) throw new TypeError(`Expected \`domain\` to be a host name such as api.mobizon.kz, got "${domain}".`);
  return `https://${domain}`;
}
