/**
 * rx-task-status: the task-status endpoints of Stream, Mobizon and Postman as
 * RxJS Observables of normalised task states, with operators to finish, bound
 * and merge them, and adapters for promises, async iteration and Node streams.
 *
 * @module rx-task-status
 */
export * from './portable.js';
// Node-only (node:stream): kept out of portable.ts so browser bundles never reach them.
export { toReadable, type ToReadableOptions } from './adapters/toReadable.js';
export { toNdjson } from './adapters/toNdjson.js';
