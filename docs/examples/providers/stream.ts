import { lastValueFrom } from 'rxjs';
import { streamTasks, untilTerminal, withTimeout, type TaskState } from 'rx-task-status';

export interface StreamExportInput {
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly taskId: string;
  /** Default: Stream's video host. Pass `STREAM_CHAT_BASE_URL`, or a local fake server's URL. */
  readonly baseUrl?: string;
}

/**
 * Waits for a Stream export task (the id `exportChannels` answered with) and
 * returns the URL of the file, logging each change of state on the way. A
 * failed task becomes an exception; so does a task still going after 10 minutes.
 */
export async function waitForStreamExport({ apiKey, apiSecret, taskId, baseUrl }: StreamExportInput): Promise<string> {
  const stream = streamTasks({ apiKey, apiSecret, ...(baseUrl === undefined ? {} : { baseUrl }) });
  const last: TaskState = await lastValueFrom(
    stream.watch(taskId).pipe(untilTerminal({ throwOnFailure: true }), withTimeout(10 * 60_000)),
  );
  const result = last.result as { url?: unknown } | undefined;
  if (typeof result?.url !== 'string') throw new Error(`Stream task ${taskId} completed without a file URL.`);
  return result.url;
}
