// The client process of the rate, overhead and memory benches: it runs the
// pollers, apart from the fake server (which stays in the parent), so that
// CPU and heap read here are the pollers' alone, and so that the parent can end
// every timer of a poller (smithy's waiter cannot cancel its sleeps) by ending
// this process. Driven by one message; answers with one.
import crossFetch from 'cross-fetch';
import { collectGarbage } from './gc.js';
import { startPollers, type PollerSpec } from './pollerSpec.js';
import { sourceFor } from './sources.js';
import type { Endpoint } from './statusCheck.js';

export type ClientJob =
  /** Start polling and keep at it; the parent judges from its request log, then ends this process. */
  | { readonly kind: 'poll'; readonly endpoint: Endpoint; readonly ids: readonly string[]; readonly poller: PollerSpec }
  /** Poll as fast as allowed for `durationMs` (after `warmupMs`); report polls answered and CPU used. */
  | {
      readonly kind: 'throughput';
      readonly endpoint: Endpoint;
      readonly ids: readonly string[];
      readonly approach: 'rx-task-status' | 'raw cross-fetch loop';
      readonly concurrency: number;
      readonly warmupMs: number;
      readonly durationMs: number;
    }
  /** Follow every task until each has had one answer, then weigh the heap. */
  | { readonly kind: 'heap'; readonly endpoint: Endpoint; readonly ids: readonly string[]; readonly poller: PollerSpec };

export type ClientReply =
  | { readonly kind: 'polling' }
  | { readonly kind: 'throughput'; readonly polls: number; readonly cpuMicros: number; readonly wallMs: number }
  /** `failed`: tasks whose poller gave up on them with an error before their first answer (they hold next to nothing); `error`: the first such error. */
  | { readonly kind: 'heap'; readonly heapBytes: number; readonly tasks: number; readonly failed: number; readonly error?: string }
  | { readonly kind: 'error'; readonly message: string };

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
    case 'heap':
      return heap(job);
  }
}

async function throughput(job: Extract<ClientJob, { kind: 'throughput' }>): Promise<ClientReply> {
  let polls = 0;
  let stopped = false;
  const stops: Array<() => void> = [];
  if (job.approach === 'rx-task-status') {
    // Every answer counted at the fetch, since a watch only emits on a change.
    const counting = ((url: string, init: Parameters<typeof crossFetch>[1]) =>
      crossFetch(url, init).then((response) => {
        polls++;
        return response;
      })) as unknown as typeof crossFetch;
    const source = sourceFor(job.endpoint, {
      interval: 1,
      jitter: 0,
      maxRequestsPerSecond: Infinity,
      maxConcurrentRequests: job.concurrency,
      fetch: counting as never,
    });
    const subscriptions = job.ids.map((id) => source.watch(id).subscribe({ error: () => undefined }));
    stops.push(() => subscriptions.forEach((subscription) => subscription.unsubscribe()));
  } else {
    const { checkStatus } = await import('./statusCheck.js');
    const worker = async (offset: number) => {
      for (let turn = offset; !stopped; turn += job.concurrency) {
        const outcome = await checkStatus(job.endpoint, job.ids[turn % job.ids.length] as string);
        if (outcome.kind === 'completed' || outcome.kind === 'failed') throw new Error('A throughput task ended: give them longer durations.');
        polls++;
      }
    };
    const workers = Array.from({ length: job.concurrency }, (_, offset) => worker(offset).catch(() => undefined));
    stops.push(() => void Promise.all(workers));
  }
  await wait(job.warmupMs);
  const pollsBefore = polls;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await wait(job.durationMs);
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - started;
  const counted = polls - pollsBefore;
  stopped = true;
  stops.forEach((stop) => stop());
  return { kind: 'throughput', polls: counted, cpuMicros: cpu.user + cpu.system, wallMs };
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
