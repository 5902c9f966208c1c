import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { CliIO } from './cliIO.js';
import { CREDENTIAL_VARIABLES, PROVIDERS, type ProviderName } from './credentials.js';
import { demoCommand } from './demoCommand.js';
import { EXIT } from './exitCodes.js';
import { UsageError } from './usageError.js';
import { watchCommand } from './watchCommand.js';

export type { CliIO } from './cliIO.js';

interface WatchFlags {
  readonly domain?: string;
  readonly baseUrl?: string;
  readonly interval?: number;
  readonly timeout?: number;
  readonly json?: boolean;
}

interface DemoFlags {
  readonly tasks: number;
  readonly json?: boolean;
  readonly speed: number;
  readonly seed: number;
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
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('watch')
    .description(
      'Watch tasks of one provider until each ends. Credentials come from the environment: ' +
        `${Object.values(CREDENTIAL_VARIABLES).flatMap((names) => Object.values(names)).join(', ')}.`,
    )
    .addArgument(new Argument('<provider>', 'stream, mobizon or postman').choices(PROVIDERS))
    .argument('<id...>', 'task ids; Postman: ID or update:ID (collection update), merge:ID (collection merge), API_ID/ID (API task)')
    .option('--domain <domain>', "Mobizon: your account's API domain, such as api.mobizon.kz")
    .option('--base-url <url>', 'the API base URL (a proxy, a regional host, a local fake)')
    .option('--interval <ms>', 'ms between two polls of one task (default: the provider’s)', positiveInteger)
    .option('--timeout <seconds>', 'give up on tasks that have not ended after this many seconds (exit code 2)', positiveNumber)
    .option('--json', 'one JSON line per state change, even on a terminal')
    .action(async (provider: ProviderName, ids: string[], flags: WatchFlags) => {
      exitCode = await watchCommand(
        {
          provider,
          ids,
          json: flags.json === true,
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
    .description('Run a batch of tasks on all three providers against a local fake server: no account, no network.')
    .addOption(new Option('--tasks <n>', 'how many tasks').argParser(positiveInteger).default(24))
    .addOption(new Option('--speed <factor>', 'run time this many times faster than the clock').argParser(positiveNumber).default(1))
    .addOption(new Option('--seed <n>', 'the same seed gives the same tasks').argParser(positiveInteger).default(1))
    .option('--json', 'one JSON line per state change, then one summary line, even on a terminal')
    .action(async (flags: DemoFlags) => {
      exitCode = await demoCommand({ tasks: flags.tasks, speed: flags.speed, seed: flags.seed, json: flags.json === true }, io);
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
  io.stderr.write(`rx-task-status: unexpected error: ${redactCredentials(message, io)}\n`);
  return EXIT.failed;
}

function redactCredentials(text: string, { env }: CliIO): string {
  const secrets = Object.values(CREDENTIAL_VARIABLES)
    .flatMap((names) => Object.values(names))
    .map((name) => env[name])
    .filter((value): value is string => value !== undefined && value.length >= 4);
  return secrets.reduce((redacted, secret) => redacted.split(secret).join('***'), text);
}

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError('Expected a positive whole number.');
  return value;
}

function positiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('Expected a positive number.');
  return value;
}
