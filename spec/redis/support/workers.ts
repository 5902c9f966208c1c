// Worker processes for the Redis specs: worker.ts bundled once with esbuild
// (a tenth of a second; no TypeScript loader per process), each forked with a
// job, its reports collected, killed on demand, and always gone at the end.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import type { WorkerJob, WorkerMessage } from './worker.js';

const ROOT = resolve(__dirname, '../../..');

export interface Worker {
  readonly job: WorkerJob;
  /** The tasks' ends, as this worker saw them: id → status or error. */
  readonly ended: Map<string, { status?: string; error?: string; at: number }>;
  /** When this worker sent each poll, by task id; filled in once it is done. */
  readonly starts: Map<string, readonly number[]>;
  /** Resolves once the worker watches every task. */
  readonly ready: Promise<void>;
  /** Resolves once every task has ended and the worker has let go of Redis (rejects if it dies first, unless killed). */
  readonly done: Promise<void>;
  /** SIGKILL: the worker vanishes mid-run, its leases and budget places left behind. */
  kill(): Promise<void>;
}

export interface Workers {
  start(job: WorkerJob): Worker;
  /** Ends every worker still running and removes the bundle. */
  stop(): Promise<void>;
}

export function workers(): Workers {
  // In .tmp/ (git-ignored) so that the bundle finds node_modules above it.
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.tmp', 'redis-workers-'));
  const file = join(dir, 'worker.cjs');
  buildSync({ entryPoints: [join(__dirname, 'worker.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: file, packages: 'external', logLevel: 'error' });
  const children = new Set<ChildProcess>();

  const start = (job: WorkerJob): Worker => {
    const child = fork(file, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    children.add(child);
    const ended = new Map<string, { status?: string; error?: string; at: number }>();
    const starts = new Map<string, readonly number[]>();
    let killed = false;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    void exited.then(() => children.delete(child));
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolveReady) => (markReady = resolveReady));
    const done = new Promise<void>((resolveDone, reject) => {
      child.on('message', (message: WorkerMessage) => {
        if (message.kind === 'ready') markReady();
        if (message.kind === 'ended') ended.set(message.id, { ...(message.status === undefined ? {} : { status: message.status }), ...(message.error === undefined ? {} : { error: message.error }), at: message.at });
        if (message.kind === 'done') {
          for (const [id, times] of Object.entries(message.starts)) starts.set(id, times);
          resolveDone();
        }
        if (message.kind === 'failed') reject(new Error(`worker: ${message.message}`));
      });
      child.once('exit', (code, signal) => {
        if (!killed) reject(new Error(`worker exited (${String(code ?? signal)}) before it was done`));
      });
    });
    done.catch(() => undefined);
    child.send(job);
    return {
      job,
      ended,
      starts,
      ready,
      done,
      kill: async () => {
        killed = true;
        child.kill('SIGKILL');
        await exited;
      },
    };
  };

  return {
    start,
    stop: async () => {
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((done) => {
              child.once('exit', () => done());
              child.kill('SIGKILL');
            }),
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
