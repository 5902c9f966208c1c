// examples/batch-exports: run for real, as its README says, in a process of its own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeOutput, readmeRun, runExample, type ExampleRun } from './runExample.js';

const CHANNELS = Array.from({ length: 20 }, (_, index) => `team-${String(index + 1).padStart(2, '0')}`);
/** The exports the example's Stream fails on purpose, and the reason it gives. */
const FAILED: Readonly<Record<string, string>> = {
  'export-team-04': 'channel not found',
  'export-team-11': 'export is over the 2 GB limit',
  'export-team-17': 'channel is being deleted',
};

interface ExportFile {
  readonly channel: string;
  readonly messages: readonly { readonly id: string; readonly text: string }[];
}

describe('examples/batch-exports', () => {
  const shown = readmeRun('batch-exports');
  let run: ExampleRun;

  beforeAll(async () => {
    run = await runExample('batch-exports', shown.args);
  }, 45_000);

  afterAll(() => run?.remove());

  it('exits by itself, at once, with code 0 and nothing on stderr', () => {
    expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    // Nothing left open (a timer, a socket, a server) keeps it alive once its work is done.
    expect(run.exitLagMs).toBeLessThan(5_000);
  });

  it('merges into one file exactly the exports that completed, each as downloaded', () => {
    const merged = JSON.parse(readFileSync(join(run.folder, shown.args[0] ?? 'exports.json'), 'utf8')) as Record<string, ExportFile>;
    const completed = CHANNELS.map((channel) => `export-${channel}`).filter((id) => FAILED[id] === undefined);
    expect(Object.keys(merged)).toEqual(completed);
    for (const [id, file] of Object.entries(merged)) {
      expect(`export-${file.channel}`).toBe(id);
      expect(file.messages.length).toBeGreaterThan(0);
      expect(file.messages.every((message) => message.id.startsWith(`${file.channel}-`))).toBe(true);
    }
  });

  it('reports every failed export with its reason', () => {
    for (const [id, why] of Object.entries(FAILED)) expect(run.stdout).toContain(`  ${id}: ${why}\n`);
    expect(run.stdout).toContain('20 exports: 17 completed, 3 failed.');
  });

  it('prints what its README shows', () => {
    expect(normalizeOutput(run.stdout)).toBe(normalizeOutput(shown.output));
  });
});
