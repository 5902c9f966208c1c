import { maxInAnyWindow } from '../../src/testing/index.js';

describe('maxInAnyWindow', () => {
  it('counts the busiest window wherever it starts, the end of a window left out', () => {
    expect(maxInAnyWindow([0, 400, 999, 1000, 1400], 1000)).toBe(3);
    expect(maxInAnyWindow([1400, 0, 1000, 999, 400])).toBe(3); // any order, one second by default
    expect(maxInAnyWindow([0, 1000, 2000, 3000])).toBe(1);
    expect(maxInAnyWindow([500, 1200, 1300, 1400, 2100], 1000)).toBe(4);
    expect(maxInAnyWindow([])).toBe(0);
  });

  it('refuses a window that is not a positive number', () => {
    expect(() => maxInAnyWindow([1], 0)).toThrow(new TypeError('Expected `windowMs` to be a positive number, got 0.'));
    expect(() => maxInAnyWindow([1], Number.NaN)).toThrow(TypeError);
  });
});
