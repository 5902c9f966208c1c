import { inspect } from 'node:util';

/**
 * Jest gives each test file a copy of `process` whose `on` never hears the
 * real process's `unhandledRejection` and `uncaughtException`. A function made
 * by a Node built-in's own `Function` runs in Node's realm, where `process` is
 * the real one.
 */
function realProcess(): NodeJS.Process {
  return (inspect.constructor as FunctionConstructor)('return process')() as NodeJS.Process;
}

export interface ProcessGuard {
  /** Everything that escaped since the guard was installed (or last drained), emptied on read. */
  drain(): unknown[];
  uninstall(): void;
}

/** Listens for unhandled rejections and uncaught exceptions on the real process. */
export function installProcessGuard(): ProcessGuard {
  const process = realProcess();
  let escaped: unknown[] = [];
  const onRejection = (reason: unknown) => escaped.push(reason);
  const onException = (error: unknown) => escaped.push(error);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    drain: () => {
      const out = escaped;
      escaped = [];
      return out;
    },
    uninstall: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/** Lets anything pending surface: unhandled rejections are reported after the microtask queue drains. */
export async function settleEventLoop(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}
