import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeProviderServer, type FakeProviderServer } from '../../src/testing/index.js';
import { buildCli, ROOT, runBuiltCli, runOnTerminal, startCli, type BuiltCli, type Exit } from './builtCli.js';
import { ALL_SECRETS, envFor, jsonLines, SECRETS } from './support.js';
import { replay } from './terminalScreen.js';

/** A signed token in the shape of Stream's server JWT (the CLI signs one with the secret for every request). */
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

function expectNoSecret({ stdout, stderr }: Exit): void {
  for (const secret of ALL_SECRETS) expect(stdout + stderr).not.toContain(secret);
  expect(stdout + stderr).not.toMatch(JWT);
}

// The executable as a user runs it: a child process, its exit code, its stdout and stderr, against the fake
// provider server over real HTTP. (In-process runs of the same commands, which can look inside, are in
// watch.spec.ts and demo.spec.ts.)
describe('the rx-task-status executable', () => {
  let cli: BuiltCli;
  let server: FakeProviderServer;
  /** The server's clock runs this many ms ahead of the wall clock: a test moves tasks on by moving it. */
  let ahead: number;

  beforeAll(async () => {
    cli = await buildCli();
  });

  afterAll(() => cli.remove());

  beforeEach(async () => {
    ahead = 0;
    server = await startFakeProviderServer({ clock: () => Date.now() + ahead, stream: SECRETS.stream, mobizon: SECRETS.mobizon, postman: SECRETS.postman });
  });

  afterEach(async () => {
    await server.close();
  });

  const watch = (provider: string, ...args: string[]) => ['watch', provider, ...args, '--base-url', server.url];

  it('exits 0 and writes one JSON line per state change, each the state the server was in', async () => {
    const steps = [
      { at: 0, status: 'waiting' },
      { at: 60_000, status: 'running' },
      { at: 120_000, status: 'completed', result: { url: 'https://example.com/export.json' } },
    ];
    server.tasks.create({ provider: 'stream', id: 'export-1', steps });

    // The task moves on only once the command has written the state before (however slowly it started).
    const running = startCli(cli.bin, watch('stream', 'export-1', '--interval', '100'), envFor(server));
    await running.until(/"providerStatus":"waiting"/);
    ahead = 60_000;
    await running.until(/"providerStatus":"running"/);
    ahead = 120_000;
    const exit = await running.exited;

    expect({ code: exit.code, stderr: exit.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = jsonLines(exit.stdout);
    // One line per change, each once, in order: the polls in between changed nothing.
    expect(lines.map((line) => line.providerStatus)).toEqual(['waiting', 'running', 'completed']);
    for (const line of lines) {
      expect(line).toMatchObject({ provider: 'stream', id: 'export-1', raw: { task_id: 'export-1', status: line.providerStatus } });
      expect(new Date(line.createdAt as string).toISOString()).toBe(line.createdAt);
    }
    expect(lines.at(-1)).toMatchObject({ status: 'completed', providerStatus: 'completed', result: { url: 'https://example.com/export.json' } });
    expectNoSecret(exit);
  });

  it('exits 1 when a task failed, after following the others to their end', async () => {
    server.tasks.create({ provider: 'postman', id: 'merge-ok', kind: 'collection-merge', steps: [{ at: 0, status: 'successful' }] });
    server.tasks.create({ provider: 'postman', id: 'merge-bad', kind: 'collection-merge', steps: [{ at: 0, status: 'failed', error: { message: 'The source collection has changed.' } }] });

    const exit = await runBuiltCli(cli.bin, watch('postman', 'merge:merge-ok', 'merge:merge-bad'), envFor(server));

    expect({ code: exit.code, stderr: exit.stderr }).toEqual({ code: 1, stderr: '' });
    expect(jsonLines(exit.stdout).map(({ id, status }) => `${String(id)} ${String(status)}`).sort()).toEqual(['merge-bad failed', 'merge-ok completed']);
    expect(jsonLines(exit.stdout).find((line) => line.id === 'merge-bad')).toMatchObject({ error: { message: 'The source collection has changed.' } });
    expectNoSecret(exit);
  });

  it('exits 2 when --timeout runs out, with an error line on stdout and a plain one on stderr', async () => {
    server.tasks.create({ provider: 'mobizon', id: '4821', steps: [{ at: 0, status: 1, progress: 40 }] });

    const exit = await runBuiltCli(cli.bin, watch('mobizon', '4821', '--timeout', '0.5'), envFor(server));

    expect(exit.code).toBe(2);
    expect(jsonLines(exit.stdout)).toEqual([
      expect.objectContaining({ provider: 'mobizon', id: '4821', status: 'running', progress: 0.4 }),
      { type: 'error', provider: 'mobizon', id: '4821', ref: '4821', code: 'TASK_TIMEOUT', message: 'Task 4821 (mobizon) did not finish within 500 ms; last seen running.' },
    ]);
    expect(exit.stderr).toBe('rx-task-status: mobizon task 4821: timed out after 0.5s\n');
    expectNoSecret(exit);
  });

  it('exits 3 naming the missing variable, before any request', async () => {
    const exit = await runBuiltCli(cli.bin, watch('stream', 'export-1'), { STREAM_API_KEY: SECRETS.stream.apiKey });

    expect(exit).toEqual({
      code: 3,
      signal: null,
      stdout: '',
      stderr: 'rx-task-status: STREAM_API_SECRET is not set: watching stream tasks needs STREAM_API_SECRET in the environment.\n',
    });
    expect(server.log.count()).toBe(0);
  });

  it('exits 3 on a key the provider rejects, printing neither it nor the secret it signs with', async () => {
    server.tasks.create({ provider: 'stream', id: 'export-1', steps: [{ at: 0, status: 'running' }] });
    const wrong = { STREAM_API_KEY: SECRETS.stream.apiKey, STREAM_API_SECRET: 'stream-secret-wrong-0d2c-5b8e1f7a3c9d2e64' };

    const exit = await runBuiltCli(cli.bin, watch('stream', 'export-1'), wrong);

    expect(exit.code).toBe(3);
    expect(jsonLines(exit.stdout)).toEqual([{ type: 'error', provider: 'stream', id: 'export-1', ref: 'export-1', code: 'AUTHENTICATION', message: expect.any(String) }]);
    expect(exit.stderr).toMatch(/^rx-task-status: stream task export-1: AuthenticationError: /);
    expect(exit.stdout + exit.stderr).not.toContain(wrong.STREAM_API_SECRET);
    expectNoSecret(exit);
  });

  it.each([
    ['--timeout', '3000000', /argument '3000000' is invalid\. Expected at most 2147483\.647 seconds/],
    ['--interval', '3000000000', /argument '3000000000' is invalid\. Expected at most 2147483647 ms/],
  ])('exits 3 at once on %s %s, longer than a timer can wait', async (option, value, message) => {
    const exit = await runBuiltCli(cli.bin, watch('postman', 'update-1', option, value), envFor(server));

    expect(exit.code).toBe(3);
    expect(exit.stdout).toBe('');
    expect(exit.stderr).toMatch(message);
    expect(exit.stderr).not.toContain('TimeoutOverflowWarning');
    expect(server.log.count()).toBe(0);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('exits %s → %i after its first JSON line, without a stack trace', async (signal, expected) => {
    server.tasks.create({ provider: 'postman', id: 'merge-1', kind: 'collection-merge', steps: [{ at: 0, status: 'in-progress' }] });
    const running = startCli(cli.bin, watch('postman', 'merge:merge-1'), envFor(server));

    await running.until(/\n/);
    running.child.kill(signal);
    const exit = await running.exited;

    expect({ code: exit.code, signal: exit.signal, stderr: exit.stderr }).toEqual({ code: expected, signal: null, stderr: '' });
    expect(jsonLines(exit.stdout)).toEqual([expect.objectContaining({ provider: 'postman', id: 'merge-1', status: 'running', providerStatus: 'in-progress' })]);
  });

  describe('when the reader of stdout goes away (… | head -n 1)', () => {
    it('exits 141 when the line refused is the last one, written after the watch ended', async () => {
      server.tasks.create({ provider: 'postman', id: 'update-1', steps: [{ at: 0, status: 'in-progress' }, { at: 60_000, status: 'successful' }] });
      const running = startCli(cli.bin, watch('postman', 'update-1', '--interval', '100'), envFor(server));

      await running.until(/\n/);
      running.child.stdout.destroy();
      const polled = server.log.count();
      ahead = 120_000; // the task completes: its line is the last the command writes
      const exit = await running.exited;

      expect({ code: exit.code, signal: exit.signal, stderr: exit.stderr }).toEqual({ code: 141, signal: null, stderr: '' });
      expect(server.log.count()).toBeGreaterThan(polled);
      expect(server.log.entries().at(-1)).toMatchObject({ status: 200 });
    });

    it('exits 141 and stops polling when the line refused is one of many', async () => {
      server.tasks.create({ provider: 'postman', id: 'api-task-1', kind: 'api', apiId: 'api-1', steps: [{ at: 0, status: 'pending' }, { at: 60_000, status: 'in-progress' }] });
      const running = startCli(cli.bin, watch('postman', 'api-1/api-task-1', '--interval', '100'), envFor(server));

      await running.until(/\n/);
      running.child.stdout.destroy();
      ahead = 120_000; // the task moves on but never ends: only the refused write can stop the command
      const exit = await running.exited;

      expect({ code: exit.code, signal: exit.signal, stderr: exit.stderr }).toEqual({ code: 141, signal: null, stderr: '' });
    });
  });

  it('prints the version of package.json with --version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

    expect(await runBuiltCli(cli.bin, ['--version'])).toEqual({ code: 0, signal: null, stdout: `${version}\n`, stderr: '' });
  });

  it('draws the demo within an 80 × 24 terminal, and leaves it as it found it', async () => {
    const exit = await runOnTerminal(cli.bin, ['demo', '--tasks', '30', '--speed', '10'], { rows: 24, columns: 80 });

    expect(exit.code).toBe(0);
    const { violations, tallestRedraw, allLines, cursorVisible, lineWrapping } = replay(exit.stdout, { rows: 24, columns: 80 });
    expect(violations).toEqual([]);
    expect(tallestRedraw).toBeGreaterThan(1); // it did redraw in place
    expect(tallestRedraw).toBeLessThanOrEqual(24);
    expect({ cursorVisible, lineWrapping }).toEqual({ cursorVisible: true, lineWrapping: true });
    const frame = allLines.filter((line) => / \|[█░]+\| /.test(line) || line.startsWith('… and '));
    expect(frame.every((line) => line.length < 80)).toBe(true);
    expect(allLines).toContainEqual(expect.stringMatching(/^… and 8 more: \d+ completed(, \d+ failed)?$/));
    expect(allLines).toContainEqual(expect.stringMatching(/^total +\|█{20}\| 100% +\d+\.\ds 30\/30 done, \d+ failed$/));
    expect(allLines).toContainEqual(expect.stringMatching(/^total +30 +\d+ +\d+ +\d+$/));
  });
});
