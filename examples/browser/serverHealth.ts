// Whether the page gets answers from its server (the task hub), seen from the
// requests themselves. `hubTasks` reconnects on its own (8 retries over about
// a minute, before a TransportError ends every task), and a task whose
// connection is down shows no new state meanwhile. So every source gets a
// `fetch` of the page's (a public option) that notes how each of its requests
// ended, and the page can say "retrying" while it is.
//
// It sees only the page's side: the hub retries a failing provider on its own,
// and the page hears of that only if the hub gives up (the task's error).
import type { HubFetch } from 'rx-task-status';

/** The hub's latest requests failed: the sources are retrying them. */
export interface Trouble {
  /** Requests that failed in a row. */
  readonly failures: number;
  /** How the latest one failed: `no answer (Failed to fetch)`, `it answered HTTP 503`. */
  readonly last: string;
}

export class ServerHealth {
  #trouble: Trouble | undefined;
  readonly #onChange: () => void;
  #closed = false;

  /** `onChange` is called after each change of the trouble. */
  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  /** The trouble, or `undefined` while the latest request got an answer. */
  get trouble(): Trouble | undefined {
    return this.#trouble;
  }

  /** The `fetch` of every source: the page's own, watched. */
  readonly fetch: HubFetch = async (url, init) => {
    let response: Response;
    try {
      // The global fetch, looked up per call and called unbound, as the library calls its default.
      response = await fetch(url, init);
    } catch (error) {
      // While the page follows its tasks, a source aborts only a request that took too long.
      this.#failed(init.signal.aborted ? 'no answer in time' : `no answer (${error instanceof Error ? error.message : String(error)})`);
      throw error;
    }
    // A 429 or a 5xx the source retries; any other answer is the hub's (a refusal ends the tasks it concerns, on their rows).
    if (response.status >= 500 || response.status === 429) this.#failed(`it answered HTTP ${response.status}`);
    else this.#answered();
    return response;
  };

  /** Stops noting: the requests aborted when the page stops following are not news. */
  close(): void {
    this.#closed = true;
  }

  #failed(last: string): void {
    if (this.#closed) return;
    this.#trouble = { failures: (this.#trouble?.failures ?? 0) + 1, last };
    this.#onChange();
  }

  #answered(): void {
    if (this.#closed || this.#trouble === undefined) return;
    this.#trouble = undefined;
    this.#onChange();
  }
}
