// The batch the example page follows, on a fake provider server: eight tasks
// over Stream, Postman and Mobizon, finishing 4 to 6.5 s after creation (time
// enough to hide the page while all of them run), three of them failing; and
// the hub's sources on that server, holding its keys. Used by demo.ts and by
// spec/browser/chromium.spec.ts. Node only: the page never imports it.
import { mobizonTasks, postmanTasks, streamTasks, type SourceOptions, type TaskSource } from '../../src/index.js';
import type { FakeProviderServer, FakeProviderServerOptions, FakeTask, TaskSpec } from '../../src/testing/index.js';
import { DEFAULT_HUB, taskKey, type ExampleProvider, type ExampleTask, type PageConfig } from './pageConfig.js';

/**
 * The server's request budgets: the library's default budget of each source
 * (Stream 2/s, Postman 2/s, Mobizon 1/s), enforced; strict Mobizon also
 * refuses two requests for one task less than a second apart.
 */
export const EXAMPLE_SERVER_OPTIONS = {
  stream: { budget: 2 },
  postman: { budget: 2 },
  mobizon: { budget: 1, strict: true },
} as const satisfies FakeProviderServerOptions;

export interface ScenarioTask {
  /** The task's name on the page (`data-task`). */
  readonly key: string;
  readonly task: FakeTask;
  readonly expected: 'completed' | 'failed';
}

export interface ExampleScenario {
  readonly config: PageConfig;
  readonly tasks: readonly ScenarioTask[];
}

/** Each task as the page names it (`ref` of its created task), and how the server runs it. */
const SPECS: readonly (readonly [ExampleProvider, (task: FakeTask) => string, TaskSpec])[] = [
  ['stream', ({ id }) => id, { provider: 'stream', id: 'export-users', duration: 4000 }],
  ['stream', ({ id }) => id, { provider: 'stream', id: 'export-channels', duration: 5500 }],
  ['stream', ({ id }) => id, { provider: 'stream', id: 'delete-channel', duration: 4500, outcome: 'failed', error: { type: 'export_error', message: 'channel not found' } }],
  ['postman', ({ id }) => id, { provider: 'postman', id: 'collection-update', duration: 4500 }],
  ['postman', ({ id }) => `merge:${id}`, { provider: 'postman', kind: 'collection-merge', id: 'collection-merge', duration: 6000, outcome: 'failed', error: { message: 'Merge conflict' } }],
  ['postman', ({ id, apiId }) => `${apiId}/${id}`, { provider: 'postman', kind: 'api', id: 'api-version', apiId: 'api-1', duration: 5500 }],
  ['mobizon', ({ id }) => id, { provider: 'mobizon', duration: 5000 }],
  ['mobizon', ({ id }) => id, { provider: 'mobizon', duration: 6500, outcome: 'failed' }],
];

/**
 * Creates the batch on `server` (all at once, now on its clock) and the page
 * config that follows it through the hub at `hub`. `slowdown` stretches
 * every duration (a person opening the page needs more than 4 s).
 */
export function createExampleScenario(server: FakeProviderServer, { slowdown = 1, hub = DEFAULT_HUB }: { readonly slowdown?: number; readonly hub?: string } = {}): ExampleScenario {
  const created = server.tasks.createMany(SPECS.map(([, , spec]) => ({ ...spec, duration: (spec.duration as number) * slowdown })));
  const pageTasks = created.map((task, index): ExampleTask => {
    const [provider, refOf] = SPECS[index] as (typeof SPECS)[number];
    return { provider, ref: refOf(task) };
  });
  return {
    config: { hub, tasks: pageTasks },
    tasks: created.map((task, index) => ({
      key: taskKey(pageTasks[index] as ExampleTask),
      task,
      expected: task.outcome === 'failed' ? 'failed' : 'completed',
    })),
  };
}

/**
 * The hub's sources on `server` (`only` these), with its credentials, and
 * `options` (the library's defaults otherwise, as a real back end would have
 * them). Stream's source signs its own server tokens with the secret, which
 * never leaves this process.
 */
export function hubSources(
  server: FakeProviderServer,
  only: readonly ExampleProvider[] = ['stream', 'mobizon', 'postman'],
  options: SourceOptions = {},
): Partial<Record<ExampleProvider, TaskSource>> {
  const { stream, mobizon, postman } = server.credentials;
  const common = { ...options, baseUrl: server.url };
  const make: Record<ExampleProvider, () => TaskSource> = {
    stream: () => streamTasks({ ...common, apiKey: stream.apiKey, apiSecret: stream.apiSecret }),
    mobizon: () => mobizonTasks({ ...common, apiKey: mobizon.apiKey }),
    postman: () => postmanTasks({ ...common, apiKey: postman.apiKey }),
  };
  return Object.fromEntries(only.map((provider) => [provider, make[provider]()]));
}
