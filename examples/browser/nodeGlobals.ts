// The second half of the bundle check: Node-only globals used in the bundled
// code itself. An import of `node:fs` shows in esbuild's metafile; a bare
// `process.env.X` or `Buffer.from(…)` does not (to a bundler it is just a free
// variable), yet it throws a ReferenceError in a browser. So the bundle's text
// is read as JavaScript closely enough to skip strings, template text, regular
// expressions and comments, and what is left is searched.

/** One use of a Node-only global in a bundle. */
export interface NodeGlobalUse {
  /** `process.`, `Buffer`, `__dirname`, `__filename`, `global.`, `require(` or `__require(` (esbuild's stand-in for a require it could not bundle). */
  readonly name: string;
  /** 1-based, in the bundle. */
  readonly line: number;
  readonly column: number;
  /** The module the code came from, from esbuild's `// path` comment above it (unminified bundles). */
  readonly module?: string;
}

/**
 * Bare uses only: `obj.process.x`, `function __require()`, `typeof Buffer`
 * (the guard, not the use) and `ArrayBuffer` are not. A use behind a guard
 * (`typeof Buffer !== 'undefined' && Buffer.from(…)`) is reported all the
 * same: a browser build of this library has no reason to reach for Node.
 */
const USES = /(?<![\w$.]|\.\s+|function\s+|typeof\s+)(process\s*\.|Buffer\b|__dirname\b|__filename\b|global\s*[.[]|__require\s*\(|require\s*\()/g;

/** Every bare use of a Node-only global in `code` (a bundle), outside strings, comments and regular expressions. */
export function nodeGlobalUses(code: string): NodeGlobalUse[] {
  const masked = codeOnly(code);
  const lineStarts: number[] = [];
  /** The module each line belongs to: the last `// path` comment at or above it. */
  const moduleOfLine: (string | undefined)[] = [];
  let offset = 0;
  let module: string | undefined;
  for (const text of code.split('\n')) {
    module = /^\/\/ (\S+\.[cm]?[jt]sx?)$/.exec(text)?.[1] ?? module;
    lineStarts.push(offset);
    moduleOfLine.push(module);
    offset += text.length + 1;
  }
  return [...masked.matchAll(USES)].filter((match) => !isPropertyKey(masked, match.index, (match[0] as string).length)).map((match) => {
    const line = upperBound(lineStarts, match.index) - 1;
    const from = moduleOfLine[line];
    return {
      name: (match[1] as string).replace(/\s+/g, '').replace(/\[$/, '.'),
      line: line + 1,
      column: match.index - (lineStarts[line] as number) + 1,
      ...(from === undefined ? {} : { module: from }),
    };
  });
}

/** `{ Buffer: 1 }`, `, __dirname: x`: a key of an object literal, not a use. */
function isPropertyKey(masked: string, at: number, length: number): boolean {
  return /[{,]\s*$/.test(masked.slice(Math.max(0, at - 20), at)) && /^\s*:(?!:)/.test(masked.slice(at + length, at + length + 20));
}

/** `code` with the content of every string, template text, regular expression and comment blanked (newlines kept, so positions hold). */
export function codeOnly(code: string): string {
  const out = code.split('');
  const blank = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (out[i] !== '\n') out[i] = ' ';
  };
  /** Open `${` of template literals: the brace depth of code at which each one closes. */
  const templates: number[] = [];
  let depth = 0;
  let i = 0;
  while (i < code.length) {
    const c = code[i] as string;
    if (c === '/' && code[i + 1] === '/') {
      const end = code.indexOf('\n', i);
      const stop = end === -1 ? code.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && code[i + 1] === '*') {
      const end = code.indexOf('*/', i + 2);
      const stop = end === -1 ? code.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      const stop = skipQuoted(code, i + 1, c);
      blank(i + 1, stop - 1);
      i = stop;
    } else if (c === '`' || (c === '}' && templates.at(-1) === depth)) {
      if (c === '}') templates.pop();
      const { stop, opensExpression } = skipTemplateText(code, i + 1);
      blank(i + 1, opensExpression ? stop - 2 : stop - 1);
      if (opensExpression) templates.push(depth);
      i = stop;
    } else if (c === '/' && startsRegExp(out, i)) {
      const stop = skipRegExp(code, i + 1);
      blank(i + 1, stop - 1);
      i = stop;
    } else {
      if (c === '{') depth++;
      else if (c === '}') depth--;
      i++;
    }
  }
  return out.join('');
}

/** The index just past the closing quote. */
function skipQuoted(code: string, from: number, quote: string): number {
  let i = from;
  while (i < code.length && code[i] !== quote && code[i] !== '\n') i += code[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** From inside template text to just past its closing backtick, or just past a `${`. */
function skipTemplateText(code: string, from: number): { stop: number; opensExpression: boolean } {
  let i = from;
  while (i < code.length) {
    if (code[i] === '\\') i += 2;
    else if (code[i] === '`') return { stop: i + 1, opensExpression: false };
    else if (code[i] === '$' && code[i + 1] === '{') return { stop: i + 2, opensExpression: true };
    else i++;
  }
  return { stop: code.length, opensExpression: false };
}

/** From inside a regular expression to just past its flags. */
function skipRegExp(code: string, from: number): number {
  let i = from;
  let inClass = false;
  while (i < code.length && code[i] !== '\n') {
    const c = code[i];
    if (c === '\\') i++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) break;
    i++;
  }
  i++;
  while (i < code.length && /[a-z]/i.test(code[i] as string)) i++;
  return i;
}

const BEFORE_EXPRESSION = /(?:^|[(,=:[!&|?{};+\-*%<>~^]|\b(?:return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await|instanceof))\s*$/;

/**
 * Whether the `/` at `at` starts a regular expression rather than dividing: it
 * does where an expression may begin (read from the text masked so far, so a
 * comment or string just before it does not count).
 */
function startsRegExp(masked: readonly string[], at: number): boolean {
  return BEFORE_EXPRESSION.test(masked.slice(Math.max(0, at - 20), at).join(''));
}

/** The number of elements of the sorted `values` that are at most `value`. */
function upperBound(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as number) <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}
