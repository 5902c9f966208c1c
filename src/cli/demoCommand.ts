import { acceleratedTime, generateScenario, startFakeProviderServer, type FakeProviderServer, type FakeTask } from '../testing/index.js';
import type { CliIO } from './cliIO.js';
import type { TaskSource } from '../index.js';
import { createSource, followedTask } from './createSource.js';
import { PROVIDERS, type ProviderName } from './credentials.js';
import { summarise, summaryTable } from './demoSummary.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import { fakeServerEnvironment, fakeTaskRef } from './fakeServerCommand.js';
import { chooseView, followTasks } from './followTasks.js';

export interface DemoCommandInput {
  /** How many tasks, dealt in turn to Stream, Mobizon and Postman. */
  readonly tasks: number;
  readonly json: boolean;
  /** Time runs this many times faster than the wall clock (tasks, polls, budgets alike). */
  readonly speed: number;
  /** The same seed gives the same tasks. */
  readonly seed: number;
}

/** Task durations of the demo, ms of (possibly fast-forwarded) task time: many short tasks, a few long ones. */
const MIN_DURATION = 1000;
const MAX_DURATION = 15_000;

/**
 * `rx-task-status demo`: the fake provider server in this process, a batch of
 * scripted tasks on all three providers, and the same watch as `watch` (the
 * real sources, over real HTTP to 127.0.0.1), then a summary per provider.
 *
 * Some tasks are scripted to fail: that is the demo working. It exits 1 only
 * when a task ended otherwise than its script says (a bug worth reporting).
 */
export async function demoCommand({ tasks: count, json, speed, seed }: DemoCommandInput, io: CliIO): Promise<ExitCode> {
  const time = acceleratedTime(speed);
  const server = await startFakeProviderServer({ clock: time.now });
  try {
    const specs = generateScenario({ seed, count, minDuration: MIN_DURATION, maxDuration: MAX_DURATION });
    const fakeTasks = sortByProvider(server.tasks.createMany(specs));
    const sources = sourcesFor(server, time.scheduler);
    const tasks = fakeTasks.map((task) => followedTask(sources[task.provider], fakeTaskRef(task)));
    if (!json && io.isTTY) {
      io.stdout.write(`Fake Stream, Mobizon and Postman APIs on ${server.url}: ${count} tasks (seed ${seed}), time ×${speed}.\n\n`);
    }
    const outcome = await followTasks({
      tasks,
      view: chooseView({ io, json, clock: time.now }),
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      clock: time.now,
    });
    if (outcome.aborted) return EXIT.interrupted;

    const providers = summarise({ fakeTasks, outcome, requestsOf: (provider) => server.log.count({ provider }) });
    const unscripted = fakeTasks.filter((task, index) => outcome.errors[index] !== undefined || outcome.states[index]?.status !== task.outcome);
    if (json || !io.isTTY) {
      io.stdout.write(`${JSON.stringify({ summary: { tasks: count, seed, speed, providers, unscripted: unscripted.map((task) => textOf(sources, task)) } })}\n`);
    } else {
      io.stdout.write(`\n${summaryTable(providers)}\n`);
      io.stdout.write('Failures above were scripted: the demo shows how they look.\n');
    }
    for (const task of unscripted) io.stderr.write(`rx-task-status: ${task.provider} task ${textOf(sources, task)} did not end as scripted (${task.outcome ?? 'never'}).\n`);
    return unscripted.length === 0 ? EXIT.completed : EXIT.failed;
  } finally {
    await server.close();
  }
}

/** Stream, then Mobizon, then Postman: a steadier picture than the scenario's round robin. */
function sortByProvider(tasks: readonly FakeTask[]): FakeTask[] {
  return PROVIDERS.flatMap((provider) => tasks.filter((task) => task.provider === provider));
}

/** The real sources, configured as `watch` configures them: credentials through the environment variables they would come from. */
function sourcesFor(server: FakeProviderServer, scheduler: ReturnType<typeof acceleratedTime>['scheduler']): Record<ProviderName, TaskSource> {
  const env = fakeServerEnvironment(server.credentials);
  const source = (provider: ProviderName) => createSource({ provider, env, baseUrl: server.url, scheduler });
  return { stream: source('stream'), mobizon: source('mobizon'), postman: source('postman') };
}

/** A fake task's text form, as its source writes it (`merge:ID`): the spelling `watch` takes on the command line. */
function textOf(sources: Record<ProviderName, TaskSource>, task: FakeTask): string {
  return sources[task.provider].formatRef(fakeTaskRef(task));
}
