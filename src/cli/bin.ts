#!/usr/bin/env node
// The process around `run()`: real streams and environment, Ctrl-C, a closed pipe, the exit code.
import { run } from './run.js';

/** 128 + SIGPIPE: what a shell reports for a program whose reader went away (`| head -n 1`). */
const EXIT_PIPE_CLOSED = 141;

const stop = new AbortController();
let interrupts = 0;
let pipeClosed = false;

const onInterrupt = () => {
  interrupts += 1;
  // A second Ctrl-C while the first is still being honoured: the user insists.
  if (interrupts > 1) process.exit(130);
  stop.abort();
};
// Node ignores SIGPIPE, so a closed stdout shows up as EPIPE: stop watching as for Ctrl-C, without a stack trace.
const onOutputError = (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  pipeClosed = true;
  stop.abort();
};
process.on('SIGINT', onInterrupt);
process.stdout.on('error', onOutputError);

void run(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: process.stdout.isTTY === true,
  signal: stop.signal,
}).then((code) => {
  process.off('SIGINT', onInterrupt);
  // No process.exit(): pending output is flushed, and the process ending by itself proves nothing was left open.
  process.exitCode = pipeClosed ? EXIT_PIPE_CLOSED : code;
});
