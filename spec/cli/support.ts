// Runs the command line in-process with captured output, as bin.ts runs it with the real process.
import { PassThrough } from 'node:stream';
import { run } from '../../src/cli/run.js';
import type { FakeProviderServer } from '../../src/testing/index.js';

export interface Captured {
  readonly stream: PassThrough;
  /** Everything written so far. */
  text(): string;
  /** Resolves at the first write that makes the text match. */
  until(pattern: RegExp): Promise<void>;
}

export function capture(): Captured {
  const stream = new PassThrough();
  let text = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const waiter of waiters.filter(({ pattern }) => pattern.test(text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  return {
    stream,
    text: () => text,
    until: (pattern) => (pattern.test(text) ? Promise.resolve() : new Promise((resolve) => waiters.push({ pattern, resolve }))),
  };
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly isTTY?: boolean;
  readonly signal?: AbortSignal;
  readonly stdout?: Captured;
  readonly stderr?: Captured;
  readonly version?: string;
}

export async function runCli(argv: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const stdout = options.stdout ?? capture();
  const stderr = options.stderr ?? capture();
  const code = await run(argv, {
    env: options.env ?? {},
    stdout: stdout.stream,
    stderr: stderr.stream,
    isTTY: options.isTTY ?? false,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.version === undefined ? {} : { version: options.version }),
  });
  // PassThrough delivers 'data' on a later tick.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** The environment a user of this fake server would export. */
export function envFor(server: FakeProviderServer): Record<string, string> {
  return {
    STREAM_API_KEY: server.credentials.stream.apiKey,
    STREAM_API_SECRET: server.credentials.stream.apiSecret,
    MOBIZON_API_KEY: server.credentials.mobizon.apiKey,
    POSTMAN_API_KEY: server.credentials.postman.apiKey,
  };
}

/** Distinctive credentials, so that a test can look for them in every byte of output. */
export const SECRETS = {
  stream: { apiKey: 'stream-key-7f3a9c', apiSecret: 'stream-secret-b81d44-7e29c0a5f1d34b68' },
  mobizon: { apiKey: 'mobizon-key-0c5e2e' },
  postman: { apiKey: 'PMAK-postman-key-d9a1f0' },
} as const;

export const ALL_SECRETS: readonly string[] = [SECRETS.stream.apiKey, SECRETS.stream.apiSecret, SECRETS.mobizon.apiKey, SECRETS.postman.apiKey];

export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
