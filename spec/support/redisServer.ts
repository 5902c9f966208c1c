import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { inspect } from 'node:util';

// Debian's redis-server, started by the tests themselves as a child process
// (never --daemonize, so that it cannot outlive its test), on a unix socket in
// a fresh folder, with nothing written to disk.

const START_WITHIN_MS = 5_000;

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((folder) => {
    try {
      accessSync(join(folder, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Whether `redis-server` can be run. */
export function redisAvailable(): boolean {
  return onPath('redis-server');
}

/**
 * `describe` when Redis can be run; otherwise skipped, saying so, or a failure
 * when `REDIS_TEST=required` (as in CI, where a missing server is a broken setup).
 */
export function describeWithRedis(name: string, fn: () => void): void {
  if (redisAvailable()) {
    describe(name, fn);
    return;
  }
  if (process.env.REDIS_TEST === 'required') {
    throw new Error('redis-server is not on the PATH and REDIS_TEST=required: install it (apt-get install -y redis-server), as .ci/run does.');
  }
  console.warn(`"${name}" is SKIPPED: redis-server is not on the PATH (apt-get install -y redis-server; .ci/run installs it).`);
  describe.skip(name, fn);
}

export interface RedisServerOptions {
  /** Started with `--requirepass`. */
  readonly password?: string;
  /** Also listen on a TCP port of 127.0.0.1 (picked free), for clients that take a URL. */
  readonly tcp?: boolean;
}

export interface RedisServer {
  readonly socketPath: string;
  /** The TCP port, when started with `tcp: true`; kept across restarts. */
  readonly port: number | undefined;
  /** `redis://127.0.0.1:PORT` (with the password, when there is one); when started with `tcp: true`. */
  readonly url: string | undefined;
  /** Runs a command over the socket (the password sent first): its reply, or an Error for an error reply. */
  command(...words: string[]): Promise<RespValue>;
  /** Kills the server, then starts a new one on the same socket and port: keys and script cache are lost. */
  restart(): Promise<void>;
  /** SIGSTOP: the server holds its connections and answers nothing. */
  pause(): void;
  /** SIGCONT: it answers what it was sent meanwhile. */
  resume(): void;
  /** SIGKILL, and waits for it to exit; {@link RedisServer.restart} brings it back. */
  kill(): Promise<void>;
  /** Kills the server and removes its folder. */
  stop(): Promise<void>;
}

/** Starts `redis-server` on a unix socket in a fresh temporary folder; resolves once it answers PING. */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'rx-task-status-redis-'));
  const socketPath = join(dir, 'redis.sock');
  const port = options.tcp === true ? (await freePorts(1))[0] : undefined;
  const args = ['--port', String(port ?? 0), '--bind', '127.0.0.1', '--unixsocket', socketPath, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir];
  if (options.password !== undefined) args.push('--requirepass', options.password);
  const target: Target = { path: socketPath, password: options.password };
  let child: Child;
  try {
    child = await launch(args, target);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const server: RedisServer = {
    socketPath,
    port,
    url: port === undefined ? undefined : `redis://${options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`}127.0.0.1:${port}`,
    command: (...words) => ask(target, words),
    restart: async () => {
      await killChild(child);
      child = await launch(args, target);
    },
    pause: () => void child.process.kill('SIGSTOP'),
    resume: () => void child.process.kill('SIGCONT'),
    kill: () => killChild(child),
    stop: async () => {
      await killChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

export interface RedisClusterNode {
  readonly host: string;
  readonly port: number;
}

export interface RedisCluster {
  readonly nodes: readonly RedisClusterNode[];
  /** Runs a command on every node; their replies, in the order of `nodes`. */
  commandAll(...words: string[]): Promise<RespValue[]>;
  stop(): Promise<void>;
}

/**
 * A real cluster of `masters` masters (no replicas) on 127.0.0.1, on free TCP
 * ports (and free cluster-bus ports), joined as `redis-cli --cluster create`
 * would join them, in about 2 s rather than 3; resolves once every node serves
 * all slots and knows the others.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'rx-task-status-redis-cluster-'));
  const ports = await freePorts(masters * 2);
  const nodes = ports.slice(0, masters).map((port) => ({ host: '127.0.0.1', port }));
  const children: Child[] = [];
  const stop = async () => {
    await Promise.all(children.map(killChild));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Started together: a master waits 2 s after its start before it says the cluster is ok.
    const launched = await Promise.allSettled(
      nodes.map(async (node, index) => {
        const nodeDir = mkdtempSync(join(dir, `node${index}-`));
        const args = ['--port', String(node.port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port', String(ports[masters + index])];
        args.push('--cluster-config-file', join(nodeDir, 'nodes.conf'), '--cluster-node-timeout', '5000', '--save', '', '--appendonly', 'no', '--dir', nodeDir);
        children.push(await launch(args, { host: node.host, port: node.port }));
      }),
    );
    for (const result of launched) if (result.status === 'rejected') throw result.reason;
    // What `redis-cli --cluster create` does, without its one-second pauses: each
    // node takes an equal share of the slots and its own config epoch, then meets the others.
    const SLOTS = 16384;
    for (const [index, node] of nodes.entries()) {
      const first = Math.floor((SLOTS * index) / masters);
      const last = Math.floor((SLOTS * (index + 1)) / masters) - 1;
      await ask(node, ['CLUSTER', 'ADDSLOTSRANGE', String(first), String(last)]);
      await ask(node, ['CLUSTER', 'SET-CONFIG-EPOCH', String(index + 1)]);
    }
    // Every node meets every other, rather than waiting for gossip to spread the news.
    for (const from of nodes) {
      for (const [index, node] of nodes.entries()) {
        if (node !== from) await ask(from, ['CLUSTER', 'MEET', node.host, String(node.port), String(ports[masters + index])]);
      }
    }
    const ready = Date.now() + START_WITHIN_MS;
    for (const node of nodes) {
      for (let info = ''; !isReady(info, masters); info = String(await ask(node, ['CLUSTER', 'INFO']))) {
        if (Date.now() > ready) throw new Error(`Redis cluster node ${node.port} was not ready within ${START_WITHIN_MS} ms: ${info} ${String(await ask(node, ['CLUSTER', 'NODES']))}`);
        await sleep(20);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes, commandAll: (...words) => Promise.all(nodes.map((node) => ask(node, words))), stop };
}

/** Whether CLUSTER INFO says the node serves every slot and knows every master. */
function isReady(info: string, masters: number): boolean {
  return /cluster_state:ok/.test(info) && /cluster_slots_ok:16384\b/.test(info) && new RegExp(`cluster_known_nodes:${masters}\\b`).test(info);
}

interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<void>;
}

/** Where a server listens, and the password to send first. */
type Target = ({ path: string } | { host: string; port: number }) & { password?: string | undefined };

/**
 * Servers still running, killed when the process exits without having
 * stopped them (a test file that crashed), so that none outlives its run.
 * On the real process: Jest's sandbox copy of `process` hears none of its
 * events (see spec/reliability/processGuard.ts).
 */
const running = new Set<ChildProcess>();
const realProcess = (inspect.constructor as FunctionConstructor)('return process')() as NodeJS.Process;
const killRunning = () => {
  for (const child of running) child.kill('SIGKILL');
};

async function launch(args: readonly string[], target: Target): Promise<Child> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (running.size === 0) realProcess.once('exit', killRunning);
  running.add(child);
  child.once('exit', () => {
    running.delete(child);
    if (running.size === 0) realProcess.off('exit', killRunning);
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = { process: child, exited };
  const deadline = Date.now() + START_WITHIN_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server exited at start (${child.exitCode ?? child.signalCode}): ${output}`);
    const reply = await ask(target, ['PING']).catch((error: unknown) => error as Error);
    // NOAUTH is an answer too: the server is up, and wants the password the harness was not given.
    if (reply === 'PONG' || (reply instanceof Error && reply.message.startsWith('NOAUTH'))) return started;
    if (Date.now() > deadline) {
      await killChild(started);
      throw new Error(`redis-server did not answer PING within ${START_WITHIN_MS} ms: ${output}`);
    }
    await sleep(10);
  }
}

async function killChild(child: Child): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  await child.exited;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Ports free on 127.0.0.1 now (all held at once while picking, so they differ). */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/** A RESP reply as read here: a string, an integer, null, an array, or an Error for an error reply. */
export type RespValue = string | number | null | Error | RespValue[];

/** Sends one command on a fresh connection (AUTH first when there is a password) and reads its reply; closes the connection. */
function ask(target: Target, words: readonly string[]): Promise<RespValue> {
  const commands = target.password === undefined ? [words] : [['AUTH', target.password], words];
  return new Promise<RespValue>((resolve, reject) => {
    const socket: Socket = 'path' in target ? connect(target.path) : connect(target.port, target.host);
    let buffer = Buffer.alloc(0);
    const replies: RespValue[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`Redis did not answer ${words[0]} within 2000 ms`)), 2_000);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('connect', () => socket.write(commands.map(encode).join('')));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (let read = parse(buffer, 0); read !== undefined; read = parse(buffer, 0)) {
        replies.push(read.value);
        buffer = buffer.subarray(read.end);
      }
      if (replies.length === commands.length) {
        clearTimeout(timer);
        socket.destroy();
        const reply = replies[replies.length - 1] as RespValue;
        if (reply instanceof Error) reject(reply);
        else resolve(reply);
      }
    });
  });
}

function encode(words: readonly string[]): string {
  return `*${words.length}\r\n${words.map((word) => `$${Buffer.byteLength(word)}\r\n${word}\r\n`).join('')}`;
}

/** One RESP2 value from `buffer` at `at`, or undefined when it has not all come yet. */
function parse(buffer: Buffer, at: number): { value: RespValue; end: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', at);
  if (lineEnd < 0) return undefined;
  const line = buffer.toString('utf8', at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (String.fromCharCode(buffer[at] as number)) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new Error(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let end = next;
      for (let index = 0; index < count; index++) {
        const item = parse(buffer, end);
        if (item === undefined) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`Unexpected RESP reply: ${line}`);
  }
}
