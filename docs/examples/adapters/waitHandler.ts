import type { IncomingMessage, ServerResponse } from 'node:http';
import { TaskFailedError, TaskTimeoutError, waitForTask, withTimeout, type TaskSource } from 'rx-task-status';

/**
 * A request handler for `node:http` (an Express handler has the same shape):
 * `GET /exports/<id>/wait` answers once the export is done, with its result.
 * 200 with the result; 422 when the task failed; 504 when it is not done after
 * `maxWaitMs`; 502 for any other error. When the client hangs up first, the
 * wait is aborted: the polling stops and the request in flight to the provider
 * is cancelled, so a closed browser tab costs nothing more.
 */
export function waitForExportHandler(source: TaskSource, { maxWaitMs = 60_000 } = {}) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const id = /^\/exports\/([^/]+)\/wait$/.exec(req.url ?? '')?.[1];
    if (req.method !== 'GET' || id === undefined) return send(res, 404, { error: 'not found' });

    // The response closes before it is finished only when the client went away.
    const clientGone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) clientGone.abort(new Error('client closed the connection'));
    });

    try {
      const done = await waitForTask(source.watch(decodeURIComponent(id)).pipe(withTimeout(maxWaitMs)), { signal: clientGone.signal });
      send(res, 200, { id: done.id, result: done.result });
    } catch (error) {
      if (clientGone.signal.aborted) return; // nobody is left to answer
      if (error instanceof TaskFailedError) send(res, 422, { id: error.state.id, error: error.state.error?.message ?? 'failed' });
      else if (error instanceof TaskTimeoutError) send(res, 504, { id, error: `not done after ${error.ms} ms`, last: error.state?.status });
      else send(res, 502, { id, error: error instanceof Error ? error.message : 'unknown error' });
    }
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
