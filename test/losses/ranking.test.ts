import { describe, expect, it } from 'vitest';
import {
  checkGradient,
  getLoss,
  hingeEmbedding,
  marginRanking,
  softMargin,
  tensor,
  type LossFunction,
  type LossOptions,
} from '../../src/index.js';
import { expectClose, loadFixture, randn, rng } from '../helpers.js';
import { expectLosskitError } from '../helpers.js';

interface Case {
  loss: string;
  yTrue: number[];
  yPred: number[];
  options: LossOptions & { input2?: number[]; sampleWeight?: number[] };
  value: number | number[];
  grad: number[];
  extraGrads?: Record<string, number[]>;
}

const fx = loadFixture<Case>('ranking');

describe('ranking losses match PyTorch 1.13 (float64, autograd gradients)', () => {
  it('fixture records its versions', () => {
    expect(fx.versions.torch).toMatch(/^1\.13/);
    expect(fx.cases.length).toBeGreaterThan(40);
  });
  for (const [i, c] of fx.cases.entries()) {
    it(`${c.loss} #${i} ${c.options.reduction}${c.options.sampleWeight ? ' sampleWeight' : ''}`, () => {
      const fn = getLoss(c.loss);
      const r = fn.valueAndGrad(c.yTrue, c.yPred, c.options);
      expectClose(r.value, c.value, 1e-6, 1e-12, 'value');
      expectClose(r.grad, c.grad, 1e-6, 1e-12, 'grad');
      for (const [k, g] of Object.entries(c.extraGrads ?? {}))
        expectClose(r.extraGrads?.[k], g, 1e-6, 1e-12, `extraGrads.${k}`);
      expectClose(fn(c.yTrue, c.yPred, c.options), c.value, 1e-6, 1e-12, 'value (call)');
    });
  }
});

describe('ranking losses: finite differences', () => {
  const r = rng(11);
  const pm = (n: number): Float64Array => Float64Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1));
  for (const reduction of ['mean', 'sum', 'none', 'sumOverBatchSize'] as const) {
    const sw = Float64Array.from({ length: 4 }, () => r() * 2);
    it(`marginRanking ${reduction} (yPred and input2)`, () => {
      const y = tensor(pm(12), [4, 3]);
      const x1 = tensor(randn(r, 12), [4, 3]);
      const x2 = tensor(randn(r, 12), [4, 3]);
      const opts = { reduction, sampleWeight: sw, margin: 0.2, input2: x2 };
      expect(checkGradient(marginRanking, y, x1, opts).maxRelError).toBeLessThan(1e-6);
      expect(checkGradient(marginRanking, y, x1, opts, { wrt: 'input2' }).maxRelError).toBeLessThan(1e-6);
    });
    it(`hingeEmbedding ${reduction}`, () => {
      const x = tensor(
        randn(r, 12).map((v) => Math.abs(v) * 1.5),
        [4, 3],
      );
      expect(
        checkGradient(hingeEmbedding, tensor(pm(12), [4, 3]), x, { reduction, sampleWeight: sw, margin: 1.3 })
          .maxRelError,
      ).toBeLessThan(1e-6);
    });
    it(`softMargin ${reduction}`, () => {
      const x = tensor(
        randn(r, 12).map((v) => v * 3),
        [4, 3],
      );
      expect(
        checkGradient(softMargin, tensor(pm(12), [4, 3]), x, { reduction, sampleWeight: sw }).maxRelError,
      ).toBeLessThan(1e-6);
    });
  }
});

describe('ranking losses: properties and extremes', () => {
  it('softMargin stays finite for huge margins (PyTorch overflows to inf)', () => {
    const r = softMargin.valueAndGrad([-1, 1], [1000, -1000], { reduction: 'none' });
    expectClose(r.value, [1000, 1000]);
    expectClose(r.grad, [1, -1]);
    expect(softMargin([1, -1], [1e9, -1e9])).toBe(0);
  });
  it('zero sample weight gives zero loss and gradient', () => {
    const r = marginRanking.valueAndGrad([1, -1], [0, 1], { input2: [1, 0], sampleWeight: [0, 0], reduction: 'sum' });
    expect(r.value).toBe(0);
    expect(Array.from(r.grad.data)).toEqual([-0, 0]);
  });
  it('doc examples', () => {
    expect(marginRanking([1, -1], [0.2, 0.9], { input2: [0.5, 0.1], margin: 0.1 })).toBeCloseTo((0.4 + 0.9) / 2, 14);
    expect(hingeEmbedding([1, -1], [0.3, 0.4])).toBeCloseTo(0.45, 14);
    expect(softMargin([1, -1], [2, 0])).toBeCloseTo((Math.log1p(Math.exp(-2)) + Math.log(2)) / 2, 14);
  });
});

describe('ranking losses: bad input', () => {
  it('marginRanking needs input2 of the same shape', () => {
    expectLosskitError(() => marginRanking([1, -1], [0, 1]), 'INVALID_OPTION', 'marginRanking', "'input2'", 'required');
    expectLosskitError(
      () => marginRanking([1, -1], [0, 1], { input2: [1, 2, 3] }),
      'SHAPE_MISMATCH',
      'marginRanking',
      "'input2'",
      '[3]',
      '[2]',
    );
    expectLosskitError(() => marginRanking([1], [0, 1], { input2: [1, 2] }), 'SHAPE_MISMATCH', "'yTrue'", '[1]');
    expectLosskitError(() => marginRanking([1, 1], [0, NaN], { input2: [1, 2] }), 'NON_FINITE', "'yPred'", 'NaN');
  });
  it('hingeEmbedding targets must be ±1', () => {
    expectLosskitError(
      () => hingeEmbedding([1, 0], [0.5, 1]),
      'INVALID_LABEL',
      'hingeEmbedding',
      "'yTrue'",
      '1 or -1',
      'received 0 at index [1]',
    );
  });
  it('marginRanking and softMargin targets must be ±1 too (PyTorch uses any value as a multiplier)', () => {
    for (const y of [0, 2, 0.5]) {
      expectLosskitError(
        () => marginRanking([1, y], [0, 1], { input2: [1, 0] }),
        'INVALID_LABEL',
        'marginRanking',
        "'yTrue'",
        '1 or -1',
      );
      expectLosskitError(() => softMargin([y, 1], [0, 1]), 'INVALID_LABEL', 'softMargin', "'yTrue'", '1 or -1');
    }
  });
  it('an infinite input2 is NON_FINITE, not hidden by the flat side of the hinge (was 0)', () => {
    for (const v of [Infinity, -Infinity, NaN]) {
      for (const reduction of ['sum', 'none'] as const) {
        expectLosskitError(
          () => marginRanking.valueAndGrad([-1, 1], [0, 1], { input2: [v, 0], reduction }),
          'NON_FINITE',
          'marginRanking',
          "'input2'",
        );
      }
    }
    expectLosskitError(() => marginRanking([-1], [Infinity], { input2: [0] }), 'NON_FINITE', "'yPred'");
  });
  it('finite inputs whose differences overflow float64 are NON_FINITE, not a silent Infinity', () => {
    expectLosskitError(
      () => marginRanking([-1], [1.5e308], { input2: [-1.5e308] }),
      'NON_FINITE',
      'marginRanking',
      'overflow',
    );
  });
  it('options are checked', () => {
    // A wrong option is a compile error on the typed export: go through the loose type.
    const untypedSoftMargin: LossFunction = softMargin;
    expectLosskitError(
      () => untypedSoftMargin([1], [1], { margin: 1 }),
      'INVALID_OPTION',
      'softMargin',
      "unknown option 'margin'",
    );
    expectLosskitError(() => hingeEmbedding([1], [1], { margin: NaN }), 'INVALID_OPTION', "'margin'", 'finite');
    expectLosskitError(() => marginRanking(null, [1], { input2: [1] }), 'INVALID_INPUT', "'yTrue' is required");
  });
});
