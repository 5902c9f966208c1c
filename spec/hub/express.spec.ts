// The hub mounted in Express, as users mount it: `app.use('/tasks', hub)`, behind their own session middleware.
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createTaskHub, type HubTaskRequest, type TaskHub } from '../../src/hub/index.js';
import { startHub, type HubFixture } from './support.js';
import { openStream, send, type HubReader } from './sseReader.js';

/** What the app's session middleware puts on the request. */
type WithUser = IncomingMessage & { user?: { readonly name: string } };

describe('the hub in Express', () => {
  let fixture: HubFixture;
  let hub: TaskHub;
  let server: Server;
  let url: string;
  const asked: { user: string | undefined; task: HubTaskRequest }[] = [];
  const readers: HubReader[] = [];
  /** The fake provider's clock: tasks move on when the test says so. */
  let now = 1_000_000;

  beforeAll(async () => {
    // The fixture's fake provider and sources; the hub under test is another one, mounted in Express.
    fixture = await startHub({ provider: { clock: () => now }, source: { interval: 50 } });
    hub = createTaskHub({
      sources: fixture.sources,
      authorize: (request, task) => {
        const user = (request as WithUser).user?.name;
        asked.push({ user, task });
        return user === 'ada';
      },
    });
    const app = express();
    app.use((request, _response, next) => {
      const name = request.get('x-user');
      if (name !== undefined) (request as WithUser).user = { name };
      next();
    });
    app.use('/tasks', hub);
    app.use((_request, response) => void response.status(404).send('not here'));
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tasks`;
  });

  afterEach(() => {
    for (const reader of readers.splice(0)) reader.close();
    asked.length = 0;
  });

  afterAll(async () => {
    await hub.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await fixture.close();
  });

  it('streams a task to its end under the mount path (basePath left at its default, as Express strips the mount path)', async () => {
    const task = fixture.provider.tasks.create({ provider: 'postman', kind: 'collection-merge', steps: [{ at: 0, status: 'in-progress' }, { at: 100, status: 'successful' }] });
    const reader = await openStream(url, [{ provider: 'postman', ref: `merge:${task.id}` }], { headers: { 'x-user': 'ada' } });
    readers.push(reader);
    expect(reader.status).toBe(200);
    expect(reader.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await reader.next('hello');
    await reader.next('state');
    now += 100;
    await reader.next<{ state: string }>('state', (event) => event.state.includes('"completed"'));
    const states = reader.all<{ provider: string; ref: string; state: string }>('state');
    expect(states.map((event) => [event.provider, event.ref, (JSON.parse(event.state) as { state: { status: string } }).state.status])).toEqual([
      ['postman', `merge:${task.id}`, 'running'],
      ['postman', `merge:${task.id}`, 'completed'],
    ]);
    // Changes go to the same mount: POST /tasks/streams/{id}.
    expect((await send(`${url}/streams/${reader.stream()}`, { watch: [] })).status).toBe(204);
  });

  it('lets authorize read what an Express middleware put on the request', async () => {
    const task = fixture.provider.tasks.create({ provider: 'postman', steps: [{ at: 0, status: 'in-progress' }] });
    const watch = [{ provider: 'postman', ref: task.id }];
    const ada = await openStream(url, watch, { headers: { 'x-user': 'ada' } });
    const eve = await openStream(url, watch, { headers: { 'x-user': 'eve' } });
    readers.push(ada, eve);
    await ada.next('state');
    const end = await eve.next<{ error: string }>('end');
    expect(JSON.parse(end.error)).toMatchObject({ code: 'AUTHENTICATION' });
    expect(eve.all('state')).toEqual([]);
    expect(asked.map(({ user, task: asking }) => [user, asking.provider, asking.text])).toEqual([
      ['ada', 'postman', task.id],
      ['eve', 'postman', task.id],
    ]);
  });

  it('leaves the app its other paths', async () => {
    expect(await send(`${url.replace(/\/tasks$/, '')}/elsewhere`, undefined, { method: 'GET' })).toMatchObject({ status: 404, body: 'not here' });
    // Under the mount, the hub answers for itself.
    expect((await send(`${url}/nope`, { watch: [] })).status).toBe(404);
  });
});
