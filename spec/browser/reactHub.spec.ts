// The React example (examples/react-hub) in a real Chromium: every row goes
// through the states the provider reported, in order, to its end, and the
// page ends as its README shows; the batch bar reaches 100 % once every task
// has settled, failures included; one hub connection per page; three pages
// cost the provider what one does; nothing on the console; nothing left open.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startReactHubExample, TASK_IDS, type ReactHubExample, type ReactHubExampleOptions } from '../../examples/react-hub/server';
import { fixedInterval } from '../../src/index.js';
import { recordNetwork, type NetworkRecord } from './support/networkRecord';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Task time runs this much faster than the wall clock: the batch's 12 to 24 s take 2.4 to 4.8 s. */
const TIME_FACTOR = 5;
const README = resolve(__dirname, '../../examples/react-hub/README.md');

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.BROWSER_TEST === 'required') {
  throw new Error(`${CHROMIUM} is missing and BROWSER_TEST=required: install it (apt-get install -y chromium), as .ci/run does.`);
}
if (!haveChromium) console.warn(`spec/browser/reactHub.spec.ts is SKIPPED: ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it).`);
const describeInChromium = haveChromium ? describe : describe.skip;

/** The id Mobizon does not know: the page's last. */
const UNKNOWN_TASK = TASK_IDS[TASK_IDS.length - 1] as string;
/** Mobizon's status codes, as the page names them. */
const STATUS_NAMES: Readonly<Record<number, string>> = { 0: 'pending', 1: 'running', 2: 'completed', 3: 'failed' };

/**
 * An init script: on every change of the DOM, each row's state as
 * `status percent` is noted, when it differs from the row's last one.
 */
function recordRows(): void {
  const history: Record<string, string[]> = {};
  Object.defineProperty(window, 'rowHistory', { value: history });
  const note = () => {
    for (const row of document.querySelectorAll('li[data-task]')) {
      const seen = (history[row.getAttribute('data-task') as string] ??= []);
      const state = `${row.getAttribute('data-status')} ${Math.round((row.querySelector('progress') as HTMLProgressElement).value * 100)}`;
      if (seen[seen.length - 1] !== state) seen.push(state);
    }
  };
  new MutationObserver(note).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
}

/** The page as the README writes it: a line per heading, bar and row, each `<progress>` as `[#####.....]`. */
function pageText(page: Page): Promise<string> {
  return page.$eval('main', (main) =>
    [...main.querySelectorAll('h1, #batch, li')]
      .map((line) =>
        line.children.length === 0
          ? line.textContent
          : [...line.children].map((part) => (part instanceof HTMLProgressElement ? `[${'#'.repeat(Math.round(part.value * 10)).padEnd(10, '.')}]` : part.textContent)).join('  '),
      )
      .join('\n'),
  );
}

/** The README's ```text block: the page at the end. */
function readmePage(): string {
  const block = /```text\n([\s\S]*?)\n```/.exec(readFileSync(README, 'utf8'));
  if (block === null) throw new Error(`${README} has no \`\`\`text block showing the page.`);
  return block[1] as string;
}

/** What the fake Mobizon answered each poll of `taskId` with, as `status percent`, in order. */
function reportedStates({ provider }: ReactHubExample, taskId: string): string[] {
  return provider.log
    .entries({ taskId })
    .filter(({ status, rateLimited, aborted }) => status === 200 && !rateLimited && !aborted)
    .map(({ at }) => {
      const step = provider.tasks.stepAt(taskId, at);
      if (step === undefined) throw new Error(`The fake server has no task ${taskId}.`);
      return `${STATUS_NAMES[step.status as number]} ${step.progress ?? (step.status === 2 ? 100 : 0)}`;
    });
}

/** Whether `part` is `whole` with some items left out, the rest in the same order. */
function isSubsequence(part: readonly string[], whole: readonly string[]): boolean {
  let at = 0;
  for (const item of whole) if (item === part[at]) at++;
  return at === part.length;
}

/** How many handles of each kind: servers, sockets, pipes, child processes, timers. */
function countResources(resources: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of resources) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Resolves once `check` holds (checked every 50 ms); rejects after `ms`. */
async function waitFor(check: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !check(); await new Promise((done) => setTimeout(done, 50))) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
  }
}

describeInChromium('the React example on a task hub, in Chromium', () => {
  let browser: Browser | undefined;
  /** What a test started: closed after it, passed or failed. */
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 20_000);

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function start(options: ReactHubExampleOptions = {}): Promise<ReactHubExample> {
    const example = await startReactHubExample({ timeFactor: TIME_FACTOR, ...options });
    closers.push(() => example.close());
    return example;
  }

  /** A page in a browser context of its own (a session of its own), recording its rows, its hub requests and its console. */
  async function openPage(example: ReactHubExample) {
    const context = await (browser as Browser).newContext();
    closers.push(() => context.close());
    const page = await context.newPage();
    const logged: string[] = [];
    page.on('console', (message) => ['error', 'warning'].includes(message.type()) && logged.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => logged.push(`uncaught: ${error.message}`));
    const network = await recordNetwork(context, page);
    closers.push(() => network.detach());
    await page.addInitScript(recordRows);
    await page.goto(`${example.url}/`);
    return { page, logged, network };
  }

  /** The requests that opened a stream on the hub: one per connection. */
  const streamOpens = (example: ReactHubExample, network: NetworkRecord) => network.requests.filter(({ method, url }) => method === 'POST' && url === `${example.url}/tasks/streams`);

  const settled = (page: Page) => page.waitForSelector('#batch[data-done="true"]', { timeout: 20_000 });

  /**
   * Each row showed the states the provider reported for its task, in order, ending on the last; a state
   * reported in two polls in a row lasted a poll interval at least, and the row showed it (one reported once
   * may be drawn over by the next before the screen is: React renders what is latest). A page that
   * `joinedLate` (others watched the tasks before it) starts from the state the hub had then. The unknown id
   * showed "waiting", then its error. Answers how many states were reported twice in a row.
   */
  async function expectRowsToFollowTheProvider(example: ReactHubExample, page: Page, { joinedLate = false } = {}): Promise<number> {
    const history = await page.evaluate(() => (window as unknown as { rowHistory: Record<string, string[]> }).rowHistory);
    let lastingStates = 0;
    for (const id of TASK_IDS.filter((taskId) => taskId !== UNKNOWN_TASK)) {
      const shown = (history[id] ?? []).filter((state) => !state.startsWith('waiting'));
      const all = reportedStates(example, id);
      const reported = joinedLate ? all.slice(Math.max(0, all.indexOf(shown[0] as string))) : all;
      const distinct = reported.filter((state, i) => state !== reported[i - 1]);
      const lasting = distinct.filter((state) => reported.some((same, i) => same === state && reported[i + 1] === state));
      expect({ id, inOrder: isSubsequence(shown, distinct), skipped: lasting.filter((state) => !shown.includes(state)), last: shown[shown.length - 1] }).toEqual({
        id,
        inOrder: true,
        skipped: [],
        last: distinct[distinct.length - 1],
      });
      expect(distinct[distinct.length - 1]).toMatch(/^(completed 100|failed \d+)$/);
      lastingStates += lasting.length;
    }
    expect(history[UNKNOWN_TASK]).toEqual(['waiting 0', 'error 0']);
    return lastingStates;
  }

  it('shows each task live to its end, in order, over one hub connection, and ends as its README shows', async () => {
    const example = await start();
    const { page, logged, network } = await openPage(example);
    await settled(page);

    expect(await pageText(page)).toBe(readmePage());
    expect(await page.$eval('#batch progress', (bar) => (bar as HTMLProgressElement).value)).toBe(1);

    await expectRowsToFollowTheProvider(example, page);

    // One connection to the hub for five rows and the bar (StrictMode's double mount included), no reconnection.
    expect(streamOpens(example, network)).toHaveLength(1);
    expect(logged).toEqual([]);
  }, 40_000);

  it('costs the provider one poll loop per task, whether one page watches or three', async () => {
    // Two servers, the same batch on each, opened at once: one page on the first, three on the second. The hub's
    // source polls each task every second (Mobizon's shortest), without jitter and without a request budget, so that
    // a poll loop's requests are counted exactly and each loop runs at its own pace (a budget would cap three loops
    // per task as it caps one). Polled that often, a state is often reported twice: no page may skip one.
    const source = { maxRequestsPerSecond: Infinity, interval: 1000, policy: fixedInterval(), jitter: 0 };
    const [alone, shared] = await Promise.all([start({ source }), start({ source })]);
    const opened = await Promise.all([alone, shared, shared, shared].map(async (example) => ({ example, ...(await openPage(example)) })));
    await Promise.all(opened.map(({ page }) => settled(page)));
    let lastingStates = 0;
    for (const { example, page, logged, network } of opened) {
      expect(await pageText(page)).toBe(readmePage());
      lastingStates += await expectRowsToFollowTheProvider(example, page, { joinedLate: example === shared });
      expect(streamOpens(example, network)).toHaveLength(1);
      expect(logged).toEqual([]);
    }
    expect(lastingStates).toBeGreaterThan(0);

    // Each task's polls on each server, over its whole life (a batch starts when a page first asks the hub for it).
    // One poll loop per task polls about once a second on both servers; a loop per page would poll three times as
    // often. About: while four pages load at once, a gap grows on one server or the other (task time runs 5 times
    // faster than the wall clock, and so do delays). The unknown id is asked about once per watch: its watch ends
    // at its first answer (not found), and a page that asks after that starts a new one.
    const [one, three] = [alone, shared].map(({ provider }) => Object.fromEntries(provider.log.countsByTask())) as [Record<string, number>, Record<string, number>];
    process.stdout.write(`Provider requests per task, one page: ${JSON.stringify(one)}; three pages: ${JSON.stringify(three)}\n`);
    expect(Object.keys(three).sort()).toEqual([...TASK_IDS].sort());
    expect(TASK_IDS.filter((id) => id !== UNKNOWN_TASK && (three[id] as number) > (one[id] as number) * 1.5 + 2)).toEqual([]);
    expect({ onePage: one[UNKNOWN_TASK], threePages: (three[UNKNOWN_TASK] as number) <= 3 }).toEqual({ onePage: 1, threePages: true });
  }, 60_000);

  it('leaves nothing open: the example closes its servers, hub and polls, and the browser closes', async () => {
    const timersBefore = countResources(process.getActiveResourcesInfo()).Timeout ?? 0;
    const example = await start();
    const { page } = await openPage(example);
    await page.waitForSelector('li[data-status="running"]', { timeout: 20_000 });
    await example.close();
    await (browser as Browser).close();
    expect((browser as Browser).isConnected()).toBe(false);
    await expect(fetch(`${example.url}/`)).rejects.toThrow();
    await expect(fetch(example.provider.url)).rejects.toThrow();
    // No server, socket, child process or timer of theirs is left (a socket's or a process's handle goes a moment after it closes).
    const left = () => {
      const { TCPServerWrap = 0, TCPSocketWrap = 0, ProcessWrap = 0, Timeout = 0 } = countResources(process.getActiveResourcesInfo());
      return { servers: TCPServerWrap, sockets: TCPSocketWrap, processes: ProcessWrap, timers: Math.max(0, Timeout - timersBefore) };
    };
    const nothing = { servers: 0, sockets: 0, processes: 0, timers: 0 };
    await waitFor(() => JSON.stringify(left()) === JSON.stringify(nothing), 5_000).catch(() => undefined);
    expect(left()).toEqual(nothing);
  }, 30_000);
});
