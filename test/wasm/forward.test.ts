/**
 * Forward-only calls (no gradient) take their own WASM loops: crossEntropy's one max/min pass and
 * one exp-sum pass per row (a ragged tail loaded as one masked vector except on a call's last
 * row, Σ log S as the log of a product for plain calls) and MSE's unweighted sum. The agreement
 * suite runs valueAndGrad; this one runs the value alone, on both backends, over row lengths
 * 1…13 and larger ones, every option the kernel covers, chunk boundaries, extreme logits and
 * non-finite logits anywhere in a row (the same errors as the JS backend).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { crossEntropy, meanSquaredError } from '../../src/index.js';
import type { LossFunction, LossOptions } from '../../src/losses/core.js';
import type { Tensor } from '../../src/tensor.js';
import { CHUNK, MSE_FWD_MIN_COPY, wasmCallCount, wasmCrossEntropy } from '../../src/wasm/kernels.js';
import { createWasmArena, setBackend } from '../../src/wasm/runtime.js';
import { expectLosskitError, rng } from '../helpers.js';

const R = rng(11);
const f32 = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
const valuesOf = (v: number | Tensor): Float64Array =>
  typeof v === 'number' ? Float64Array.of(v) : Float64Array.from(v.data);

type Input = Float32Array | { data: Float32Array; shape: number[] };

/** The forward value on both backends: within 2e-6 relative (as the agreement suite), and the
 * WASM kernel ran. */
function agreeForward(fn: LossFunction, yTrue: Input, yPred: Input, o: LossOptions, what: string): void {
  setBackend('js');
  const js = valuesOf(fn(yTrue, yPred, o));
  setBackend('auto');
  const before = wasmCallCount();
  const wa = valuesOf(fn(yTrue, yPred, o));
  expect(wasmCallCount() - before, `${what}: WASM calls`).toBe(1);
  expect(wa.length).toBe(js.length);
  for (let i = 0; i < js.length; i++) {
    const tol = 2e-6 * Math.max(1, Math.abs(js[i]));
    if (!(Math.abs(wa[i] - js[i]) <= tol)) expect.fail(`${what} ${JSON.stringify(o)} value[${i}] ${wa[i]} vs ${js[i]}`);
  }
}

afterEach(() => {
  setBackend('auto');
});

describe('crossEntropy forward on the WASM backend', () => {
  it('agrees with the JS backend for row lengths 1…13, 31, 257, 1000 under every option it covers', () => {
    for (const C of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 31, 257, 1000]) {
      const N = Math.max(8, Math.ceil(600 / C));
      const z = { data: f32(N * C, () => (R() - 0.5) * 12), shape: [N, C] };
      const labels = f32(N, (i) => (i % 7 === 3 ? -100 : Math.floor(R() * C)));
      const cw = Array.from({ length: C }, () => 0.5 + R());
      const sw = Array.from({ length: N }, () => R() * 2);
      const probs = f32(N * C, () => R());
      for (let r = 0; r < N; r++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += probs[r * C + c];
        for (let c = 0; c < C; c++) probs[r * C + c] /= s;
      }
      const options: LossOptions[] = [
        {},
        { reduction: 'sum' },
        { reduction: 'none' },
        { sampleWeight: sw },
        { weight: cw },
        { labelSmoothing: 0.15 },
        { weight: cw, labelSmoothing: 0.1, reduction: 'none' },
      ];
      for (const o of options) agreeForward(crossEntropy, labels, z, o, `C=${C}`);
      // no ignored rows: the plain path (the log of the product) from the first row to the last
      agreeForward(
        crossEntropy,
        f32(N, (i) => i % C),
        z,
        {},
        `C=${C} plain`,
      );
      for (const o of [{}, { labelSmoothing: 0.2 }, { weight: cw }])
        agreeForward(crossEntropy, { data: probs, shape: [N, C] }, z, o, `C=${C} probabilities`);
    }
  });

  it('equals the value of valueAndGrad on the same backend (the gradient loops) to float32 accuracy', () => {
    for (const [N, C] of [
      [700, 10],
      [40, 1003],
    ]) {
      const z = { data: f32(N * C, () => (R() - 0.5) * 20), shape: [N, C] };
      const y = f32(N, (i) => (i * 5) % C);
      for (const o of [{}, { reduction: 'none' as const }]) {
        const a = valuesOf(crossEntropy(y, z, o));
        const b = valuesOf(crossEntropy.valueAndGrad(y, z, o).value);
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, b[i]));
      }
    }
  });

  it('over several chunks, with resident (arena) and copied logits, and many rows in the product', () => {
    // Equal logits make S = C in every row: with C = 10 a chunk's product reaches 10^6553, so its
    // binary exponent is moved out many times; C = 1001 puts a ragged tail on every row.
    for (const C of [10, 1001]) {
      const N = 3 * Math.floor(CHUNK / C) + 7;
      const y = f32(N, (i) => (i * 13) % C);
      const flat = { data: f32(N * C, () => 0.25), shape: [N, C] };
      setBackend('auto');
      const before = wasmCallCount();
      const v = crossEntropy(y, flat) as number;
      expect(wasmCallCount() - before).toBe(1);
      expect(Math.abs(v - Math.log(C)), `C=${C}`).toBeLessThanOrEqual(1e-12 * Math.log(C));
      const z = { data: f32(N * C, () => (R() - 0.5) * 8), shape: [N, C] };
      agreeForward(crossEntropy, y, z, {}, 'chunks');
      agreeForward(crossEntropy, y, z, { reduction: 'sum' }, 'chunks sum');
      const arena = createWasmArena(N * C * 4 + N * 4 + (1 << 16));
      if (arena === null) throw new Error('the WASM kernels must load in Node');
      const zr = arena.float32(N * C);
      zr.set(z.data);
      const yr = arena.float32(N);
      yr.set(y);
      agreeForward(crossEntropy, yr, { data: zr, shape: [N, C] }, {}, 'arena');
      arena.reset();
    }
  });

  it('logits of ±1e9 and rows spanning more than exp’s range give finite values equal to the JS backend', () => {
    const [N, C] = [64, 37];
    const z = {
      data: f32(N * C, (i) => ((i * 7919) % 13 === 0 ? 1e9 : (i * 31) % 17 === 0 ? -1e9 : (R() - 0.5) * 300)),
      shape: [N, C],
    };
    agreeForward(
      crossEntropy,
      f32(N, (i) => (i * 3) % C),
      z,
      {},
      'extreme',
    );
    agreeForward(
      crossEntropy,
      f32(N, (i) => (i * 3) % C),
      z,
      { reduction: 'none' },
      'extreme none',
    );
  });

  it('rows whose first logit is far below their maximum (the one-pass shift and its fallback): values and gradients agree with the JS backend', () => {
    // the sum is taken relative to each row's first logit unless the maximum is more than 64
    // above it; both sides of that limit, in the main loop and in the tail
    const [N, C] = [48, 23];
    for (const gap of [0.5, 30, 63.9, 64.1, 70, 88, 100, 1e4, 1e30]) {
      const z = { data: f32(N * C, () => (R() - 0.5) * 4), shape: [N, C] };
      for (let r = 0; r < N; r++) {
        z.data[r * C] = -gap;
        z.data[r * C + (r % 2 === 0 ? 5 : C - 1)] = 0; // the maximum, main loop or tail
        if (r % 3 === 0) z.data[r * C + 1] = z.data[r * C]; // equal small logits
      }
      const y = f32(N, (i) => (i * 5) % C);
      for (const o of [{}, { reduction: 'none' as const }, { labelSmoothing: 0.1 }]) {
        agreeForward(crossEntropy, y, z, o, `gap ${gap}`);
        // the gradient loops use the same shift: gradients as in the agreement suite
        for (const gradOut of [new Float32Array(N * C), new Float64Array(N * C)]) {
          setBackend('js');
          const gj = Float64Array.from(crossEntropy.valueAndGrad(y, z, o).grad.data);
          setBackend('auto');
          const gw = crossEntropy.valueAndGrad(y, z, { ...o, gradOut }).grad.data;
          const scale = gj.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
          for (let i = 0; i < gj.length; i++)
            if (!(Math.abs(gw[i] - gj[i]) <= 2e-5 * Math.abs(gj[i]) + 1e-6 * scale))
              expect.fail(`gap ${gap} ${JSON.stringify(o)} grad[${i}] ${gw[i]} vs ${gj[i]}`);
        }
      }
    }
  });

  it('a NaN or ±∞ logit anywhere (main loop, ragged tail, last row, an ignored row) is NON_FINITE naming yPred, as with the JS kernels', () => {
    const [N, C] = [60, 11];
    const y = f32(N, (i) => (i === 20 ? -100 : i % C));
    for (const at of [0, 5, 9, 10, 20 * C + 4, 33 * C + 10, (N - 1) * C + 8, N * C - 1]) {
      for (const v of [NaN, Infinity, -Infinity]) {
        const z = { data: f32(N * C, () => R() - 0.5), shape: [N, C] };
        z.data[at] = v;
        for (const backend of ['js', 'auto'] as const) {
          setBackend(backend);
          for (const o of [{}, { reduction: 'none' as const }, { labelSmoothing: 0.1 }])
            expectLosskitError(() => crossEntropy(y, z, o), 'NON_FINITE', 'crossEntropy', 'yPred');
        }
      }
    }
  });

  it('the kernel flags a non-finite logit by a NaN sum in the tail lanes of a row whose tail is loaded whole', () => {
    // direct kernel call: the row before the last loads its tail as one vector (lanes past the
    // row are the next row's, masked); the flag must come from the row's own lanes only
    const [N, C] = [80, 7];
    const base = f32(N * C, () => R() - 0.5);
    const call = (z: Float32Array) =>
      wasmCrossEntropy({
        ...{ N, C, z, labels: f32(N, (i) => i % C), probs: null, cw: null, ls: 0, ignoreIndex: -100 },
        ...{ w: null, scale: 1, out: null, grad: null },
      });
    expect(Number.isFinite(call(base))).toBe(true);
    for (const at of [(N - 2) * C + 6, (N - 1) * C + 4, (N - 1) * C + 6]) {
      const z = base.slice();
      z[at] = -Infinity;
      expect(call(z), `−∞ at ${at}`).toBeNaN();
    }
    // −∞ just past a row (the next row's first logit) is flagged once, by its own row
    const z = base.slice();
    z[5 * C] = -Infinity;
    expect(call(z)).toBeNaN();
    const ok = base.slice();
    ok[5 * C] = 1e30; // finite and large in the next row: no flag, no effect on row 4
    expect(Number.isFinite(call(ok))).toBe(true);
  });
});

describe('meanSquaredError forward on the WASM backend (arena inputs)', () => {
  it('agrees with the JS backend for lengths with every ragged tail, over several chunks', () => {
    const arena = createWasmArena(1 << 22);
    if (arena === null) throw new Error('the WASM kernels must load in Node');
    for (const n of [1, 3, 7, 8, 9, 15, 1001, CHUNK + 5, 2 * CHUNK + 13]) {
      arena.reset();
      const yt = arena.float32(n);
      const yp = arena.float32(n);
      yt.set(f32(n, () => (R() - 0.5) * 1e3));
      yp.set(f32(n, () => (R() - 0.5) * 1e-3));
      for (const o of [{}, { reduction: 'sum' as const }]) agreeForward(meanSquaredError, yt, yp, o, `n=${n}`);
    }
    arena.reset();
  });
  it('copied (non-arena) inputs: the unweighted value from MSE_FWD_MIN_COPY elements, the JS loop otherwise', () => {
    for (const n of [MSE_FWD_MIN_COPY, MSE_FWD_MIN_COPY + 3, CHUNK + 1]) {
      const yt = f32(n, () => R() - 0.5);
      const yp = f32(n, () => (R() - 0.5) * 3);
      agreeForward(meanSquaredError, yt, yp, {}, `copied n=${n}`);
      agreeForward(meanSquaredError, yt, yp, { reduction: 'sum' }, `copied n=${n} sum`);
      // weights, per-element output or a gradient: the JS kernel (memory-bound, copies do not pay)
      for (const run of [
        () => meanSquaredError(yt, yp, { sampleWeight: 2 }),
        () => meanSquaredError(yt, yp, { reduction: 'none' }),
        () => meanSquaredError.valueAndGrad(yt, yp),
      ]) {
        const before = wasmCallCount();
        run();
        expect(wasmCallCount()).toBe(before);
      }
    }
    const small = f32(MSE_FWD_MIN_COPY - 1, (i) => Math.sin(i));
    const before = wasmCallCount();
    meanSquaredError(
      small,
      small.map((x) => x * 2),
    );
    expect(wasmCallCount()).toBe(before);
  });
});
