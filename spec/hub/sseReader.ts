// A raw reader of a task hub's streams, for the hub's specs: node:http (or node:http2) on 127.0.0.1, events read
// with the library's own SseParser, comments counted beside it. No fetch mock, no EventSource: what goes over the wire.
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import type { ClientHttp2Session } from 'node:http2';
import type { Readable } from 'node:stream';
import { SseParser, type SseEvent } from '../../src/core/sse.js';

/** Closes each socket once its exchange is over (Node 20's global agent keeps them open). */
export const closingAgent = new Agent({ keepAlive: false, maxSockets: Infinity });

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface RequestOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly agent?: Agent;
}

/** Sends a request with a body (JSON unless a string or Buffer is given) and reads the whole answer. */
export function send(url: string, body?: unknown, options: RequestOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: options.method ?? 'POST', headers: { 'content-type': 'application/json', ...options.headers }, agent: options.agent ?? closingAgent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  });
}

/** An open stream, as the hub sends it. */
export interface HubReader {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Every event read so far, in order. */
  readonly events: SseEvent[];
  /** Comment lines read so far (keep-alives). */
  comments(): number;
  /** The stream's id, from its `hello` event (once read). */
  stream(): string;
  /** Whether the connection is over (ended by the hub, or broken). */
  isClosed(): boolean;
  /** Resolves once `done()` holds (checked on every event, comment and close); rejects after `ms`, naming `what`. */
  until(what: string, done: () => boolean, ms?: number): Promise<void>;
  /** The first event read named `name` whose data matches `where`, once it has arrived: its data parsed. */
  next<T = Record<string, unknown>>(name: string, where?: (data: T) => boolean, ms?: number): Promise<T & { readonly id?: string }>;
  /** Every event named `name` read so far, data parsed. */
  all<T = Record<string, unknown>>(name: string): (T & { readonly id?: string })[];
  /** Starts reading a stream opened `paused`. */
  read(): void;
  /** Ends the connection from the page's side. */
  close(): void;
  /** Resolves once the connection is over. */
  readonly closed: Promise<void>;
}

/**
 * Opens a stream: `POST {hub}/streams` with `{ watch }`. Resolves once the
 * answer's headers are in. `paused` reads nothing at all (a page that has stopped
 * reading): the events stay in the socket.
 */
export function openStream(
  hubUrl: string,
  watch: readonly { provider: string; ref: string; have?: string }[],
  options: { readonly headers?: Readonly<Record<string, string>>; readonly agent?: Agent; readonly paused?: boolean } = {},
): Promise<HubReader> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${hubUrl}/streams`,
      { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...options.headers }, agent: options.agent ?? closingAgent },
      (response) => resolve(readStream(response, response.statusCode ?? 0, response.headers, () => outgoing.destroy(), options.paused === true)),
    );
    outgoing.on('error', reject);
    outgoing.end(JSON.stringify({ watch }));
  });
}

/**
 * Opens a stream over HTTP/2, on a connection (`session`) that other streams may share, as every tab of
 * a browser shares one: what {@link openStream} does over HTTP/1.1.
 */
export function openHttp2Stream(
  session: ClientHttp2Session,
  path: string,
  watch: readonly { provider: string; ref: string }[],
  options: { readonly headers?: Readonly<Record<string, string>>; readonly paused?: boolean } = {},
): Promise<HubReader> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': `${path}/streams`, 'content-type': 'application/json', accept: 'text/event-stream', ...options.headers });
    stream.once('response', (headers) => resolve(readStream(stream, Number(headers[':status']), headers, () => stream.close(), options.paused === true)));
    stream.once('error', reject);
    stream.end(JSON.stringify({ watch }));
  });
}

function readStream(response: Readable, status: number, headers: IncomingHttpHeaders, destroy: () => void, paused: boolean): HubReader {
  const events: SseEvent[] = [];
  let comments = 0;
  let partialLine = '';
  let closed = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const parser = new SseParser((event) => events.push(event));
  let markClosed: () => void = () => undefined;
  const closedPromise = new Promise<void>((resolve) => (markClosed = resolve));
  const onClose = () => {
    if (closed) return;
    closed = true;
    markClosed();
    wake();
  };
  response.on('error', onClose);
  response.on('close', onClose);
  response.on('end', onClose);
  let reading = false;
  const read = () => {
    if (reading) return;
    reading = true;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      parser.feed(chunk);
      // The hub writes `\n` line ends only: comments are counted line by line beside the parser.
      const lines = (partialLine + chunk).split('\n');
      partialLine = lines.pop() ?? '';
      comments += lines.filter((line) => line.startsWith(':')).length;
      wake();
    });
  };
  if (!paused) read();
  const parse = <T>(event: SseEvent) => ({ ...(JSON.parse(event.data) as T), ...(event.id === undefined ? {} : { id: event.id }) });
  const reader: HubReader = {
    status,
    headers,
    events,
    comments: () => comments,
    stream: () => {
      const hello = events.find((event) => event.event === 'hello');
      if (hello === undefined) throw new Error('No hello event read yet.');
      return (JSON.parse(hello.data) as { stream: string }).stream;
    },
    isClosed: () => closed,
    until: (what, done, ms = 5000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!done()) return;
          finish();
          resolve();
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`Waited ${ms} ms for ${what}; read: ${events.map((event) => `${event.event} ${event.data.slice(0, 200)}`).join(' | ')}${closed ? ' (closed)' : ''}`));
        }, ms);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    next: async <T>(name: string, where: (data: T) => boolean = () => true, ms?: number) => {
      const find = () => events.find((event) => event.event === name && where(parse<T>(event)));
      await reader.until(`a ${name} event`, () => find() !== undefined, ms);
      return parse<T>(find() as SseEvent);
    },
    all: <T>(name: string) => events.filter((event) => event.event === name).map((event) => parse<T>(event)),
    read,
    close: () => {
      destroy();
      response.destroy();
    },
    closed: closedPromise,
  };
  return reader;
}

/** Waits until `done()` holds, checking every few ms; rejects after `ms`, naming `what`. For conditions nothing announces (a request log, a socket count). */
export async function eventually(what: string, done: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`Waited ${ms} ms for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
