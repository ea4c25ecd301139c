import { describe, expect, it } from 'vitest';
import {
  checkGradient,
  getLoss,
  multiMargin,
  multilabelMargin,
  multilabelSoftMargin,
  tensor,
  type LossOptions,
} from '../../src/index.js';
import { expectClose, loadFixture, randn, rng } from '../helpers.js';
import { expectLosskitError } from '../helpers.js';

interface Case {
  loss: string;
  yTrue: number[];
  yPred: number[];
  options: LossOptions & { weight?: number[]; sampleWeight?: number[] };
  value: number | number[];
  grad: number[];
}

const fx = loadFixture<Case>('multilabel');

describe('multi-label losses match PyTorch 1.13 (float64, autograd gradients)', () => {
  it('fixture records its versions', () => {
    expect(fx.versions.torch).toMatch(/^1\.13/);
    expect(fx.cases.length).toBeGreaterThan(50);
  });
  for (const [i, c] of fx.cases.entries()) {
    it(`${c.loss} #${i} ${JSON.stringify({ ...c.options, weight: c.options.weight ? 'yes' : undefined, sampleWeight: c.options.sampleWeight ? 'yes' : undefined })}`, () => {
      const fn = getLoss(c.loss);
      const r = fn.valueAndGrad(c.yTrue, c.yPred, c.options);
      expectClose(r.value, c.value, 1e-6, 1e-12, 'value');
      expectClose(r.grad, c.grad, 1e-6, 1e-12, 'grad');
      expectClose(fn(c.yTrue, c.yPred, c.options), c.value, 1e-6, 1e-12, 'value (call)');
    });
  }
});

describe('multi-label losses: finite differences', () => {
  const r = rng(5);
  const N = 4;
  const C = 5;
  for (const reduction of ['mean', 'sum', 'none', 'sumOverBatchSize'] as const) {
    const sw = Float64Array.from({ length: N }, () => r() * 2);
    const weight = Float64Array.from({ length: C }, () => 0.5 + r());
    it(`multilabelSoftMargin ${reduction}`, () => {
      const y = tensor(
        Float64Array.from({ length: N * C }, () => (r() < 0.5 ? 0 : 1)),
        [N, C],
      );
      const x = tensor(
        randn(r, N * C).map((v) => v * 2),
        [N, C],
      );
      expect(
        checkGradient(multilabelSoftMargin, y, x, { reduction, sampleWeight: sw, weight }).maxRelError,
      ).toBeLessThan(1e-6);
    });
    it(`multilabelMargin ${reduction}`, () => {
      const y = tensor(
        [
          [1, 3, -1, 0, 0],
          [0, 1, 2, 3, 4],
          [-1, 0, 0, 0, 0],
          [4, 4, -1, 2, 2],
        ],
        undefined,
      );
      const x = tensor(
        randn(r, N * C).map((v) => v * 0.7),
        [N, C],
      );
      expect(checkGradient(multilabelMargin, y, x, { reduction, sampleWeight: sw }).maxRelError).toBeLessThan(1e-6);
    });
    for (const p of [1, 2]) {
      it(`multiMargin p=${p} ${reduction}`, () => {
        const y = [0, 4, 2, 2];
        const x = tensor(
          randn(r, N * C).map((v) => v * 0.6),
          [N, C],
        );
        expect(
          checkGradient(multiMargin, y, x, { reduction, sampleWeight: sw, weight, p, margin: 0.8 }).maxRelError,
        ).toBeLessThan(1e-6);
      });
    }
  }
});

describe('multi-label losses: properties and extremes', () => {
  it('multilabelSoftMargin is finite for huge logits', () => {
    const r = multilabelSoftMargin.valueAndGrad([[1, 0]], [[-1e4, 1e4]]);
    expect(r.value).toBeCloseTo(1e4, 8);
    expectClose(r.grad, [[-0.5, 0.5]]);
  });
  it('doc examples', () => {
    expect(multilabelMargin([[3, 0, -1, 1]], [[0.1, 0.2, 0.4, 0.8]])).toBeCloseTo(0.85, 14);
    expect(multiMargin([1], [[0.1, 0.2, 0.4, 0.8]])).toBeCloseTo(0.925, 14);
  });
  it('multilabelMargin ignores everything after the first -1', () => {
    const a = multilabelMargin([[2, -1, 0, 1]], [[0.3, -0.2, 0.5, 0.9]]);
    const b = multilabelMargin([[2, -1, -1, -1]], [[0.3, -0.2, 0.5, 0.9]]);
    expect(a).toBe(b);
  });
});

describe('multi-label losses: bad input', () => {
  it('multilabelMargin target lists out of range', () => {
    expectLosskitError(
      () => multilabelMargin([[3, -1, 0]], [[0, 1, 2]]),
      'INVALID_LABEL',
      'multilabelMargin',
      "'yTrue'",
      '[0, 2]',
      'received 3 at index [0,0]',
    );
    expectLosskitError(
      () => multilabelMargin([[0, -2, 0]], [[0, 1, 2]]),
      'INVALID_LABEL',
      'received -2 at index [0,1]',
    );
    expectLosskitError(() => multilabelMargin([[0.5, -1, 0]], [[0, 1, 2]]), 'INVALID_LABEL', 'not an integer');
    expectLosskitError(
      () => multilabelMargin([[0, -1]], [[0, 1, 2]]),
      'SHAPE_MISMATCH',
      "'yTrue' has shape [1,2]",
      '[1,3]',
    );
  });
  it('multiMargin labels, p and weight', () => {
    expectLosskitError(() => multiMargin([3], [[0, 1, 2]]), 'INVALID_LABEL', 'multiMargin', '[0, 2]', 'received 3');
    expectLosskitError(
      () => multiMargin([0, 1], [[0, 1, 2]]),
      'SHAPE_MISMATCH',
      "'yTrue' has shape [2]",
      'expected class indices of shape [1]',
    );
    expectLosskitError(
      () => multiMargin([0], [[0, 1, 2]], { p: 3 }),
      'INVALID_OPTION',
      "'p' must be 1 or 2",
      'received 3',
    );
    expectLosskitError(
      () => multiMargin([0], [[0, 1, 2]], { weight: [1, 2] }),
      'SHAPE_MISMATCH',
      "'weight'",
      '[3]',
      "option 'weight' has shape [2]; expected [3]",
    );
  });
  it('multilabelSoftMargin shapes', () => {
    expectLosskitError(
      () => multilabelSoftMargin([[1, 0]], [[0, 1, 2]]),
      'SHAPE_MISMATCH',
      'multilabelSoftMargin',
      '[1,2]',
      '[1,3]',
    );
    expectLosskitError(() => multilabelSoftMargin(1, 2), 'SHAPE_MISMATCH', 'scalar');
    expectLosskitError(
      () => multilabelSoftMargin([[1, 0]], [[0, 1]], { weight: [1, Infinity] }),
      'NON_FINITE',
      "'weight'",
    );
  });
});
