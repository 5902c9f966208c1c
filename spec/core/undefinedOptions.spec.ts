// An option given as `undefined` means the same as an option left out: the
// public option types say `x?: T | undefined`, so that code under
// `exactOptionalPropertyTypes` may pass a value that may be missing
// (`apiSecret: process.env.STREAM_API_SECRET`), and the library must take it
// so at run time too.
import { lastValueFrom, of } from 'rxjs';
import {
  combineTasks,
  exponentialInterval,
  mobizonTasks,
  postmanTasks,
  progressAwareInterval,
  streamTasks,
  untilTerminal,
  waitForBatch,
  waitForTask,
  withTimeout,
  type TaskState,
} from '../../src/index';
import { FAKE_CREDENTIALS, startFakeProviderServer, type FakeProviderServer } from '../../src/testing/index';

const SOURCE_OPTIONS = {
  interval: undefined,
  maxRequestsPerSecond: undefined,
  requestTimeout: undefined,
  fetch: undefined,
  retry: { retries: undefined, minDelay: undefined, factor: undefined, maxDelay: undefined },
  budget: undefined,
  coordination: undefined,
  scheduler: undefined,
  policy: undefined,
  pauseWhen: undefined,
  maxBodyBytes: undefined,
  maxRawBytes: undefined,
  maxConcurrentRequests: undefined,
  allowInsecureHttp: undefined,
  random: undefined,
  transport: undefined,
  reserve: undefined,
} as const;

const WATCH_OPTIONS = { interval: undefined, policy: undefined, deadline: undefined, resumeFrom: undefined } as const;

const completed: TaskState = { provider: 'p', id: '1', status: 'completed', providerStatus: 'done', raw: null };

describe('options given as undefined', () => {
  let server: FakeProviderServer;
  beforeAll(async () => {
    server = await startFakeProviderServer();
  });
  afterAll(() => server.close());

  it('are taken as left out by the three sources, which then watch a task to its end', async () => {
    const { stream, mobizon, postman } = FAKE_CREDENTIALS;
    const sources = [
      streamTasks({ ...SOURCE_OPTIONS, apiKey: stream.apiKey, apiSecret: stream.apiSecret, token: undefined, baseUrl: server.url, allowInsecureHttp: true, endpoint: undefined }),
      mobizonTasks({ ...SOURCE_OPTIONS, apiKey: mobizon.apiKey, baseUrl: server.url, allowInsecureHttp: true, domain: undefined, allowedDomains: undefined }),
      postmanTasks({ ...SOURCE_OPTIONS, apiKey: postman.apiKey, baseUrl: server.url, allowInsecureHttp: true }),
    ];
    const ids = [
      server.tasks.create({ provider: 'stream', duration: 0 }).id,
      server.tasks.create({ provider: 'mobizon', duration: 0 }).id,
      server.tasks.create({ provider: 'postman', kind: 'collection-merge', duration: 0 }).id,
    ];
    const ends = await Promise.all(sources.map((source, index) => waitForTask(source.watch(`${index === 2 ? 'merge:' : ''}${ids[index]}`, WATCH_OPTIONS), { signal: undefined })));
    expect(ends.map((state) => `${state.provider} ${state.status}`)).toEqual(['stream completed', 'mobizon completed', 'postman completed']);
  });

  it('are taken as left out by the operators, the adapters and the interval policies', async () => {
    await expect(lastValueFrom(of(completed).pipe(untilTerminal({ throwOnFailure: undefined }), withTimeout({ total: 1000, idle: undefined, stalled: undefined })))).resolves.toBe(completed);
    const batch = await waitForBatch(combineTasks([of(completed)], { failFast: undefined }), { signal: undefined, timeout: undefined });
    expect(batch.done).toBe(true);
    expect(() => exponentialInterval({ start: undefined, factor: undefined, cap: undefined })).not.toThrow();
    expect(() => progressAwareInterval({ approach: undefined, overshoot: undefined, maxGap: undefined })).not.toThrow();
  });
});
