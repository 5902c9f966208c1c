import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { extractAnchors, extractCodeBlocks, extractLinks, listMarkdownFiles, readPage, slug } from './markdown.js';

// Every relative link of README.md and docs/**/*.md points at a file that
// exists, and every #anchor at a heading of its page: moving or renaming a page
// breaks a test, not a reader's click.
//
// The docs ship in the package, and the package has no repository to link to:
// a page read in node_modules/rx-task-status/ must link only to files that are
// there too. So every relative link of a shipped Markdown file (README.md,
// docs/, examples/*/README.md) points at a shipped file, or a folder with
// shipped files, as `npm pack` lists them.

const root = resolve(__dirname, '../..');
const apiOut: string = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')).out;
const pages = listMarkdownFiles(root, { skip: [apiOut] });

/**
 * The files `npm pack` would put in the package, by their path in it. Scripts
 * are not run, so nothing is built: dist/ is missing from this list in a fresh
 * clone, which is fine as no page links into it.
 */
function listShippedFiles(): Set<string> {
  const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  const [pack] = JSON.parse(json) as Array<{ files: Array<{ path: string }> }>;
  return new Set(pack?.files.map(({ path }) => path) ?? []);
}

const shipped = listShippedFiles();
const shippedPages = [...shipped].filter((path) => path.endsWith('.md')).sort();

/** The path in the repository a relative link leads to (`''` for an anchor of the page itself), or undefined for a link with a scheme. */
function linkedPath(page: string, target: string): { readonly file: string; readonly anchor: string | undefined } | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) return undefined; // https:, mailto:, …
  const [pathPart = '', anchor] = target.split('#', 2);
  const file = pathPart === '' ? page : posix.normalize(posix.join(posix.dirname(page), decodeURIComponent(pathPart)));
  return { file, anchor };
}

/** The relative links of a shipped page that lead out of the package: to a file that is not shipped, or a folder with none. */
function unshippedLinks(page: string, markdown: string, files: ReadonlySet<string>): Broken[] {
  const broken: Broken[] = [];
  for (const { target, line } of extractLinks(markdown)) {
    const linked = linkedPath(page, target);
    if (linked === undefined) continue;
    const folder = linked.file.endsWith('/') ? linked.file : `${linked.file}/`;
    if (files.has(linked.file) || [...files].some((path) => path.startsWith(folder))) continue;
    broken.push({ where: `${page}:${line}`, target, why: `${linked.file} is not in the package` });
  }
  return broken;
}

interface Broken {
  readonly where: string;
  readonly target: string;
  readonly why: string;
}

function brokenLinks(page: string): Broken[] {
  const broken: Broken[] = [];
  for (const { target, line } of extractLinks(readPage(root, page))) {
    const linked = linkedPath(page, target);
    if (linked === undefined) continue;
    const { file, anchor } = linked;
    const where = `${page}:${line}`;
    // The API reference is generated (`npm run docs`) and not committed: its links are checked only once it exists.
    if ((file === apiOut || file.startsWith(`${apiOut}/`)) && !existsSync(join(root, apiOut))) continue;
    if (file.startsWith('../') || !existsSync(join(root, file))) {
      broken.push({ where, target, why: `${file} does not exist` });
      continue;
    }
    if (anchor !== undefined && anchor !== '' && file.endsWith('.md') && !extractAnchors(readPage(root, file)).has(decodeURIComponent(anchor))) {
      broken.push({ where, target, why: `${file} has no heading with the anchor #${anchor}` });
    }
    if (anchor !== undefined && statSync(join(root, file)).isDirectory()) broken.push({ where, target, why: 'an anchor into a folder' });
  }
  return broken;
}

describe('links of the docs', () => {
  it.each([...new Set([...pages, ...shippedPages])].sort())('of %s point at files and headings that exist', (page) => {
    expect(brokenLinks(page)).toEqual([]);
  });

  it('are read from every Markdown file the package ships, as npm pack lists them', () => {
    expect(shippedPages).toEqual(expect.arrayContaining(['README.md', 'docs/index.md', 'docs/reliability.md', 'examples/pipeline/README.md']));
    expect(shippedPages).toEqual(expect.arrayContaining(pages));
  });

  it.each(shippedPages)('of %s, shipped in the package, point at files the package ships too', (page) => {
    expect(unshippedLinks(page, readPage(root, page), shipped)).toEqual([]);
  });

  it('of the docs index reach every page of the docs', () => {
    const linked = new Set(
      extractLinks(readPage(root, 'docs/index.md'))
        .map(({ target }) => target.split('#')[0]!)
        .filter((target) => target.endsWith('.md'))
        .map((target) => posix.normalize(posix.join('docs', target))),
    );
    const unlinked = pages.filter((page) => page.startsWith('docs/') && page !== 'docs/index.md' && !linked.has(page));
    expect(unlinked).toEqual([]);
  });
});

describe('the link reader', () => {
  const page = [
    '# Using `watch`: a guide',
    'See [the operators](operators.md#untilterminal), ![a chart](img/c.png "chart") and [home](https://example.com).',
    '`[not a link](nowhere.md)` in code is not a link.',
    '```ts',
    "const s = '[nor this](nowhere.md)';",
    '```',
    '## Using `watch`: a guide',
    '<a id="custom-anchor"></a>',
    '[ref]: ./testing.md',
  ].join('\n');

  it('finds inline links, images and reference definitions in prose, never in code', () => {
    expect(extractLinks(page)).toEqual([
      { target: 'operators.md#untilterminal', line: 2 },
      { target: 'img/c.png', line: 2 },
      { target: 'https://example.com', line: 2 },
      { target: './testing.md', line: 9 },
    ]);
  });

  it('names headings as GitHub does, numbering repeats, and keeps explicit anchors', () => {
    expect([...extractAnchors(page)]).toEqual(['using-watch-a-guide', 'using-watch-a-guide-1', 'custom-anchor']);
    expect(slug('1. A codec for the body')).toBe('1-a-codec-for-the-body');
    expect(slug('Settle all, or fail fast')).toBe('settle-all-or-fail-fast');
    expect(slug('The `tasks` view, and what it costs')).toBe('the-tasks-view-and-what-it-costs');
  });

  it('tells a link out of the package from one to a shipped file or a folder with shipped files', () => {
    const files = new Set(['README.md', 'docs/reliability.md', 'docs/testing.md', 'examples/pipeline/main.ts']);
    const links = [
      '[the leak test](../spec/reliability/leaks.spec.ts)',
      '[testing](testing.md#the-fake-server), [this page](#faults), [home](https://example.com)',
      '[the pipeline](../examples/pipeline/) and [again](../examples/pipeline)',
      '[the bundle check](../examples/browser/bundle.ts), [the readme](../README.md)',
    ].join('\n');
    expect(unshippedLinks('docs/reliability.md', links, files)).toEqual([
      { where: 'docs/reliability.md:1', target: '../spec/reliability/leaks.spec.ts', why: 'spec/reliability/leaks.spec.ts is not in the package' },
      { where: 'docs/reliability.md:4', target: '../examples/browser/bundle.ts', why: 'examples/browser/bundle.ts is not in the package' },
    ]);
  });

  it('finds fenced blocks with their language and lines, ``` or ~~~, indented or not', () => {
    const blocks = extractCodeBlocks(['text', '```ts title', 'a', '```', '  ~~~~sh', '  b', '  ```', '  ~~~~', '```'].join('\n'));
    expect(blocks).toEqual([
      { lang: 'ts', fenceLine: 2, endLine: 4, code: 'a' },
      { lang: 'sh', fenceLine: 5, endLine: 8, code: 'b\n```' },
      { lang: '', fenceLine: 9, endLine: 9, code: '' },
    ]);
  });

});
