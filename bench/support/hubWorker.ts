// A process of row 8 (bench/hub.bench.ts), started by hubProcess.ts: either
// the hub (createTaskHub over one Postman source, on 127.0.0.1) or the
// watchers (N direct sources, or N hubTasks sources each with its own
// connection, every one watching every task). Each reads its own CPU.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Observable, Subscription } from 'rxjs';
import { createTaskHub } from '../../src/hub/index.js';
import type { HubFetch } from '../../src/hubClient/hubConnection.js';
import { hubTasks } from '../../src/hubClient/hubTasks.js';
import { isTerminal, type TaskState } from '../../src/core/taskState.js';
import type { TaskSource } from '../../src/core/taskSource.js';
import { postmanTasks } from '../../src/providers/postman.js';
import { readClock, type SharedClock } from './hubClock.js';
import type { Endpoint } from './statusCheck.js';

/** The source options every way uses, for the hub's source and each direct one alike. */
export interface BenchSourceOptions {
  readonly interval: number;
  readonly maxRequestsPerSecond: number;
}

export type HubWorkerMessage =
  /** Be the hub: answers `listening` with its URL, and starts counting CPU. */
  | { readonly kind: 'hub'; readonly endpoint: Endpoint; readonly clock: SharedClock; readonly source: BenchSourceOptions }
  /** (To the hub.) Answers `hub-cpu`: CPU used since `listening`. */
  | { readonly kind: 'hub-cpu' }
  /**
   * Be `watchers` watchers, directly (each its own source and budget) or
   * through the hub at `hubUrl` (each its own hubTasks source and
   * connection). Answers `watching`, and starts counting CPU.
   */
  | {
      readonly kind: 'watchers';
      readonly way: 'direct' | 'hub';
      readonly watchers: number;
      readonly endpoint: Endpoint;
      readonly hubUrl?: string;
      readonly clock: SharedClock;
      readonly source: BenchSourceOptions;
    }
  /** (To the watchers, unanswered.) Tasks have been made: every watcher watches them from now on (all of them at once: a hub client asks for them in one request). */
  | { readonly kind: 'add'; readonly refs: readonly string[] }
  /** (To the watchers.) Answers `watched` once every watch has ended, or `limitMs` (wall) from now with what it has. */
  | { readonly kind: 'results'; readonly limitMs: number };

export type HubWorkerReply =
  /** Sent unasked once the process has loaded. */
  | { readonly kind: 'ready' }
  | { readonly kind: 'listening'; readonly url: string }
  | { readonly kind: 'watching' }
  | { readonly kind: 'hub-cpu'; readonly cpuMicros: number; readonly errors: number }
  | {
      readonly kind: 'watched';
      readonly cpuMicros: number;
      /** States emitted to all watchers together. */
      readonly delivered: number;
      /** Per ref, in the order added: the task clock when the last watcher saw its terminal state; null when some watcher never did. */
      readonly lastSeenAt: readonly (number | null)[];
      /** Watches that ended in an error, or had not ended at the limit. */
      readonly missed: number;
      readonly firstError?: string;
      /** Hub clients only: streams opened beyond one per watcher (reconnections), and changes the hub did not answer 204. */
      readonly reopened: number;
      readonly changesRefused: number;
    }
  | { readonly kind: 'error'; readonly message: string };

/** The hub of this process, when it is one: its CPU counted from when it listened, and what its `onError` heard. */
let hub: { readonly server: Server; readonly cpu: NodeJS.CpuUsage; errors: number } | undefined;

process.on('message', (message: HubWorkerMessage) => {
  handle(message).then(
    (reply) => {
      if (reply !== undefined) process.send?.(reply);
    },
    (error: unknown) => process.send?.({ kind: 'error', message: error instanceof Error ? error.message : String(error) } satisfies HubWorkerReply),
  );
});
process.send?.({ kind: 'ready' } satisfies HubWorkerReply);

async function handle(message: HubWorkerMessage): Promise<HubWorkerReply | undefined> {
  switch (message.kind) {
    case 'hub':
      return startHub(message);
    case 'hub-cpu': {
      if (hub === undefined) throw new Error('No hub runs in this process.');
      const cpu = process.cpuUsage(hub.cpu);
      return { kind: 'hub-cpu', cpuMicros: cpu.user + cpu.system, errors: hub.errors };
    }
    case 'watchers':
      watchers = new Watchers(message);
      return { kind: 'watching' };
    case 'add':
      watchersOf(message).add(message.refs);
      return undefined;
    case 'results':
      return watchersOf(message).results(message.limitMs);
  }
}

function sourceOf(endpoint: Endpoint, clock: SharedClock, options: BenchSourceOptions): TaskSource {
  return postmanTasks({ apiKey: endpoint.apiKey, baseUrl: endpoint.url, scheduler: readClock(clock).scheduler, ...options });
}

async function startHub({ endpoint, clock, source }: Extract<HubWorkerMessage, { kind: 'hub' }>): Promise<HubWorkerReply> {
  const taskHub = createTaskHub({
    sources: { postman: sourceOf(endpoint, clock, source) },
    authorize: () => true,
    basePath: '/tasks',
    onError: () => {
      if (hub !== undefined) hub.errors++;
    },
  });
  const server = createServer(taskHub);
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  hub = { server, cpu: process.cpuUsage(), errors: 0 };
  return { kind: 'listening', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tasks` };
}

let watchers: Watchers | undefined;

function watchersOf(message: HubWorkerMessage): Watchers {
  if (watchers === undefined) throw new Error(`No watchers run in this process to take ${message.kind}.`);
  return watchers;
}

/** Every watcher's sources, and what they have seen: when each saw each task end, states emitted, watches that ended otherwise. */
class Watchers {
  private readonly cpuBefore = process.cpuUsage();
  private readonly now: () => number;
  private readonly sources: readonly TaskSource[];
  private readonly seenAt: (number | undefined)[][] = [];
  private readonly subscriptions: Subscription[] = [];
  private delivered = 0;
  private errors = 0;
  private open = 0;
  private firstError: string | undefined;
  private allEnded: () => void = () => undefined;
  /** The watches being made (one watcher per turn of the event loop). */
  private adding = Promise.resolve();
  /** Hub clients: streams opened, and changes the hub refused. */
  private opened = 0;
  private changesRefused = 0;

  constructor(job: Extract<HubWorkerMessage, { kind: 'watchers' }>) {
    this.now = readClock(job.clock).now;
    // The hub's clients keep real time: their clock only times reconnections and silences, and the hub's keep-alives are real time too.
    this.sources = Array.from({ length: job.watchers }, () =>
      job.way === 'direct' ? sourceOf(job.endpoint, job.clock, job.source) : hubTasks({ url: job.hubUrl ?? '', provider: 'postman', fetch: (url, init) => this.counted(url, init) }),
    );
  }

  /** The global fetch, counting the streams opened and the changes refused: a reconnection would skew the row. */
  private async counted(url: string, init: Parameters<HubFetch>[1]): ReturnType<HubFetch> {
    const opening = url.endsWith('/streams');
    if (opening) this.opened++;
    const response = await fetch(url, init);
    if (!opening && response.status !== 204) this.changesRefused++;
    return response;
  }

  /**
   * Every watcher watches the new tasks, one watcher per turn of the event
   * loop: the pages are apart, so the first one's request (a hub client's
   * change, a direct source's poll) does not wait for the hundredth's watches.
   */
  add(refs: readonly string[]): void {
    const seen = refs.map(() => [] as (number | undefined)[]);
    this.seenAt.push(...seen);
    this.open += refs.length * this.sources.length;
    this.adding = this.adding.then(async () => {
      for (const [watcher, source] of this.sources.entries()) {
        refs.forEach((ref, task) => this.watch(source.watch(ref), seen[task] as (number | undefined)[], watcher));
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
  }

  private watch(task$: Observable<TaskState>, seen: (number | undefined)[], watcher: number): void {
    this.subscriptions.push(
      task$.subscribe({
        next: (state) => {
          this.delivered++;
          if (isTerminal(state)) seen[watcher] = this.now();
        },
        error: (error: unknown) => {
          this.errors++;
          this.firstError ??= error instanceof Error ? error.message : String(error);
          this.ended();
        },
        complete: () => this.ended(),
      }),
    );
  }

  private ended(): void {
    if (--this.open === 0) this.allEnded();
  }

  async results(limitMs: number): Promise<HubWorkerReply> {
    await this.adding;
    if (this.open > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.allEnded = resolve;
        timer = setTimeout(resolve, limitMs);
      });
      clearTimeout(timer);
    }
    const cpu = process.cpuUsage(this.cpuBefore);
    const missed = this.errors + this.open;
    this.subscriptions.forEach((subscription) => subscription.unsubscribe());
    const lastSeenAt = this.seenAt.map((seen) => {
      const times = this.sources.map((_, watcher) => seen[watcher]);
      return times.every((time) => time !== undefined) ? Math.max(...(times as number[])) : null;
    });
    return {
      kind: 'watched',
      cpuMicros: cpu.user + cpu.system,
      delivered: this.delivered,
      lastSeenAt,
      missed,
      ...(this.firstError === undefined ? {} : { firstError: this.firstError }),
      reopened: Math.max(0, this.opened - this.sources.length),
      changesRefused: this.changesRefused,
    };
  }
}
