import { show } from './validate.js';

/**
 * Checks a provider base URL. Plain `http:` would send the API key in clear
 * text, so it is refused unless the host is this machine (127.0.0.0/8, ::1,
 * localhost: a local fake or proxy) or the caller opts in explicitly.
 * Returns the URL without a trailing slash.
 */
export function checkBaseUrl(baseUrl: unknown, { allowInsecureHttp = false, option = 'baseUrl' } = {}): string {
  if (typeof baseUrl !== 'string' || baseUrl.trim() === '') {
    throw new TypeError(`Expected \`${option}\` to be an absolute http(s) URL, got ${typeof baseUrl === 'string' ? 'an empty string' : show(baseUrl)}.`);
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`Expected \`${option}\` to be an absolute http(s) URL such as https://api.example.com, got "${withoutSecrets(baseUrl)}".`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new TypeError(`Expected \`${option}\` without credentials in it; pass credentials as options.`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new TypeError(`Expected \`${option}\` without a query or fragment, got "${url.origin}${url.pathname}?…".`);
  }
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopback(url.hostname)) {
    throw new TypeError(
      `Refusing plain http base URL "${url.origin}": the API key would travel unencrypted. ` +
        'Use https, a loopback host (127.0.0.1, ::1, localhost), or opt in to plain http explicitly (the `allowInsecureHttp` option).',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`Expected \`${option}\` to use https (or http on loopback), got "${url.protocol}".`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * What a message may show of a URL that did not parse: a key may sit in its
 * query (`?apiKey=…`) or before an `@`, so both are cut out.
 */
function withoutSecrets(text: string): string {
  const shown = text.replace(/[?#].*$/s, '?…').replace(/^([^/]*\/\/)?[^/@]*@/, '$1…@');
  return shown.length > 80 ? `${shown.slice(0, 80)}…` : shown;
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Characters a URL path may hold as they are, with no dot segment: what providers build with `encodeURIComponent`. */
const PLAIN_PATH = /^(?:\/(?!\.\.?(?:\/|$))[\w\-.~%!$&'()*+,;=:@]*)+$/;

/** Appends a path and query to a base URL, keeping the base's own path prefix. */
export function joinUrl(baseUrl: string, path: string, query?: Readonly<Record<string, string>>): string {
  const base = baseUrl.replace(/\/+$/, '');
  const relative = path.startsWith('/') ? path : `/${path}`;
  // Runs for every poll: a plain path after a checked base needs no URL parser to be normalised.
  if (PLAIN_PATH.test(relative) && base === baseUrl) {
    const search = query === undefined ? '' : new URLSearchParams(query).toString();
    return search === '' ? base + relative : `${base}${relative}?${search}`;
  }
  const url = new URL(base + relative);
  for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
  return url.toString();
}
