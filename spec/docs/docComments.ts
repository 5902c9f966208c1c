import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { extractCodeBlocks, type CodeBlock } from './markdown.js';

/**
 * The TypeScript files (`.ts`, `.tsx`, no `.d.ts`) of a folder and its
 * subfolders: by default src/, whose doc comments TypeDoc publishes.
 */
export function listSourceFiles(root: string, dir = 'src'): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) found.push(...listSourceFiles(root, path));
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found.sort();
}

/**
 * The fenced code blocks of a source file's doc comments (`/** … *\/`), as
 * TypeDoc renders them: each comment's leading ` * ` removed, then read as
 * Markdown. Line numbers are the source file's, so a problem points at the
 * line to fix.
 */
export function extractDocCommentBlocks(source: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  for (const comment of source.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const startLine = source.slice(0, comment.index).split('\n').length;
    const body = (comment[1] ?? '')
      .split('\n')
      .map((line) => line.replace(/^\s*\* ?/, ''))
      .join('\n');
    for (const block of extractCodeBlocks(body)) {
      blocks.push({ ...block, fenceLine: block.fenceLine + startLine - 1, endLine: block.endLine + startLine - 1 });
    }
  }
  return blocks;
}
