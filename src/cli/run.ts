import { Argument, Command, CommanderError, Option } from 'commander';
import { createRedactor, printable } from '../core/redact.js';
import { milliseconds, positiveNumber, seconds, wholeNumber } from './argumentParsers.js';
import type { CliIO } from './cliIO.js';
import { CREDENTIAL_VARIABLES, PROVIDERS, type ProviderName } from './credentials.js';
import { demoCommand } from './demoCommand.js';
import { fakeServerCommand, SCENARIOS, type ScenarioName } from './fakeServerCommand.js';
import { scaleDemoCommand } from './scaleDemo.js';
import { EXIT, UsageError } from './exitCodes.js';
import { DEMO_HELP, FAKE_SERVER_HELP, ROOT_HELP, WATCH_HELP } from './helpText.js';
import { watchCommand } from './watchCommand.js';

export type { CliIO } from './cliIO.js';

/** A demo is a picture, not a load test: more tasks than this would only wait on the request budgets. */
const MAX_DEMO_TASKS = 1000;
/** The scaling demo's processes (each a Node process, with its own Redis connections). */
const MAX_DEMO_PROCESSES = 8;
/** The scaling demo runs in real time, on an account of 20 requests a second: a batch it can finish in seconds. */
const MAX_SCALE_DEMO_TASKS = 60;
/**
 * Loopback latency is fast-forwarded with everything else (see `acceleratedTime`):
 * much faster than this, a millisecond on the wire becomes seconds of task time.
 */
const MAX_DEMO_SPEED = 50;

interface WatchFlags {
  readonly domain?: string;
  readonly baseUrl?: string;
  readonly interval?: number;
  readonly timeout?: number;
  readonly json?: boolean;
  readonly allowInsecureHttp?: boolean;
}

interface DemoFlags {
  readonly processes: number;
  readonly tasks: number;
  readonly json?: boolean;
  readonly speed: number;
  readonly seed: number;
}

interface FakeServerFlags {
  readonly port: number;
  readonly scenario: ScenarioName;
}

/**
 * The command line, in-process: parses `argv` (the arguments after the
 * program name), runs the command and resolves with the exit code. It never
 * rejects and never exits the process: `bin.ts` does that.
 */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode: number = EXIT.completed;
  const program = new Command('rx-task-status')
    .description('Follow long-running tasks of Stream, Mobizon and Postman until they end.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .version(io.version ?? 'unknown', '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', ROOT_HELP);

  program
    .command('watch')
    .description('Watch tasks of one provider to their end.')
    .addArgument(new Argument('<provider>', 'stream, mobizon or postman').choices(PROVIDERS))
    .argument('<id...>', 'task ids; Postman: ID or update:ID (collection update), merge:ID (collection merge), API_ID/ID (API task)')
    .option('--domain <domain>', "Mobizon: your account's API domain, such as api.mobizon.kz")
    .option('--base-url <url>', 'the API base URL (a proxy, a regional host, a local fake)')
    .option('--interval <ms>', 'ms between two polls of one task (default: the provider’s)', milliseconds)
    .option('--timeout <seconds>', 'give up on tasks that have not ended after this many seconds (exit code 2)', seconds)
    .option('--json', 'one JSON line per state change, even on a terminal')
    .option('--allow-insecure-http', 'allow an http: --base-url on another host than this one (the key then travels unencrypted)')
    .addHelpText('after', WATCH_HELP)
    .action(async (provider: ProviderName, ids: string[], flags: WatchFlags) => {
      exitCode = await watchCommand(
        {
          provider,
          ids,
          json: flags.json === true,
          allowInsecureHttp: flags.allowInsecureHttp === true,
          ...(flags.domain === undefined ? {} : { domain: flags.domain }),
          ...(flags.baseUrl === undefined ? {} : { baseUrl: flags.baseUrl }),
          ...(flags.interval === undefined ? {} : { interval: flags.interval }),
          ...(flags.timeout === undefined ? {} : { timeout: flags.timeout }),
        },
        io,
      );
    });

  program
    .command('demo')
    .description('A local batch on all three providers.')
    .addOption(new Option('--tasks <n>', `how many tasks, 1 to ${MAX_DEMO_TASKS}`).argParser(wholeNumber(1, MAX_DEMO_TASKS)).default(24))
    .addOption(new Option('--speed <factor>', `run time this many times faster than the clock, at most ${MAX_DEMO_SPEED}`).argParser(positiveNumber(MAX_DEMO_SPEED)).default(1))
    .addOption(new Option('--seed <n>', 'the same seed gives the same tasks').argParser(wholeNumber(0, 2 ** 32 - 1)).default(1))
    .addOption(
      new Option('--processes <n>', `N processes of this program on one account, sharing one budget and one poll per task through a Redis the demo starts (needs redis-server), 1 to ${MAX_DEMO_PROCESSES}`)
        .argParser(wholeNumber(1, MAX_DEMO_PROCESSES))
        .default(1),
    )
    .option('--json', 'one JSON line per state change, then one summary line, even on a terminal')
    .addHelpText('after', DEMO_HELP)
    .action(async (flags: DemoFlags) => {
      const json = flags.json === true;
      if (flags.processes === 1) {
        exitCode = await demoCommand({ tasks: flags.tasks, speed: flags.speed, seed: flags.seed, json }, io);
        return;
      }
      // More than one process: the scaling demo (Postman, in real time: its processes and its Redis keep the wall clock).
      if (flags.tasks > MAX_SCALE_DEMO_TASKS) throw new UsageError(`--tasks is at most ${MAX_SCALE_DEMO_TASKS} with --processes (the account allows 20 requests a second, in real time), got ${flags.tasks}.`);
      if (flags.speed !== 1) throw new UsageError('--speed does not apply with --processes: the processes and their Redis keep real time.');
      exitCode = await scaleDemoCommand({ processes: flags.processes, tasks: flags.tasks, json }, io);
    });

  program
    .command('fake-server')
    .description('Fake APIs with tasks, for trying watch.')
    .addOption(new Option('--port <n>', 'the port on 127.0.0.1, 0 for any free one').argParser(wholeNumber(0, 65535)).default(0))
    .addOption(new Option('--scenario <name>', "which tasks: mixed (all three providers, as in the demo), or one provider's").choices(SCENARIOS).default('mixed'))
    .addHelpText('after', FAKE_SERVER_HELP)
    .action(async (flags: FakeServerFlags) => {
      exitCode = await fakeServerCommand({ port: flags.port, scenario: flags.scenario }, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return report(error, io);
  }
}

/** Turns what went wrong into one line on stderr and an exit code; never a stack trace. */
function report(error: unknown, io: CliIO): number {
  if (error instanceof CommanderError) {
    // Commander has already written its message (or the help) to stderr/stdout.
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.completed : EXIT.usage;
  }
  if (error instanceof UsageError) {
    io.stderr.write(`rx-task-status: ${error.message}\n`);
    return EXIT.usage;
  }
  // Not expected: say so, without a stack, and without any credential the message might quote.
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`rx-task-status: unexpected error: ${printable(redactCredentials(message, io))}\n`);
  return EXIT.failed;
}

/** The credentials of the environment, removed with the library's one redactor. */
function redactCredentials(text: string, { env }: CliIO): string {
  const secrets = Object.values(CREDENTIAL_VARIABLES).flatMap((names) => Object.values(names).map((name) => env[name]));
  return createRedactor(secrets)(text);
}
