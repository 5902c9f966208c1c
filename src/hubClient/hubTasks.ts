import { asyncScheduler, Observable, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import { DecodeError, type TaskError } from '../core/errors/index.js';
import { normalizeRetry, type RetryOptions } from '../core/retry.js';
import { SourceEvents, type TaskSourceEvent } from '../core/sourceEvents.js';
import type { WatchOptions } from '../core/sourceOptions.js';
import { errorFromJson } from '../core/stateWire.js';
import type { TaskSource } from '../core/taskSource.js';
import { checkResumeFrom, isTerminal, type TaskState } from '../core/taskState.js';
import { checkDeadline, expectDelay, expectFunction, expectNonEmptyString, expectObservable, expectOptionalBoolean, expectOptions, expectScheduler, isPlainObject, show } from '../core/validate.js';
import { WatchedTask } from '../core/watchedTask.js';
import { withWatchExtras } from '../core/watchExtras.js';
import { HubConnection, type HubFetch, type HubListener } from './hubConnection.js';

/** Options of {@link hubTasks}. */
export interface HubTasksOptions {
  /**
   * The hub's URL, as mounted on your server: `'https://app.example.com/tasks'`,
   * or in a page a path of its own origin (`'/tasks'`).
   */
  readonly url: string;
  /** The name the hub gives the source of these tasks (a key of its `sources`). */
  readonly provider: string;
  /** Default: the global `fetch`. Any that streams its response body fits. */
  readonly fetch?: HubFetch | undefined;
  /**
   * Headers for every request to the hub, such as `Authorization`: an object,
   * or a function asked before each request (a token that is refreshed).
   * They go to the hub only; they never appear in an error.
   */
  readonly headers?: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>> | PromiseLike<Readonly<Record<string, string>>>) | undefined;
  /** Send cookies to a hub on another origin (it must list this page's origin in `allowOrigins`). Same-origin requests send them anyway. */
  readonly withCredentials?: boolean | undefined;
  /** While it emits `true` (`whenDocumentHidden()`), the connection is closed; it opens again, missing nothing, on `false`. */
  readonly pauseWhen?: Observable<boolean> | undefined;
  /** Reconnecting after a drop: attempts in a row before every task ends with a `TransportError`, and the backoff. Default 8 retries, 0.5 s doubling to 15 s (about a minute). */
  readonly retry?: RetryOptions | undefined;
  /** How long opening the stream (until its headers) or changing it may take, ms. Default 30000. */
  readonly requestTimeout?: number | undefined;
  /** The clock for backoff, time-outs and deadlines. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike | undefined;
  /**
   * Another `hubTasks` source of the same hub whose connection this one
   * shares: a page that follows tasks of several providers then holds one
   * connection, not one per provider (browsers allow six per origin, for
   * every tab together). The connection's options (`fetch`, `headers`,
   * `withCredentials`, `retry`, `requestTimeout`) are that source's; `url`
   * must be the same.
   */
  readonly shareWith?: TaskSource<string> | undefined;
}


const DEFAULT_RETRY = { retries: 8, minDelay: 500, factor: 2, maxDelay: 15_000 };
const MAX_REF_LENGTH = 1000;

/**
 * A `TaskSource` whose tasks are polled by a task hub (`createTaskHub` from
 * `rx-task-status/hub`) on your server, and pushed to this page over
 * Server-Sent Events: the page holds no provider key and runs no poll. Every
 * operator and adapter works on it unchanged. The watches made in one tick
 * share one connection, and so do later ones (a page watching 200 tasks
 * uses one); states arrive as the hub sees them (only changes), and a
 * dropped connection is taken up again without missing or repeating one.
 * Errors are the direct source's, typed as they were on the hub.
 *
 * Refs are text, as the hub's source spells them (`source.formatRef`):
 * Postman's `merge:ID`, for instance. `watch`'s `interval` and `policy` do
 * not apply (the hub polls); `resumeFrom` and `deadline` do.
 *
 * ```ts
 * import { hubTasks, untilTerminal } from 'rx-task-status';
 *
 * const tasks = hubTasks({ url: 'https://app.example.com/tasks', provider: 'postman' });
 * tasks.watch('merge:6f1d0c3e-64a1-4bd5-9d1c-6a6e5b0e2f4d').pipe(untilTerminal()).subscribe((state) => console.log(state.status, state.progress));
 * ```
 */
export function hubTasks(options: HubTasksOptions): TaskSource<string> {
  if (!isPlainObject(options)) throw new TypeError(`Expected the options of hubTasks ({ url, provider, … }), got ${show(options)}.`);
  const url = hubUrl(options.url);
  const provider = expectNonEmptyString('provider', options.provider);
  if (/\s/.test(provider)) throw new TypeError(`Expected \`provider\` to be a source's name on the hub, with no space in it, got ${show(provider)}.`);
  const pauseWhen = options.pauseWhen === undefined ? undefined : expectObservable<boolean>('pauseWhen', options.pauseWhen);
  const scheduler = options.scheduler === undefined ? asyncScheduler : expectScheduler('scheduler', options.scheduler);
  const connection = options.shareWith === undefined ? newConnection(options, url, provider, scheduler) : sharedConnection(options, url);
  const events = new SourceEvents(provider);
  if (!connection.claim(provider, events)) throw new TypeError(`Expected \`shareWith\` to be a source of another provider: the connection already serves a ${provider} source (watch its tasks through it).`);
  return new HubTaskSource(provider, url.href, connection, scheduler, pauseWhen, events);
}

function newConnection(options: HubTasksOptions, url: URL, provider: string, scheduler: SchedulerLike): HubConnection {
  const withCredentials = expectOptionalBoolean('withCredentials', options.withCredentials) ?? false;
  return new HubConnection({
    url: url.href.replace(/\/+$/, ''),
    shownUrl: `The task hub at ${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    provider,
    fetch: options.fetch === undefined ? defaultFetch() : expectFunction<HubFetch>('fetch', options.fetch),
    headers: readHeaders(options.headers),
    credentials: withCredentials ? 'include' : 'same-origin',
    retry: normalizeRetry(DEFAULT_RETRY, options.retry),
    requestTimeout: expectDelay('requestTimeout', options.requestTimeout ?? 30_000),
    scheduler,
    random: Math.random,
  });
}

/** The connection of `shareWith`, for a source of the same hub that names no connection options of its own. */
function sharedConnection(options: HubTasksOptions, url: URL): HubConnection {
  const connection = options.shareWith instanceof HubTaskSource ? options.shareWith.connection : undefined;
  if (connection === undefined) throw new TypeError(`Expected \`shareWith\` to be a source made by hubTasks, got ${show(options.shareWith)}.`);
  const own = (['fetch', 'headers', 'withCredentials', 'retry', 'requestTimeout'] as const).filter((name) => options[name] !== undefined);
  if (own.length > 0) throw new TypeError(`Expected no ${own.map((name) => `\`${name}\``).join(', ')} beside \`shareWith\`: the connection's options are those of the source it is shared with.`);
  if (!connection.serves(url.href)) throw new TypeError(`Expected \`url\` to be the URL of the hub \`shareWith\` is connected to, got ${show(options.url)}.`);
  return connection;
}

class HubTaskSource implements TaskSource<string> {
  readonly #tasks = new Map<string, HubWatch>();
  #pause: Subscription | undefined;

  readonly #scheduler: SchedulerLike;
  readonly #pauseWhen: Observable<boolean> | undefined;
  readonly #tell: SourceEvents;

  constructor(
    readonly provider: string,
    readonly baseUrl: string,
    /** Its connection to the hub, which another source may share (`shareWith`). */
    readonly connection: HubConnection,
    scheduler: SchedulerLike,
    pauseWhen: Observable<boolean> | undefined,
    tell: SourceEvents,
  ) {
    this.#scheduler = scheduler;
    this.#pauseWhen = pauseWhen;
    this.#tell = tell;
  }

  /** The connection's events (one request opens the stream for every task: they name no task), as this source tells them. */
  get events(): Observable<TaskSourceEvent> {
    return this.#tell.events;
  }

  watch(given: string, options: WatchOptions = {}): Observable<TaskState> {
    expectOptions('options', options);
    const ref = this.parseRef(given);
    // The hub's states name the task's id; the ref's text need not be it (Postman's `merge:ID`).
    const resumeFrom = options.resumeFrom === undefined ? undefined : checkResumeFrom(options.resumeFrom, this.provider, expectNonEmptyString('resumeFrom.id', options.resumeFrom?.id));
    const deadline = options.deadline === undefined ? undefined : checkDeadline(options.deadline);
    const task$ = new Observable<TaskState>((subscriber) => this.#attach(ref, subscriber));
    return withWatchExtras(task$, { resumeFrom, deadline }, this.#scheduler);
  }

  parseRef(text: string): string {
    if (typeof text !== 'string' || text === '' || text.length > MAX_REF_LENGTH) {
      throw new TypeError(`Expected a ${this.provider} task ref as text (as the hub's source writes it), at most ${MAX_REF_LENGTH} characters, got ${show(text)}.`);
    }
    return text;
  }

  formatRef(ref: string): string {
    return this.parseRef(ref);
  }

  /** One watch of a task on the hub, however many subscribe here. */
  #attach(ref: string, subscriber: Subscriber<TaskState>): () => void {
    const running = this.#tasks.get(ref);
    if (running !== undefined) return running.attach(subscriber);
    const task = new HubWatch(this, ref);
    this.#tasks.set(ref, task);
    // Holding tasks: the shared connection stays open for them unless this source's page is hidden too.
    if (this.#tasks.size === 1) this.connection.hold(this, false);
    if (this.#tasks.size === 1 && this.#pauseWhen !== undefined) {
      this.#pause = this.#pauseWhen.subscribe({
        next: (paused) => this.connection.hold(this, paused === true),
        // A broken pause signal must not keep the page disconnected.
        error: () => this.connection.hold(this, false),
      });
    }
    const detach = task.attach(subscriber);
    task.start();
    return detach;
  }

  follow(ref: string, listener: HubListener): void {
    this.connection.add({ provider: this.provider, ref }, listener);
  }

  stopped(task: HubWatch): void {
    if (this.#tasks.get(task.key) !== task) return;
    this.#tasks.delete(task.key);
    this.connection.remove({ provider: this.provider, ref: task.key });
    if (this.#tasks.size === 0) {
      this.#pause?.unsubscribe();
      this.#pause = undefined;
      this.connection.hold(this, undefined);
    }
  }
}

/** A task as this page sees it: the hub's states, each change once, ended by a terminal state or the hub's error. */
class HubWatch extends WatchedTask implements HubListener {
  readonly #source: HubTaskSource;

  constructor(
    source: HubTaskSource,
    readonly key: string,
  ) {
    super();
    this.#source = source;
  }

  start(): void {
    this.#source.follow(this.key, this);
  }

  protected stop(): void {
    this.last = undefined;
    this.#source.stopped(this);
  }

  state(text: string): boolean {
    let state: TaskState;
    try {
      state = readState(text, this.#source.provider);
    } catch (error) {
      this.failed(new DecodeError(`The task hub sent a state of ${this.#source.provider} task ${this.key} that is not one: ${error instanceof Error ? error.message : String(error)}`, { provider: this.#source.provider, paths: ['state'] }));
      return true;
    }
    this.emit(state);
    if (!isTerminal(state)) return false;
    this.end((subscriber) => subscriber.complete());
    return true;
  }

  ended(errorText: string): void {
    let error: TaskError;
    try {
      error = errorFromJson(errorText);
    } catch {
      error = new DecodeError(`The task hub ended ${this.#source.provider} task ${this.key} with an error it did not spell as one`, { provider: this.#source.provider, paths: ['error'] });
    }
    this.failed(error);
  }

  failed(error: TaskError): void {
    this.end((subscriber) => subscriber.error(error));
  }

  alive(): void {
    this.answered();
  }

  failing(error: TaskError): void {
    this.failedAttempt(error);
  }
}

/** A state as the hub sends it (`stateToJson`), checked as a state of this provider: its dates are Dates again. */
function readState(text: string, provider: string): TaskState {
  const record: unknown = JSON.parse(text);
  const state = isPlainObject(record) ? record['state'] : undefined;
  const id = isPlainObject(state) ? state['id'] : undefined;
  if (typeof id !== 'string' || id === '') throw new TypeError('it names no task id');
  return checkResumeFrom(state as unknown as TaskState, provider, id);
}

/** The hub's URL: absolute, or in a page relative to it. */
function hubUrl(value: unknown): URL {
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  const url = typeof value === 'string' && value !== '' ? (URL.canParse(value, base) ? new URL(value, base) : undefined) : undefined;
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new TypeError(`Expected \`url\` to be the task hub's URL ('https://app.example.com/tasks', or '/tasks' in a page), got ${show(value)}.`);
  }
  if (url.search !== '' || url.username !== '' || url.password !== '') {
    throw new TypeError('Expected `url` to hold no query and no credentials: pass them to the hub as `headers` (or cookies), which never appear in an error.');
  }
  url.hash = '';
  return url;
}

function readHeaders(value: HubTasksOptions['headers']): () => Record<string, string> | PromiseLike<Record<string, string>> {
  if (value === undefined) return () => ({});
  if (typeof value === 'function') return value as () => Record<string, string>;
  if (!isPlainObject(value) || !Object.values(value).every((header) => typeof header === 'string')) {
    throw new TypeError('Expected `headers` to be an object of strings, or a function that returns one.');
  }
  const headers = { ...value } as Record<string, string>;
  return () => headers;
}

function defaultFetch(): HubFetch {
  const fetch = (globalThis as { fetch?: HubFetch }).fetch;
  if (typeof fetch !== 'function') throw new TypeError('hubTasks needs `fetch`: this runtime has no global one, so pass `fetch`.');
  return (url, init) => fetch(url, init);
}
