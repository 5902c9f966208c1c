// exportReport.spec.ts: a test of your own code against the fake provider server.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { lastValueFrom } from 'rxjs';
import { streamTasks, untilTerminal, type TaskState } from 'rx-task-status';
import { startFakeProviderServer, type FakeProviderServer } from 'rx-task-status/testing';

// The code under test: yours. Here, a function that waits for a Stream export and returns its URL.
async function exportUrl(options: { baseUrl: string; apiKey: string; apiSecret: string }, taskId: string): Promise<string> {
  const stream = streamTasks({ ...options, interval: 50, maxRequestsPerSecond: 20, retry: { minDelay: 20 } });
  const last: TaskState = await lastValueFrom(stream.watch(taskId).pipe(untilTerminal({ throwOnFailure: true })));
  return (last.result as { url: string }).url;
}

describe('exportUrl', () => {
  let server: FakeProviderServer;

  beforeEach(async () => {
    server = await startFakeProviderServer();
  });

  afterEach(() => server.close());

  it('returns the URL once the export is done, riding out a 503 on the way', async () => {
    const task = server.tasks.create({ provider: 'stream', duration: 200, result: { url: 'https://example.com/export.json' } });
    server.faults.add({ kind: 'server-error', status: 503 }, { taskId: task.id });

    const url = await exportUrl({ baseUrl: server.url, ...server.credentials.stream }, task.id);

    expect(url).toBe('https://example.com/export.json');
    const requests = server.log.entries({ taskId: task.id });
    expect(requests[0]).toMatchObject({ status: 503, fault: 'server-error' });
    expect(requests.slice(1).every((request) => request.status === 200)).toBe(true);
    expect(server.tasks.stepAt(task.id)?.status).toBe('completed');
  });

  it('fails when the export fails, after a single request once the task has ended', async () => {
    const task = server.tasks.create({ provider: 'stream', duration: 100, outcome: 'failed', error: { type: 'export_error', message: 'channel not found' } });

    await expect(exportUrl({ baseUrl: server.url, ...server.credentials.stream }, task.id)).rejects.toThrow('channel not found');
    const afterEnd = server.log.entries({ taskId: task.id }).filter((request) => request.at >= (task.terminalAt as number));
    expect(afterEnd).toHaveLength(1);
  });
});
