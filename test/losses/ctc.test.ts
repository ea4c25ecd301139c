import { describe, expect, it } from 'vitest';
import { checkGradient, ctc, getLoss, tensor, type LossOptions } from '../../src/index.js';
import { expectClose, loadFixture, randn, rng } from '../helpers.js';
import { expectLosskitError } from '../helpers.js';

interface Case {
  loss: string;
  yTrue: number[] | number[][];
  yPred: number[];
  options: LossOptions & { inputLengths?: number[]; targetLengths?: number[] | number };
  value: number | number[];
  grad: number[];
  gradPytorch?: number[];
}

const fx = loadFixture<Case>('ctc');

describe('ctc matches PyTorch 1.13 F.ctc_loss (float64)', () => {
  it('fixture records its versions', () => {
    expect(fx.versions.torch).toMatch(/^1\.13/);
    expect(fx.cases.length).toBeGreaterThan(25);
  });
  for (const [i, c] of fx.cases.entries()) {
    const label = JSON.stringify({
      ...c.options,
      inputLengths: undefined,
      targetLengths: undefined,
      sampleWeight: c.options.sampleWeight ? 'yes' : undefined,
    });
    it(`${c.loss} #${i} ${label}`, () => {
      const fn = getLoss(c.loss);
      const r = fn.valueAndGrad(c.yTrue, c.yPred, c.options);
      expectClose(r.value, c.value, 1e-6, 1e-12, 'value');
      // Exact gradient vs autograd of an independent reference recursion.
      expectClose(r.grad, c.grad, 1e-6, 1e-12, 'grad (exact)');
      if (c.gradPytorch !== undefined) {
        const rp = fn.valueAndGrad(c.yTrue, c.yPred, { ...c.options, ctcGrad: 'pytorch' });
        expectClose(rp.grad, c.gradPytorch, 1e-6, 1e-12, 'grad (PyTorch autograd convention)');
      }
      expectClose(fn(c.yTrue, c.yPred, c.options), c.value, 1e-6, 1e-12, 'value (call)');
    });
  }
});

/** Random log-probabilities (T, N, C) as a flat Float64Array. */
function logProbs(r: () => number, T: number, N: number, C: number, scale = 2): Float64Array {
  const x = randn(r, T * N * C).map((v) => v * scale);
  for (let o = 0; o < x.length; o += C) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, x[o + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(x[o + c] - m);
    const lz = m + Math.log(s);
    for (let c = 0; c < C; c++) x[o + c] -= lz;
  }
  return x;
}

describe('ctc: finite differences', () => {
  // Sequence losses are O(10): h = 1e-5 keeps round-off noise ~1e-10; atol 1e-3 in the
  // denominator stops near-zero occupations from turning that noise into a large relative error.
  const FD = { h: 1e-5, atol: 1e-3 };
  const r = rng(21);
  const T = 9;
  const N = 3;
  const C = 5;
  const targets = [
    [1, 2, 2, 0],
    [3, 0, 0, 0],
    [4, 1, 3, 1],
  ];
  const opts = { inputLengths: [9, 7, 8], targetLengths: [3, 1, 4] };
  for (const reduction of ['mean', 'sum', 'none', 'sumOverBatchSize'] as const) {
    it(`exact gradient w.r.t. log-probabilities, ${reduction}, sample weights`, () => {
      const x = tensor(logProbs(r, T, N, C), [T, N, C]);
      const res = checkGradient(ctc, targets, x, { ...opts, reduction, sampleWeight: [0.5, 1, 2] }, FD);
      expect(res.maxRelError).toBeLessThan(1e-6);
    });
  }
  it('fromLogits, batch-major layout', () => {
    const x = tensor(randn(r, T * N * C), [N, T, C]);
    const res = checkGradient(ctc, targets, x, { ...opts, fromLogits: true, timeMajor: false }, FD);
    expect(res.maxRelError).toBeLessThan(1e-6);
  });
  it("PyTorch's convention differs from the exact gradient by exp(logProbs) on valid frames only", () => {
    const x = tensor(logProbs(r, T, N, C), [T, N, C]);
    const e = ctc.valueAndGrad(targets, x, { ...opts, reduction: 'sum' }).grad.data;
    const p = ctc.valueAndGrad(targets, x, { ...opts, reduction: 'sum', ctcGrad: 'pytorch' }).grad.data;
    for (let t = 0; t < T; t++) {
      for (let n = 0; n < N; n++) {
        for (let c = 0; c < C; c++) {
          const i = (t * N + n) * C + c;
          const expected = t < opts.inputLengths[n] ? Math.exp(x.data[i]) : 0;
          expect(p[i] - e[i]).toBeCloseTo(expected, 12);
        }
      }
    }
  });
});

describe('ctc: properties and extremes', () => {
  it('doc example: two frames, target [1]', () => {
    const h = Math.log(0.5);
    expect(ctc([[1]], [[[h, h]], [[h, h]]], { reduction: 'sum' })).toBeCloseTo(-Math.log(0.75), 14);
  });
  it('padded and concatenated targets give the same result', () => {
    const r = rng(2);
    const x = tensor(logProbs(r, 10, 2, 4), [10, 2, 4]);
    const a = ctc.valueAndGrad(
      [
        [1, 2, 0],
        [3, 3, 1],
      ],
      x,
      { targetLengths: [2, 3] },
    );
    const b = ctc.valueAndGrad([1, 2, 3, 3, 1], x, { targetLengths: [2, 3] });
    expect(a.value).toBeCloseTo(b.value, 14);
    expectClose(a.grad, b.grad, 1e-14);
    // Default target lengths for padded targets: the non-blank entries (Keras's rule).
    expect(
      ctc(
        [
          [1, 2, 0],
          [3, 3, 1],
        ],
        x,
      ),
    ).toBeCloseTo(a.value, 14);
  });
  it('time-major and batch-major layouts agree', () => {
    const r = rng(4);
    const T = 6,
      N = 2,
      C = 3;
    const x = logProbs(r, T, N, C);
    const xt = new Float64Array(x.length);
    for (let t = 0; t < T; t++)
      for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) xt[(n * T + t) * C + c] = x[(t * N + n) * C + c];
    const a = ctc(
      [
        [1, 2],
        [2, 0],
      ],
      tensor(x, [T, N, C]),
      { reduction: 'none' },
    );
    const b = ctc(
      [
        [1, 2],
        [2, 0],
      ],
      tensor(xt, [N, T, C]),
      { reduction: 'none', timeMajor: false },
    );
    expectClose(b, a, 1e-14);
  });
  it('impossible alignment: +Infinity and zero gradient; 0 with zeroInfinity; never NaN', () => {
    const r = rng(6);
    const x = tensor(logProbs(r, 3, 1, 3), [3, 1, 3]);
    const a = ctc.valueAndGrad([[1, 1]], x, { reduction: 'sum' }); // needs 3 frames + blank: 1 _ 1 is possible
    expect(Number.isFinite(a.value)).toBe(true);
    const b = ctc.valueAndGrad([[1, 1, 2]], x, { reduction: 'sum' }); // needs 4 frames
    expect(b.value).toBe(Infinity);
    expect(Array.from(b.grad.data).every((v) => v === 0)).toBe(true);
    const c = ctc.valueAndGrad([[1, 1, 2]], x, { reduction: 'mean', zeroInfinity: true });
    expect(c.value).toBe(0);
    expect(Array.from(c.grad.data).every((v) => v === 0)).toBe(true);
  });
  it('handles log(0) = -Infinity entries and extreme log-probabilities without NaN', () => {
    const lp = [[[0, -Infinity, -Infinity]], [[-Infinity, 0, -Infinity]], [[-800, -1e-300, -900]]];
    const r = ctc.valueAndGrad([[1]], lp, { reduction: 'sum' });
    expect(Number.isFinite(r.value)).toBe(true);
    expect(r.value).toBeCloseTo(1e-300, 12);
    for (const g of r.grad.data) expect(Number.isNaN(g)).toBe(false);
    // Every path has probability ≤ e^-1000 (underflows in linear space); log space is exact:
    // paths "1 _", "_ 1" (e^-1000 each) and "1 1" (e^-2000): loss = 1000 − log 2 − log1p(e^-1000/2).
    expect(ctc([[1]], [[[0, -1000]], [[0, -1000]]], { reduction: 'sum' })).toBeCloseTo(1000 - Math.log(2), 10);
  });
  it('log(0) entries that make the target impossible give +Infinity (not NON_FINITE), 0 with zeroInfinity', () => {
    // Label 1 has probability 0 at every frame: no alignment of [1] survives.
    const lp = [[[0, -Infinity]], [[0, -Infinity]]];
    const a = ctc.valueAndGrad([[1]], lp, { reduction: 'sum' });
    expect(a.value).toBe(Infinity);
    expect(Array.from(a.grad.data)).toEqual([0, 0, 0, 0]);
    expect(ctc([[1]], lp, { reduction: 'sum', zeroInfinity: true })).toBe(0);
  });
  it('sample weights: an impossible sequence stays +Infinity under any positive weight; weight 0 leaves it out', () => {
    // Sequence 0: label 1 impossible (log 0 everywhere); sequence 1: an ordinary target.
    const lp = tensor(
      [0, -Infinity, Math.log(0.5), Math.log(0.5), 0, -Infinity, Math.log(0.5), Math.log(0.5)],
      [2, 2, 2],
    );
    const y = [[1], [1]];
    for (const reduction of ['sum', 'mean', 'sumOverBatchSize'] as const) {
      expect(ctc(y, lp, { reduction, sampleWeight: [2, 1] }), reduction).toBe(Infinity);
      expect(ctc(y, lp, { reduction, sampleWeight: [0.5, 1] }), reduction).toBe(Infinity);
    }
    expect(Array.from(ctc(y, lp, { reduction: 'none', sampleWeight: [3, 1] }).data)).toEqual([
      Infinity,
      -Math.log(0.75),
    ]);
    // Weight 0: the impossible sequence counts 0 (not 0·∞ = NaN); the other one as alone.
    const r = ctc.valueAndGrad(y, lp, { reduction: 'sum', sampleWeight: [0, 1] });
    expect(r.value).toBeCloseTo(-Math.log(0.75), 14);
    expect(r.value).toBeCloseTo(
      ctc([[1]], [[[Math.log(0.5), Math.log(0.5)]], [[Math.log(0.5), Math.log(0.5)]]], { reduction: 'sum' }),
      14,
    );
    expect(Array.from(r.grad.data).every((v) => Number.isFinite(v))).toBe(true);
  });
  it('T = 1000, C = 100, N = 2, targets of 100 labels: finite, occupations sum to 1', () => {
    const r = rng(8);
    const T = 1000,
      N = 2,
      C = 100,
      L = 100;
    const x = tensor(logProbs(r, T, N, C, 3), [T, N, C]);
    const y = Array.from({ length: N }, () => Array.from({ length: L }, () => 1 + Math.floor(r() * (C - 1))));
    const res = ctc.valueAndGrad(y, x, { reduction: 'none' });
    for (const v of res.value.data) expect(Number.isFinite(v)).toBe(true);
    for (const g of res.grad.data) expect(Number.isFinite(g)).toBe(true);
    // Occupations at each valid frame sum to 1: Σ_c −grad = 1 per (t, n).
    for (let t = 0; t < T; t += 97) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let c = 0; c < C; c++) s -= res.grad.data[(t * N + n) * C + c];
        expect(s).toBeCloseTo(1, 9);
      }
    }
  });
});

describe('ctc: bad input', () => {
  const x = tensor(new Float64Array(4 * 2 * 3).fill(Math.log(1 / 3)), [4, 2, 3]);
  it('target longer than input', () => {
    expectLosskitError(
      () =>
        ctc(
          [
            [1, 2, 1, 2, 1],
            [1, 0, 0, 0, 0],
          ],
          x,
          { targetLengths: [5, 1] },
        ),
      'OUT_OF_RANGE',
      'ctc',
      'sequence 0',
      'length 5',
      'only 4 input frames',
    );
    expectLosskitError(
      () =>
        ctc(
          [
            [1, 2],
            [1, 0],
          ],
          x,
          { inputLengths: [1, 4], targetLengths: [2, 1] },
        ),
      'OUT_OF_RANGE',
      'sequence 0',
      'length 2',
      'only 1 input frames',
    );
    // With zeroInfinity the sequence gets loss 0, as PyTorch's zero_infinity.
    expect(
      ctc(
        [
          [1, 2],
          [1, 0],
        ],
        x,
        { inputLengths: [1, 4], targetLengths: [2, 1], zeroInfinity: true, reduction: 'none' },
      ).data[0],
    ).toBe(0);
  });
  it('labels equal to blank or out of range', () => {
    expectLosskitError(
      () =>
        ctc(
          [
            [1, 0],
            [2, 1],
          ],
          x,
          { targetLengths: [2, 2] },
        ),
      'INVALID_LABEL',
      "'yTrue'",
      'equals blank (0)',
      'index [0,1]',
    );
    expectLosskitError(
      () =>
        ctc(
          [
            [1, 3],
            [2, 1],
          ],
          x,
          { targetLengths: [2, 2] },
        ),
      'INVALID_LABEL',
      '[0, 2]',
      'received 3',
      'out of range',
    );
    expectLosskitError(
      () =>
        ctc(
          [
            [1, 2],
            [2, 1],
          ],
          x,
          { targetLengths: [2, 2], blank: 2 },
        ),
      'INVALID_LABEL',
      'equals blank (2)',
    );
    expectLosskitError(
      () =>
        ctc(
          [
            [1.5, 2],
            [2, 1],
          ],
          x,
          { targetLengths: [2, 2] },
        ),
      'INVALID_LABEL',
      'not an integer',
    );
  });
  it('shapes and lengths', () => {
    expectLosskitError(() => ctc([[1], [2], [1]], x), 'SHAPE_MISMATCH', "'yTrue' has shape [3,1]", 'batch of 2');
    expectLosskitError(() => ctc([1, 2, 1], x), 'INVALID_OPTION', "'targetLengths' is required");
    expectLosskitError(() => ctc([1, 2, 1], x, { targetLengths: [1, 1] }), 'SHAPE_MISMATCH', 'sum to 2');
    expectLosskitError(
      () => ctc([[1], [2]], x, { inputLengths: [4, 5] }),
      'OUT_OF_RANGE',
      "'inputLengths'",
      'at most T = 4',
      'received 5',
    );
    expectLosskitError(() => ctc([[1], [2]], x, { inputLengths: [4] }), 'SHAPE_MISMATCH', "'inputLengths'", '[2]');
    expectLosskitError(() => ctc([[1], [2]], x, { inputLengths: [4, NaN] }), 'NON_FINITE', "'inputLengths'", 'NaN');
    expectLosskitError(() => ctc([[1], [2]], x, { targetLengths: [1, Infinity] }), 'NON_FINITE', "'targetLengths'");
    expectLosskitError(
      () => ctc([[1], [2]], x, { targetLengths: [2, 1] }),
      'OUT_OF_RANGE',
      "'targetLengths'",
      'at most S = 1',
    );
    expectLosskitError(() => ctc([[1], [2]], [1, 2, 3]), 'SHAPE_MISMATCH', "'yPred'", '(T, N, C)', '[3]');
    expectLosskitError(() => ctc([[1], [2]], x, { blank: 3 }), 'INVALID_OPTION', "'blank'", '<= 2');
    expectLosskitError(() => ctc(null, x), 'INVALID_INPUT', "'yTrue'");
  });
  it('NaN / +Infinity log-probabilities', () => {
    const bad = Float64Array.from(x.data);
    bad[5] = NaN;
    expectLosskitError(
      () => ctc([[1], [2]], { data: bad, shape: [4, 2, 3] }),
      'NON_FINITE',
      "'yPred'",
      'NaN',
      'index [0,1,2]',
    );
    bad[5] = Infinity;
    expectLosskitError(() => ctc([[1], [2]], { data: bad, shape: [4, 2, 3] }), 'NON_FINITE', 'Infinity');
  });
});
