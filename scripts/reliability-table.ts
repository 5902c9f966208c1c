// Writes the fault matrix table into docs/reliability.md (npm run docs:reliability).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { withRenderedMatrix } from '../spec/reliability/renderMatrix.js';

const page = resolve(__dirname, '..', 'docs', 'reliability.md');
const before = readFileSync(page, 'utf8');
const after = withRenderedMatrix(before);
if (after !== before) writeFileSync(page, after);
console.log(after === before ? 'docs/reliability.md: the fault matrix is up to date' : 'docs/reliability.md: fault matrix rewritten');
