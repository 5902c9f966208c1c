// `rx-task-status demo --processes N` as a user runs it: the executable, which starts a redis-server and N
// worker processes of its own, against the fake Postman account it starts (20 requests a second, strict).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScaleSummary } from '../../src/cli/scaleDemo.js';
import { describeWithRedis } from '../support/redisServer.js';
import { buildCli, runBuiltCli, startCli, type BuiltCli } from './builtCli.js';
import { jsonLines } from './support.js';

/** Every process descended from `pid`, by `ps` (the demo's workers and its redis-server). */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of table) {
      if (ppid !== parent) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('rx-task-status demo --processes', () => {
  let cli: BuiltCli;

  beforeAll(async () => {
    cli = await buildCli();
  });

  afterAll(() => cli.remove());

  describeWithRedis('with redis-server installed', () => {
    it('3 processes on one account: every end seen by each, the account never over its limit nor refusing, polls as one process alone', async () => {
      const exit = await runBuiltCli(cli.bin, ['demo', '--processes', '3', '--tasks', '12', '--json']);

      expect({ code: exit.code, stderr: exit.stderr }).toEqual({ code: 0, stderr: '' });
      const lines = jsonLines(exit.stdout);
      const { summary } = lines.at(-1) as { summary: ScaleSummary };
      expect(summary).toMatchObject({ processes: 3, tasks: 12, limit: 20, refused: 0, everyEndSeenEverywhere: true });
      expect(summary.busiestSecond).toBeLessThanOrEqual(20);
      // Each task lasts 4 to 9 s and is wanted every second: polled alone, at most 9 + 1 polls (and one spare, for a
      // hand-over). Three processes polling on their own would send three times that.
      expect(summary.requests).toBeLessThanOrEqual(12 * 11);
      expect(summary.requests).toBeGreaterThanOrEqual(12 * 2);
      // The progress lines, one a second: what each of the 3 processes has seen end so far, never going back.
      const progress = lines.slice(0, -1) as Array<{ done: number[]; refused: number }>;
      expect(progress.length).toBeGreaterThan(0);
      for (const line of progress) {
        expect(line.done).toHaveLength(3);
        expect(line.refused).toBe(0);
      }
      for (let index = 1; index < progress.length; index++) {
        progress[index]?.done.forEach((done, process) => expect(done).toBeGreaterThanOrEqual(progress[index - 1]?.done[process] ?? 0));
      }
    }, 60_000);

    it('stops on Ctrl-C with 130, and leaves no process behind: neither its workers nor its redis-server', async () => {
      const running = startCli(cli.bin, ['demo', '--processes', '2', '--tasks', '20', '--json']);
      // The first progress line: the workers and Redis are up.
      await running.until(/"done":/);
      const started = descendants(running.child.pid ?? -1);
      expect(started.length).toBeGreaterThanOrEqual(3); // 2 workers and redis-server
      running.child.kill('SIGINT');
      const exit = await running.exited;

      expect(exit.code).toBe(130);
      expect(started.filter(alive)).toEqual([]);
    }, 60_000);
  });

  it('exits 3 with how to install redis-server when it is not on the PATH, before starting anything', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'rx-task-status-no-redis-'));
    try {
      const exit = await runBuiltCli(cli.bin, ['demo', '--processes', '2'], { PATH: empty });

      expect(exit.code).toBe(3);
      expect(exit.stdout).toBe('');
      expect(exit.stderr).toMatch(/redis-server is not on the PATH/);
      expect(exit.stderr).toMatch(/apt-get install -y redis-server/);
      expect(exit.stderr).not.toMatch(/\n\s+at /); // one line, no stack trace
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it.each([
    [['--processes', '9'], /--processes/],
    [['--processes', '2', '--tasks', '61'], /--tasks is at most 60 with --processes/],
    [['--processes', '2', '--speed', '5'], /--speed does not apply with --processes/],
  ])('exits 3 on %j, saying what is wrong', async (args, message) => {
    const exit = await runBuiltCli(cli.bin, ['demo', ...args]);

    expect(exit.code).toBe(3);
    expect(exit.stderr).toMatch(message);
  });
});
