#!/usr/bin/env node
// The process around `run()`: real streams and environment, Ctrl-C, a closed pipe, the exit code.
// Started with the hidden `__demo-worker` argument, it is one process of `demo --processes N` instead.
import { packageVersion } from './packageVersion.js';
import { run } from './run.js';
import { demoWorker, DEMO_WORKER } from './scaleDemo.js';
import { stopSignals } from './stopSignals.js';

if (process.argv[2] === DEMO_WORKER) demoWorker();
else main();

function main(): void {
  const stops = stopSignals({
    stdout: process.stdout,
    exit: (code) => process.exit(code),
    setExitCode: (code) => (process.exitCode = code),
  });
  process.on('SIGINT', stops.interrupt);
  process.on('SIGTERM', stops.terminate);
  process.stdout.on('error', stops.outputError);

  const version = packageVersion(process.argv[1]);
  void run(process.argv.slice(2), {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: process.stdout.isTTY === true,
    signal: stops.signal,
    ...(version === undefined ? {} : { version }),
  }).then((code) => {
    process.off('SIGINT', stops.interrupt);
    process.off('SIGTERM', stops.terminate);
    // No process.exit(): pending output is flushed, and the process ending by itself proves nothing was left open.
    process.exitCode = stops.exitCode(code);
  });
}
