// The React example's back end: it bundles page.tsx, serves it, and mounts a
// task hub in front of a fake Mobizon that runs a scripted batch. The batch
// starts when a page first asks the hub for it; every page watches the same
// tasks, and the fake provider still sees one poll per task. Run it with
//   npx ts-node examples/react-hub/server.ts
// and open the URL it prints (in several tabs if you like). Ctrl-C stops it.
import { build } from 'esbuild';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { mobizonTasks, type SourceOptions } from 'rx-task-status';
import { createTaskHub } from 'rx-task-status/hub';
import { packageFromSources } from '../browser/bundle.js';
import { acceleratedTime, startFakeProviderServer, type FakeProviderServer, type TaskSpec } from 'rx-task-status/testing';

/** The batch, in task time from its start: three complete, one is rejected. */
const BATCH: readonly TaskSpec[] = [
  { provider: 'mobizon', id: '100001', duration: 12_000 },
  { provider: 'mobizon', id: '100002', duration: 16_000, outcome: 'failed' },
  { provider: 'mobizon', id: '100003', duration: 20_000 },
  { provider: 'mobizon', id: '100004', duration: 24_000 },
];
/** The tasks the page shows: the batch, and an id Mobizon does not know (mistyped, or long gone). */
export const TASK_IDS: readonly string[] = [...BATCH.map(({ id }) => id as string), '999999'];

export interface ReactHubExampleOptions {
  /** How many times faster than the wall clock task time runs (tests pass 5). Default 1. */
  readonly timeFactor?: number;
  /** Options of the hub's Mobizon source. Default: the library's (1 request a second). */
  readonly source?: SourceOptions;
}

export interface ReactHubExample {
  /** `http://127.0.0.1:PORT`: the page; its hub is at `/tasks`. */
  readonly url: string;
  readonly provider: FakeProviderServer;
  /** Closes the hub (every page is told), the server and the fake provider. */
  close(): Promise<void>;
}

export async function startReactHubExample({ timeFactor = 1, source }: ReactHubExampleOptions = {}): Promise<ReactHubExample> {
  const { outputFiles } = await build({
    entryPoints: [join(__dirname, 'page.tsx')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    jsx: 'automatic',
    // React's development build: it says on the console what a component does wrong.
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'silent',
    // An installed rx-task-status resolves to its browser build by itself (its exports map and its `browser` field); here, that build's sources.
    conditions: ['browser'],
    plugins: [packageFromSources()],
  });
  const script = outputFiles[0]?.contents;
  const time = acceleratedTime(timeFactor);
  const provider = await startFakeProviderServer({ clock: time.now });
  const { apiKey } = provider.credentials.mobizon;
  const mobizon = mobizonTasks({ ...source, apiKey, baseUrl: provider.url, scheduler: time.scheduler });
  const sessions = new Set<string>();
  const hub = createTaskHub({
    sources: { mobizon },
    // Your own check: a session this server started, and a task of its batch.
    authorize: (request, task) => sessions.has(sessionOf(request) ?? '') && TASK_IDS.includes(task.text),
    basePath: '/tasks',
  });
  let batchStarted = false;

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path.startsWith('/tasks/')) {
      // However long the first page takes to open, the provider's tasks start when it asks for them.
      if (!batchStarted) provider.tasks.createMany(BATCH);
      batchStarted = true;
      return hub(request, response);
    }
    if (path === '/page.js') return response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    if (path !== '/') return response.writeHead(404).end();
    const session = randomUUID();
    sessions.add(session);
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': `session=${session}; HttpOnly; SameSite=Strict; Path=/` });
    return response.end(page(TASK_IDS));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await hub.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await provider.close();
    })());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, provider, close };
}

function sessionOf(request: IncomingMessage): string | undefined {
  return /(?:^|;\s*)session=([\w-]+)/.exec(request.headers.cookie ?? '')?.[1];
}

const page = (taskIds: readonly string[]) => `<!doctype html>
<html lang="en">
<meta charset="utf-8"><title>Mobizon tasks</title><link rel="icon" href="data:,">
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 46rem; }
  li, #batch { display: grid; grid-template-columns: 5rem 12rem 1fr; gap: 1rem; align-items: center; }
  #batch { grid-template-columns: 18rem 1fr; font-weight: 600; }
  ul { list-style: none; padding: 0; } progress { width: 100%; }
  [data-status='failed'], [data-status='error'] { color: #a4161a; }
</style>
<div id="root" data-tasks="${taskIds.join(' ')}"></div>
<script type="module" src="/page.js"></script>
</html>`;

if (require.main === module) {
  startReactHubExample().then(
    (example) => {
      console.log(`Open ${example.url}/`);
      console.log('The tasks start when the first page opens, and end 12 to 24 s later. Ctrl-C stops the server.');
      const stop = () => void example.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
