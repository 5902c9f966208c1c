import { checkFault, providerOfFault, type Fault } from './fault.js';
import { providerOfRoute, type ProviderName, type RouteName } from '../server/routes.js';

/** Which requests a fault applies to, and how many of them. Without a target, every request. */
export interface FaultPlacement {
  /** Only requests about this task. */
  readonly taskId?: string | undefined;
  /** Only this endpoint. */
  readonly route?: RouteName | undefined;
  /** Only this provider's endpoints. */
  readonly provider?: ProviderName | undefined;
  /** How many requests it spoils, then it is gone; `Infinity` for all of them. Default 1. */
  readonly times?: number | undefined;
}

/** A fault waiting for requests. */
export interface PlacedFault {
  readonly fault: Fault;
  readonly placement: FaultPlacement;
  /** How many requests it has spoiled so far. */
  readonly applied: number;
  /** How many more it will spoil (`Infinity` for always). */
  readonly remaining: number;
  /** Withdraws it. */
  remove(): void;
}

/**
 * Faults on demand. Each request gets at most one: the oldest one that matches
 * and applies. Refusals are looked at first (they answer before the provider
 * would); content faults apply only to a successful task-state answer, and
 * `flap` only once the task is terminal, so they wait for one.
 *
 * @example
 * ```ts
 * import { startFakeProviderServer } from 'rx-task-status/testing';
 *
 * const server = await startFakeProviderServer();
 * const task = server.tasks.create({ provider: 'stream', duration: 5000 });
 * server.faults.add({ kind: 'rate-limited', retryAfterSeconds: 2 }, { taskId: task.id });
 * server.faults.add({ kind: 'hang' }, { route: 'stream:get-task', times: Infinity });
 * ```
 */
export interface FaultBook {
  add(fault: Fault, placement?: FaultPlacement): PlacedFault;
  /** Withdraws every fault. */
  clear(): void;
  /** The faults still waiting, oldest first. */
  pending(): readonly PlacedFault[];
}

/** Who a request is, for matching faults. */
export interface FaultTarget {
  readonly provider: ProviderName;
  readonly route: RouteName;
  readonly taskId?: string | undefined;
}

class Placement implements PlacedFault {
  applied = 0;
  constructor(
    readonly fault: Fault,
    readonly placement: FaultPlacement,
    private readonly times: number,
    private readonly book: FaultQueue,
  ) {}

  get remaining(): number {
    return this.times - this.applied;
  }

  remove(): void {
    this.book.withdraw(this);
  }

  matches(target: FaultTarget): boolean {
    const { taskId, route, provider } = this.placement;
    const owner = providerOfFault(this.fault);
    return (
      (taskId === undefined || taskId === target.taskId) &&
      (route === undefined || route === target.route) &&
      (provider === undefined || provider === target.provider) &&
      (owner === undefined || owner === target.provider)
    );
  }
}

export class FaultQueue implements FaultBook {
  private placed: Placement[] = [];

  add(fault: Fault, placement: FaultPlacement = {}): PlacedFault {
    checkFault(fault);
    const times = placement.times ?? 1;
    if (!(times >= 1 && (Number.isInteger(times) || times === Number.POSITIVE_INFINITY))) {
      throw new TypeError(`Expected \`times\` to be a positive integer or Infinity, got ${String(times)}.`);
    }
    const owner = providerOfFault(fault);
    const provider = placement.provider ?? (placement.route === undefined ? undefined : providerOfRoute(placement.route));
    if (owner !== undefined && provider !== undefined && owner !== provider) {
      throw new TypeError(`A ${fault.kind} fault is ${owner}'s: it cannot be placed on ${provider}.`);
    }
    const entry = new Placement(fault, { ...placement }, times, this);
    this.placed.push(entry);
    return entry;
  }

  clear(): void {
    this.placed = [];
  }

  pending(): readonly PlacedFault[] {
    return [...this.placed];
  }

  /** Takes the oldest fault that matches `target` and that `applies` accepts, counting it as applied. */
  take(target: FaultTarget, applies: (fault: Fault) => boolean): Fault | undefined {
    const entry = this.placed.find((candidate) => candidate.matches(target) && applies(candidate.fault));
    if (entry === undefined) return undefined;
    entry.applied++;
    if (entry.remaining <= 0) this.withdraw(entry);
    return entry.fault;
  }

  withdraw(entry: PlacedFault): void {
    this.placed = this.placed.filter((candidate) => candidate !== entry);
  }
}
