// rx-task-status as a user would set it up for one provider of the fake server.
import type { SchedulerLike } from 'rxjs';
import type { SourceOptions } from '../../src/core/sourceOptions.js';
import type { TaskSource } from '../../src/core/taskSource.js';
import { mobizonTasks } from '../../src/providers/mobizon.js';
import { postmanTasks } from '../../src/providers/postman.js';
import type { Endpoint } from './statusCheck.js';
import type { FakeProviderServer } from '../../src/testing/server/startFakeProviderServer.js';

/** A source for the endpoint's provider, watching tasks by id string. */
export function sourceFor(endpoint: Endpoint, options: SourceOptions & { scheduler?: SchedulerLike } = {}): TaskSource {
  return endpoint.provider === 'mobizon'
    ? mobizonTasks({ apiKey: endpoint.apiKey, baseUrl: endpoint.url, ...options })
    : postmanTasks({ apiKey: endpoint.apiKey, baseUrl: endpoint.url, ...options });
}

/**
 * `count` Postman collection tasks that run for a day (none ends within a
 * benchmark), on the fake server: their ids, and the endpoint that serves them.
 */
export function endlessPostmanTasks(server: FakeProviderServer, count: number): { ids: string[]; endpoint: Endpoint } {
  const ids = server.tasks
    .createMany(Array.from({ length: count }, () => ({ provider: 'postman' as const, kind: 'collection-update' as const, duration: 24 * 3_600_000 })))
    .map((task) => task.id);
  return { ids, endpoint: { provider: 'postman', url: server.url, apiKey: server.credentials.postman.apiKey } };
}

