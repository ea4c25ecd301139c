import { describe, expect, it } from 'vitest';
import { sigmoidNonPositive, softplusNonPositive } from '../../src/softplus.js';
import { rng } from '../helpers.js';

describe('table-driven softplus / sigmoid (t ≤ 0)', () => {
  it('matches log1p(exp(t)) and 1/(1+exp(−t)) to a few ulps over the whole range', () => {
    const r = rng(5);
    let maxV = 0;
    let maxS = 0;
    for (let i = 0; i < 200_000; i++) {
      const t = i % 3 === 0 ? -r() * 60 : i % 3 === 1 ? -r() * 2 : -r() * 1e-4;
      const v = Math.log1p(Math.exp(t));
      const s = 1 / (1 + Math.exp(-t));
      maxV = Math.max(maxV, Math.abs(softplusNonPositive(t) - v) / v);
      maxS = Math.max(maxS, Math.abs(sigmoidNonPositive(t) - s) / s);
    }
    expect(maxV).toBeLessThan(2e-15);
    expect(maxS).toBeLessThan(2e-15);
  });
  it('exact at the ends and for special values', () => {
    expect(softplusNonPositive(0)).toBe(Math.LN2);
    expect(sigmoidNonPositive(0)).toBe(0.5);
    expect(softplusNonPositive(-1000)).toBe(0);
    expect(softplusNonPositive(-Infinity)).toBe(0);
    expect(softplusNonPositive(NaN)).toBeNaN();
    expect(sigmoidNonPositive(NaN)).toBeNaN();
    expect(softplusNonPositive(-50)).toBe(Math.exp(-50));
  });
});
