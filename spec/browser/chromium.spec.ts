// The example page in a real Chromium, against the fake provider server over
// real cross-origin HTTP: every task reaches its end on the page, within the
// providers' budgets, and not one request leaves the page while it is hidden.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startFakeProviderServer, type FakeProviderServer, type ProviderName } from '../../src/testing/index.js';
import { bundleExample } from '../../examples/browser/bundle';
import { pageQuery } from '../../examples/browser/pageConfig';
import { createExampleScenario, EXAMPLE_SERVER_OPTIONS } from '../../examples/browser/scenario';
import { serveStatic, type StaticServer } from '../../examples/browser/serveStatic';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOT = resolve(__dirname, '../../artifacts/browser-example.png');
/** The longest poll interval of the page's sources (Postman's and Mobizon's default): a hidden spell must outlast two. */
const LONGEST_INTERVAL_MS = 2000;
/** On show, each provider's first poll must come before this: far sooner than any interval would bring it. */
const RESUME_WITHIN_MS = 500;
const PROVIDERS = ['stream', 'postman', 'mobizon'] as const satisfies readonly ProviderName[];

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.BROWSER_TEST === 'required') {
  throw new Error(`${CHROMIUM} is missing and BROWSER_TEST=required: install it (apt-get install -y chromium), as .ci/run does.`);
}
if (!haveChromium) console.warn(`spec/browser/chromium.spec.ts is SKIPPED: ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it).`);
const describeInChromium = haveChromium ? describe : describe.skip;

/**
 * Counts the fetches the page starts and keeps the first failures' messages;
 * installed before any of its scripts, so the library's default fetch is this one.
 */
function countFetches(): void {
  const original = window.fetch;
  const record = { started: 0, failures: [] as string[] };
  Object.defineProperty(window, 'fetchRecord', { value: record });
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

interface FetchRecord {
  readonly started: number;
  readonly failures: readonly string[];
}

function fetchRecord(page: Page): Promise<FetchRecord> {
  return page.evaluate(() => (window as unknown as { fetchRecord: FetchRecord }).fetchRecord);
}

/** Makes the page hidden or visible as a tab switch does, and answers how many fetches the page had started by then. */
function setHidden(page: Page, hidden: boolean): Promise<number> {
  return page.evaluate((hide) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hide ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hide });
    document.dispatchEvent(new Event('visibilitychange'));
    return (window as unknown as { fetchRecord: FetchRecord }).fetchRecord.started;
  }, hidden);
}

/** Each task row as `status: text`, keyed by its name. */
function rowsOf(page: Page): Promise<Record<string, string>> {
  return page.$$eval('.task', (rows) =>
    Object.fromEntries(rows.map((row) => [row.getAttribute('data-task'), `${row.getAttribute('data-status')}: ${row.querySelector('.status')?.textContent ?? ''}`])),
  );
}

function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

function pause(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, Math.max(0, ms)));
}

describeInChromium('the browser example in Chromium', () => {
  let folder: string;
  let site: StaticServer | undefined;
  let browser: Browser | undefined;
  let server: FakeProviderServer | undefined;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'rx-task-status-chromium-'));
    await bundleExample(folder);
    site = await serveStatic(folder);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 20_000);

  afterEach(() => server?.close());

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('follows every task to its end within the budgets, and sends nothing while the page is hidden', async () => {
    server = await startFakeProviderServer(EXAMPLE_SERVER_OPTIONS);
    const { config, tasks } = await createExampleScenario(server);
    const context = await (browser as Browser).newContext({ viewport: { width: 800, height: 480 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await page.addInitScript(countFetches);
      await page.goto(`${(site as StaticServer).url}/${pageQuery(config)}`);

      // Visible: every task is heard from (long before the first ends, 4 s after creation).
      await page.waitForFunction((count) => document.querySelectorAll('.task[data-heard="true"]').length === count, tasks.length, { timeout: 10_000 }).catch(async () => {
        const { started, failures } = await fetchRecord(page);
        throw new Error(
          `Not every task was heard from within 10 s: the page started ${started} fetches, the server received ${server?.log.count()} requests; ` +
            `fetch failures: ${JSON.stringify(failures)}; rows: ${JSON.stringify(await rowsOf(page))}`,
        );
      });

      // Hidden: the requests already on their way arrive and end, and then nothing at all.
      const startedWhenHidden = await setHidden(page, true);
      const hiddenAt = server.now();
      expect(startedWhenHidden).toBeGreaterThanOrEqual(tasks.length);
      await within(5_000, server.log.waitForSettled(startedWhenHidden), 'the requests started before hiding settle');
      const lastEnd = Math.max(...tasks.map(({ task }) => task.terminalAt as number));
      // Stay hidden until every task has ended on the server, and for at least two poll intervals.
      await pause(Math.max(lastEnd, hiddenAt + 2 * LONGEST_INTERVAL_MS) - server.now());
      expect((await fetchRecord(page)).started).toBe(startedWhenHidden);
      expect(server.log.count()).toBe(startedWhenHidden);
      // The server has finished every task; the page still shows the ones it had not seen finish before hiding.
      const rows = await rowsOf(page);
      const stale = Object.values(rows).filter((row) => /^(pending|running):/.test(row)).length;
      expect({ stale: stale > 0, rows }).toEqual({ stale: true, rows });
      expect(await page.locator('#paused').isVisible()).toBe(true);

      // Shown again: every provider polls at once, and the page catches up with the server.
      const shownAt = server.now();
      await setHidden(page, false);
      await page.waitForSelector('#total[data-done="true"]', { timeout: 10_000 });
      const afterShow = server.log.entries().slice(startedWhenHidden);
      expect(afterShow.filter((entry) => entry.at < shownAt)).toEqual([]);
      const late = PROVIDERS.map((provider) => ({ provider, delay: (afterShow.find((entry) => entry.provider === provider)?.at ?? Infinity) - shownAt })).filter(
        ({ delay }) => delay >= RESUME_WITHIN_MS,
      );
      expect(late).toEqual([]);

      expect(await rowsOf(page)).toEqual(Object.fromEntries(tasks.map(({ key, expected }) => [key, expect.stringMatching(new RegExp(`^${expected}:`))])));
      expect(await page.locator('#total .status').textContent()).toBe('done: 5 completed, 3 failed');
      const overBudget = PROVIDERS.map((provider) => ({
        provider,
        most: (server as FakeProviderServer).log.maxRequestsInAnyWindow({ provider }),
        budget: EXAMPLE_SERVER_OPTIONS[provider].budget,
      })).filter(({ most, budget }) => most > budget);
      expect(overBudget).toEqual([]);
      expect(server.log.rateLimitRefusals()).toBe(0);
      expect(pageErrors).toEqual([]);
    } finally {
      // On failure too: the page as it was is the first thing to look at.
      mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      await context.close();
    }
  }, 30_000);
});
