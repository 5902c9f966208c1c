import { generateScenario, startFakeProviderServer, type FakeCredentials, type FakeProviderServer, type FakeTask } from '../testing/index.js';
import type { TaskSource } from '../index.js';
import type { CliIO } from './cliIO.js';
import { createSource } from './createSource.js';
import { CREDENTIAL_VARIABLES, PROVIDERS, type ProviderName } from './credentials.js';
import { EXIT, UsageError, type ExitCode } from './exitCodes.js';
import { formatElapsed } from './taskView.js';

/** What `--scenario` takes: the demo's mix of all three providers, or one provider's tasks. */
export const SCENARIOS = ['mixed', 'stream', 'mobizon', 'postman'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface FakeServerCommandInput {
  /** The port on 127.0.0.1; 0 for any free one. */
  readonly port: number;
  readonly scenario: ScenarioName;
}

/**
 * Task durations, ms from the server's start, spread log-uniformly as in the
 * demo: many end within seconds, before a line is pasted into another shell,
 * and a few minutes later, so that a watch started by hand meets tasks that
 * have ended and tasks still going, and sees these end.
 */
const MIN_DURATION = 3000;
const MAX_DURATION = 180_000;
/** The same tasks, ids included, every time the server starts. */
const SEED = 1;
/** The demo's default batch for the mix (8 tasks per provider); half as many for one provider. */
const MIXED_TASKS = 24;
const ONE_PROVIDER_TASKS = 12;
/** How many tasks the watch lines name per provider: the last to end, still running when they are pasted. */
const WATCHED_PER_PROVIDER = 3;

/**
 * `rx-task-status fake-server`: the fake Stream, Mobizon and Postman APIs of
 * `rx-task-status/testing` on 127.0.0.1, with a scenario's tasks created at
 * start, for trying `watch` (or one's own code) without an account. Prints the
 * base URL, the tasks, and the lines to paste into another shell; then serves
 * until stopped (Ctrl-C: 130, as for every command), and closes the server.
 */
export async function fakeServerCommand({ port, scenario }: FakeServerCommandInput, io: CliIO): Promise<ExitCode> {
  const server = await listen(port);
  try {
    const providers = scenario === 'mixed' ? PROVIDERS : [scenario];
    const count = scenario === 'mixed' ? MIXED_TASKS : ONE_PROVIDER_TASKS;
    const specs = generateScenario({ seed: SEED, count, providers, minDuration: MIN_DURATION, maxDuration: MAX_DURATION });
    const tasks = byProviderThenEnd(server.tasks.createMany(specs));
    io.stdout.write(introduction({ server, scenario, providers, tasks }));
    await stopped(io.signal);
    return EXIT.interrupted;
  } finally {
    await server.close();
  }
}

/** The environment a user of a fake server exports: its own credentials (not secrets), under the variables `watch` reads. */
export function fakeServerEnvironment(credentials: FakeCredentials): Record<string, string> {
  return {
    [CREDENTIAL_VARIABLES.stream.apiKey]: credentials.stream.apiKey,
    [CREDENTIAL_VARIABLES.stream.apiSecret]: credentials.stream.apiSecret,
    [CREDENTIAL_VARIABLES.mobizon.apiKey]: credentials.mobizon.apiKey,
    [CREDENTIAL_VARIABLES.postman.apiKey]: credentials.postman.apiKey,
  };
}

/** A fake task's ref, as its source takes it: the id, or Postman's `{ id, kind }` and `{ id, apiId }`. */
export function fakeTaskRef(task: FakeTask): unknown {
  switch (task.kind) {
    case 'api':
      return { id: task.id, apiId: task.apiId };
    case 'collection-merge':
      return { id: task.id, kind: 'collection-merge' };
    default:
      return task.id;
  }
}

async function listen(port: number): Promise<FakeProviderServer> {
  try {
    return await startFakeProviderServer({ port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`Port ${port} of 127.0.0.1 is in use: choose another --port, or leave it out for any free one.`);
    if (code === 'EACCES') throw new UsageError(`Port ${port} of 127.0.0.1 needs privileges: choose a port above 1023, or leave --port out for any free one.`);
    throw error;
  }
}

function stopped(signal: AbortSignal | undefined): Promise<void> {
  // Without a signal, nothing stops it but the end of the process.
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    else signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

function byProviderThenEnd(tasks: readonly FakeTask[]): FakeTask[] {
  const end = (task: FakeTask) => task.terminalAt ?? Infinity;
  return PROVIDERS.flatMap((provider) => tasks.filter((task) => task.provider === provider).sort((a, b) => end(a) - end(b)));
}

interface IntroductionInput {
  readonly server: FakeProviderServer;
  readonly scenario: ScenarioName;
  readonly providers: readonly ProviderName[];
  /** By provider, then by end. */
  readonly tasks: readonly FakeTask[];
}

/** What the command prints once, before it serves: the base URL, every task, and the lines to paste. */
function introduction({ server, scenario, providers, tasks }: IntroductionInput): string {
  const env = fakeServerEnvironment(server.credentials);
  // Each ref in its text form, as `watch` takes it, written by the source `watch` would configure.
  const sources = new Map(providers.map((provider) => [provider, createSource({ provider, env, baseUrl: server.url })]));
  const textOf = (task: FakeTask) => (sources.get(task.provider) as TaskSource).formatRef(fakeTaskRef(task));
  const table = tasks.map((task) => {
    const endsAfter = formatElapsed((task.terminalAt ?? task.createdAt) - task.createdAt);
    return `  ${task.provider.padEnd(8)}  ${endsAfter.padStart(10)}  ${(task.outcome ?? 'never').padEnd(9)}  ${textOf(task)}`;
  });
  const variables = providers.flatMap((provider) => Object.values(CREDENTIAL_VARIABLES[provider]) as string[]);
  const watches = providers.map((provider) => {
    const ids = tasks.filter((task) => task.provider === provider).slice(-WATCHED_PER_PROVIDER).map(textOf);
    return `npx rx-task-status watch ${provider} ${ids.map(shellWord).join(' ')} --base-url ${server.url}`;
  });
  return [
    `Fake ${providers.map(title).join(', ').replace(/, ([^,]+)$/, ' and $1')} ${providers.length > 1 ? 'APIs' : 'API'} on ${server.url}`,
    `Scenario ${scenario}: ${tasks.length} tasks, started now; each ends as listed (time from now), whether watched or not.`,
    '',
    `  ${'provider'.padEnd(8)}  ${'ends after'.padStart(10)}  ${'as'.padEnd(9)}  task`,
    ...table,
    '',
    "In another shell (the fake server's own credentials, not secrets):",
    '',
    ...variables.map((name) => `export ${name}=${shellWord(env[name] ?? '')}`),
    ...watches,
    '',
    'Serving until Ctrl-C.',
    '',
  ].join('\n');
}

function title(provider: ProviderName): string {
  return provider[0]?.toUpperCase() + provider.slice(1);
}

/** A word a POSIX shell reads back as it is: left bare when it can be, else in single quotes. */
function shellWord(text: string): string {
  return /^[\w.:/@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
