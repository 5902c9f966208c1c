import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './exitCodes.js';

/** A redis-server of the demo's own, on a unix socket in a fresh folder. */
export interface LocalRedis {
  readonly socketPath: string;
  /** Kills it and removes its folder. */
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'The multi-process demo starts a Redis of its own, and redis-server is not on the PATH. Install it (Debian or Ubuntu: apt-get install -y redis-server; macOS: brew install redis), or run the demo without --processes.';

/**
 * Starts Debian's (or any) `redis-server` as a child process, never
 * daemonized, on a unix socket only (`--port 0`), saving nothing to disk;
 * resolves once it says it is ready. A missing `redis-server` is a
 * {@link UsageError} that says how to install it.
 */
export async function startLocalRedis(): Promise<LocalRedis> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error !== undefined) throw new UsageError(INSTALL_HINT);
  const dir = mkdtempSync(join(tmpdir(), 'rx-task-status-demo-redis-'));
  const socketPath = join(dir, 'redis.sock');
  const child = spawn('redis-server', ['--port', '0', '--unixsocket', socketPath, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start within 5 s: ${output.slice(-300)}`)), 5000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/ready to accept connections/i.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${String(code)}) before it was ready: ${output.slice(-300)}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  child.stdout.resume();
  child.stderr.resume();
  return { socketPath, stop };
}

/** A connected client of whichever Redis library is installed: node-redis first, then ioredis. */
export interface DemoRedisClient {
  readonly library: 'redis' | 'ioredis';
  readonly client: unknown;
  close(): Promise<void>;
}

/**
 * Connects to the demo's Redis with the client library the user has: this
 * package depends on neither (they are optional peers), and says which to
 * install when neither is there.
 */
export async function connectDemoRedis(socketPath: string): Promise<DemoRedisClient> {
  try {
    const redis = await import('redis');
    const client = redis.createClient({ socket: { path: socketPath } } as Parameters<typeof redis.createClient>[0]);
    client.on('error', () => undefined);
    await client.connect();
    // Closed gracefully: what is in flight (a task's end, told to the other processes) still goes out.
    return { library: 'redis', client, close: () => client.close() };
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  try {
    const { default: Redis } = await import('ioredis');
    const client = new Redis({ path: socketPath });
    client.on('error', () => undefined);
    return { library: 'ioredis', client, close: async () => void (await client.quit()) };
  } catch (error) {
    if (!isMissing(error)) throw error;
    throw new UsageError('The multi-process demo needs a Redis client library, and neither is installed: npm install redis (or ioredis).');
  }
}

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND' || (error as { code?: unknown } | null)?.code === 'ERR_MODULE_NOT_FOUND';
}
