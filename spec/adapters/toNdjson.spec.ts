import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Subject } from 'rxjs';
import { createTaskState } from '../../src/core/taskState.js';
import { toNdjson, toReadable, type TaskState } from '../../src/index.js';
import { taskState } from './support.js';

/** Everything a PassThrough received, as one string, once it has finished. */
async function textOf(stream: PassThrough): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk as string;
  return text;
}

describe('toNdjson', () => {
  it('writes one line per state, dates as ISO strings, every field kept', async () => {
    const running = createTaskState('stream', 'exp-1', {
      status: 'running',
      providerStatus: 'running',
      createdAt: new Date('2025-12-13T10:25:15.856Z'),
      updatedAt: new Date('2025-12-13T10:25:16.000Z'),
      raw: { task_id: 'exp-1', status: 'running', note: 'two\nlines' },
    });
    const done = createTaskState('stream', 'exp-1', { status: 'completed', providerStatus: 'completed', result: { url: 'https://example.com/e.json' }, raw: {} });
    const out = new PassThrough();
    const [text] = await Promise.all([textOf(out), pipeline(Readable.from([running, done]), toNdjson(), out)]);

    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe(''); // every line ends in \n, the last one too
    expect(JSON.parse(lines[0] as string)).toEqual({
      provider: 'stream',
      id: 'exp-1',
      status: 'running',
      providerStatus: 'running',
      createdAt: '2025-12-13T10:25:15.856Z',
      updatedAt: '2025-12-13T10:25:16.000Z',
      raw: { task_id: 'exp-1', status: 'running', note: 'two\nlines' },
    });
    expect(JSON.parse(lines[1] as string)).toEqual({ provider: 'stream', id: 'exp-1', status: 'completed', providerStatus: 'completed', progress: 1, result: { url: 'https://example.com/e.json' }, raw: {} });
  });

  it('follows a task stream through toReadable, a line per state as it comes', async () => {
    const states = new Subject<TaskState>();
    const out = new PassThrough();
    const lines: string[] = [];
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => lines.push(chunk));
    const piped = pipeline(toReadable(states), toNdjson(), out);
    await new Promise((resolve) => setImmediate(resolve));
    states.next(taskState('t1', 'pending'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual(['{"provider":"acme","id":"t1","status":"pending","providerStatus":"pending","raw":{"id":"t1","status":"pending"}}\n']);
    states.next(taskState('t1', 'completed'));
    states.complete();
    await piped;
    expect(lines.map((line) => (JSON.parse(line) as TaskState).status)).toEqual(['pending', 'completed']);
  });

  it.each<[string, unknown, RegExp]>([
    ['a BigInt', { provider: 'x', raw: 1n }, /BigInt/],
    ['a cycle', (() => { const raw: Record<string, unknown> = {}; raw.self = raw; return { provider: 'x', raw }; })(), /circular/i],
    ['a function', () => 'not data', /Expected a value JSON can represent, got a function\./],
  ])('errors the pipeline with a TypeError for %s', async (_, value, message) => {
    const error = await pipeline(Readable.from([value]), toNdjson(), new PassThrough()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
  });
});
