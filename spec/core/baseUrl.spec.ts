import { checkBaseUrl, joinUrl } from '../../src/core/baseUrl.js';

describe('checkBaseUrl', () => {
  it('accepts https and strips a trailing slash', () => {
    expect(checkBaseUrl('https://api.example.com/')).toBe('https://api.example.com');
    expect(checkBaseUrl('https://api.example.com/v1/')).toBe('https://api.example.com/v1');
  });

  it.each(['http://127.0.0.1:8080', 'http://127.3.4.5', 'http://localhost:3000', 'http://[::1]:9000', 'http://api.localhost'])(
    'accepts plain http on loopback: %s',
    (url) => {
      expect(() => checkBaseUrl(url)).not.toThrow();
    },
  );

  it('refuses plain http elsewhere, and says why', () => {
    expect(() => checkBaseUrl('http://api.example.com')).toThrow(TypeError);
    expect(() => checkBaseUrl('http://api.example.com')).toThrow(/unencrypted.*allowInsecureHttp/);
    expect(() => checkBaseUrl('http://128.0.0.1')).toThrow(/unencrypted/);
  });

  it('accepts plain http elsewhere with the explicit opt-in', () => {
    expect(checkBaseUrl('http://api.example.com', { allowInsecureHttp: true })).toBe('http://api.example.com');
  });

  it.each([
    ['', /non-empty|absolute/],
    ['not a url', /absolute http\(s\) URL/],
    ['ftp://example.com', /https/],
    ['https://user:pass@example.com', /without credentials/],
    ['https://example.com/?api_key=x', /without a query/],
  ])('refuses %j', (url, message) => {
    expect(() => checkBaseUrl(url)).toThrow(message);
  });

  it('never echoes credentials embedded in the URL', () => {
    expect(() => checkBaseUrl('https://user:hunter2@example.com')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
    expect(() => checkBaseUrl('https://example.com/?api_key=hunter2')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });

  it('never echoes a key in a URL that does not even parse, yet shows enough to find the typo', () => {
    expect(() => checkBaseUrl('api.mobizon.kz/service?apiKey=hunter2')).toThrow(
      new TypeError('Expected `baseUrl` to be an absolute http(s) URL such as https://api.example.com, got "api.mobizon.kz/service?…".'),
    );
    expect(() => checkBaseUrl('htps//user:hunter2@host')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
    expect(() => checkBaseUrl({ href: 'https://x' })).toThrow('Expected `baseUrl` to be an absolute http(s) URL, got an object.');
  });
});

describe('joinUrl', () => {
  it('keeps the base path and sets the query', () => {
    expect(joinUrl('https://h/prefix', '/tasks/a b', { api_key: 'k&1' })).toBe('https://h/prefix/tasks/a%20b?api_key=k%261');
    expect(joinUrl('https://h/', 'tasks/1')).toBe('https://h/tasks/1');
  });

  // The per-poll fast path must build exactly what the URL parser would.
  const byParser = (base: string, path: string, query?: Record<string, string>) => {
    const url = new URL(base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`));
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
    return url.toString();
  };
  it.each([
    ['http://127.0.0.1:4100', '/api/v2/tasks/23685bb3-8a1c', { api_key: 'k3y+/=?&é' }],
    ['https://api.mobizon.kz', '/service/taskqueue/getstatus', { output: 'json', api: 'v1', apiKey: 'a b' }],
    ['https://api.getpostman.com', `/apis/${encodeURIComponent('a/b')}/tasks/${encodeURIComponent('ü ?#')}`, undefined],
    ['https://h/prefix', '/tasks/x', {}],
    ['https://h', '/a/../b', undefined],
    ['https://h', '/a/./b', undefined],
    ['https://h', '/a b', { q: '' }],
    ['https://h', '/.well-known/x', undefined],
  ])('builds %s + %s exactly as the URL parser does', (base, path, query) => {
    expect(joinUrl(base, path, query)).toBe(byParser(base, path, query));
  });
});
