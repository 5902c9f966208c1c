import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startFakeProviderServer, type FakeProviderServer } from '../../src/testing/index.js';
import { envFor } from './support.js';

// The process wiring of bin.ts (argv, environment, stdout, Ctrl-C, exit code), run from the
// sources with ts-node: the built dist/ may be rebuilt by another test at any moment.
describe('the rx-task-status executable', () => {
  let server: FakeProviderServer;

  beforeEach(async () => {
    server = await startFakeProviderServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it('exits 130 on SIGINT, after its first JSON line, without a stack trace', async () => {
    server.tasks.create({ provider: 'postman', id: 'merge-1', kind: 'collection-merge', steps: [{ at: 0, status: 'in-progress' }] });
    const child = spawn(process.execPath, ['-r', 'ts-node/register', 'src/cli/bin.ts', 'watch', 'postman', 'merge:merge-1', '--base-url', server.url], {
      env: { PATH: process.env.PATH, ...envFor(server) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const firstLine = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('\n')) resolve();
      });
    });
    const exited = once(child, 'exit');

    await firstLine;
    child.kill('SIGINT');
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];

    expect({ code, signal, stderr }).toEqual({ code: 130, signal: null, stderr: '' });
    expect(JSON.parse(stdout.split('\n')[0] as string)).toMatchObject({ provider: 'postman', id: 'merge-1', status: 'running', providerStatus: 'in-progress' });
  });
});
