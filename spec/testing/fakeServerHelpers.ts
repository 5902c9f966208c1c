// Shared by the fake server's specs: a clock moved by hand, and one request helper per provider.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { signStreamToken, startFakeProviderServer, type FakeProviderServer, type FakeProviderServerOptions } from '../../src/testing/index.js';

/** 2025-12-13T10:25:15.856Z: the instant of WIRE.md's Stream examples. */
export const T0 = 1765621515856;

export interface ManualClock {
  readonly now: () => number;
  advance(ms: number): void;
}

export function manualClock(start = T0): ManualClock {
  let time = start;
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
  };
}

/** A fake server on a clock the test moves. */
export async function startOnClock(options: FakeProviderServerOptions = {}): Promise<{ server: FakeProviderServer; clock: ManualClock }> {
  const clock = manualClock();
  const server = await startFakeProviderServer({ ...options, clock: clock.now });
  return { server, clock };
}

export interface StreamGetOptions {
  readonly legacy?: boolean;
  readonly apiKey?: string | null;
  /** A token, or null for no Authorization header. Default: a valid server token. */
  readonly token?: string | null;
  readonly authType?: string | null;
  readonly headers?: Record<string, string>;
}

export async function streamGet(server: FakeProviderServer, id: string, options: StreamGetOptions = {}): Promise<Response> {
  const token = options.token === undefined ? await signStreamToken(server.credentials.stream.apiSecret) : options.token;
  const apiKey = options.apiKey === undefined ? server.credentials.stream.apiKey : options.apiKey;
  const path = `${options.legacy ? '/tasks' : '/api/v2/tasks'}/${encodeURIComponent(id)}`;
  const query = apiKey === null ? '' : `?api_key=${encodeURIComponent(apiKey)}`;
  const headers: Record<string, string> = { ...options.headers };
  if (token !== null) headers.authorization = token;
  const authType = options.authType === undefined ? 'jwt' : options.authType;
  if (authType !== null) headers['stream-auth-type'] = authType;
  return fetch(`${server.url}${path}${query}`, { headers });
}

export interface MobizonPostOptions {
  readonly apiKey?: string;
  readonly body?: string;
  /** The query before `apiKey`. Default `output=json&api=v1`, as WIRE.md says. */
  readonly query?: string;
  /** Default `application/x-www-form-urlencoded`; `null`: no Content-Type header. */
  readonly contentType?: string | null;
}

/** A Taskqueue/GetStatus request, shaped as WIRE.md says unless options change it. */
export function mobizonPost(server: FakeProviderServer, id: string | undefined, options: MobizonPostOptions = {}): Promise<Response> {
  const apiKey = options.apiKey ?? server.credentials.mobizon.apiKey;
  const query = options.query ?? 'output=json&api=v1';
  const contentType = options.contentType === undefined ? 'application/x-www-form-urlencoded' : options.contentType;
  const body = options.body ?? (id === undefined ? '' : new URLSearchParams({ id }).toString());
  // A Blob without a type keeps fetch from adding a Content-Type of its own to a string body.
  return fetch(`${server.url}/service/taskqueue/getstatus?${query}${query === '' ? '' : '&'}apiKey=${encodeURIComponent(apiKey)}`, {
    method: 'POST',
    headers: contentType === null ? {} : { 'content-type': contentType },
    body: contentType === null ? new Blob([body]) : body,
  });
}

/** The `Accept` header Postman's API Builder endpoints need (v10 of its API). */
export const POSTMAN_V10 = 'application/vnd.api.v10+json';

/**
 * A GET as a Postman client sends it: `x-api-key`, and on an API Builder path
 * (`/apis/…`) `Accept: application/vnd.api.v10+json` unless `accept` says
 * otherwise (`null`: no Accept header).
 */
export function postmanGet(server: FakeProviderServer, path: string, options: { apiKey?: string | null; accept?: string | null } = {}): Promise<Response> {
  const apiKey = options.apiKey === undefined ? server.credentials.postman.apiKey : options.apiKey;
  const accept = options.accept === undefined ? (path.startsWith('/apis/') ? POSTMAN_V10 : 'application/json') : options.accept;
  const headers: Record<string, string> = {};
  if (apiKey !== null) headers['x-api-key'] = apiKey;
  if (accept !== null) headers.accept = accept;
  return fetch(`${server.url}${path}`, { headers });
}

/** Response headers as a plain object (lower-case names), for exact assertions. */
export function headersOf(response: Response): Record<string, string> {
  return Object.fromEntries(response.headers.entries());
}

/** What a raw socket read: for what fetch hides (a body shorter than its Content-Length, an early close). */
export interface RawExchange {
  readonly status?: number;
  readonly headers?: IncomingHttpHeaders;
  readonly body: string;
  /** How the exchange ended. */
  readonly ending: 'complete' | 'aborted' | 'error';
  readonly error?: NodeJS.ErrnoException;
}

/** One request with node:http and no keep-alive, reading as much as arrives. */
export function rawRequest(
  url: string,
  { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let head: { status?: number; headers?: IncomingHttpHeaders } = {};
    const finish = (ending: RawExchange['ending'], error?: NodeJS.ErrnoException) =>
      resolve({ ...head, body: Buffer.concat(chunks).toString('utf8'), ending, ...(error === undefined ? {} : { error }) });
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      head = { status: res.statusCode as number, headers: res.headers };
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => finish('complete'));
      res.on('aborted', () => finish('aborted'));
      res.on('error', (error) => finish('error', error));
    });
    req.on('error', (error) => finish('error', error));
    req.end(body);
  });
}
