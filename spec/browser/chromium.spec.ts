// The example page in a real Chromium, served with its task hub by the example
// server, which polls the fake provider server: every task reaches its end on
// the page, bars moving on the way, within the providers' budgets; ten pages on
// the same tasks cost the provider what one watcher costs; no key ever reaches
// a page; a hidden page holds no connection and catches up when shown. It says
// so when it cannot follow a task or reach the hub, and carries on after a
// trip through the back/forward cache.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Subscription } from 'rxjs';
import type { SourceOptions } from '../../src/index.js';
import { startFakeProviderServer, type FakeProviderServer, type FakeProviderServerOptions, type ProviderName } from '../../src/testing/index.js';
import { bundleExample } from '../../examples/browser/bundle';
import { SESSION_COOKIE, startExampleServer, type ExampleServer } from '../../examples/browser/exampleServer';
import { pageQuery, type ExampleProvider, type PageConfig } from '../../examples/browser/pageConfig';
import { createExampleScenario, EXAMPLE_SERVER_OPTIONS, hubSources, type ExampleScenario, type ScenarioTask } from '../../examples/browser/scenario';
import { barsOf, fetchRecord, instrumentPage, observeFor, pageTransitions, rowsOf, setHidden, textLayout, within } from './support/examplePage';
import { recordNetwork, type NetworkRecord, type RecordedRequest } from './support/networkRecord';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = resolve(__dirname, '../../artifacts');
/** The longest poll interval of the hub's sources (Postman's and Mobizon's default): a hidden spell must outlast two. */
const LONGEST_INTERVAL_MS = 2000;
/** On show, the page's streams must be opened again before this: at once, not after some backoff. */
const RESUME_WITHIN_MS = 500;
const PROVIDERS = ['stream', 'postman', 'mobizon'] as const satisfies readonly (ProviderName & ExampleProvider)[];
/** Pages open at once on the same tasks. */
const PAGES = 10;

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

interface ServerSetup {
  /** The sources the hub offers. Default: all three. */
  readonly only?: readonly ExampleProvider[];
  /** The fake provider server's options. Default {@link EXAMPLE_SERVER_OPTIONS}: the library's budgets, enforced. */
  readonly provider?: FakeProviderServerOptions;
  /** Options of the hub's sources. Default: the library's. */
  readonly source?: SourceOptions;
}

/**
 * A server clock held still until `release()`, then running on from where it
 * stood: tasks created while it is held wait for it.
 */
function heldClock(): { now: () => number; release: () => void } {
  let heldAt: number | undefined = Date.now();
  let lost = 0;
  return {
    now: () => heldAt ?? Date.now() - lost,
    release: () => {
      if (heldAt === undefined) return;
      lost = Date.now() - heldAt;
      heldAt = undefined;
    },
  };
}

/** A request's header, whatever the case of its name. */
const headerOf = (request: RecordedRequest, name: string) => Object.entries(request.headers).find(([key]) => key.toLowerCase() === name)?.[1];

/** The tasks a request to open a hub stream asks for, as `provider:ref`. */
const watchedBy = (request: RecordedRequest) => (JSON.parse(request.body) as { watch: { provider: string; ref: string }[] }).watch.map(({ provider, ref }) => `${provider}:${ref}`);

describeInChromium('the browser example in Chromium', () => {
  let folder: string;
  let browser: Browser | undefined;
  let providers: FakeProviderServer | undefined;
  let site: ExampleServer | undefined;
  /** What a test started besides: closed after it, passed or failed. */
  const closers: (() => Promise<unknown> | void)[] = [];

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'rx-task-status-chromium-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    await bundleExample(folder);
    // Somewhere to go, for the back/forward cache test.
    writeFileSync(join(folder, 'away.html'), '<!doctype html><title>away</title><p>Another page.</p>');
    // Playwright turns the back/forward cache off by default; the page must work with it, as browsers ship it.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, ignoreDefaultArgs: ['--disable-back-forward-cache'] });
  }, 20_000);

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await site?.close();
    await providers?.close();
    site = undefined;
    providers = undefined;
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  /** Starts the fake provider server and the example server with its hub on it (offering `only` these sources, made with `source`). */
  async function startServers({ only, provider = EXAMPLE_SERVER_OPTIONS, source }: ServerSetup = {}): Promise<void> {
    providers = await startFakeProviderServer(provider);
    site = await startExampleServer({ folder, sources: hubSources(providers, only, source) });
  }

  /** The servers, and the batch on them. */
  async function serve({ slowdown, ...setup }: ServerSetup & { readonly slowdown?: number } = {}): Promise<ExampleScenario> {
    await startServers(setup);
    return createExampleScenario(providers as FakeProviderServer, { slowdown });
  }

  /** No key the hub holds in anything the page sent or received, nor in its DOM, nor in a cookie its scripts can read; and it talked to its own server only. */
  async function expectNoSecrets(page: Page, network: NetworkRecord): Promise<void> {
    const seen = [network.text(), await page.content(), await page.evaluate(() => document.cookie)].join('\n');
    const { stream, mobizon, postman } = (providers as FakeProviderServer).credentials;
    expect([stream.apiKey, stream.apiSecret, mobizon.apiKey, postman.apiKey].filter((secret) => seen.includes(secret))).toEqual([]);
    // Nor a Stream server token, which the hub's source signs with the secret (a JWT: three base64url parts, the first `{"…`).
    expect(seen.match(/eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*/g) ?? []).toEqual([]);
    expect(network.requests.filter(({ url }) => !url.startsWith(`${(site as ExampleServer).url}/`)).map(({ url }) => url)).toEqual([]);
  }

  /**
   * Opens the page on `config` in a fresh context (a browser of its own: a
   * session of its own) and runs `check` on it; then, passed or failed, saves
   * a screenshot (the page as it was is the first thing to look at) and
   * asserts that the page threw nothing and that no key reached it.
   */
  async function onPage(
    screenshot: string,
    config: PageConfig,
    check: (page: Page, context: BrowserContext, network: NetworkRecord) => Promise<void>,
    { checkSecrets = true, before }: { readonly checkSecrets?: boolean; readonly before?: (context: BrowserContext) => Promise<unknown> } = {},
  ): Promise<void> {
    const context = await (browser as Browser).newContext({ viewport: { width: 800, height: 520 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const network = await recordNetwork(context, page);
    try {
      await before?.(context);
      await page.addInitScript(instrumentPage);
      await page.goto(`${(site as ExampleServer).url}/${pageQuery(config)}`);
      await check(page, context, network);
      if (checkSecrets) await expectNoSecrets(page, network);
    } finally {
      await page.screenshot({ path: join(ARTIFACTS, screenshot), fullPage: true });
      await network.detach();
      await context.close();
    }
    expect(pageErrors).toEqual([]);
  }

  /** The page's requests that opened a hub stream. */
  const streamOpens = (network: NetworkRecord) => network.requests.filter(({ method, url }) => method === 'POST' && url === `${(site as ExampleServer).url}/tasks/streams`);

  it('follows every task to its end with moving bars, within the budgets; hidden, it holds no connection, and shown again it catches up', async () => {
    const { config, tasks } = await serve();
    await onPage('browser-example.png', config, async (page, _context, network) => {
      const server = providers as FakeProviderServer;
      // Visible: every task is heard from (long before the first ends, 4 s after creation).
      await page.waitForFunction((count) => document.querySelectorAll('.task[data-heard="true"]').length === count, tasks.length, { timeout: 10_000 }).catch(async () => {
        const { started, failures } = await fetchRecord(page);
        throw new Error(
          `Not every task was heard from within 10 s: the page started ${started} fetches, the provider received ${server.log.count()} requests; ` +
            `fetch failures: ${JSON.stringify(failures)}; rows: ${JSON.stringify(await rowsOf(page))}`,
        );
      });
      // One connection for the page, its three providers' sources sharing it, asking for every task at once.
      const opens = streamOpens(network).map(watchedBy);
      expect(opens).toHaveLength(1);
      expect(opens.flat().sort()).toEqual(tasks.map(({ key }) => key).sort());

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

      // Hidden: the page lets go of every hub connection, and then sends nothing at all.
      const startedWhenHidden = await setHidden(page, true);
      const hiddenAt = server.now();
      await network.until(() => streamOpens(network).every(({ done }) => done), 2_000, 'every hub stream of the page closes once it is hidden');
      const requestsWhenHidden = network.requests.length;
      const lastEnd = Math.max(...tasks.map(({ task }) => task.terminalAt as number));
      // Stay hidden until every task has ended on the server, and for at least two poll intervals.
      await observeFor(Math.max(lastEnd, hiddenAt + 2 * LONGEST_INTERVAL_MS) - server.now());
      expect((await fetchRecord(page)).started).toBe(startedWhenHidden);
      expect(network.requests.slice(requestsWhenHidden).map(({ method, url }) => `${method} ${url}`)).toEqual([]);
      expect(streamOpens(network).filter(({ done }) => !done)).toEqual([]);
      // Meanwhile the hub went on polling, for a page that may come back (its resume window).
      expect(server.log.entries().filter(({ at }) => at > hiddenAt).length).toBeGreaterThan(0);
      // The server has finished every task; the page still shows the ones it had not seen finish before hiding.
      const rows = await rowsOf(page);
      const stale = Object.values(rows).filter((row) => /^(pending|running):/.test(row)).length;
      expect({ stale: stale > 0, rows }).toEqual({ stale: true, rows });
      expect(await page.locator('#paused').isVisible()).toBe(true);

      // Shown again: the page takes up its streams where they stopped (Last-Event-ID), at once, and catches up.
      const opensBefore = streamOpens(network).length;
      const shownAt = Date.now();
      await setHidden(page, false);
      await page.waitForSelector('#total[data-done="true"]', { timeout: 10_000 });
      const reopened = streamOpens(network).slice(opensBefore);
      expect(reopened.map((request) => ({ late: request.at - shownAt >= RESUME_WITHIN_MS, resumed: headerOf(request, 'last-event-id') !== undefined }))).toEqual(
        [{ late: false, resumed: true }],
      );

      expect(await rowsOf(page)).toEqual(expectedRows(tasks));
      // Done with failures: the bar is full (every task has settled), and the summary fits its column on one line.
      expect(await page.$eval('#total progress', (bar) => (bar as HTMLProgressElement).value)).toBe(1);
      expect(await textLayout(page, '#total .status')).toEqual({ text: 'done: 5 completed, 3 failed', lines: 1, truncated: false });
      expect(await page.locator('#paused, #trouble, #problem').filter({ visible: true }).count()).toBe(0);
      const overBudget = PROVIDERS.map((provider) => ({
        provider,
        most: server.log.maxRequestsInAnyWindow({ provider }),
        budget: EXAMPLE_SERVER_OPTIONS[provider].budget,
      })).filter(({ most, budget }) => most > budget);
      expect(overBudget).toEqual([]);
      expect(server.log.rateLimitRefusals()).toBe(0);
    });
  }, 30_000);

  it(`serves ${PAGES} pages on the same tasks with one poll loop per task (what one direct watcher costs), no key on the wire, and one connection per provider a page shows`, async () => {
    // The tasks wait (their servers' clock held) until all ten pages are connected, then run: what is compared is the
    // tasks' whole lives with every page watching, not the seconds it takes ten pages to open. No request budget, so
    // that each poll loop runs at its interval (a budget caps ten loops as it caps one), and a short interval, for
    // many requests per task.
    const clock = heldClock();
    const setup = { provider: { clock: clock.now }, source: { maxRequestsPerSecond: Infinity, interval: 500 } } as const satisfies ServerSetup;
    await startServers(setup);
    const server = providers as FakeProviderServer;
    // A twin server, on the same clock, for one watcher on direct sources: what a page polling on its own costs.
    const twin = await startFakeProviderServer(setup.provider);
    closers.push(() => twin.close());

    // Ten people: a browser context (and so a session) each.
    const opened = await Promise.all(
      Array.from({ length: PAGES }, async () => {
        const context = await (browser as Browser).newContext({ viewport: { width: 800, height: 520 } });
        closers.push(() => context.close());
        const page = await context.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (error) => pageErrors.push(error.message));
        return { page, pageErrors, network: await recordNetwork(context, page) };
      }),
    );

    // The same batch on both servers; one watcher on direct sources follows the twin's from when the hub first polls
    // (a page's stream brings the hub all of a provider's tasks at once: so do the direct watches).
    const { config, tasks } = createExampleScenario(server, { slowdown: 1.5 });
    const alone = createExampleScenario(twin, { slowdown: 1.5 });
    const direct = hubSources(twin, undefined, setup.source);
    const directSubscriptions: Subscription[] = [];
    closers.push(() => directSubscriptions.forEach((subscription) => subscription.unsubscribe()));
    const directDone = Promise.all(
      PROVIDERS.map(async (provider) => {
        await server.log.waitForRequests(1, { provider });
        const source = direct[provider] as NonNullable<(typeof direct)[ExampleProvider]>;
        const watches = alone.config.tasks.filter((task) => task.provider === provider);
        await Promise.all(watches.map((task) => new Promise<void>((done) => directSubscriptions.push(source.watch(task.ref).subscribe({ complete: done, error: () => done() })))));
      }),
    );

    // All ten open the page at once; once every page has its streams, the tasks start.
    const startedAt = Date.now();
    await Promise.all(opened.map(({ page }) => page.goto(`${(site as ExampleServer).url}/${pageQuery(config)}`)));
    await Promise.all(
      opened.map(({ network }) =>
        network.until(() => streamOpens(network).filter(({ responseHeaders }) => responseHeaders !== undefined).length === 1, 20_000, 'a page opens its stream'),
      ),
    );
    const connectedIn = Date.now() - startedAt;
    const [hubBefore, directBefore] = [server.log.count(), twin.log.count()];
    clock.release();
    await Promise.all(opened.map(({ page }) => page.waitForSelector('#total[data-done="true"]', { timeout: 20_000 })));
    await within(10_000, directDone, 'the direct watcher follows every task to its end');
    await opened[0]?.page.screenshot({ path: join(ARTIFACTS, 'browser-example-ten-pages.png'), fullPage: true });

    for (const { page, pageErrors, network } of opened) {
      expect(await rowsOf(page)).toEqual(expectedRows(tasks));
      expect(pageErrors).toEqual([]);
      // Each task's states came over the wire, and no key did.
      const received = streamOpens(network)
        .map(({ responseBody }) => responseBody)
        .join('\n');
      expect(tasks.filter(({ key }) => !received.includes(`"ref":${JSON.stringify(key.slice(key.indexOf(':') + 1))},"state"`)).map(({ key }) => key)).toEqual([]);
      // The record holds what the key check reads: headers as sent (the page's session cookie goes to the hub) and whole bodies (the page's script).
      expect(streamOpens(network).map((request) => headerOf(request, 'cookie'))).toEqual([expect.stringMatching(new RegExp(`^${SESSION_COOKIE}=[\\w-]{36}$`))]);
      expect(network.text()).toContain("Can't reach the task hub");
      await expectNoSecrets(page, network);
      // One hub connection for the page's three providers, not one per provider or per task, and no reconnection.
      expect(streamOpens(network).length).toBe(1);
    }

    // One poll loop per task: over the tasks' lives, the hub asks the provider about each as often as one direct
    // watcher does; ten loops would be ten times as often. Per task, a poll or two more or less: where each loop's
    // polls fall against the task's end, and Mobizon's progress-aware gaps, which follow what each loop has seen.
    const during = (log: FakeProviderServer['log'], before: number, taskId: string) => log.entries().slice(before).filter((entry) => entry.taskId === taskId).length;
    const counts = tasks.map(({ key, task }, index) => ({ key, hub: during(server.log, hubBefore, task.id), direct: during(twin.log, directBefore, (alone.tasks[index] as ScenarioTask).task.id) }));
    const total = (side: 'hub' | 'direct') => counts.reduce((sum, count) => sum + count[side], 0);
    console.log(
      `${PAGES} pages through the hub: ${total('hub')} provider requests over the tasks' lives (${counts.map(({ hub }) => hub).join(', ')} per task), ${hubBefore} while the pages connected; ` +
        `one direct watcher: ${total('direct')} (${counts.map(({ direct: one }) => one).join(', ')}), ${directBefore} before; ` +
        `hub connections per page: ${opened.map(({ network }) => streamOpens(network).length).join(', ')}; every page connected ${connectedIn} ms after they started`,
    );
    expect(Math.abs(total('hub') - total('direct'))).toBeLessThanOrEqual(Math.ceil(total('direct') * 0.1));
    expect(counts.filter(({ hub, direct: one }) => Math.abs(hub - one) > Math.max(2, Math.ceil(one * 0.1)))).toEqual([]);
    // While the pages connected too (the direct watcher starting a poll or two later, once it hears of the hub's first).
    expect(hubBefore).toBeLessThanOrEqual(directBefore + 2 * tasks.length);
    expect(server.log.rateLimitRefusals()).toBe(0);
  }, 60_000);

  it("shows the hub's refusal of a provider it does not offer on that provider's rows, not as news to wait for, and follows the other tasks to their end", async () => {
    const { config, tasks } = await serve({ only: ['stream', 'mobizon'], slowdown: 0.5 });
    await onPage('browser-example-setup-error.png', config, async (page) => {
      await page.waitForSelector('#total[data-done="true"]', { timeout: 10_000 });
      const postmanKeys = tasks.filter(({ key }) => key.startsWith('postman:')).map(({ key }) => key);
      const refused = 'error: PROVIDER: The task hub has no source named "postman".';
      expect(await rowsOf(page)).toEqual({ ...expectedRows(tasks), ...Object.fromEntries(postmanKeys.map((key) => [key, `error: ${refused}`])) });
      const bars = await barsOf(page);
      expect(postmanKeys.map((key) => bars[key])).toEqual(postmanKeys.map(() => 0));
      expect(await page.locator('#problem').isHidden()).toBe(true);
      expect(await textLayout(page, '#total .status')).toEqual({ text: 'done: 3 completed, 2 failed, 3 errors', lines: 1, truncated: false });
      expect((providers as FakeProviderServer).log.count({ provider: 'postman' })).toBe(0);
    });
  }, 20_000);

  it('says it is retrying while the hub fails, and carries on once it answers again', async () => {
    const { config, tasks } = await serve({ slowdown: 0.5 });
    // As a proxy in front of the hub would, for a while: 503 to every page that opens a stream.
    const failing = '**/tasks/streams';
    const before = (context: BrowserContext) => context.route(failing, (route) => route.fulfill({ status: 503, body: '' }));
    await onPage('browser-example-recovered.png', config, async (page, context) => {
      const retrying = () => page.$$eval('.task[data-retrying]', (rows) => rows.map((row) => `${row.getAttribute('data-task')}: ${row.querySelector('.status')?.textContent}`));
      await page.waitForSelector('#trouble:not([hidden])', { timeout: 5_000 });
      expect(await page.locator('#trouble').textContent()).toMatch(/^Can't reach the task hub: it answered HTTP 503\. Retrying… \(\d+ failed requests?( in a row)?\)$/);
      await page.waitForFunction((count) => document.querySelectorAll('.task[data-retrying]').length === count, tasks.length, { timeout: 5_000 });
      expect(await retrying()).toEqual(tasks.map(({ key }) => `${key}: retrying: can't reach the server`));
      await page.screenshot({ path: join(ARTIFACTS, 'browser-example-retrying.png'), fullPage: true });

      await context.unroute(failing);
      await page.waitForSelector('#total[data-done="true"]', { timeout: 15_000 });
      expect(await rowsOf(page)).toEqual(expectedRows(tasks));
      expect(await retrying()).toEqual([]);
      expect(await page.locator('#trouble').isHidden()).toBe(true);
    }, { before });
  }, 30_000);

  it("says it cannot reach a hub nothing listens on, on every row, instead of 'waiting for news'", async () => {
    const { config, tasks } = await serve();
    const unreachable = `http://127.0.0.1:${await closedPort()}/tasks`;
    await onPage(
      'browser-example-unreachable.png',
      { ...config, hub: unreachable },
      async (page) => {
        await page.waitForFunction((count) => document.querySelectorAll('.task[data-retrying]').length === count, tasks.length, { timeout: 5_000 });
        expect(Object.values(await rowsOf(page))).toEqual(tasks.map(() => "waiting: retrying: can't reach the server"));
        const notice = (await page.locator('#trouble').textContent()) ?? '';
        expect(notice.replace(/ \(\d+ failed requests?( in a row)?\)$/, '')).toBe("Can't reach the task hub: no answer (Failed to fetch). Retrying…");
      },
      // It tried another origin, on purpose.
      { checkSecrets: false },
    );
  }, 20_000);

  it('follows again when the page comes back from the back/forward cache, without asking again about finished tasks', async () => {
    const { config, tasks } = await serve();
    await onPage('browser-example-restored.png', config, async (page, context, network) => {
      const notRestored: unknown[] = [];
      const cdp = await context.newCDPSession(page);
      cdp.on('Page.backForwardCacheNotUsed', (event) => notRestored.push(event.notRestoredExplanations));
      await cdp.send('Page.enable');

      // Leave once a task has finished on the page, while others still run.
      await page.waitForSelector('.task[data-status="completed"]', { timeout: 10_000 });
      const finished = await page.$$eval('.task[data-status="completed"], .task[data-status="failed"]', (rows) => rows.map((row) => row.getAttribute('data-task') as string));
      expect(finished.length).toBeLessThan(tasks.length);
      const leftAt = (providers as FakeProviderServer).now();
      const opensBefore = streamOpens(network).length;
      await page.goto(`${(site as ExampleServer).url}/away.html`);
      // A page restored from the cache fires no load event: wait for the navigation only.
      await page.goBack({ waitUntil: 'commit' });
      await page.waitForFunction(() => (window as unknown as { pageTransitions: string[] }).pageTransitions.length >= 3, undefined, { timeout: 5_000 });
      expect({ transitions: await pageTransitions(page), notRestored }).toEqual({ transitions: ['show:false', 'hide:true', 'show:true'], notRestored: [] });

      await page.waitForSelector('#total[data-done="true"]', { timeout: 10_000 });
      expect(await rowsOf(page)).toEqual(expectedRows(tasks));
      // Back, it asks the hub only about the tasks it had not seen finish, and the hub polls no finished one.
      const askedAfter = streamOpens(network).slice(opensBefore).flatMap(watchedBy);
      expect(askedAfter.length).toBeGreaterThan(0);
      expect(askedAfter.filter((key) => finished.includes(key))).toEqual([]);
      const finishedIds = new Set(tasks.filter(({ key }) => finished.includes(key)).map(({ task }) => task.id));
      const polledAgain = (providers as FakeProviderServer).log.entries().filter((entry) => entry.at >= leftAt && finishedIds.has(entry.taskId ?? ''));
      expect(polledAgain).toEqual([]);
    });
  }, 30_000);
});
