/**
 * Server-Sent Events framing, both ways (the WHATWG HTML standard's
 * "event stream" format): the hub writes events with {@link sseEvent}, and
 * `hubTasks` reads them with {@link SseParser}, from `fetch` rather than
 * `EventSource` (which can send no header, such as `Authorization`). Small
 * enough to write: the libraries measured either ignore backpressure on the
 * server side or read only through `EventSource` on the client side.
 */

/** One event as the stream carries it. */
export interface SseEvent {
  /** `event:`; `message` when the event names none. */
  readonly event: string;
  readonly data: string;
  /** `id:`, when the event has one. */
  readonly id?: string | undefined;
}

/**
 * An event's frame. `data` may hold line breaks (each line gets its own
 * `data:` field); `event` and `id` may not, and an `id` may not hold NUL,
 * as the standard says.
 */
export function sseEvent(event: string, data: string, id?: string): string {
  if (/[\r\n]/.test(event) || (id !== undefined && /[\r\n\0]/.test(id))) throw new TypeError('An SSE event name or id cannot hold a line break.');
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\n${lines.join('')}\n`;
}

/** A comment line: ignored by readers, it keeps proxies from closing an idle stream. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/**
 * Reads an event stream fed in chunks of text, cut anywhere (even between
 * `\r` and `\n`). Each complete event goes to `onEvent`; comments, `retry:`
 * and unknown fields are skipped. A line longer than `maxLineLength` is an
 * error (a stream that is not SSE, or a hostile one, cannot grow the buffer
 * without bound).
 */
export class SseParser {
  #buffer = '';
  #data: string[] = [];
  /** The characters of `data` so far, at most `maxEventLength`. */
  #dataLength = 0;
  #event = '';
  #id: string | undefined;
  /** The last chunk ended with `\r`: a `\n` that starts the next one belongs to it. */
  #pendingCr = false;

  readonly #onEvent: (event: SseEvent) => void;
  readonly #maxLineLength: number;
  readonly #maxEventLength: number;

  constructor(
    onEvent: (event: SseEvent) => void,
    maxLineLength = 1024 * 1024,
    /** The most data one event may hold, across its lines: a stream that never ends an event cannot grow it without bound. */
    maxEventLength = 4 * 1024 * 1024,
  ) {
    this.#onEvent = onEvent;
    this.#maxLineLength = maxLineLength;
    this.#maxEventLength = maxEventLength;
  }

  feed(chunk: string): void {
    // An empty chunk (a decoder holding back half a character) changes nothing: a `\r` before it still pairs with a `\n` after it.
    if (chunk === '') return;
    let text = chunk;
    if (this.#pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.#pendingCr = text.endsWith('\r');
    this.#buffer += text;
    let start = 0;
    // The next `\r`, looked for again only once passed: a stream without any is read in one pass.
    let cr = this.#buffer.indexOf('\r');
    for (;;) {
      if (cr !== -1 && cr < start) cr = this.#buffer.indexOf('\r', start);
      const lf = this.#buffer.indexOf('\n', start);
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (end === -1) break;
      this.#checkLength(end - start);
      this.#line(this.#buffer.slice(start, end));
      start = end + (this.#buffer[end] === '\r' && this.#buffer[end + 1] === '\n' ? 2 : 1);
    }
    this.#buffer = this.#buffer.slice(start);
    this.#checkLength(this.#buffer.length);
  }

  /** A line too long is an error whether it came whole in one chunk or is still coming. */
  #checkLength(length: number): void {
    if (length > this.#maxLineLength) throw new RangeError(`An event stream line is longer than ${this.#maxLineLength} characters.`);
  }

  #line(line: string): void {
    if (line === '') {
      this.#dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.#dataLength += value.length + 1;
      if (this.#dataLength > this.#maxEventLength) throw new RangeError(`An event stream event holds more than ${this.#maxEventLength} characters of data.`);
      this.#data.push(value);
    } else if (field === 'event') this.#event = value;
    // The last event id outlives its event, as the standard says: later events without an `id:` carry it too.
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
  }

  #dispatch(): void {
    const data = this.#data;
    const event = this.#event;
    const id = this.#id;
    this.#data = [];
    this.#dataLength = 0;
    this.#event = '';
    if (data.length === 0) return;
    this.#onEvent({ event: event === '' ? 'message' : event, data: data.join('\n'), ...(id === undefined ? {} : { id }) });
  }
}
