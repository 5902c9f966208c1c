import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** A fenced code block of a Markdown page. */
export interface CodeBlock {
  /** The first word of the info string (`ts`, `tsx`, `sh`, …); '' when there is none. */
  readonly lang: string;
  /** 1-based line of the opening fence in the page. */
  readonly fenceLine: number;
  /** 1-based line of the closing fence (the last line of the page when it is missing). */
  readonly endLine: number;
  /** The block's content, its fence's indentation removed. */
  readonly code: string;
}

/** Markdown files the docs are made of: README.md and docs/**\/*.md, minus the generated API reference. */
export function listMarkdownFiles(root: string, { skip = ['docs/api'] }: { skip?: readonly string[] } = {}): string[] {
  const found = ['README.md'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skip.includes(path)) walk(path);
      } else if (entry.name.endsWith('.md')) {
        found.push(path);
      }
    }
  };
  walk('docs');
  return found.sort();
}

/** Reads a file of the repository by its path relative to `root`, with `/` separators. */
export function readPage(root: string, path: string): string {
  return readFileSync(join(root, path), 'utf8');
}

export function toRepoPath(root: string, absolute: string): string {
  return relative(root, absolute).split('\\').join('/');
}

const FENCE = /^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)/;

/**
 * The fenced code blocks of a page (CommonMark rules that matter here: ``` or
 * ~~~, three or more, indented at most three spaces; the closing fence is the
 * same character, at least as long). An unclosed block runs to the end.
 */
export function extractCodeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (open === null) continue;
    const [, indent = '', fence = '', lang = ''] = open;
    const content: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      if (isClosingFence(line, fence)) break;
      content.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    blocks.push({ lang: lang.toLowerCase(), fenceLine: i + 1, endLine: Math.min(j + 1, lines.length), code: content.join('\n') });
    i = j;
  }
  return blocks;
}

function isClosingFence(line: string, fence: string): boolean {
  const trimmed = line.trim();
  return trimmed.length >= fence.length && trimmed === fence[0]!.repeat(trimmed.length) && /^ {0,3}\S/.test(line);
}

/** The page with every fenced block's lines blanked, so that code is never read as prose (line numbers kept). */
export function proseOnly(markdown: string): string {
  const lines = markdown.split(/\r?\n/);
  for (const block of extractCodeBlocks(markdown)) {
    for (let n = block.fenceLine - 1; n < block.endLine; n++) lines[n] = '';
  }
  return lines.join('\n');
}

/** A link of a page's prose: `[text](target)`, `![alt](target)` or a reference definition `[label]: target`. */
export interface MarkdownLink {
  readonly target: string;
  readonly line: number;
}

export function extractLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  proseOnly(markdown)
    .split('\n')
    .forEach((text, index) => {
      const line = text.replace(/`+[^`]*`+/g, '');
      for (const match of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ target: match[1]!, line: index + 1 });
      const reference = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(line);
      if (reference !== null) links.push({ target: reference[1]!, line: index + 1 });
    });
  return links;
}

/**
 * The anchors a page offers: GitHub's heading slugs (lower case, punctuation
 * dropped, spaces to hyphens, `-1`, `-2` … for repeats) and explicit
 * `<a id="…">` / `<a name="…">`.
 */
export function extractAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseOnly(markdown).split('\n')) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading !== null) {
      const base = slug(heading[1]!);
      const repeats = seen.get(base) ?? 0;
      seen.set(base, repeats + 1);
      anchors.add(repeats === 0 ? base : `${base}-${repeats}`);
    }
    for (const match of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]!);
  }
  return anchors;
}

/** GitHub's slug of a heading's text. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[`*]/g, ''); // code spans and emphasis marks
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/**
 * The example file a block shows, when its first line names one:
 * `// docs/examples/react/useTaskState.ts`. Such a block must be that file, as it is.
 */
export function exampleFileOf(block: CodeBlock): { readonly file: string; readonly body: string } | undefined {
  const named = /^\/\/ (docs\/examples\/\S+\.tsx?)\n/.exec(block.code);
  return named === null ? undefined : { file: named[1]!, body: block.code.slice(named[0].length) };
}
