// The executable as a child process. The specs bundle src/cli/bin.ts with esbuild (a tenth of a second) into a
// folder of their own rather than spawn dist/cjs/cli/bin.js: the package spec runs `npm pack`, whose prepack
// deletes and rebuilds dist/ while the suite runs; and ts-node would cost a second per spawn. The bundle runs the
// same sources, with the dependencies as installed (resolved from node_modules above the folder).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { build } from 'esbuild';

export const ROOT = resolve(__dirname, '../..');

export interface BuiltCli {
  /** The executable's path. */
  readonly bin: string;
  remove(): void;
}

export async function buildCli(): Promise<BuiltCli> {
  // .tmp/ is git-ignored, and inside the repository, so that the bundle finds node_modules (and package.json, for --version).
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const folder = mkdtempSync(join(ROOT, '.tmp', 'cli-spec-'));
  const bin = join(folder, 'bin.js');
  await build({ entryPoints: [join(ROOT, 'src/cli/bin.ts')], outfile: bin, bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', logLevel: 'silent' });
  return { bin, remove: () => rmSync(folder, { recursive: true, force: true }) };
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Running {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** stdout so far. */
  stdout(): string;
  /** Resolves at the first chunk of stdout that makes it match (rejects if the process ends first). */
  until(pattern: RegExp): Promise<void>;
  readonly exited: Promise<Exit>;
}

/** Starts the command with exactly `env` (and PATH): no credential of the machine running the tests leaks in. */
export function startCli(bin: string, argv: readonly string[], env: Readonly<Record<string, string>> = {}): Running {
  const child = spawn(process.execPath, [bin, ...argv], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of waiters.filter(({ pattern }) => pattern.test(stdout))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exit>((resolveExit, reject) => {
    child.on('error', reject);
    // 'close', not 'exit': every byte of output has been read by then.
    child.on('close', (code, signal) => resolveExit({ code, signal, stdout, stderr }));
  });
  return {
    child,
    stdout: () => stdout,
    until: (pattern) =>
      pattern.test(stdout)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolveWait) => waiters.push({ pattern, resolve: resolveWait })),
            exited.then(({ code, stdout: out, stderr: err }) => Promise.reject(new Error(`exited ${String(code)} before ${String(pattern)}; stdout: ${out}; stderr: ${err}`))),
          ]),
    exited,
  };
}

/** Runs the command to its end. */
export function runBuiltCli(bin: string, argv: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Exit> {
  return startCli(bin, argv, env).exited;
}

/**
 * Runs the command on a pseudo-terminal of `rows` × `columns`, through util-linux's `script` (as a person at a
 * terminal would run it), and resolves with everything drawn on it.
 */
export function runOnTerminal(bin: string, argv: readonly string[], { rows, columns }: { rows: number; columns: number }): Promise<Exit> {
  const quoted = [process.execPath, bin, ...argv].map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', `stty rows ${rows} cols ${columns}; exec ${quoted}`, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', TERM: 'xterm-256color' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolveExit, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolveExit({ code, signal, stdout, stderr }));
  });
}
