/**
 * One version of a {@link PersistentArray}: a handle that can be read, now or
 * much later, and always shows the values as they were when it was taken.
 *
 * The newest version is backed by the live array. Each older version is a
 * single change away from the next one ("slot `index` held `value` here"), so
 * versions point from old to new, never back: a version nobody holds any more
 * is garbage at once, and holding an old, unread one keeps alive only the
 * changes made since.
 */
export interface ArrayVersion<V> {
  /** `-1` while this is the newest version; else the slot the next version changed. */
  index: number;
  /** What slot `index` held in this version. */
  value: V | undefined;
  next: ArrayVersion<V> | undefined;
  /** Set once the version has been read: its values, frozen. */
  values: readonly (V | undefined)[] | undefined;
  /** Set once the version has been read: what `present` made of `values`. */
  view: unknown;
}

/**
 * A fixed-length array whose past versions stay readable, at O(1) per write
 * (Baker's "rerooting" persistent array, without the rerooting). Reading a
 * version copies the live array once, O(length), undoes the changes made
 * since that version, and caches the result on the version, so a version is
 * materialised at most once however often it is read.
 */
export class PersistentArray<V, P> {
  readonly #live: (V | undefined)[];
  #newest: ArrayVersion<V>;

  readonly #present: (values: readonly (V | undefined)[]) => P;

  /** @param present Turns a version's frozen values into what {@link read} returns (an array, a record, …). */
  constructor(length: number, present: (values: readonly (V | undefined)[]) => P) {
    this.#present = present;
    this.#live = new Array<V | undefined>(length).fill(undefined);
    this.#newest = newestVersion();
  }

  /** The current value of slot `index`. */
  get(index: number): V | undefined {
    return this.#live[index];
  }

  /** Writes slot `index`; every version taken before keeps showing the old value. */
  set(index: number, value: V | undefined): void {
    const previous = this.#newest;
    const next = newestVersion<V>();
    if (previous.values === undefined) {
      previous.index = index;
      previous.value = this.#live[index];
      previous.next = next;
    }
    // (A version already read needs no diff: walks from older versions stop at its cached values.)
    this.#live[index] = value;
    this.#newest = next;
  }

  /** A handle on the current values; the same handle until the next {@link set}. */
  version(): ArrayVersion<V> {
    return this.#newest;
  }

  /** The values of `version` as `present` shapes them: built on the first read, cached after. */
  read(version: ArrayVersion<V>): P {
    if (version.values === undefined) this.#materialise(version);
    return version.view as P;
  }

  #materialise(version: ArrayVersion<V>): void {
    // Walk towards the newest version (or the nearest one already read), then undo
    // the changes on the way back, the oldest last, so that `version`'s own diff wins.
    const changes: ArrayVersion<V>[] = [];
    let at = version;
    while (at.values === undefined && at !== this.#newest) {
      changes.push(at);
      at = at.next as ArrayVersion<V>;
    }
    const values = (at.values ?? this.#live).slice();
    for (let i = changes.length - 1; i >= 0; i--) {
      const change = changes[i] as ArrayVersion<V>;
      values[change.index] = change.value;
    }
    version.values = Object.freeze(values);
    version.view = this.#present(version.values);
    // Older versions now stop here, so the changes after this one need not be kept for them.
    version.next = undefined;
    version.value = undefined;
  }
}

function newestVersion<V>(): ArrayVersion<V> {
  return { index: -1, value: undefined, next: undefined, values: undefined, view: undefined };
}
