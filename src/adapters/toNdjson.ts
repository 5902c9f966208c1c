import { Transform } from 'node:stream';
import { show } from '../core/validate.js';

/**
 * A Transform from objects (task states, or anything JSON can represent) to
 * newline-delimited JSON text: one `JSON.stringify` line per object, each
 * ending in `\n`, for files, pipes and log shippers.
 *
 * Dates (`createdAt`, `updatedAt`) become ISO 8601 strings, as `JSON.stringify`
 * writes them; every field of a state is kept, `raw` included, so
 * `JSON.parse` of a line gives the state back with its dates as strings.
 * Newlines inside strings are escaped by JSON, so a line is always one state.
 * A batch from `combineTasks` works too (it has a `toJSON`).
 *
 * Its writable side takes objects; its readable side gives UTF-8 text. A value
 * JSON cannot write (a function, a BigInt, a cycle) errors the stream with a
 * `TypeError`.
 *
 * ```
 * written:  { provider: 'stream', id: 't1', status: 'running', … }
 * read:     {"provider":"stream","id":"t1","status":"running",…}\n
 * ```
 *
 * ## Example
 *
 * Follow an export and print one JSON line per state on stdout:
 *
 * ```ts
 * import { pipeline } from 'node:stream/promises';
 * import { streamTasks, toNdjson, toReadable } from 'rx-task-status';
 *
 * const stream = streamTasks({ apiKey: 'key', apiSecret: process.env.STREAM_API_SECRET ?? '' });
 *
 * await pipeline(toReadable(stream.watch('task-42')), toNdjson(), process.stdout);
 * ```
 *
 * @return A Transform, object mode in and text out.
 * @see {@link toReadable} for the object-mode stream of states to feed it.
 */
export function toNdjson(): Transform {
  return new Transform({
    writableObjectMode: true,
    readableObjectMode: false,
    transform(value: unknown, _encoding, callback) {
      let line: string | undefined;
      try {
        line = JSON.stringify(value);
      } catch (error) {
        callback(error instanceof Error ? error : new TypeError(String(error)));
        return;
      }
      // `JSON.stringify` gives `undefined`, not a throw, for a function or a symbol.
      if (line === undefined) {
        callback(new TypeError(`Expected a value JSON can represent, got ${show(value)}.`));
        return;
      }
      callback(null, `${line}\n`);
    },
  });
}
