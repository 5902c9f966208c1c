import { generateScenario, startFakeProviderServer, type FakeProviderServer, type TaskSpec } from '../../src/testing/index.js';
import { mobizonPost, postmanGet, startOnClock, streamGet, T0, type ManualClock } from './fakeServerHelpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('the task board (server.tasks)', () => {
  let server: FakeProviderServer;
  let clock: ManualClock;
  beforeEach(async () => {
    ({ server, clock } = await startOnClock());
  });
  afterEach(() => server.close());

  it('creates a task at the server time, and reads it back', () => {
    clock.advance(500);
    const task = server.tasks.create({ provider: 'stream', id: 's1', steps: [{ at: 0, status: 'pending' }, { at: 100, status: 'completed' }] });
    expect(task).toEqual({
      id: 's1',
      provider: 'stream',
      kind: 'stream',
      createdAt: T0 + 500,
      steps: [{ at: 0, status: 'pending' }, { at: 100, status: 'completed' }],
      terminalAt: T0 + 600,
      outcome: 'completed',
    });
    expect(server.tasks.get('s1')).toBe(task);
    expect(server.tasks.get('nope')).toBeUndefined();
  });

  it("types an API task's apiId and meta as present once narrowed on kind, and gives them to no other kind", () => {
    const tasks = server.tasks.createMany(generateScenario({ count: 12 }));
    const made = server.tasks.create({ provider: 'postman', kind: 'api', id: 'made', duration: 10 });

    // Typed reads after narrowing on `kind`: while every kind had an optional `apiId` and `meta`, these did not compile.
    const addresses = [...tasks, made].flatMap((task) => {
      if (task.kind !== 'api') return [];
      const apiId: string = task.apiId;
      const url: string = task.meta.url;
      return [{ id: task.id, apiId, url }];
    });
    expect(addresses.length).toBeGreaterThan(1);
    for (const { apiId, url } of addresses) {
      expect(apiId).toMatch(UUID);
      expect(url.startsWith(`/apis/${apiId}/`)).toBe(true);
    }
    // Without one in its spec, an API task gets an apiId derived from its id.
    expect(addresses.at(-1)).toEqual({ id: 'made', apiId: expect.stringMatching(UUID), url: `/apis/${addresses.at(-1)?.apiId}/versions` });
    const others = tasks.filter((task) => task.kind !== 'api');
    expect(others.map(({ apiId, meta }) => ({ apiId, meta }))).toEqual(others.map(() => ({ apiId: undefined, meta: undefined })));
  });

  it('lists every task in creation order, or one provider\'s', () => {
    const a = server.tasks.create({ provider: 'stream', duration: 10 });
    const b = server.tasks.create({ provider: 'mobizon', duration: 10 });
    const c = server.tasks.create({ provider: 'postman', kind: 'api', duration: 10 });
    const d = server.tasks.create({ provider: 'stream', duration: 10 });
    expect(server.tasks.list()).toEqual([a, b, c, d]);
    expect(server.tasks.list('stream')).toEqual([a, d]);
    expect(server.tasks.list('postman')).toEqual([c]);
  });

  it('tells the step at any time: now by default, the first before creation, none for an unknown id', () => {
    server.tasks.create({ provider: 'mobizon', id: '9', steps: [{ at: 0, status: 0 }, { at: 1000, status: 1, progress: 50 }, { at: 2000, status: 2, progress: 100 }] });
    expect(server.tasks.stepAt('9')).toEqual({ at: 0, status: 0 });
    clock.advance(1500);
    expect(server.tasks.stepAt('9')).toEqual({ at: 1000, status: 1, progress: 50 });
    expect(server.tasks.stepAt('9', T0 + 5000)).toEqual({ at: 2000, status: 2, progress: 100 });
    expect(server.tasks.stepAt('9', T0 - 1)).toEqual({ at: 0, status: 0 });
    expect(server.tasks.stepAt('gone')).toBeUndefined();
  });

  it('gives Mobizon tasks the next free number from 100001, Stream and Postman tasks UUIDs', () => {
    expect(server.tasks.create({ provider: 'mobizon', duration: 10 }).id).toBe('100001');
    server.tasks.create({ provider: 'mobizon', id: '100002', duration: 10 });
    expect(server.tasks.create({ provider: 'mobizon', duration: 10 }).id).toBe('100003');
    const ids = [server.tasks.create({ provider: 'stream', duration: 10 }).id, server.tasks.create({ provider: 'postman', duration: 10 }).id];
    for (const id of ids) expect(id).toMatch(UUID);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('refuses an id already taken, by any provider, and keeps the first task', () => {
    const first = server.tasks.create({ provider: 'stream', id: 'same', duration: 10 });
    expect(() => server.tasks.create({ provider: 'stream', id: 'same', duration: 10 })).toThrow(new TypeError('A task with id "same" already exists on the fake server.'));
    expect(() => server.tasks.create({ provider: 'postman', id: 'same', duration: 10 })).toThrow(TypeError);
    expect(server.tasks.list()).toEqual([first]);
  });

  it('forgets a removed task: the server answers "not found" for it, each provider its own way', async () => {
    server.tasks.create({ provider: 'stream', id: 's1', duration: 10 });
    server.tasks.create({ provider: 'mobizon', id: '1', duration: 10 });
    server.tasks.create({ provider: 'postman', id: 'p1', duration: 10 });
    expect((await streamGet(server, 's1')).status).toBe(200);
    for (const id of ['s1', '1', 'p1']) expect(server.tasks.remove(id)).toBe(true);
    expect(server.tasks.remove('s1')).toBe(false);
    expect((await streamGet(server, 's1')).status).toBe(404);
    expect(await (await mobizonPost(server, '1')).json()).toMatchObject({ code: 2 });
    expect((await postmanGet(server, '/collection-updates-tasks/p1')).status).toBe(404);
    expect(server.tasks.list()).toEqual([]);
  });

  it('clears every task', () => {
    server.tasks.create({ provider: 'stream', duration: 10 });
    server.tasks.create({ provider: 'mobizon', duration: 10 });
    server.tasks.clear();
    expect(server.tasks.list()).toEqual([]);
  });

  it.each<[string, unknown, RegExp]>([
    ['null', null, /^Expected a task spec object, got null\.$/],
    ['an unknown provider', { provider: 'acme', duration: 10 }, /^Expected `provider` to be one of stream, mobizon, postman, got "acme"\.$/],
    ['an unknown Postman kind', { provider: 'postman', kind: 'fork', duration: 10 }, /kind` of collection-update, collection-merge, collection-duplicate, generation, api, got "fork"/],
    ['neither steps nor a duration', { provider: 'stream' }, /either `steps` or a `duration`, got neither/],
    ['both steps and a duration', { provider: 'stream', duration: 10, steps: [{ at: 0, status: 'running' }] }, /got both/],
    ['a negative duration', { provider: 'stream', duration: -1 }, /`duration` to be a non-negative finite number of ms, got -1/],
    ['an infinite duration', { provider: 'stream', duration: Infinity }, /got Infinity/],
    ['an unknown outcome', { provider: 'stream', duration: 10, outcome: 'exploded' }, /`outcome` to be completed or failed, got "exploded"/],
    ['no steps', { provider: 'stream', steps: [] }, /`steps` to be a non-empty array/],
    ['a step that is not an object', { provider: 'stream', steps: [null] }, /`steps\[0\]` to be a step object/],
    ['a first step after 0', { provider: 'stream', steps: [{ at: 5, status: 'running' }] }, /first step at 0, got 5/],
    ['steps out of order', { provider: 'stream', steps: [{ at: 0, status: 'running' }, { at: 10, status: 'running' }, { at: 5, status: 'completed' }] }, /`steps\[2\]\.at`.*not before the previous step's \(10\), got 5/],
    ['a Mobizon status that is a string', { provider: 'mobizon', steps: [{ at: 0, status: '1' }] }, /`steps\[0\]\.status` to be a number, got string/],
    ['a Stream status that is a number', { provider: 'stream', steps: [{ at: 0, status: 1 }] }, /`steps\[0\]\.status` to be a string, got number/],
    ['a progress over 100', { provider: 'mobizon', steps: [{ at: 0, status: 1, progress: 101 }] }, /`steps\[0\]\.progress` to be a number from 0 to 100, got 101/],
    ['an empty id', { provider: 'stream', id: '', duration: 10 }, /`id` to be a non-empty string, got ""/],
    ['an id that is a number', { provider: 'mobizon', id: 7, duration: 10 }, /`id` to be a non-empty string, got 7/],
    ['an empty apiId', { provider: 'postman', kind: 'api', apiId: '', duration: 10 }, /`apiId` to be a non-empty string/],
  ])('refuses %s with a TypeError that says what was expected', (_, spec, message) => {
    expect(() => server.tasks.create(spec as TaskSpec)).toThrow(TypeError);
    expect(() => server.tasks.create(spec as TaskSpec)).toThrow(message);
    expect(server.tasks.list()).toEqual([]);
  });

  describe('createMany', () => {
    it('creates every task at one instant, reading the clock once', async () => {
      let reads = 0;
      let now = T0;
      const counted = await startFakeProviderServer({
        clock: () => {
          reads++;
          return (now += 7); // a clock that moves at every read
        },
      });
      try {
        const before = reads;
        const tasks = counted.tasks.createMany([
          { provider: 'stream', duration: 100 },
          { provider: 'mobizon', duration: 100 },
          { provider: 'postman', kind: 'collection-merge', duration: 100 },
        ]);
        expect(reads - before).toBe(1);
        expect(new Set(tasks.map((task) => task.createdAt))).toEqual(new Set([now]));
        expect(new Set(tasks.map((task) => task.terminalAt))).toEqual(new Set([now + 100]));
      } finally {
        await counted.close();
      }
    });

    it('is all or nothing: one bad spec, and no task is created, no Mobizon number used up', () => {
      const specs = [{ provider: 'mobizon', duration: 10 }, { provider: 'stream', id: 'ok', duration: 10 }, { provider: 'stream', duration: -5 }] as TaskSpec[];
      expect(() => server.tasks.createMany(specs)).toThrow(new TypeError('specs[2]: Expected `duration` to be a non-negative finite number of ms, got -5.'));
      expect(server.tasks.list()).toEqual([]);
      expect(server.tasks.create({ provider: 'mobizon', duration: 10 }).id).toBe('100001');
    });

    it('is all or nothing on a taken id, or an id given twice in the batch', () => {
      server.tasks.create({ provider: 'stream', id: 'taken', duration: 10 });
      expect(() => server.tasks.createMany([{ provider: 'stream', id: 'new', duration: 10 }, { provider: 'stream', id: 'taken', duration: 10 }])).toThrow(
        'specs[1]: A task with id "taken" already exists on the fake server.',
      );
      expect(() => server.tasks.createMany([{ provider: 'stream', id: 'twice', duration: 10 }, { provider: 'postman', id: 'twice', duration: 10 }])).toThrow(
        'specs[1]: The id "twice" is given to two tasks of the batch.',
      );
      expect(server.tasks.list().map((task) => task.id)).toEqual(['taken']);
    });

    it('numbers Mobizon tasks around the ids the batch gives itself', () => {
      const tasks = server.tasks.createMany([{ provider: 'mobizon', duration: 10 }, { provider: 'mobizon', duration: 10 }, { provider: 'mobizon', id: '100002', duration: 10 }]);
      expect(tasks.map((task) => task.id)).toEqual(['100001', '100003', '100002']);
    });

    it('refuses what is not an array', () => {
      expect(() => server.tasks.createMany({} as unknown as TaskSpec[])).toThrow(new TypeError('Expected `specs` to be an array of task specs, got object.'));
    });
  });
});
