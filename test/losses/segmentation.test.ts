import { describe, expect, it } from 'vitest';
import { checkGradient, dice, getLoss, tensor, tversky, type LossFunction, type LossOptions } from '../../src/index.js';
import { expectClose, loadFixture, randn, rng } from '../helpers.js';
import { expectLosskitError } from '../helpers.js';

interface Case {
  loss: string;
  yTrue: number[];
  yPred: number[];
  options: LossOptions & { sampleWeight?: number[] };
  value: number | number[];
  grad: number[];
}

const fx = loadFixture<Case>('segmentation');

describe('dice / tversky match the Keras 3 and optax formulas (torch float64 autograd)', () => {
  it('fixture lists its source', () => {
    expect(fx.source).toContain('Keras 3');
    expect(fx.cases.length).toBeGreaterThan(30);
  });
  for (const [i, c] of fx.cases.entries()) {
    it(`${c.loss} #${i} ${JSON.stringify({ ...c.options, sampleWeight: c.options.sampleWeight ? 'yes' : undefined })}`, () => {
      const fn = getLoss(c.loss);
      const r = fn.valueAndGrad(c.yTrue, c.yPred, c.options);
      expectClose(r.value, c.value, 1e-6, 1e-12, 'value');
      expectClose(r.grad, c.grad, 1e-6, 1e-12, 'grad');
      expectClose(fn(c.yTrue, c.yPred, c.options), c.value, 1e-6, 1e-12, 'value (call)');
    });
  }
  it('the Keras docs example', () => {
    const yt = [
      [
        [[1], [1]],
        [[0], [0]],
      ],
      [
        [[1], [1]],
        [[0], [0]],
      ],
    ];
    const yp = [
      [
        [[0], [1]],
        [[0], [1]],
      ],
      [
        [[0.4], [0]],
        [[0], [0.9]],
      ],
    ];
    expect(dice(yt, yp)).toBeCloseTo(0.6164384, 6);
    expectClose(dice(yt, yp, { axes: [1, 2, 3], reduction: 'none' }), [0.5, 0.75757575], 1e-6);
  });
});

describe('dice / tversky: finite differences', () => {
  const r = rng(13);
  const shape = [2, 3, 4];
  const n = 24;
  for (const reduction of ['mean', 'sum', 'none', 'sumOverBatchSize'] as const) {
    for (const [name, fn, extra] of [
      ['dice', dice, {}],
      ['tversky', tversky, { alpha: 0.3, beta: 0.8 }],
      ['Tversky (Keras)', getLoss('Tversky'), { alpha: 0.3, beta: 0.8 }],
    ] as const) {
      for (const fromLogits of [false, true]) {
        it(`${name} ${reduction} fromLogits=${fromLogits}`, () => {
          const yt = tensor(
            Float64Array.from({ length: n }, () => (r() < 0.4 ? 1 : 0)),
            shape,
          );
          const yp = tensor(fromLogits ? randn(r, n) : Float64Array.from({ length: n }, () => r()), shape);
          const opts = {
            ...extra,
            reduction,
            fromLogits,
            axes: [1],
            sampleWeight: [
              [1, 0.5, 2, 0],
              [0.3, 1, 1, 1],
            ],
            smooth: 0.5,
          };
          expect(checkGradient(fn, yt, yp, opts).maxRelError).toBeLessThan(1e-6);
        });
      }
    }
  }
});

describe('dice / tversky: properties', () => {
  it('tversky with α = β = 0.5 equals dice; α = β = 1 is the soft Jaccard loss', () => {
    const yt = [
      [1, 0, 1, 1],
      [0, 0, 1, 0],
    ];
    const yp = [
      [0.9, 0.2, 0.6, 0.3],
      [0.1, 0.4, 0.8, 0.05],
    ];
    expectClose(
      tversky(yt, yp, { axes: [1], reduction: 'none', eps: 0 }),
      dice(yt, yp, { axes: [1], reduction: 'none', eps: 0 }),
      1e-14,
    );
    const I = 0.9 + 0.6 + 0.3;
    const U = 3 + (0.9 + 0.2 + 0.6 + 0.3) - I;
    expect(tversky([yt[0]], [yp[0]], { alpha: 1, beta: 1, eps: 0 })).toBeCloseTo(1 - I / U, 14);
  });
  it('Keras Tversky gives alpha and beta the roles canonical tversky does (Keras 3 current code and tests)', () => {
    const yt = [1, 0, 1];
    const yp = [0.7, 0.6, 0.2];
    expect(getLoss('Tversky')(yt, yp, { alpha: 0.2, beta: 0.9 })).toBeCloseTo(
      tversky(yt, yp, { alpha: 0.2, beta: 0.9, reduction: 'sumOverBatchSize' }),
      15,
    );
  });
  it('a perfect prediction has loss 0 (up to eps)', () => {
    expect(dice([1, 0, 1], [1, 0, 1], { eps: 0 })).toBe(0);
  });
});

describe('dice / tversky: bad input', () => {
  it('shapes, axes and options', () => {
    expectLosskitError(() => dice([1, 0], [1, 0, 1]), 'SHAPE_MISMATCH', 'dice', '[2]', '[3]');
    expectLosskitError(
      () => dice([[1, 0]], [[1, 0]], { axes: [2] }),
      'INVALID_OPTION',
      "'axes'",
      '[-2, 1]',
      'received 2',
    );
    expectLosskitError(() => dice([[1, 0]], [[1, 0]], { axes: [1, -1] }), 'INVALID_OPTION', 'axis 1 twice');
    expectLosskitError(() => tversky([1], [1], { alpha: -1 }), 'INVALID_OPTION', "'alpha'", '>= 0');
    // A compile error on the typed function; untyped callers get the run-time error.
    const untypedDice: LossFunction = dice;
    expectLosskitError(() => untypedDice([1], [1], { alpha: 0.5 }), 'INVALID_OPTION', "unknown option 'alpha'");
    expectLosskitError(() => dice([1, 0], [NaN, 0]), 'NON_FINITE', "'yPred'");
  });
});
