import type { PostmanTaskRef } from '../index.js';
import { UsageError } from './exitCodes.js';

/**
 * Postman task ids on the command line, one argument each:
 * - `ID` or `update:ID`: a collection update task (`/collection-updates-tasks/ID`)
 * - `merge:ID`: a collection merge task (`/collection-merges-tasks/ID`)
 * - `API_ID/ID`: an API Builder task (`/apis/API_ID/tasks/ID`)
 *
 * Postman ids are UUIDs, so neither `:` nor `/` is ever part of one.
 */
export function parsePostmanRef(text: string): PostmanTaskRef {
  const api = /^([^/:]+)\/([^/:]+)$/.exec(text);
  if (api !== null) return { apiId: api[1] as string, id: api[2] as string };
  const collection = /^(?:(update|merge):)?([^/:]+)$/.exec(text);
  if (collection === null) {
    throw new UsageError(`"${text}" is not a Postman task id: expected ID or update:ID (collection update), merge:ID (collection merge), or API_ID/ID (API task).`);
  }
  const id = collection[2] as string;
  return collection[1] === 'merge' ? { id, kind: 'collection-merge' } : id;
}

/** The command-line spelling of a Postman task: the inverse of {@link parsePostmanRef}. */
export function formatPostmanRef(ref: PostmanTaskRef): string {
  if (typeof ref === 'string') return ref;
  if ('apiId' in ref) return `${ref.apiId}/${ref.id}`;
  return ref.kind === 'collection-merge' ? `merge:${ref.id}` : ref.id;
}
