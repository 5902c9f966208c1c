// Starts bench/support/clientMain.ts in a process of its own (bundled once with
// esbuild, so it starts in a blink and needs no TypeScript loader), gives it a
// job, and ends it.
//
// With BENCH_CPU_PROF=<dir> in the environment, every client is started under
// `node --cpu-prof --cpu-prof-dir=<dir>` and ended by closing its IPC channel
// (it exits on its own, writing its profile) rather than killed: where a
// client's CPU goes, e.g.
//   BENCH_CPU_PROF=/tmp/prof node -r ts-node/register bench/overhead.bench.ts --quick
import { fork, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { ClientJob, ClientReply } from './clientMain.js';

let bundle: { dir: string; file: string } | undefined;

function bundled(): string {
  if (bundle === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'rx-task-status-bench-'));
    const file = join(dir, 'client.cjs');
    buildSync({ entryPoints: [join(__dirname, 'clientMain.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: file, logLevel: 'error' });
    bundle = { dir, file };
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return bundle.file;
}

export interface ClientProcess {
  /** The reply to the job (for a `poll` job: once polling has started). */
  readonly reply: Promise<ClientReply>;
  /** Ends the process (by its own pid) and waits until it has exited. */
  end(): Promise<void>;
}

/** Gives the job to a new client process; with no reply within `timeoutMs`, the reply rejects and the process is ended. */
export function runClient(job: ClientJob, { timeoutMs = 300_000 }: { timeoutMs?: number } = {}): ClientProcess {
  const profileDir = process.env.BENCH_CPU_PROF;
  const profiling = profileDir !== undefined && profileDir !== '';
  if (profiling) {
    // The profiles' line numbers are the bundle's: a copy is kept beside them.
    mkdirSync(profileDir, { recursive: true });
    copyFileSync(bundled(), join(profileDir, 'client.cjs'));
  }
  const execArgv = profiling ? ['--expose-gc', '--cpu-prof', `--cpu-prof-dir=${profileDir}`] : ['--expose-gc'];
  const child: ChildProcess = fork(bundled(), [], { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const reply = new Promise<ClientReply>((resolve, reject) => {
    child.once('message', (message: ClientReply) => (message.kind === 'error' ? reject(new Error(`Client process: ${message.message}`)) : resolve(message)));
    child.once('exit', (code) => reject(new Error(`The client process exited (code ${String(code)}) before replying.`)));
    timer = setTimeout(() => {
      reject(new Error(`The client process sent no reply to its ${job.kind} job within ${timeoutMs / 1000} s.`));
      child.kill('SIGKILL');
    }, timeoutMs);
  }).finally(() => clearTimeout(timer));
  reply.catch(() => undefined);
  child.send(job);
  return {
    reply,
    end: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        // A profiled client writes its profile as it exits: it is let go, and killed only if it does not go.
        if (profiling && child.connected) {
          child.disconnect();
          const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(killer);
          return;
        }
        child.kill('SIGKILL');
      }
      await exited;
    },
  };
}
