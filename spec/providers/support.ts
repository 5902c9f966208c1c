// Shared by the provider specs: a recording proxy in front of the fake server,
// a collector for a watch, and the "no secret anywhere" check.
import { request as httpRequest } from 'node:http';
import { inspect } from 'node:util';
import type { Observable } from 'rxjs';
import { startTestServer, type RecordedRequest, type TestServer } from '../support/httpServer.js';

/**
 * A plain HTTP proxy on 127.0.0.1, port 0, that records each request exactly
 * as it arrived on the wire (method, path and query, headers, body) and
 * forwards it to `target` (the fake provider server) unchanged. The fake
 * server checks credentials; the proxy lets a test read what carried them.
 */
export async function startRecordingProxy(target: string): Promise<TestServer> {
  const upstream = new URL(target);
  return startTestServer((req, res, recorded) => {
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: recorded.method, path: recorded.url, headers: { ...req.headers, host: upstream.host }, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    forward.end(recorded.body);
  });
}

/** One header of a recorded request, as a single string. */
export function headerOf(request: RecordedRequest | undefined, name: string): string | undefined {
  const value = request?.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

export interface Outcome<T> {
  readonly values: T[];
  readonly error?: unknown;
  readonly completed: boolean;
}

/** Subscribes until the stream ends, and says how it ended. Never rejects. */
export function collect<T>(source: Observable<T>): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    const values: T[] = [];
    source.subscribe({
      next: (value) => values.push(value),
      error: (error: unknown) => resolve({ values, error, completed: false }),
      complete: () => resolve({ values, completed: true }),
    });
  });
}

/** Anything shaped like a JWT: three base64url segments, the first a JSON header. */
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./;

/**
 * Fails when any secret (or anything that looks like a JWT) can be read from
 * an error in any of the ways a user shows one: its message, `String(err)`,
 * `JSON.stringify(err)`, its stack, and `util.inspect` (what console.log prints,
 * causes included).
 */
export function expectNoSecrets(error: unknown, secrets: readonly string[]): void {
  expect(error).toBeInstanceOf(Error);
  const err = error as Error;
  const views = {
    message: err.message,
    string: String(err),
    json: JSON.stringify(err),
    stack: err.stack ?? '',
    inspect: inspect(err, { depth: 10 }),
  };
  for (const [view, text] of Object.entries(views)) {
    for (const secret of secrets) {
      if (text.includes(secret) || text.includes(encodeURIComponent(secret))) throw new Error(`The error's ${view} shows a secret: ${text}`);
    }
    if (JWT.test(text)) throw new Error(`The error's ${view} shows a JWT: ${text}`);
  }
}
