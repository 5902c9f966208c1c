// createTaskHub over real HTTP on 127.0.0.1: the fake provider server behind it, pages played by a raw SSE reader.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, request } from 'node:http';
import { NEVER } from 'rxjs';
import { AuthenticationError, ProviderError, TransportError } from '../../src/core/errors/index.js';
import { fingerprint } from '../../src/core/hubProtocol.js';
import { errorFromJson } from '../../src/core/stateWire.js';
import { createTaskHub, type HubTaskRequest, type TaskHubOptions } from '../../src/hub/index.js';
import type { RequestLog, RequestLogFilter } from '../../src/testing/index.js';
import { startHub, type HubFixture, type HubFixtureOptions } from './support.js';
import { closingAgent, eventually, openStream, send, type HubReader } from './sseReader.js';

interface StateEvent {
  readonly provider: string;
  readonly ref: string;
  readonly state: string;
  readonly id?: string;
}
interface EndEvent {
  readonly provider: string;
  readonly ref: string;
  readonly error: string;
}

const statusOf = (event: StateEvent): string => (JSON.parse(event.state) as { state: { status: string } }).state.status;
const seqOf = (id: string | undefined): number => Number(id?.split('.')[1]);

let fixtures: HubFixture[] = [];
let readers: HubReader[] = [];

async function hub(options: HubFixtureOptions = {}): Promise<HubFixture> {
  const fixture = await startHub(options);
  fixtures.push(fixture);
  return fixture;
}

/** Opens a stream on the fixture's hub; closed after the test. */
async function open(fixture: HubFixture, watch: Parameters<typeof openStream>[1], options?: Parameters<typeof openStream>[2]): Promise<HubReader> {
  const reader = await openStream(fixture.url, watch, options);
  readers.push(reader);
  return reader;
}

afterEach(async () => {
  for (const reader of readers) reader.close();
  await Promise.all(fixtures.map((fixture) => fixture.close()));
  readers = [];
  fixtures = [];
});

/** A promise, or an error naming what was awaited once `ms` have passed. */
async function within<T>(what: string, promise: Promise<T>, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`Waited ${ms} ms for ${what}.`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the provider has had no request (matching `filter`) for `quietMs`: the polling has stopped. */
async function pollingStops(log: RequestLog, filter: RequestLogFilter, quietMs: number, ms = 5000): Promise<void> {
  let count = log.count(filter);
  let since = Date.now();
  await eventually(
    `the polling of ${JSON.stringify(filter)} to stop`,
    () => {
      if (log.count(filter) !== count) {
        count = log.count(filter);
        since = Date.now();
      }
      return Date.now() - since >= quietMs;
    },
    ms,
  );
}

const forever = (id?: string) => ({ provider: 'postman' as const, ...(id === undefined ? {} : { id }), steps: [{ at: 0, status: 'in-progress' }] });

describe('createTaskHub, its options', () => {
  const source = { provider: 'p', parseRef: (text: string) => text, watch: () => NEVER };
  const valid: TaskHubOptions = { sources: { p: source }, authorize: () => true };

  it('requires `authorize`: a hub is never open to anyone by accident', () => {
    expect(() => createTaskHub({ sources: { p: source } } as unknown as TaskHubOptions)).toThrow(TypeError);
    expect(() => createTaskHub({ ...valid, authorize: true } as unknown as TaskHubOptions)).toThrow(/authorize/);
  });

  it.each([
    ['no options', undefined],
    ['no source', { ...valid, sources: {} }],
    ['a source that is not one', { ...valid, sources: { p: { watch: 1 } } }],
    ['a basePath without its slash', { ...valid, basePath: 'tasks' }],
    ['a basePath with a trailing slash', { ...valid, basePath: '/tasks/' }],
    ['a keepAliveMs of 0', { ...valid, keepAliveMs: 0 }],
    ['a negative resumeWindowMs', { ...valid, resumeWindowMs: -1 }],
    ['a maxBufferedBytes of 0', { ...valid, maxBufferedBytes: 0 }],
    ['a NaN replayBytes', { ...valid, replayBytes: Number.NaN }],
    ['a maxTasksPerStream of 0', { ...valid, maxTasksPerStream: 0 }],
    ['an authorizeTimeout that is a string', { ...valid, authorizeTimeout: '10' }],
    ['allowOrigins that is one string', { ...valid, allowOrigins: 'https://app.example.com' }],
    ['allowOrigins with something not an origin', { ...valid, allowOrigins: ['app.example.com'] }],
    ['an onError that is not a function', { ...valid, onError: 'log' }],
  ])('throws a TypeError for %s', (_, options) => {
    expect(() => createTaskHub(options as unknown as TaskHubOptions)).toThrow(TypeError);
  });

  it('takes valid options', () => {
    expect(typeof createTaskHub({ ...valid, basePath: '/tasks', resumeWindowMs: 0, replayBytes: 0, allowOrigins: ['https://app.example.com'] }).close).toBe('function');
  });
});

describe('authorize', () => {
  it('is asked with the request and the task: provider, the ref as the source reads it, and its text', async () => {
    const asked: { session: unknown; task: HubTaskRequest }[] = [];
    const fixture = await hub({
      hub: {
        authorize: (request, task) => {
          asked.push({ session: request.headers['x-session'], task });
          return true;
        },
      },
    });
    const task = fixture.provider.tasks.create({ provider: 'postman', kind: 'collection-merge', steps: [{ at: 0, status: 'in-progress' }] });
    const reader = await open(fixture, [{ provider: 'postman', ref: `merge:${task.id}` }], { headers: { 'x-session': 'session-7' } });
    await reader.next<StateEvent>('state');
    expect(asked).toEqual([{ session: 'session-7', task: { provider: 'postman', ref: { id: task.id, kind: 'collection-merge' }, text: `merge:${task.id}` } }]);
  });

  it('false ends that task with an AuthenticationError (403) and never polls it; the other tasks of the stream keep streaming', async () => {
    let now = 1_000_000;
    const fixture = await hub({ provider: { clock: () => now }, hub: { authorize: (_, task) => task.text !== 'refused-id' } });
    fixture.provider.tasks.create(forever('refused-id'));
    const allowed = fixture.provider.tasks.create({ provider: 'postman', steps: [{ at: 0, status: 'in-progress' }, { at: 100, status: 'successful' }] });
    const reader = await open(fixture, [
      { provider: 'postman', ref: 'refused-id' },
      { provider: 'postman', ref: allowed.id },
    ]);
    const end = await reader.next<EndEvent>('end');
    expect(end).toMatchObject({ provider: 'postman', ref: 'refused-id' });
    const error = errorFromJson(end.error);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ code: 'AUTHENTICATION', details: { status: 403 } });
    await reader.next<StateEvent>('state');
    // The allowed task goes on after the refusal, to its end, on the same connection.
    now += 100;
    await reader.next<StateEvent>('state', (state) => statusOf(state) === 'completed');
    expect(reader.all<StateEvent>('state').map(statusOf)).toEqual(['running', 'completed']);
    expect(reader.all('end')).toHaveLength(1);
    expect(reader.isClosed()).toBe(false);
    expect(fixture.provider.log.count({ taskId: 'refused-id' })).toBe(0);
  });

  it('a throw (or a rejection) ends the task with a TransportError (500), onError hears why, and the hub goes on', async () => {
    const heard: unknown[] = [];
    const failure = new Error('session store down');
    const fixture = await hub({
      hub: {
        authorize: (_, task) => {
          if (task.text === 'throws') throw failure;
          if (task.text === 'rejects') return Promise.reject(failure);
          return true;
        },
        onError: (error) => heard.push(error),
      },
    });
    const allowed = fixture.provider.tasks.create(forever());
    const reader = await open(fixture, [
      { provider: 'postman', ref: 'throws' },
      { provider: 'postman', ref: 'rejects' },
      { provider: 'postman', ref: allowed.id },
    ]);
    await reader.until('two end events and a state', () => reader.all('end').length === 2 && reader.all('state').length === 1);
    for (const end of reader.all<EndEvent>('end')) {
      const error = errorFromJson(end.error);
      expect(error).toBeInstanceOf(TransportError);
      expect(error).toMatchObject({ code: 'TRANSPORT', status: 500, reason: 'status', provider: 'postman' });
      // What the page is told names no detail of the hub's failure.
      expect(end.error).not.toContain('session store');
    }
    expect(heard).toEqual([failure, failure]);
    // Still answering: a new stream gets its state.
    const again = await open(fixture, [{ provider: 'postman', ref: allowed.id }]);
    await again.next('state');
    expect(fixture.provider.log.count({ taskId: 'throws' }) + fixture.provider.log.count({ taskId: 'rejects' })).toBe(0);
  });

  it('no answer within authorizeTimeout ends the task with a TransportError (timeout), and never polls it', async () => {
    const fixture = await hub({ hub: { authorize: (_, task) => task.text !== 'slow' || new Promise<boolean>(() => undefined), authorizeTimeout: 150 } });
    const allowed = fixture.provider.tasks.create(forever());
    const started = Date.now();
    const reader = await open(fixture, [
      { provider: 'postman', ref: 'slow' },
      { provider: 'postman', ref: allowed.id },
    ]);
    await reader.next('state');
    const end = await reader.next<EndEvent>('end');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(end.ref).toBe('slow');
    const error = errorFromJson(end.error);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ code: 'TRANSPORT', reason: 'timeout' });
    expect(fixture.provider.log.count({ taskId: 'slow' })).toBe(0);
  });
});

describe('what a page may ask', () => {
  it('ends a task of an unknown provider, or with a ref its source cannot read, with a ProviderError (400), and polls nothing for it', async () => {
    let asked = 0;
    const fixture = await hub({
      hub: {
        authorize: () => {
          asked++;
          return true;
        },
      },
    });
    const good = fixture.provider.tasks.create(forever());
    const reader = await open(fixture, [
      { provider: 'nope', ref: good.id },
      { provider: 'toString', ref: good.id },
      { provider: 'postman', ref: 'a/b/c' },
      { provider: 'postman', ref: good.id },
    ]);
    await reader.until('three ends and a state', () => reader.all('end').length === 3 && reader.all('state').length === 1);
    expect(reader.all<EndEvent>('end').map((end) => end.provider + ' ' + end.ref)).toEqual(['nope ' + good.id, 'toString ' + good.id, 'postman a/b/c']);
    for (const end of reader.all<EndEvent>('end')) {
      const error = errorFromJson(end.error);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ code: 'PROVIDER', details: { status: 400 } });
    }
    // Neither asked about nor polled: only the good task was.
    expect(asked).toBe(1);
    expect(fixture.provider.log.entries().map((entry) => entry.taskId)).toEqual([good.id]);
  });

  it.each([
    ['a body that is not JSON', 400, '{"watch": ['],
    ['an empty body', 400, ''],
    ['a body without watch', 400, {}],
    ['a watch that is not a list', 400, { watch: { provider: 'postman', ref: 'x' } }],
    ['a task without a ref', 400, { watch: [{ provider: 'postman' }] }],
    ['a task with a provider name holding a space', 400, { watch: [{ provider: 'post man', ref: 'x' }] }],
    ['a ref longer than 1000 characters', 400, { watch: [{ provider: 'postman', ref: 'x'.repeat(1001) }] }],
    ['a have that is not a fingerprint', 400, { watch: [{ provider: 'postman', ref: 'x', have: 5 }] }],
    ['more tasks than maxTasksPerStream', 413, { watch: [1, 2, 3, 4].map((n) => ({ provider: 'postman', ref: `t${n}` })) }],
  ])('answers %s to POST /streams with a JSON %d', async (_, status, body) => {
    const fixture = await hub({ hub: { maxTasksPerStream: 3 } });
    const answer = await send(`${fixture.url}/streams`, body);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toEqual({ error: expect.any(String) });
    expect(fixture.provider.log.count()).toBe(0);
  });

  it('answers a body over 1 MiB with a 413, and stays up', async () => {
    const fixture = await hub();
    const answer = await send(`${fixture.url}/streams`, JSON.stringify({ watch: [], padding: 'x'.repeat(1024 * 1024) }));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ error: expect.stringMatching(/at most 1048576 bytes/) });
    expect((await open(fixture, [])).status).toBe(200);
  });

  it('answers 405 (Allow: POST) to another method, 404 off its paths', async () => {
    const fixture = await hub();
    const get = await send(`${fixture.url}/streams`, undefined, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect((await send(`${fixture.url}/streams/abc`, undefined, { method: 'DELETE' })).status).toBe(405);
    for (const path of ['/tasks', '/tasks/', '/tasks/nope', '/tasks/streams/a/b', '/tasks/streams/a.b', '/elsewhere/streams']) {
      const answer = await send(`${fixture.url.replace(/\/tasks$/, '')}${path}`, { watch: [] });
      expect([path, answer.status]).toEqual([path, 404]);
    }
  });

  it('answers POST /streams/{id}: 204 when done, 404 for a stream it does not have, 400 for a bad body, 413 past maxTasksPerStream', async () => {
    const fixture = await hub({ hub: { maxTasksPerStream: 2 } });
    const task = fixture.provider.tasks.create(forever());
    const reader = await open(fixture, []);
    await reader.next('hello');
    const stream = `${fixture.url}/streams/${reader.stream()}`;
    expect((await send(stream, { watch: [{ provider: 'postman', ref: task.id }] })).status).toBe(204);
    await reader.next('state');
    expect((await send(stream, { unwatch: 'all' })).status).toBe(400);
    expect((await send(stream, 'nope')).status).toBe(400);
    expect((await send(stream, { watch: [{ provider: 'postman', ref: 'b' }, { provider: 'postman', ref: 'c' }] })).status).toBe(413);
    expect((await send(`${fixture.url}/streams/not-a-stream`, { watch: [] })).status).toBe(404);
  });

  it('answers 503 once closed, and to a request whose body was still coming when it closed', async () => {
    const fixture = await hub();
    // The request line and headers are in, the body is not yet.
    const answered = new Promise<number>((resolve, reject) => {
      const outgoing = request(`${fixture.url}/streams`, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: closingAgent }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      outgoing.on('error', reject);
      outgoing.write('{"watch":');
      fixture.server.once('request', () => setImmediate(() => void fixture.hub.close().then(() => outgoing.end('[]}'))));
    });
    expect(await within('the answer', answered)).toBe(503);
    const answer = await send(`${fixture.url}/streams`, { watch: [] });
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ error: expect.any(String) });
  });

  describe('across origins', () => {
    const allowed = 'https://app.example.com';

    it('answers a preflight from an allowed origin, with credentials', async () => {
      const fixture = await hub({ hub: { allowOrigins: [allowed] } });
      const answer = await send(`${fixture.url}/streams`, undefined, { method: 'OPTIONS', headers: { origin: allowed, 'access-control-request-method': 'POST' } });
      expect(answer.status).toBe(204);
      expect(answer.headers).toMatchObject({
        'access-control-allow-origin': allowed,
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'POST',
        vary: 'origin',
      });
      expect(answer.headers['access-control-allow-headers']).toContain('last-event-id');
    });

    it('allows no other origin, and none at all without allowOrigins', async () => {
      for (const options of [{ allowOrigins: [allowed] }, {}]) {
        const fixture = await hub({ hub: options });
        for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.example', 'null']) {
          const preflight = await send(`${fixture.url}/streams`, undefined, { method: 'OPTIONS', headers: { origin } });
          expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
          const reader = await open(fixture, [], { headers: { origin } });
          expect(reader.headers['access-control-allow-origin']).toBeUndefined();
          expect(reader.headers['access-control-allow-credentials']).toBeUndefined();
        }
        if (options.allowOrigins === undefined) {
          const reader = await open(fixture, [], { headers: { origin: allowed } });
          expect(reader.headers['access-control-allow-origin']).toBeUndefined();
        }
      }
    });

    it('lets an allowed origin read the stream', async () => {
      const fixture = await hub({ hub: { allowOrigins: [`${allowed}/`] } });
      const reader = await open(fixture, [], { headers: { origin: allowed } });
      expect(reader.headers['access-control-allow-origin']).toBe(allowed);
      expect(reader.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      await reader.next('hello');
    });
  });
});

describe('one poll loop per task', () => {
  const interval = 150;

  it('polls a task watched by two streams once, and stops when the last one unwatches it', async () => {
    const fixture = await hub({ source: { interval } });
    const task = fixture.provider.tasks.create(forever());
    const watch = [{ provider: 'postman', ref: task.id }];
    const first = await open(fixture, watch);
    await first.next('state');
    const second = await open(fixture, watch);
    // The second stream gets the state the loop has, without a poll of its own.
    await second.next('state');
    const log = fixture.provider.log;
    await within('6 polls', log.waitForRequests(6, { taskId: task.id }));
    const starts = log.entries({ taskId: task.id }).map((entry) => entry.at);
    const gaps = starts.slice(1).map((at, index) => at - (starts[index] as number));
    // Two loops would put two polls close together (or count twice as many).
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(interval / 2);

    expect((await send(`${fixture.url}/streams/${first.stream()}`, { unwatch: watch })).status).toBe(204);
    const polled = log.count({ taskId: task.id });
    await within('polls for the stream left', log.waitForRequests(polled + 2, { taskId: task.id }));
    expect((await send(`${fixture.url}/streams/${second.stream()}`, { unwatch: watch })).status).toBe(204);
    await pollingStops(log, { taskId: task.id }, 3 * interval);
    // Both streams are still open: letting go of a task is not closing a stream.
    expect([first.isClosed(), second.isClosed()]).toEqual([false, false]);
  });

  it('keeps polling for a stream whose connection dropped until resumeWindowMs passes, then stops and forgets the stream', async () => {
    const fixture = await hub({ source: { interval: 100 }, hub: { resumeWindowMs: 1000 } });
    const task = fixture.provider.tasks.create(forever());
    const reader = await open(fixture, [{ provider: 'postman', ref: task.id }]);
    await reader.next('state');
    const stream = reader.stream();
    const log = fixture.provider.log;
    reader.close();
    const droppedAt = Date.now();
    const polled = log.count({ taskId: task.id });
    await within('polls within the resume window', log.waitForRequests(polled + 2, { taskId: task.id }));
    await pollingStops(log, { taskId: task.id }, 500);
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(1000);
    expect((await send(`${fixture.url}/streams/${stream}`, { watch: [] })).status).toBe(404);
  });
});

describe('Last-Event-ID', () => {
  /** A Stream task whose result moves on (n = 0, 1, 2, …) only when the test moves the fake server's clock. */
  async function steppedTask(hubOptions: Partial<TaskHubOptions> = {}) {
    let now = 1_000_000;
    const fixture = await hub({ provider: { clock: () => now }, source: { interval: 30 }, hub: hubOptions });
    const task = fixture.provider.tasks.create({ provider: 'stream', steps: Array.from({ length: 10 }, (_, n) => ({ at: n * 100, status: 'running', result: { n } })) });
    const stepOf = (event: StateEvent) => (JSON.parse(event.state) as { state: { result: { n: number } } }).state.result.n;
    return { fixture, watch: [{ provider: 'stream', ref: task.id }], step: () => (now += 100), stepOf };
  }

  it('takes a stream up again after the last event the page read: each event after it once, then the live ones', async () => {
    const { fixture, watch, step, stepOf } = await steppedTask();
    const before = await open(fixture, watch);
    await before.next<StateEvent>('state');
    step();
    await before.next<StateEvent>('state', (state) => stepOf(state) === 1);
    step();
    await before.next<StateEvent>('state', (state) => stepOf(state) === 2);
    const read = before.all<StateEvent>('state');
    before.close();
    await before.closed;
    // A state the page missed while away.
    step();
    await within('the poll while away', fixture.provider.log.waitForSettled(fixture.provider.log.count() + 1));

    // The page says it read only the first state: the two after it come again, then the one it missed.
    const after = await open(fixture, watch, { headers: { 'last-event-id': read[0]?.id as string } });
    await after.next<StateEvent>('state', (state) => stepOf(state) === 3);
    expect(after.stream()).toBe(before.stream());
    step();
    await after.next<StateEvent>('state', (state) => stepOf(state) === 4);
    const resumed = after.all<StateEvent>('state');
    expect(resumed.slice(0, 2)).toEqual(read.slice(1));
    expect(resumed.map(stepOf)).toEqual([1, 2, 3, 4]);
    const seqs = [read[0], ...resumed].map((event) => seqOf(event?.id));
    expect(seqs).toEqual(seqs.map((_, index) => (seqs[0] as number) + index));
    expect(after.events[0]?.event).toBe('hello');
  });

  it('sends nothing again to a page that read everything', async () => {
    const { fixture, watch, step, stepOf } = await steppedTask();
    const before = await open(fixture, watch);
    await before.next('state');
    step();
    const last = await before.next<StateEvent>('state', (state) => stepOf(state) === 1);
    before.close();
    await before.closed;
    const after = await open(fixture, watch, { headers: { 'last-event-id': last.id as string } });
    await after.next('hello');
    step();
    await after.next<StateEvent>('state', (state) => stepOf(state) === 2);
    expect(after.all<StateEvent>('state').map(stepOf)).toEqual([2]);
    expect(seqOf(after.all<StateEvent>('state')[0]?.id)).toBe(seqOf(last.id) + 1);
  });

  it('past the events it kept (replayBytes), sends each task its latest state, unless the page has it (have)', async () => {
    const fixture = await hub({ hub: { replayBytes: 1 } });
    const kept = fixture.provider.tasks.create(forever());
    const changed = fixture.provider.tasks.create(forever());
    const watch = [
      { provider: 'postman', ref: kept.id },
      { provider: 'postman', ref: changed.id },
    ];
    const before = await open(fixture, watch);
    await before.until('both states', () => before.all('state').length === 2);
    const [first] = before.all<StateEvent>('state');
    const latest = new Map(before.all<StateEvent>('state').map((event) => [event.ref, event]));
    before.close();
    await before.closed;

    const after = await open(
      fixture,
      // In this order: a state of the first task, if sent, would come before the second's.
      [
        { provider: 'postman', ref: kept.id, have: fingerprint(latest.get(kept.id)?.state as string) },
        { provider: 'postman', ref: changed.id, have: 'stale.fingerprint' },
      ],
      { headers: { 'last-event-id': first?.id as string } },
    );
    const resent = await after.next<StateEvent>('state');
    expect(after.stream()).toBe(before.stream());
    expect(resent).toMatchObject({ ref: changed.id, state: latest.get(changed.id)?.state });
    expect(after.all('state')).toHaveLength(1);
  });

  it('opens a new stream for a Last-Event-ID it does not know, and sends no state the page has (have)', async () => {
    const fixture = await hub();
    const task = fixture.provider.tasks.create(forever());
    const other = fixture.provider.tasks.create(forever());
    const before = await open(fixture, [{ provider: 'postman', ref: task.id }]);
    const state = await before.next<StateEvent>('state');
    const after = await open(
      fixture,
      [
        { provider: 'postman', ref: task.id, have: fingerprint(state.state) },
        { provider: 'postman', ref: other.id },
      ],
      { headers: { 'last-event-id': '00000000-gone.12' } },
    );
    await after.next<StateEvent>('state');
    expect(after.stream()).not.toBe(before.stream());
    expect(after.stream()).not.toBe('00000000-gone');
    expect(after.all<StateEvent>('state').map((event) => event.ref)).toEqual([other.id]);
  });
});

describe('keep-alive', () => {
  it('writes a comment every keepAliveMs on an idle stream', async () => {
    const fixture = await hub({ hub: { keepAliveMs: 50 } });
    const reader = await open(fixture, []);
    expect(await reader.next('hello')).toEqual({ stream: expect.any(String), keepAliveMs: 50 });
    await reader.until('two keep-alive comments', () => reader.comments() >= 2, 3000);
    expect(reader.events.map((event) => event.event)).toEqual(['hello']);
  });
});

describe('pages that read too slowly', () => {
  const maxBufferedBytes = 64 * 1024;
  /** What the hub did with one page's connection. */
  interface Seen {
    /** The most bytes the hub held for the page at once (its writable buffer after a write). */
    peak: number;
    largestWrite: number;
    endedAt?: number;
    socketClosedAt?: number;
  }
  const seen = new Map<string, Seen>();
  let fixture: HubFixture;
  let late: HubReader;
  let never: HubReader;

  // Two pages that stop reading at once, while ten tasks send a state of about 56 KB every 20 ms: about 4 MB
  // go into each connection's socket buffers before the hub's own buffer for it fills. One page reads again
  // once the hub has ended its connection, the other never does.
  beforeAll(async () => {
    fixture = await startHub({ hub: { maxBufferedBytes }, source: { interval: 20 } });
    const pad = 'x'.repeat(28_000);
    const tasks = Array.from({ length: 10 }, () =>
      fixture.provider.tasks.create({ provider: 'stream', steps: Array.from({ length: 3000 }, (_, n) => ({ at: n * 20, status: 'running', result: { n, pad } })) }),
    );
    fixture.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const page = request.headers['x-page'];
      if (typeof page !== 'string') return;
      const record: Seen = { peak: 0, largestWrite: 0 };
      seen.set(page, record);
      response.socket?.once('close', () => (record.socketClosedAt = Date.now()));
      const write = response.write.bind(response) as (chunk: string) => boolean;
      response.write = ((chunk: string) => {
        const result = write(chunk);
        record.largestWrite = Math.max(record.largestWrite, Buffer.byteLength(chunk));
        record.peak = Math.max(record.peak, response.writableLength);
        return result;
      }) as typeof response.write;
      const end = response.end.bind(response) as (chunk: string) => ServerResponse;
      response.end = ((chunk: string) => {
        record.endedAt = Date.now();
        // The late page reads again at once (well within END_GRACE_MS, after which the hub cuts a page that does not).
        if (page === 'late') setImmediate(() => late.read());
        return end(chunk);
      }) as typeof response.end;
    });
    const watch = tasks.map((task) => ({ provider: 'stream', ref: task.id }));
    [late, never] = await Promise.all(['late', 'never'].map((page) => openStream(fixture.url, watch, { paused: true, headers: { 'x-page': page } })));
    await eventually('the hub to end both connections', () => seen.get('late')?.endedAt !== undefined && seen.get('never')?.endedAt !== undefined, 20_000);
  }, 30_000);

  afterAll(async () => {
    late.close();
    never.close();
    await fixture.close();
  });

  it('holds at most maxBufferedBytes (and the write that crossed it) for a page that has stopped reading, then ends its connection', () => {
    for (const page of ['late', 'never']) {
      const { peak, largestWrite } = seen.get(page) as Seen;
      expect(peak).toBeGreaterThan(maxBufferedBytes);
      expect(peak).toBeLessThanOrEqual(maxBufferedBytes + largestWrite);
    }
  });

  it('tells a page that reads again why it was dropped (slow-reader), after every event sent before, in order', async () => {
    const dropped = await late.next<{ reason: string }>('dropped', undefined, 10_000);
    expect(dropped.reason).toBe('slow-reader');
    await within('the connection to end', late.closed);
    const kinds = late.events.map((event) => event.event);
    expect([kinds[0], kinds.at(-1)]).toEqual(['hello', 'dropped']);
    const seqs = late.events.filter((event) => event.event === 'state').map((event) => seqOf(event.id));
    expect(seqs.length).toBeGreaterThan(0);
    expect(seqs).toEqual(seqs.map((_, index) => index + 1));
  });

  it('cuts the connection of a page that never reads again, within END_GRACE_MS (2 s)', async () => {
    const record = seen.get('never') as Seen;
    await eventually('the hub to cut the connection', () => record.socketClosedAt !== undefined, 5000);
    expect((record.socketClosedAt as number) - (record.endedAt as number)).toBeLessThan(4000);
  });

  it('closes a connection it dropped even when its socket took every byte the hub held (with a long keepAliveTimeout)', async () => {
    // States of about 60 KB, each more than maxBufferedBytes: the first ones cross it while the socket can still take them.
    const own = await hub({ hub: { maxBufferedBytes: 16 * 1024 }, source: { interval: 10_000 } });
    own.server.keepAliveTimeout = 60_000;
    const big = 'x'.repeat(30_000);
    const tasks = Array.from({ length: 20 }, () => own.provider.tasks.create({ provider: 'stream', steps: [{ at: 0, status: 'running', result: big }] }));
    let ended = false;
    own.server.once('request', (_: IncomingMessage, response: ServerResponse) => {
      const end = response.end.bind(response) as (chunk: string) => ServerResponse;
      response.end = ((chunk: string) => {
        ended = true;
        return end(chunk);
      }) as typeof response.end;
    });
    await open(
      own,
      tasks.map((task) => ({ provider: 'stream', ref: task.id })),
      { paused: true },
    );
    await eventually('the hub to end the connection', () => ended, 10_000);
    await eventually('the connection to close', () => own.openSockets() === 0, 5000);
  });
});

describe('close()', () => {
  const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

  it('ends 1,000 open streams (dropped: closing), leaves no socket, no timer and no poll loop behind', async () => {
    const fixture = await hub({ source: { interval: 100 } });
    const task = fixture.provider.tasks.create(forever());
    const timersBefore = timers();
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
    const pages: HubReader[] = [];
    for (let batch = 0; batch < 10; batch++) {
      pages.push(...(await Promise.all(Array.from({ length: 100 }, () => open(fixture, [{ provider: 'postman', ref: task.id }], { agent })))));
    }
    await Promise.all(pages.map((page) => page.next('state', undefined, 10_000)));
    expect(fixture.openSockets()).toBe(1000);
    // The count sees the hub's timers (its keep-alive, the poll loop's).
    await eventually('the hub to hold timers', () => timers() > timersBefore, 2000);

    await within('close()', fixture.hub.close(), 10_000);
    await Promise.all(pages.map((page) => within('each stream to end', page.closed)));
    expect(pages.filter((page) => page.all<{ reason: string }>('dropped').map((event) => event.reason).join() !== 'closing')).toHaveLength(0);
    await eventually('every socket to the hub to close', () => fixture.openSockets() === 0);
    await pollingStops(fixture.provider.log, { taskId: task.id }, 300);
    // Waited for, not read once: jest's own reporter sets a short timer now and then.
    await eventually('the hub and its sources to hold no timer', () => timers() <= timersBefore, 2000);
    expect((await send(`${fixture.url}/streams`, { watch: [] })).status).toBe(503);
    agent.destroy();
  }, 30_000);

  it('lets go of an authorize still pending: its timeout does not keep the process alive', async () => {
    const fixture = await hub({ hub: { authorize: () => new Promise<boolean>(() => undefined) } });
    const timersBefore = timers();
    const reader = await open(fixture, [{ provider: 'postman', ref: 'asked' }]);
    await reader.next('hello');
    await within('close()', fixture.hub.close());
    await within('the stream to end', reader.closed);
    // authorizeTimeout is 10 s: a timer of it left running would hold the process that long.
    await eventually('the hub to hold no timer', () => timers() <= timersBefore);
    expect(reader.all('dropped')).toEqual([{ reason: 'closing' }]);
    expect(reader.all('end')).toEqual([]);
  });
});
