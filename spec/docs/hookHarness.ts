// Just enough of React's hooks to run the docs' hooks in a test (React itself
// is not a dependency): useState, useEffect with deps, commit-phase effects,
// re-render on state change, unmount, and StrictMode's mount-unmount-mount.
// The spec maps the module 'react' onto `hooks` with jest.mock.

type Cleanup = (() => void) | undefined;
interface Effect {
  run: () => Cleanup | void;
  deps: readonly unknown[] | undefined;
  cleanup: Cleanup;
}
interface Instance {
  states: unknown[];
  effects: Effect[];
  queue: Array<() => void>;
  cursor: number;
  dirty: boolean;
}

let current: Instance | undefined;

/** The effects of an instance (hooks share one index, so the array has holes where states are). */
const committed = (instance: Instance): Effect[] => instance.effects.filter((effect): effect is Effect => effect !== undefined);

const depsChanged = (a: readonly unknown[] | undefined, b: readonly unknown[] | undefined) =>
  a === undefined || b === undefined || a.length !== b.length || a.some((value, i) => !Object.is(value, b[i]));

export const hooks = {
  useState<S>(initial: S | (() => S)): [S, (next: S | ((last: S) => S)) => void] {
    const instance = current!;
    const index = instance.cursor++;
    if (!(index in instance.states)) instance.states[index] = typeof initial === 'function' ? (initial as () => S)() : initial;
    const set = (next: S | ((last: S) => S)) => {
      const value = typeof next === 'function' ? (next as (last: S) => S)(instance.states[index] as S) : next;
      if (!Object.is(value, instance.states[index])) {
        instance.states[index] = value;
        instance.dirty = true;
      }
    };
    return [instance.states[index] as S, set];
  },
  useEffect(effect: () => Cleanup | void, deps?: readonly unknown[]): void {
    const instance = current!;
    const index = instance.cursor++;
    const previous = instance.effects[index];
    if (previous !== undefined && !depsChanged(previous.deps, deps)) return;
    instance.queue.push(() => {
      previous?.cleanup?.();
      instance.effects[index] = { run: effect, deps, cleanup: effect() ?? undefined };
    });
  },
};

export interface Mounted<A extends unknown[], R> {
  /** The hook's latest result, re-rendering first if state changed since. */
  result(): R;
  rerender(...args: A): R;
  unmount(): void;
}

/** Mounts a component that only calls `hook(...args)`; `strict` mounts, unmounts and mounts its effects as StrictMode does. */
export function mountHook<A extends unknown[], R>(hook: (...args: A) => R, args: A, { strict = false } = {}): Mounted<A, R> {
  const instance: Instance = { states: [], effects: [], queue: [], cursor: 0, dirty: false };
  let lastArgs = args;
  let last!: R;
  const render = (): R => {
    do {
      instance.dirty = false;
      instance.cursor = 0;
      current = instance;
      last = hook(...lastArgs);
      current = undefined;
      const effects = instance.queue.splice(0);
      for (const run of effects) run();
    } while (instance.dirty);
    return last;
  };
  render();
  if (strict) {
    // StrictMode, in development: every effect is cleaned up and run again right after mount.
    for (const effect of committed(instance)) effect.cleanup?.();
    for (const effect of committed(instance)) effect.cleanup = effect.run() ?? undefined;
    if (instance.dirty) render();
  }
  return {
    result: () => (instance.dirty ? render() : last),
    rerender: (...next: A) => {
      lastArgs = next;
      return render();
    },
    unmount: () => {
      for (const effect of committed(instance)) effect.cleanup?.();
      instance.effects = [];
    },
  };
}
