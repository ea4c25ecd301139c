/**
 * Property tests of the one reducer (fast-check), exercised through meanSquaredError and
 * meanAbsoluteError, whose per-element losses are easy to state independently.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { meanAbsoluteError, meanSquaredError, type LossFunction } from '../../src/index.js';
import { planReduction } from '../../src/reduce.js';

const finite = fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true });
// Weights are 0 or at least 1e-3: denormal weights would make 1/Σw overflow, which no reducer survives.
const weight = fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 10, noNaN: true, noDefaultInfinity: true }));

/** Rows of [yTrue, yPred, sampleWeight], at least one row. */
const rows = fc.array(fc.tuple(finite, finite, weight), { minLength: 1, maxLength: 40 });

const close = (a: number, b: number, rtol = 1e-12, atol = 1e-9): boolean =>
  Math.abs(a - b) <= atol + rtol * Math.abs(b);
const losses: LossFunction[] = [meanSquaredError, meanAbsoluteError];

describe('reducer properties', () => {
  for (const fn of losses) {
    it(`${fn.lossName}: a zero sample weight removes the element (value and gradient)`, () => {
      fc.assert(
        fc.property(rows, fc.nat(), (rs, k) => {
          const i = k % rs.length;
          const yt = rs.map((r) => r[0]);
          const yp = rs.map((r) => r[1]);
          const w = rs.map((r) => r[2]);
          w[i] = 0;
          for (const reduction of ['sum', 'mean'] as const) {
            const full = fn.valueAndGrad(yt, yp, { reduction, sampleWeight: w });
            expect(Math.abs(full.grad.data[i])).toBe(0);
            if (rs.length === 1) continue;
            const keep = (_: unknown, j: number): boolean => j !== i;
            const sliced = fn(yt.filter(keep), yp.filter(keep), { reduction, sampleWeight: w.filter(keep) });
            if (Number.isNaN(sliced)) expect(full.value).toBeNaN();
            else expect(close(full.value, sliced)).toBe(true);
          }
        }),
      );
    });

    it(`${fn.lossName}: permutation invariance of every reduction`, () => {
      fc.assert(
        fc.property(rows, fc.integer(), (rs, seed) => {
          const perm = rs
            .map((_, j) => j)
            .sort((a, b) => ((a * 7919 + seed) % 101) - ((b * 7919 + seed) % 101) || a - b);
          const pick = (col: 0 | 1 | 2, order: number[]): number[] => order.map((j) => rs[j][col]);
          const id = rs.map((_, j) => j);
          for (const reduction of ['sum', 'mean', 'sumOverBatchSize', 'batchmean'] as const) {
            const a = fn(pick(0, id), pick(1, id), { reduction, sampleWeight: pick(2, id) });
            const b = fn(pick(0, perm), pick(1, perm), { reduction, sampleWeight: pick(2, perm) });
            if (Number.isNaN(a)) expect(b).toBeNaN();
            else expect(close(a, b)).toBe(true);
          }
        }),
      );
    });

    it(`${fn.lossName}: sum = n · mean, and 'none' sums to 'sum'`, () => {
      fc.assert(
        fc.property(rows, (rs) => {
          const yt = rs.map((r) => r[0]);
          const yp = rs.map((r) => r[1]);
          const sum = fn(yt, yp, { reduction: 'sum' });
          const mean = fn(yt, yp, { reduction: 'mean' });
          expect(close(sum, rs.length * mean)).toBe(true);
          const none = fn(yt, yp, { reduction: 'none' });
          expect(
            close(
              Array.from(none.data).reduce((s, v) => s + v, 0),
              sum,
            ),
          ).toBe(true);
          const gs = fn.valueAndGrad(yt, yp, { reduction: 'sum' }).grad.data;
          const gm = fn.valueAndGrad(yt, yp, { reduction: 'mean' }).grad.data;
          for (let i = 0; i < gs.length; i++) expect(close(gs[i], rs.length * gm[i])).toBe(true);
        }),
      );
    });

    it(`${fn.lossName}: mean with unit weights = mean without (value and gradient)`, () => {
      fc.assert(
        fc.property(rows, (rs) => {
          const yt = rs.map((r) => r[0]);
          const yp = rs.map((r) => r[1]);
          for (const reduction of ['mean', 'sum', 'sumOverBatchSize'] as const) {
            const a = fn.valueAndGrad(yt, yp, { reduction });
            const b = fn.valueAndGrad(yt, yp, { reduction, sampleWeight: rs.map(() => 1) });
            const c = fn.valueAndGrad(yt, yp, { reduction, sampleWeight: 1 });
            expect(close(a.value, b.value) && close(a.value, c.value)).toBe(true);
            for (let i = 0; i < rs.length; i++) expect(close(a.grad.data[i], b.grad.data[i])).toBe(true);
          }
        }),
      );
    });

    it(`${fn.lossName}: integer weights = repeated rows`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(finite, finite, fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 20 }),
          (rs) => {
            fc.pre(rs.some((r) => r[2] > 0));
            const rep = rs.flatMap((r) => new Array<[number, number]>(r[2]).fill([r[0], r[1]]));
            const weighted = fn(
              rs.map((r) => r[0]),
              rs.map((r) => r[1]),
              { reduction: 'mean', sampleWeight: rs.map((r) => r[2]) },
            );
            const repeated = fn(
              rep.map((r) => r[0]),
              rep.map((r) => r[1]),
              { reduction: 'mean' },
            );
            expect(close(weighted, repeated)).toBe(true);
          },
        ),
      );
    });
  }
});

describe('planReduction', () => {
  it('writes down each denominator', () => {
    const norm = new Float64Array([1, 0, 2, 1]);
    expect(planReduction('t', 'mean', [4], undefined).denominator).toBe(4);
    expect(planReduction('t', 'mean', [4], undefined).scale).toBe(1 / 4);
    expect(planReduction('t', 'mean', [4], undefined, { normWeights: norm }).scale).toBe(1 / 4);
    expect(planReduction('t', 'mean', [4], [1, 1, 0.5, 0], { normWeights: norm }).scale).toBe(1 / 2);
    expect(planReduction('t', 'sumOverBatchSize', [2, 3], [1, 0]).scale).toBe(1 / 6);
    expect(planReduction('t', 'batchmean', [2, 3], undefined).scale).toBe(1 / 2);
    expect(planReduction('t', 'sum', [2, 3], undefined).scale).toBe(1);
    const zero = planReduction('t', 'mean', [2], [0, 0]);
    expect(zero.scale).toBeNaN();
    expect(zero.gradScale).toBe(0);
  });
  it('broadcasts sample weights: exact shape, prefix, Keras trailing-1 rule, scalar', () => {
    expect(Array.from(planReduction('t', 'sum', [2, 3], [1, 2]).weights ?? [])).toEqual([1, 1, 1, 2, 2, 2]);
    expect(Array.from(planReduction('t', 'sum', [2, 1], [3, 4]).weights ?? [])).toEqual([3, 4]);
    expect(Array.from(planReduction('t', 'sum', [2], [[3], [4]]).weights ?? [])).toEqual([3, 4]);
    expect(Array.from(planReduction('t', 'sum', [2, 2], [[1, 2]]).weights ?? [])).toEqual([1, 2, 1, 2]);
    expect(Array.from(planReduction('t', 'sum', [3], 2).weights ?? [])).toEqual([2, 2, 2]);
    expect(planReduction('t', 'sum', [3], undefined).weights).toBeNull();
    // A square loss: [N] weights are per-sample (rows), not NumPy's per-column broadcast.
    expect(Array.from(planReduction('t', 'sum', [2, 2], [1, 2]).weights ?? [])).toEqual([1, 1, 2, 2]);
    expect(Array.from(planReduction('t', 'sum', [2, 3], [[1, 2, 3]]).weights ?? [])).toEqual([1, 2, 3, 1, 2, 3]);
  });
});
