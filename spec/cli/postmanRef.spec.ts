import { formatPostmanRef, parsePostmanRef } from '../../src/cli/postmanRef.js';
import { median } from '../../src/cli/demoSummary.js';
import { UsageError } from '../../src/cli/exitCodes.js';

describe('Postman task ids on the command line', () => {
  it.each([
    ['3f2a', '3f2a'],
    ['update:3f2a', '3f2a'],
    ['merge:3f2a', { id: '3f2a', kind: 'collection-merge' }],
    ['api-9/3f2a', { id: '3f2a', apiId: 'api-9' }],
  ])('reads %s', (text, ref) => {
    expect(parsePostmanRef(text)).toEqual(ref);
  });

  it.each(['merge:3f2a', '3f2a', 'api-9/3f2a'])('writes %s back as it reads it', (text) => {
    expect(formatPostmanRef(parsePostmanRef(text))).toBe(text);
  });

  it.each(['', 'merge:', 'split:3f2a', 'a/b/c', '/3f2a', 'api-9/merge:3f2a'])('refuses %j with a usage error', (text) => {
    expect(() => parsePostmanRef(text)).toThrow(UsageError);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones, and null for none', () => {
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 20, 30])).toBe(25);
    expect(median([])).toBeNull();
  });
});
