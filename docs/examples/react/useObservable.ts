import { useEffect, useState, type DependencyList } from 'react';
import type { Observable } from 'rxjs';

/** What a component sees of an Observable: its latest value, and how it ended. */
export interface ObservableView<T> {
  /** The latest value; `undefined` until the first one. */
  readonly value: T | undefined;
  /** The Observable completed. */
  readonly completed: boolean;
  /** The error it ended with; `undefined` while it has not errored. */
  readonly error: unknown;
}

const NOTHING_YET: ObservableView<never> = { value: undefined, completed: false, error: undefined };

/**
 * Subscribes to `open()` after mount, unsubscribes on unmount, and does both
 * again whenever `deps` change, as `useEffect` does. `open` is called only
 * then, so a new function on every render is fine. `open` may return
 * `undefined`: nothing to follow (yet).
 *
 * The view is kept with the deps it belongs to: in the render where the deps
 * change, the component sees "nothing yet", never the value of the previous
 * Observable.
 */
export function useObservable<T>(open: () => Observable<T> | undefined, deps: DependencyList): ObservableView<T> {
  const [seen, setSeen] = useState<{ deps: DependencyList; view: ObservableView<T> }>({ deps, view: NOTHING_YET });

  useEffect(() => {
    const observable = open();
    if (observable === undefined) return undefined;
    const update = (change: Partial<ObservableView<T>>) =>
      setSeen((last) => ({ deps, view: { ...(sameDeps(last.deps, deps) ? last.view : NOTHING_YET), ...change } }));
    const subscription = observable.subscribe({
      next: (value) => update({ value }),
      error: (error: unknown) => update({ error }),
      complete: () => update({ completed: true }),
    });
    return () => subscription.unsubscribe();
    // `deps` says when `open` means something new, as with useEffect itself.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  return sameDeps(seen.deps, deps) ? seen.view : NOTHING_YET;
}

function sameDeps(a: DependencyList, b: DependencyList): boolean {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
}
