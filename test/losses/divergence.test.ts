import { describe, expect, it } from 'vitest';
import {
  checkGradient,
  cosineSimilarity,
  gaussianNll,
  getLoss,
  klDivergence,
  poissonNll,
  tensor,
  type LossFunction,
  type LossOptions,
} from '../../src/index.js';
import { kerasKLDivergence } from '../../src/losses/divergence.js';
import { expectClose, loadFixture, randn, rng } from '../helpers.js';
import { expectLosskitError as expectError } from '../helpers.js';

interface Case {
  loss: string;
  note: string;
  yTrue: number[];
  yPred: number[];
  options: LossOptions & { sampleWeight?: number[]; variance?: number[] };
  value: number | number[];
  grad: number[];
  extraGrads?: Record<string, number[]>;
}

const fx = loadFixture<Case>('divergence');

describe('divergence losses match PyTorch 1.13 / Keras 3 formulas (float64, autograd gradients)', () => {
  it('fixture records its versions', () => {
    expect(fx.versions.torch).toMatch(/^1\.13/);
    expect(fx.cases.length).toBeGreaterThan(80);
  });
  for (const [i, c] of fx.cases.entries()) {
    it(`${c.loss} #${i} ${c.note} (${c.options.reduction})`, () => {
      const fn = getLoss(c.loss);
      const r = fn.valueAndGrad(c.yTrue, c.yPred, c.options);
      expectClose(r.value, c.value, 1e-9, 1e-12, 'value');
      expectClose(r.grad, c.grad, 1e-9, 1e-12, 'grad');
      for (const [k, g] of Object.entries(c.extraGrads ?? {})) {
        expect(r.extraGrads?.[k], `extraGrads.${k}`).toBeDefined();
        expectClose(r.extraGrads?.[k], g, 1e-9, 1e-12, `extraGrads.${k}`);
        expect(r.extraGrads?.[k].shape).toEqual(tensor(c.options[k as 'variance'] as number[]).shape);
      }
      expectClose(fn(c.yTrue, c.yPred, c.options), c.value, 1e-9, 1e-12, 'value (call)');
    });
  }
});

describe('finite differences', () => {
  const r = rng(5);
  const a = tensor(randn(r, 12), [4, 3]);
  const probs = (n: number, C: number): number[][] =>
    Array.from({ length: n }, () => {
      const v = Array.from({ length: C }, () => r() + 0.05);
      const s = v.reduce((x, y) => x + y, 0);
      return v.map((x) => x / s);
    });
  const p = probs(4, 3);
  const q = probs(4, 3);
  const logq = q.map((row) => row.map(Math.log));
  const counts = [
    [0, 1, 3],
    [2, 0, 5],
    [1, 1, 1],
    [4, 2, 0],
  ];
  const rate = q.map((row) => row.map((v) => v * 3));
  const variance = q.map((row) => row.map((v) => v + 0.2));
  const cases: [string, LossFunction, unknown, unknown, LossOptions][] = [
    ['kl batchmean', klDivergence, p, logq, { reduction: 'batchmean' }],
    ['kl logTarget none', klDivergence, logq, a, { logTarget: true, reduction: 'none' }],
    ['keras kl', kerasKLDivergence, p, q, { sampleWeight: [1, 2, 0, 1] }],
    ['poisson log input full', poissonNll, counts, a, { full: true }],
    ['poisson rate', poissonNll, counts, rate, { logInput: false, reduction: 'sum' }],
    ['keras poisson', getLoss('poisson'), counts, rate, {}],
    ['gaussian heteroscedastic', gaussianNll, p, a, { variance, full: true }],
    ['gaussian per-row', gaussianNll, p, a, { variance: [0.5, 1, 2, 3], reduction: 'sum' }],
    ['cosine', cosineSimilarity, p, a, {}],
    ['cosine axis 0', cosineSimilarity, p, a, { axis: 0, reduction: 'sum' }],
  ];
  for (const [name, fn, yt, yp, opts] of cases) {
    it(name, () => {
      expect(checkGradient(fn, yt as number[], yp as number[], opts).maxRelError).toBeLessThan(1e-6);
    });
  }
  it('gaussianNll variance gradient', () => {
    expect(checkGradient(gaussianNll, p, a, { variance }, { wrt: 'variance' }).maxRelError).toBeLessThan(1e-6);
    expect(
      checkGradient(gaussianNll, p, a, { variance: [[0.5], [1], [2], [3]] }, { wrt: 'variance' }).maxRelError,
    ).toBeLessThan(1e-6);
  });
});

describe('semantics and extreme inputs', () => {
  it("klDivergence 'mean' is the element mean, 'batchmean' the per-sample KL", () => {
    const p = [[0.5, 0.5]];
    const x = [[Math.log(0.25), Math.log(0.75)]];
    const kl = 0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75);
    expect(klDivergence(p, x, { reduction: 'batchmean' })).toBeCloseTo(kl, 15);
    expect(klDivergence(p, x)).toBeCloseTo(kl / 2, 15);
    expect(getLoss('kl_divergence')(p, [[0.25, 0.75]])).toBeCloseTo(kl, 15);
  });
  it('gaussianNll with zero variance stays finite (clamped at eps)', () => {
    const r = gaussianNll.valueAndGrad([0, 1], [0, 1], { variance: [0, 0] });
    expect(r.value).toBeCloseTo(0.5 * Math.log(1e-6), 12);
    expect(Number.isFinite(r.extraGrads?.variance.data[0])).toBe(true);
  });
  it('cosine of a zero vector is 0 with a finite gradient', () => {
    const r = cosineSimilarity.valueAndGrad([[1, 2]], [[0, 0]]);
    expect(Math.abs(r.value)).toBe(0);
    for (const g of r.grad.data) expect(Number.isFinite(g)).toBe(true);
  });
  it('poissonNll with large log-rates follows PyTorch (exp overflow is Infinity → NON_FINITE names the input)', () => {
    expect(poissonNll([1], [50])).toBeCloseTo(Math.exp(50) - 50, 0);
  });
});

describe('bad inputs', () => {
  it('shape mismatches', () => {
    expectError(
      () => klDivergence([1, 2], [1, 2, 3]),
      'SHAPE_MISMATCH',
      "klDivergence: 'yTrue' has shape [2] but 'yPred' has shape [3]",
    );
    expectError(
      () => gaussianNll([[1, 2]], [[1, 2]], { variance: [1, 2, 3] }),
      'SHAPE_MISMATCH',
      "gaussianNll: option 'variance' has shape [3] but 'yPred' has shape [1,2]; expected [1,2] (heteroscedastic), [1] or [1,1]",
    );
  });
  it('domain errors', () => {
    expectError(
      () => klDivergence([0.5, -0.1], [0, 0]),
      'OUT_OF_RANGE',
      "'yTrue' must hold probabilities",
      'received -0.1 at index [1]',
    );
    expectError(
      () => gaussianNll([1, 2], [1, 2], { variance: [1, -2] }),
      'OUT_OF_RANGE',
      "'variance'",
      'received -2 at index [1]',
    );
    expectError(() => gaussianNll([1, 2], [1, 2]), 'INVALID_OPTION', "option 'variance' is required");
    expectError(() => cosineSimilarity([[1, 2]], [[1, 2]], { axis: 2 }), 'INVALID_OPTION', "'axis'", '<= 1');
    expectError(
      () => poissonNll([1], [1], { logInput: 'yes' as unknown as boolean }),
      'INVALID_OPTION',
      "'logInput'",
      'true or false',
    );
  });
  it('non-finite inputs are diagnosed', () => {
    expectError(() => poissonNll([1, 2], [0, NaN]), 'NON_FINITE', "'yPred'", 'index [1]');
  });
});
