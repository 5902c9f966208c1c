import { printable } from '../core/redact.js';
import type { CliIO } from './cliIO.js';
import { createSource, followedTask } from './createSource.js';
import type { ProviderName } from './credentials.js';
import { EXIT, exitCodeOf, type ExitCode } from './exitCodes.js';
import { chooseView, followTasks, type FollowedTask } from './followTasks.js';

export interface WatchCommandInput {
  readonly provider: ProviderName;
  readonly ids: readonly string[];
  readonly domain?: string;
  readonly baseUrl?: string;
  /** ms between two polls of one task. */
  readonly interval?: number;
  /** Seconds each task has to end. */
  readonly timeout?: number;
  readonly json: boolean;
  /** `--allow-insecure-http`. */
  readonly allowInsecureHttp?: boolean;
}

/** `rx-task-status watch <provider> <id...>`: follows the tasks until each ends; the exit code says how they ended. */
export async function watchCommand(input: WatchCommandInput, io: CliIO): Promise<ExitCode> {
  const { provider, ids, domain, baseUrl, interval, timeout, json, allowInsecureHttp = false } = input;
  const source = createSource({
    provider,
    env: io.env,
    allowInsecureHttp,
    ...(domain === undefined ? {} : { domain }),
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(interval === undefined ? {} : { interval }),
  });
  // Every id is checked before the first request goes out.
  const tasks = once(ids.map((id) => followedTask(source, id)), io.stderr);
  const clock = Date.now;
  const outcome = await followTasks({
    tasks,
    view: chooseView({ io, json, clock }),
    ...(timeout === undefined ? {} : { timeoutMs: timeout * 1000 }),
    ...(io.signal === undefined ? {} : { signal: io.signal }),
    clock,
  });
  return outcome.aborted ? EXIT.interrupted : exitCodeOf(outcome);
}

/**
 * A task named more than once (`X X`, or `X update:X`: two spellings of one
 * task, which `formatRef` writes alike) is watched once: one row, one line
 * per state, as it is one task to the provider. Lists of ids built by a
 * script often repeat one; that is worth a note on stderr, not a refusal.
 */
function once(tasks: readonly FollowedTask[], stderr: NodeJS.WritableStream): FollowedTask[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  const kept = tasks.filter(({ ref }) => {
    if (!seen.has(ref)) {
      seen.add(ref);
      return true;
    }
    repeated.add(ref);
    return false;
  });
  for (const { provider, ref } of kept.filter((task) => repeated.has(task.ref))) {
    stderr.write(`rx-task-status: ${printable(`${provider} task ${ref}`)} is named more than once: watched once.\n`);
  }
  return kept;
}
