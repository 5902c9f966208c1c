import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { extractDocCommentBlocks, listSourceFiles } from './docComments.js';
import { exampleFileOf, extractCodeBlocks, listMarkdownFiles, readPage } from './markdown.js';
import { CHECKED_LANGUAGES, formatProblems, typeCheckBlocks, wholeFileBlock, type BlockProblem, type PageBlock } from './typeCheckBlocks.js';

// Every ```ts / ```typescript / ```tsx block of README.md and docs/**/*.md is a
// complete ES module that must compile: the docs cannot rot silently. So is
// every such block of a doc comment in src/, which TypeDoc publishes as the
// API reference's examples, and every file of docs/examples/ (pages show some
// of them in full, and import others). They compile under the options of a
// demanding user (exactOptionalPropertyTypes, noUncheckedIndexedAccess,
// verbatimModuleSyntax on top of strict): code pasted from the docs must
// compile in such a project too.

const root = resolve(__dirname, '../..');
const pages = listMarkdownFiles(root);
const blocks: PageBlock[] = pages.flatMap((page) => extractCodeBlocks(readPage(root, page)).map((block) => ({ page, block })));
const sources = listSourceFiles(root);
const commentBlocks: PageBlock[] = sources.flatMap((page) => extractDocCommentBlocks(readPage(root, page)).map((block) => ({ page, block })));
const checked = blocks.filter(({ block }) => CHECKED_LANGUAGES[block.lang] !== undefined);
const checkedComments = commentBlocks.filter(({ block }) => CHECKED_LANGUAGES[block.lang] !== undefined);
const exampleFiles = listSourceFiles(root, 'docs/examples');
const exampleBlocks: PageBlock[] = exampleFiles.map((file) => wholeFileBlock(root, file));

// Blocks that prove the checker itself, compiled in the same program (one program is the slow part).
const PROBE_PAGE = 'docs/__probe__.md';
const probe = (fenceLine: number, lang: string, code: string): PageBlock => ({
  page: PROBE_PAGE,
  block: { lang, fenceLine, endLine: fenceLine + code.split('\n').length + 1, code },
});
const probes: PageBlock[] = [
  probe(10, 'ts', "import { isTerminal } from 'rx-task-status';\n\nconst status: number = 'completed';\nisTerminal({ status: 'failed' });"),
  probe(20, 'ts', "await new Promise((resolve) => setTimeout(resolve, 0));\nconst n: number = await Promise.resolve(1);\nconsole.log(n);"),
  probe(30, 'ts', "import { acmeTasks } from './examples/custom-provider/acme.js';\n\nconst source: { watch(ref: string): unknown } = acmeTasks({ token: 't' });\nconsole.log(source);"),
  probe(40, 'tsx', "import { startFakeProviderServer } from 'rx-task-status/testing';\n\nexport const View = ({ port }: { port: number }) => <p>{port}</p>;\nconsole.log(typeof startFakeProviderServer, <View port=\"1\" />);"),
  probe(50, 'sh', 'this is not TypeScript and is not checked'),
  // One probe for each option a demanding user adds: each compiles without its option, and fails with it.
  probe(60, 'ts', 'export function half(n) {\n  return n / 2;\n}'),
  probe(70, 'ts', "import { TaskState } from 'rx-task-status';\n\nexport const none: TaskState | undefined = undefined;"),
  probe(80, 'ts', "const ids: string[] = ['a'];\nexport const first: string = ids[0];"),
  probe(90, 'ts', 'interface Options {\n  readonly interval?: number;\n}\ndeclare const given: number | undefined;\nexport const options: Options = { interval: given };'),
];

let problems: BlockProblem[] = [];
// One program of every block: 10 to 20 s alone on 2 cores, longer when other runs share them.
beforeAll(() => {
  problems = typeCheckBlocks(root, [...blocks, ...commentBlocks, ...exampleBlocks, ...probes]);
}, 180_000);

const problemsOf = (page: string) => problems.filter((problem) => problem.page === page);

describe('code blocks of the docs', () => {
  it('are found in README.md and in docs/', () => {
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'docs/index.md', 'docs/operators.md', 'docs/react.md']));
    expect(checked.length).toBeGreaterThan(10);
  });

  it('are checked with options the compiler accepts', () => {
    expect(formatProblems(problemsOf('tsconfig.json'))).toBe('');
  });

  it.each(pages.filter((page) => checked.some((entry) => entry.page === page)))('of %s all compile', (page) => {
    expect(formatProblems(problemsOf(page))).toBe('');
  });

  it.each(sources.filter((page) => checkedComments.some((entry) => entry.page === page)))('in the doc comments of %s all compile', (page) => {
    expect(formatProblems(problemsOf(page))).toBe('');
  });

  it('are found in the doc comments of src/ too', () => {
    expect(checkedComments.length).toBeGreaterThan(10);
    expect(checkedComments.map((entry) => entry.page)).toEqual(expect.arrayContaining(['src/operators/untilTerminal.ts', 'src/providers/stream.ts']));
  });

  it.each(exampleFiles)('of the example file %s all compile, the whole file', (file) => {
    expect(formatProblems(problemsOf(file))).toBe('');
  });

  it('that name an example file show that file as it is', () => {
    const copies = checked.flatMap(({ page, block }) => {
      const named = exampleFileOf(block);
      return named === undefined ? [] : [{ where: `${page}:${block.fenceLine}`, file: named.file, shown: named.body }];
    });
    expect(copies.length).toBeGreaterThan(0);
    for (const { where, file, shown } of copies) {
      expect({ where, exists: existsSync(join(root, file)) }).toEqual({ where, exists: true });
      expect({ where, shown: shown.trimEnd() }).toEqual({ where, shown: readFileSync(join(root, file), 'utf8').trimEnd() });
    }
  });
});

describe('the block checker', () => {
  it('reports a type error at its line in the page, with the code of the diagnostic', () => {
    const found = problemsOf(PROBE_PAGE).filter((problem) => problem.fenceLine === 10);
    expect(found).toEqual([
      expect.objectContaining({ line: 13, column: 7, message: expect.stringMatching(/^TS2322: Type 'string' is not assignable to type 'number'/) }),
    ]);
    expect(formatProblems(found)).toMatch(/^docs\/__probe__\.md:13:7 \(block at line 10\): TS2322/);
  });

  it('compiles a block as an ES module even without an import, so top-level await works', () => {
    expect(problemsOf(PROBE_PAGE).filter((problem) => problem.fenceLine === 20)).toEqual([]);
  });

  it("resolves a relative import from the page's folder", () => {
    expect(problemsOf(PROBE_PAGE).filter((problem) => problem.fenceLine === 30)).toEqual([]);
  });

  it('checks tsx blocks as React JSX, with the testing entry mapped', () => {
    const found = problemsOf(PROBE_PAGE).filter((problem) => problem.fenceLine === 40);
    expect(found).toEqual([expect.objectContaining({ line: 44, message: expect.stringMatching(/^TS2322: Type 'string' is not assignable to type 'number'/) })]);
  });

  it('leaves blocks in other languages alone', () => {
    expect(problemsOf(PROBE_PAGE).filter((problem) => problem.fenceLine === 50)).toEqual([]);
  });

  it.each([
    { option: 'strict', fenceLine: 60, line: 61, code: 'TS7006' }, // Parameter 'n' implicitly has an 'any' type.
    { option: 'verbatimModuleSyntax', fenceLine: 70, line: 71, code: 'TS1484' }, // 'TaskState' is a type and must be imported using a type-only import
    { option: 'noUncheckedIndexedAccess', fenceLine: 80, line: 82, code: 'TS2322' }, // Type 'string | undefined' is not assignable to type 'string'.
    { option: 'exactOptionalPropertyTypes', fenceLine: 90, line: 95, code: 'TS2375' }, // … with 'exactOptionalPropertyTypes: true'.
  ])('compiles with $option on, as a demanding user does', ({ fenceLine, line, code }) => {
    const found = problemsOf(PROBE_PAGE).filter((problem) => problem.fenceLine === fenceLine);
    expect(found).toEqual([expect.objectContaining({ line, message: expect.stringMatching(new RegExp(`^${code}: `)) })]);
  });
});
