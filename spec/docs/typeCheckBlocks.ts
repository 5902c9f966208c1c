import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { exampleFileOf, type CodeBlock } from './markdown.js';

/** The languages whose blocks are type-checked, and the extension each is written with. */
export const CHECKED_LANGUAGES: Readonly<Record<string, '.ts' | '.tsx'>> = { ts: '.ts', typescript: '.ts', tsx: '.tsx' };

/**
 * The options of a demanding user's tsconfig, on top of the project's
 * `strict`: a block that compiles only under looser settings would fail in
 * such a project, pasted as it is. `exactOptionalPropertyTypes`: an optional
 * option cannot be passed `undefined` unless its type says so;
 * `noUncheckedIndexedAccess`: `array[0]` may be `undefined`;
 * `verbatimModuleSyntax`: a type is imported with `import type` or `type`.
 */
export const STRICT_USER_OPTIONS = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
} as const satisfies ts.CompilerOptions;

/** A code block and the page it is on (a path relative to the repository root, with `/`). */
export interface PageBlock {
  readonly page: string;
  readonly block: CodeBlock;
}

/** One compiler diagnostic, placed in the Markdown page. */
export interface BlockProblem {
  readonly page: string;
  /** The line in the page (not in the block). */
  readonly line: number;
  readonly column: number;
  readonly fenceLine: number;
  readonly message: string;
}

/**
 * Type-checks code blocks, each as its own ES module, all in one TypeScript
 * program (one program keeps it to seconds however many blocks there are).
 *
 * The options are the project's (the `rx-task-status` paths onto src/), made
 * as strict as a demanding user's ({@link STRICT_USER_OPTIONS}), with
 * `module: ES2022`, `moduleResolution: Bundler`, `types: ['node']`
 * (no jest globals in user-facing code), `jsx: 'react-jsx'` for ```tsx blocks,
 * and every block a module even without an import, so top-level await works.
 * Unused locals are allowed: a block may declare a value to show its type.
 *
 * A relative import in a block resolves from the page's folder (`rootDirs`),
 * so a page can import the example file it explains; in a block that shows an
 * example file (its first line names it), from that file's folder.
 *
 * The blocks are written under a fresh folder of `os.tmpdir()` (with a link to
 * the project's node_modules, so packages resolve as they do for users),
 * removed before this returns.
 */
export function typeCheckBlocks(root: string, blocks: readonly PageBlock[]): BlockProblem[] {
  const dir = mkdtempSync(join(tmpdir(), 'rx-task-status-docs-'));
  try {
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const files = new Map<string, PageBlock>();
    for (const entry of blocks) {
      const extension = CHECKED_LANGUAGES[entry.block.lang];
      if (extension === undefined) continue;
      // A block that shows an example file is compiled in that file's folder, so its relative imports mean the same.
      const shown = exampleFileOf(entry.block)?.file;
      const file = join(dir, shown === undefined ? `${entry.page}.L${entry.block.fenceLine}${extension}` : `${shown}.L${entry.block.fenceLine}${extension}`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, entry.block.code);
      files.set(ts.sys.resolvePath(file), entry);
    }
    const program = ts.createProgram([...files.keys()], compilerOptions(root, dir));
    const problems: BlockProblem[] = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map((diagnostic) => ({
      page: 'tsconfig.json',
      line: 0,
      column: 0,
      fenceLine: 0,
      message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
    }));
    for (const sourceFile of program.getSourceFiles()) {
      const entry = files.get(ts.sys.resolvePath(sourceFile.fileName));
      if (entry === undefined) continue;
      for (const diagnostic of [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)]) {
        const { line, character } = sourceFile.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
        problems.push({
          page: entry.page,
          line: entry.block.fenceLine + 1 + line,
          column: character + 1,
          fenceLine: entry.block.fenceLine,
          message: `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
        });
      }
    }
    return problems.sort((a, b) => a.page.localeCompare(b.page) || a.line - b.line || a.column - b.column);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function compilerOptions(root: string, dir: string): ts.CompilerOptions {
  const configPath = join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  if (config.error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath);
  return {
    ...options,
    noEmit: true,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    moduleDetection: ts.ModuleDetectionKind.Force,
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
    jsx: ts.JsxEmit.ReactJSX,
    rootDirs: [dir, root],
    noUnusedLocals: false,
    noUnusedParameters: false,
    ...STRICT_USER_OPTIONS,
  };
}

/**
 * A whole file checked as one block, such as an example of docs/examples/ that
 * no page shows in full: its fence at line 0, so that the lines of its
 * problems are the file's own.
 */
export function wholeFileBlock(root: string, path: string): PageBlock {
  const code = readFileSync(join(root, path), 'utf8');
  return { page: path, block: { lang: path.endsWith('.tsx') ? 'tsx' : 'ts', fenceLine: 0, endLine: code.split('\n').length, code } };
}

/** `docs/x.md:12:5 (block at line 10): TS2322: …` (`docs/examples/a.ts:12:5: TS2322: …` for a whole file), one problem a line. */
export function formatProblems(problems: readonly BlockProblem[]): string {
  return problems
    .map(({ page, line, column, fenceLine, message }) => `${page}:${line}:${column}${fenceLine === 0 ? '' : ` (block at line ${fenceLine})`}: ${message}`)
    .join('\n');
}
