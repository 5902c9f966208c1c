import type {
  MobizonTaskStatus,
  PostmanApiTaskStatus,
  PostmanCollectionTaskStatus,
  PostmanDuplicateTaskStatus,
  PostmanGenerationTaskStatus,
  StreamTaskStatus,
  TaskOutcome,
} from './taskKinds.js';

/** Why a scripted task failed: Stream shows it as `error {type, description}`, Postman as `details.error.message`. */
export interface TaskStepError {
  readonly message: string;
  /** Stream's `error.type`. Default `'task_error'`. */
  readonly type?: string | undefined;
}

/**
 * One moment of a task's life: from `at` ms after its creation (server clock)
 * until the next step, the server reports this.
 */
export interface TaskStep<TStatus = string | number> {
  readonly at: number;
  /** The status exactly as the provider spells it on the wire. */
  readonly status: TStatus;
  /** Mobizon's `progress`, 0..100 (the other providers report none). Default 0, or 100 once completed. */
  readonly progress?: number | undefined;
  /** Stream's `result`; Postman API tasks' `details.resources`. */
  readonly result?: unknown;
  /** Shown on a failed status. */
  readonly error?: TaskStepError | undefined;
}

/**
 * How a task lives: either `steps`, or the shorthand `duration` (+ `outcome`),
 * which the server expands into steps: queued for the first tenth of the
 * duration, running (Mobizon's progress climbing by tens) until `duration`,
 * then completed or failed (a failed Mobizon task stops at 60 %).
 */
interface TaskSpecBase<TStatus> {
  /** Default: a random UUID (Stream, Postman) or the next number from 100001 (Mobizon). */
  readonly id?: string | undefined;
  /** The script: what the server reports from each step's `at` on, the first at 0. Give `steps` or `duration`. */
  readonly steps?: readonly TaskStep<TStatus>[] | undefined;
  /** Milliseconds from creation to the terminal status. */
  readonly duration?: number | undefined;
  /** With `duration`. Default `'completed'`. */
  readonly outcome?: TaskOutcome | undefined;
  /** With `duration`: the result of a completed task. */
  readonly result?: unknown;
  /** With `duration`: why a failed task failed. */
  readonly error?: TaskStepError | undefined;
}

// `(string & {})` keeps the documented statuses as suggestions while letting a script use any other.
export interface StreamTaskSpec extends TaskSpecBase<StreamTaskStatus | (string & {})> {
  readonly provider: 'stream';
}

export interface MobizonTaskSpec extends TaskSpecBase<MobizonTaskStatus | number> {
  readonly provider: 'mobizon';
}

export interface PostmanCollectionTaskSpec extends TaskSpecBase<PostmanCollectionTaskStatus | (string & {})> {
  readonly provider: 'postman';
  /** Default `'collection-update'`. */
  readonly kind?: 'collection-update' | 'collection-merge' | undefined;
}

/** Postman API Builder task metadata (`meta` in its body). */
export interface PostmanTaskMeta {
  readonly url: string;
  readonly model: 'collection' | 'api-version' | (string & {});
  readonly action: 'update' | 'create' | (string & {});
}

export interface PostmanApiTaskSpec extends TaskSpecBase<PostmanApiTaskStatus | (string & {})> {
  readonly provider: 'postman';
  readonly kind: 'api';
  /** Default: a UUID derived from the task id. */
  readonly apiId?: string | undefined;
  /** Default `{ url: '/apis/{apiId}/versions', model: 'api-version', action: 'create' }`. */
  readonly meta?: PostmanTaskMeta | undefined;
}

/** A collection duplication task, served at `/collection-duplicate-tasks/{id}` (its body wraps the task in `task`). */
export interface PostmanDuplicateTaskSpec extends TaskSpecBase<PostmanDuplicateTaskStatus | (string & {})> {
  /** Always `'postman'`. */
  readonly provider: 'postman';
  /** Always `'collection-duplicate'`. */
  readonly kind: 'collection-duplicate';
}

/** A generation task, served at `/{elementType}/{elementId}/tasks/{id}`: a spec generated from a collection, or a collection from a spec. */
export interface PostmanGenerationTaskSpec extends TaskSpecBase<PostmanGenerationTaskStatus | (string & {})> {
  /** Always `'postman'`. */
  readonly provider: 'postman';
  /** Always `'generation'`. */
  readonly kind: 'generation';
  /** Whose task: `'collections'` (a spec generated from a collection) or `'specs'` (a collection from a spec). Default `'collections'`. */
  readonly elementType?: 'collections' | 'specs' | undefined;
  /** The collection's UID or the spec's id. Default: one derived from the task id. */
  readonly elementId?: string | undefined;
}

export type PostmanTaskSpec = PostmanCollectionTaskSpec | PostmanDuplicateTaskSpec | PostmanGenerationTaskSpec | PostmanApiTaskSpec;

/** A task to create on the fake server. */
export type TaskSpec = StreamTaskSpec | MobizonTaskSpec | PostmanTaskSpec;
