// examples/pipeline: run for real, as its README says, in a process of its own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeOutput, readmeRun, runExample, type ExampleRun } from './runExample.js';

interface Line {
  readonly type: 'state' | 'error';
  readonly provider: string;
  readonly id: string;
  readonly status?: string;
  readonly code?: string;
  readonly message?: string;
}

/** The tasks of the example, as `provider id`: four scripted ones, and one the provider does not know. */
const TASKS = ['postman merge-billing', 'postman merge-legacy', 'stream export-archive', 'stream export-orders', 'stream export-users'];
const LAST_STATUS: Readonly<Record<string, string>> = {
  'postman merge-billing': 'completed',
  'postman merge-legacy': 'failed',
  'stream export-orders': 'failed',
  'stream export-users': 'completed',
};

describe('examples/pipeline', () => {
  const shown = readmeRun('pipeline');
  let run: ExampleRun;
  let lines: Line[];

  beforeAll(async () => {
    run = await runExample('pipeline', shown.args);
    lines = readFileSync(join(run.folder, shown.args[0] ?? 'tasks.ndjson'), 'utf8')
      .split('\n')
      .filter((text) => text !== '')
      .map((text) => JSON.parse(text) as Line);
  }, 45_000);

  afterAll(() => run?.remove());

  it('exits by itself, at once, with code 0 and nothing on stderr', () => {
    expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    // Nothing left open (a timer, a socket, a server) keeps it alive once its work is done.
    expect(run.exitLagMs).toBeLessThan(5_000);
  });

  it('writes a line for every task, and only lines of those tasks', () => {
    expect([...new Set(lines.map((line) => `${line.provider} ${line.id}`))].sort()).toEqual(TASKS);
  });

  it('writes the error a watch ended with as a line of data, and goes on with the other tasks to their end', () => {
    const errors = lines.filter((line) => line.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ provider: 'stream', id: 'export-archive', code: 'TASK_NOT_FOUND' });
    expect(errors[0]?.message).toContain('export-archive was not found');
    for (const [task, status] of Object.entries(LAST_STATUS)) {
      const ofTask = lines.filter((line) => `${line.provider} ${line.id}` === task);
      expect({ task, types: [...new Set(ofTask.map((line) => line.type))], last: ofTask.at(-1)?.status }).toEqual({ task, types: ['state'], last: status });
      // A watch emits only on change, and nothing after the terminal state.
      expect(ofTask.slice(0, -1).every((line) => line.status === 'pending' || line.status === 'running')).toBe(true);
    }
  });

  it('prints what its README shows', () => {
    expect(normalizeOutput(run.stdout)).toBe(normalizeOutput(shown.output));
  });
});
