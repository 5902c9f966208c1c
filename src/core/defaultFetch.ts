import crossFetch from 'cross-fetch';
import type { FetchLike } from './http.js';

/**
 * The fetch a source uses when it is given none: cross-fetch, which is
 * node-fetch in Node. Browser bundlers take defaultFetch.browser.ts instead
 * (the `browser` field of package.json), so a page carries no fetch of ours.
 */
export const defaultFetch = crossFetch as unknown as FetchLike;
