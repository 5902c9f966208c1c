// Pages as a user's bundler makes them from the installed package: esbuild,
// platform 'browser', minified, ES modules, nothing of the repository's own
// (no tsconfig paths, no source aliases). What the package spec weighs.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundledModules } from '../../examples/browser/bundle';

/** The pages of spec/browser/fixtures that are weighed, each a user's page doing the same job with a different means. */
export const PAGES = ['hubPage', 'postmanPage', 'streamPage', 'handWrittenPage'] as const;
export type PageName = (typeof PAGES)[number];

export interface PageWeight {
  readonly page: PageName;
  readonly minified: number;
  readonly gzipped: number;
  /** The files whose code is in the bundle, as paths under node_modules (`rx-task-status/dist/esm/core/http.js`), with their minified bytes. */
  readonly modules: ReadonlyMap<string, number>;
}

const fixtures = resolve(__dirname, '../browser/fixtures');

/**
 * Bundles each page in `consumer`, a folder where the packed package is
 * installed: the page files are copied there (an ES-module package of the
 * user's), so 'rx-task-status' resolves to node_modules as for a user.
 */
export async function weighPages(consumer: string): Promise<Map<PageName, PageWeight>> {
  const folder = join(consumer, 'pages');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  const weights = new Map<PageName, PageWeight>();
  for (const page of PAGES) {
    copyFileSync(join(fixtures, `${page}.ts`), join(folder, `${page}.ts`));
    const result = await build({
      entryPoints: { main: join(folder, `${page}.ts`) },
      outdir: join(folder, page),
      absWorkingDir: folder,
      bundle: true,
      write: false,
      minify: true,
      metafile: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      tsconfigRaw: '{}',
      logLevel: 'silent',
    });
    const [output] = result.outputFiles;
    if (output === undefined) throw new Error(`esbuild made no bundle of ${page}`);
    const modules = new Map(bundledModules(result).map(([path, bytes]) => [path.replace(/^.*node_modules\//, ''), bytes] as const));
    weights.set(page, { page, minified: output.contents.length, gzipped: gzipSync(output.contents).length, modules });
  }
  return weights;
}

/** Minified bytes of the modules whose path matches, summed. */
export function bytesOf(weight: PageWeight, pattern: RegExp): number {
  let sum = 0;
  for (const [path, bytes] of weight.modules) if (pattern.test(path)) sum += bytes;
  return sum;
}
