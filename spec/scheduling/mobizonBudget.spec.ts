import { lastValueFrom, tap } from 'rxjs';
import { combineTasks, isTerminal, mobizonTasks, untilTerminal } from '../../src/index.js';
import { acceleratedTime, generateScenario, startFakeProviderServer, type FakeProviderServer } from '../../src/testing/index.js';

// 200 Mobizon tasks on one account, a server that refuses the 6th request in
// any second and any poll of a task less than a second after the last one
// (strict mode). Time runs 5× faster than the wall clock on both sides, so the
// ~2 minutes of task time take ~25 s; loopback latency is fast-forwarded too,
// which makes the test stricter, not looser.
const FACTOR = 5;
const TASKS = 200;
const BUDGET = 5;

describe('200 Mobizon tasks on a strict server with a budget of 5 requests per second', () => {
  let server: FakeProviderServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('all finish with their scripted outcome, and not one request is refused', async () => {
    const time = acceleratedTime(FACTOR);
    server = await startFakeProviderServer({ clock: time.now, mobizon: { strict: true, budget: BUDGET } });
    const specs = generateScenario({ seed: 6, count: TASKS, providers: ['mobizon'], failureRate: 0.1, minDuration: 5_000, maxDuration: 60_000 });
    const tasks = server.tasks.createMany(specs);
    const sms = mobizonTasks({
      apiKey: server.credentials.mobizon.apiKey,
      baseUrl: server.url,
      maxRequestsPerSecond: BUDGET,
      scheduler: time.scheduler,
    });

    // When each task's end reached the subscriber, on the shared clock.
    const seenAt = new Map<string, number>();
    const watches = tasks.map((task) =>
      sms.watch(task.id).pipe(
        untilTerminal(),
        tap((state) => {
          if (isTerminal(state)) seenAt.set(state.id, time.now());
        }),
      ),
    );
    const batch = await lastValueFrom(combineTasks(watches));
    const finals = new Map(batch.tasks.flatMap((state) => (state === undefined ? [] : [[state.id, state] as const])));

    expect(batch.done).toBe(true);
    expect(batch.total).toBe(TASKS);
    for (const task of tasks) expect(finals.get(task.id)?.status).toBe(task.outcome);
    expect(batch.counts.failed).toBe(tasks.filter((task) => task.outcome === 'failed').length);
    expect(batch.counts.failed).toBeGreaterThan(0);

    const log = server.log;
    expect(log.entries().filter((entry) => entry.rateLimited)).toEqual([]); // on failure, shows which
    expect(log.rateLimitRefusals()).toBe(0);
    expect(log.maxRequestsInAnyWindow({ windowMs: 1000 })).toBeLessThanOrEqual(BUDGET);
    // Economy: a progress-aware poller needs only a few requests per task even
    // though tasks last up to a minute and the budget would allow far more.
    expect(log.count()).toBeLessThan(TASKS * 6);
    // Every end was seen after it happened on the server, and none was missed.
    for (const task of tasks) expect(seenAt.get(task.id)).toBeGreaterThanOrEqual(task.terminalAt as number);
    const lags = tasks.map((task) => (seenAt.get(task.id) as number) - (task.terminalAt as number)).sort((a, b) => a - b);
    process.stdout.write(
      `200 Mobizon tasks at 5 rps: ${log.count()} requests (${(log.count() / TASKS).toFixed(2)} per task), ` +
        `max ${log.maxRequestsInAnyWindow()} in any second, lag p50 ${Math.round(lags[TASKS / 2] as number)} ms p95 ${Math.round(lags[Math.floor(TASKS * 0.95)] as number)} ms\n`,
    );
  });
});
