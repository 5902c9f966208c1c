import { createServer, type AddressInfo } from 'node:net';
import { startFakeProviderServer, type FakeProviderServer } from '../../src/testing/index.js';
import { ALL_SECRETS, capture, envFor, jsonLines, runCli, SECRETS } from './support.js';
import { replay } from './terminalScreen.js';

const ORDER = ['pending', 'running', 'completed', 'failed'];

describe('rx-task-status watch', () => {
  let server: FakeProviderServer;

  beforeEach(async () => {
    server = await startFakeProviderServer({ stream: SECRETS.stream, mobizon: SECRETS.mobizon, postman: SECRETS.postman });
  });

  afterEach(async () => {
    await server.close();
  });

  it('writes one JSON line per state change, each a whole task state, and exits 1 when a task failed', async () => {
    server.tasks.create({ provider: 'stream', id: 'export-ok', steps: [{ at: 0, status: 'waiting' }, { at: 150, status: 'running' }, { at: 300, status: 'completed', result: { url: 'https://example.com/a.json' } }] });
    server.tasks.create({ provider: 'stream', id: 'export-bad', steps: [{ at: 0, status: 'running' }, { at: 200, status: 'failed', error: { type: 'export_error', message: 'channel not found' } }] });

    const { code, stdout, stderr } = await runCli(['watch', 'stream', 'export-ok', 'export-bad', '--base-url', server.url, '--interval', '100'], { env: envFor(server) });

    expect(code).toBe(1);
    expect(stderr).toBe('');
    const lines = jsonLines(stdout);
    for (const id of ['export-ok', 'export-bad']) {
      const states = lines.filter((line) => line.id === id);
      expect(states.length).toBeGreaterThan(0);
      // Changes only: never the same status twice in a row, never backwards.
      const ranks = states.map((state) => ORDER.indexOf(state.status as string));
      expect(ranks.every((rank, index) => index === 0 || rank > (ranks[index - 1] as number))).toBe(true);
      for (const state of states) {
        expect(state).toMatchObject({ provider: 'stream', id, providerStatus: expect.any(String), raw: expect.any(Object) });
        expect(new Date(state.createdAt as string).toISOString()).toBe(state.createdAt);
      }
    }
    expect(lines.filter((line) => line.id === 'export-ok').at(-1)).toMatchObject({ status: 'completed', result: { url: 'https://example.com/a.json' } });
    expect(lines.filter((line) => line.id === 'export-bad').at(-1)).toMatchObject({ status: 'failed', error: { message: 'channel not found' } });
  });

  it('exits 0 when every task completed, taking every spelling of a Postman task', async () => {
    const done = [{ at: 0, status: 'successful' }];
    const completed = [{ at: 0, status: 'completed' }];
    server.tasks.create({ provider: 'postman', id: 'update-1', kind: 'collection-update', steps: done });
    server.tasks.create({ provider: 'postman', id: 'merge-1', kind: 'collection-merge', steps: done });
    server.tasks.create({ provider: 'postman', id: 'dup-1', kind: 'collection-duplicate', steps: completed });
    server.tasks.create({ provider: 'postman', id: 'gen-1', kind: 'generation', elementType: 'specs', elementId: 'spec-1', steps: completed });
    server.tasks.create({ provider: 'postman', id: 'gen-2', kind: 'generation', elementType: 'collections', elementId: '1234-col-1', steps: completed });
    server.tasks.create({ provider: 'postman', id: 'api-task-1', kind: 'api', apiId: 'api-1', steps: completed });

    const refs = ['update-1', 'merge:merge-1', 'duplicate:dup-1', 'spec:spec-1/gen-1', 'collection:1234-col-1/gen-2', 'api-1/api-task-1'];
    const { code, stdout } = await runCli(['watch', 'postman', ...refs, '--base-url', server.url, '--json'], { env: envFor(server) });

    expect(code).toBe(0);
    // Each line names its task twice: the bare id its states carry, and the one spelling `watch` takes back.
    expect(jsonLines(stdout).map(({ id, ref, status }) => `${String(id)} ${String(ref)} ${String(status)}`).sort()).toEqual([
      'api-task-1 api-1/api-task-1 completed',
      'dup-1 duplicate:dup-1 completed',
      'gen-1 spec:spec-1/gen-1 completed',
      'gen-2 collection:1234-col-1/gen-2 completed',
      'merge-1 merge:merge-1 completed',
      'update-1 update-1 completed',
    ]);
    expect(server.log.entries().map((entry) => entry.path).sort()).toEqual([
      '/apis/api-1/tasks/api-task-1',
      '/collection-duplicate-tasks/dup-1',
      '/collection-merges-tasks/merge-1',
      '/collection-updates-tasks/update-1',
      '/collections/1234-col-1/tasks/gen-2',
      '/specs/spec-1/tasks/gen-1',
    ]);
  });

  it('watches a task named more than once (in any spelling) once, in JSON lines and on a terminal alike, with a note on stderr', async () => {
    server.tasks.create({ provider: 'postman', id: 'update-1', steps: [{ at: 0, status: 'successful' }] });
    server.tasks.create({ provider: 'postman', id: 'merge-1', kind: 'collection-merge', steps: [{ at: 0, status: 'successful' }] });
    const argv = ['watch', 'postman', 'update-1', 'update:update-1', 'merge:merge-1', 'update-1', '--base-url', server.url];
    const note = 'rx-task-status: postman task update-1 is named more than once: watched once.\n';

    const json = await runCli(argv, { env: envFor(server) });
    const live = await runCli(argv, { env: envFor(server), isTTY: true });

    expect(json).toMatchObject({ code: 0, stderr: note });
    expect(jsonLines(json.stdout).map(({ ref, status }) => `${String(ref)} ${String(status)}`).sort()).toEqual(['merge:merge-1 completed', 'update-1 completed']);
    expect(live).toMatchObject({ code: 0, stderr: note });
    expect(replay(live.stdout, { rows: 24, columns: 80 }).screen.filter((line) => line !== '')).toEqual([
      expect.stringMatching(/^postman update-1 +\|█{20}\| 100% +\d+\.\ds completed$/),
      expect.stringMatching(/^postman merge:merge-1 +\|█{20}\| 100% +\d+\.\ds completed$/),
      expect.stringMatching(/^total +\|█{20}\| 100% +\d+\.\ds 2\/2 done, 0 failed$/),
    ]);
  });

  it('exits 2 when --timeout runs out, and says which task timed out', async () => {
    server.tasks.create({ provider: 'mobizon', id: '4821', steps: [{ at: 0, status: 1, progress: 40 }] });

    const { code, stdout, stderr } = await runCli(['watch', 'mobizon', '4821', '--base-url', server.url, '--timeout', '0.3'], { env: envFor(server) });

    expect(code).toBe(2);
    expect(jsonLines(stdout)).toEqual([
      expect.objectContaining({ id: '4821', status: 'running', progress: 0.4 }),
      { type: 'error', provider: 'mobizon', id: '4821', ref: '4821', code: 'TASK_TIMEOUT', message: expect.stringMatching(/300 ms/) },
    ]);
    expect(stderr).toBe('rx-task-status: mobizon task 4821: timed out after 0.3s\n');
  });

  it('shows each retry of an unreachable host, and names the refused connection when --timeout runs out', async () => {
    const port = await closedPort();
    const { code, stdout, stderr } = await runCli(['watch', 'postman', 'merge:abc', '--base-url', `http://127.0.0.1:${port}`, '--timeout', '1.5', '--json'], { env: envFor(server) });

    expect(code).toBe(2);
    expect(jsonLines(stdout)).toEqual([
      {
        type: 'error',
        provider: 'postman',
        id: 'abc',
        ref: 'merge:abc',
        code: 'TASK_TIMEOUT',
        message: 'Task abc (postman) did not finish within 1500 ms; no state was seen; last attempt: connection refused.',
      },
    ]);
    const lines = stderr.trimEnd().split('\n');
    // Postman's default: 9 retries, the first after 0.5 to 1 s.
    expect(lines[0]).toMatch(/^rx-task-status: postman task merge:abc: retrying in 1 s: connection refused, attempt 1 of 9$/);
    expect(lines.at(-1)).toBe('rx-task-status: postman task merge:abc: timed out after 1.5s; last attempt: connection refused');
  });

  it("shows the latest retry on the task's row of the live view", async () => {
    const port = await closedPort();
    // A terminal 120 columns wide: the whole status fits on the row.
    const wide = capture();
    Object.assign(wide.stream, { columns: 120, rows: 24 });
    const { code, stdout } = await runCli(['watch', 'stream', 'export-1', '--base-url', `http://127.0.0.1:${port}`, '--timeout', '1.2'], { env: envFor(server), isTTY: true, stdout: wide });

    expect(code).toBe(2);
    expect(stdout).toMatch(/stream export-1 +\|░{20}\| +0% +\d+\.\ds retrying (in \d s|now): connection refused, attempt 1 of 5/);
    expect(stdout).toContain('stream export-1: timed out after 1.2s; last attempt: connection refused\n');
  });

  it('names a Postman merge by one spelling on its state lines, its error line and stderr', async () => {
    server.tasks.create({ provider: 'postman', id: 'merge-7', kind: 'collection-merge', steps: [{ at: 0, status: 'in-progress' }] });

    const { code, stdout, stderr } = await runCli(['watch', 'postman', 'merge:merge-7', '--base-url', server.url, '--timeout', '0.3'], { env: envFor(server) });

    expect(code).toBe(2);
    expect(jsonLines(stdout)).toEqual([
      expect.objectContaining({ provider: 'postman', id: 'merge-7', ref: 'merge:merge-7', status: 'running' }),
      { type: 'error', provider: 'postman', id: 'merge-7', ref: 'merge:merge-7', code: 'TASK_TIMEOUT', message: expect.stringMatching(/300 ms/) },
    ]);
    expect(stderr).toBe('rx-task-status: postman task merge:merge-7: timed out after 0.3s\n');
  });

  it('exits 3 naming the missing variable, before sending any request', async () => {
    const { code, stdout, stderr } = await runCli(['watch', 'stream', 'export-1', '--base-url', server.url], { env: { STREAM_API_KEY: SECRETS.stream.apiKey, STREAM_API_SECRET: '  ' } });

    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toBe('rx-task-status: STREAM_API_SECRET is not set: watching stream tasks needs STREAM_API_SECRET in the environment.\n');
    expect(server.log.count()).toBe(0);
  });

  it('exits 3 on a rejected key, without printing it', async () => {
    server.tasks.create({ provider: 'postman', id: 'update-1', steps: [{ at: 0, status: 'in-progress' }] });
    const wrongKey = 'PMAK-wrong-key-5e6f7a';

    const { code, stdout, stderr } = await runCli(['watch', 'postman', 'update-1', '--base-url', server.url], { env: { POSTMAN_API_KEY: wrongKey } });

    expect(code).toBe(3);
    expect(jsonLines(stdout)).toEqual([{ type: 'error', provider: 'postman', id: 'update-1', ref: 'update-1', code: 'AUTHENTICATION', message: expect.stringContaining('refused') }]);
    expect(stderr).toMatch(/^rx-task-status: postman task update-1: AuthenticationError: /);
    expect(stdout + stderr).not.toContain(wrongKey);
  });

  it.each([
    [['watch', 'postman', 'a/b/c'], /Expected a Postman task ref: .*merge:ID .*, got "a\/b\/c"/],
    [['watch', 'mobizon', '4821'], /mobizon needs --domain/],
    [['watch', 'stream', 'x', '--domain', 'api.mobizon.kz'], /--domain applies to mobizon only/],
    [['watch', 'stream', 'x', '--base-url', 'http://example.com'], /Refusing plain http base URL "http:\/\/example\.com".*add --allow-insecure-http/],
    [['watch', 'stream', 'x', '--base-url', 'ftp://example.com', '--allow-insecure-http'], /to use https/],
    [['watch', 'stream', 'x', '--interval', '-5'], /Expected a positive whole number of ms/],
    // Node's timers hold 2^31-1 ms: more would fire at once (a --timeout) or poll in a tight loop (an --interval).
    [['watch', 'stream', 'x', '--interval', '2147483648'], /argument '2147483648' is invalid\. Expected at most 2147483647 ms/],
    [['watch', 'stream', 'x', '--timeout', '3000000'], /argument '3000000' is invalid\. Expected at most 2147483\.647 seconds/],
    [['watch', 'stream', 'x', '--timeout', 'soon'], /Expected a positive number of seconds/],
    [['demo', '--tasks', '0'], /Expected a whole number from 1 to 1000/],
    [['demo', '--speed', '1000'], /Expected a number above 0 and at most 50/],
    [['watch', 'sms', 'x'], /Allowed choices are stream, mobizon, postman/],
    [['watch', 'stream'], /missing required argument 'id'/],
    [['launch'], /unknown command 'launch'/],
  ])('exits 3 on a usage error: %j', async (argv, message) => {
    const { code, stderr } = await runCli(argv, { env: envFor(server) });

    expect(code).toBe(3);
    expect(stderr).toMatch(message);
    expect(server.log.count()).toBe(0);
  });

  it('prints the help on stdout and exits 0 with --help: options, environment variables, exit codes, examples', async () => {
    const { code, stdout } = await runCli(['watch', '--help']);

    expect(code).toBe(0);
    expect(stdout).toContain('Usage: rx-task-status watch [options] <provider> <id...>');
    expect(stdout).toContain('--timeout <seconds>');
    expect(stdout).toContain('--allow-insecure-http');
    for (const variable of ['STREAM_API_KEY', 'STREAM_API_SECRET', 'MOBIZON_API_KEY', 'POSTMAN_API_KEY']) expect(stdout).toContain(variable);
    expect(stdout).toMatch(/Exit codes:\n {2}0 +every task completed\n {2}1 +a task failed, .*\n {2}2 +--timeout ran out.*\n {2}3 +usage error.*\n {2}130 .*\n {2}141 .*\n {2}143 /);
    expect(stdout).toMatch(/Examples:\n {2}export POSTMAN_API_KEY=.*\n {2}rx-task-status watch postman /);
  });

  it('lists the three commands, the environment and the exit codes in the top-level help', async () => {
    const { code, stdout } = await runCli(['--help'], { version: '9.8.7' });

    expect(code).toBe(0);
    expect(stdout).toMatch(/Commands:\n {2}watch .*\n {2}demo .*\n {2}fake-server \[options\] +Fake APIs with tasks, for trying watch\.\n/);
    expect(stdout).toContain('  rx-task-status fake-server\n');
    expect(stdout).toContain('-V, --version');
    expect(stdout).toContain('POSTMAN_API_KEY');
    expect(stdout).toContain('141  the reader of stdout went away');
    expect(stdout).toContain('rx-task-status demo');
  });

  it('prints the version it is given with --version', async () => {
    expect(await runCli(['--version'], { version: '9.8.7' })).toEqual({ code: 0, stdout: '9.8.7\n', stderr: '' });
  });

  it('talks plain http to another host only with --allow-insecure-http', async () => {
    server.tasks.create({ provider: 'postman', id: 'update-1', steps: [{ at: 0, status: 'successful' }] });
    // 0.0.0.0 is not a loopback name, yet Linux connects it to this machine: another host, as far as the check can tell.
    const elsewhere = server.url.replace('127.0.0.1', '0.0.0.0');

    const refused = await runCli(['watch', 'postman', 'update-1', '--base-url', elsewhere], { env: envFor(server) });
    const allowed = await runCli(['watch', 'postman', 'update-1', '--base-url', elsewhere, '--allow-insecure-http'], { env: envFor(server) });

    expect(refused).toMatchObject({ code: 3, stdout: '', stderr: expect.stringContaining('add --allow-insecure-http') });
    expect(allowed.code).toBe(0);
    expect(jsonLines(allowed.stdout)).toEqual([expect.objectContaining({ id: 'update-1', status: 'completed' })]);
    expect(server.log.count()).toBe(1);
  });

  it('never prints a credential, whatever happens to the tasks', async () => {
    server.tasks.create({ provider: 'mobizon', id: '100', steps: [{ at: 0, status: 2, progress: 100 }] });
    server.faults.add({ kind: 'server-error', status: 500 }, { times: Infinity, taskId: '200' });
    server.tasks.create({ provider: 'mobizon', id: '200', steps: [{ at: 0, status: 1 }] });
    server.tasks.create({ provider: 'stream', id: 'gone-soon', steps: [{ at: 0, status: 'running' }] });

    const outputs = [
      // One found, one not found, one answered by 500s until the retries give up (or the timeout ends it).
      await runCli(['watch', 'mobizon', '100', '300', '200', '--base-url', server.url, '--timeout', '2'], { env: envFor(server) }),
      await runCli(['watch', 'stream', 'missing', '--base-url', server.url], { env: envFor(server) }),
      await runCli(['watch', 'stream', 'gone-soon', '--base-url', server.url, '--timeout', '0.2'], { env: envFor(server), isTTY: true }),
    ];

    expect(outputs.map(({ code }) => code)).toEqual([expect.any(Number), 1, 2]);
    expect(outputs[0]?.code).not.toBe(0);
    expect(outputs[0]?.stderr).toMatch(/mobizon task 300: TaskNotFoundError/);
    expect(outputs[1]?.stderr).toMatch(/stream task missing: TaskNotFoundError/);
    const everything = outputs.map(({ stdout, stderr }) => stdout + stderr).join('');
    for (const secret of ALL_SECRETS) expect(everything).not.toContain(secret);
  });

  it('draws progress bars, status words and elapsed times on a terminal', async () => {
    server.tasks.create({ provider: 'mobizon', id: '4821', steps: [{ at: 0, status: 1, progress: 50 }, { at: 250, status: 2, progress: 100 }] });
    server.tasks.create({ provider: 'mobizon', id: '4822', steps: [{ at: 0, status: 3, progress: 60 }] });

    const { code, stdout } = await runCli(['watch', 'mobizon', '4821', '4822', '--base-url', server.url], { env: envFor(server), isTTY: true });

    expect(code).toBe(1);
    expect(stdout).toContain('\x1B['); // drawn with cursor movements, not printed line by line
    expect(stdout).toMatch(/mobizon 4821 +\|█{20}\| 100% +\d+\.\ds completed/);
    expect(stdout).toMatch(/mobizon 4822 +\|█{12}░{8}\|  60% +\d+\.\ds failed: task rejected/);
    expect(stdout).toMatch(/total +\|[█░]{20}\| +\d+% +\d+\.\ds 2\/2 done, 1 failed/);
    expect(stdout).toContain('mobizon 4822: failed: task rejected\n');
  });

  it('stops on abort (Ctrl-C): exits 130, aborts the request in flight, leaves no timer', async () => {
    server.tasks.create({ provider: 'stream', id: 'slow', steps: [{ at: 0, status: 'running' }] });
    const timersBefore = activeTimers();
    const interrupt = new AbortController();
    const stdout = capture();
    server.faults.add({ kind: 'hang', stage: 'before-headers' }, { taskId: 'slow' });

    const running = runCli(['watch', 'stream', 'slow', '--base-url', server.url], { env: envFor(server), stdout, signal: interrupt.signal, isTTY: true });
    // The first request hangs; wait until the server has it, then press Ctrl-C.
    await until(() => server.log.count() === 1);
    interrupt.abort();
    const { code, stderr } = await running;

    expect(code).toBe(130);
    expect(stderr).toBe('');
    // Checked at once: a watch still running would hold its request-timeout timer.
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    await server.log.waitForSettled(1);
    expect(server.log.entries()).toEqual([expect.objectContaining({ taskId: 'slow', aborted: true })]);
  });
});

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

/** Resolves when `condition` holds, checking on every turn of the event loop (no fixed sleep). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/** A port on 127.0.0.1 where nothing listens now: a connection to it is refused. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
