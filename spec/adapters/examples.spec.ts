import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { asyncScheduler } from 'rxjs';
import { postmanTasks, TaskFailedError, type TaskState } from '../../src/index.js';
import { startFakeProviderServer, type FakeProviderServer } from '../../src/testing/index.js';
import { followImport } from '../../docs/examples/adapters/forAwaitScript.js';
import { logTaskAsNdjson } from '../../docs/examples/adapters/ndjsonPipeline.js';
import { waitForExportHandler } from '../../docs/examples/adapters/waitHandler.js';
import { startOnClock } from '../testing/fakeServerHelpers.js';
import { countedTimers, type CountedScheduler } from '../support/countedTimers.js';
import { guardUnhandledRejections, until } from './support.js';

// The examples of docs/adapters.md, run against the fake server with its default credentials.
describe('the adapter examples', () => {
  const escapes = guardUnhandledRejections();
  let server: FakeProviderServer;
  beforeEach(async () => {
    server = await startFakeProviderServer();
  });
  afterEach(async () => {
    await server.close();
    await escapes.expectNoneEscaped();
  });

  it('logTaskAsNdjson writes one JSON line per state of a task as it comes, and ends', async () => {
    const { server: onClock, clock } = await startOnClock();
    try {
      const task = onClock.tasks.create({ provider: 'postman', kind: 'collection-merge', steps: [{ at: 0, status: 'in-progress' }, { at: 1000, status: 'successful' }] });
      const postman = postmanTasks({ apiKey: onClock.credentials.postman.apiKey, baseUrl: onClock.url, interval: 10, maxRequestsPerSecond: Infinity });
      const out = new PassThrough();
      let text = '';
      out.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      const logging = logTaskAsNdjson(postman, { id: task.id, kind: 'collection-merge' }, { out });
      await until(() => text.includes('\n'), 'the first line');
      clock.advance(1000); // the task finishes on the server
      await logging;
      const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as TaskState);
      expect(lines.map((state) => [state.id, state.status, state.providerStatus])).toEqual([
        [task.id, 'running', 'in-progress'],
        [task.id, 'completed', 'successful'],
      ]);
    } finally {
      await onClock.close();
    }
  });

  it('followImport prints each state and returns the last; throws a TaskFailedError for a failed import', async () => {
    const { apiKey } = server.credentials.mobizon;
    server.tasks.create({ provider: 'mobizon', id: '77', steps: [{ at: 0, status: 2 }] });
    server.tasks.create({ provider: 'mobizon', id: '78', steps: [{ at: 0, status: 3, progress: 60 }] });
    const printed: string[] = [];
    const last = await followImport({ apiKey, taskId: '77', baseUrl: server.url, print: (line) => printed.push(line) });
    expect(last?.status).toBe('completed');
    expect(printed).toEqual(['import 77: completed 100%']);
    await expect(followImport({ apiKey, taskId: '78', baseUrl: server.url, print: () => undefined })).rejects.toBeInstanceOf(TaskFailedError);
  });

  it('followImport returns once enough is done, without waiting for the end', async () => {
    server.tasks.create({ provider: 'mobizon', id: '79', steps: [{ at: 0, status: 1, progress: 80 }] });
    const last = await followImport({ apiKey: server.credentials.mobizon.apiKey, taskId: '79', baseUrl: server.url, print: () => undefined, enoughProgress: 0.75 });
    expect(last).toMatchObject({ status: 'running', progress: 0.8 });
  });

  describe('waitForExportHandler on node:http', () => {
    let app: Server | undefined;
    afterEach(async () => {
      app?.closeAllConnections();
      await new Promise((resolve) => app?.close(resolve) ?? resolve(undefined));
      app = undefined;
    });

    /** The source's timers, counted: none live means nothing is scheduled to poll again. */
    let timers: CountedScheduler;

    async function startApp(): Promise<string> {
      timers = countedTimers(asyncScheduler);
      const postman = postmanTasks({ apiKey: server.credentials.postman.apiKey, baseUrl: server.url, interval: 10, jitter: 0, maxRequestsPerSecond: Infinity, scheduler: timers });
      app = createServer(waitForExportHandler(postman, { maxWaitMs: 2000 }));
      app.listen(0, '127.0.0.1');
      await once(app, 'listening');
      return `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    }

    async function get(url: string): Promise<{ status: number; body: unknown }> {
      const response = await fetch(url);
      return { status: response.status, body: await response.json() };
    }

    it('answers 200 with the result once the task completes, 422 when it fails', async () => {
      const ok = server.tasks.create({ provider: 'postman', kind: 'collection-update', steps: [{ at: 0, status: 'in-progress' }, { at: 30, status: 'successful' }] });
      const bad = server.tasks.create({ provider: 'postman', kind: 'collection-update', steps: [{ at: 0, status: 'failed' }] });
      const url = await startApp();
      expect(await get(`${url}/exports/${ok.id}/wait`)).toEqual({ status: 200, body: { id: ok.id } });
      expect(await get(`${url}/exports/${bad.id}/wait`)).toEqual({ status: 422, body: { id: bad.id, error: 'task failed' } });
    });

    it('when the client hangs up, aborts the request in flight to the provider and stops polling', async () => {
      const task = server.tasks.create({ provider: 'postman', kind: 'collection-update', steps: [{ at: 0, status: 'in-progress' }] });
      server.faults.add({ kind: 'hang', stage: 'before-headers' }, { taskId: task.id });
      const url = await startApp();
      const client = request(`${url}/exports/${task.id}/wait`);
      client.on('error', () => undefined); // the hang-up below is ours
      client.end();
      await until(() => server.log.count() === 1, 'the provider request');

      client.destroy();
      await server.log.waitForSettled(1);
      expect(server.log.entries()).toEqual([expect.objectContaining({ taskId: task.id, fault: 'hang', aborted: true })]);
      await until(() => server.openConnections() === 0, 'the provider socket to close');
      // No timer left (no next poll, no request timeout): polling has stopped for good.
      await until(() => timers.liveTimers() === 0, 'the source to release its timers');
      expect(server.log.count()).toBe(1);
    });
  });
});
