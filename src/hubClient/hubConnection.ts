import type { SchedulerLike, Subscription } from 'rxjs';
import { messageOf } from '../core/errors/errorLike.js';
import { AuthenticationError, DecodeError, ProviderError, TaskError, TransportError } from '../core/errors/index.js';
import { fingerprint, HUB_EVENTS, taskKey, type ChangeBody, type HelloData, type OpenBody, type TaskName } from '../core/hubProtocol.js';
import { errorFromJson, errorToJson } from '../core/stateWire.js';
import { cancelBody, isAsyncIterable, isWebStream } from '../core/readBody.js';
import { failureReason } from '../core/errors/failureReason.js';
import { retryDelay, type RetryPolicy } from '../core/retry.js';
import type { SourceEvents, TaskSourceEvent } from '../core/sourceEvents.js';
import { SseParser, type SseEvent } from '../core/sse.js';
import { isPlainObject } from '../core/validate.js';

/** The `fetch` a hub client needs: the global one (browsers, Node 18+) fits, and so does any that streams its body. */
export type HubFetch = (
  url: string,
  init: {
    method: 'POST';
    headers: Record<string, string>;
    body: string;
    signal: AbortSignal;
    /** `'include'` with `withCredentials` (cookies go to a hub on another origin), else `'same-origin'`. */
    credentials: 'include' | 'same-origin';
  },
) => Promise<{
  /** The HTTP status. */
  readonly status: number;
  /** The response headers. */
  readonly headers: {
    /** One header's value, the name matched case-insensitively; `null` when absent. */
    get(name: string): string | null;
  };
  /** The body as a WHATWG `ReadableStream` or a Node async iterable: it is read as it arrives. */
  readonly body?: unknown;
}>;

/** What the connection tells one task. */
export interface HubListener {
  /** A new state, as the hub sent it (JSON text); returns whether the task ended with it (a terminal state). */
  state(text: string): boolean;
  /** The hub ended the task with an error (JSON text, as `errorToJson` writes it). */
  ended(errorText: string): void;
  /** The connection failed for good (retries spent, access refused, not a hub): the task ends with this error. */
  failed(error: TaskError): void;
  /** The connection is alive (the hub sent something, a keep-alive at least): the hub's own loop bounds the provider. */
  alive(): void;
  /** An attempt to reach the hub failed; another follows after a backoff. */
  failing(error: TaskError): void;
}

export interface HubConnectionSettings {
  /** The hub's URL, without a trailing slash. */
  readonly url: string;
  /** The hub's URL as messages show it: no query, no credentials. */
  readonly shownUrl: string;
  /** The name of the source that made the connection: what its own errors name (each task gets them under its own provider's name). */
  readonly provider: string;
  readonly fetch: HubFetch;
  readonly headers: () => Record<string, string> | PromiseLike<Record<string, string>>;
  readonly credentials: 'include' | 'same-origin';
  readonly retry: RetryPolicy;
  /** How long opening a stream or changing it may take, ms. */
  readonly requestTimeout: number;
  readonly scheduler: SchedulerLike;
  readonly random: () => number;
}

/** A stream the hub closed on purpose or that broke: reconnect (counts as a failed attempt). */
class StreamBroken extends Error {}

/** A silence longer than this many keep-alive periods is a dead connection (a proxy that swallowed it, a laptop that slept). */
const SILENCE_FACTOR = 3;
/** Tasks are told the connection is alive at most this often, ms: a page with many tasks and a busy stream does not loop over them per chunk. */
const ALIVE_EVERY_MS = 250;

/**
 * One connection to a hub for every task a `hubTasks` source watches: the
 * watches made in one tick open it together, later ones are added to the
 * open stream (`POST {hub}/streams/{id}`), and the last one leaving closes
 * it. A connection that drops (a network blip, a hub restarting, a silence
 * past three keep-alives) is opened again with backoff and `Last-Event-ID`,
 * and each task's `have` (the fingerprint of the last state received), so
 * that no state is missed and none is sent twice. After `retry.retries`
 * failed attempts in a row, every task ends with a `TransportError`.
 */
export class HubConnection {
  /** Every task watched, by `taskKey`: the connection carries the tasks of every source that shares it. */
  /** `latest`: the last state received, as its text; fingerprinted only when the hub is to be told (`have`), not on every event. */
  readonly #tasks = new Map<string, { readonly name: TaskName; readonly listener: HubListener; latest?: string }>();
  /** The sources that have tasks here, and whether each wants the connection paused. */
  readonly #holders = new Map<object, boolean>();
  /** What the hub's stream watches, as far as this side has asked. */
  #requested = new Set<string>();
  /** The stream being read, when there is one; aborting it ends the attempt. */
  #current: AbortController | undefined;
  #streamId: string | undefined;
  #lastEventId: string | undefined;
  #keepAliveMs = 0;
  #lastHeardAt = 0;
  #open = false;
  #paused = false;
  /** Failed attempts in a row, and the last one's error. */
  #failures = 0;
  #lastFailure: unknown;
  #reconnect: Subscription | undefined;
  #liveness: Subscription | undefined;
  #syncQueued = false;
  #openQueued = false;
  #aliveToldAt = -Infinity;

  readonly #settings: HubConnectionSettings;

  constructor(settings: HubConnectionSettings) {
    this.#settings = settings;
  }

  /** The sources this connection serves, by provider, each with where it tells its events: one source per provider, since tasks are told apart by provider and ref. */
  readonly #providers = new Map<string, SourceEvents>();

  /** Takes on the source of `provider`; `false` when one is served already. */
  claim(provider: string, events: SourceEvents): boolean {
    if (this.#providers.has(provider)) return false;
    this.#providers.set(provider, events);
    return true;
  }

  /** Tells every source served an event of the connection's (built only for those with a listener). */
  #tell(make: (provider: string) => TaskSourceEvent): void {
    for (const events of this.#providers.values()) if (events.observed) events.emit(make(events.provider));
  }

  /** Whether this connection goes to the hub at `url` (its URL as `hubTasks` resolved it). */
  serves(url: string): boolean {
    return url.replace(/\/+$/, '') === this.#settings.url;
  }

  /** Watches a task on the hub (at once when the stream is open, else with the next opening). */
  add(name: TaskName, listener: HubListener): void {
    this.#tasks.set(taskKey(name), { name, listener });
    this.#changed();
  }

  /** Lets go of a task; the last one closes the connection. */
  remove(name: TaskName): void {
    if (!this.#tasks.delete(taskKey(name))) return;
    this.#changed();
  }

  /**
   * Whether a source with tasks here wants the connection paused (its page is
   * hidden); `undefined` once it has none. The connection is paused while
   * every such source wants it: one that does not keep it open for all.
   */
  hold(holder: object, paused: boolean | undefined): void {
    if (paused === undefined) this.#holders.delete(holder);
    else this.#holders.set(holder, paused);
    this.#pause(this.#holders.size > 0 && [...this.#holders.values()].every(Boolean));
  }

  /** While paused (a hidden page) nothing is connected; the tasks are kept, and taken up again on resuming. */
  #pause(paused: boolean): void {
    if (paused === this.#paused) return;
    this.#paused = paused;
    const at = this.#settings.scheduler.now();
    this.#tell((provider) => ({ type: paused ? 'paused' : 'resumed', provider, at }));
    if (paused) {
      this.#teardown();
      this.#failures = 0;
    } else {
      this.#changed();
    }
  }

  #changed(): void {
    // Nothing left to watch while paused or between attempts: the hub is told (when the stream is known), so that it stops polling now.
    if (this.#tasks.size === 0 && !this.#open) {
      this.#forget();
      return;
    }
    if (this.#paused) return;
    if (this.#open) this.#queueSync();
    else if (this.#current === undefined && this.#reconnect === undefined) this.#queueOpen();
  }

  /** Lets go of the stream: the hub is told to unwatch what it still watches for it, and nothing is held. */
  #forget(): void {
    const streamId = this.#streamId;
    const unwatch = [...this.#requested].map(named);
    this.#teardown();
    this.#streamId = undefined;
    this.#lastEventId = undefined;
    this.#requested = new Set();
    this.#failures = 0;
    if (streamId !== undefined && unwatch.length > 0) void this.#post(`/streams/${streamId}`, { unwatch }).catch(() => undefined);
  }

  /** Watches made in the same tick go in one request. */
  #queueOpen(): void {
    if (this.#openQueued) return;
    this.#openQueued = true;
    queueMicrotask(() => {
      this.#openQueued = false;
      if (!this.#paused && !this.#open && this.#current === undefined && this.#reconnect === undefined && this.#tasks.size > 0) void this.#connect();
    });
  }

  #queueSync(): void {
    if (this.#syncQueued) return;
    this.#syncQueued = true;
    queueMicrotask(() => {
      this.#syncQueued = false;
      this.#sync();
    });
  }

  /** Tells an open stream what it should watch now; with nothing left to watch, closes the connection. */
  #sync(): void {
    const current = this.#current;
    if (!this.#open || this.#streamId === undefined || current === undefined) return;
    const watch = [...this.#tasks.keys()].filter((key) => !this.#requested.has(key));
    const unwatch = [...this.#requested].filter((key) => !this.#tasks.has(key));
    const streamId = this.#streamId;
    if (this.#tasks.size === 0) {
      // The hub is told, so that it stops polling now rather than when its resume window passes.
      this.#forget();
      return;
    }
    if (watch.length === 0 && unwatch.length === 0) return;
    for (const key of watch) this.#requested.add(key);
    for (const key of unwatch) this.#requested.delete(key);
    const body: ChangeBody = { watch: watch.map((key) => this.#watched(key)), unwatch: unwatch.map(named) };
    this.#post(`/streams/${streamId}`, body).then(
      (status) => {
        if (status === 204 || this.#current !== current) return;
        // The hub no longer has the stream (it restarted, or the resume window passed): a new one, with everything.
        if (status === 404) this.#streamId = undefined;
        this.#broken(new StreamBroken(`${this.#settings.shownUrl} answered ${status} to a change of its stream`), current);
      },
      (error: unknown) => {
        if (this.#current === current) this.#broken(error, current);
      },
    );
  }

  /** A change of the open stream; resolves with the hub's status. */
  async #post(path: string, body: ChangeBody): Promise<number> {
    const response = await this.#send(path, body, new AbortController(), {});
    cancelBody(response.body);
    return response.status;
  }

  /** One attempt: opens a stream for every task, then reads it until it ends or is aborted. */
  async #connect(): Promise<void> {
    const controller = new AbortController();
    this.#current = controller;
    this.#requested = new Set(this.#tasks.keys());
    const body: OpenBody = { watch: [...this.#requested].map((key) => this.#watched(key)) };
    // A stream that has sent no event yet (only its hello) is taken up from its start: not left behind, watching the same tasks.
    const resumeFrom = this.#streamId === undefined ? undefined : (this.#lastEventId ?? `${this.#streamId}.0`);
    let response: Awaited<ReturnType<HubFetch>>;
    const { scheduler } = this.#settings;
    const startedAt = scheduler.now();
    this.#tell((provider) => ({ type: 'request', provider, attempt: this.#failures + 1, at: startedAt }));
    try {
      response = await this.#request(body, resumeFrom, controller);
    } catch (error) {
      if (this.#current === controller) this.#broken(error, controller);
      return;
    }
    if (this.#current !== controller) {
      cancelBody(response.body);
      return;
    }
    const answeredAt = scheduler.now();
    this.#tell((provider) => ({ type: 'answer', provider, status: response.status, ms: answeredAt - startedAt, at: answeredAt }));
    const refusal = this.#refusal(response.status, response.headers.get('content-type'));
    if (refusal !== undefined) {
      cancelBody(response.body);
      if (refusal instanceof TaskError) this.#fail(refusal);
      else this.#broken(refusal, controller);
      return;
    }
    try {
      await this.#read(response.body, controller);
      throw new StreamBroken(`${this.#settings.shownUrl} ended its stream`);
    } catch (error) {
      if (this.#current === controller) this.#broken(error, controller);
    }
  }

  /** The opening request. */
  #request(body: OpenBody, lastEventId: string | undefined, controller: AbortController): ReturnType<HubFetch> {
    return this.#send('/streams', body, controller, { accept: 'text/event-stream', ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) });
  }

  /** A POST of JSON to the hub, bounded by `requestTimeout` until its headers arrive (then a `TransportError`, reason `timeout`). */
  async #send(path: string, body: OpenBody | ChangeBody, controller: AbortController, headers: Record<string, string>): ReturnType<HubFetch> {
    const timer = this.#settings.scheduler.schedule(() => controller.abort(new StreamBroken('timeout')), this.#settings.requestTimeout);
    try {
      return await this.#settings.fetch(`${this.#settings.url}${path}`, {
        method: 'POST',
        headers: { ...(await this.#settings.headers()), 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: controller.signal,
        credentials: this.#settings.credentials,
      });
    } catch (error) {
      if (controller.signal.aborted && controller.signal.reason instanceof StreamBroken) {
        throw new TransportError(`${this.#settings.shownUrl} did not answer within ${this.#settings.requestTimeout} ms`, { reason: 'timeout', provider: this.#settings.provider });
      }
      throw error;
    } finally {
      timer.unsubscribe();
    }
  }

  /** What an opening answer that is not a stream means: a final error, a failure worth retrying, or (`undefined`) none. */
  #refusal(status: number, contentType: string | null): TaskError | StreamBroken | undefined {
    const { shownUrl: url, provider } = this.#settings;
    if (status === 401 || status === 403) return new AuthenticationError(`${url} refused this page (${status}): sign in again, or check the headers and credentials given to hubTasks`, { provider, details: { status } });
    if (status === 429 || status === 408 || status >= 500) return new StreamBroken(`${url} answered ${status}`);
    if (status !== 200) return new ProviderError(`${url} is not a task hub, or not this version of one: it answered ${status}`, { provider, details: { status } });
    if (contentType === null || !contentType.toLowerCase().startsWith('text/event-stream')) {
      return new DecodeError(`${url} answered with ${contentType ?? 'no content type'}, not an event stream: is it a task hub?`, { provider, paths: [] });
    }
    return undefined;
  }

  /** Reads the stream's events until it ends; a silence of three keep-alives aborts it. */
  async #read(body: unknown, controller: AbortController): Promise<void> {
    const parser = new SseParser((event) => this.#event(event, controller));
    const decoder = new TextDecoder();
    const feed = (bytes: Uint8Array | string) => {
      this.#heard();
      parser.feed(typeof bytes === 'string' ? bytes : decoder.decode(bytes, { stream: true }));
    };
    if (isWebStream(body)) {
      const reader = body.getReader();
      const cancel = () => void reader.cancel().catch(() => undefined);
      controller.signal.addEventListener('abort', cancel);
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done || this.#current !== controller) return;
          feed(value);
        }
      } finally {
        controller.signal.removeEventListener('abort', cancel);
        cancel();
      }
    }
    if (isAsyncIterable(body)) {
      const destroy = () => body.destroy?.();
      controller.signal.addEventListener('abort', destroy);
      try {
        for await (const chunk of body) {
          if (this.#current !== controller) return;
          feed(chunk as Uint8Array | string);
        }
      } finally {
        controller.signal.removeEventListener('abort', destroy);
        destroy();
      }
      return;
    }
    throw new DecodeError(`${this.#settings.shownUrl} answered, but this fetch gives no body to read as it arrives`, { provider: this.#settings.provider, paths: [] });
  }

  #event({ event, data, id }: SseEvent, controller: AbortController): void {
    if (this.#current !== controller) return;
    const message = readJson(data);
    switch (event) {
      case HUB_EVENTS.hello:
        this.#hello(message as Partial<HelloData> | undefined, controller);
        return;
      case HUB_EVENTS.state:
      case HUB_EVENTS.end: {
        if (id !== undefined) this.#lastEventId = id;
        const provider = typeof message?.['provider'] === 'string' ? message['provider'] : undefined;
        const ref = typeof message?.['ref'] === 'string' ? message['ref'] : undefined;
        const text = message?.[event === HUB_EVENTS.state ? 'state' : 'error'];
        const key = provider === undefined || ref === undefined ? undefined : taskKey({ provider, ref });
        const task = key === undefined ? undefined : this.#tasks.get(key);
        if (task === undefined || key === undefined || typeof text !== 'string') return;
        if (event === HUB_EVENTS.end) {
          // The hub has let go of it already.
          this.#requested.delete(key);
          task.listener.ended(text);
          return;
        }
        task.latest = text;
        if (task.listener.state(text)) this.#requested.delete(key);
        return;
      }
      case HUB_EVENTS.dropped:
        // The hub is closing this connection (it is shutting down, or this page read too slowly): another, after a pause.
        throw new StreamBroken(`${this.#settings.shownUrl} dropped the stream (${String(message?.['reason'])})`);
      default:
    }
  }

  #hello(hello: Partial<HelloData> | undefined, controller: AbortController): void {
    if (typeof hello?.stream !== 'string' || typeof hello.keepAliveMs !== 'number' || !(hello.keepAliveMs > 0)) {
      throw new DecodeError(`${this.#settings.shownUrl} sent a stream without a proper hello: is it a task hub?`, { provider: this.#settings.provider, paths: ['hello'] });
    }
    if (hello.stream !== this.#streamId) this.#lastEventId = undefined;
    this.#streamId = hello.stream;
    this.#keepAliveMs = hello.keepAliveMs;
    this.#open = true;
    this.#failures = 0;
    this.#lastFailure = undefined;
    this.#heard();
    this.#watchSilence(controller);
    // Watches and unwatches made while it opened.
    this.#queueSync();
  }

  /** The hub sent something: the connection is alive, and its tasks hear so (at most once a second). */
  #heard(): void {
    const now = this.#settings.scheduler.now();
    this.#lastHeardAt = now;
    if (now - this.#aliveToldAt < ALIVE_EVERY_MS) return;
    this.#aliveToldAt = now;
    for (const task of [...this.#tasks.values()]) task.listener.alive();
  }

  #watchSilence(controller: AbortController): void {
    this.#liveness?.unsubscribe();
    const { scheduler } = this.#settings;
    const limit = SILENCE_FACTOR * this.#keepAliveMs;
    const connection = this;
    this.#liveness = scheduler.schedule(function check(this: { schedule(state?: undefined, delay?: number): unknown }) {
      if (connection.#current !== controller) return;
      const silent = scheduler.now() - connection.#lastHeardAt;
      if (silent >= limit) connection.#broken(new StreamBroken(`${connection.#settings.shownUrl} sent nothing for ${Math.round(silent)} ms`), controller);
      else this.schedule(undefined, limit - silent);
    }, limit);
  }

  /** The attempt failed: another after a backoff, or, with the retries spent, every task ends. */
  #broken(error: unknown, controller: AbortController): void {
    if (this.#current !== controller) return;
    this.#teardown();
    if (this.#tasks.size === 0 || this.#paused) return;
    this.#failures++;
    this.#lastFailure = error;
    if (error instanceof TaskError && !(error instanceof TransportError)) {
      this.#fail(error);
      return;
    }
    if (this.#failures > this.#settings.retry.retries) {
      this.#fail(this.#spent());
      return;
    }
    const delay = retryDelay(this.#failures, this.#settings.retry, this.#settings.random);
    const cause = this.#asTransportError(error);
    const at = this.#settings.scheduler.now();
    for (const task of [...this.#tasks.values()]) task.listener.failing(forProvider(cause, task.name.provider));
    const failures = this.#failures;
    const { retries } = this.#settings.retry;
    this.#tell((provider) => ({ type: 'retry', provider, attempt: failures, retries, delayMs: delay, cause: forProvider(cause, provider), reason: failureReason(cause), at }));
    this.#reconnect = this.#settings.scheduler.schedule(() => {
      this.#reconnect = undefined;
      if (!this.#paused && this.#tasks.size > 0) void this.#connect();
    }, delay);
  }

  #spent(): TransportError {
    const last = this.#lastFailure;
    if (last instanceof TransportError) return last;
    const attempt = this.#asTransportError(last);
    return new TransportError(`Lost the task hub after ${this.#failures} attempts; last: ${attempt.message}`, {
      reason: 'network',
      provider: this.#settings.provider,
      ...(attempt.cause === undefined ? {} : { cause: attempt.cause }),
    });
  }

  /** A failed attempt as the tasks and the events tell it: a `TransportError` whose cause (a refused connection, say) is kept. */
  #asTransportError(error: unknown): TransportError {
    if (error instanceof TransportError) return error;
    const { shownUrl: url, provider } = this.#settings;
    if (error instanceof StreamBroken) return new TransportError(error.message, { reason: 'network', provider });
    return new TransportError(`${url} could not be reached: ${messageOf(error)}`, { reason: 'network', provider, cause: error });
  }

  /** Every task ends with this error (each one's `end` removes it). */
  #fail(error: TaskError): void {
    this.#teardown();
    this.#streamId = undefined;
    this.#lastEventId = undefined;
    this.#failures = 0;
    for (const task of [...this.#tasks.values()]) task.listener.failed(forProvider(error, task.name.provider));
    this.#tasks.clear();
  }

  /** Closes the connection and cancels what is scheduled; what the tasks are and where the stream was are kept. */
  #teardown(): void {
    const current = this.#current;
    this.#current = undefined;
    this.#open = false;
    current?.abort();
    this.#liveness?.unsubscribe();
    this.#liveness = undefined;
    this.#reconnect?.unsubscribe();
    this.#reconnect = undefined;
  }

  #watched(key: string): TaskName & { have?: string } {
    const task = this.#tasks.get(key);
    if (task === undefined) return named(key);
    return task.latest === undefined ? task.name : { ...task.name, have: fingerprint(task.latest) };
  }
}

/** A task's name from its key (`taskKey`: the provider's name holds no space). */
function named(key: string): TaskName {
  const space = key.indexOf(' ');
  return { provider: key.slice(0, space), ref: key.slice(space + 1) };
}

/** The connection's error as the task of this provider gets it: the same class and fields, under its own provider's name. */
function forProvider(error: TaskError, provider: string): TaskError {
  if (error.provider === provider) return error;
  const record = JSON.parse(errorToJson(error)) as Record<string, unknown>;
  const rehomed = errorFromJson(JSON.stringify({ ...record, provider }));
  // What the attempt failed on (a refused connection) is kept: the reason a status line gives is read from it.
  if (error.cause !== undefined) Object.defineProperty(rehomed, 'cause', { value: error.cause, configurable: true, writable: true });
  return rehomed;
}

function readJson(data: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
