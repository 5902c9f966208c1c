// A poller described as plain data, so that a client process can be told which one to run.
import { setMaxListeners } from 'node:events';
import type { Subscription } from 'rxjs';
import type { SourceOptions } from '../../src/core/sourceOptions.js';
import { isTerminal } from '../../src/core/taskState.js';
import { coreLro, fixedLoop, rawLoop, rxPolling, smithyWaiter, type Anchor } from './anchors.js';
import { sourceFor } from './sources.js';
import type { CheckOutcome, Endpoint } from './statusCheck.js';

/**
 * `startGapMs`: the user's own code spaces the first polls evenly, task k
 * starting k × startGapMs after the first (over every `add`), the same
 * schedule whatever the poller; 0 or absent: all at once.
 */
export type PollerSpec = (
  /** rx-task-status; only plain-data options (JSON has no Infinity: it is spelled as a string here). */
  | {
      readonly kind: 'rx-task-status';
      readonly options: Pick<SourceOptions, 'interval' | 'maxConcurrentRequests' | 'jitter' | 'reserve'> & { readonly maxRequestsPerSecond?: number | 'Infinity' };
    }
  | { readonly kind: 'fixed-loop'; readonly intervalMs: number }
  /** The overhead row's baseline (see `rawLoop`): not a library. */
  | { readonly kind: 'raw-loop'; readonly intervalMs: number; readonly over?: 'cross-fetch' | 'node:http' }
  | { readonly kind: 'core-lro'; readonly intervalInMs?: number }
  | { readonly kind: 'smithy'; readonly minDelay?: number; readonly maxDelay?: number; readonly maxWaitTime?: number }
  | { readonly kind: 'rx-polling'; readonly interval: number }
) & { readonly startGapMs?: number };

export interface RunningPollers {
  /** Starts following more tasks, with the same poller (for rx-task-status: the same source). */
  add(ids: readonly string[]): void;
  stop(): void;
}

export interface PollerEvents {
  /** Each answer the poller gets (for rx-task-status: each emitted state, which is at least the first). */
  readonly onAnswer?: (id: string, outcome?: CheckOutcome) => void;
  /** The poller gave up on a task with an error (a refused connection, say): it will send nothing more for it. */
  readonly onFailure?: (id: string, error: unknown) => void;
}

/** Starts `spec` on every task. */
export function startPollers(spec: PollerSpec, endpoint: Endpoint, ids: readonly string[], { onAnswer, onFailure }: PollerEvents = {}): RunningPollers {
  const startDelay = evenStarts(spec.startGapMs ?? 0);
  if (spec.kind === 'rx-task-status') {
    const { maxRequestsPerSecond, ...options } = spec.options;
    const source = sourceFor(endpoint, {
      ...options,
      ...(maxRequestsPerSecond === undefined ? {} : { maxRequestsPerSecond: maxRequestsPerSecond === 'Infinity' ? Infinity : maxRequestsPerSecond }),
    });
    const subscriptions: Subscription[] = [];
    const timers = new Set<NodeJS.Timeout>();
    const watch = (id: string) =>
      subscriptions.push(
        source.watch(id).subscribe({
          next: (state) => onAnswer?.(id, { kind: isTerminal(state) ? (state.status === 'completed' ? 'completed' : 'failed') : 'running' }),
          error: (error: unknown) => onFailure?.(id, error),
        }),
      );
    const add = (more: readonly string[]) => {
      for (const id of more) {
        const delay = startDelay();
        if (delay <= 0) {
          watch(id);
          continue;
        }
        const timer = setTimeout(() => {
          timers.delete(timer);
          watch(id);
        }, delay);
        timers.add(timer);
      }
    };
    add(ids);
    return {
      add,
      stop: () => {
        timers.forEach((timer) => clearTimeout(timer));
        subscriptions.forEach((subscription) => subscription.unsubscribe());
      },
    };
  }
  const anchor = anchorFor(spec);
  const controller = new AbortController();
  // One signal for every task: as many listeners as tasks is intended.
  setMaxListeners(0, controller.signal);
  const add = (more: readonly string[]) => {
    for (const id of more) {
      void anchor({
        endpoint,
        id,
        signal: controller.signal,
        startDelayMs: startDelay(),
        ...(onAnswer === undefined ? {} : { onAnswer: (outcome: CheckOutcome) => onAnswer(id, outcome) }),
      }).catch((error: unknown) => onFailure?.(id, error));
    }
  };
  add(ids);
  return { add, stop: () => controller.abort() };
}

/** The anchor a spec names, with its settings. */
function anchorFor(spec: Exclude<PollerSpec, { kind: 'rx-task-status' }>): Anchor {
  switch (spec.kind) {
    case 'fixed-loop':
      return fixedLoop({ intervalMs: spec.intervalMs });
    case 'raw-loop':
      return rawLoop({ intervalMs: spec.intervalMs, ...(spec.over === undefined ? {} : { over: spec.over }) });
    case 'core-lro':
      return coreLro(spec.intervalInMs === undefined ? {} : { intervalInMs: spec.intervalInMs });
    case 'rx-polling':
      return rxPolling({ interval: spec.interval });
    case 'smithy':
      return smithyWaiter({
        ...(spec.minDelay === undefined ? {} : { minDelay: spec.minDelay }),
        ...(spec.maxDelay === undefined ? {} : { maxDelay: spec.maxDelay }),
        ...(spec.maxWaitTime === undefined ? {} : { maxWaitTime: spec.maxWaitTime }),
      });
  }
}

/** The start schedule: the k-th task asked for waits until k × gapMs after the first. Returns the delay from now. */
function evenStarts(gapMs: number): () => number {
  if (!(gapMs > 0)) return () => 0;
  let first: number | undefined;
  let next = 0;
  return () => {
    const now = performance.now();
    first ??= now;
    return Math.max(0, first + gapMs * next++ - now);
  };
}
