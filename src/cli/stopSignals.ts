import { EXIT } from './exitCodes.js';

/** What an interrupted drawing of progress bars may have left set: the cursor hidden, line wrapping off. */
export const RESTORE_TERMINAL = '\x1B[?25h\x1B[?7h\n';

export interface StopSignalsInput {
  /** The process's stdout: on a terminal, a hurried exit restores it first. */
  readonly stdout: { readonly isTTY?: boolean; write(text: string): unknown };
  /** `process.exit`: ends at once. */
  readonly exit: (code: number) => void;
  /** Sets `process.exitCode`: used when the process ends by itself. */
  readonly setExitCode: (code: number) => void;
}

/** The ways a running command is asked to stop, and the exit code each leaves. */
export interface StopSignals {
  /** Aborted at the first request to stop: every watch ends. */
  readonly signal: AbortSignal;
  /** SIGINT (Ctrl-C): 130. */
  interrupt(): void;
  /** SIGTERM (`kill`, `timeout`): 143. */
  terminate(): void;
  /** An error event of stdout: EPIPE (the reader went away) stops with 141; anything else is thrown. */
  outputError(error: NodeJS.ErrnoException): void;
  /** The exit code once `run()` resolved with `code`: a stop overrides 130 with its own, a closed pipe any. */
  exitCode(code: number): number;
}

/**
 * Ctrl-C or SIGTERM: every watch stops, the view tidies the terminal, and the
 * process ends by itself. A second signal while the first is still being
 * honoured means the user insists: exit at once, but leave the terminal as it
 * was found. Node ignores SIGPIPE, so a reader that went away (`| head -n 1`)
 * shows up as EPIPE on a write: stop as for Ctrl-C, and exit 141 as a shell
 * expects. That error may come after `run()` has resolved (the last line was
 * the one refused), so it sets the exit code itself.
 */
export function stopSignals({ stdout, exit, setExitCode }: StopSignalsInput): StopSignals {
  const stop = new AbortController();
  let stopCode: number | undefined;
  let pipeClosed = false;
  const onSignal = (code: number) => {
    if (stopCode !== undefined) {
      if (stdout.isTTY === true) stdout.write(RESTORE_TERMINAL);
      exit(code);
      return;
    }
    stopCode = code;
    stop.abort();
  };
  return {
    signal: stop.signal,
    interrupt: () => onSignal(EXIT.interrupted),
    terminate: () => onSignal(EXIT.terminated),
    outputError: (error) => {
      if (error.code !== 'EPIPE') throw error;
      pipeClosed = true;
      setExitCode(EXIT.pipeClosed);
      stop.abort();
    },
    exitCode: (code) => {
      if (pipeClosed) return EXIT.pipeClosed;
      return code === EXIT.interrupted && stopCode !== undefined ? stopCode : code;
    },
  };
}
