// Runs one cell of the fault matrix over real HTTP against the fake provider
// server, on one accelerated clock shared by server and source.
import { defaultFetch } from '../../src/core/defaultFetch.js';
import { firstValueFrom, tap, timer, type Observable } from 'rxjs';
import {
  type FetchLike,
  fixedInterval,
  mobizonTasks,
  postmanTasks,
  streamTasks,
  type SourceOptions,
  type TaskState,
} from '../../src/index.js';
import {
  acceleratedTime,
  type AcceleratedTime,
  signStreamToken,
  startFakeProviderServer,
  type FakeProviderServer,
  type ProviderName,
  type RequestLogEntry,
  type TaskSpec,
  type TaskStep,
} from '../../src/testing/index.js';
import { stepAt } from '../../src/testing/tasks/fakeTask.js';
import { MATRIX_RETRIES, type MatrixRow, type ProviderCase } from './faultMatrix.js';

/** Recognisable fake credentials: any of them in an error, a state or a log line is a leak. */
export const MATRIX_SECRETS = {
  stream: { apiKey: 'stream-KEY-3c9f2a71', apiSecret: 'stream-SECRET-8d41e0b6-9f2c47a1e03b5d86' },
  mobizon: { apiKey: 'mobizon-KEY-5a7be219' },
  postman: { apiKey: 'PMAK-postman-KEY-b60d94c3' },
} as const;

/** Every secret of the matrix, the Stream server token signed with its secret included. */
export async function allSecrets(): Promise<string[]> {
  const jwt = await signStreamToken(MATRIX_SECRETS.stream.apiSecret);
  return [MATRIX_SECRETS.stream.apiKey, MATRIX_SECRETS.stream.apiSecret, MATRIX_SECRETS.mobizon.apiKey, MATRIX_SECRETS.postman.apiKey, jwt];
}

/** Server and sources run this many times faster than the wall clock (Mobizon's 1 s floor becomes 20 ms). */
const FACTOR: Readonly<Record<ProviderName, number>> = { stream: 25, mobizon: 50, postman: 25 };
/** Each non-terminal state lasts this long (accelerated ms): several polls of each provider. */
const STEP_MS: Readonly<Record<ProviderName, number>> = { stream: 1000, mobizon: 3000, postman: 1000 };
const INTERVAL_MS: Readonly<Record<ProviderName, number>> = { stream: 100, mobizon: 1000, postman: 100 };
/** A watch that has neither ended nor errored after this long (wall clock) has failed the matrix. */
export const CASE_BOUND_MS = 15_000;

export interface CaseRun {
  readonly taskId: string;
  readonly values: TaskState[];
  readonly error?: unknown;
  readonly completed: boolean;
  /** Whether the watch ended within {@link CASE_BOUND_MS}. */
  readonly bounded: boolean;
  /** The server's request log, every exchange settled. */
  readonly log: RequestLogEntry[];
  /** The provider status the server reports at each time, for the no-skipped-state check. */
  readonly wireStatusAt: (at: number) => string | undefined;
  /** The terminal wire status of the scripted task. */
  readonly finalWireStatus: string;
  /** Rows with `quietAfterEnd`: requests that came after the watch ended, while time ran past the script's return to running. */
  readonly requestsAfterEnd?: number;
  /** Rows with `quietAfterEnd`: the first state a fresh watch sees once the script is back to running. */
  readonly probeAfterEnd?: TaskState;
}

/**
 * Each provider's wire states, in order: non-terminal ones before the end, so
 * that a skipped one shows (Postman's collection tasks document one only, and
 * an undocumented one is allowed: their enum "should be considered partial"),
 * the terminal one, and `again`, the running state a `terminal-then-running`
 * script goes back to.
 */
type WireState = Omit<TaskStep, 'at'>;
const WIRE_STATES: Readonly<Record<ProviderName, { before: readonly WireState[]; end: WireState; again: WireState }>> = {
  stream: { before: [{ status: 'pending' }, { status: 'running' }], end: { status: 'completed', result: { url: 'https://example.com/x.json' } }, again: { status: 'running' } },
  mobizon: { before: [{ status: 0, progress: 0 }, { status: 1, progress: 50 }], end: { status: 2, progress: 100 }, again: { status: 1, progress: 90 } },
  postman: { before: [{ status: 'in-progress' }, { status: 'merging' }], end: { status: 'successful' }, again: { status: 'in-progress' } },
};

function specOf(provider: ProviderName, id: string, states: readonly WireState[]): TaskSpec {
  const steps = states.map((wire, index) => ({ ...wire, at: index * STEP_MS[provider] }));
  switch (provider) {
    case 'stream':
      return { provider, id, steps: steps as TaskStep<string>[] };
    case 'mobizon':
      return { provider, id, steps: steps as TaskStep<number>[] };
    case 'postman':
      return { provider, kind: 'collection-merge', id, steps: steps as TaskStep<string>[] };
  }
}

/** The watched task: one step of time in each state before the end, which it keeps. */
function taskSpec(provider: ProviderName, id: string): TaskSpec {
  const { before, end } = WIRE_STATES[provider];
  return specOf(provider, id, [...before, end]);
}

/**
 * `terminal-then-running`, once the watch has ended: the same task, still at
 * its end, goes back to running one step of time later. Scripted when the
 * watch ends rather than at a fixed time from its start, so that a loaded
 * machine cannot make the watch sleep through a short terminal window.
 */
function backToRunningSpec(provider: ProviderName, id: string): TaskSpec {
  const { end, again } = WIRE_STATES[provider];
  return specOf(provider, id, [end, again]);
}

const FINAL: Readonly<Record<ProviderName, string>> = { stream: 'completed', mobizon: '2', postman: 'successful' };

function watchOf(provider: ProviderName, id: string, server: FakeProviderServer, options: SourceOptions): Observable<TaskState> {
  const common = { ...options, baseUrl: server.url };
  switch (provider) {
    case 'stream':
      return streamTasks({ ...common, ...MATRIX_SECRETS.stream }).watch(id);
    case 'mobizon':
      return mobizonTasks({ ...common, ...MATRIX_SECRETS.mobizon }).watch(id);
    case 'postman':
      return postmanTasks({ ...common, ...MATRIX_SECRETS.postman }).watch({ id, kind: 'collection-merge' });
  }
}

/** Runs one provider's case of one row; the server is closed before it returns. */
export async function runCase(row: MatrixRow, provider: ProviderName, providerCase: ProviderCase): Promise<CaseRun> {
  const time = acceleratedTime(FACTOR[provider]);
  const taskId = provider === 'mobizon' ? '700001' : `${row.id}-${provider}`;
  // The task starts when the server takes its first request, not before: however slow the start (a
  // token to sign, a first connection, a busy machine), the first answer is the first step of the script.
  let armed = false;
  let created = providerCase.arrange === 'no-task';
  let server: FakeProviderServer | undefined;
  const clock = () => {
    const now = time.now();
    if (armed && !created && server !== undefined) {
      created = true;
      server.tasks.create(taskSpec(provider, taskId));
    }
    return now;
  };
  server = await startFakeProviderServer({ clock, ...MATRIX_SECRETS });
  const fake = server;
  try {
    const fetch: FetchLike = (url, init) => {
      armed = true;
      return defaultFetch(url, init);
    };
    const placeFaults = () => {
      for (const fault of providerCase.faults) fake.faults.add(fault, { taskId, times: providerCase.times ?? 1 });
    };
    if (row.when === 'start') placeFaults();
    const options: SourceOptions = {
      scheduler: time.scheduler,
      fetch,
      interval: INTERVAL_MS[provider],
      policy: fixedInterval(),
      jitter: 0,
      maxRequestsPerSecond: Number.POSITIVE_INFINITY,
      retry: { retries: MATRIX_RETRIES, minDelay: 50, maxDelay: 200 },
      requestTimeout: row.requestTimeout ?? 60_000,
    };
    let placed = row.when === 'start';
    const watch$ = watchOf(provider, taskId, fake, options).pipe(
      tap(() => {
        if (!placed) {
          placed = true;
          placeFaults();
        }
      }),
    );
    const outcome = await collectBounded(watch$, CASE_BOUND_MS);
    await fake.log.waitForSettled(fake.log.count());
    const snapshot = fake.tasks.get(taskId);
    const log = fake.log.entries();
    const afterEnd =
      providerCase.arrange === 'terminal-then-running' ? await quietAfterEnd({ fake, provider, taskId, time, watchAgain: () => watchOf(provider, taskId, fake, options) }) : {};
    return {
      taskId,
      ...outcome,
      log,
      wireStatusAt: (at) => (snapshot === undefined ? undefined : String(stepAt(snapshot, at).status)),
      finalWireStatus: FINAL[provider],
      ...afterEnd,
    };
  } finally {
    await fake.close();
  }
}

/**
 * Scripts the task's return to running (it stays at its end for one step of
 * time more), lets the accelerated clock run until it has been back to
 * running for three polling intervals, counting any request the ended watch
 * still made; then a fresh watch takes one state, proving what the server
 * now says.
 */
async function quietAfterEnd(input: {
  fake: FakeProviderServer;
  provider: ProviderName;
  taskId: string;
  time: AcceleratedTime;
  watchAgain: () => Observable<TaskState>;
}): Promise<{ requestsAfterEnd: number; probeAfterEnd: TaskState }> {
  const { fake, provider, taskId, time, watchAgain } = input;
  const endedWith = fake.log.count();
  fake.tasks.remove(taskId);
  const rescripted = fake.tasks.create(backToRunningSpec(provider, taskId));
  const quietUntil = rescripted.createdAt + STEP_MS[provider] + 3 * INTERVAL_MS[provider];
  await firstValueFrom(timer(Math.max(0, quietUntil - time.now()), time.scheduler));
  const requestsAfterEnd = fake.log.count() - endedWith;
  const probeAfterEnd = await firstValueFrom(watchAgain());
  return { requestsAfterEnd, probeAfterEnd };
}

/** Subscribes until the stream ends or `boundMs` passes (then unsubscribes); never rejects, leaves no timer. */
function collectBounded<T>(source: Observable<T>, boundMs: number): Promise<{ values: T[]; error?: unknown; completed: boolean; bounded: boolean }> {
  return new Promise((resolve) => {
    const values: T[] = [];
    let guard: ReturnType<typeof setTimeout> | undefined;
    const subscription = source.subscribe({
      next: (value) => values.push(value),
      error: (error: unknown) => {
        clearTimeout(guard);
        resolve({ values, error, completed: false, bounded: true });
      },
      complete: () => {
        clearTimeout(guard);
        resolve({ values, completed: true, bounded: true });
      },
    });
    if (subscription.closed) return;
    guard = setTimeout(() => {
      subscription.unsubscribe();
      resolve({ values, completed: false, bounded: false });
    }, boundMs);
  });
}

/**
 * The provider statuses the server reported in two honest answers in a row
 * (answers that no fault touched and that reached the client), in order.
 */
export function statesReportedTwice(run: CaseRun): string[] {
  const honest = run.log.filter((entry) => entry.fault === undefined && entry.status === 200 && !entry.aborted);
  const statuses = honest.map((entry) => run.wireStatusAt(entry.at));
  const twice: string[] = [];
  statuses.forEach((status, index) => {
    if (status !== undefined && index > 0 && statuses[index - 1] === status && twice[twice.length - 1] !== status) twice.push(status);
  });
  return twice;
}

/** Whether `needles` appear in `haystack` in the same order (not necessarily next to each other). */
export function isSubsequence(needles: readonly string[], haystack: readonly string[]): boolean {
  let at = 0;
  for (const item of haystack) if (item === needles[at]) at++;
  return at === needles.length;
}
