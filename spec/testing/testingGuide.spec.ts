import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractCodeBlocks } from '../docs/markdown.js';

const root = join(__dirname, '../..');

describe('docs/testing.md', () => {
  it('shows the Jest example exactly as spec/testing/userExample.spec.ts runs it', () => {
    const example = readFileSync(join(root, 'spec/testing/userExample.spec.ts'), 'utf8');
    const blocks = extractCodeBlocks(readFileSync(join(root, 'docs/testing.md'), 'utf8')).filter((block) => block.code.includes("from '@jest/globals'"));
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.code.trimEnd()).toBe(example.trimEnd());
  });
});
