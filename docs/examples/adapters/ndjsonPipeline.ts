import { pipeline } from 'node:stream/promises';
import { toNdjson, toReadable, untilTerminal, withTimeout, type TaskSource } from 'rx-task-status';

export interface LogTaskOptions {
  /** Where the lines go. Default: standard output, left open afterwards. */
  readonly out?: NodeJS.WritableStream;
  /** Stops the pipeline (and the polling) when this aborts. */
  readonly signal?: AbortSignal;
}

/**
 * Writes one JSON line per state of a task until it ends (ten minutes at
 * most), for a log shipper or `jq`. The pipeline waits for a slow `out`:
 * states queue in the Readable meanwhile, none is dropped. Resolves when the
 * task has ended and every line is written; rejects with the watch's error
 * (the lines before it are written first), or the abort reason.
 */
export async function logTaskAsNdjson<R>(source: TaskSource<R>, ref: R, { out = process.stdout, signal }: LogTaskOptions = {}): Promise<void> {
  const states$ = source.watch(ref).pipe(untilTerminal(), withTimeout(600_000));
  // `end: false` for standard output: the program may write more after this.
  await pipeline(toReadable(states$), toNdjson(), out, { end: out !== process.stdout, ...(signal === undefined ? {} : { signal }) });
}
