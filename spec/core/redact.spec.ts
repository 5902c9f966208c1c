import { TransportError } from '../../src/core/errors/index.js';
import { createRedactor, redactError } from '../../src/core/redact.js';

const KEY = 'sk_live_4f9a8b7c6d5e';
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzZXJ2ZXIiOnRydWV9.c2lnbmF0dXJlLXZhbHVl';

describe('createRedactor', () => {
  const redact = createRedactor([KEY, undefined, '']);

  it('removes every known secret, as given and URL-encoded', () => {
    const weird = createRedactor(['a b/c']);
    expect(redact(`key ${KEY} and ${KEY}`)).toBe('key [redacted] and [redacted]');
    expect(weird('x?k=a%20b%2Fc and a b/c')).not.toContain('a b/c');
    expect(weird('x?k=a%20b%2Fc')).not.toContain('a%20b%2Fc');
  });

  it('removes credentials it was not told about: query parameters, headers, JWTs', () => {
    const text = `GET https://h/p?api_key=abc123&id=7 apiKey=zzz9 Authorization: ${JWT} x-api-key: PMAK-1 token=t0k`;
    const out = redact(text);
    for (const secret of ['abc123', 'zzz9', JWT, 'PMAK-1', 't0k']) expect(out).not.toContain(secret);
    expect(out).toContain('id=7');
  });

  it('leaves ordinary text alone', () => {
    expect(redact('Task 42 failed: channel not found')).toBe('Task 42 failed: channel not found');
  });
});

describe('redactError', () => {
  it('cleans message, stack, details and a foreign cause chain, keeping the cause code', () => {
    const inner = Object.assign(new Error(`connect ECONNREFUSED while fetching https://h/?apiKey=${KEY}`), { code: 'ECONNREFUSED' });
    const cause = new Error(`request to https://h/tasks?api_key=${KEY} failed`, { cause: inner });
    const error = new TransportError(`GET failed for ${KEY}`, { reason: 'network', cause, details: { url: `https://h/?api_key=${KEY}`, list: [KEY] } });
    redactError(error, createRedactor([KEY]));
    const everything = [error.message, error.stack, String(error), JSON.stringify(error), JSON.stringify(error.details)];
    const causes: unknown[] = [];
    for (let c: unknown = error.cause; c instanceof Error; c = c.cause) causes.push(c.message, c.stack, String(c));
    for (const text of [...everything, ...causes]) expect(String(text)).not.toContain(KEY);
    expect(error.cause).not.toBe(cause); // a copy: foreign errors are not ours to change
    expect(((error.cause as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
  });
});
