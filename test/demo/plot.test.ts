/** The demo's plot helpers (demo/plot.ts) that decide what the axes say. */
import { describe, expect, it } from 'vitest';
import { niceTicks, padRange, tickLabel } from '../../demo/plot.js';

describe('demo/plot.ts axis helpers', () => {
  it('niceTicks: round steps (1, 2, 5 × 10^k) inside the range, about as many as asked', () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(-5.06, 4.2, 4)).toEqual([-4, -2, 0, 2, 4]);
    expect(niceTicks(0.5, 441.5, 5)).toEqual([100, 200, 300, 400]);
    const t = niceTicks(-7.3e-3, 1.2e-2, 5);
    expect(t.every((x) => x >= -7.3e-3 && x <= 1.2e-2)).toBe(true);
    expect(t.length).toBeGreaterThanOrEqual(3);
    expect(t.length).toBeLessThanOrEqual(8);
    expect(t).toContain(0); // zero is hit exactly, not as 1e-18
  });

  it('niceTicks: reversed, degenerate and non-finite ranges', () => {
    expect(niceTicks(10, 0, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(3, 3)).toEqual([3]);
    expect(niceTicks(NaN, 1)).toEqual([]);
  });

  it('padRange widens a range, and gives a degenerate one room', () => {
    expect(padRange(0, 10, 0.1)).toEqual([-1, 11]);
    expect(padRange(2, 2)).toEqual([1.8, 2.2]);
    expect(padRange(0, 0)).toEqual([-1, 1]);
    expect(padRange(-Infinity, 1)).toEqual([-1, 1]);
  });

  it('tickLabel is short: no float noise, exponents for extreme magnitudes', () => {
    expect(tickLabel(0.30000000000000004)).toBe('0.3');
    expect(tickLabel(-4)).toBe('-4');
    expect(tickLabel(25000)).toBe('2.5e4');
    expect(tickLabel(0.0002)).toBe('2.0e-4');
    expect(tickLabel(0)).toBe('0');
  });
});
