import { generateScenario, type FakeProviderServer, type FakeTask, type ScenarioOptions } from '../../src/testing/index.js';
import { startOnClock } from './fakeServerHelpers.js';

describe('generateScenario', () => {
  let server: FakeProviderServer;
  beforeEach(async () => {
    ({ server } = await startOnClock());
  });
  afterEach(() => server.close());

  /** The scenario as the server scripts it: outcome, duration and kind are read off the tasks, not the specs. */
  const created = (options: ScenarioOptions = {}): FakeTask[] => {
    server.tasks.clear();
    return server.tasks.createMany(generateScenario(options));
  };
  const durationOf = (task: FakeTask) => (task.terminalAt as number) - task.createdAt;

  it('gives the same batch for the same seed, ids included, and another for another seed', () => {
    expect(generateScenario({ seed: 42 })).toEqual(generateScenario({ seed: 42 }));
    expect(generateScenario({ seed: 42 })).not.toEqual(generateScenario({ seed: 43 }));
    expect(generateScenario()).toEqual(generateScenario({ seed: 1 }));
  });

  it('makes 30 tasks by default, dealt to the providers in turn, every id unique', () => {
    const tasks = created();
    expect(tasks).toHaveLength(30);
    expect(tasks.map((task) => task.provider)).toEqual(Array.from({ length: 30 }, (_, i) => ['stream', 'mobizon', 'postman'][i % 3]));
    expect(new Set(tasks.map((task) => task.id)).size).toBe(30);
    for (const task of tasks.filter((t) => t.provider === 'mobizon')) expect(task.id).toMatch(/^\d{6}$/);
  });

  it.each<[number, number, number]>([
    [30, 0.2, 6],
    [7, 0.5, 4],
    [10, 0, 0],
    [10, 1, 10],
    [100, 0.33, 33],
  ])('fails round(count × failureRate) of the tasks: %i tasks at %f, %i failed', (count, failureRate, failed) => {
    const tasks = created({ count, failureRate, seed: 5 });
    expect(tasks.filter((task) => task.outcome === 'failed')).toHaveLength(failed);
    expect(tasks.filter((task) => task.outcome === 'completed')).toHaveLength(count - failed);
  });

  it('spreads durations log-uniformly between the bounds, in whole tens of ms: many short tasks, a few long ones', () => {
    const tasks = created({ count: 600, seed: 11, minDuration: 1000, maxDuration: 100_000 });
    const durations = tasks.map(durationOf).sort((a, b) => a - b);
    for (const duration of durations) {
      expect(duration % 10).toBe(0);
      expect(duration).toBeGreaterThanOrEqual(1000);
      expect(duration).toBeLessThanOrEqual(100_000);
    }
    // Log-uniform on [1 s, 100 s]: each decade holds half the tasks, the median is near 10 s (a uniform spread would put it near 50 s).
    const belowTenSeconds = durations.filter((d) => d < 10_000).length / durations.length;
    expect(belowTenSeconds).toBeGreaterThan(0.4);
    expect(belowTenSeconds).toBeLessThan(0.6);
    expect(durations[durations.length - 1]).toBeGreaterThan(50_000);
  });

  it('uses every Postman kind, and two APIs for the API Builder tasks', () => {
    const postman = created({ count: 12, providers: ['postman'], seed: 3 });
    expect(postman.map((task) => task.kind)).toEqual(Array.from({ length: 12 }, (_, i) => ['collection-update', 'collection-merge', 'api'][i % 3]));
    const apis = new Set(created({ count: 60, providers: ['postman'], seed: 3 }).flatMap((task) => (task.apiId === undefined ? [] : [task.apiId])));
    expect(apis.size).toBe(2);
    const mixed = created({ count: 9 });
    expect(new Set(mixed.map((task) => task.kind))).toEqual(new Set(['stream', 'mobizon', 'collection-update', 'collection-merge', 'api']));
  });

  it('scripts Stream tasks as queued (waiting or pending), running, then a result or an error', () => {
    const stream = created({ count: 40, providers: ['stream'], failureRate: 0.5, seed: 9 });
    for (const task of stream) {
      expect(['waiting', 'pending']).toContain(task.steps[0]?.status);
      expect(task.steps[1]?.status).toBe('running');
      const last = task.steps[task.steps.length - 1];
      if (task.outcome === 'failed') expect(last).toMatchObject({ status: 'failed', error: { type: expect.any(String), message: expect.any(String) } });
      else expect(last).toMatchObject({ status: 'completed', result: { url: `https://example.com/exports/${task.id}.json` } });
    }
    expect(new Set(stream.map((task) => task.steps[0]?.status))).toEqual(new Set(['waiting', 'pending']));
  });

  it.each<[string, ScenarioOptions]>([
    ['a negative count', { count: -1 }],
    ['a fractional count', { count: 1.5 }],
    ['no providers', { providers: [] }],
    ['an unknown provider', { providers: ['acme' as never] }],
    ['a failure rate over 1', { failureRate: 1.5 }],
    ['a failure rate that is not a number', { failureRate: Number.NaN }],
    ['a zero minimum', { minDuration: 0 }],
    ['a maximum below the minimum', { minDuration: 5000, maxDuration: 4000 }],
    ['an infinite maximum', { maxDuration: Infinity }],
  ])('refuses %s with a TypeError', (_, options) => {
    expect(() => generateScenario(options)).toThrow(TypeError);
  });
});
