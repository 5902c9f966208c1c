import type { TaskError } from './errors/index.js';

/**
 * What a watch tells, beside its states, to the operators that bound it
 * (`withTimeout`): that a poll was answered (with a state, changed or not:
 * the stream itself carries only changes), or that one failed and why. It
 * is how `withTimeout` tells a provider that has stopped answering (`stalled`)
 * from a task that has not changed (`idle`), and how its `TaskTimeoutError`
 * names the last failure.
 */
export interface WatchWitness {
  /** A poll of the task was answered with a state (or, for a hub or a coordinated follower, its upstream showed it is alive). */
  answered(): void;
  /** A poll of the task failed; it will be retried, or the watch ends with an error. */
  failed(error: TaskError): void;
}

const NONE: readonly WatchWitness[] = [];
let current: readonly WatchWitness[] = NONE;

/**
 * Subscribes with `witness` listening: every watch subscribed to on the way,
 * synchronously (through `pipe`, `map`, `untilTerminal`, `combineTasks` and
 * the like), tells it of its polls for as long as that subscription lasts.
 * RxJS gives an operator no other way to hear from the source beneath it
 * than the values it emits; this is the one channel beside them.
 */
export function subscribeWitnessed<T>(witness: WatchWitness, subscribe: () => T): T {
  const outer = current;
  current = [...outer, witness];
  try {
    return subscribe();
  } finally {
    current = outer;
  }
}

/** Subscribes with nobody listening: a loop's own inner subscription, whose polls its owner tells. */
export function subscribeUnwitnessed<T>(subscribe: () => T): T {
  const outer = current;
  current = NONE;
  try {
    return subscribe();
  } finally {
    current = outer;
  }
}

/** The witnesses of the subscription being made now (empty when none). */
export function currentWitnesses(): readonly WatchWitness[] {
  return current;
}
