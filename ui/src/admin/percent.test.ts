import { describe, expect, it } from 'vitest';
import { formatPercent, parsePercent } from './percent';

describe('percent', () => {
  it('reads a rate as basis points, exactly', () => {
    expect(parsePercent('8.25')).toBe(825);
    expect(parsePercent('7')).toBe(700);
    expect(parsePercent('19,5')).toBe(1950);
    expect(parsePercent('0')).toBe(0);
    expect(parsePercent('100')).toBe(10_000);
  });
  it('refuses what is not a rate', () => {
    for (const bad of ['', 'abc', '8.875', '101', '-5', '1e2']) expect(parsePercent(bad)).toBeNull();
  });
  it('shows basis points as a percent', () => {
    expect(formatPercent(825)).toBe('8.25%');
    expect(formatPercent(700)).toBe('7%');
    expect(formatPercent(1950)).toBe('19.5%');
  });
});
