// Whether the page gets answers, per provider, seen from the requests
// themselves. The library retries a failed poll on its own (five times, over
// 15 to 30 s, before a TransportError ends the watch), and a task that cannot be
// reached shows no new state meanwhile. So each source gets a `fetch` of the
// page's (a public option) that notes how each of its requests ended, and the
// page can say "retrying" while it is.
import type { FetchLike } from 'rx-task-status';
import type { ExampleProvider } from './pageConfig.js';

/** A provider whose latest requests failed: the library is retrying them. */
export interface Trouble {
  /** Requests that failed in a row. */
  readonly failures: number;
  /** How the latest one failed: `no answer (Failed to fetch)`, `it answered HTTP 503`. */
  readonly last: string;
}

export class ServerHealth {
  readonly #trouble = new Map<ExampleProvider, Trouble>();
  readonly #onChange: () => void;
  #closed = false;

  /** `onChange` is called after each change of any provider's trouble. */
  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  /** The trouble of `provider`, or `undefined` while its latest request got an answer. */
  trouble(provider: ExampleProvider): Trouble | undefined {
    return this.#trouble.get(provider);
  }

  /** The `fetch` for `provider`'s source: the page's own, watched. */
  fetchFor(provider: ExampleProvider): FetchLike {
    return async (url, init) => {
      let response: Response;
      try {
        // The global fetch, looked up per call and called unbound, as the library calls its default.
        response = await fetch(url, init);
      } catch (error) {
        // While the page follows its tasks, the library aborts only a request that took too long.
        this.#failed(provider, init.signal.aborted ? 'no answer in time' : `no answer (${error instanceof Error ? error.message : String(error)})`);
        throw error;
      }
      // A 429 is not trouble: the library waits as told. A 5xx it retries.
      if (response.status >= 500) this.#failed(provider, `it answered HTTP ${response.status}`);
      else this.#answered(provider);
      return response;
    };
  }

  /** Stops noting: the requests aborted when the page stops following are not news. */
  close(): void {
    this.#closed = true;
  }

  #failed(provider: ExampleProvider, last: string): void {
    if (this.#closed) return;
    this.#trouble.set(provider, { failures: (this.#trouble.get(provider)?.failures ?? 0) + 1, last });
    this.#onChange();
  }

  #answered(provider: ExampleProvider): void {
    if (this.#closed || !this.#trouble.delete(provider)) return;
    this.#onChange();
  }
}
