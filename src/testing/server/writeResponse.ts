import type { ServerResponse } from 'node:http';
import type { ConnectionTracker } from './connectionTracker.js';
import type { TransportFault } from '../faults/fault.js';
import { isPlainObject } from '../../core/validate.js';
import type { WireResponse } from './wireResponse.js';

/** How a response went out. */
export interface Delivery {
  /** The status line sent; absent when none was (a reset or hang before headers). */
  readonly status?: number | undefined;
  /** The server itself cut the exchange on purpose: if it ends early, the client did not go away. */
  readonly brokenByServer: boolean;
  /** Body bytes handed to the socket so far (an oversized body keeps counting while it streams). */
  readonly bytesSent: () => number;
}

// Long enough for the client to have read the headers and the first half before the reset discards the rest.
const RESET_DELAY_MS = 25;
const CHUNK_BYTES = 64 * 1024;
const DEFAULT_OVERSIZED_BYTES = 2 * 1024 * 1024;

/** Writes a response to the socket, broken on the way if a transport fault says so. */
export function writeResponse({
  res,
  response,
  fault,
  headers,
  connections,
}: {
  res: ServerResponse;
  response: WireResponse;
  fault: TransportFault | undefined;
  /** Sent on every response (CORS). */
  headers: Readonly<Record<string, string>>;
  connections: ConnectionTracker;
}): Delivery {
  const text = response.text ?? toJsonText(response.body);
  const contentType = fault?.kind === 'wrong-content-type' ? (fault.contentType ?? 'text/html; charset=utf-8') : response.contentType;
  const head = { ...headers, ...response.headers, 'Content-Type': contentType };
  const full = { ...head, 'Content-Length': String(Buffer.byteLength(text)) };
  const firstHalf = text.slice(0, Math.floor(text.length / 2));
  const { status } = response;
  let sent = 0;
  const bytesSent = () => sent;
  const write = (chunk: string, done?: () => void): boolean => {
    sent += Buffer.byteLength(chunk);
    return done === undefined ? res.write(chunk) : res.write(chunk, done);
  };
  switch (fault?.kind) {
    case undefined:
    case 'wrong-content-type':
      res.writeHead(status, full);
      write(text);
      res.end();
      return { status, brokenByServer: false, bytesSent };
    case 'malformed-json': {
      // A strict prefix of a JSON object is never valid JSON: the body is complete on the wire, but unreadable.
      res.writeHead(status, { ...head, 'Content-Length': String(Buffer.byteLength(firstHalf)) });
      write(firstHalf);
      res.end();
      return { status, brokenByServer: false, bytesSent };
    }
    case 'truncated-body':
      res.writeHead(status, full);
      write(firstHalf, () => res.socket?.end());
      return { status, brokenByServer: true, bytesSent };
    case 'connection-reset':
      if ((fault.stage ?? 'before-headers') === 'before-headers') {
        res.socket?.resetAndDestroy();
        return { brokenByServer: true, bytesSent };
      }
      res.writeHead(status, full);
      write(firstHalf, () => connections.after(RESET_DELAY_MS, () => res.socket?.resetAndDestroy()));
      return { status, brokenByServer: true, bytesSent };
    case 'hang':
      // Abandoned, not cut: if the exchange ends, it is the client giving up (or the server closing).
      if ((fault.stage ?? 'mid-body') === 'before-headers') return { brokenByServer: false, bytesSent };
      res.writeHead(status, full);
      write(firstHalf);
      return { status, brokenByServer: false, bytesSent };
    case 'oversized-body':
      streamOversized({ res, status, head, text, bytes: fault.bytes ?? DEFAULT_OVERSIZED_BYTES, write });
      return { status, brokenByServer: false, bytesSent };
  }
}

/**
 * The body with a `padding` field making it `bytes` long, sent chunked (no
 * Content-Length) as the socket drains: a client's size cap can be tested
 * without the server ever holding the whole body.
 */
function streamOversized({
  res,
  status,
  head,
  text,
  bytes,
  write,
}: {
  res: ServerResponse;
  status: number;
  head: Record<string, string>;
  text: string;
  bytes: number;
  write: (chunk: string) => boolean;
}): void {
  const isObject = text.startsWith('{') && text.endsWith('}');
  const opening = isObject ? `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}"padding":"` : text;
  const closing = isObject ? '"}' : '';
  let left = Math.max(0, bytes - Buffer.byteLength(opening) - closing.length);
  res.writeHead(status, head);
  write(opening);
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      const size = Math.min(CHUNK_BYTES, left);
      left -= size;
      if (!write('x'.repeat(size))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) {
      write(closing);
      res.end();
    }
  };
  pump();
}

/**
 * JSON.stringify, except that a `bigint` is written as its exact integer
 * digits. Stream's nanosecond timestamps (1765621515856428000) are beyond
 * 2^53: as a `number` they would lose their last digits on the wire.
 */
export function toJsonText(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined || typeof item === 'function' ? 'null' : toJsonText(item))).join(',')}]`;
  if (isPlainObject(value)) {
    const members = Object.entries(value)
      .filter(([, member]) => member !== undefined && typeof member !== 'function')
      .map(([key, member]) => `${JSON.stringify(key)}:${toJsonText(member)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
