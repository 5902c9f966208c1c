// The processes of row 8 (bench/hub.bench.ts): the hub in one, the watchers
// in another, the fake server and the judging in the parent, so that the CPU
// each reads is its own. bench/support/hubWorker.ts is bundled once with
// esbuild (it starts in a blink and needs no TypeScript loader) and told what
// to be by its first message.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { HubWorkerMessage, HubWorkerReply } from './hubWorker.js';

let bundle: { dir: string; file: string } | undefined;

function bundled(): string {
  if (bundle === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'rx-task-status-bench-hub-'));
    const file = join(dir, 'hubWorker.cjs');
    buildSync({ entryPoints: [join(__dirname, 'hubWorker.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: file, logLevel: 'error' });
    bundle = { dir, file };
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return bundle.file;
}

export interface HubWorker {
  /** Sends a message that has no answer. */
  tell(message: HubWorkerMessage): void;
  /** Sends a message; resolves with the worker's answer to it (one at a time). */
  ask<K extends HubWorkerReply['kind']>(message: HubWorkerMessage, expected: K, timeoutMs?: number): Promise<Extract<HubWorkerReply, { kind: K }>>;
  /** Ends the process (by its own pid) and waits until it has exited. */
  end(): Promise<void>;
}

/** Starts a worker process; resolves once it has loaded and waits for its first message. */
export async function startHubWorker(): Promise<HubWorker> {
  const child: ChildProcess = fork(bundled(), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`A hub bench process exited (code ${String(code)}) as it started.`)));
  });
  return {
    tell: (message) => void child.send(message),
    ask: (message, expected, timeoutMs = 300_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => settle(new Error(`The hub bench's ${message.kind} process sent no answer within ${timeoutMs / 1000} s.`)), timeoutMs);
        const onMessage = (reply: HubWorkerReply) => settle(reply);
        const onExit = (code: number | null) => settle(new Error(`The hub bench's ${message.kind} process exited (code ${String(code)}) before answering.`));
        const settle = (outcome: HubWorkerReply | Error) => {
          clearTimeout(timer);
          child.off('message', onMessage);
          child.off('exit', onExit);
          if (outcome instanceof Error) reject(outcome);
          else if (outcome.kind === 'error') reject(new Error(`The hub bench's ${message.kind} process: ${outcome.message}`));
          else if (outcome.kind !== expected) reject(new Error(`The hub bench's ${message.kind} process answered ${outcome.kind}, not ${expected}.`));
          else resolve(outcome as Extract<HubWorkerReply, { kind: typeof expected }>);
        };
        child.on('message', onMessage);
        child.once('exit', onExit);
        child.send(message);
      }),
    end: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
