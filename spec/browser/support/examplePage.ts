// What the Chromium spec needs to drive the example page and read it back:
// a fetch counter installed before the page's scripts, visibility switches,
// the rows as text, and the layout questions (does a text fit on its line?).
import type { Page } from 'playwright-core';

export interface FetchRecord {
  readonly started: number;
  readonly failures: readonly string[];
}

/** What the page saw of its life: `show:false` on load, `hide:true` into the back/forward cache, `show:true` out of it. */
export type PageTransitions = readonly string[];

/**
 * Counts the fetches the page starts, keeps the first failures' messages, and
 * notes page transitions; an init script, run before any of the page's own, so
 * every fetch of the page goes through this one.
 */
export function instrumentPage(): void {
  const original = window.fetch;
  const record = { started: 0, failures: [] as string[] };
  const transitions: string[] = [];
  Object.defineProperty(window, 'fetchRecord', { value: record });
  Object.defineProperty(window, 'pageTransitions', { value: transitions });
  addEventListener('pageshow', (event) => transitions.push(`show:${event.persisted}`));
  addEventListener('pagehide', (event) => transitions.push(`hide:${event.persisted}`));
  window.fetch = function (this: unknown, ...args: Parameters<typeof fetch>) {
    record.started++;
    const failed = (error: unknown) => {
      if (record.failures.length < 3) record.failures.push(String(error));
      throw error;
    };
    try {
      // `this` passed on as received: a library calling fetch on the wrong receiver fails here as it would without the counter.
      return original.apply(this, args).catch(failed);
    } catch (error) {
      return failed(error);
    }
  };
}

export function fetchRecord(page: Page): Promise<FetchRecord> {
  return page.evaluate(() => (window as unknown as { fetchRecord: FetchRecord }).fetchRecord);
}

export function pageTransitions(page: Page): Promise<PageTransitions> {
  return page.evaluate(() => [...(window as unknown as { pageTransitions: PageTransitions }).pageTransitions]);
}

/** Makes the page hidden or visible as a tab switch does, and answers how many fetches the page had started by then. */
export function setHidden(page: Page, hidden: boolean): Promise<number> {
  return page.evaluate((hide) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hide ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hide });
    document.dispatchEvent(new Event('visibilitychange'));
    return (window as unknown as { fetchRecord: FetchRecord }).fetchRecord.started;
  }, hidden);
}

/** Each task row as `status: text`, keyed by its name. */
export function rowsOf(page: Page): Promise<Record<string, string>> {
  return page.$$eval('.task', (rows) =>
    Object.fromEntries(rows.map((row) => [row.getAttribute('data-task'), `${row.getAttribute('data-status')}: ${row.querySelector('.status')?.textContent ?? ''}`])),
  );
}

/** Each task row's bar: its value, or `'busy'` when it has none (indeterminate). */
export function barsOf(page: Page): Promise<Record<string, number | 'busy'>> {
  return page.$$eval('.task', (rows) =>
    Object.fromEntries(
      rows.map((row) => {
        const bar = row.querySelector('progress') as HTMLProgressElement;
        return [row.getAttribute('data-task'), bar.hasAttribute('value') ? bar.value : 'busy'];
      }),
    ),
  );
}

/** How the text of `selector` is laid out: on how many lines, and whether it is cut off (ellipsis). */
export function textLayout(page: Page, selector: string): Promise<{ text: string; lines: number; truncated: boolean }> {
  return page.$eval(selector, (element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
    return { text: element.textContent ?? '', lines, truncated: element.scrollWidth > element.clientWidth };
  });
}

export function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Waits out a spell the test must observe in full (a hidden page must stay silent for it): not a wait for something to happen. */
export function observeFor(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, Math.max(0, ms)));
}
