// rx-task-status as a user would set it up for one provider of the fake server.
import type { SchedulerLike } from 'rxjs';
import type { SourceOptions } from '../../src/core/sourceOptions.js';
import type { TaskSource } from '../../src/core/defineProvider.js';
import { mobizonTasks } from '../../src/providers/mobizon.js';
import { postmanTasks } from '../../src/providers/postman.js';
import type { Endpoint } from './statusCheck.js';

/** A source for the endpoint's provider, watching tasks by id string. */
export function sourceFor(endpoint: Endpoint, options: SourceOptions & { scheduler?: SchedulerLike } = {}): TaskSource<string> {
  return endpoint.provider === 'mobizon'
    ? mobizonTasks({ apiKey: endpoint.apiKey, baseUrl: endpoint.url, ...options })
    : postmanTasks({ apiKey: endpoint.apiKey, baseUrl: endpoint.url, ...options });
}
