import { describe, expect, it } from 'vitest';
import { checkGradient, getLoss, meanAbsoluteError, meanSquaredError, tensor, type LossOptions } from '../../src/index.js';
import { expectClose, loadFixture, randn, rng } from '../helpers.js';

interface Case {
  loss: string;
  yTrue: number[];
  yPred: number[];
  options: LossOptions & { sampleWeight?: number[] };
  value: number | number[];
  grad: number[];
}

const fx = loadFixture<Case>('regression');

describe('regression losses match PyTorch 1.13 (float64, autograd gradients)', () => {
  it('fixture records its versions', () => {
    expect(fx.versions.torch).toMatch(/^1\.13/);
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
});

describe('regression losses: finite differences', () => {
  const r = rng(7);
  for (const fn of [meanSquaredError, meanAbsoluteError]) {
    for (const reduction of ['mean', 'sum', 'none', 'sumOverBatchSize', 'batchmean'] as const) {
      it(`${fn.lossName} ${reduction}`, () => {
        const yt = tensor(randn(r, 12), [4, 3]);
        const yp = tensor(randn(r, 12), [4, 3]);
        const sw = Float64Array.from({ length: 4 }, () => r() * 2);
        const res = checkGradient(fn, yt, yp, { reduction, sampleWeight: sw });
        expect(res.maxRelError).toBeLessThan(1e-6);
      });
    }
  }
  it('Keras meanOverLastAxis', () => {
    const yt = tensor(randn(r, 12), [4, 3]);
    const yp = tensor(randn(r, 12), [4, 3]);
    expect(checkGradient(getLoss('mse'), yt, yp, { sampleWeight: [1, 2, 0, 0.5] }).maxRelError).toBeLessThan(1e-6);
  });
});

describe('dialects', () => {
  it('Keras mse: per-sample mean over the last axis, then sum over batch size', () => {
    const yt = [[0, 1], [1, 1]];
    const yp = [[1, 1], [1, 0]];
    // Keras: per-sample [0.5, 0.5]; with sample weights [1, 0]: (0.5*1 + 0.5*0) / 2 = 0.25.
    expect(getLoss('mse')(yt, yp)).toBeCloseTo(0.5, 15);
    expect(getLoss('MeanSquaredError')(yt, yp, { sampleWeight: [1, 0] })).toBeCloseTo(0.25, 15);
    const none = getLoss('mean_squared_error')(yt, yp, { reduction: 'none' });
    expect(none.shape).toEqual([2]);
    expectClose(none, [0.5, 0.5]);
    // PyTorch name: weighted mean over elements.
    expect(getLoss('MSELoss')(yt, yp, { sampleWeight: [1, 0] })).toBeCloseTo(0.5, 15);
  });
  it('Keras mae', () => {
    expect(getLoss('mae')([[0, 2]], [[1, 1]], { reduction: 'none' }).data[0]).toBe(1);
  });
});
