import { describe, expect, it } from 'vitest';
import {
  checkGradient,
  cosineDistanceFunction,
  cosineEmbedding,
  getLoss,
  pairwiseDistanceFunction,
  tensor,
  tripletMargin,
  tripletMarginWithDistance,
  type DistanceFunction,
  type LossOptions,
} from '../../src/index.js';
import { expectClose, loadFixture, randn, rng } from '../helpers.js';
import { expectLosskitError } from '../helpers.js';

interface Case {
  loss: string;
  yTrue: number | number[] | null;
  yPred: number[];
  options: LossOptions & Record<string, unknown>;
  value: number | number[];
  grad: number[];
  extraGrads: Record<string, number[]>;
}

const fx = loadFixture<Case>('embedding');

describe('embedding losses match PyTorch 1.13 (float64, autograd gradients of every input)', () => {
  it('fixture records its versions', () => {
    expect(fx.versions.torch).toMatch(/^1\.13/);
    expect(fx.cases.length).toBeGreaterThan(50);
  });
  for (const [i, c] of fx.cases.entries()) {
    const label = JSON.stringify({
      ...c.options,
      input2: undefined,
      positive: undefined,
      negative: undefined,
      sampleWeight: c.options.sampleWeight ? 'yes' : undefined,
    });
    it(`${c.loss} #${i} ${label}`, () => {
      const fn = getLoss(c.loss);
      const r = fn.valueAndGrad(c.yTrue, c.yPred, c.options);
      expectClose(r.value, c.value, 1e-6, 1e-12, 'value');
      expectClose(r.grad, c.grad, 1e-6, 1e-12, 'grad');
      for (const [k, g] of Object.entries(c.extraGrads))
        expectClose(r.extraGrads?.[k], g, 1e-6, 1e-12, `extraGrads.${k}`);
      expectClose(fn(c.yTrue, c.yPred, c.options), c.value, 1e-6, 1e-12, 'value (call)');
    });
  }
});

describe('embedding losses: finite differences (every input)', () => {
  // Losses here are O(10): h = 1e-5 keeps round-off noise (~1e-10) and truncation error small;
  // atol 1e-3 in the denominator keeps exactly-zero gradients (inactive rows) from turning that
  // noise into a large relative error, while gradients of O(0.01–1) are still held to ~1e-6.
  const fd = { h: 1e-5, atol: 1e-3 };
  const TOL = 1e-6;
  const r = rng(3);
  const N = 5;
  const D = 4;
  const mk = (s = 1): ReturnType<typeof tensor> =>
    tensor(
      randn(r, N * D).map((v) => v * s),
      [N, D],
    );
  for (const reduction of ['mean', 'sum', 'none', 'sumOverBatchSize'] as const) {
    const sw = Float64Array.from({ length: N }, () => r() * 2);
    it(`cosineEmbedding ${reduction}`, () => {
      const y = [1, -1, -1, 1, -1];
      const opts = { reduction, sampleWeight: sw, margin: -0.3, input2: mk() };
      const x = mk();
      expect(checkGradient(cosineEmbedding, y, x, opts, fd).maxRelError).toBeLessThan(TOL);
      expect(checkGradient(cosineEmbedding, y, x, opts, { ...fd, wrt: 'input2' }).maxRelError).toBeLessThan(TOL);
    });
    for (const [p, swap] of [
      [2, false],
      [2, true],
      [1, true],
      [3, false],
      [1.5, true],
    ] as const) {
      it(`tripletMargin p=${p} swap=${swap} ${reduction}`, () => {
        const opts = { reduction, sampleWeight: sw, p, swap, margin: 2, positive: mk(), negative: mk() };
        const a = mk();
        for (const wrt of ['yPred', 'positive', 'negative']) {
          expect(checkGradient(tripletMargin, null, a, opts, { ...fd, wrt }).maxRelError, wrt).toBeLessThan(TOL);
        }
      });
    }
    for (const distanceFunction of ['pairwise', 'cosine'] as const) {
      it(`tripletMarginWithDistance ${distanceFunction} swap ${reduction}`, () => {
        const opts = {
          reduction,
          sampleWeight: sw,
          swap: true,
          distanceFunction,
          margin: distanceFunction === 'cosine' ? 0.8 : 2,
          positive: mk(),
          negative: mk(),
        };
        const a = mk();
        for (const wrt of ['yPred', 'positive', 'negative']) {
          expect(checkGradient(tripletMarginWithDistance, null, a, opts, { ...fd, wrt }).maxRelError, wrt).toBeLessThan(
            TOL,
          );
        }
      });
    }
  }
  it('tripletMarginWithDistance with a user distance (squared Euclidean) and its gradient', () => {
    const sq: DistanceFunction = (a, b, ga, gb) => {
      let s = 0;
      for (let k = 0; k < a.length; k++) {
        const d = a[k] - b[k];
        s += d * d;
        if (ga !== null && gb !== null) {
          ga[k] += 2 * d;
          gb[k] -= 2 * d;
        }
      }
      return s;
    };
    const opts = { distanceFunction: sq, swap: true, margin: 3, positive: mk(), negative: mk() };
    const a = mk();
    for (const wrt of ['yPred', 'positive', 'negative']) {
      expect(checkGradient(tripletMarginWithDistance, null, a, opts, { ...fd, wrt }).maxRelError, wrt).toBeLessThan(
        TOL,
      );
    }
    // Equals tripletMargin's p=2, eps=0 distance squared: check one row by hand.
    const v = tripletMarginWithDistance(null, [[0, 0]], {
      distanceFunction: sq,
      positive: [[1, 1]],
      negative: [[2, 0]],
      reduction: 'none',
    });
    expectClose(v, [Math.max(0, 1 + 2 - 4)]);
  });
  it('built-in distances agree with tripletMargin', () => {
    const opts = { positive: mk(), negative: mk(), swap: true, reduction: 'none' as const };
    const a = mk();
    expectClose(
      tripletMarginWithDistance(null, a, { ...opts, distanceFunction: pairwiseDistanceFunction(2, 1e-6) }),
      tripletMargin(null, a, opts),
      1e-14,
    );
    expectClose(tripletMarginWithDistance(null, a, opts), tripletMargin(null, a, opts), 1e-14);
  });
});

describe('embedding losses: properties and extremes', () => {
  it('cosineEmbedding of zero vectors is finite (PyTorch 1e-12 guard)', () => {
    const r = cosineEmbedding.valueAndGrad(
      [1, -1],
      [
        [0, 0],
        [0, 0],
      ],
      {
        input2: [
          [1, 2],
          [0, 0],
        ],
        reduction: 'none',
      },
    );
    expectClose(r.value, [1, 0]);
    for (const g of r.grad.data) expect(Number.isFinite(g)).toBe(true);
  });
  it('cosineDistanceFunction is 1 − cos and clamps tiny norms at eps', () => {
    expect(cosineDistanceFunction()(Float64Array.of(1, 0), Float64Array.of(0, 1), null, null)).toBe(1);
    // PyTorch 1.13: cosine_similarity([1e-5, 0], [1e-5, 1e-5], eps=1e-3) = 1e-4
    expect(
      1 - cosineDistanceFunction(1e-3)(Float64Array.of(1e-5, 0), Float64Array.of(1e-5, 1e-5), null, null),
    ).toBeCloseTo(1e-4, 12);
  });
  it('tripletMargin with a huge p is the max-norm limit, value and gradient finite (was Infinity / NaN)', () => {
    const opts = { positive: [[3, 4]], negative: [[1, 0]], eps: 0, p: 1e308 };
    // d(a, p) → max(|−3|, |−4|) = 4, d(a, n) = 1: 1 + 4 − 1.
    const r = tripletMargin.valueAndGrad(null, [[0, 0]], opts);
    expect(r.value).toBe(4);
    // ∂d(a,p)/∂a → (0, −1) (only the largest coordinate), ∂d(a,n)/∂a = (−1, 0).
    expect(Array.from(r.grad.data)).toEqual([1, -1]);
    const plain = (t: { data: ArrayLike<number> } | undefined): number[] => Array.from(t?.data ?? [], (v) => v + 0);
    expect(plain(r.extraGrads?.positive)).toEqual([0, 1]);
    expect(plain(r.extraGrads?.negative)).toEqual([-1, 0]);
  });
  it('tripletMargin with p = 50 matches (Σ|u|^p)^(1/p) written out', () => {
    const dp = (3 ** 50 + 4 ** 50) ** (1 / 50);
    const v = tripletMargin(null, [[0, 0]], { positive: [[3, 4]], negative: [[1, 0]], eps: 0, p: 50 });
    expect(v).toBeCloseTo(1 + dp - 1, 13);
  });
  it('doc examples', () => {
    expect(tripletMargin(null, [[0, 0]], { positive: [[3, 4]], negative: [[1, 0]], eps: 0 })).toBe(5);
    expect(pairwiseDistanceFunction(2, 0)(Float64Array.of(0, 0), Float64Array.of(3, 4), null, null)).toBe(5);
    expect(
      cosineEmbedding(
        [1, -1],
        [
          [1, 0],
          [1, 0],
        ],
        {
          input2: [
            [1, 1],
            [0, 1],
          ],
        },
      ),
    ).toBeCloseTo((1 - Math.SQRT1_2) / 2, 10);
  });
  it('float32 inputs are read without copies and give the float64 result', () => {
    const a = new Float32Array([0.5, -1, 2, 0.25]);
    const p = new Float32Array([0.25, -0.5, 1, 0]);
    const n = new Float32Array([1, 1, 1, 1]);
    const r32 = tripletMargin(
      null,
      { data: a, shape: [2, 2] },
      { positive: { data: p, shape: [2, 2] }, negative: { data: n, shape: [2, 2] } },
    );
    const r64 = tripletMargin(
      null,
      [
        [0.5, -1],
        [2, 0.25],
      ],
      {
        positive: [
          [0.25, -0.5],
          [1, 0],
        ],
        negative: [
          [1, 1],
          [1, 1],
        ],
      },
    );
    expect(r32).toBeCloseTo(r64, 14);
  });
});

describe('embedding losses: bad input', () => {
  it('cosineEmbedding', () => {
    expectLosskitError(
      () => cosineEmbedding([1], [[1, 0]]),
      'INVALID_OPTION',
      'cosineEmbedding',
      "'input2'",
      'required',
    );
    expectLosskitError(
      () => cosineEmbedding([1, 1], [[1, 0]], { input2: [[1, 0]] }),
      'SHAPE_MISMATCH',
      "'yTrue' has shape [2]",
      'shape [1]',
    );
    expectLosskitError(
      () => cosineEmbedding([1], [[1, 0]], { input2: [[1, 0, 0]] }),
      'SHAPE_MISMATCH',
      "'input2' has shape [1,3]",
      '[1,2]',
    );
    expectLosskitError(
      () => cosineEmbedding([0], [[1, 0]], { input2: [[1, 0]] }),
      'INVALID_LABEL',
      '1 or -1',
      'received 0',
    );
    expectLosskitError(() => cosineEmbedding(null, [[1, 0]], { input2: [[1, 0]] }), 'INVALID_INPUT', "'yTrue'");
  });
  it('tripletMargin', () => {
    expectLosskitError(
      () => tripletMargin(null, [[1, 0]], { positive: [[1, 0]] }),
      'INVALID_OPTION',
      'tripletMargin',
      "'negative'",
      'required',
    );
    expectLosskitError(
      () => tripletMargin(null, [[1, 0]], { positive: [[1, 0]], negative: [1, 0] }),
      'SHAPE_MISMATCH',
      "'negative' has shape [2]",
      '[1,2]',
    );
    expectLosskitError(
      () => tripletMargin(null, [[[1, 0]]], { positive: [[[1, 0]]], negative: [[[1, 0]]] }),
      'SHAPE_MISMATCH',
      '[N, D]',
      '[1,1,2]',
    );
    expectLosskitError(
      () => tripletMargin(null, [[1, 0]], { positive: [[1, 0]], negative: [[1, 0]], p: 0 }),
      'INVALID_OPTION',
      "'p'",
      '> 0',
    );
    expectLosskitError(
      () => tripletMargin(null, [[1, NaN]], { positive: [[1, 0]], negative: [[1, 0]] }),
      'NON_FINITE',
      "'yPred'",
    );
  });
  it('infinite extra inputs are NON_FINITE and named (a far negative used to give a loss of 0)', () => {
    for (const v of [Infinity, -Infinity, NaN]) {
      expectLosskitError(
        () => tripletMargin(null, [[0, 0]], { positive: [[1, 0]], negative: [[v, 0]] }),
        'NON_FINITE',
        'tripletMargin',
        "'negative'",
      );
      expectLosskitError(
        () => tripletMargin.valueAndGrad(null, [[0, 0]], { positive: [[0, v]], negative: [[1, 0]], swap: true }),
        'NON_FINITE',
        "'positive'",
      );
      expectLosskitError(
        () => tripletMarginWithDistance(null, [[0, 0]], { positive: [[1, 0]], negative: [[v, 0]] }),
        'NON_FINITE',
        'tripletMarginWithDistance',
        "'negative'",
      );
      expectLosskitError(
        () => cosineEmbedding([-1], [[1, 0]], { input2: [[v, 1]], margin: 0.5 }),
        'NON_FINITE',
        'cosineEmbedding',
        "'input2'",
      );
    }
  });
  it('finite embeddings whose distances overflow float64 are NON_FINITE, not a silent Infinity', () => {
    expectLosskitError(
      () => tripletMargin(null, [[1e300, 0]], { positive: [[-1e300, 0]], negative: [[0, 0]] }),
      'NON_FINITE',
      'tripletMargin',
      'overflow',
    );
  });
  it('tripletMarginWithDistance', () => {
    const base = { positive: [[1, 0]], negative: [[0, 1]] };
    expectLosskitError(
      () => tripletMarginWithDistance(null, [[1, 0]], { ...base, distanceFunction: 'manhattan' as 'cosine' }),
      'INVALID_OPTION',
      "'distanceFunction'",
      "'pairwise', 'cosine' or a function",
      '"manhattan"',
    );
    expectLosskitError(
      () => tripletMarginWithDistance(null, [[1, 0]], { ...base, distanceFunction: 'cosine', p: 1 }),
      'INVALID_OPTION',
      "'p' only applies",
    );
    expectLosskitError(
      () => tripletMarginWithDistance(null, [[1, 0]], { ...base, distanceFunction: () => 0, eps: 1 }),
      'INVALID_OPTION',
      "'eps' only applies",
    );
    expectLosskitError(
      () => tripletMarginWithDistance(null, [[1, 0]], { ...base, distanceFunction: () => NaN }),
      'NON_FINITE',
      'distance function returned NaN',
    );
  });
});
