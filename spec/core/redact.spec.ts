import { DecodeError, TransportError } from '../../src/core/errors/index.js';
import { createRedactor, excerpt, redactError, safeText } from '../../src/core/redact.js';

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

describe('the redactor on hostile text', () => {
  const redact = createRedactor(['PMAK-61d4e9b0f2a7c3e8', 'k9']);
  const MB = 1024 * 1024;
  // Shapes that would make a pattern rescan the text from each of many starts: each must stay linear.
  const adversarial: Record<string, string> = {
    'eyJ repeated': 'eyJ'.repeat(MB / 3),
    'JWT-like runs with one dot': `eyJ${'a'.repeat(100)}.${'b'.repeat(100)}`.repeat(MB / 204),
    'one-character segments': 'eyJa.'.repeat(MB / 5),
    'header names and spaces': `authorization${' '.repeat(40)}`.repeat(MB / 53),
    'header names and a colon': `x-api-key:${' '.repeat(40)}`.repeat(MB / 50),
    'parameter names with no value end': `&apikey=${'a'.repeat(1000)}`.repeat(MB / 1008),
    'spaces then key=': `${' '.repeat(100)}key=`.repeat(MB / 104),
    'a short key everywhere': 'k9'.repeat(MB / 2),
    'one long token': 'a'.repeat(MB),
  };

  it.each(Object.entries(adversarial))('is linear on 1 MB of %s (well under a second; the JWT pattern once took hours)', (_name, text) => {
    const started = performance.now();
    redact(text);
    // A generous bound on a shared, busy machine: linear code takes a few ms here, a quadratic one minutes.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('removes a short key only where it stands as a whole token, and a long one wherever it is', () => {
    const short = createRedactor(['a']);
    expect(short('GET https://h/collection-updates-tasks/x failed; apiKey=a&b')).toBe('GET https://h/collection-updates-tasks/x failed; apiKey=[redacted]&b');
    expect(short('the key is a.')).toBe('the key is [redacted].');
    const long = createRedactor(['PMAK-61d4e9b0']);
    expect(long('xPMAK-61d4e9b0y')).toBe('x[redacted]y');
  });

  it('redacts once: a second pass changes nothing, even with a key inside the marker', () => {
    for (const secret of ['a', 'e', 'redacted', '[', '--']) {
      const once = createRedactor([secret]);
      const text = `id ${secret} and ${secret}-x and [redacted]`;
      expect(once(once(text))).toBe(once(text));
    }
  });

  it('never lets a secret out, short, punctuation-only or equal to the task id', () => {
    const cases: Array<[string, string]> = [
      ['a', 'apiKey=a'],
      ['--', 'token: -- and x=--'],
      ['***', 'key *** here'],
      ['task-42', 'Postman task task-42 was not found'],
    ];
    for (const [secret, text] of cases) expect(createRedactor([secret])(text).split(/[\s=&:]/)).not.toContain(secret);
  });

  it('cuts a quote without cutting a key in two: at the next delimiter, then a marker', () => {
    const key = 'PMAK-61d4e9b0f2a7c3e8';
    const quoted = excerpt(`${'x'.repeat(110)}${key}&rest`, 120);
    expect(quoted).toBe(`${'x'.repeat(110)}${key}…`);
    expect(redact(quoted)).toBe(`${'x'.repeat(110)}[redacted]…`);
    expect(excerpt('short', 120)).toBe('short');
  });

  it('makes text printable and short once clean: controls escaped, at most 1000 characters', () => {
    const text = safeText(`\u001b[2J\nline\u202e PMAK-61d4e9b0f2a7c3e8 ${'z'.repeat(5000)}`, redact);
    expect(text).toMatch(/^\\u001b\[2J\\u000aline\\u202e \[redacted\] z+…$/);
    expect(text).toHaveLength(1000);
  });
});

describe('redactError on hostile data', () => {
  it('cleans details at any depth, cutting what is past 64 levels or 2000 values instead of keeping it unread', () => {
    let deep: unknown = { key: 'PMAK-61d4e9b0f2a7c3e8' };
    for (let level = 0; level < 100; level++) deep = { level, deep };
    const error = redactError(new TransportError('x', { reason: 'status', details: { deep, wide: Array.from({ length: 10_000 }, (_, i) => i) } }), createRedactor(['PMAK-61d4e9b0f2a7c3e8']));
    const json = JSON.stringify(error);
    expect(json).not.toContain('PMAK-61d4e9b0f2a7c3e8');
    expect(json).toContain('[…]');
    expect(json.length).toBeLessThan(50_000);
  });

  it('keeps a key named __proto__ as a key, and the copy a plain object', () => {
    const details = JSON.parse('{"__proto__":{"polluted":true},"ok":1}') as unknown;
    const error = redactError(new TransportError('x', { reason: 'status', details }), createRedactor([]));
    const copy = error.details as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'ok']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('rewrites the first line of the stack with the clean message, and cleans the paths of a DecodeError', () => {
    const error = redactError(new DecodeError('bad \u001b[2J\nforged', { paths: [`status: expected string, got "${'q'.repeat(500)}"`] }), createRedactor([]));
    expect(error.stack?.split('\n')[0]).toBe('DecodeError: bad \\u001b[2J\\u000aforged');
    expect(error.paths[0]?.length).toBeLessThanOrEqual(200);
  });
});
