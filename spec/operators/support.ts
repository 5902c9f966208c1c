// Shared by the operator specs: task states in one line, and a TestScheduler
// that compares our errors field by field.
import { TestScheduler } from 'rxjs/testing';
import { TaskError } from '../../src/core/errors/index.js';
import { createTaskState, type TaskState, type TaskStatus } from '../../src/core/taskState.js';
import type { TaskCounts } from '../../src/index.js';

export function taskState(id: string, status: TaskStatus, progress?: number): TaskState {
  return createTaskState('acme', id, { status, providerStatus: status, ...(progress === undefined ? {} : { progress }), raw: { id, status } });
}

export function counts(pending: number, running: number, completed: number, failed: number): TaskCounts {
  return { pending, running, completed, failed };
}

/** A TestScheduler that compares our errors by all their fields, not by message alone. */
export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(readFrames(actual)).toEqual(readFrames(expected)));
}

type Frame = { notification?: { kind: string; value?: unknown; error?: unknown } };

/**
 * Spells out our errors: `toEqual` compares errors by message only, and a
 * TaskTimeoutError without its `state` must not pass for one with it.
 */
function readFrames(frames: unknown): unknown {
  if (!Array.isArray(frames)) return frames;
  return frames.map((frame: Frame) => {
    const notification = frame.notification;
    if (notification?.kind === 'E' && notification.error instanceof TaskError) {
      const error = notification.error;
      return { ...frame, notification: { ...notification, error: { class: error.constructor.name, ...error.toJSON() } } };
    }
    return frame;
  });
}
