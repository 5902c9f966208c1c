import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FetchLike } from './http.js';

/**
 * The default fetch in Node: the part of `fetch` a source uses (one request,
 * `redirect: 'manual'`, a text body, an abort signal), straight on `node:http`
 * and `node:https` through Node's global agents (which keep connections alive
 * and honour a server's `Keep-Alive: timeout`).
 *
 * Why not cross-fetch (node-fetch 2), which it replaces: node-fetch builds a
 * WHATWG `Headers` (a regular expression per name, every name lower-cased on
 * every `get`), pipes each body through a `PassThrough` and parses each URL
 * twice. Measured side by side (a client polling the fake Postman server as
 * fast as it goes, 8 requests in flight): node-fetch + `json()` took about
 * 190 µs of CPU per request, `node:http` + `JSON.parse` about 100 µs; see
 * bench/overhead.bench.ts, where the default path's CPU per poll is measured
 * against every other poller's.
 *
 * What it keeps of fetch: the status, headers read case-insensitively (`get`,
 * several values joined with `, `), the body as `text()` or as a Node stream,
 * a `Content-Length` for a text body, `Accept: *\/*` and a `User-Agent`
 * unless the request sets them, a body sent `gzip`, `deflate` or `br` decoded (none is asked for: task
 * answers are small, and a decoded body is read chunk by chunk under the size
 * cap). No redirect is ever followed here (the transport decides), and the
 * signal is let go of once the body has ended, so that a signal may carry the
 * next request (see `HttpTransportOptions.reusesSignals`).
 */
export const nodeFetch: FetchLike = (url, init) =>
  new Promise((resolve, reject) => {
    const { signal } = init;
    if (signal.aborted) {
      reject(abortError());
      return;
    }
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined;
    if (send === undefined) {
      reject(new TypeError(`Only http: and https: URLs can be fetched, not ${target.protocol}`));
      return;
    }
    const headers: Record<string, string | number> = { ...init.headers };
    if (!hasHeader(headers, 'accept')) headers.accept = '*/*';
    // node:http sends no User-Agent of its own, and some API gateways turn a request without one away.
    if (!hasHeader(headers, 'user-agent')) headers['user-agent'] = USER_AGENT;
    if (init.body !== undefined && !hasHeader(headers, 'content-length')) headers['content-length'] = Buffer.byteLength(init.body);
    const request = send(target, { method: init.method, headers });
    const onAbort = () => request.destroy(abortError());
    const release = () => signal.removeEventListener('abort', onAbort);
    signal.addEventListener('abort', onAbort);
    // `on`, not `once`: a request may fail twice (a reset after an abort), and an error without a listener is thrown at the process.
    request.on('error', (error) => {
      release();
      reject(error);
    });
    request.once('response', (message: IncomingMessage) => {
      // Before any reader's: the signal is let go of as the body ends, ahead of whatever the end of the body starts.
      message.once('end', release);
      message.once('close', release);
      resolve(new NodeResponse(message));
    });
    request.end(init.body);
  });

/** What the default fetch calls itself, unless the request names another agent. */
const USER_AGENT = 'rx-task-status';

/** A response as the transport reads it: what `fetch`'s `Response` would say. */
class NodeResponse {
  readonly status: number;
  readonly headers: NodeHeaders;
  /** The body, decoded where the server encoded it; read once, as text or as a stream. */
  readonly body: Readable;

  constructor(message: IncomingMessage) {
    this.status = message.statusCode ?? 0;
    this.headers = new NodeHeaders(message.headers);
    this.body = decoded(message);
  }

  /** The whole body as UTF-8 text; rejects if the connection ends before the body does. */
  text(): Promise<string> {
    const body = this.body;
    return new Promise((resolve, reject) => {
      if (body.errored !== null) {
        reject(body.errored);
        return;
      }
      const chunks: Buffer[] = [];
      body.on('data', (chunk: Buffer) => chunks.push(chunk));
      body.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')));
      body.once('error', reject);
      body.once('close', () => {
        if (!body.readableEnded) reject(new Error('The connection closed before the body ended.'));
      });
    });
  }
}

/** `Headers.get` over Node's map of lower-case names (several values of one name are joined, as fetch does). */
class NodeHeaders {
  constructor(private readonly all: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.all[name.toLowerCase()];
    if (value === undefined) return null;
    return typeof value === 'string' ? value : value.join(', ');
  }
}

/**
 * The body as sent, or decoded when its `Content-Encoding` is one Node can
 * undo. Errors of the body (a connection reset, a corrupt encoding) reach its
 * readers through their own listeners; the one here keeps the error of a
 * body nobody reads (the transport had moved on) from being thrown at the
 * process.
 */
function decoded(message: IncomingMessage): Readable {
  const ignore = () => undefined;
  message.on('error', ignore);
  const encoding = message.headers['content-encoding']?.trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  if (decoder === undefined) return message;
  decoder.on('error', ignore);
  message.pipe(decoder);
  // A reset connection ends the decoded body too, and destroying the decoded body (a reader giving up) frees the connection.
  message.once('error', (error) => decoder.destroy(error));
  message.once('close', () => {
    if (!message.readableEnded) decoder.destroy(new Error('The connection closed before the body ended.'));
  });
  decoder.once('close', () => message.destroy());
  return decoder;
}

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  for (const key in headers) if (key.toLowerCase() === name) return true;
  return false;
}

/** What fetch rejects with on an abort: a `DOMException` named `AbortError`. */
function abortError(): Error {
  return new DOMException('The operation was aborted.', 'AbortError');
}
