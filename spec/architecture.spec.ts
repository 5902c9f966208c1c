// The shape of src/, checked: what DESIGN.md and STYLE.md say of it holds, or
// this fails naming the file. Imports are read from the sources' text, type-only
// ones included: a circle of types is still a circle to a reader.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(__dirname, '..', 'src');

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const files = sourceFiles(SRC);
const name = (path: string) => relative(SRC, path);

/** Each file's relative imports (and re-exports), as files. */
const imports = new Map(
  files.map((file) => {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)\b[^;]*?from\s+'(\.{1,2}\/[^']+)'/gms)].map((match) =>
      resolve(dirname(file), (match[1] as string).replace(/\.js$/, '.ts')),
    );
    return [file, targets] as const;
  }),
);

/** Every import circle, each as the list of files around it (found once, from its first file in order). */
function circles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const target of imports.get(file) ?? []) {
      if (state.get(target) === 'open') found.push(path.slice(path.indexOf(target)).map(name));
      else if (!state.has(target)) visit(target);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return found;
}

describe('the source tree', () => {
  it('reads every relative import it checks', () => {
    expect(files.length).toBeGreaterThan(50);
    for (const targets of imports.values()) for (const target of targets) expect(files).toContain(target);
  });

  it('has no import circle', () => {
    expect(circles()).toEqual([]);
  });

  it('keeps provider details out of the core, and timers and fetch out of the providers', () => {
    for (const file of files.filter((path) => name(path).startsWith('core/'))) {
      for (const target of imports.get(file) ?? []) expect(`${name(file)} → ${name(target)}`).not.toMatch(/→ (providers|testing|cli|hub|redis)\//);
    }
    for (const file of files.filter((path) => name(path).startsWith('providers/'))) {
      const text = readFileSync(file, 'utf8');
      expect(`${name(file)}: ${/\b(setTimeout|setInterval|fetch\(|asyncScheduler|timer\()/.exec(text)?.[0] ?? 'clean'}`).toBe(`${name(file)}: clean`);
    }
  });

  it('keeps the portable entry (browsers) free of Node modules, and of the hub, Redis, testing and CLI code', () => {
    // What a bundler puts in a page in place of a Node module: package.json's `browser` field, read as source files.
    const browser = (JSON.parse(readFileSync(resolve(SRC, '..', 'package.json'), 'utf8')) as { browser: Record<string, string> }).browser;
    const asSource = (path: string) => resolve(SRC, path.replace(/^\.\/dist\/esm\//, '').replace(/\.js$/, '.ts'));
    const swaps = new Map(Object.entries(browser).filter(([from]) => from.startsWith('./dist/esm/')).map(([from, to]) => [asSource(from), asSource(to)]));
    expect(swaps.size).toBeGreaterThan(0);
    const reached = new Set<string>();
    const visit = (given: string) => {
      const file = swaps.get(given) ?? given;
      if (reached.has(file)) return;
      reached.add(file);
      for (const target of imports.get(file) ?? []) visit(target);
    };
    visit(join(SRC, 'portable.ts'));
    expect([...reached].map(name)).toContain('hubClient/hubTasks.ts');
    const offending = [...reached].flatMap((file) => {
      const nodeImport = /^(?:import|export)\b[^;]*?from\s+'(node:[^']+)'/ms.exec(readFileSync(file, 'utf8'))?.[1];
      return [
        ...(nodeImport === undefined ? [] : [`${name(file)} imports ${nodeImport}`]),
        ...(/^(hub|redis|testing|cli)\//.test(name(file)) ? [`${name(file)} is reached from portable.ts`] : []),
      ];
    });
    expect(offending).toEqual([]);
  });
});
