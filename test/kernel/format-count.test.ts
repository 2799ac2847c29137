import { describe, expect, it } from 'vitest';
import { formatCount } from '../../src/kernel/format-count.js';

describe('formatCount', () => {
  it('groups thousands exactly as Intl.NumberFormat("en-US") does', () => {
    const intl = new Intl.NumberFormat('en-US');
    const values = [0, 1, 999, 1000, 1001, 99_999, 100_000, 999_999, 1_000_000, 1_500_000, 123_456_789];
    for (const value of [...values, ...values.filter((v) => v > 0).map((v) => -v)]) {
      expect(formatCount(value), String(value)).toBe(intl.format(value));
    }
  });
});
