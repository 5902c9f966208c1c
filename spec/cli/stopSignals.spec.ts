import { RESTORE_TERMINAL, stopSignals } from '../../src/cli/stopSignals.js';

describe('stopping the command (bin.ts wiring)', () => {
  const setup = (isTTY: boolean) => {
    const written: string[] = [];
    const exits: number[] = [];
    const exitCodes: number[] = [];
    const stops = stopSignals({ stdout: { isTTY, write: (text: string) => written.push(text) }, exit: (code) => exits.push(code), setExitCode: (code) => exitCodes.push(code) });
    return { stops, written, exits, exitCodes };
  };

  it('aborts at the first Ctrl-C and lets the process end by itself, with 130', () => {
    const { stops, written, exits } = setup(true);

    stops.interrupt();

    expect(stops.signal.aborted).toBe(true);
    expect({ written, exits }).toEqual({ written: [], exits: [] });
    expect(stops.exitCode(130)).toBe(130);
  });

  it('exits at once on a second Ctrl-C, showing the cursor and turning line wrapping back on first', () => {
    const { stops, written, exits } = setup(true);

    stops.interrupt();
    stops.interrupt();

    expect(RESTORE_TERMINAL).toBe('\x1B[?25h\x1B[?7h\n');
    expect({ written, exits }).toEqual({ written: [RESTORE_TERMINAL], exits: [130] });
  });

  it('writes no escape codes into a pipe on a hurried exit', () => {
    const { stops, written, exits } = setup(false);

    stops.terminate();
    stops.terminate();

    expect({ written, exits }).toEqual({ written: [], exits: [143] });
  });

  it('reports SIGTERM as 143 once the watch has stopped', () => {
    const { stops } = setup(false);

    stops.terminate();

    expect(stops.exitCode(130)).toBe(143);
  });

  it('sets 141 the moment stdout refuses a write, whatever the command ended with', () => {
    const { stops, exitCodes } = setup(false);

    stops.outputError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));

    expect(stops.signal.aborted).toBe(true);
    expect(exitCodes).toEqual([141]);
    expect([0, 1, 130].map((code) => stops.exitCode(code))).toEqual([141, 141, 141]);
  });

  it('leaves the exit code alone when nothing stopped the command', () => {
    const { stops } = setup(false);

    expect([0, 1, 2, 3].map((code) => stops.exitCode(code))).toEqual([0, 1, 2, 3]);
  });

  it('does not swallow other output errors', () => {
    const { stops } = setup(false);

    expect(() => stops.outputError(Object.assign(new Error('write EIO'), { code: 'EIO' }))).toThrow('write EIO');
    expect(stops.signal.aborted).toBe(false);
  });
});
