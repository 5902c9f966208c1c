import { isPlainObject } from './validate.js';

/**
 * What a page and a task hub say to each other: shared by `createTaskHub`
 * (the server) and `hubTasks` (the client), so the two cannot drift.
 *
 * - `POST {hub}/streams`, body {@link OpenBody}, opens a stream: the answer
 *   is `text/event-stream`, a `hello` event first (naming the stream), then
 *   `state` and `end` events for every task watched on it. A request that
 *   carries `Last-Event-ID` (the id of the last event read on an earlier
 *   stream) takes that stream up again where it stopped, if the hub still
 *   has it; otherwise each task's `have` says what the page has already.
 * - `POST {hub}/streams/{stream}`, body {@link ChangeBody}, adds tasks to an
 *   open stream and drops others: one connection carries every task of a
 *   page, however many it watches and whenever it starts watching them.
 *   `204` when done, `404` when the hub no longer has the stream.
 */

/** A task, as a page names it: the provider's name and the ref in its text form (`source.formatRef`). */
export interface TaskName {
  readonly provider: string;
  readonly ref: string;
}

/** A task to watch, and the fingerprint of the latest state the page has of it (so that it is not sent again). */
export interface WatchRequest extends TaskName {
  readonly have?: string | undefined;
}

export interface OpenBody {
  readonly watch: readonly WatchRequest[];
}

export interface ChangeBody {
  readonly watch?: readonly WatchRequest[] | undefined;
  readonly unwatch?: readonly TaskName[] | undefined;
}

/** The event names of a hub's stream. */
export const HUB_EVENTS = {
  /** The first event: {@link HelloData}. */
  hello: 'hello',
  /** A task's new state: {@link StateData}; a terminal state is the task's last event. */
  state: 'state',
  /** A task's stream ended in an error (the provider's, or the hub's refusal): {@link EndData}. */
  end: 'end',
  /** The hub is closing this connection (it is closing, or the page reads too slowly): {@link DroppedData}. */
  dropped: 'dropped',
} as const;

export interface HelloData {
  /** The stream's id, for `POST {hub}/streams/{stream}`. */
  readonly stream: string;
  /** The hub writes at least this often (a comment when nothing else): a silence of a few times this is a dead connection. */
  readonly keepAliveMs: number;
}

export interface StateData extends TaskName {
  /** The state, as `stateToJson` writes it. */
  readonly state: string;
}

export interface EndData extends TaskName {
  /** The error, as `errorToJson` writes it: a `TaskError` with its `code`, never a secret. */
  readonly error: string;
}

export interface DroppedData {
  readonly reason: 'closing' | 'slow-reader';
}

/** The name of a task within a stream: one string for a Map key. */
export function taskKey(task: TaskName): string {
  return `${task.provider} ${task.ref}`;
}

/**
 * A short fingerprint of a state as it travels (the JSON text of a `state`
 * event): the page sends it back as `have`, and the hub does not send that
 * state again. It covers what tells two states apart (`isSameState`), not
 * `raw`: a provider's body may change on every answer while the state does
 * not (Stream's `duration`), and a restarted hub, whose first poll brings a
 * new body, would otherwise send every page the state it has. Two 32-bit
 * FNV-1a hashes, with different offsets: 64 bits, ample for telling one
 * task's successive states apart.
 */
export function fingerprint(text: string): string {
  return hash(withoutRaw(text));
}

/** The state of a state event's text (`stateToJson`'s), as JSON without its `raw`; any other text as it is. */
function withoutRaw(text: string): string {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return text;
  }
  const state = isPlainObject(record) ? record['state'] : undefined;
  if (!isPlainObject(state)) return text;
  const { raw: _raw, ...rest } = state;
  return JSON.stringify(rest);
}

function hash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x01000193);
  }
  return (a >>> 0).toString(36) + '.' + (b >>> 0).toString(36);
}
