import { createServer, type AddressInfo, type Server } from 'node:net';
import { capture, jsonLines, runCli, type Captured } from './support.js';

interface Printed {
  readonly url: string;
  /** What the `export NAME=value` lines set. */
  readonly env: Record<string, string>;
  /** The argv of each `npx rx-task-status watch …` line. */
  readonly watches: string[][];
  /** The task table: provider, when it ends (as printed), how, and its ref. */
  readonly tasks: Array<{ provider: string; endsAfter: string; outcome: string; ref: string }>;
}

/** Reads what `fake-server` printed before serving, as a person copying from it would. */
function readPrinted(text: string): Printed {
  return {
    url: /^Fake .* on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(text)?.[1] ?? '',
    env: Object.fromEntries([...text.matchAll(/^export (\w+)=(\S+)$/gm)].map(([, name, value]) => [name as string, value as string])),
    watches: [...text.matchAll(/^npx rx-task-status (watch .*)$/gm)].map(([, line]) => (line as string).split(' ')),
    tasks: [...text.matchAll(/^ {2}(stream|mobizon|postman) +(\S+) {2}(completed|failed) +(\S+)$/gm)].map(([, provider, endsAfter, outcome, ref]) => ({
      provider: provider as string,
      endsAfter: endsAfter as string,
      outcome: outcome as string,
      ref: ref as string,
    })),
  };
}

/** A serving fake server, started in-process as `rx-task-status fake-server …` would be; `stop()` is its Ctrl-C. */
async function startFakeServer(argv: readonly string[]): Promise<{ printed: Printed; stdout: Captured; stop(): ReturnType<typeof runCli> }> {
  const interrupt = new AbortController();
  const stdout = capture();
  const running = runCli(['fake-server', ...argv], { stdout, signal: interrupt.signal });
  await Promise.race([stdout.until(/^Serving until Ctrl-C\.$/m), running.then((run) => Promise.reject(new Error(`fake-server ended early: ${JSON.stringify(run)}`)))]);
  return {
    printed: readPrinted(stdout.text()),
    stdout,
    stop: () => {
      interrupt.abort();
      return running;
    },
  };
}

describe('rx-task-status fake-server', () => {
  it('serves its tasks until Ctrl-C: watch works with the printed environment and lines, a task is followed to its end, and the port is closed once it exits 130', async () => {
    const servers = resources('TCPServerWrap');
    const { printed, stdout, stop } = await startFakeServer([]);
    const { url, env, watches, tasks } = printed;

    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Object.keys(env).sort()).toEqual(['MOBIZON_API_KEY', 'POSTMAN_API_KEY', 'STREAM_API_KEY', 'STREAM_API_SECRET']);
    expect(tasks).toHaveLength(24);
    expect(tasks.map((task) => task.provider)).toEqual([...Array(8).fill('stream'), ...Array(8).fill('mobizon'), ...Array(8).fill('postman')]);
    // The Postman tasks are of all three kinds, in the spellings `watch` takes.
    expect(new Set(tasks.filter((task) => task.provider === 'postman').map((task) => /^merge:/.test(task.ref) ? 'merge' : task.ref.includes('/') ? 'api' : 'update'))).toEqual(new Set(['merge', 'api', 'update']));
    expect(watches.map((argv) => argv.slice(0, 2))).toEqual([['watch', 'stream'], ['watch', 'mobizon'], ['watch', 'postman']]);

    // Every printed line runs as printed: each task it names is found and its key accepted (a first state
    // comes, no error line); then Ctrl-C, since its tasks end minutes later.
    for (const argv of watches) {
      expect(argv.slice(-2)).toEqual(['--base-url', url]);
      const refs = argv.slice(2, -2);
      const states = capture();
      const interrupt = new AbortController();
      const watching = runCli(argv, { env, stdout: states, signal: interrupt.signal });
      await states.until(new RegExp(refs.map((ref) => `(?=[\\s\\S]*"ref":"${ref}")`).join('')));
      interrupt.abort();
      const { code, stderr } = await watching;

      expect({ argv, code, stderr }).toEqual({ argv, code: 130, stderr: '' });
      expect(jsonLines(states.text()).filter((line) => line.type === 'error')).toEqual([]);
    }

    // The first task to complete (ending seconds after the start), watched to its end with a printed line's options.
    const soonest = tasks
      .filter((task) => task.outcome === 'completed' && /^\d+\.\ds$/.test(task.endsAfter))
      .sort((a, b) => Number.parseFloat(a.endsAfter) - Number.parseFloat(b.endsAfter))[0];
    expect(soonest).toBeDefined();
    const { provider, ref } = soonest as Printed['tasks'][number];
    const followed = await runCli(['watch', provider, ref, ...(watches.find((argv) => argv[1] === provider) ?? []).slice(-2)], { env });

    expect(followed).toMatchObject({ code: 0, stderr: '' });
    expect(jsonLines(followed.stdout).at(-1)).toMatchObject({ provider, ref, status: 'completed' });

    const end = await stop();
    expect(end).toEqual({ code: 130, stdout: stdout.text(), stderr: '' });
    expect(stdout.text().endsWith('Serving until Ctrl-C.\n')).toBe(true);
    // Nothing listens on its port any more.
    await expect(fetch(url)).rejects.toThrow('fetch failed');
    expect(resources('TCPServerWrap')).toBeLessThanOrEqual(servers);
  });

  it("listens on --port, and with --scenario creates one provider's tasks and prints only its credentials", async () => {
    const port = await freePort();
    const { printed, stop } = await startFakeServer(['--port', String(port), '--scenario', 'mobizon']);

    expect(printed.url).toBe(`http://127.0.0.1:${port}`);
    expect(printed.env).toEqual({ MOBIZON_API_KEY: expect.any(String) });
    expect(printed.tasks.map((task) => task.provider)).toEqual(Array(12).fill('mobizon'));
    // The last three to end, still running when the line is pasted.
    expect(printed.watches).toEqual([['watch', 'mobizon', ...printed.tasks.slice(-3).map((task) => task.ref), '--base-url', printed.url]]);
    expect((await stop()).code).toBe(130);
  });

  it('exits 3 when its port is taken, saying so', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const { code, stdout, stderr } = await runCli(['fake-server', '--port', String(port)]);

      expect({ code, stdout }).toEqual({ code: 3, stdout: '' });
      expect(stderr).toBe(`rx-task-status: Port ${port} of 127.0.0.1 is in use: choose another --port, or leave it out for any free one.\n`);
    } finally {
      await close(taken);
    }
  });

  it.each([
    [['fake-server', '--port', '65536'], /argument '65536' is invalid\. Expected a whole number from 0 to 65535/],
    [['fake-server', '--port', 'any'], /Expected a whole number from 0 to 65535/],
    [['fake-server', '--scenario', 'sms'], /Allowed choices are mixed, stream, mobizon, postman/],
    [['fake-server', 'stream'], /too many arguments/],
  ])('exits 3 on a usage error: %j', async (argv, message) => {
    const { code, stdout, stderr } = await runCli(argv);

    expect({ code, stdout }).toEqual({ code: 3, stdout: '' });
    expect(stderr).toMatch(message);
  });

  it('prints its help: options, scenarios, exit codes, examples', async () => {
    const { code, stdout } = await runCli(['fake-server', '--help']);

    expect(code).toBe(0);
    expect(stdout).toContain('Usage: rx-task-status fake-server [options]');
    // Commander wraps the options' descriptions to the width of the terminal.
    const options = stdout.replace(/\s+/g, ' ');
    expect(options).toContain('--port <n> the port on 127.0.0.1, 0 for any free one (default: 0)');
    expect(options).toMatch(/--scenario <name> which tasks: .* \(choices: "mixed", "stream", "mobizon", "postman", default: "mixed"\)/);
    expect(stdout).toMatch(/Exit codes:\n {2}3 +usage error, or the port is taken\n {2}130 +stopped by Ctrl-C.*\n {2}143 /);
    expect(stdout).toMatch(/Examples:\n {2}rx-task-status fake-server\n/);
  });
});

function resources(kind: string): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === kind).length;
}

/** A port on 127.0.0.1 that nothing listens on now. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await close(probe);
  return port;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
