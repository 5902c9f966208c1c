import type { Subscriber } from 'rxjs';
import type { TaskError } from './errors/index.js';
import { isSameState, type TaskState } from './taskState.js';
import { currentWitnesses, type WatchWitness } from './watchWitness.js';

/**
 * A task a source watches, as its subscribers see it: each change once, the
 * latest state on arrival, and one end for all. Whoever polls it: a poll loop
 * of the source's own, or another process (a coordinated task). A base class,
 * not a member object: one lives for every watched task, and what it holds is
 * what an idle task costs.
 */
export abstract class WatchedTask {
  readonly #subscribers: Subscriber<TaskState>[] = [];
  /** Who listens to each subscriber's polls (see {@link WatchWitness}); made only when someone does. */
  #witnesses: Map<Subscriber<TaskState>, readonly WatchWitness[]> | undefined;
  /** The latest state, handed to whoever subscribes next; forgotten when the task stops. */
  protected last: TaskState | undefined;

  /** The task's key in its source: two refs with one key are one task. */
  abstract readonly key: string;

  /** Starts following the task (once its first subscriber is attached, so that an answer at once reaches it). */
  abstract start(): void;

  /** Its last subscriber left, or it ended: it lets go of everything it holds. */
  protected abstract stop(): void;

  /** Adds a subscriber, who first gets the latest state if there is one; returns what removes it. */
  attach(subscriber: Subscriber<TaskState>): () => void {
    this.#subscribers.push(subscriber);
    const witnesses = currentWitnesses();
    if (witnesses.length > 0) (this.#witnesses ??= new Map()).set(subscriber, witnesses);
    if (this.last !== undefined) subscriber.next(this.last);
    return () => this.#detach(subscriber);
  }

  /** Hands a state to every subscriber, unless it is the same as the last. */
  protected emit(state: TaskState): void {
    if (this.last !== undefined && isSameState(this.last, state)) return;
    this.last = state;
    // A copy: a subscriber may leave (or another come) while the state is handed out.
    for (const subscriber of this.#subscribers.slice()) subscriber.next(state);
  }

  /** A poll was answered with a state (changed or not): every witness hears it. */
  protected answered(): void {
    if (this.#witnesses === undefined) return;
    for (const list of [...this.#witnesses.values()]) for (const witness of list) witness.answered();
  }

  /** A poll failed (it is retried, or the task ends with an error): every witness hears why. */
  protected failedAttempt(error: TaskError): void {
    if (this.#witnesses === undefined) return;
    for (const list of [...this.#witnesses.values()]) for (const witness of list) witness.failed(error);
  }

  /** The task ended (a terminal state, or a final error): it stops first (a new watch then starts afresh), then tells everyone. */
  protected end(tell: (subscriber: Subscriber<TaskState>) => void): void {
    const subscribers = this.#subscribers.splice(0);
    this.#witnesses = undefined;
    this.stop();
    for (const subscriber of subscribers) tell(subscriber);
  }

  #detach(subscriber: Subscriber<TaskState>): void {
    const index = this.#subscribers.indexOf(subscriber);
    if (index < 0) return;
    this.#subscribers.splice(index, 1);
    this.#witnesses?.delete(subscriber);
    if (this.#subscribers.length === 0) this.stop();
  }
}
