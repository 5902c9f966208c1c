// Starts bench/support/clientMain.ts in a process of its own (bundled once with
// esbuild, so it starts in a blink and needs no TypeScript loader), gives it a
// job, and ends it.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
  const child: ChildProcess = fork(bundled(), [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
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
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
