// A Node stream pipeline: every state of five tasks on Stream and Postman (the
// fake provider server, started here) as one object-mode Readable (`toReadable`),
// made into lines by a Transform, written to an NDJSON file by `pipeline`. A watch
// that ends in an error (a task the provider does not know) is a line too: the rest go on.
//
//   npx ts-node examples/pipeline/main.ts [outputFile]    (default: tasks.ndjson)
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { catchError, merge, of, type Observable } from 'rxjs';
// In your project: from 'rx-task-status' and 'rx-task-status/testing'.
import { postmanTasks, streamTasks, TaskError, toNdjson, toReadable, type TaskSource, type TaskState } from '../../src/index.js';
import { startFakeProviderServer } from '../../src/testing/index.js';

/** What the Readable carries: a task's state, or the error its watch ended with. */
type Item = TaskState | { readonly provider: string; readonly ref: string; readonly error: unknown };

/** One line of the file. Dates and `raw` are left out: the file says what happened, not when. */
type Line =
  | { type: 'state'; provider: string; id: string; status: string; providerStatus: string; progress?: number; error?: string }
  | { type: 'error'; provider: string; id: string; code: string; message: string };

async function main(file: string): Promise<Line[]> {
  const server = await startFakeProviderServer();
  try {
    server.tasks.createMany([
      { provider: 'stream', id: 'export-users', duration: 400, result: { url: 'https://example.com/users.json' } },
      { provider: 'stream', id: 'export-orders', duration: 600, outcome: 'failed', error: { type: 'export_error', message: 'channel not found' } },
      { provider: 'postman', kind: 'collection-merge', id: 'merge-billing', duration: 500 },
      { provider: 'postman', kind: 'collection-merge', id: 'merge-legacy', duration: 300, outcome: 'failed', error: { message: 'the fork has conflicting changes' } },
    ]);
    const options = { baseUrl: server.url, interval: 100, maxRequestsPerSecond: 20 };
    const stream = streamTasks({ ...server.credentials.stream, ...options });
    const postman = postmanTasks({ ...server.credentials.postman, ...options });
    // 'export-archive' was never started: its watch ends in a TaskNotFoundError.
    const items$ = merge(
      ...['export-users', 'export-orders', 'export-archive'].map((ref) => follow(stream, ref)),
      ...['merge:merge-billing', 'merge:merge-legacy'].map((ref) => follow(postman, ref)),
    );

    const last = new Map<string, Line>();
    const toLine = new Transform({
      objectMode: true,
      transform(item: Item, _encoding, done) {
        const line = lineOf(item);
        last.set(`${line.provider} ${line.id}`, line);
        done(null, line);
      },
    });
    // toReadable is typed for task states, yet carries any value: here the watch errors too.
    await pipeline(toReadable(items$ as Observable<TaskState>), toLine, toNdjson(), createWriteStream(file));
    return [...last.keys()].sort().map((key) => last.get(key) as Line);
  } finally {
    await server.close();
  }
}

/** The task's states; the error that ends its watch, if any, as one more item rather than the end of everything. */
function follow(source: TaskSource, ref: string): Observable<Item> {
  return source.watch(ref).pipe(catchError((error: unknown) => of({ provider: source.provider, ref, error })));
}

function lineOf(item: Item): Line {
  if (!('ref' in item)) {
    const { provider, id, status, providerStatus, progress, error } = item;
    return { type: 'state', provider, id, status, providerStatus, ...(progress === undefined ? {} : { progress }), ...(error === undefined ? {} : { error: error.message }) };
  }
  // A TaskError names the task by its bare id, as states do (the ref may be `merge:ID`).
  const { provider, ref, error } = item;
  if (!(error instanceof TaskError)) return { type: 'error', provider, id: ref, code: 'UNKNOWN', message: String(error) };
  return { type: 'error', provider, id: error.taskId ?? ref, code: error.code, message: error.message };
}

const file = process.argv[2] ?? 'tasks.ndjson';
main(file).then((lines) => {
  console.log(`${file}: every state of ${lines.length} tasks, one JSON line each. The last line of each task:`);
  for (const line of lines) console.log(JSON.stringify(line));
}, (error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
