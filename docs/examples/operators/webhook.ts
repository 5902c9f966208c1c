import { filter, Subject, type Observable } from 'rxjs';
import { untilTerminal, withTimeout, type TaskState, type TaskStatus } from 'rx-task-status';

/** What our imaginary provider POSTs to the webhook. */
export interface JobEvent {
  readonly jobId: string;
  readonly state: 'queued' | 'working' | 'done' | 'error';
  readonly percent?: number;
}

const STATUS: Record<JobEvent['state'], TaskStatus> = { queued: 'pending', working: 'running', done: 'completed', error: 'failed' };

/** Webhook calls in, one Observable of task states per task out: the operators need nothing more. */
export function webhookTasks(): { receive(event: JobEvent): void; watch(id: string): Observable<TaskState> } {
  const events = new Subject<TaskState>();
  return {
    receive: (event) =>
      events.next({
        provider: 'jobs',
        id: event.jobId,
        status: STATUS[event.state],
        providerStatus: event.state,
        ...(event.percent === undefined ? {} : { progress: event.percent / 100 }),
        raw: event,
      }),
    // The Subject never completes: untilTerminal ends each task's stream, and
    // withTimeout gives up on a task whose webhook calls stop coming.
    watch: (id) =>
      events.pipe(
        filter((state) => state.id === id),
        untilTerminal(),
        withTimeout({ idle: 10 * 60_000 }),
      ),
  };
}
