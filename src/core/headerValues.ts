/** Reads one header, case-insensitively; `null` when absent (the `Headers.get` contract). */
export interface HeaderReader {
  /** The header's value (several joined by `, `), or `null` when absent. */
  get(name: string): string | null;
  /**
   * node-fetch's (cross-fetch's in Node) map of names to values: where it
   * exists, the headers wanted are read from it in one pass, not by a `get`
   * per name (node-fetch's `get` scans every header).
   */
  raw?(): Record<string, string[] | undefined>;
}

/**
 * The values of the headers named in `names` (lower case) that are present,
 * by lower-case name; several values of one name joined by `, `, as `get`
 * joins them. Read in one pass over node-fetch's `raw()` map where there is
 * one: its `get` lower-cases the name asked and scans every header for it, so
 * a `get` per name costs a scan per name. Elsewhere, one `get` per name.
 */
export function headerValues(headers: HeaderReader, names: ReadonlySet<string>): Map<string, string> {
  const values = new Map<string, string>();
  if (typeof headers.raw === 'function') {
    const all = headers.raw();
    // Names keep the case they were first set with (a response's are already lower case).
    for (const name in all) {
      const key = name.toLowerCase();
      if (names.has(key)) values.set(key, all[name]?.join(', ') ?? '');
    }
    return values;
  }
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null) values.set(name, value);
  }
  return values;
}
