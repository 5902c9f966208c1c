import { Writable } from 'node:stream';
import type { TaskState } from '../../src/index.js';
import { layoutLines, type TaskRow } from '../../src/cli/liveLayout.js';
import { LiveView } from '../../src/cli/liveView.js';
import type { TaskLabel } from '../../src/cli/taskView.js';
import { TerminalScreen } from './terminalScreen.js';

/** A terminal as a tty.WriteStream presents one: isTTY, rows, columns, and 'resize' after they change. */
class FakeTerminal extends Writable {
  readonly isTTY = true;
  readonly screen: TerminalScreen;

  constructor(
    public rows: number,
    public columns: number,
  ) {
    super({ decodeStrings: false });
    this.screen = new TerminalScreen(rows, columns);
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.screen.write(String(chunk));
    callback();
  }

  resize(size: { rows: number; columns: number }): void {
    this.rows = size.rows;
    this.columns = size.columns;
    this.screen.resize(size);
    this.emit('resize');
  }
}

const uuid = (n: number) => `${String(n).padStart(8, '0')}-10a9-4bb5-88f3-0da9f0a6${String(n).padStart(4, '0')}`;
const labelsOf = (count: number): TaskLabel[] => Array.from({ length: count }, (_, index) => ({ provider: 'stream', id: uuid(index), ref: uuid(index) }));
const stateOf = ({ id }: TaskLabel, status: TaskState['status'], extra: Partial<TaskState> = {}): TaskState => ({ provider: 'stream', id, status, providerStatus: status, raw: {}, ...extra });

describe('the live view on a terminal', () => {
  let now: number;
  let view: LiveView;

  beforeEach(() => {
    // cli-progress redraws on its own timer, the view moves elapsed times on another: both run in fake time.
    jest.useFakeTimers();
    now = 0;
  });

  afterEach(() => {
    view.stop();
    jest.useRealTimers();
  });

  /** Lets `ms` pass: the view's clock and cli-progress's frames alike. */
  const pass = (ms: number) => {
    now += ms;
    jest.advanceTimersByTime(ms);
  };

  /** 30 tasks, 10 running at a time; every sixth fails. */
  const runBatch = (labels: readonly TaskLabel[], onStep: (step: number) => void = () => {}) => {
    labels.forEach((label, index) => {
      view.state(index, stateOf(label, 'running', { progress: 0.5 }), now);
      pass(30);
      const ending = labels[index - 10];
      if (ending !== undefined) view.state(index - 10, index % 6 === 0 ? stateOf(ending, 'failed', { error: { message: 'channel not found' } }) : stateOf(ending, 'completed', { progress: 1 }), now);
      pass(70);
      onStep(index);
    });
    labels.slice(-10).forEach((label, offset) => {
      view.state(labels.length - 10 + offset, stateOf(label, 'completed', { progress: 1 }), now);
      pass(100);
    });
  };

  it('never draws more lines than an 80 × 24 terminal has, nor moves the cursor above its top, with 30 tasks', () => {
    const terminal = new FakeTerminal(24, 80);
    const labels = labelsOf(30);
    view = new LiveView(terminal, () => now);
    view.start(labels, now);
    let midway: readonly string[] = [];

    runBatch(labels, (step) => {
      if (step === 15) midway = terminal.screen.report().screen;
    });
    view.stop();

    const { violations, tallestRedraw, allLines, cursorVisible, lineWrapping } = terminal.screen.report();
    expect(violations).toEqual([]);
    expect(tallestRedraw).toBeGreaterThan(1);
    expect(tallestRedraw).toBeLessThanOrEqual(24);
    expect(Math.max(...allLines.map((line) => line.length))).toBeLessThan(80);
    expect({ cursorVisible, lineWrapping }).toEqual({ cursorVisible: true, lineWrapping: true });
    // Midway (tasks 0–5 ended, 6–15 running, 16–29 pending): the ten running tasks are all on screen, then as
    // many pending ones as fit, and one line sums up the rest; every row is used.
    const drawn = midway.filter((line) => line !== '');
    expect(drawn).toHaveLength(24);
    expect(drawn.filter((line) => line.endsWith(' running'))).toHaveLength(10);
    expect(drawn.filter((line) => line.endsWith(' pending'))).toHaveLength(12);
    expect(drawn.slice(-2)).toEqual(['… and 8 more: 2 pending, 5 completed, 1 failed', 'total                  |███████░░░░░░░░░░░░░|  36%   1.6s 6/30 done, 1 failed']);
    // At the end: the last frame (the 22 latest to end, the rest summed up), then every failure in full.
    const end = allLines.filter((line) => line !== '').slice(-27);
    expect(end.slice(0, 22).every((line) => / \|█{20}\| 100% +\d\.\ds completed$/.test(line) || line.includes(' failed: '))).toBe(true);
    expect(end.slice(22)).toEqual([
      '… and 8 more: 7 completed, 1 failed',
      'total                  |████████████████████| 100%   3.9s 30/30 done, 3 failed',
      ...[2, 8, 14].map((n) => `stream ${uuid(n)}: failed: channel not found`),
    ]);
  });

  it('fits the total to 80 columns however many tasks, and fills its bar when every task has ended, failed ones too', () => {
    const terminal = new FakeTerminal(24, 80);
    const labels = labelsOf(120);
    view = new LiveView(terminal, () => now);
    view.start(labels, now);

    pass(200);
    labels.forEach((label, index) => view.state(index, index % 7 === 0 ? stateOf(label, 'failed', { progress: 0.3 }) : stateOf(label, 'completed', { progress: 1 }), now));
    pass(200);
    view.stop();

    const { violations, screen } = terminal.screen.report();
    expect(violations).toEqual([]);
    // The time stops at the last end, as each task's does.
    expect(screen).toContain('total               |████████████████████| 100%   0.2s 120/120 done, 18 failed');
  });

  it('shows a failed task at its last progress, and the batch as done', () => {
    const terminal = new FakeTerminal(24, 80);
    const labels: TaskLabel[] = [{ provider: 'mobizon', id: '4821', ref: '4821' }, { provider: 'mobizon', id: '4822', ref: '4822' }];
    view = new LiveView(terminal, () => now);
    view.start(labels, now);

    pass(1000);
    view.state(0, { ...stateOf(labels[0] as TaskLabel, 'completed', { progress: 1 }), provider: 'mobizon' }, now);
    pass(1000);
    view.state(1, { ...stateOf(labels[1] as TaskLabel, 'failed', { progress: 0.6, error: { message: 'task rejected' } }), provider: 'mobizon' }, now);
    view.stop();

    expect(terminal.screen.report().screen.filter((line) => line !== '')).toEqual([
      'mobizon 4821 |████████████████████| 100%   1.0s completed',
      'mobizon 4822 |████████████░░░░░░░░|  60%   2.0s failed: task rejected',
      'total        |████████████████████| 100%   2.0s 2/2 done, 1 failed',
      'mobizon 4822: failed: task rejected',
    ]);
  });

  it('fills the terminal from its first row, so that what was written above the drawing does not show as a blank row', () => {
    const terminal = new FakeTerminal(24, 80);
    // What the demo writes before its drawing: a heading and a blank line, under a screen full of earlier output.
    terminal.screen.write(`${Array.from({ length: 30 }, (_, index) => `earlier output ${index}\n`).join('')}Fake Stream, Mobizon and Postman APIs on http://127.0.0.1:40000: 24 tasks (seed 1), time ×1.\n\n`);
    const labels = labelsOf(24);
    view = new LiveView(terminal, () => now);
    view.start(labels, now);
    labels.slice(0, 8).forEach((label, index) => view.state(index, stateOf(label, 'running', { progress: 0.5 }), now));
    pass(300);

    const { screen, violations } = terminal.screen.report();
    expect(violations).toEqual([]);
    expect(screen[0]).toMatch(/^stream 0000000…0a60000 +\|█{10}░{10}\|  50% +0\.3s running$/);
    expect(screen.every((line) => line !== '')).toBe(true);
    expect(screen.at(-2)).toBe('… and 2 more: 2 pending');
    expect(screen.at(-1)).toMatch(/^total +\|/);
  });

  it('draws afresh at the new size when the terminal is resized', () => {
    const terminal = new FakeTerminal(40, 100);
    const labels = labelsOf(30);
    view = new LiveView(terminal, () => now);
    view.start(labels, now);
    labels.forEach((label, index) => view.state(index, stateOf(label, 'running', { progress: index / 30 }), now));
    pass(200);
    const tall = terminal.screen.report();
    expect(tall.screen.filter((line) => line !== '')).toHaveLength(31);
    expect(tall.violations).toEqual([]);

    terminal.resize({ rows: 12, columns: 60 });
    const upsBefore = terminal.screen.report().cursorUps.length;
    pass(200);
    labels.slice(0, 5).forEach((label, index) => view.state(index, stateOf(label, 'completed', { progress: 1 }), now));
    pass(200);
    const small = terminal.screen.report();

    // Clearing the old drawing moves up over all of it, and the terminal stops at its top line: from there the
    // screen is cleared, and nothing after it asks for more than the new size.
    expect(small.violations).toEqual(['cursor up 30 from screen row 12 of 12']);
    expect(Math.max(...small.cursorUps.slice(upsBefore)) + 1).toBeLessThanOrEqual(12);
    const drawn = small.screen.filter((line) => line !== '');
    expect(drawn).toHaveLength(12);
    expect(drawn.every((line) => line.length < 60)).toBe(true);
    expect(drawn.at(-2)).toBe('… and 20 more: 15 running, 5 completed');
    expect(drawn.at(-1)).toMatch(/^total +\|[█░]+\| +\d+% +0\.6s 5\/30 done, 0 failed$/);
  });
});

describe('the lines of the live view', () => {
  const rows = (count: number, make: (index: number) => Partial<TaskRow> = () => ({})): TaskRow[] =>
    Array.from({ length: count }, (_, index) => ({ label: `postman ${uuid(index)}`, status: 'pending', text: 'pending', progress: 0, ...make(index) }));

  it.each([
    [40, 10],
    [60, 24],
    [80, 24],
    [120, 50],
    [200, 3],
  ])('never reach the last of %i columns, %i rows', (columns, height) => {
    for (const count of [1, 5, 24, 120, 1000]) {
      const lines = layoutLines({ tasks: rows(count, (index) => (index % 3 === 0 ? { status: 'failed', text: 'failed: '.padEnd(200, 'x'), endedAt: 5 } : {})), size: { rows: height, columns }, startedAt: 0, now: 10 });
      expect(lines.length).toBeLessThanOrEqual(height);
      expect(lines.every((line) => line.length <= columns - 1)).toBe(true);
      expect(lines.at(-1)).toMatch(/^total /);
    }
  });

  it('keep the provider and both ends of an id that does not fit', () => {
    const [line] = layoutLines({ tasks: rows(1), size: { rows: 24, columns: 80 }, startedAt: 0, now: 0 });

    expect(line).toBe('postman 00000000…f0a60000 |░░░░░░░░░░░░░░░░░░░░|   0%   0.0s pending');
  });

  it.each([1, 9, 24, 99])("keep every task's provider from 50 columns up, with the total's counts whole (%i tasks)", (count) => {
    const providers = ['stream', 'mobizon', 'postman'] as const;
    const tasks = rows(count, (index) => {
      const provider = providers[index % 3] as (typeof providers)[number];
      return { label: provider === 'mobizon' ? `mobizon ${416724 + index}` : `${provider} ${provider === 'postman' ? 'merge:' : ''}${uuid(index)}` };
    });

    for (let columns = 50; columns <= 80; columns++) {
      const lines = layoutLines({ tasks, size: { rows: 200, columns }, startedAt: 0, now: 0 });

      expect(lines.every((line) => line.length < columns)).toBe(true);
      expect(lines.slice(0, -1).filter((line, index) => !line.startsWith(`${providers[index % 3]} `))).toEqual([]);
      expect(lines.at(-1)).toMatch(new RegExp(`^total .* 0/${count} done, 0 failed$`));
    }
  });

  it('leave the bar out where it would be narrower than 5 columns, and keep the percentage', () => {
    const [line] = layoutLines({ tasks: rows(24, () => ({ progress: 0.5, status: 'running', text: 'running' })), size: { rows: 40, columns: 50 }, startedAt: 0, now: 1200 });

    expect(line).toBe('postman 000…000  50%   1.2s running');
  });

  it('show running tasks first, then pending ones, then the latest to end, each in its own order', () => {
    const ended = (endedAt: number): Partial<TaskRow> => ({ status: 'completed', text: 'completed', progress: 1, endedAt });
    const running: Partial<TaskRow> = { status: 'running', text: 'running' };
    const tasks = rows(8, (index) => ({ 1: ended(1), 2: running, 3: ended(3), 5: running })[index] ?? {});

    // Six lines: four tasks (2 and 5 running, 0 and 4 the first pending), the rest summed up, the total.
    const lines = layoutLines({ tasks, size: { rows: 6, columns: 120 }, startedAt: 0, now: 4 });

    expect(lines.slice(0, 4).map((line) => line.slice(0, 19))).toEqual([0, 2, 4, 5].map((index) => `postman ${uuid(index).slice(0, 10)}…`));
    expect(lines.slice(4).map((line) => line.replace(/ +\|.*\| +/, ' | '))).toEqual(['… and 4 more: 2 pending, 2 completed', 'total | 25%   0.0s 2/8 done, 0 failed']);
  });

  it('leave only the total on a terminal of one row, and the summary line above it on one of two', () => {
    const tasks = rows(4);

    expect(layoutLines({ tasks, size: { rows: 1, columns: 80 }, startedAt: 0, now: 0 }).map((line) => line.slice(0, 6))).toEqual(['total ']);
    expect(layoutLines({ tasks, size: { rows: 2, columns: 80 }, startedAt: 0, now: 0 }).map((line) => line.slice(0, 6))).toEqual(['… and ', 'total ']);
  });
});
