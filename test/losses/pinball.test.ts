import { describe, expect, it } from 'vitest';
import { checkGradient, getLoss, listLosses, tensor, type LossOptions } from '../../src/index.js';
import { pinball } from '../../src/losses/regression.js';
import { expectClose, expectLosskitError, loadFixture, randn, rng } from '../helpers.js';

interface Case {
  loss: string;
  options: LossOptions;
  yTrue: number[];
  yPred: number[];
  sampleWeight?: number[];
  value: number | number[];
  grad: number[];
  note: string;
}

const fx = loadFixture<Case>('pinball');

describe('pinball matches scikit-learn 1.2 mean_pinball_loss (values) and its formula under torch autograd (gradients)', () => {
  it('fixture records its versions', () => {
    expect(fx.versions.sklearn).toMatch(/^1\.2/);
    expect(fx.cases.length).toBeGreaterThan(20);
  });
  for (const [i, c] of fx.cases.entries()) {
    it(`${c.loss} #${i} ${c.note} ${JSON.stringify(c.options)}`, () => {
      const fn = getLoss(c.loss);
      const options = c.sampleWeight ? { ...c.options, sampleWeight: c.sampleWeight } : c.options;
      const r = fn.valueAndGrad(c.yTrue, c.yPred, options);
      expectClose(r.value, c.value, 1e-12, 1e-14, 'value');
      expectClose(r.grad, c.grad, 1e-12, 1e-14, 'grad');
      expectClose(fn(c.yTrue, c.yPred, options), c.value, 1e-12, 1e-14, 'value (call)');
    });
  }
});

describe('pinball', () => {
  it('is registered under its aliases, with its own name', () => {
    const info = listLosses().find((l) => l.name === 'pinball');
    expect(info?.aliases.map((a) => a.name)).toEqual(['quantile', 'mean_pinball_loss']);
    expect(getLoss('quantile').lossName).toBe('pinball');
    expect(getLoss('pinball')).toBe(pinball);
  });
  it('matches central differences for every reduction (away from the kink)', () => {
    const r = rng(11);
    for (const reduction of ['mean', 'sum', 'none', 'sumOverBatchSize', 'batchmean'] as const) {
      for (const alpha of [0.5, 0.05, 0.8]) {
        const yt = randn(r, 12);
        const d = randn(r, 12).map((v) => (Math.abs(v) < 0.01 ? v + 0.05 : v));
        const yp = yt.map((v, i) => v + d[i]);
        const sw = Float64Array.from({ length: 4 }, () => r() * 2);
        const res = checkGradient(pinball, tensor(yt, [4, 3]), tensor(yp, [4, 3]), {
          alpha,
          reduction,
          sampleWeight: sw,
        });
        expect(res.maxRelError).toBeLessThan(1e-6);
      }
    }
  });
  it("alpha = 0.5 is half the absolute error; Keras's mean over the last axis works", () => {
    const yt = [
      [1, 2, 3],
      [0, -1, 4],
    ];
    const yp = [
      [0, 2.5, 3],
      [1, 1, 1],
    ];
    expect(pinball(yt, yp)).toBeCloseTo(getLoss('mae')(yt, yp) / 2, 14);
    const perSample = pinball(yt, yp, { alpha: 0.3, meanOverLastAxis: true, reduction: 'none' });
    expect(perSample.shape).toEqual([2]);
    expectClose(perSample, [(0.3 * 1 + 0.7 * 0.5) / 3, (0.7 * 1 + 0.7 * 2 + 0.3 * 3) / 3], 1e-14, 0, 'none');
  });
  it('rejects a quantile outside [0, 1] and unknown options, naming the alias called', () => {
    expectLosskitError(() => pinball([1], [2], { alpha: 1.5 }), 'INVALID_OPTION', 'pinball', "'alpha'", '<= 1');
    expectLosskitError(() => getLoss('quantile')([1], [2], { alpha: -0.1 }), 'INVALID_OPTION', 'quantile:', '>= 0');
    expectLosskitError(
      () => getLoss('mean_pinball_loss')([1], [2], JSON.parse('{"alpah": 0.1}') as LossOptions),
      'INVALID_OPTION',
      'mean_pinball_loss:',
      "did you mean 'alpha'",
    );
  });
});
