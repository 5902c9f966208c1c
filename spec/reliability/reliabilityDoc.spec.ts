import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderFaultMatrix, TABLE_END, TABLE_START, withRenderedMatrix } from './renderMatrix.js';

const page = join(__dirname, '../../docs/reliability.md');

describe('docs/reliability.md', () => {
  it('shows the fault matrix exactly as the test data renders it (run `npm run docs:reliability` after changing the data)', () => {
    const text = readFileSync(page, 'utf8');
    expect(text).toContain(renderFaultMatrix());
    expect(withRenderedMatrix(text)).toBe(text);
  });

  it('has one table, with a row per matrix row', () => {
    const text = readFileSync(page, 'utf8');
    const table = text.slice(text.indexOf(TABLE_START), text.indexOf(TABLE_END));
    expect(table.split('\n').filter((line) => line.startsWith('| ')).length).toBe(renderFaultMatrix().split('\n').filter((line) => line.startsWith('| ')).length);
  });
});
