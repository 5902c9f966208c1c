import { Readable } from 'node:stream';
import { BodyTooLargeError, readBodyCapped, type ResponseLike } from '../../src/core/readBody.js';

/** A response as a fetch gives it: headers by `get`, and by node-fetch's `raw()` map when `raw` is set; the body as a Node stream. */
function response(headers: Record<string, string>, body: string, { raw = false } = {}): ResponseLike & { textCalls: number } {
  const lower = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  const stream = Readable.from([Buffer.from(body)]);
  const result = {
    textCalls: 0,
    headers: {
      get: (name: string) => lower.get(name.toLowerCase()) ?? null,
      ...(raw ? { raw: () => Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])) } : {}),
    },
    body: stream,
    text: async () => {
      result.textCalls++;
      return body;
    },
  };
  return result;
}

describe('readBodyCapped', () => {
  it.each([false, true])('reads a body of declared length within the cap in one go (raw() map: %s)', async (raw) => {
    const given = response({ 'content-length': '11' }, '{"ok":true}', { raw });

    await expect(readBodyCapped(given, 100)).resolves.toBe('{"ok":true}');
    expect(given.textCalls).toBe(1);
  });

  it.each([false, true])('refuses a declared length over the cap without reading the body (raw() map: %s)', async (raw) => {
    const given = response({ 'Content-Length': '5000' }, 'x', { raw });

    await expect(readBodyCapped(given, 100)).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(given.textCalls).toBe(0);
  });

  it.each([false, true])('reads a compressed body chunk by chunk under the cap, whatever the case of its header names (raw() map: %s)', async (raw) => {
    // The declared length is the compressed one: it bounds nothing of the text fetch hands over.
    const given = response({ 'Content-Length': '10', 'Content-Encoding': 'gzip' }, 'y'.repeat(500), { raw });

    await expect(readBodyCapped(given, 100)).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(given.textCalls).toBe(0);
  });

  it('takes `identity` as no encoding at all', async () => {
    const given = response({ 'content-length': '2', 'content-encoding': ' Identity ' }, '{}', { raw: true });

    await expect(readBodyCapped(given, 100)).resolves.toBe('{}');
    expect(given.textCalls).toBe(1);
  });
});
