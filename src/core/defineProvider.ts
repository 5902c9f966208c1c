import { defer, finalize, from, Observable, of, ReplaySubject, share, switchMap } from 'rxjs';
import { checkBaseUrl, joinUrl } from './baseUrl.js';
import { httpTransport, type HttpRequest, type Transport } from './http.js';
import { pollLoop } from './pollLoop.js';
import type { ProviderDefinition, ProviderRequest } from './provider.js';
import { createRedactor, type Redactor } from './redact.js';
import { RequestScheduler } from './requestScheduler.js';
import { resolveInterval, resolveSourceOptions, type ResolvedSourceOptions, type SourceOptions, type WatchOptions } from './sourceOptions.js';
import type { TaskState } from './taskState.js';
import { expectFunction, expectNonEmptyString } from './validate.js';

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
  return (options) => {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Expected the options of the ${definition.name} source to be an object, got ${options === null ? 'null' : typeof options}.`);
    }
    const resolved = resolveSourceOptions(options, definition.defaults);
    const setup = definition.setup(options);
    const baseUrl = checkBaseUrl(setup.baseUrl, { allowInsecureHttp: resolved.allowInsecureHttp });
    return new PollingSource(definition, resolved, setup.context, baseUrl, createRedactor(setup.secrets));
  };
}

class PollingSource<TOptions extends object, TRef, TContext> implements TaskSource<TRef> {
  readonly provider: string;
  private readonly loops = new Map<string, Observable<TaskState>>();
  private readonly requests: RequestScheduler;
  private readonly transport: Transport;
  private movedFrom: string | undefined;

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
    return defer(() => this.loops.get(key) ?? this.startLoop(key, ref, id, interval));
  }

  private startLoop(key: string, ref: TRef, id: string, interval: number): Observable<TaskState> {
    const { definition, context } = this;
    const shared = pollLoop({
      provider: definition.name,
      id,
      interval,
      minInterval: this.options.minInterval,
      retry: this.options.retry,
      random: this.options.random,
      scheduler: this.options.scheduler,
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
    }).pipe(
      finalize(() => {
        if (this.loops.get(key) === shared) this.loops.delete(key);
      }),
      share({ connector: () => new ReplaySubject<TaskState>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true }),
    );
    this.loops.set(key, shared);
    return shared;
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

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}
