import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkGradient,
  getLoss,
  huber,
  logCosh,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  meanSquaredLogError,
  smoothL1,
  tensor,
  type LossFunction,
  type LossOptions,
} from '../../src/index.js';
import { expectClose, loadFixture, randn, rng } from '../helpers.js';
import { expectLosskitError as expectError } from '../helpers.js';

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
  const positive = (n: number): Float64Array => Float64Array.from({ length: n }, () => 0.1 + 3 * r());
  const table: [LossFunction, LossOptions, (n: number) => Float64Array][] = [
    [meanSquaredError, {}, (n) => randn(r, n)],
    [meanAbsoluteError, {}, (n) => randn(r, n)],
    [huber, {}, (n) => randn(r, n)],
    [huber, { delta: 0.4 }, (n) => randn(r, n)],
    [smoothL1, {}, (n) => randn(r, n)],
    [smoothL1, { beta: 0.3 }, (n) => randn(r, n)],
    [smoothL1, { beta: 0 }, (n) => randn(r, n)],
    [logCosh, {}, (n) => randn(r, n)],
    [meanSquaredLogError, {}, positive],
    [meanSquaredLogError, { eps: 1e-7 }, positive],
    [meanAbsolutePercentageError, {}, (n) => randn(r, n)],
  ];
  // Kinks of the piecewise losses (|ŷ − y| = δ or β): keep the differences 0.01 away from them,
  // where a central difference straddling the kink would be off by O(h).
  const kinkOf = (fn: LossFunction, o: LossOptions): number | null =>
    fn === huber ? (o.delta ?? 1) : fn === smoothL1 ? (o.beta ?? 1) : null;
  const predFor = (yt: Float64Array, kink: number | null, gen: (n: number) => Float64Array): Float64Array => {
    if (kink === null) return gen(yt.length);
    const d = randn(r, yt.length);
    return d.map((v, i) => yt[i] + (Math.abs(Math.abs(v) - kink) < 0.01 || Math.abs(v) < 0.01 ? v + 0.05 : v));
  };
  for (const [fn, options, gen] of table) {
    for (const reduction of ['mean', 'sum', 'none', 'sumOverBatchSize', 'batchmean'] as const) {
      it(`${fn.lossName} ${reduction} ${JSON.stringify(options)}`, () => {
        const ytd = gen(12);
        const yt = tensor(ytd, [4, 3]);
        const yp = tensor(predFor(ytd, kinkOf(fn, options), gen), [4, 3]);
        const sw = Float64Array.from({ length: 4 }, () => r() * 2);
        const res = checkGradient(fn, yt, yp, { ...options, reduction, sampleWeight: sw });
        expect(res.maxRelError).toBeLessThan(1e-6);
      });
    }
    it(`${fn.lossName} meanOverLastAxis ${JSON.stringify(options)}`, () => {
      const res = checkGradient(fn, tensor(gen(12), [4, 3]), tensor(gen(12), [4, 3]), {
        ...options,
        reduction: 'sumOverBatchSize',
        meanOverLastAxis: true,
        sampleWeight: [1, 2, 0, 0.5],
      });
      expect(res.maxRelError).toBeLessThan(1e-6);
    });
  }
  it('Keras meanOverLastAxis', () => {
    const yt = tensor(randn(r, 12), [4, 3]);
    const yp = tensor(randn(r, 12), [4, 3]);
    expect(checkGradient(getLoss('mse'), yt, yp, { sampleWeight: [1, 2, 0, 0.5] }).maxRelError).toBeLessThan(1e-6);
  });
});

describe('dialects', () => {
  it('Keras mse: per-sample mean over the last axis, then sum over batch size', () => {
    const yt = [
      [0, 1],
      [1, 1],
    ];
    const yp = [
      [1, 1],
      [1, 0],
    ];
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

describe('regression losses: extreme inputs', () => {
  it('logCosh is finite and exact for huge and tiny differences', () => {
    const x = [1e6, -1e300, 800, 1e-8, -1e-200, 0];
    const r = logCosh.valueAndGrad(new Array(x.length).fill(0), x, { reduction: 'none' });
    const expected = [1e6 - Math.LN2, 1e300, 800 - Math.LN2, 5e-17, 0 /* 0.5e-400 underflows */, 0];
    expectClose(r.value, expected, 1e-15, 0, 'value');
    expectClose(r.grad, [1, -1, 1, 1e-8, -1e-200, 0], 1e-15, 0, 'grad');
  });
  it('huber and smoothL1 are linear far out', () => {
    expect(huber([0], [1e200], { delta: 2 })).toBeCloseTo(2e200, -190);
    expect(smoothL1([0], [-1e200])).toBe(1e200);
  });
  it('MAPE divides by eps at a zero target', () => {
    expect(meanAbsolutePercentageError([0], [1e-7])).toBeCloseTo(100, 10);
  });
});

describe('regression losses: bad input', () => {
  it('invalid option values', () => {
    expectError(() => huber([1], [2], { delta: 0 }), 'INVALID_OPTION', 'huber', "'delta'", '> 0', 'received 0');
    expectError(() => huber([1], [2], { delta: Number.NaN }), 'INVALID_OPTION', 'huber', "'delta'", 'received NaN');
    expectError(() => smoothL1([1], [2], { beta: -1 }), 'INVALID_OPTION', 'smoothL1', "'beta'", '>= 0', 'received -1');
    expectError(() => meanAbsolutePercentageError([1], [2], { eps: 0 }), 'INVALID_OPTION', "'eps'", '> 0');
    // A wrong option is a compile error on the typed function (test/types/options.test-d.ts); the
    // run-time check still guards untyped callers (getLoss, JavaScript).
    const untyped: LossFunction = logCosh;
    expectError(() => untyped([1], [2], { delta: 1 }), 'INVALID_OPTION', 'logCosh', "unknown option 'delta'");
  });
  it('MSLE rejects values <= -1 unless Keras clamping is asked for', () => {
    expectError(
      () => meanSquaredLogError([0, 1], [0.5, -1]),
      'OUT_OF_RANGE',
      'meanSquaredLogError',
      "'yPred'",
      '> -1',
      'received -1 at index [1]',
    );
    expectError(() => meanSquaredLogError([[-2]], [[0]]), 'OUT_OF_RANGE', "'yTrue'", 'received -2 at index [0,0]');
    expect(Number.isFinite(meanSquaredLogError([0, 1], [0.5, -1], { eps: 1e-7 }))).toBe(true);
    expect(getLoss('msle')([[0, 1]], [[0.5, -5]])).toBeCloseTo(getLoss('msle')([[0, 1]], [[0.5, 1e-7]]), 15);
  });
  it('shape mismatch, non-finite, empty', () => {
    expectError(
      () => huber([1, 2], [1, 2, 3]),
      'SHAPE_MISMATCH',
      'huber',
      "'yTrue' has shape [2]",
      "'yPred' has shape [3]",
    );
    expectError(() => logCosh([1, 2], [1, Number.NaN]), 'NON_FINITE', 'logCosh', "'yPred'", 'NaN', 'index [1]');
    expectError(() => smoothL1([1, Infinity], [1, 2]), 'NON_FINITE', "'yTrue'", 'Infinity');
    expectError(() => meanAbsolutePercentageError([], []), 'EMPTY_INPUT', "'yPred'");
    expectError(() => huber([[1, 2]], [[1, 2]], { sampleWeight: [1, 2, 3] }), 'SHAPE_MISMATCH', "'sampleWeight'");
  });
});

describe('regression losses: properties', () => {
  const losses: [LossFunction, LossOptions][] = [
    [huber, { delta: 0.7 }],
    [smoothL1, { beta: 0.5 }],
    [logCosh, {}],
    [meanSquaredLogError, { eps: 1e-7 }],
    [meanAbsolutePercentageError, {}],
  ];
  const row = fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 3, maxLength: 3 });
  const weight = fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 5, noNaN: true }));
  const data = fc.array(fc.tuple(row, row, weight), { minLength: 2, maxLength: 8 });
  for (const [fn, options] of losses) {
    it(`${fn.lossName}: zero sample weight drops the sample; permutation invariant; sum = n·mean`, () => {
      fc.assert(
        fc.property(data, fc.nat(), (rows, k) => {
          const yt = rows.map((r) => r[0]);
          const yp = rows.map((r) => r[1]);
          // Column weights [N, 1]: a flat [N] would broadcast along the last axis when N = 3.
          const sw = rows.map((r) => [r[2]]);
          const drop = k % rows.length;
          const sw0 = sw.map((w, i) => (i === drop ? [0] : w));
          const keep = (_: unknown, i: number): boolean => i !== drop;
          const a = fn(yt, yp, { ...options, reduction: 'sum', sampleWeight: sw0 });
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
            { ...options, reduction: 'mean' as const, sampleWeight: perm.map((i) => sw[i]) },
          );
          const d = fn(yt, yp, { ...options, reduction: 'mean' as const, sampleWeight: sw });
          if (Number.isFinite(d)) expect(Math.abs(c - d)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(d)));
          const s = fn(yt, yp, { ...options, reduction: 'sum' });
          const m = fn(yt, yp, { ...options, reduction: 'mean' });
          expect(Math.abs(s - 3 * rows.length * m)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(s)));
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('doc-comment examples (closed forms)', () => {
  it('hold', () => {
    expect(huber([0, 0], [0.5, 3])).toBeCloseTo(1.3125, 14);
    expect(huber([0], [3], { delta: 2 })).toBeCloseTo(4, 14);
    const r = huber.valueAndGrad([0, 0], [0.5, 3], { delta: 1 });
    expectClose(r.grad, [0.25, 0.5], 1e-15);
    expect(smoothL1([0, 0], [0.5, 3])).toBeCloseTo(1.3125, 14);
    expect(smoothL1([0], [0.5], { beta: 0 })).toBe(0.5);
    expect(logCosh([0], [1])).toBeCloseTo(Math.log(Math.cosh(1)), 15);
    expect(meanSquaredLogError([0, Math.E - 1], [Math.E - 1, Math.E - 1])).toBeCloseTo(0.5, 14);
    expect(meanAbsolutePercentageError([2, -4], [1, -3])).toBeCloseTo(37.5, 12);
  });
});
