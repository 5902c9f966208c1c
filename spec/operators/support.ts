// Shared by the operator specs: task states in one line, and a TestScheduler
// that can compare the batches combineTasks emits.
import { TestScheduler } from 'rxjs/testing';
import { TaskError } from '../../src/core/errors/index.js';
import { createTaskState, type TaskState, type TaskStatus } from '../../src/core/taskState.js';
import type { TaskBatchState, TaskCounts } from '../../src/index.js';

export function taskState(id: string, status: TaskStatus, progress?: number): TaskState {
  return createTaskState('acme', id, { status, providerStatus: status, ...(progress === undefined ? {} : { progress }), raw: { id, status } });
}

export function counts(pending: number, running: number, completed: number, failed: number): TaskCounts {
  return { pending, running, completed, failed };
}

/**
 * A TestScheduler whose assertion reads each emitted batch only once the run is
 * over, through its getters: so every marble test of combineTasks also checks
 * that an old batch, read late, still shows the batch as it was.
 */
export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(readFrames(actual)).toEqual(readFrames(expected)));
}

type Frame = { notification?: { kind: string; value?: unknown; error?: unknown } };

/**
 * Reads batches through their getters, and spells out our errors: `toEqual`
 * compares errors by message only, and a TaskTimeoutError without its `state`
 * must not pass for one with it.
 */
function readFrames(frames: unknown): unknown {
  if (!Array.isArray(frames)) return frames;
  return frames.map((frame: Frame) => {
    const notification = frame.notification;
    if (notification?.kind === 'N' && isBatch(notification.value)) {
      return { ...frame, notification: { ...notification, value: plainBatch(notification.value) } };
    }
    if (notification?.kind === 'E' && notification.error instanceof TaskError) {
      const error = notification.error;
      return { ...frame, notification: { ...notification, error: { class: error.constructor.name, ...error.toJSON() } } };
    }
    return frame;
  });
}

function isBatch(value: unknown): value is TaskBatchState<unknown> {
  return typeof value === 'object' && value !== null && 'counts' in value && 'done' in value;
}

/** The batch with its getters read, as a plain object `toEqual` can compare. */
export function plainBatch<T>(batch: TaskBatchState<T>): Record<keyof TaskBatchState<T>, unknown> {
  const { tasks, errors, counts: batchCounts, total, progress, done } = batch;
  return { tasks, errors, counts: batchCounts, total, progress, done };
}
