// The example's back end: its hub lets a request watch tasks only with a
// session the server started when it served the page. Read here with
// `hubTasks` from Node, as a page would read it, cookie and all.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, last } from 'rxjs';
import { AuthenticationError, hubTasks, type TaskState } from '../../src/index.js';
import { startFakeProviderServer, type FakeProviderServer } from '../../src/testing/index.js';
import { SESSION_COOKIE, startExampleServer, type ExampleServer } from '../../examples/browser/exampleServer';
import type { ExampleTask } from '../../examples/browser/pageConfig';
import { createExampleScenario, EXAMPLE_SERVER_OPTIONS, hubSources } from '../../examples/browser/scenario';

describe('the example server', () => {
  let folder: string;
  let providers: FakeProviderServer;
  let site: ExampleServer;

  beforeEach(async () => {
    folder = mkdtempSync(join(tmpdir(), 'rx-task-status-example-server-'));
    writeFileSync(join(folder, 'index.html'), '<!doctype html><title>tasks</title>');
    providers = await startFakeProviderServer(EXAMPLE_SERVER_OPTIONS);
    site = await startExampleServer({ folder, sources: hubSources(providers) });
  });

  afterEach(async () => {
    await site.close();
    await providers.close();
    rmSync(folder, { recursive: true, force: true });
  });

  /** The first task of the example's batch (a Stream export), watched through the hub with `cookie`, to its last state. */
  function watchWith(cookie: string | undefined): Promise<TaskState> {
    const { provider, ref } = createExampleScenario(providers, { slowdown: 0.1 }).config.tasks[0] as ExampleTask;
    const source = hubTasks({ url: `${site.url}/tasks`, provider, ...(cookie === undefined ? {} : { headers: { cookie } }), retry: { retries: 0 } });
    return firstValueFrom(source.watch(ref).pipe(last()));
  }

  it('gives the page a session it cannot read, and the hub follows tasks for that session', async () => {
    const response = await fetch(`${site.url}/`);
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[\\w-]{36}; HttpOnly; SameSite=Strict; Path=/$`));
    await response.arrayBuffer();
    const state = await watchWith(setCookie.slice(0, setCookie.indexOf(';')));
    expect(state).toMatchObject({ provider: 'stream', status: 'completed' });
    expect(providers.log.count({ provider: 'stream' })).toBeGreaterThan(0);
  });

  it.each([
    ['no session', undefined],
    ['a session it did not start', `${SESSION_COOKIE}=0b9e44d2-7f1c-4c3e-8a51-3d2b1e0f9a6c`],
  ])('refuses a request with %s, and polls nothing for it', async (_, cookie) => {
    const refused = await watchWith(cookie).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AuthenticationError);
    expect(refused).toMatchObject({ code: 'AUTHENTICATION', details: { status: 403 } });
    expect(providers.log.count()).toBe(0);
  });
});
