import type { ProviderName } from '../server/routes.js';

/**
 * Postman's kinds of asynchronous task, each with its own endpoint: collection
 * updates, merges and duplications, generations (a spec from a collection, a
 * collection from a spec) and API Builder tasks.
 */
export type PostmanTaskKind = 'collection-update' | 'collection-merge' | 'collection-duplicate' | 'generation' | 'api';

/** What a fake task is: one kind per provider, three for Postman. */
export type FakeTaskKind = 'stream' | 'mobizon' | PostmanTaskKind;

/** Stream's statuses as seen on the wire (the API has no enum: any other string is accepted too). */
export type StreamTaskStatus = 'waiting' | 'pending' | 'running' | 'completed' | 'failed';

/** Mobizon's numeric statuses: 0 waiting to start, 1 in progress, 2 completed, 3 rejected. */
export type MobizonTaskStatus = 0 | 1 | 2 | 3;

/** Postman's collection-update and collection-merge task statuses. */
export type PostmanCollectionTaskStatus = 'in-progress' | 'successful' | 'failed';

/** Postman's API Builder task statuses. */
export type PostmanApiTaskStatus = 'pending' | 'completed' | 'failed';

/** Postman's collection duplication task statuses (the OpenAPI's examples). */
export type PostmanDuplicateTaskStatus = 'processing' | 'completed' | 'failed';

/** Postman's generation task statuses (the OpenAPI's enum). */
export type PostmanGenerationTaskStatus = 'pending' | 'completed' | 'failed';

/** How a task ended. */
export type TaskOutcome = 'completed' | 'failed';

/** How one kind of task spells each phase on the wire. */
export interface KindVocabulary {
  readonly provider: ProviderName;
  /** Before the work starts. */
  readonly queued: string | number;
  readonly running: string | number;
  readonly completed: string | number;
  readonly failed: string | number;
  /** A status the provider has never documented: the default of the `unknown-status` fault. */
  readonly unknown: string | number;
}

export const VOCABULARY: Readonly<Record<FakeTaskKind, KindVocabulary>> = {
  stream: { provider: 'stream', queued: 'pending', running: 'running', completed: 'completed', failed: 'failed', unknown: 'suspended' },
  mobizon: { provider: 'mobizon', queued: 0, running: 1, completed: 2, failed: 3, unknown: 7 },
  'collection-update': { provider: 'postman', queued: 'in-progress', running: 'in-progress', completed: 'successful', failed: 'failed', unknown: 'queued' },
  'collection-merge': { provider: 'postman', queued: 'in-progress', running: 'in-progress', completed: 'successful', failed: 'failed', unknown: 'queued' },
  'collection-duplicate': { provider: 'postman', queued: 'processing', running: 'processing', completed: 'completed', failed: 'failed', unknown: 'queued' },
  generation: { provider: 'postman', queued: 'pending', running: 'pending', completed: 'completed', failed: 'failed', unknown: 'processing' },
  api: { provider: 'postman', queued: 'pending', running: 'pending', completed: 'completed', failed: 'failed', unknown: 'processing' },
};

/** `completed` or `failed` when `status` is one of the kind's terminal statuses; otherwise the task is still going. */
export function outcomeOf(kind: FakeTaskKind, status: string | number): TaskOutcome | undefined {
  const vocabulary = VOCABULARY[kind];
  if (status === vocabulary.completed) return 'completed';
  if (status === vocabulary.failed) return 'failed';
  return undefined;
}
