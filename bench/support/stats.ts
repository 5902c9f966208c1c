// Small numeric helpers shared by the benchmarks: medians of runs, percentiles within a run.

/** The median of some numbers (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const finite = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? (finite[middle] as number) : ((finite[middle - 1] as number) + (finite[middle] as number)) / 2;
}

/** The nearest-rank percentile `p` (0..100) of some numbers; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** For each key of the rows (all of the same shape), the median over the runs; other fields come from the first run. */
export function medianRows<T extends object>(runs: readonly (readonly T[])[], numericKeys: readonly (keyof T)[]): T[] {
  const first = runs[0] ?? [];
  return first.map((row, index) => {
    const merged = { ...row } as Record<string, unknown>;
    for (const key of numericKeys) merged[key as string] = median(runs.map((rows) => Number(rows[index]?.[key] ?? Number.NaN)));
    return merged as T;
  });
}

export function formatNumber(value: number, digits = 1): string {
  if (Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return '∞';
  return value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Milliseconds as seconds with two decimals (`1.25 s`), or `n/a`. */
export function formatSeconds(ms: number): string {
  return Number.isNaN(ms) ? 'n/a' : `${(ms / 1000).toFixed(2)} s`;
}

/** A markdown table from a header and rows of cells; `align` says which columns are numbers (right-aligned). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, index) => (numeric[index] === true ? '---:' : '---'))), ...rows.map(line)].join('\n');
}

/** The most of some times (ms) that fall within any window of `windowMs`: the testing kit's own count. */
export { maxInAnyWindow } from '../../src/testing/log/maxInAnyWindow.js';
