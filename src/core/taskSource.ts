import { Observable, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import { checkBaseUrl, joinUrl } from './baseUrl.js';
import { defaultFetch, defaultFetchReusesSignals } from './defaultFetch.js';
import { httpTransport, type HttpRequest, type HttpResponse, type Transport } from './http.js';
import type { IntervalPolicy, NextPollDelay } from './intervalPolicy.js';
import type { TaskCoordination } from './coordination.js';
import { wakeSlackFor } from './wakeSlack.js';
import { CoordinatedTask, type CoordinatedHost } from './coordinatedTask.js';
import { PollLoop, type PollHost } from './pollLoop.js';
import type { DecodeResult, ProviderDefinition, ProviderRequest } from './provider.js';
import { createRedactor, type Redactor } from './redact.js';
import { RequestScheduler } from './requestScheduler.js';
import { SourceEvents, type TaskSourceEvent } from './sourceEvents.js';
import { resolveInterval, resolveSourceOptions, type ResolvedSourceOptions, type SourceOptions, type WatchOptions } from './sourceOptions.js';
import { messageOf } from './errors/errorLike.js';
import { ProviderError, TaskError } from './errors/index.js';
import { checkResumeFrom, type TaskState } from './taskState.js';
import { checkDeadline, expectFunction, expectNonEmptyString, expectOptions, expectPolicy, quote, show } from './validate.js';
import type { WatchedTask } from './watchedTask.js';
import { withWatchExtras } from './watchExtras.js';

/** Watches the tasks of one account of one provider. */
export interface TaskSource<TRef = unknown> {
  /** The provider's name, as in every state's `provider`. */
  readonly provider: string;
  /**
   * Where this source's requests go now: the base URL it was made with, or
   * the one the provider moved it to (Mobizon's "wrong API domain", code 13).
   * Always there on sources made by `defineProvider`; optional so that a
   * hand-written source (a test double) need not have one.
   */
  readonly baseUrl?: string | undefined;
  /**
   * The states of one task, as an Observable: cold (nothing is sent before a
   * subscription), one poll loop per task however many subscribers (a late
   * subscriber first gets the latest state), completing after the first
   * terminal state, erroring with a `TaskError`. A string ref is read as
   * text, through {@link TaskSource.parseRef}: `postman.watch('merge:ID')`
   * watches the same task as `postman.watch({ id: 'ID', kind:
   * 'collection-merge' })`. A bad ref throws a `TypeError` here, before
   * anything is sent.
   */
  watch(ref: TRef | string, options?: WatchOptions): Observable<TaskState>;
  /**
   * Reads a ref from its text form, the one spelling URLs, command lines and
   * logs carry: a task id for Stream and Mobizon; `ID`, `update:ID`,
   * `merge:ID` or `API_ID/ID` for Postman. A text that names no task throws a
   * `TypeError` saying what was expected.
   *
   * ```ts
   * import { postmanTasks } from 'rx-task-status';
   *
   * const postman = postmanTasks({ apiKey: process.env.POSTMAN_API_KEY! });
   * const ref = postman.parseRef('merge:6f1d0c3e-64a1-4bd5-9d1c-6a6e5b0e2f4d');
   * console.log(ref); // { id: '6f1d0c3e-64a1-4bd5-9d1c-6a6e5b0e2f4d', kind: 'collection-merge' }
   * ```
   */
  parseRef(text: string): TRef;
  /**
   * Writes a ref as text, the inverse of {@link TaskSource.parseRef}: the text
   * reads back as the same task, and a text in its canonical spelling is
   * written back as it came (`update:ID` is written `ID`). A ref that cannot
   * be written so (an id with `:` or `/` in it, for Postman) throws a
   * `TypeError`.
   *
   * ```ts
   * import { postmanTasks } from 'rx-task-status';
   *
   * const postman = postmanTasks({ apiKey: process.env.POSTMAN_API_KEY! });
   * const text = postman.formatRef({ id: '0b9e44d2-7f1c-4c3e-8a51-3d2b1e0f9a6c', apiId: 'f2a7e9c1-5d3b-4e8a-9c6f-1b2d3e4f5a6b' });
   * console.log(text); // 'f2a7e9c1-5d3b-4e8a-9c6f-1b2d3e4f5a6b/0b9e44d2-7f1c-4c3e-8a51-3d2b1e0f9a6c'
   * ```
   */
  formatRef(ref: TRef): string;
  /**
   * What the source does, as it does it: each request and its answer, each
   * retry with its cause and delay, each pause the provider asks for, each
   * `pauseWhen` pause and resume (see {@link TaskSourceEvent}). For a status
   * line, logs and metrics; free when nobody listens (no event is even
   * built). Never completes; states and errors stay on `watch`.
   *
   * ```ts
   * import { postmanTasks } from 'rx-task-status';
   *
   * const postman = postmanTasks({ apiKey: process.env.POSTMAN_API_KEY! });
   * postman.events.subscribe((event) => {
   *   if (event.type === 'retry') console.warn(`retrying in ${Math.round(event.delayMs / 1000)} s: ${event.reason}, attempt ${event.attempt} of ${event.retries}`);
   * });
   * ```
   */
  readonly events: Observable<TaskSourceEvent>;
}

/** A provider's source factory: its own options plus the common {@link SourceOptions}. */
export type TaskSourceFactory<TOptions extends object, TRef> = (options: TOptions & SourceOptions) => TaskSource<TRef>;

/**
 * Turns a provider description into a source factory. The built-in providers
 * are written with it; see docs/custom-provider.md for a worked example.
 */
export function defineProvider<TOptions extends object, TRef, TContext>(
  definition: ProviderDefinition<TOptions, TRef, TContext>,
): TaskSourceFactory<TOptions, TRef> {
  expectNonEmptyString('definition.name', definition.name);
  for (const fn of ['setup', 'identify', 'request', 'decode'] as const) expectFunction(`definition.${fn}`, definition[fn]);
  for (const fn of ['parseRef', 'formatRef'] as const) if (definition[fn] !== undefined) expectFunction(`definition.${fn}`, definition[fn]);
  return (options) => {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Expected the options of the ${definition.name} source to be an object, got ${options === null ? 'null' : typeof options}.`);
    }
    const resolved = resolveSourceOptions(options, definition.defaults);
    const setup = definition.setup(options);
    const baseUrl = checkBaseUrl(setup.baseUrl, { allowInsecureHttp: resolved.allowInsecureHttp });
    return new PollingSource(definition, resolved, setup.context, baseUrl, createRedactor(setup.secrets), trustedHosts(setup.hosts));
  };
}

/** The provider's hosts, checked and lower-cased: `host` or `host:port`, nothing else. */
function trustedHosts(hosts: readonly string[] | undefined): readonly string[] {
  if (hosts === undefined) return [];
  if (!Array.isArray(hosts)) throw new TypeError(`Expected \`hosts\` to be an array of host names, got ${typeof hosts}.`);
  return hosts.map((host: unknown) => {
    if (typeof host !== 'string' || !/^[a-z0-9.-]+(:\d{1,5})?$/i.test(host) || host.startsWith('.') || host.endsWith('.')) {
      throw new TypeError(`Expected each of \`hosts\` to be a host name such as api.example.com (with a port only where one is meant), got ${typeof host === 'string' ? JSON.stringify(host.slice(0, 80)) : typeof host}.`);
    }
    return host.toLowerCase();
  });
}

/** The source {@link defineProvider} builds: one request scheduler, one poll loop per watched task. */
export class PollingSource<TOptions extends object, TRef, TContext> implements TaskSource<TRef>, PollHost<TRef> {
  readonly provider: string;
  readonly requests: RequestScheduler;
  private readonly loops = new Map<string, WatchedTask>();
  private readonly floors: TaskFloors;
  private readonly transport: Transport;
  private movedFrom: string | undefined;
  private activeLoops = 0;
  private pause: Subscription | undefined;
  /** Where this source's loops and scheduler tell what they do. */
  readonly tell: SourceEvents;

  constructor(
    private readonly definition: ProviderDefinition<TOptions, TRef, TContext>,
    readonly options: ResolvedSourceOptions,
    private readonly context: TContext,
    private currentBaseUrl: string,
    readonly redact: Redactor,
    /** Where a redirect (over https) or a move may go besides the base URL's origin: see `ProviderSetup.hosts`. */
    private readonly hosts: readonly string[] = [],
  ) {
    this.provider = definition.name;
    this.tell = new SourceEvents(definition.name);
    this.requests = new RequestScheduler({ ...options, events: this.tell, wakeSlackMs: wakeSlackFor(options.scheduler, options.interval) });
    this.floors = new TaskFloors(options.scheduler);
    this.transport =
      options.transport ??
      httpTransport({
        fetch: options.fetch,
        reusesSignals: options.fetch === defaultFetch && defaultFetchReusesSignals,
        timeoutMs: options.requestTimeout,
        maxBodyBytes: options.maxBodyBytes,
        scheduler: options.scheduler,
        trustedHosts: hosts,
      });
  }

  get baseUrl(): string {
    return this.currentBaseUrl;
  }

  get events(): Observable<TaskSourceEvent> {
    return this.tell.events;
  }

  watch(given: TRef | string, options: WatchOptions = {}): Observable<TaskState> {
    expectOptions('options', options);
    const { ref, id, key } = this.resolve(given);
    const interval = options.interval === undefined ? this.options.interval : resolveInterval('interval', options.interval, this.options.minInterval);
    const policy = options.policy === undefined ? this.options.policy : expectPolicy<IntervalPolicy>('policy', options.policy);
    const resumeFrom = options.resumeFrom === undefined ? undefined : checkResumeFrom(options.resumeFrom, this.provider, id);
    const deadline = options.deadline === undefined ? undefined : checkDeadline(options.deadline);

    const loop$ = new Observable<TaskState>((subscriber) => this.attach(subscriber, { key, ref, id, interval }, () => policy.create(interval)));
    return withWatchExtras(loop$, { resumeFrom, deadline }, this.options.scheduler);
  }

  parseRef(text: string): TRef {
    if (typeof text !== 'string') throw new TypeError(`Expected a ${this.provider} task ref as text, got ${show(text)}.`);
    return this.resolve(text).ref;
  }

  formatRef(given: TRef): string {
    const { ref, key } = this.resolve(given);
    const text = this.definition.formatRef === undefined ? this.defaultText(ref) : this.definition.formatRef(ref);
    // The text form is one spelling of the task, or it is worth nothing: it must read back as the same task.
    if (typeof text !== 'string' || this.keyOf(text) !== key) {
      throw new TypeError(`Expected the ${this.provider} provider to write a ref as text that reads back as the same task, got ${quote(text)}.`);
    }
    return text;
  }

  /** The key of the task a text names, or `undefined` when it names none. */
  private keyOf(text: string): string | undefined {
    try {
      return this.resolve(text).key;
    } catch {
      return undefined;
    }
  }

  /** Without a `formatRef` of the provider's, a string ref is its own text, and no other ref has one. */
  private defaultText(ref: TRef): string {
    if (typeof ref === 'string') return ref;
    throw new TypeError(`The ${this.provider} provider defines no text form for a ref that is not a string (its definition has no \`formatRef\`), got ${show(ref)}.`);
  }

  /**
   * A ref made ready to watch: read by the provider's `parseRef` when it is
   * text (the default reads a text as itself), then checked and named by its
   * `identify`. Both throw a `TypeError` for a bad ref.
   */
  private resolve(given: TRef | string): { ref: TRef; id: string; key: string } {
    // Without a `parseRef`, a text is the ref itself: `identify` checks it as it checks any string ref.
    const ref = typeof given !== 'string' ? given : this.definition.parseRef === undefined ? (given as unknown as TRef) : this.definition.parseRef(given);
    const identity = this.definition.identify(ref);
    const id = expectNonEmptyString('task id', identity.id);
    return { ref, id, key: identity.key ?? id };
  }

  /**
   * One poll loop per task, however many watch it (one across every process,
   * with a coordination): the first subscriber starts it, the last one to
   * leave stops it.
   */
  private attach(subscriber: Subscriber<TaskState>, task: { key: string; ref: TRef; id: string; interval: number }, nextDelay: () => NextPollDelay): () => void {
    const { key, ref, id, interval } = task;
    const running = this.loops.get(key);
    if (running !== undefined) return running.attach(subscriber);
    const loop: WatchedTask =
      this.options.coordination === undefined
        ? new PollLoop(this, ref, id, key, nextDelay(), this.floors.take(key))
        : new CoordinatedTask(this as CoordinatedHost<TRef>, ref, id, key, interval, nextDelay);
    this.loops.set(key, loop);
    this.loopStarted();
    const detach = loop.attach(subscriber);
    loop.start();
    return detach;
  }

  get coordination(): TaskCoordination | undefined {
    return this.options.coordination;
  }

  /** Called by a loop that has stopped: it is forgotten, and its floor kept for the next loop of its task. */
  stopped(loop: WatchedTask, notBefore: number): void {
    if (this.loops.get(loop.key) === loop) this.loops.delete(loop.key);
    this.floors.keep(loop.key, notBefore);
    this.loopEnded();
  }

  decode(ref: TRef, id: string, response: HttpResponse): DecodeResult {
    return this.definition.decode(response, {
      ref,
      id,
      context: this.context,
      baseUrl: this.currentBaseUrl,
      ...(this.movedFrom === undefined ? {} : { movedFrom: this.movedFrom }),
    });
  }

  /** `pauseWhen` is listened to while anything is watched, and let go when nothing is. */
  private loopStarted(): void {
    if (this.activeLoops++ === 0 && this.options.pauseWhen !== undefined) {
      this.pause = this.options.pauseWhen.subscribe({
        next: (paused) => this.requests.hold(paused === true),
        // A broken pause signal must not freeze polling for good.
        error: () => this.requests.hold(false),
      });
    }
  }

  private loopEnded(): void {
    if (--this.activeLoops === 0 && this.pause !== undefined) {
      this.pause.unsubscribe();
      this.pause = undefined;
      this.requests.hold(false);
    }
  }

  /**
   * One poll's request: built by the provider, then sent. Called only to be
   * subscribed at once (a poll loop's turn), so a request the provider builds
   * synchronously is built here and its transport's Observable handed back as
   * it is: one Observable per poll, not one around another. Synchronous unless
   * the provider must wait (a token to sign), which keeps virtual-time tests
   * in virtual time.
   */
  send(ref: TRef, id: string): Observable<HttpResponse> {
    let request: ProviderRequest | PromiseLike<ProviderRequest>;
    try {
      request = this.definition.request({ ref, id, context: this.context });
    } catch (error) {
      // A request that cannot be built is the provider's final word, not a network failure to retry.
      const failure = requestFailure(error, this.provider, id);
      return new Observable<HttpResponse>((subscriber) => subscriber.error(failure));
    }
    if (!isPromiseLike(request)) {
      try {
        return this.transport(this.toHttpRequest(request));
      } catch (error) {
        // As a throw in an Observable's subscribe would have been: an error of the request, for its poll loop to judge.
        return new Observable<HttpResponse>((subscriber) => subscriber.error(error));
      }
    }
    const pending = request;
    return new Observable<HttpResponse>((subscriber) => {
      let inner: Subscription | undefined;
      let cancelled = false;
      pending.then(
        (built) => {
          if (!cancelled) inner = this.transport(this.toHttpRequest(built)).subscribe(subscriber);
        },
        (error: unknown) => {
          if (!cancelled) subscriber.error(requestFailure(error, this.provider, id));
        },
      );
      return () => {
        cancelled = true;
        inner?.unsubscribe();
      };
    });
  }

  private toHttpRequest(request: ProviderRequest): HttpRequest {
    return {
      method: request.method,
      url: joinUrl(this.currentBaseUrl, request.path, request.query),
      ...(request.headers === undefined ? {} : { headers: request.headers }),
      ...(request.body === undefined ? {} : { body: request.body }),
    };
  }

  /**
   * Follows a provider's "your account lives elsewhere", under the same rules
   * as `baseUrl`, and only to one of the provider's own hosts: the
   * credentials go wherever the source goes. Returns why a move was refused,
   * or `undefined` once moved.
   */
  move(baseUrl: string): string | undefined {
    let host: string;
    try {
      host = new URL(baseUrl).host.toLowerCase();
    } catch {
      return 'the place it names is not a URL';
    }
    if (!this.hosts.includes(host)) return `not moved to ${JSON.stringify(host)}: it is not one of the ${this.provider} hosts this source may send its credentials to`;
    let next: string;
    try {
      next = checkBaseUrl(baseUrl, { allowInsecureHttp: this.options.allowInsecureHttp, option: 'moveTo' });
    } catch {
      return `not moved to ${JSON.stringify(host)}: only https (or plain http on this machine) may carry the credentials, with no path or query beyond the host`;
    }
    if (next !== this.currentBaseUrl) {
      this.movedFrom = this.currentBaseUrl;
      this.currentBaseUrl = next;
    }
    return undefined;
  }
}

function requestFailure(error: unknown, provider: string, id: string): TaskError {
  if (error instanceof TaskError) return error;
  return new ProviderError(`The ${provider} provider could not build the request for task ${id}: ${messageOf(error)}`, { cause: error });
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}

/** How many remembered per-task times may pile up before the passed ones are dropped. */
const SWEEP_SIZE = 1024;

/**
 * Per task: no poll before this time (its minimum gap, a `Retry-After`), kept
 * across re-subscriptions. A poll loop that stops leaves its floor here and the
 * next loop of the same task takes it, so unsubscribing and watching again at
 * once (React's StrictMode) cannot bring a request closer than the provider
 * allows.
 */
export class TaskFloors {
  private readonly floors = new Map<string, number>();
  private sweepAt = SWEEP_SIZE;

  constructor(private readonly scheduler: SchedulerLike) {}

  /** The floor a stopped loop of the task left, if it has not passed; forgotten once taken. */
  take(key: string): number | undefined {
    const at = this.floors.get(key);
    this.floors.delete(key);
    return at;
  }

  keep(key: string, at: number): void {
    const now = this.scheduler.now();
    if (!(at > now)) return;
    this.floors.set(key, at);
    // Tasks that are never watched again would stay for good: drop the times that have passed, now and then.
    if (this.floors.size < this.sweepAt) return;
    for (const [task, floor] of this.floors) if (floor <= now) this.floors.delete(task);
    this.sweepAt = Math.max(SWEEP_SIZE, 2 * this.floors.size);
  }
}
