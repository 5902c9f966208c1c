// The example page in a real Chromium, against the fake provider server over
// real cross-origin HTTP: every task reaches its end on the page, bars moving
// on the way, within the providers' budgets, and not one request leaves the
// page while it is hidden. It says so when it cannot follow a task or reach a
// server, and carries on after a trip through the back/forward cache.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startFakeProviderServer, type FakeProviderServer, type ProviderName } from '../../src/testing/index.js';
import { bundleExample } from '../../examples/browser/bundle';
import { pageQuery, type PageConfig } from '../../examples/browser/pageConfig';
import { createExampleScenario, EXAMPLE_SERVER_OPTIONS, type ScenarioTask } from '../../examples/browser/scenario';
import { serveStatic, type StaticServer } from '../../examples/browser/serveStatic';
import { barsOf, fetchRecord, instrumentPage, observeFor, pageTransitions, rowsOf, setHidden, textLayout, within } from './support/examplePage';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = resolve(__dirname, '../../artifacts');
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

/** Every row shows its task's expected end. */
const expectedRows = (tasks: readonly ScenarioTask[]) => Object.fromEntries(tasks.map(({ key, expected }) => [key, expect.stringMatching(new RegExp(`^${expected}:`))]));

/** A port nothing listens on (taken, then given back). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((done) => probe.close(() => done()));
  return port;
}

describeInChromium('the browser example in Chromium', () => {
  let folder: string;
  let site: StaticServer | undefined;
  let browser: Browser | undefined;
  let server: FakeProviderServer | undefined;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'rx-task-status-chromium-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    await bundleExample(folder);
    // Somewhere to go, for the back/forward cache test.
    writeFileSync(join(folder, 'away.html'), '<!doctype html><title>away</title><p>Another page.</p>');
    site = await serveStatic(folder);
    // Playwright turns the back/forward cache off by default; the page must work with it, as browsers ship it.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, ignoreDefaultArgs: ['--disable-back-forward-cache'] });
  }, 20_000);

  afterEach(() => server?.close());

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  /**
   * Opens the page on `config` in a fresh context and runs `check` on it; then,
   * passed or failed, saves a screenshot (the page as it was is the first thing
   * to look at) and asserts that the page threw nothing.
   */
  async function onPage(screenshot: string, config: PageConfig, check: (page: Page, context: BrowserContext) => Promise<void>): Promise<void> {
    const context = await (browser as Browser).newContext({ viewport: { width: 800, height: 520 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await page.addInitScript(instrumentPage);
      await page.goto(`${(site as StaticServer).url}/${pageQuery(config)}`);
      await check(page, context);
    } finally {
      await page.screenshot({ path: join(ARTIFACTS, screenshot), fullPage: true });
      await context.close();
    }
    expect(pageErrors).toEqual([]);
  }

  it('follows every task to its end with moving bars, within the budgets, and sends nothing while the page is hidden', async () => {
    server = await startFakeProviderServer(EXAMPLE_SERVER_OPTIONS);
    const { config, tasks } = await createExampleScenario(server);
    await onPage('browser-example.png', config, async (page) => {
      // Visible: every task is heard from (long before the first ends, 4 s after creation).
      await page.waitForFunction((count) => document.querySelectorAll('.task[data-heard="true"]').length === count, tasks.length, { timeout: 10_000 }).catch(async () => {
        const { started, failures } = await fetchRecord(page);
        throw new Error(
          `Not every task was heard from within 10 s: the page started ${started} fetches, the server received ${server?.log.count()} requests; ` +
            `fetch failures: ${JSON.stringify(failures)}; rows: ${JSON.stringify(await rowsOf(page))}`,
        );
      });

      // A Mobizon task, which reports progress, shows it partway. Checked on every change of the page (a
      // MutationObserver sees the page after each update it draws), so no state goes unseen, however short.
      const { value, text } = await within(
        5_000,
        page.evaluate(
          () =>
            new Promise<{ value: number; text: string }>((resolve) => {
              const check = () => {
                for (const row of document.querySelectorAll('.task[data-task^="mobizon:"][data-status="running"]')) {
                  const bar = row.querySelector('progress') as HTMLProgressElement;
                  if (bar.hasAttribute('value') && bar.value > 0 && bar.value < 1) {
                    observer.disconnect();
                    resolve({ value: bar.value, text: row.querySelector('.status')?.textContent ?? '' });
                    return;
                  }
                }
              };
              const observer = new MutationObserver(check);
              observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
              check();
            }),
        ),
        'a running Mobizon task shows progress between 0 and 100 %',
      );
      expect(text).toBe(`running ${Math.floor(value * 100)}%`);

      // Hidden: the requests already on their way arrive and end, and then nothing at all.
      const startedWhenHidden = await setHidden(page, true);
      const hiddenAt = (server as FakeProviderServer).now();
      expect(startedWhenHidden).toBeGreaterThanOrEqual(tasks.length);
      await within(5_000, (server as FakeProviderServer).log.waitForSettled(startedWhenHidden), 'the requests started before hiding settle');
      const lastEnd = Math.max(...tasks.map(({ task }) => task.terminalAt as number));
      // Stay hidden until every task has ended on the server, and for at least two poll intervals.
      await observeFor(Math.max(lastEnd, hiddenAt + 2 * LONGEST_INTERVAL_MS) - (server as FakeProviderServer).now());
      expect((await fetchRecord(page)).started).toBe(startedWhenHidden);
      expect((server as FakeProviderServer).log.count()).toBe(startedWhenHidden);
      // The server has finished every task; the page still shows the ones it had not seen finish before hiding.
      const rows = await rowsOf(page);
      const stale = Object.values(rows).filter((row) => /^(pending|running):/.test(row)).length;
      expect({ stale: stale > 0, rows }).toEqual({ stale: true, rows });
      expect(await page.locator('#paused').isVisible()).toBe(true);

      // Shown again: every provider polls at once, and the page catches up with the server.
      const shownAt = (server as FakeProviderServer).now();
      await setHidden(page, false);
      await page.waitForSelector('#total[data-done="true"]', { timeout: 10_000 });
      const afterShow = (server as FakeProviderServer).log.entries().slice(startedWhenHidden);
      expect(afterShow.filter((entry) => entry.at < shownAt)).toEqual([]);
      const late = PROVIDERS.map((provider) => ({ provider, delay: (afterShow.find((entry) => entry.provider === provider)?.at ?? Infinity) - shownAt })).filter(
        ({ delay }) => delay >= RESUME_WITHIN_MS,
      );
      expect(late).toEqual([]);

      expect(await rowsOf(page)).toEqual(expectedRows(tasks));
      // Done with failures: the bar is full (every task has settled), and the summary fits its column on one line.
      expect(await page.$eval('#total progress', (bar) => (bar as HTMLProgressElement).value)).toBe(1);
      expect(await textLayout(page, '#total .status')).toEqual({ text: 'done: 5 completed, 3 failed', lines: 1, truncated: false });
      expect(await page.locator('#paused, #trouble, #problem').filter({ visible: true }).count()).toBe(0);
      const overBudget = PROVIDERS.map((provider) => ({
        provider,
        most: (server as FakeProviderServer).log.maxRequestsInAnyWindow({ provider }),
        budget: EXAMPLE_SERVER_OPTIONS[provider].budget,
      })).filter(({ most, budget }) => most > budget);
      expect(overBudget).toEqual([]);
      expect((server as FakeProviderServer).log.rateLimitRefusals()).toBe(0);
    });
  }, 30_000);

  it("shows a provider's setup error on its rows, not as news to wait for, and follows the other tasks to their end", async () => {
    server = await startFakeProviderServer(EXAMPLE_SERVER_OPTIONS);
    const { config, tasks } = await createExampleScenario(server, { slowdown: 0.5 });
    const { postmanKey: _, ...otherCredentials } = config.credentials;
    await onPage('browser-example-setup-error.png', { ...config, credentials: otherCredentials }, async (page) => {
      await page.waitForSelector('#total[data-done="true"]', { timeout: 10_000 });
      const postmanKeys = tasks.filter(({ key }) => key.startsWith('postman')).map(({ key }) => key);
      const missingKey = 'error: Expected `postmanKey` in the query string.';
      expect(await rowsOf(page)).toEqual({ ...expectedRows(tasks), ...Object.fromEntries(postmanKeys.map((key) => [key, `error: ${missingKey}`])) });
      const bars = await barsOf(page);
      expect(postmanKeys.map((key) => bars[key])).toEqual(postmanKeys.map(() => 0));
      expect(await page.locator('#problem').textContent()).toBe('Cannot follow the Postman tasks: Expected `postmanKey` in the query string.');
      expect(await textLayout(page, '#total .status')).toEqual({ text: 'done: 3 completed, 2 failed, 3 errors', lines: 1, truncated: false });
      expect((server as FakeProviderServer).log.count({ provider: 'postman' })).toBe(0);
    });
  }, 20_000);

  it('says it is retrying while a server fails, and carries on once it answers again', async () => {
    server = await startFakeProviderServer(EXAMPLE_SERVER_OPTIONS);
    const failing = server.faults.add({ kind: 'server-error', status: 503 }, { provider: 'mobizon', times: Infinity });
    const { config, tasks } = await createExampleScenario(server, { slowdown: 0.5 });
    const mobizonKeys = tasks.filter(({ key }) => key.startsWith('mobizon:')).map(({ key }) => key);
    await onPage('browser-example-recovered.png', config, async (page) => {
      const retrying = () => page.$$eval('.task[data-retrying]', (rows) => rows.map((row) => `${row.getAttribute('data-task')}: ${row.querySelector('.status')?.textContent}`));
      await page.waitForSelector('#trouble:not([hidden])', { timeout: 5_000 });
      expect(await page.locator('#trouble').textContent()).toMatch(/^Can't reach the Mobizon server: it answered HTTP 503\. Retrying… \(\d+ failed requests?( in a row)?\)$/);
      await page.waitForFunction((count) => document.querySelectorAll('.task[data-retrying]').length === count, mobizonKeys.length, { timeout: 5_000 });
      expect(await retrying()).toEqual(mobizonKeys.map((key) => `${key}: retrying: can't reach the server`));
      await page.screenshot({ path: join(ARTIFACTS, 'browser-example-retrying.png'), fullPage: true });

      failing.remove();
      await page.waitForSelector('#total[data-done="true"]', { timeout: 15_000 });
      expect(await rowsOf(page)).toEqual(expectedRows(tasks));
      expect(await retrying()).toEqual([]);
      expect(await page.locator('#trouble').isHidden()).toBe(true);
    });
  }, 30_000);

  it("says it cannot reach a server nothing listens on, on every row, instead of 'waiting for news'", async () => {
    server = await startFakeProviderServer(EXAMPLE_SERVER_OPTIONS);
    const { config, tasks } = await createExampleScenario(server);
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    await onPage('browser-example-unreachable.png', { ...config, server: unreachable }, async (page) => {
      await page.waitForFunction((count) => document.querySelectorAll('.task[data-retrying]').length === count, tasks.length, { timeout: 5_000 });
      expect(Object.values(await rowsOf(page))).toEqual(tasks.map(() => "waiting: retrying: can't reach the server"));
      const notice = (await page.locator('#trouble').textContent()) ?? '';
      expect(notice.split('\n').map((line) => line.replace(/ \(\d+ failed requests?( in a row)?\)$/, ''))).toEqual(
        ['Stream', 'Postman', 'Mobizon'].map((name) => `Can't reach the ${name} server: no answer (Failed to fetch). Retrying…`),
      );
    });
  }, 20_000);

  it('follows again when the page comes back from the back/forward cache, without asking again about finished tasks', async () => {
    server = await startFakeProviderServer(EXAMPLE_SERVER_OPTIONS);
    const { config, tasks } = await createExampleScenario(server);
    await onPage('browser-example-restored.png', config, async (page, context) => {
      const notRestored: unknown[] = [];
      const cdp = await context.newCDPSession(page);
      cdp.on('Page.backForwardCacheNotUsed', (event) => notRestored.push(event.notRestoredExplanations));
      await cdp.send('Page.enable');

      // Leave once a task has finished on the page, while others still run.
      await page.waitForSelector('.task[data-status="completed"]', { timeout: 10_000 });
      const finished = await page.$$eval('.task[data-status="completed"], .task[data-status="failed"]', (rows) => rows.map((row) => row.getAttribute('data-task')));
      expect(finished.length).toBeLessThan(tasks.length);
      const leftAt = (server as FakeProviderServer).now();
      await page.goto(`${(site as StaticServer).url}/away.html`);
      // A page restored from the cache fires no load event: wait for the navigation only.
      await page.goBack({ waitUntil: 'commit' });
      await page.waitForFunction(() => (window as unknown as { pageTransitions: string[] }).pageTransitions.length >= 3, undefined, { timeout: 5_000 });
      expect({ transitions: await pageTransitions(page), notRestored }).toEqual({ transitions: ['show:false', 'hide:true', 'show:true'], notRestored: [] });

      await page.waitForSelector('#total[data-done="true"]', { timeout: 10_000 });
      expect(await rowsOf(page)).toEqual(expectedRows(tasks));
      const finishedIds = new Set(tasks.filter(({ key }) => finished.includes(key)).map(({ task }) => task.id));
      const askedAgain = (server as FakeProviderServer).log.entries().filter((entry) => entry.at >= leftAt && finishedIds.has(entry.taskId ?? ''));
      expect(askedAgain).toEqual([]);
    });
  }, 30_000);
});
