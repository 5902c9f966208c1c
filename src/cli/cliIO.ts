import type { Environment } from './credentials.js';
import type { OutputStream } from './liveView.js';

/** Everything the command line touches of its process, passed in so that tests can run it in-process. */
export interface CliIO {
  /** Where credentials are read from (`process.env` in the real thing). */
  readonly env: Environment;
  readonly stdout: OutputStream;
  readonly stderr: NodeJS.WritableStream;
  /** Draw live progress bars on stdout; otherwise, write JSON lines. */
  readonly isTTY: boolean;
  /** Aborted on Ctrl-C: every watch stops, and `run()` resolves with 130. */
  readonly signal?: AbortSignal;
  /** What `--version` prints (bin.ts reads it from package.json). */
  readonly version?: string;
}
