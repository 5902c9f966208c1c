// Two task hubs behind one load balancer, as two processes would run them:
// each its own http server, Redis client and coordination, one prefix. Pages
// split between them watch the same tasks; the provider sees one poll loop
// per task, on a real redis-server, over real HTTP.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as redis from 'redis';
import { lastValueFrom, toArray } from 'rxjs';
import { fixedInterval, hubTasks, postmanTasks } from '../../src/index.js';
import { createTaskHub, type TaskHub } from '../../src/hub/index.js';
import { redisCoordination } from '../../src/redis/index.js';
import { startFakeProviderServer, type FakeProviderServer } from '../../src/testing/index.js';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redisServer.js';
import { ROOMY_ACCOUNT } from '../support/roomyAccount.js';

type NodeRedis = ReturnType<typeof redis.createClient>;

const INTERVAL_MS = 100;

describeWithRedis('task hubs whose sources share a redisCoordination', () => {
  let server: RedisServer;
  let fake: FakeProviderServer;
  const clients: NodeRedis[] = [];
  const hubs: { hub: TaskHub; http: Server }[] = [];

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(async () => {
    // About coordination, not pacing: polls every 100 ms go past the real 300 a minute.
    fake = await startFakeProviderServer({ postman: { budget: ROOMY_ACCOUNT } });
  });
  afterEach(async () => {
    for (const { hub, http } of hubs.splice(0)) {
      await hub.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    for (const client of clients.splice(0)) client.destroy();
    await fake.close();
  });

  /** One hub "process": its own Redis client and coordination (one prefix for all), its own http server; its URL. */
  async function startHubProcess(prefix: string): Promise<string> {
    const client = redis.createClient({ socket: { path: server.socketPath } } as Parameters<typeof redis.createClient>[0]);
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    const postman = postmanTasks({
      apiKey: fake.credentials.postman.apiKey,
      baseUrl: fake.url,
      coordination: redisCoordination({ client, prefix, leaseMs: 900 }),
      interval: INTERVAL_MS,
      policy: fixedInterval(),
      jitter: 0,
      maxRequestsPerSecond: Infinity,
    });
    const hub = createTaskHub({ sources: { postman }, authorize: () => true, basePath: '/tasks' });
    const http = createServer(hub);
    http.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => http.once('listening', resolve));
    hubs.push({ hub, http });
    return `http://127.0.0.1:${(http.address() as AddressInfo).port}/tasks`;
  }

  it('polls each task once for the pages of both hubs, and every page sees every state in order', async () => {
    const urls = [await startHubProcess('hubs-a'), await startHubProcess('hubs-a')];
    const tasks = Array.from({ length: 4 }, () =>
      fake.tasks.create({ provider: 'postman', kind: 'collection-merge', steps: [{ at: 0, status: 'in-progress' }, { at: 600, status: 'merging' }, { at: 1200, status: 'successful' }] }),
    );
    // Six pages, three on each hub, each watching every task.
    const pages = Array.from({ length: 6 }, (_, index) => hubTasks({ url: urls[index % 2] as string, provider: 'postman' }));
    const histories = await Promise.all(pages.flatMap((page) => tasks.map((task) => lastValueFrom(page.watch(`merge:${task.id}`).pipe(toArray())))));
    for (const states of histories) expect(states.map((state) => state.providerStatus)).toEqual(['in-progress', 'merging', 'successful']);
    for (const task of tasks) {
      // One loop at 100 ms over the task's 1.2 s life sends about 13 requests; a loop per hub would send twice that.
      expect(fake.log.count({ taskId: task.id })).toBeLessThanOrEqual(18);
    }
  });
});
