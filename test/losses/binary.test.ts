import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LosskitError,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  checkGradient,
  getLoss,
  hinge,
  logLoss,
  sigmoidFocal,
  squaredHinge,
  tensor,
  type LossFunction,
  type LossOptions,
} from '../../src/index.js';
import { expectClose, loadFixture, randn, rng } from '../helpers.js';

interface Case {
  loss: string;
  tag?: string;
  yTrue: number[];
  yPred: number[];
  options: LossOptions & { sampleWeight?: number[] };
  value: number | number[];
  grad: number[];
}

const fx = loadFixture<Case>('binary');

function expectError(f: () => unknown, code: string, ...parts: string[]): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LosskitError);
    const err = e as LosskitError;
    expect(err.code, err.message).toBe(code);
    for (const p of parts) expect(err.message).toContain(p);
    return;
  }
  expect.fail(`expected a LosskitError ${code}`);
}

describe('binary losses match the references (PyTorch 1.13 autograd, sklearn 1.2, Keras/tfjs formulas in torch)', () => {
  it('fixture records its versions', () => {
    expect(fx.versions.torch).toMatch(/^1\.13/);
    expect(fx.versions.sklearn).toMatch(/^1\.2/);
    expect(fx.cases.length).toBeGreaterThan(100);
  });
  for (const [i, c] of fx.cases.entries()) {
    const opts = { ...c.options, sampleWeight: c.options.sampleWeight ? 'yes' : undefined, weight: c.options.weight ? 'yes' : undefined };
    it(`${c.loss} #${i}${c.tag ? ` (${c.tag})` : ''} ${JSON.stringify(opts)}`, () => {
      const fn = getLoss(c.loss);
      const r = fn.valueAndGrad(c.yTrue, c.yPred, c.options);
      expectClose(r.value, c.value, 1e-6, 1e-12, 'value');
      expectClose(r.grad, c.grad, 1e-6, 1e-12, 'grad');
      expectClose(fn(c.yTrue, c.yPred, c.options), c.value, 1e-6, 1e-12, 'value (call)');
    });
  }
});

describe('binary losses: finite differences', () => {
  const r = rng(11);
  const probs = (n: number): Float64Array => Float64Array.from({ length: n }, () => 0.05 + 0.9 * r());
  const labels = (n: number): Float64Array => Float64Array.from({ length: n }, () => (r() < 0.5 ? 0 : 1));
  const reductions = ['mean', 'sum', 'none', 'sumOverBatchSize', 'batchmean'] as const;
  const table: [LossFunction, () => Float64Array, () => Float64Array, LossOptions][] = [
    [binaryCrossEntropy, () => labels(12), () => probs(12), {}],
    [binaryCrossEntropy, () => probs(12), () => probs(12), { weight: [0.5, 1, 2], labelSmoothing: 0.1 }],
    [binaryCrossEntropy, () => labels(12), () => probs(12), { eps: 1e-3 }],
    [binaryCrossEntropy, () => labels(12), () => randn(r, 12), { fromLogits: true }],
    [binaryCrossEntropyWithLogits, () => labels(12), () => randn(r, 12), {}],
    [binaryCrossEntropyWithLogits, () => probs(12), () => randn(r, 12), { weight: [0.5, 1, 2], posWeight: [2, 0.5, 1], labelSmoothing: 0.2 }],
    [logLoss, () => labels(12), () => probs(12), {}],
    [sigmoidFocal, () => labels(12), () => randn(r, 12), {}],
    [sigmoidFocal, () => probs(12), () => randn(r, 12), { alpha: -1, gamma: 1.5, labelSmoothing: 0.1 }],
    [sigmoidFocal, () => labels(12), () => probs(12), { fromLogits: false, eps: 1e-7, applyClassBalancing: true, alpha: 0.4 }],
    [sigmoidFocal, () => labels(12), () => probs(12), { fromLogits: false }],
    [hinge, () => labels(12), () => randn(r, 12), {}],
    [squaredHinge, () => labels(12), () => randn(r, 12), {}],
  ];
  for (const [fn, yt, yp, options] of table) {
    for (const reduction of reductions) {
      it(`${fn.lossName} ${reduction} ${JSON.stringify(options)}`, () => {
        const sw = Float64Array.from({ length: 4 }, () => r() * 2);
        const res = checkGradient(fn, tensor(yt(), [4, 3]), tensor(yp(), [4, 3]), { ...options, reduction, sampleWeight: sw });
        expect(res.maxRelError).toBeLessThan(1e-6);
      });
    }
    it(`${fn.lossName} Keras meanOverLastAxis ${JSON.stringify(options)}`, () => {
      const res = checkGradient(fn, tensor(yt(), [4, 3]), tensor(yp(), [4, 3]), {
        ...options,
        reduction: 'sumOverBatchSize',
        meanOverLastAxis: true,
        sampleWeight: [1, 2, 0, 0.5],
      });
      expect(res.maxRelError).toBeLessThan(1e-6);
    });
  }
});
