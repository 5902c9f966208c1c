import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { extractAnchors, extractCodeBlocks, extractLinks, listMarkdownFiles, readPage, slug } from './markdown.js';

// Every relative link of README.md and docs/**/*.md points at a file that
// exists, and every #anchor at a heading of its page: moving or renaming a page
// breaks a test, not a reader's click.

const root = resolve(__dirname, '../..');
const apiOut: string = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')).out;
const pages = listMarkdownFiles(root, { skip: [apiOut] });

interface Broken {
  readonly where: string;
  readonly target: string;
  readonly why: string;
}

function brokenLinks(page: string): Broken[] {
  const broken: Broken[] = [];
  for (const { target, line } of extractLinks(readPage(root, page))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // https:, mailto:, …
    const [pathPart = '', anchor] = target.split('#', 2);
    const file = pathPart === '' ? page : posix.normalize(posix.join(posix.dirname(page), decodeURIComponent(pathPart)));
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
  it.each(pages)('of %s point at files and headings that exist', (page) => {
    expect(brokenLinks(page)).toEqual([]);
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

  it('finds fenced blocks with their language and lines, ``` or ~~~, indented or not', () => {
    const blocks = extractCodeBlocks(['text', '```ts title', 'a', '```', '  ~~~~sh', '  b', '  ```', '  ~~~~', '```'].join('\n'));
    expect(blocks).toEqual([
      { lang: 'ts', fenceLine: 2, endLine: 4, code: 'a' },
      { lang: 'sh', fenceLine: 5, endLine: 8, code: 'b\n```' },
      { lang: '', fenceLine: 9, endLine: 9, code: '' },
    ]);
  });

});
