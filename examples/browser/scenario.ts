// The batch the example page follows, on a fake provider server: eight tasks
// over Stream, Postman and Mobizon, finishing 4 to 6.5 s after creation (time
// enough to hide the page while all of them run), three of them failing. Used by demo.ts and by spec/browser/chromium.spec.ts.
import { signStreamToken, type FakeProviderServer, type FakeProviderServerOptions, type FakeTask, type TaskSpec } from '../../src/testing/index.js';
import { taskKey, type ExampleTask, type PageConfig } from './pageConfig.js';

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

const SPECS: readonly (readonly [ExampleTask['kind'], TaskSpec])[] = [
  ['stream', { provider: 'stream', id: 'export-users', duration: 4000 }],
  ['stream', { provider: 'stream', id: 'export-channels', duration: 5500 }],
  ['stream', { provider: 'stream', id: 'delete-channel', duration: 4500, outcome: 'failed', error: { type: 'export_error', message: 'channel not found' } }],
  ['postman', { provider: 'postman', id: 'collection-update', duration: 4500 }],
  ['postman-merge', { provider: 'postman', kind: 'collection-merge', id: 'collection-merge', duration: 6000, outcome: 'failed', error: { message: 'Merge conflict' } }],
  ['postman-api', { provider: 'postman', kind: 'api', id: 'api-version', apiId: 'api-1', duration: 5500 }],
  ['mobizon', { provider: 'mobizon', duration: 5000 }],
  ['mobizon', { provider: 'mobizon', duration: 6500, outcome: 'failed' }],
];

/**
 * Creates the batch on `server` (all at once, now on its clock) and the page
 * config that follows it. `slowdown` stretches every duration (a person
 * opening the page needs more than 4 s).
 */
export async function createExampleScenario(server: FakeProviderServer, { slowdown = 1 }: { readonly slowdown?: number } = {}): Promise<ExampleScenario> {
  const created = server.tasks.createMany(SPECS.map(([, spec]) => ({ ...spec, duration: (spec.duration as number) * slowdown })));
  const pageTasks = created.map((task, index): ExampleTask => {
    const kind = (SPECS[index] as (typeof SPECS)[number])[0];
    return kind === 'postman-api' ? { kind, id: task.id, apiId: task.apiId as string } : { kind, id: task.id };
  });
  const { stream, mobizon, postman } = server.credentials;
  return {
    config: {
      server: server.url,
      // The token is signed here, where the secret is: the page only ever sees the token.
      credentials: { streamKey: stream.apiKey, streamToken: await signStreamToken(stream.apiSecret), mobizonKey: mobizon.apiKey, postmanKey: postman.apiKey },
      tasks: pageTasks,
    },
    tasks: created.map((task, index) => ({
      key: taskKey(pageTasks[index] as ExampleTask),
      task,
      expected: task.outcome === 'failed' ? 'failed' : 'completed',
    })),
  };
}
