// Runs an example of examples/ as its README says to (`npx ts-node examples/<name>/main.ts …`):
// a child process of its own, with ts-node and the repository's tsconfig.json, in an empty
// folder of its own (so the files it writes land there), with nothing of this environment but PATH.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { extractCodeBlocks } from '../docs/markdown.js';

export const ROOT = resolve(__dirname, '../..');

export interface ExampleRun {
  /** `null` when the example was killed for running too long (it should exit by itself). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /**
   * Ms from its last output to its exit. A timer or a socket left open keeps a process alive
   * after its work is done: this is how long it stayed.
   */
  readonly exitLagMs: number;
  /** The folder it ran in: the files it wrote are there. */
  readonly folder: string;
  remove(): void;
}

/**
 * Runs examples/<name>/main.ts with `args` and resolves when the process has exited; kills it after
 * `killAfterMs`. A run takes 1 to 2 s, mostly ts-node transpiling the sources; with both cores
 * busy and other suites running, up to 10 s.
 */
export function runExample(name: string, args: readonly string[], { killAfterMs = 40_000 } = {}): Promise<ExampleRun> {
  const folder = mkdtempSync(join(tmpdir(), `rx-task-status-example-${name}-`));
  const child = spawn(process.execPath, ['-r', require.resolve('ts-node/register'), join(ROOT, 'examples', name, 'main.ts'), ...args], {
    cwd: folder,
    // Transpiled only: `npm test` type-checks the examples with the rest (tsc -p tsconfig.json) before jest runs them.
    env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let lastOutput = Date.now();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    lastOutput = Date.now();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    lastOutput = Date.now();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return new Promise((resolveRun, reject) => {
    child.on('error', reject);
    // 'close', not 'exit': every byte of output has been read by then.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr, exitLagMs: Date.now() - lastOutput, folder, remove: () => rmSync(folder, { recursive: true, force: true }) });
    });
  });
}

/** The run shown in examples/<name>/README.md: the block that starts `$ npx ts-node examples/<name>/main.ts`. */
export function readmeRun(name: string): { args: string[]; output: string } {
  const command = `$ npx ts-node examples/${name}/main.ts`;
  const readme = readFileSync(join(ROOT, 'examples', name, 'README.md'), 'utf8');
  const blocks = extractCodeBlocks(readme).filter((block) => block.code.startsWith(command));
  if (blocks.length !== 1) throw new Error(`Expected one block starting "${command}" in examples/${name}/README.md, found ${blocks.length}`);
  const [first = '', ...output] = (blocks[0]?.code ?? '').split('\n');
  return { args: first.slice(command.length).trim().split(/\s+/).filter(Boolean), output: output.join('\n') };
}

/**
 * What may differ from one run to the next, written the same way: ports, UUIDs, durations.
 * The examples print none of them today; this keeps the comparison honest if one appears.
 */
export function normalizeOutput(text: string): string {
  return text
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\b\d+(\.\d+)? ?(ms|s)\b/g, '<time>')
    .replace(/[ \t]+$/gm, '')
    .trimEnd();
}
