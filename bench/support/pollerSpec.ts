// A poller described as plain data, so that a client process can be told which one to run.
import { setMaxListeners } from 'node:events';
import type { Subscription } from 'rxjs';
import type { SourceOptions } from '../../src/core/sourceOptions.js';
import { isTerminal } from '../../src/core/taskState.js';
import { coreLro, fixedLoop, smithyWaiter, type Anchor } from './anchors.js';
import { sourceFor } from './sources.js';
import type { CheckOutcome, Endpoint } from './statusCheck.js';

export type PollerSpec =
  /** rx-task-status; only plain-data options (JSON has no Infinity: it is spelled as a string here). */
  | {
      readonly kind: 'rx-task-status';
      readonly options: Pick<SourceOptions, 'interval' | 'maxConcurrentRequests' | 'jitter'> & { readonly maxRequestsPerSecond?: number | 'Infinity' };
    }
  | { readonly kind: 'fixed-loop'; readonly intervalMs: number; readonly staggerMs?: number }
  | { readonly kind: 'core-lro'; readonly intervalInMs?: number; readonly staggerMs?: number }
  | { readonly kind: 'smithy'; readonly minDelay?: number; readonly maxDelay?: number; readonly maxWaitTime?: number; readonly staggerMs?: number };

export interface RunningPollers {
  /** Starts following more tasks, with the same poller (for rx-task-status: the same source). */
  add(ids: readonly string[]): void;
  stop(): void;
}

/**
 * Starts `spec` on every task. `onAnswer(id)` is told of each answer the poller
 * gets (for rx-task-status: each emitted state, which is at least the first).
 */
export function startPollers(spec: PollerSpec, endpoint: Endpoint, ids: readonly string[], onAnswer?: (id: string, outcome?: CheckOutcome) => void): RunningPollers {
  if (spec.kind === 'rx-task-status') {
    const { maxRequestsPerSecond, ...options } = spec.options;
    const source = sourceFor(endpoint, {
      ...options,
      ...(maxRequestsPerSecond === undefined ? {} : { maxRequestsPerSecond: maxRequestsPerSecond === 'Infinity' ? Infinity : maxRequestsPerSecond }),
    });
    const subscriptions: Subscription[] = [];
    const add = (more: readonly string[]) => {
      for (const id of more) {
        subscriptions.push(
          source.watch(id).subscribe({
            next: (state) => onAnswer?.(id, { kind: isTerminal(state) ? (state.status === 'completed' ? 'completed' : 'failed') : 'running' }),
            error: () => undefined,
          }),
        );
      }
    };
    add(ids);
    return { add, stop: () => subscriptions.forEach((subscription) => subscription.unsubscribe()) };
  }
  const anchor: Anchor =
    spec.kind === 'fixed-loop'
      ? fixedLoop({ intervalMs: spec.intervalMs })
      : spec.kind === 'core-lro'
        ? coreLro(spec.intervalInMs === undefined ? {} : { intervalInMs: spec.intervalInMs })
        : smithyWaiter({
            ...(spec.minDelay === undefined ? {} : { minDelay: spec.minDelay }),
            ...(spec.maxDelay === undefined ? {} : { maxDelay: spec.maxDelay }),
            ...(spec.maxWaitTime === undefined ? {} : { maxWaitTime: spec.maxWaitTime }),
          });
  const controller = new AbortController();
  // One signal for every task: as many listeners as tasks is intended.
  setMaxListeners(0, controller.signal);
  const stagger = spec.staggerMs ?? 0;
  const add = (more: readonly string[]) => {
    for (const id of more) {
      void anchor({
        endpoint,
        id,
        signal: controller.signal,
        startDelayMs: Math.random() * stagger,
        ...(onAnswer === undefined ? {} : { onAnswer: (outcome: CheckOutcome) => onAnswer(id, outcome) }),
      }).catch(() => undefined);
    }
  };
  add(ids);
  return { add, stop: () => controller.abort() };
}
