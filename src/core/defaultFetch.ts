import type { FetchLike } from './http.js';
import { nodeFetch } from './nodeFetch.js';

/**
 * The fetch a source uses when it is given none: in Node, a small fetch over
 * `node:http` (see nodeFetch.ts for why not cross-fetch). Browser bundlers
 * take defaultFetch.browser.ts instead (the `browser` field of package.json),
 * so a page carries no fetch of ours.
 */
export const defaultFetch: FetchLike = nodeFetch;

/**
 * nodeFetch lets go of a request's signal once the response's body has ended:
 * the signal may carry the next request (see `HttpTransportOptions.reusesSignals`).
 */
export const defaultFetchReusesSignals = true;
