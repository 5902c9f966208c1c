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

export function mobizonPost(server: FakeProviderServer, id: string | undefined, options: { apiKey?: string; body?: string } = {}): Promise<Response> {
  const apiKey = options.apiKey ?? server.credentials.mobizon.apiKey;
  return fetch(`${server.url}/service/taskqueue/getstatus?output=json&api=v1&apiKey=${encodeURIComponent(apiKey)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: options.body ?? (id === undefined ? '' : new URLSearchParams({ id }).toString()),
  });
}

export function postmanGet(server: FakeProviderServer, path: string, options: { apiKey?: string | null } = {}): Promise<Response> {
  const apiKey = options.apiKey === undefined ? server.credentials.postman.apiKey : options.apiKey;
  return fetch(`${server.url}${path}`, { headers: apiKey === null ? {} : { 'x-api-key': apiKey } });
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
