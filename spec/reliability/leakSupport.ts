import { createHook } from 'node:async_hooks';
import { inspect } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Observable, timer, type SchedulerLike } from 'rxjs';
import { readRateLimitHints, type HttpRequest, type HttpResponse, type Transport } from '../../src/provider.js';
import type { ProviderName } from '../../src/testing/index.js';

/**
 * The V8 garbage collector, however this process was started:
 *
 * - Node's own `gc` when it runs with `--expose-gc` (`node --expose-gc
 *   node_modules/.bin/jest`): read from Node's realm, since Jest's sandbox
 *   global need not carry it;
 * - otherwise the flag set at run time, which exposes `gc` to contexts created
 *   afterwards, such as a fresh `vm` context.
 *
 * Either way it is proven before use: a `WeakRef` to a dropped object must be
 * cleared by it, or this throws (a heap bound checked without a working gc
 * would prove nothing).
 */
export async function exposeGc(): Promise<() => void> {
  const nodeGlobal = (inspect.constructor as FunctionConstructor)('return globalThis')() as { gc?: () => void };
  let gc = typeof nodeGlobal.gc === 'function' ? nodeGlobal.gc : undefined;
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    const fromContext: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    if (typeof fromContext === 'function') gc = fromContext as () => void;
  }
  if (gc === undefined) throw new Error('No garbage collector could be obtained: run Node with --expose-gc.');
  if (!(await collects(gc))) throw new Error('The garbage collector obtained does not collect: run Node with --expose-gc.');
  return gc;
}

async function collects(gc: () => void): Promise<boolean> {
  const ref = (() => new WeakRef({ probe: new Array(1000).fill(0) }))();
  for (let round = 0; round < 4 && ref.deref() !== undefined; round++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc();
  }
  return ref.deref() === undefined;
}

/** Heap in use after full collections, with the event loop let run in between (WeakRefs clear between jobs). */
export async function settledHeapUsed(gc: () => void): Promise<number> {
  for (let round = 0; round < 4; round++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/**
 * Kinds of async resource that hold the event loop or a socket: timers,
 * sockets, servers, connection attempts, DNS look-ups, shutdowns. (Promises
 * and pooled HTTP parsers are not resources of that sort; an Immediate runs
 * once and cannot linger.)
 */
const HOLDING_KINDS: ReadonlySet<string> = new Set(['Timeout', 'TCPWRAP', 'TCPSERVERWRAP', 'TCPCONNECTWRAP', 'SHUTDOWNWRAP', 'GETADDRINFOREQWRAP', 'PIPEWRAP', 'PIPECONNECTWRAP']);

export interface ResourceTracker {
  /** Resources created since the tracker started and not destroyed yet, by kind: `{ Timeout: 1 }`. */
  alive(): Record<string, number>;
  stop(): void;
}

/**
 * Follows every holding resource created from now on, one by one (async_hooks
 * `init` and `destroy`), so that what is left at the end is exactly what was
 * created and never released: a count per kind could not tell a leaked timer
 * from one of Jest's that went away meanwhile. Read {@link ResourceTracker.alive}
 * after letting the event loop turn: Node reports destructions a little later.
 */
export function trackNewResources(): ResourceTracker {
  const live = new Map<number, string>();
  const hook = createHook({
    init: (asyncId, type) => {
      if (HOLDING_KINDS.has(type) && !isJestOwn()) live.set(asyncId, type);
    },
    destroy: (asyncId) => {
      live.delete(asyncId);
    },
  }).enable();
  return {
    alive: () => {
      const counts: Record<string, number> = {};
      for (const type of live.values()) counts[type] = (counts[type] ?? 0) + 1;
      return counts;
    },
    stop: () => {
      hook.disable();
    },
  };
}

/**
 * Whether the resource being made is Jest's own: when a file runs in band,
 * its reporter's status timers tick in this very process, and one caught
 * mid-debounce would read as a leak. Told by the stack that made it.
 */
function isJestOwn(): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 16;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return /[\\/]node_modules[\\/](@jest[\\/]|jest-)/.test(stack);
}

/** `process.getActiveResourcesInfo()` as counts per kind: `{ Timeout: 2, TCPSocketWrap: 1 }`. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** How a scripted task goes: `running` for ever, `running` then not found on its 3rd poll, or `completed` on its 3rd. */
export type CyclePath = 'unsubscribe' | 'error' | 'completion';

/**
 * A transport in virtual time answering every provider's task endpoint with
 * its real wire bodies, from a script per task id; it keeps no per-request
 * record (so it does not grow with the cycles itself), only the count of
 * requests in flight.
 */
export interface CycleTransport {
  readonly transport: Transport;
  /** Requests started and neither answered nor aborted. */
  inFlight(): number;
  /** Requests started since the transport was made. */
  started(): number;
  /** Sets the script of a task id; {@link CycleTransport.forget} it when its cycle is over. */
  script(id: string, path: CyclePath): void;
  forget(id: string): void;
}

const NS = 1765621515856428000;

function answer(provider: ProviderName, id: string, status: 'running' | 'completed' | 'not-found'): { status: number; body: unknown } {
  switch (provider) {
    case 'stream':
      if (status === 'not-found') return { status: 404, body: { code: 16, message: 'task not found', StatusCode: 404, duration: '0.01ms', more_info: '', details: [] } };
      return { status: 200, body: { task_id: id, status, created_at: NS, updated_at: NS, duration: '0.5ms' } };
    case 'mobizon':
      if (status === 'not-found') return { status: 200, body: { code: 2, data: '', message: 'Task not found' } };
      return { status: 200, body: { code: 0, data: { progress: status === 'completed' ? 100 : 40, status: status === 'completed' ? 2 : 1 }, message: '' } };
    case 'postman':
      if (status === 'not-found') return { status: 404, body: { type: 'https://api.postman.com/problems/not-found', title: 'Task not found', status: 404, detail: 'no such task' } };
      return { status: 200, body: { id, status: status === 'completed' ? 'successful' : 'in-progress' } };
  }
}

function addressOf(request: HttpRequest): { provider: ProviderName; id: string } {
  const url = new URL(request.url);
  if (url.pathname.startsWith('/service/taskqueue')) return { provider: 'mobizon', id: new URLSearchParams(request.body ?? '').get('id') ?? '' };
  const id = decodeURIComponent(url.pathname.split('/').pop() ?? '');
  return { provider: url.pathname.startsWith('/api/v2/tasks') ? 'stream' : 'postman', id };
}

export function cycleTransport(scheduler: SchedulerLike, latencyMs: number): CycleTransport {
  const scripts = new Map<string, { path: CyclePath; polls: number }>();
  let inFlight = 0;
  let started = 0;
  const transport: Transport = (request) =>
    new Observable<HttpResponse>((subscriber) => {
      inFlight++;
      started++;
      let open = true;
      const close = () => {
        if (open) {
          open = false;
          inFlight--;
        }
      };
      const { provider, id } = addressOf(request);
      const script = scripts.get(id);
      const poll = script === undefined ? 0 : ++script.polls;
      const status = script === undefined ? 'not-found' : poll < 3 || script.path === 'unsubscribe' ? 'running' : script.path === 'error' ? 'not-found' : 'completed';
      const { status: httpStatus, body } = answer(provider, id, status);
      const reply = timer(latencyMs, scheduler).subscribe(() => {
        close();
        const headers = new Headers({ 'content-type': 'application/json' });
        subscriber.next({ status: httpStatus, headers, body: JSON.stringify(body), hints: readRateLimitHints(headers, scheduler.now()) });
        subscriber.complete();
      });
      return () => {
        reply.unsubscribe();
        close();
      };
    });
  return {
    transport,
    inFlight: () => inFlight,
    started: () => started,
    script: (id, path) => void scripts.set(id, { path, polls: 0 }),
    forget: (id) => void scripts.delete(id),
  };
}
