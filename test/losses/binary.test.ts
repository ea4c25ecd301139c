import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
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
import { expectLosskitError as expectError } from '../helpers.js';
import { setBackend } from '../../src/wasm/runtime.js';

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

describe('binary losses match the references (PyTorch 1.13 autograd, sklearn 1.2, Keras/tfjs formulas in torch)', () => {
  it('fixture records its versions', () => {
    expect(fx.versions.torch).toMatch(/^1\.13/);
    expect(fx.versions.sklearn).toMatch(/^1\.2/);
    expect(fx.cases.length).toBeGreaterThan(100);
  });
  for (const [i, c] of fx.cases.entries()) {
    const opts = {
      ...c.options,
      sampleWeight: c.options.sampleWeight ? 'yes' : undefined,
      weight: c.options.weight ? 'yes' : undefined,
    };
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
    [
      binaryCrossEntropyWithLogits,
      () => probs(12),
      () => randn(r, 12),
      { weight: [0.5, 1, 2], posWeight: [2, 0.5, 1], labelSmoothing: 0.2 },
    ],
    [logLoss, () => labels(12), () => probs(12), {}],
    [sigmoidFocal, () => labels(12), () => randn(r, 12), {}],
    [sigmoidFocal, () => probs(12), () => randn(r, 12), { alpha: -1, gamma: 1.5, labelSmoothing: 0.1 }],
    [
      sigmoidFocal,
      () => labels(12),
      () => probs(12),
      { fromLogits: false, eps: 1e-7, applyClassBalancing: true, alpha: 0.4 },
    ],
    [sigmoidFocal, () => labels(12), () => probs(12), { fromLogits: false }],
    [hinge, () => labels(12), () => randn(r, 12), {}],
    [squaredHinge, () => labels(12), () => randn(r, 12), {}],
  ];
  for (const [fn, yt, yp, options] of table) {
    for (const reduction of reductions) {
      it(`${fn.lossName} ${reduction} ${JSON.stringify(options)}`, () => {
        const sw = Float64Array.from({ length: 4 }, () => r() * 2);
        const res = checkGradient(fn, tensor(yt(), [4, 3]), tensor(yp(), [4, 3]), {
          ...options,
          reduction,
          sampleWeight: sw,
        });
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

describe('binary losses: extreme inputs', () => {
  const x = [1e9, -1e9, 1e9, -1e9, 1e300, -1e300, 50, -50, 700, -745];
  const y = [1, 0, 0, 1, 1, 0, 1, 0, 0, 1];
  it('BCE with logits: finite value and gradient for logits of ±1e9 and beyond', () => {
    const r = binaryCrossEntropyWithLogits.valueAndGrad(y, x, { reduction: 'none' });
    // Exact: correct side → log1p(e^{−|x|}) (≈ 0), wrong side → |x| (+ log1p of ~0).
    expectClose(
      r.value,
      [0, 0, 1e9, 1e9, 0, 0, Math.log1p(Math.exp(-50)), Math.log1p(Math.exp(-50)), 700, 745],
      1e-15,
      1e-300,
    );
    expectClose(
      r.grad,
      [0, 0, 1, -1, 0, 0, -Math.exp(-50) / (1 + Math.exp(-50)), Math.exp(-50) / (1 + Math.exp(-50)), 1, -1],
      1e-15,
      1e-300,
    );
    const withPw = binaryCrossEntropyWithLogits.valueAndGrad(y, x, { posWeight: [3], weight: [2] });
    expect(Number.isFinite(withPw.value)).toBe(true);
    for (const g of withPw.grad.data) expect(Number.isFinite(g)).toBe(true);
  });
  it('sigmoid focal: finite for huge logits', () => {
    const r = sigmoidFocal.valueAndGrad(y, x, { reduction: 'none', gamma: 0.5 });
    for (const v of [...r.value.data, ...r.grad.data]) expect(Number.isFinite(v)).toBe(true);
    expect(r.value.data[2]).toBeCloseTo(0.75 * 1e9, -3); // wrong side: (1 − α)·1·|x|
  });
  it('BCE on probabilities 0 and 1 exactly: log clamped at −100 (PyTorch), clipped (Keras)', () => {
    const v = binaryCrossEntropy([1, 0, 1, 0], [0, 1, 1, 0], { reduction: 'none' });
    expectClose(v, [100, 100, 0, 0]);
    const k = getLoss('binary_crossentropy')([[1, 0, 1, 0]], [[0, 1, 1, 0]], { reduction: 'none' });
    // Keras: clip to [1e-7, 1 − 1e-7]: −log(1e-7) twice, −log(1 − 1e-7) twice, averaged.
    expectClose(k, [(-Math.log(1e-7) - Math.log(1 - (1 - 1e-7)) - 2 * Math.log1p(-1e-7)) / 4], 1e-12);
    const g = logLoss.valueAndGrad([1, 0], [0, 1]).grad.data;
    expect([...g]).toEqual([0, 0]); // clipped → zero gradient
  });
});

describe('binary losses: bad input', () => {
  it('probabilities outside [0, 1]', () => {
    expectError(
      () => binaryCrossEntropy([1, 0], [0.5, 1.5]),
      'OUT_OF_RANGE',
      'binaryCrossEntropy',
      "'yPred'",
      'probabilities in [0, 1]',
      'received 1.5 at index [1]',
    );
    expectError(() => logLoss([[1]], [[-0.1]]), 'OUT_OF_RANGE', 'logLoss', 'received -0.1 at index [0,0]');
    expectError(() => getLoss('BinaryCrossentropy')([[1]], [[2]]), 'OUT_OF_RANGE', "'yPred'");
    expectError(() => sigmoidFocal([1], [2], { fromLogits: false }), 'OUT_OF_RANGE', 'sigmoidFocal');
    expect(() => binaryCrossEntropy([1], [2], { fromLogits: true })).not.toThrow();
  });
  it('non-finite inputs', () => {
    expectError(
      () => binaryCrossEntropy([1, 0], [0.5, Number.NaN]),
      'NON_FINITE',
      'binaryCrossEntropy',
      "'yPred'",
      'NaN',
      'index [1]',
    );
    expectError(
      () => binaryCrossEntropyWithLogits([1, Number.NaN], [0.5, 2]),
      'NON_FINITE',
      "'yTrue'",
      'NaN',
      'index [1]',
    );
    expectError(
      () => binaryCrossEntropyWithLogits([1, 0], [Infinity, 2]),
      'NON_FINITE',
      "'yPred'",
      'Infinity',
      'index [0]',
    );
    expectError(() => hinge([1, Number.NaN], [1, 2]), 'NON_FINITE', "'yTrue'");
  });
  it('shapes', () => {
    expectError(
      () => binaryCrossEntropy([1, 0], [[0.5, 0.5]]),
      'SHAPE_MISMATCH',
      'binaryCrossEntropy',
      "'yTrue' has shape [2]",
      "'yPred' has shape [1,2]",
    );
    expectError(
      () => binaryCrossEntropyWithLogits([[1, 0]], [[0.5, 0.5]], { posWeight: [1, 2, 3] }),
      'SHAPE_MISMATCH',
      "option 'posWeight' has shape [3]",
      'does not broadcast',
      '[1,2]',
    );
    expectError(
      () => binaryCrossEntropy([[1, 0]], [[0.5, 0.5]], { weight: [[1], [2]] }),
      'SHAPE_MISMATCH',
      "option 'weight' has shape [2,1]",
    );
    expectError(() => binaryCrossEntropyWithLogits([], []), 'EMPTY_INPUT', "'yPred'");
  });
  it('invalid options', () => {
    expectError(
      () => binaryCrossEntropyWithLogits([1], [0], { posWeight: [-1] }),
      'INVALID_OPTION',
      "'posWeight'",
      '>= 0',
      'received -1',
    );
    expectError(
      () => binaryCrossEntropy([1], [0.5], { labelSmoothing: 1.5 }),
      'INVALID_OPTION',
      "'labelSmoothing'",
      '<= 1',
      'received 1.5',
    );
    expectError(() => binaryCrossEntropy([1], [0.5], { eps: 0.7 }), 'INVALID_OPTION', "'eps'", '<= 0.5');
    expectError(() => sigmoidFocal([1], [0.5], { gamma: -1 }), 'INVALID_OPTION', "'gamma'", '>= 0');
    expectError(() => sigmoidFocal([1], [0.5], { alpha: 2 }), 'INVALID_OPTION', "'alpha'", '<= 1');
    expectError(
      () => sigmoidFocal([1], [0.5], { applyClassBalancing: true, alpha: -0.5 }),
      'INVALID_OPTION',
      "'alpha'",
      '>= 0',
    );
    expectError(
      // Compile errors on the typed functions; untyped callers get the run-time errors.
      () => (binaryCrossEntropyWithLogits as LossFunction)([1], [0.5], { fromLogits: true }),
      'INVALID_OPTION',
      "unknown option 'fromLogits'",
    );
    expectError(
      () => (binaryCrossEntropy as LossFunction)([1], [0.5], { posWeight: [1] }),
      'INVALID_OPTION',
      "unknown option 'posWeight'",
    );
    expectError(
      () => binaryCrossEntropy([1], [0.5], { fromLogits: 1 as unknown as boolean }),
      'INVALID_OPTION',
      "'fromLogits'",
      'true or false',
    );
  });
  it('hinge labels', () => {
    expectError(
      () => hinge([0.5, 1], [1, 2]),
      'INVALID_LABEL',
      'hinge',
      '{-1, 1} or in {0, 1}',
      'received 0.5 at index [0]',
    );
    expectError(
      () => squaredHinge([1, 0, -1], [1, 2, 3]),
      'INVALID_LABEL',
      'squaredHinge',
      'mixes 0 and -1',
      'index [2]',
    );
  });
});

describe('binary losses: dialects and conventions', () => {
  it('hinge converts 0/1 labels only when every label is 0 or 1 (Keras)', () => {
    expect(hinge([1, 0], [0.3, -2])).toBeCloseTo(0.35, 15);
    expect(hinge([1, -1], [0.3, -2])).toBeCloseTo(0.35, 15);
    expect(getLoss('tf.losses.hingeLoss')([1, 0], [0.3, -2])).toBeCloseTo(0.35, 15);
  });
  it('sigmoid_focal_loss keeps torchvision’s reduction none', () => {
    const v = getLoss('sigmoid_focal_loss')([1, 0], [0, 0]);
    expect(v).toHaveProperty('shape', [2]);
  });
  it('Keras BCE fromLogits equals BCE-with-logits averaged over the last axis', () => {
    const yt = [
      [1, 0, 1],
      [0, 0, 1],
    ];
    const x = [
      [2, -1, 0.5],
      [3, -4, -0.2],
    ];
    expect(getLoss('BinaryCrossentropy')(yt, x, { fromLogits: true })).toBeCloseTo(
      binaryCrossEntropyWithLogits(yt, x),
      15,
    );
    expect(binaryCrossEntropy(yt, x, { fromLogits: true, weight: [1, 2, 3] })).toBeCloseTo(
      binaryCrossEntropyWithLogits(yt, x, { weight: [1, 2, 3] }),
      15,
    );
  });
  it('gradOut is used as the gradient buffer', () => {
    const out = new Float64Array(3);
    const r = binaryCrossEntropyWithLogits.valueAndGrad([1, 0, 1], [0.5, -0.5, 2], { gradOut: out });
    expect(r.grad.data).toBe(out);
  });
  it('float32 inputs give the float64 answer of the float32 values (JS backend; WASM: float32 precision)', () => {
    const x = Float32Array.from([0.1, -2.3, 4.5, 0.7, -0.2]);
    const y = Float32Array.from([1, 0, 1, 1, 0]);
    const exact = binaryCrossEntropyWithLogits(Array.from(y), Array.from(x));
    const prev = setBackend('js');
    try {
      expect(binaryCrossEntropyWithLogits(y, x)).toBeCloseTo(exact, 15);
    } finally {
      setBackend(prev);
    }
    // the WASM kernels (the default for float32 inputs) compute in float32 lanes
    expect(Math.abs(binaryCrossEntropyWithLogits(y, x) - exact)).toBeLessThanOrEqual(2e-6 * exact);
  });
});

describe('binary losses: properties', () => {
  const losses: [LossFunction, LossOptions, boolean][] = [
    [binaryCrossEntropy, {}, true],
    [binaryCrossEntropy, { eps: 1e-7, weight: [1, 2, 0.5] }, true],
    [binaryCrossEntropyWithLogits, { posWeight: [2, 1, 0.5] }, false],
    [logLoss, {}, true],
    [sigmoidFocal, {}, false],
    [hinge, {}, false],
    [squaredHinge, {}, false],
  ];
  const label = fc.constantFrom(0, 1);
  const weight = fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 5, noNaN: true }));
  for (const [fn, options, probsIn] of losses) {
    const pred = probsIn ? fc.double({ min: 0, max: 1, noNaN: true }) : fc.double({ min: -60, max: 60, noNaN: true });
    const row = fc.tuple(fc.tuple(label, label, label), fc.tuple(pred, pred, pred), weight);
    it(`${fn.lossName} ${JSON.stringify(options)}: zero weight drops the sample; permutation invariant; sum = n·mean`, () => {
      fc.assert(
        fc.property(fc.array(row, { minLength: 2, maxLength: 8 }), fc.nat(), (rows, k) => {
          const yt = rows.map((r) => [...r[0]]);
          const yp = rows.map((r) => [...r[1]]);
          const sw = rows.map((r) => [r[2]]); // [N, 1]: one weight per sample
          const drop = k % rows.length;
          const keep = (_: unknown, i: number): boolean => i !== drop;
          const a = fn(yt, yp, {
            ...options,
            reduction: 'sum',
            sampleWeight: sw.map((w, i) => (i === drop ? [0] : w)),
          });
          const b = fn(yt.filter(keep), yp.filter(keep), {
            ...options,
            reduction: 'sum',
            sampleWeight: sw.filter(keep),
          });
          expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(b)));
          const perm = rows.map((_, i) => (i + k) % rows.length);
          const c = fn(
            perm.map((i) => yt[i]),
            perm.map((i) => yp[i]),
            { ...options, reduction: 'sum', sampleWeight: perm.map((i) => sw[i]) },
          );
          const d = fn(yt, yp, { ...options, reduction: 'sum', sampleWeight: sw });
          expect(Math.abs(c - d)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(d)));
          const s = fn(yt, yp, { ...options, reduction: 'sum' });
          const m = fn(yt, yp, { ...options, reduction: 'mean' });
          expect(Math.abs(s - 3 * rows.length * m)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(s)));
          expect(s).toBeGreaterThanOrEqual(0);
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('doc-comment examples (closed forms)', () => {
  it('hold', () => {
    expect(binaryCrossEntropy([1, 0], [0.9, 0.2])).toBeCloseTo((-Math.log(0.9) - Math.log(0.8)) / 2, 14);
    expect(binaryCrossEntropy([1], [0])).toBe(100);
    expect(binaryCrossEntropyWithLogits([1, 0], [2, -1])).toBeCloseTo(
      (Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(-1))) / 2,
      14,
    );
    expect(binaryCrossEntropyWithLogits([[1, 0]], [[0, 0]], { posWeight: [3, 1] })).toBeCloseTo(
      (3 * Math.LN2 + Math.LN2) / 2,
      14,
    );
    expect(binaryCrossEntropyWithLogits([[1, 0, 1]], [[2.3, -1.1, 1e9]])).toBeCloseTo(
      (Math.log1p(Math.exp(-2.3)) + Math.log1p(Math.exp(-1.1))) / 3,
      14,
    );
    expect(logLoss([1, 0], [1, 0.5])).toBeCloseTo((-Math.log1p(-1e-7) + Math.LN2) / 2, 14);
    expect(sigmoidFocal([1], [0])).toBeCloseTo(0.25 * 0.25 * Math.LN2, 14);
    expect(hinge([1, 0], [0.3, -2])).toBeCloseTo(0.35, 14);
    expect(squaredHinge([1, -1], [0.5, 0.5])).toBeCloseTo(1.25, 14);
  });
});
