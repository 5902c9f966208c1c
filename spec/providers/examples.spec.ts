import { RateLimitError, TaskFailedError, type TaskBatchState } from '../../src/index.js';
import { startFakeProviderServer, type FakeProviderServer } from '../../src/testing/index.js';
import { followMobizonBatch } from '../../docs/examples/providers/mobizon.js';
import { waitForPostmanTask } from '../../docs/examples/providers/postman.js';
import { waitForStreamExport } from '../../docs/examples/providers/stream.js';

// The examples of docs/providers/*.md, run against the fake server with its default credentials.
describe('the provider examples', () => {
  let server: FakeProviderServer;
  beforeEach(async () => {
    server = await startFakeProviderServer();
  });
  afterEach(() => server.close());

  it('waitForStreamExport returns the URL of a finished export, and throws for a failed one', async () => {
    const { apiKey, apiSecret } = server.credentials.stream;
    server.tasks.create({ provider: 'stream', id: 'done', steps: [{ at: 0, status: 'completed', result: { url: 'https://example.com/export.json' } }] });
    server.tasks.create({ provider: 'stream', id: 'broken', steps: [{ at: 0, status: 'failed', error: { type: 'export_error', message: 'channel not found' } }] });
    await expect(waitForStreamExport({ apiKey, apiSecret, taskId: 'done', baseUrl: server.url })).resolves.toBe('https://example.com/export.json');
    await expect(waitForStreamExport({ apiKey, apiSecret, taskId: 'broken', baseUrl: server.url })).rejects.toBeInstanceOf(TaskFailedError);
  });

  it('followMobizonBatch resolves with the final counts and reports progress on the way', async () => {
    server.tasks.create({ provider: 'mobizon', id: '1', steps: [{ at: 0, status: 2 }] });
    server.tasks.create({ provider: 'mobizon', id: '2', steps: [{ at: 0, status: 3, progress: 60 }] });
    const seen: TaskBatchState[] = [];
    const batch = await followMobizonBatch({ apiKey: server.credentials.mobizon.apiKey, baseUrl: server.url, taskIds: ['1', '2'], onProgress: (b) => seen.push(b) });
    expect(batch).toMatchObject({ done: true, total: 2, counts: { pending: 0, running: 0, completed: 1, failed: 1 } });
    expect(seen.length).toBeGreaterThanOrEqual(2);
  });

  it('waitForPostmanTask resolves with an API task\'s resources, and rejects when the plan is exhausted', async () => {
    const { apiKey } = server.credentials.postman;
    const resources = [{ id: 'v1', url: '/apis/a1/versions/v1' }];
    const task = server.tasks.create({ provider: 'postman', kind: 'api', apiId: 'a1', steps: [{ at: 0, status: 'completed', result: resources }] });
    await expect(waitForPostmanTask({ apiKey, task: { id: task.id, apiId: 'a1' }, baseUrl: server.url })).resolves.toMatchObject({ status: 'completed', result: resources });
    server.faults.add({ kind: 'service-limit-exhausted' });
    await expect(waitForPostmanTask({ apiKey, task: task.id, baseUrl: server.url })).rejects.toBeInstanceOf(RateLimitError);
    expect(server.log.count()).toBe(2);
  });
});
