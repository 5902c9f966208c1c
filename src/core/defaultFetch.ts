import crossFetch from 'cross-fetch';
import type { FetchLike } from './http.js';

/**
 * The fetch a source uses when it is given none: cross-fetch, which is
 * node-fetch in Node. Browser bundlers take defaultFetch.browser.ts instead
 * (the `browser` field of package.json), so a page carries no fetch of ours.
 */
export const defaultFetch = crossFetch as unknown as FetchLike;

/**
 * cross-fetch in Node is node-fetch 2, which removes its abort listener from a
 * request's signal once the response's body has ended: the signal may carry
 * the next request (see `HttpTransportOptions.reusesSignals`).
 */
export const defaultFetchReusesSignals = true;
