import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkGradient,
  categoricalFocal,
  categoricalHinge,
  crossEntropy,
  crossEntropyWithPriorKL,
  getLoss,
  nllLoss,
  tensor,
  type LossFunction,
  type LossOptions,
} from '../../src/index.js';
import { expectClose, loadFixture, randn, rng } from '../helpers.js';
import { expectLosskitError as expectError } from '../helpers.js';
import { setBackend } from '../../src/wasm/runtime.js';

interface Case {
  loss: string;
  note: string;
  yTrue: number | number[];
  yPred: number[];
  options: LossOptions & { sampleWeight?: number[]; weight?: number[]; prior?: number[] };
  value: number | number[];
  grad: number[];
}

const fx = loadFixture<Case>('classification');

describe('multiclass losses match PyTorch 1.13 (float64, autograd gradients)', () => {
  it('fixture records its versions and covers every loss', () => {
    expect(fx.versions.torch).toMatch(/^1\.13/);
    const names = new Set(fx.cases.map((c) => c.loss));
    expect([...names].sort()).toEqual(['crossEntropy', 'crossEntropyWithPriorKL', 'nllLoss']);
  });
  for (const [i, c] of fx.cases.entries()) {
    it(`${c.loss} #${i} ${c.note} (${c.options.reduction})`, () => {
      const fn = getLoss(c.loss);
      const r = fn.valueAndGrad(c.yTrue, c.yPred, c.options);
      expectClose(r.value, c.value, 1e-9, 1e-12, 'value');
      expectClose(r.grad, c.grad, 1e-9, 1e-12, 'grad');
      expectClose(fn(c.yTrue, c.yPred, c.options), c.value, 1e-9, 1e-12, 'value (call)');
      if (c.options.reduction === 'none') {
        const expectedShape = Array.isArray(c.value) ? tensor(c.value as number[]).shape : [];
        expect(typeof r.value === 'number' ? null : r.value.shape).toEqual(expectedShape);
      }
    });
  }
});

const kfx = loadFixture<Case>('classification-keras');

describe('Keras / tfjs dialects match Keras 3 formulas written in torch (float64, autograd gradients)', () => {
  it('fixture covers every dialect function', () => {
    const names = new Set(kfx.cases.map((c) => getLoss(c.loss).lossName));
    expect([...names].sort()).toEqual([
      'categoricalFocal',
      'categoricalHinge',
      'kerasCategoricalCrossentropy',
      'kerasSparseCategoricalCrossentropy',
    ]);
  });
  for (const [i, c] of kfx.cases.entries()) {
    it(`${c.loss} #${i} ${c.note} (${c.options.reduction})`, () => {
      const fn = getLoss(c.loss);
      const r = fn.valueAndGrad(c.yTrue, c.yPred, c.options);
      expectClose(r.value, c.value, 1e-9, 1e-12, 'value');
      expectClose(r.grad, c.grad, 1e-9, 1e-12, 'grad');
      expectClose(fn(c.yTrue, c.yPred, c.options), c.value, 1e-9, 1e-12, 'value (call)');
    });
  }
});

describe('finite differences', () => {
  const r = rng(11);
  const z = tensor(randn(r, 24), [4, 6]);
  const z3 = tensor(randn(r, 2 * 3 * 4), [2, 3, 4]);
  const probs = (n: number, C: number): number[][] =>
    Array.from({ length: n }, () => {
      const v = Array.from({ length: C }, () => r() + 0.05);
      const s = v.reduce((a, b) => a + b, 0);
      return v.map((x) => x / s);
    });
  const cases: [string, LossFunction, unknown, unknown, LossOptions][] = [
    ['CE plain', crossEntropy, [0, 5, 2, 3], z, {}],
    [
      'CE weight + ls + ignore',
      crossEntropy,
      [0, -100, 2, 3],
      z,
      { weight: [1, 2, 0.5, 1, 3, 0.2], labelSmoothing: 0.2 },
    ],
    [
      'CE (N,C,d1) ls',
      crossEntropy,
      [
        [0, 1, 2, 2],
        [1, 1, 0, -100],
      ],
      z3,
      { labelSmoothing: 0.1, weight: [0.3, 1, 2] },
    ],
    ['CE probs + ls + weight', crossEntropy, probs(4, 6), z, { labelSmoothing: 0.3, weight: [1, 2, 0.5, 1, 3, 0.2] }],
    ['CE sampleWeight sum', crossEntropy, [0, 5, 2, 3], z, { reduction: 'sum', sampleWeight: [1, 0, 2, 0.5] }],
    ['CE none', crossEntropy, [0, 5, 2, 3], z, { reduction: 'none' }],
    ['NLL weight', nllLoss, [0, 5, 2, 3], z, { weight: [1, 2, 0.5, 1, 3, 0.2] }],
    [
      'priorKL batch-mean',
      crossEntropyWithPriorKL,
      [0, 5, 2, 3],
      z,
      { lambda: 0.7, prior: [0.1, 0.1, 0.2, 0.2, 0.3, 0.1] },
    ],
    [
      'priorKL per-sample',
      crossEntropyWithPriorKL,
      [0, 5, 2, 3],
      z,
      { lambda: 0.7, klTarget: 'per-sample', prior: [0.1, 0.1, 0.2, 0.2, 0.3, 0.1] },
    ],
    [
      'keras CCE probabilities + ls',
      getLoss('categorical_crossentropy'),
      probs(4, 6),
      probs(4, 6),
      { labelSmoothing: 0.1, sampleWeight: [1, 2, 0, 1] },
    ],
    ['keras CCE logits axis 0', getLoss('categorical_crossentropy'), probs(4, 6), z, { fromLogits: true, axis: 0 }],
    [
      'keras sparse probabilities ignore',
      getLoss('sparse_categorical_crossentropy'),
      [0, 5, -1, 3],
      probs(4, 6),
      { ignoreIndex: -1 },
    ],
    ['focal probabilities', categoricalFocal, probs(4, 6), probs(4, 6), { gamma: 2.5, alpha: 0.3 }],
    ['focal logits + ls', categoricalFocal, [0, 5, 2, 3], z, { fromLogits: true, labelSmoothing: 0.1 }],
    [
      'focal (N,C,d1) axis 1 logits',
      categoricalFocal,
      [
        [0, 1, 2, 2],
        [1, 1, 0, 2],
      ],
      z3,
      { axis: 1, fromLogits: true },
    ],
    [
      'hinge',
      categoricalHinge,
      [
        [0, 0, 1, 0, 0, 0],
        [1, 0, 0, 0, 0, 0],
        [0, 1, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 1],
      ],
      z,
      { reduction: 'sum' },
    ],
    [
      'priorKL (N,C,d1) batch-mean',
      crossEntropyWithPriorKL,
      [
        [0, 1, 2, 2],
        [1, 1, 0, -100],
      ],
      z3,
      { lambda: 2, prior: [0.2, 0.3, 0.5] },
    ],
  ];
  for (const [name, fn, yt, yp, opts] of cases) {
    it(name, () => {
      const res = checkGradient(fn, yt as number[], yp as number[], opts);
      expect(res.maxRelError).toBeLessThan(1e-6);
    });
  }
});

describe('extreme inputs', () => {
  it('logits of ±1e9 give finite values and gradients', () => {
    const z = [
      [1e9, -1e9, 0],
      [-1e9, 1e9, 1e9],
    ];
    for (const opts of [{}, { labelSmoothing: 0.1 }, { reduction: 'sum' as const }]) {
      const r = crossEntropy.valueAndGrad([0, 2], z, opts);
      expect(Number.isFinite(r.value)).toBe(true);
      for (const g of r.grad.data) expect(Number.isFinite(g)).toBe(true);
    }
    // Correct class with the max logit: loss exactly 0 for row 0; log 2 for the tie in row 1.
    expectClose(crossEntropy([0, 2], z, { reduction: 'none' }), [0, Math.LN2], 1e-15, 1e-15);
  });
  it('accepts Float32Array logits and Int32Array labels without copying', () => {
    const z = new Float32Array([1, 2, 3, 4, 5, 6]);
    const a = crossEntropy(new Int32Array([2, 0]), { data: z, shape: [2, 3] });
    const b = crossEntropy(
      [2, 0],
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    );
    // WASM kernels (the default for float32 logits): float32 lanes, float64 sums
    expect(Math.abs(a - b)).toBeLessThanOrEqual(2e-6 * b);
    const prev = setBackend('js');
    try {
      expect(crossEntropy(new Int32Array([2, 0]), { data: z, shape: [2, 3] })).toBeCloseTo(b, 12);
    } finally {
      setBackend(prev);
    }
  });
  it('gradOut buffer is reused and fully overwritten', () => {
    const buf = new Float64Array(6).fill(123);
    const r = crossEntropy.valueAndGrad(
      [-100, 1],
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { gradOut: buf },
    );
    expect(r.grad.data).toBe(buf);
    expect(Array.from(buf.slice(0, 3))).toEqual([0, 0, 0]);
  });
});

describe('bad inputs', () => {
  it('shape mismatch names both shapes and both accepted target shapes', () => {
    expectError(
      () => crossEntropy([1, 2, 0, 1], tensor(new Float64Array(15), [5, 3])),
      'SHAPE_MISMATCH',
      "crossEntropy: 'yTrue' has shape [4] but 'yPred' has shape [5,3]; expected [5] (class indices) or [5,3] (probabilities)",
    );
    expectError(
      () => nllLoss([[0]], [[0, 0]]),
      'SHAPE_MISMATCH',
      "nllLoss: 'yTrue' has shape [1,1]",
      'expected [1] (class indices)',
    );
  });
  it('labels out of range or non-integer → INVALID_LABEL naming the index', () => {
    expectError(
      () =>
        crossEntropy(
          [0, 3],
          [
            [1, 2, 3],
            [1, 2, 3],
          ],
        ),
      'INVALID_LABEL',
      "'yTrue'",
      '[0, 2]',
      'received 3 at index [1]',
      'out of range',
    );
    expectError(
      () =>
        crossEntropy(
          [0.5, 1],
          [
            [1, 2, 3],
            [1, 2, 3],
          ],
        ),
      'INVALID_LABEL',
      'received 0.5 at index [0]',
      'not an integer',
    );
    expectError(
      () =>
        nllLoss(
          [-1, 1],
          [
            [1, 2, 3],
            [1, 2, 3],
          ],
        ),
      'INVALID_LABEL',
      'received -1 at index [0]',
    );
    expectError(
      () => crossEntropy([[0, 7]], tensor(new Float64Array(6), [1, 3, 2])),
      'INVALID_LABEL',
      'at index [0,1]',
    );
  });
  it('bad options', () => {
    expectError(
      () => crossEntropy([0], [[1, 2]], { weight: [1, 2, 3] }),
      'SHAPE_MISMATCH',
      "option 'weight' has shape [3]; expected [2]",
    );
    expectError(
      () => crossEntropy([0], [[1, 2]], { labelSmoothing: 1.5 }),
      'INVALID_OPTION',
      "'labelSmoothing'",
      '<= 1',
      '1.5',
    );
    expectError(() => crossEntropy([0], [[1, 2]], { ignoreIndex: 0.5 }), 'INVALID_OPTION', "'ignoreIndex'", 'integer');
    expectError(
      () => crossEntropy([0], [[1, 2]], { reduction: 'avg' as 'mean' }),
      'INVALID_OPTION',
      "'reduction'",
      "'mean'",
      '"avg"',
    );
    expectError(
      () => crossEntropy([0], [[1, 2]], { labelSmoothin: 0.1 } as LossOptions),
      'INVALID_OPTION',
      "did you mean 'labelSmoothing'",
    );
  });
  it('prior not summing to 1 → INVALID_OPTION', () => {
    expectError(
      () => crossEntropyWithPriorKL([0], [[1, 2]], { prior: [0.5, 0.6] }),
      'INVALID_OPTION',
      "crossEntropyWithPriorKL: option 'prior' must sum to 1",
      '1.1',
    );
    expectError(
      () => crossEntropyWithPriorKL([0], [[1, 2]], { prior: [1.5, -0.5] }),
      'INVALID_OPTION',
      '>= 0',
      'received -0.5 at index [1]',
    );
    expectError(() => crossEntropyWithPriorKL([0], [[1, 2]], { prior: [1] }), 'INVALID_OPTION', 'expected [2]');
    expectError(
      () => crossEntropyWithPriorKL([0], [[1, 2]], { klTarget: 'batch' as 'batch-mean' }),
      'INVALID_OPTION',
      "'klTarget'",
      "'per-sample'",
    );
    expectError(
      () => crossEntropyWithPriorKL([0], [[1, 2]], { reduction: 'none' }),
      'INVALID_OPTION',
      "'reduction'",
      'none',
    );
  });
  it('Keras dialect target shapes', () => {
    expectError(
      () =>
        getLoss('categorical_crossentropy')(
          [0, 1],
          [
            [0.5, 0.5],
            [0.5, 0.5],
          ],
        ),
      'SHAPE_MISMATCH',
      "categorical_crossentropy: 'yTrue' has shape [2] but 'yPred' has shape [2,2]; expected [2,2] (one-hot or probability targets",
    );
    expectError(
      () => getLoss('sparse_categorical_crossentropy')([[0, 1]], [[0.5, 0.5]]),
      'SHAPE_MISMATCH',
      'expected [1] or [1,1] (class indices)',
    );
    expectError(
      () => getLoss('sparse_categorical_crossentropy')([-100], [[0.5, 0.5]]),
      'INVALID_LABEL',
      'received -100 at index [0]',
    );
    expectError(() => categoricalFocal([[0, 1]], [[0.5, 0.5]], { gamma: -1 }), 'INVALID_OPTION', "'gamma'", '>= 0');
  });
  it('non-finite logits → NON_FINITE naming the index', () => {
    expectError(
      () =>
        crossEntropy(
          [0, 1],
          [
            [1, 2],
            [NaN, 0],
          ],
        ),
      'NON_FINITE',
      "'yPred'",
      'index [1,0]',
    );
  });
  it('empty and scalar inputs', () => {
    expectError(() => crossEntropy([], tensor(new Float64Array(0), [0, 3])), 'EMPTY_INPUT', "'yPred' is empty");
    expectError(() => crossEntropy(0, 1), 'SHAPE_MISMATCH', "'yPred' is a scalar");
    expectError(() => crossEntropy(null, [[1, 2]]), 'INVALID_INPUT', "'yTrue' is required");
  });
});

describe('properties', () => {
  it('zero sample weight on a sample equals dropping it (mean)', () => {
    const z = [
      [1, 2, 3],
      [3, 1, 0],
      [0.5, 0.1, 0.2],
    ];
    const a = crossEntropy([2, 0, 1], z, { sampleWeight: [1, 0, 1] });
    const b = crossEntropy([2, 1], [z[0], z[2]]);
    expect(a).toBeCloseTo(b, 14);
  });
  it('ignoreIndex equals slicing', () => {
    const z = [
      [1, 2, 3],
      [3, 1, 0],
      [0.5, 0.1, 0.2],
    ];
    const w = [0.2, 1, 3];
    const a = crossEntropy([2, -100, 1], z, { weight: w, labelSmoothing: 0.2 });
    const b = crossEntropy([2, 1], [z[0], z[2]], { weight: w, labelSmoothing: 0.2 });
    expect(a).toBeCloseTo(b, 14);
  });
  it('one-hot probability targets equal index targets', () => {
    const z = [
      [1, 2, 3],
      [3, 1, 0],
    ];
    expect(
      crossEntropy(
        [
          [0, 0, 1],
          [1, 0, 0],
        ],
        z,
        { labelSmoothing: 0.1 },
      ),
    ).toBeCloseTo(crossEntropy([2, 0], z, { labelSmoothing: 0.1 }), 14);
  });
  it('priorKL with lambda 0 equals crossEntropy; batch-mean KL vanishes when q equals the prior', () => {
    const z = [
      [1, 2, 3],
      [3, 1, 0],
    ];
    expect(crossEntropyWithPriorKL([2, 0], z, { lambda: 0 })).toBe(crossEntropy([2, 0], z));
    // Two rows whose softmaxes average to uniform: zero logits.
    expect(
      crossEntropyWithPriorKL(
        [2, 0],
        [
          [0, 0, 0],
          [0, 0, 0],
        ],
        { lambda: 3 },
      ),
    ).toBeCloseTo(Math.log(3), 14);
  });
});

describe('fast-check properties of crossEntropy', () => {
  const C = 4;
  const row = fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: C, maxLength: C });
  const batch = fc.array(
    fc.tuple(fc.integer({ min: 0, max: C - 1 }), row, fc.double({ min: 0, max: 3, noNaN: true })),
    { minLength: 1, maxLength: 8 },
  );
  it('permuting the samples changes neither the value nor the per-sample gradients', () => {
    fc.assert(
      fc.property(batch, fc.integer({ min: 0, max: 1000 }), (b, seed) => {
        const perm = b.map((_, i) => i).sort((i, j) => ((i * 7919 + seed) % 101) - ((j * 7919 + seed) % 101));
        const opts = { labelSmoothing: 0.1, weight: [1, 2, 0.5, 3], reduction: 'sum' as const };
        const a = crossEntropy.valueAndGrad(
          b.map((x) => x[0]),
          b.map((x) => x[1]),
          { ...opts, sampleWeight: b.map((x) => x[2]) },
        );
        const pb = perm.map((i) => b[i]);
        const c = crossEntropy.valueAndGrad(
          pb.map((x) => x[0]),
          pb.map((x) => x[1]),
          { ...opts, sampleWeight: pb.map((x) => x[2]) },
        );
        expect(Math.abs(a.value - c.value)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(a.value)));
        perm.forEach((src, dst) => {
          for (let k = 0; k < C; k++) expect(c.grad.data[dst * C + k]).toBeCloseTo(a.grad.data[src * C + k], 12);
        });
      }),
      { numRuns: 100 },
    );
  });
  it('ignoring a sample equals removing it, and zero sample weight zeroes its gradient', () => {
    fc.assert(
      fc.property(batch, fc.nat(), (b, k) => {
        fc.pre(b.length >= 2);
        const drop = k % b.length;
        const labels = b.map((x, i) => (i === drop ? -100 : x[0]));
        const full = crossEntropy(
          labels,
          b.map((x) => x[1]),
          { weight: [1, 2, 0.5, 3] },
        );
        const kept = b.filter((_, i) => i !== drop);
        const sliced = crossEntropy(
          kept.map((x) => x[0]),
          kept.map((x) => x[1]),
          { weight: [1, 2, 0.5, 3] },
        );
        expect(full).toBeCloseTo(sliced, 10);
        const sw = b.map((_, i) => (i === drop ? 0 : 1));
        const g = crossEntropy.valueAndGrad(
          b.map((x) => x[0]),
          b.map((x) => x[1]),
          { sampleWeight: sw },
        ).grad.data;
        for (let c = 0; c < C; c++) expect(g[drop * C + c]).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
  it('losses are non-negative and finite for any finite logits (incl. ±1e9)', () => {
    const big = fc.array(fc.constantFrom(-1e9, -1, 0, 1, 1e9, 3.5), { minLength: C, maxLength: C });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: C - 1 }), big), { minLength: 1, maxLength: 5 }), (b) => {
        const r = crossEntropy.valueAndGrad(
          b.map((x) => x[0]),
          b.map((x) => x[1]),
          { labelSmoothing: 0.05, reduction: 'none' },
        );
        for (const v of r.value.data) expect(v >= 0 && Number.isFinite(v)).toBe(true);
        for (const g of r.grad.data) expect(Number.isFinite(g)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe("expNonPositive (the softmax kernels' exp)", () => {
  it('is within 2 ulp of Math.exp on x ≤ 0, exact at the edges, and propagates NaN', async () => {
    const { expNonPositive } = await import('../../src/fastexp.js');
    const r = rng(3);
    let maxRel = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = -r() * (i % 10 === 0 ? 745 : 30);
      const e = Math.exp(x);
      const rel = e === 0 ? Math.abs(expNonPositive(x)) : Math.abs(expNonPositive(x) - e) / e;
      if (rel > maxRel) maxRel = rel;
    }
    expect(maxRel).toBeLessThan(5e-16);
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-Infinity)).toBe(0);
    expect(expNonPositive(-745.1)).toBe(Math.exp(-745.1));
    expect(expNonPositive(NaN)).toBeNaN();
  });
});
