import { defer, distinctUntilChanged, finalize, from, Observable, of, ReplaySubject, share, startWith, switchMap, type Subscription } from 'rxjs';
import { checkBaseUrl, joinUrl } from './baseUrl.js';
import { untilDeadline } from './deadline.js';
import { httpTransport, type HttpRequest, type Transport } from './http.js';
import type { NextPollDelay } from './intervalPolicy.js';
import { pollLoop } from './pollLoop.js';
import type { ProviderDefinition, ProviderRequest } from './provider.js';
import type { Redactor } from './redact.js';
import { RequestScheduler } from './requestScheduler.js';
import { expectPolicy, resolveInterval, type ResolvedSourceOptions, type WatchOptions } from './sourceOptions.js';
import { isSameState, isTerminal, type TaskState } from './taskState.js';
import { expectNonEmptyString } from './validate.js';

/** Watches the tasks of one account of one provider. */
export interface TaskSource<TRef = string> {
  /** The provider's name, as in every state's `provider`. */
  readonly provider: string;
  /**
   * The states of one task, as an Observable: cold (nothing is sent before a
   * subscription), one poll loop per task however many subscribers (a late
   * subscriber first gets the latest state), completing after the first
   * terminal state, erroring with a `TaskError`.
   */
  watch(ref: TRef, options?: WatchOptions): Observable<TaskState>;
}

/** The source {@link defineProvider} builds: one request scheduler, one poll loop per watched task. */
export class PollingSource<TOptions extends object, TRef, TContext> implements TaskSource<TRef> {
  readonly provider: string;
  private readonly loops = new Map<string, Observable<TaskState>>();
  private readonly requests: RequestScheduler;
  private readonly transport: Transport;
  private movedFrom: string | undefined;
  private activeLoops = 0;
  private pause: Subscription | undefined;

  constructor(
    private readonly definition: ProviderDefinition<TOptions, TRef, TContext>,
    private readonly options: ResolvedSourceOptions,
    private readonly context: TContext,
    private baseUrl: string,
    private readonly redact: Redactor,
  ) {
    this.provider = definition.name;
    this.requests = new RequestScheduler(options);
    this.transport =
      options.transport ??
      httpTransport({ fetch: options.fetch, timeoutMs: options.requestTimeout, maxBodyBytes: options.maxBodyBytes, scheduler: options.scheduler });
  }

  watch(ref: TRef, options: WatchOptions = {}): Observable<TaskState> {
    const identity = this.definition.identify(ref);
    const id = expectNonEmptyString('task id', identity.id);
    const key = identity.key ?? id;
    const interval = options.interval === undefined ? this.options.interval : resolveInterval('interval', options.interval, this.options.minInterval);
    const policy = options.policy === undefined ? this.options.policy : expectPolicy('policy', options.policy);
    const resumeFrom = options.resumeFrom === undefined ? undefined : this.checkResumeFrom(options.resumeFrom, id);
    const deadline = options.deadline === undefined ? undefined : checkDeadline(options.deadline);

    const loop$ = defer(() => this.loops.get(key) ?? this.startLoop(key, ref, id, policy.create(interval)));
    let task$ = loop$;
    if (resumeFrom !== undefined) {
      // A terminal task cannot change: no request needed.
      task$ = isTerminal(resumeFrom) ? of(resumeFrom) : loop$.pipe(startWith(resumeFrom), distinctUntilChanged(isSameState));
    }
    return deadline === undefined ? task$ : task$.pipe(untilDeadline(deadline, this.options.scheduler));
  }

  private startLoop(key: string, ref: TRef, id: string, nextDelay: NextPollDelay): Observable<TaskState> {
    const { definition, context, options } = this;
    const loop$ = pollLoop({
      provider: definition.name,
      id,
      nextDelay,
      minInterval: options.minInterval,
      maxInterval: options.maxInterval,
      jitter: options.jitter,
      retry: options.retry,
      random: options.random,
      scheduler: options.scheduler,
      requests: this.requests,
      redact: this.redact,
      send: () =>
        defer(() => {
          // Synchronous unless the provider must wait (a token to sign): keeps virtual-time tests in virtual time.
          const request = definition.request({ ref, id, context });
          return isPromiseLike(request) ? from(request) : of(request);
        }).pipe(switchMap((request) => this.transport(this.toHttpRequest(request)))),
      decode: (response) =>
        definition.decode(response, {
          ref,
          id,
          context,
          baseUrl: this.baseUrl,
          ...(this.movedFrom === undefined ? {} : { movedFrom: this.movedFrom }),
        }),
      move: (baseUrl) => this.move(baseUrl),
    });
    const shared: Observable<TaskState> = defer(() => {
      this.loopStarted();
      return loop$;
    }).pipe(
      finalize(() => {
        this.loopEnded();
        if (this.loops.get(key) === shared) this.loops.delete(key);
      }),
      share({ connector: () => new ReplaySubject<TaskState>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true }),
    );
    this.loops.set(key, shared);
    return shared;
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

  private checkResumeFrom(state: TaskState, id: string): TaskState {
    if (typeof state !== 'object' || state === null || state.provider !== this.provider || state.id !== id) {
      throw new TypeError(`Expected \`resumeFrom\` to be a state of ${this.provider} task ${id}, got ${describeState(state)}.`);
    }
    return state;
  }

  private toHttpRequest(request: ProviderRequest): HttpRequest {
    return {
      method: request.method,
      url: joinUrl(this.baseUrl, request.path, request.query),
      ...(request.headers === undefined ? {} : { headers: request.headers }),
      ...(request.body === undefined ? {} : { body: request.body }),
    };
  }

  /** Follows a provider's "your account lives elsewhere", under the same rules as `baseUrl`. */
  private move(baseUrl: string): boolean {
    let next: string;
    try {
      next = checkBaseUrl(baseUrl, { allowInsecureHttp: this.options.allowInsecureHttp, option: 'moveTo' });
    } catch {
      return false;
    }
    if (next !== this.baseUrl) {
      this.movedFrom = this.baseUrl;
      this.baseUrl = next;
    }
    return true;
  }
}

function checkDeadline(deadline: Date | number): Date | number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (typeof at !== 'number' || Number.isNaN(at)) {
    throw new TypeError(`Expected \`deadline\` to be a Date or a time in ms, got ${String(deadline)}.`);
  }
  return deadline;
}

function describeState(state: unknown): string {
  if (typeof state !== 'object' || state === null) return String(state);
  const { provider, id } = state as Partial<TaskState>;
  return `a state of ${String(provider)} task ${String(id)}`;
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}
