// The client process of the rate, overhead and memory benches: it runs the
// pollers, apart from the fake server (which stays in the parent), so that
// CPU and heap read here are the pollers' alone, and so that the parent can end
// every timer of a poller (smithy's waiter cannot cancel its sleeps) by ending
// this process. Driven by one message; answers with one.
import { collectGarbage } from './gc.js';
import { startPollers, type PollerSpec } from './pollerSpec.js';
import { sourceFor } from './sources.js';
import type { Endpoint } from './statusCheck.js';

export type ClientJob =
  /** Start polling and keep at it; the parent judges from its request log, then ends this process. */
  | { readonly kind: 'poll'; readonly endpoint: Endpoint; readonly ids: readonly string[]; readonly poller: PollerSpec }
  /**
   * Poll as fast as allowed for `durationMs` (after `warmupMs`); report the CPU
   * used and the window, like `cost` (the parent counts the polls answered).
   */
  | {
      readonly kind: 'throughput';
      readonly endpoint: Endpoint;
      readonly ids: readonly string[];
      readonly approach: 'rx-task-status' | 'raw cross-fetch loop';
      readonly concurrency: number;
      readonly warmupMs: number;
      readonly durationMs: number;
    }
  /**
   * Follow every task with `poller` for `durationMs` after `warmupMs`; report the
   * CPU used in that window and the window itself (epoch ms, the fake server's
   * clock), so the parent counts the polls answered in it from its request log.
   */
  | { readonly kind: 'cost'; readonly endpoint: Endpoint; readonly ids: readonly string[]; readonly poller: PollerSpec; readonly warmupMs: number; readonly durationMs: number }
  /** Follow every task until each has had one answer, then weigh the heap. */
  | { readonly kind: 'heap'; readonly endpoint: Endpoint; readonly ids: readonly string[]; readonly poller: PollerSpec };

export type ClientReply =
  | { readonly kind: 'polling' }
  /** The CPU the client used from `from` to `to` (epoch ms: the fake server's clock, for counting in its request log). */
  | { readonly kind: 'throughput' | 'cost'; readonly cpuMicros: number; readonly from: number; readonly to: number }
  /** `failed`: tasks whose poller gave up on them with an error before their first answer (they hold next to nothing); `error`: the first such error. */
  | { readonly kind: 'heap'; readonly heapBytes: number; readonly tasks: number; readonly failed: number; readonly error?: string }
  | { readonly kind: 'error'; readonly message: string };

// The parent closing the channel means "stop": exit, which also writes a `--cpu-prof` profile (see clientProcess.ts).
process.once('disconnect', () => process.exit(0));

process.once('message', (job: ClientJob) => {
  handle(job).then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ kind: 'error', message: error instanceof Error ? error.message : String(error) }),
  );
});

async function handle(job: ClientJob): Promise<ClientReply> {
  switch (job.kind) {
    case 'poll':
      startPollers(job.poller, job.endpoint, job.ids);
      return { kind: 'polling' };
    case 'throughput':
      return throughput(job);
    case 'cost':
      return cost(job);
    case 'heap':
      return heap(job);
  }
}

async function throughput(job: Extract<ClientJob, { kind: 'throughput' }>): Promise<ClientReply> {
  let stop: () => void;
  if (job.approach === 'rx-task-status') {
    // With the default fetch, as a user has it: the server counts the answers (a watch only emits on a change).
    const source = sourceFor(job.endpoint, { interval: 1, jitter: 0, maxRequestsPerSecond: Infinity, maxConcurrentRequests: job.concurrency });
    const subscriptions = job.ids.map((id) => source.watch(id).subscribe({ error: () => undefined }));
    stop = () => subscriptions.forEach((subscription) => subscription.unsubscribe());
  } else {
    const { checkStatus } = await import('./statusCheck.js');
    let stopped = false;
    const worker = async (offset: number) => {
      for (let turn = offset; !stopped; turn += job.concurrency) {
        const outcome = await checkStatus(job.endpoint, job.ids[turn % job.ids.length] as string);
        if (outcome.kind === 'completed' || outcome.kind === 'failed') throw new Error('A throughput task ended: give them longer durations.');
      }
    };
    for (let offset = 0; offset < job.concurrency; offset++) worker(offset).catch(() => undefined);
    stop = () => (stopped = true);
  }
  return measureWindow(job, stop, 'throughput');
}

async function cost(job: Extract<ClientJob, { kind: 'cost' }>): Promise<ClientReply> {
  const pollers = startPollers(job.poller, job.endpoint, job.ids);
  return measureWindow(job, () => pollers.stop(), 'cost');
}

/** Waits out the warm-up, then reads the CPU used over `durationMs`; stops the pollers. */
async function measureWindow({ warmupMs, durationMs }: { warmupMs: number; durationMs: number }, stop: () => void, kind: 'throughput' | 'cost'): Promise<ClientReply> {
  await wait(warmupMs);
  const from = Date.now();
  const cpuBefore = process.cpuUsage();
  await wait(durationMs);
  const cpu = process.cpuUsage(cpuBefore);
  const to = Date.now();
  stop();
  return { kind, cpuMicros: cpu.user + cpu.system, from, to };
}

async function heap(job: Extract<ClientJob, { kind: 'heap' }>): Promise<ClientReply> {
  // The marginal cost of a task: the heap with a tenth of the tasks followed is
  // the baseline, so what any first use costs (code, sockets, agents) is not
  // charged to the tasks.
  const first = job.ids.slice(0, Math.max(1, Math.floor(job.ids.length / 10)));
  const rest = job.ids.slice(first.length);
  // A task counts once it has had its first answer, or once its poller gave up
  // on it (so a refused connection cannot leave this waiting for ever).
  const settled = new Set<string>();
  let failed = 0;
  let firstError: string | undefined;
  let target = first.length;
  let done: () => void = () => undefined;
  let reached = new Promise<void>((resolve) => (done = resolve));
  const count = (id: string) => {
    settled.add(id);
    if (settled.size === target) done();
  };
  const pollers = startPollers(job.poller, job.endpoint, first, {
    onAnswer: count,
    onFailure: (id, error) => {
      if (settled.has(id)) return;
      failed++;
      firstError ??= error instanceof Error ? error.message : String(error);
      count(id);
    },
  });
  await reached;
  await settle();
  const before = process.memoryUsage().heapUsed;
  target = job.ids.length;
  reached = new Promise<void>((resolve) => (done = resolve));
  pollers.add(rest);
  await reached;
  await settle();
  const after = process.memoryUsage().heapUsed;
  return { kind: 'heap', heapBytes: after - before, tasks: rest.length, failed, ...(firstError === undefined ? {} : { error: firstError }) };
}

/** Lets the last answers' sockets and buffers go, then a full GC. */
async function settle(): Promise<void> {
  await wait(300);
  collectGarbage();
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
