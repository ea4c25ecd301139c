/** Keras 3's Circle and CategoricalGeneralizedCrossEntropy against their formulas (torch autograd). */
import { describe, expect, it } from 'vitest';
import {
  checkGradient,
  circle,
  categoricalGeneralizedCrossEntropy,
  getLoss,
  LosskitError,
  type LossOptions,
} from '../../src/index.js';
import { expectClose, loadFixture, randn, rng } from '../helpers.js';

interface Case {
  loss: string;
  yTrue: number[];
  yPred: number[][];
  options: LossOptions;
  value: number | number[];
  grad: number[][];
}
const fx = loadFixture<Case>('keras3-extra');

describe('Keras 3 extra losses match their formulas', () => {
  it('has cases for both losses', () => {
    expect(fx.cases.filter((c) => c.loss === 'circle').length).toBeGreaterThanOrEqual(15);
    expect(fx.cases.filter((c) => c.loss !== 'circle').length).toBeGreaterThanOrEqual(20);
  });
  for (const [i, c] of fx.cases.entries()) {
    it(`${c.loss} #${i} ${JSON.stringify({ ...c.options, sampleWeight: c.options.sampleWeight ? 'yes' : undefined })}`, () => {
      const r = getLoss(c.loss).valueAndGrad(c.yTrue, c.yPred, c.options);
      // Keras divides the circle mean by (valid + 1e-7): ≤ 1e-7 relative from losskit's exact mean.
      expectClose(r.value, c.value, 1e-6, 1e-12, 'value');
      expectClose(r.grad, c.grad, 1e-6, 1e-10, 'grad');
    });
  }
});

describe('finite differences', () => {
  const r = rng(11);
  it('circle (every reduction, sample weights, both gammas)', () => {
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      for (const gamma of [2, 30]) {
        const e = Array.from({ length: 6 }, () => Array.from(randn(r, 3)));
        const y = [0, 1, 0, 1, 2, 2];
        const res = checkGradient(circle, y, e, { reduction, gamma, sampleWeight: [1, 0.5, 2, 1, 0, 1] }, { h: 1e-6 });
        expect(res.maxRelError).toBeLessThan(1e-5);
      }
    }
  });
  it('categoricalGeneralizedCrossEntropy', () => {
    const p = [
      [0.2, 0.5, 0.3],
      [0.6, 0.1, 0.3],
    ];
    for (const q of [0.3, 0.5, 1])
      expect(
        checkGradient(categoricalGeneralizedCrossEntropy, [1, 2], p, { q, sampleWeight: [1, 3] }).maxRelError,
      ).toBeLessThan(1e-6);
  });
});

describe('semantics and bad inputs', () => {
  it('a sample without positive pairs has loss 0 and is left out of the mean (Keras mask)', () => {
    const e = [
      [1, 0],
      [0.6, 0.8],
      [0, 1],
    ];
    const none = circle([0, 0, 1], e, { reduction: 'none', gamma: 2 });
    expect(none.data[2]).toBe(0);
    expect(circle([0, 0, 1], e, { gamma: 2 })).toBeCloseTo((none.data[0] + none.data[1]) / 2, 14);
  });
  it('circle: no sample counts (one sample, one label) → 0 with a zero gradient, as Keras Σ / (valid + 1e-7), not NaN', () => {
    const e = [
      [1, 0],
      [0.6, 0.8],
      [0, 1],
    ];
    for (const [y, emb] of [
      [[0], [e[0]]],
      [[1, 1, 1], e],
    ] as const) {
      const r = circle.valueAndGrad(y, emb, { gamma: 2 });
      expect(r.value).toBe(0);
      expect(Array.from(r.grad.data).every((g) => g === 0)).toBe(true);
      expect(circle(y, emb, { gamma: 2, reduction: 'sum' })).toBe(0);
    }
  });
  it('q = 1 is MAE on the true-class probability', () => {
    expect(
      categoricalGeneralizedCrossEntropy(
        [0, 1],
        [
          [0.7, 0.3],
          [0.4, 0.6],
        ],
        { q: 1, reduction: 'sum' },
      ),
    ).toBeCloseTo(0.3 + 0.4, 14);
  });
  it('errors', () => {
    const err = (f: () => unknown): LosskitError => {
      try {
        f();
      } catch (e) {
        return e as LosskitError;
      }
      throw new Error('no error');
    };
    expect(
      err(() =>
        circle(
          [0, 1],
          [
            [1, 0],
            [0, 1],
            [1, 1],
          ],
        ),
      ).message,
    ).toBe("circle: 'yTrue' has shape [2] but 'yPred' has shape [3,2]; expected [3] (one integer label per embedding)");
    expect(
      err(() =>
        circle(
          [0, 0.5],
          [
            [1, 0],
            [0, 1],
          ],
        ),
      ).code,
    ).toBe('INVALID_LABEL');
    expect(
      err(() =>
        circle(
          [0, 1],
          [
            [1, 0],
            [0, 1],
          ],
          { gamma: 0 },
        ),
      ).code,
    ).toBe('INVALID_OPTION');
    expect(err(() => categoricalGeneralizedCrossEntropy([0], [[0.5, 0.5]], { q: 0 })).code).toBe('INVALID_OPTION');
    expect(err(() => categoricalGeneralizedCrossEntropy([3], [[0.5, 0.5]])).code).toBe('INVALID_LABEL');
    expect(err(() => categoricalGeneralizedCrossEntropy([0], [[1.5, -0.5]])).code).toBe('OUT_OF_RANGE');
  });
});
