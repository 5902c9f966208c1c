import { headerValues, type HeaderReader } from './headerValues.js';

/** The parts of a fetch `Response` the body reader needs; WHATWG and node-fetch bodies both fit. */
export interface ResponseLike {
  /** The response headers. */
  readonly headers: HeaderReader;
  /**
   * The body as a stream: a WHATWG `ReadableStream` or a Node async iterable.
   * Read chunk by chunk so the size cap stops the download early; when absent,
   * `text()` is used and the cap checked afterwards.
   */
  readonly body?: unknown;
  /** The whole body as text; used only when `body` is not a stream. */
  text(): Promise<string>;
}

/** Thrown by {@link readBodyCapped} when the body is larger than allowed. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`response body exceeds ${limit} bytes`);
  }
}

/**
 * Reads a response body as UTF-8 text, stopping (and cancelling the rest of the
 * download) as soon as it passes `limit` bytes, so an oversized or endless body
 * is never buffered whole.
 */
export function readBodyCapped(response: ResponseLike, limit: number): Promise<string> {
  const { declared, identity } = framingOf(response);
  const body = response.body;
  if (declared !== undefined && declared > limit) {
    cancelBody(body);
    return Promise.reject(new BodyTooLargeError(limit));
  }
  // A declared length within the cap bounds the body already (HTTP framing reads no more): read it in one go,
  // which is much cheaper than chunk by chunk. Not for a compressed body: its length is not the text's.
  // The promise of `text()` itself, not one wrapped around it: this is every poll's path.
  if (declared !== undefined && identity) return response.text();
  if (isWebStream(body)) return readWebStream(body, limit);
  if (isAsyncIterable(body)) return readNodeStream(body, limit);
  return readWhole(response, limit);
}

/** A fetch without a streaming body: the best left is to check after the fact. */
async function readWhole(response: ResponseLike, limit: number): Promise<string> {
  const text = await response.text();
  if (new TextEncoder().encode(text).byteLength > limit) throw new BodyTooLargeError(limit);
  return text;
}

async function readWebStream(body: ReadableStream<Uint8Array>, limit: number): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw new BodyTooLargeError(limit);
      }
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
  return text + decoder.decode();
}

async function readNodeStream(body: AsyncIterable<unknown> & { destroy?: () => void }, limit: number): Promise<string> {
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for await (const chunk of body) {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array);
    size += bytes.byteLength;
    if (size > limit) {
      body.destroy?.();
      throw new BodyTooLargeError(limit);
    }
    text += decoder.decode(bytes, { stream: true });
  }
  return text + decoder.decode();
}

const FRAMING_HEADERS: ReadonlySet<string> = new Set(['content-length', 'content-encoding']);

/** The body's declared length (a whole number of bytes, or none) and whether it is sent as is (no `Content-Encoding`, or `identity`). */
function framingOf(response: ResponseLike): { declared: number | undefined; identity: boolean } {
  const framing = headerValues(response.headers, FRAMING_HEADERS);
  const length = framing.get('content-length');
  const encoding = framing.get('content-encoding')?.trim().toLowerCase();
  return {
    declared: length !== undefined && /^\s*\d+\s*$/.test(length) ? Number(length) : undefined,
    identity: encoding === undefined || encoding === '' || encoding === 'identity',
  };
}

/** Lets go of a body that will not be read (a redirect's), so its connection is freed. */
export function cancelBody(body: unknown): void {
  if (isWebStream(body)) body.cancel().catch(() => undefined);
  else (body as { destroy?: () => void } | undefined)?.destroy?.();
}

export function isWebStream(body: unknown): body is ReadableStream<Uint8Array> {
  return typeof (body as ReadableStream | undefined)?.getReader === 'function';
}

export function isAsyncIterable(body: unknown): body is AsyncIterable<unknown> & { destroy?: () => void } {
  return typeof (body as AsyncIterable<unknown> | undefined)?.[Symbol.asyncIterator] === 'function';
}
