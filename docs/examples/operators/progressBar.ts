import { asyncScheduler, throttleTime, type Subscription } from 'rxjs';
import { combineTasks, withTimeout, type TaskSource } from 'rx-task-status';

/**
 * Follows a batch of exports with a progress bar on the terminal. Each task's
 * provider may go 5 minutes without answering; a task whose does counts as
 * failed, the rest go on.
 */
export function showExportProgress(source: TaskSource, taskIds: readonly string[]): Subscription {
  const tasks = taskIds.map((id) => source.watch(id).pipe(withTimeout({ stalled: 5 * 60_000 })));
  return combineTasks(tasks)
    .pipe(throttleTime(100, asyncScheduler, { leading: true, trailing: true }))
    .subscribe(({ counts, total, progress, done }) => {
      const width = 30;
      const filled = Math.round(progress * width);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
      const line = `[${bar}] ${Math.round(progress * 100)}%  ${counts.completed}/${total} done, ${counts.failed} failed`;
      process.stdout.write(`\r${line}${done ? '\n' : ''}`);
    });
}
