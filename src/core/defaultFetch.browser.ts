import type { FetchLike } from './http.js';

/**
 * What browser bundlers put in place of defaultFetch.ts (the `browser` field
 * of package.json): the page's own fetch. cross-fetch's browser build is a
 * second fetch written over XMLHttpRequest, 10 KB that every page already
 * has. Looked up at each call, so a fetch the page replaces later is the one
 * used, and called as a plain function, as `window.fetch` must be.
 */
export const defaultFetch: FetchLike = (input, init) => globalThis.fetch(input, init);

/** The page's fetch keeps its abort steps on a signal until the request is collected: a new signal for each request. */
export const defaultFetchReusesSignals = false;
