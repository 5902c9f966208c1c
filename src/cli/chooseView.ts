import type { CliIO } from './cliIO.js';
import { JsonLinesView } from './jsonLinesView.js';
import { LiveView } from './liveView.js';
import type { TaskView } from './taskView.js';

/** Progress bars for a person at a terminal; JSON lines for `--json` and for anything piped. */
export function chooseView({ io, json, clock }: { io: CliIO; json: boolean; clock: () => number }): TaskView {
  return json || !io.isTTY ? new JsonLinesView(io.stdout, io.stderr) : new LiveView(io.stdout, clock);
}
