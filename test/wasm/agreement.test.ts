/**
 * The JS and WASM backends agree, for every loss name (canonical and alias, from listLosses())
 * whose loss the WASM backend routes, under each option set it covers: loss values within
 * 2e-6 relative (float32 transcendentals, float64 sums) and gradients within 2e-5 relative plus 1e-6 of the
 * gradient's largest element (float32 arithmetic with cancellation). The WASM path must actually run (its call counter moves) — and must NOT run for
 * float64 inputs, which keep the exact JS path. Also: results do not depend on the chunking.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getLoss, listLosses } from '../../src/index.js';
import type { LossFunction, LossOptions } from '../../src/losses/core.js';
import type { Tensor } from '../../src/tensor.js';
import { wasmCallCount } from '../../src/wasm/kernels.js';
import { createWasmArena, getBackend, setBackend } from '../../src/wasm/runtime.js';
import { expectLosskitError, rng } from '../helpers.js';

const f32 = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));

interface Case {
  yTrue: Float32Array | { data: Float32Array; shape: number[] };
  yPred: { data: Float32Array; shape: number[] };
  options: LossOptions[];
  /** false: the memory-bound losses, which use WASM only for arena inputs. */
  copies?: boolean;
  /** false: this name's defaults select a variant the WASM backend does not cover. */
  routed?: boolean;
}
const R = rng(3);
const SHAPE = [37, 29]; // 1073 elements: chunks of 4 plus a ragged tail
const n = SHAPE[0] * SHAPE[1];
const real = () => ({ data: f32(n, () => (R() - 0.5) * 6), shape: SHAPE });
const prob = () => ({ data: f32(n, () => Math.min(1, Math.max(0, R() * 1.1 - 0.05))), shape: SHAPE });
const bits = () => ({ data: f32(n, () => (R() < 0.4 ? 1 : 0)), shape: SHAPE });
const soft = () => ({ data: f32(n, () => R()), shape: SHAPE });
const sw = Array.from({ length: SHAPE[0] }, () => R() * 2).map((v) => [v]);
const common: LossOptions[] = [{}, { reduction: 'sum' }, { reduction: 'none' }, { sampleWeight: sw }];

/** Inputs and option sets per canonical loss the WASM backend routes. */
const CASES: Record<string, (fn: LossFunction) => Case> = {
  meanSquaredError: () => ({ yTrue: real(), yPred: real(), options: common, copies: false }),
  meanAbsoluteError: () => ({ yTrue: real(), yPred: real(), options: common, copies: false }),
  huber: () => ({ yTrue: real(), yPred: real(), options: [...common, { delta: 0.3 }], copies: false }),
  smoothL1: () => ({ yTrue: real(), yPred: real(), options: [...common, { beta: 0.4 }, { beta: 0 }], copies: false }),
  klDivergence: () => ({ yTrue: soft(), yPred: real(), options: [...common, { reduction: 'batchmean' }] }),
  binaryCrossEntropy: () => ({
    yTrue: soft(),
    yPred: prob(),
    options: [...common, { eps: 1e-7 }, { labelSmoothing: 0.1 }],
  }),
  binaryCrossEntropyWithLogits: () => ({ yTrue: bits(), yPred: real(), options: [...common, { labelSmoothing: 0.2 }] }),
  sigmoidFocal: (fn) =>
    fn.defaults.fromLogits === false
      ? // Keras's binary_focal_crossentropy: probabilities, the JS kernel
        { yTrue: bits(), yPred: prob(), options: common, routed: false }
      : {
          yTrue: bits(),
          yPred: real(),
          options: [...common, { gamma: 0 }, { gamma: 1.5, alpha: -1 }, { labelSmoothing: 0.1 }],
        },
  crossEntropy: () => {
    const C = SHAPE[1];
    const labels = f32(SHAPE[0], (i) => (i % 9 === 4 ? -100 : Math.floor(R() * C)));
    const cw = Array.from({ length: C }, () => 0.5 + R());
    return {
      yTrue: labels,
      yPred: real(),
      options: [
        ...common,
        { weight: cw },
        { labelSmoothing: 0.15 },
        { weight: cw, labelSmoothing: 0.1 },
        { reduction: 'none', weight: cw },
      ],
    };
  },
  ctc: (fn) => {
    // (T, N, C) log-probabilities, padded targets (N, S): 5 sequences of 60 frames, 8 classes
    const [T, N, C, S] = [60, 5, 8, 16];
    const x = f32(T * N * C, () => (R() - 0.5) * 6);
    for (let o = 0; o < x.length; o += C) {
      let z = 0;
      for (let c = 0; c < C; c++) z += Math.exp(x[o + c]);
      for (let c = 0; c < C; c++) x[o + c] = Math.fround(x[o + c] - Math.log(z));
    }
    // Keras's alias takes logits (N, T, C): float64 log-softmax first, the JS kernel
    const logits = fn.defaults.fromLogits === true;
    if (!logits) x[3 * C + 2] = -Infinity; // log 0 is a valid log-probability
    // repeated labels (the skip rule) and a target of 1 label
    const y = f32(N * S, (i) => (i % S < (i < S ? 1 : S) ? 1 + ((i * 7) % (C - 1)) : 0));
    y[S + 1] = y[S + 2];
    const w = [0.5, 0, 2, 1, 1.5];
    return {
      yTrue: { data: y, shape: [N, S] },
      yPred: { data: x, shape: logits ? [N, T, C] : [T, N, C] },
      options: [
        {},
        { reduction: 'sum' },
        { reduction: 'none' },
        { sampleWeight: w },
        { ctcGrad: 'pytorch' },
        { inputLengths: [60, 41, 60, 12, 25], targetLengths: [1, 16, 5, 16, 0], zeroInfinity: true },
        { inputLengths: [60, 41, 60, 30, 25], targetLengths: [1, 16, 5, 16, 0], reduction: 'none' },
      ],
      routed: !logits,
    };
  },
};
/** Probability targets for crossEntropy (same shape as the logits). */
function probTargets(): Float32Array {
  const t = soft().data;
  for (let r = 0; r < SHAPE[0]; r++) {
    let s = 0;
    for (let c = 0; c < SHAPE[1]; c++) s += t[r * SHAPE[1] + c];
    for (let c = 0; c < SHAPE[1]; c++) t[r * SHAPE[1] + c] /= s;
  }
  return t;
}

const valuesOf = (v: number | Tensor): Float64Array =>
  typeof v === 'number' ? Float64Array.of(v) : Float64Array.from(v.data);

function agree(fn: LossFunction, name: string, yTrue: Case['yTrue'], yPred: Case['yPred'], o: LossOptions): number {
  setBackend('js');
  const js = fn.valueAndGrad(yTrue, yPred, o);
  setBackend('auto');
  const before = wasmCallCount();
  const wa = fn.valueAndGrad(yTrue, yPred, o);
  const ran = wasmCallCount() - before;
  const a = valuesOf(wa.value);
  const b = valuesOf(js.value);
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(b[i])) {
      expect(a[i], `${name} ${JSON.stringify(o)} value[${i}]`).toBe(b[i]); // CTC: +∞ for no alignment
      continue;
    }
    const tol = 2e-6 * Math.max(1, Math.abs(b[i]));
    expect(Math.abs(a[i] - b[i]), `${name} ${JSON.stringify(o)} value[${i}] ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(
      tol,
    );
  }
  const ga = wa.grad.data;
  const gb = js.grad.data;
  let scale = 0;
  for (let i = 0; i < gb.length; i++) scale = Math.max(scale, Math.abs(gb[i]));
  for (let i = 0; i < gb.length; i++) {
    const tol = 2e-5 * Math.abs(gb[i]) + 1e-6 * scale; // float32: relative, plus 2⁻²⁰ of the gradient's scale
    if (!(Math.abs(ga[i] - gb[i]) <= tol))
      expect.fail(`${name} ${JSON.stringify(o)} grad[${i}] ${ga[i]} vs ${gb[i]} (tol ${tol})`);
  }
  return ran;
}

afterEach(() => {
  setBackend('auto');
});

describe('JS and WASM backends agree on every loss name the WASM backend routes', () => {
  const arena = createWasmArena(1 << 22);
  if (arena === null) throw new Error('the WASM kernels must load in Node');
  const resident = (x: Float32Array) => {
    const v = arena.float32(x.length);
    v.set(x);
    return v;
  };
  const names = listLosses().flatMap((e) => [e.name, ...e.aliases.map((a) => a.name)]);
  const covered = new Set<string>();
  for (const name of names) {
    const fn = getLoss(name);
    const make = CASES[fn.lossName];
    if (make === undefined) continue;
    covered.add(fn.lossName);
    it(`${name} (${fn.lossName})`, () => {
      arena.reset();
      const c = make(fn);
      for (const o of c.options) {
        const ran = agree(fn, name, c.yTrue, c.yPred, o);
        // Memory-bound losses copy nothing: WASM only for arena inputs.
        const routed = c.routed === false ? 0 : 1;
        expect(ran, `${name} ${JSON.stringify(o)}: WASM calls`).toBe(c.copies === false ? 0 : routed);
        const yt = c.yTrue instanceof Float32Array ? resident(c.yTrue) : { ...c.yTrue, data: resident(c.yTrue.data) };
        const yp = { ...c.yPred, data: resident(c.yPred.data) };
        expect(agree(fn, name, yt, yp, o)).toBe(routed);
      }
      if (fn.lossName === 'crossEntropy') {
        const t = { data: probTargets(), shape: SHAPE };
        for (const o of [
          {},
          { labelSmoothing: 0.1 },
          { weight: Array.from({ length: SHAPE[1] }, (_, i) => 1 + i / 10) },
        ])
          expect(agree(fn, name, t, c.yPred, o)).toBe(1);
      }
      // float64 inputs: the JS path, untouched
      const before = wasmCallCount();
      const yt64 =
        c.yTrue instanceof Float32Array
          ? Float64Array.from(c.yTrue)
          : { ...c.yTrue, data: Float64Array.from(c.yTrue.data) };
      fn.valueAndGrad(yt64, { ...c.yPred, data: Float64Array.from(c.yPred.data) }, c.options[0]);
      expect(wasmCallCount()).toBe(before);
    });
  }
  it('covers every loss the WASM backend routes', () => {
    expect([...covered].sort()).toEqual(Object.keys(CASES).sort());
  });
});

describe('small inputs keep the JS kernels where the WASM call would cost more', () => {
  it('crossEntropy below CE_MIN_WASM logits does not call the WASM kernel; above it does', async () => {
    const { CE_MIN_WASM } = await import('../../src/wasm/kernels.js');
    const C = 10;
    const small = Math.floor((CE_MIN_WASM - 1) / C);
    const big = Math.ceil(CE_MIN_WASM / C);
    for (const [N, calls] of [
      [small, 0],
      [big, 1],
    ]) {
      const z = { data: f32(N * C, (i) => Math.sin(i)), shape: [N, C] };
      const y = f32(N, (i) => i % C);
      const before = wasmCallCount();
      getLoss('crossEntropy').valueAndGrad(y, z);
      expect(wasmCallCount() - before).toBe(calls);
    }
  });
});

describe('setBackend', () => {
  it('refuses an unknown backend with INVALID_OPTION naming the choices, and keeps the setting', () => {
    const before = getBackend().backend;
    expectLosskitError(
      () => setBackend('gpu' as 'auto'),
      'INVALID_OPTION',
      'setBackend',
      "'auto', 'js', 'wasm'",
      '"gpu"',
    );
    expect(getBackend().backend).toBe(before);
  });
});

describe('float32 gradients are written by the kernels themselves', () => {
  it('element-wise, cross-entropy and CTC kernels give the float64-gradient results rounded to float32', async () => {
    const { wasmElementwise, wasmCrossEntropy, wasmCtc } = await import('../../src/wasm/kernels.js');
    const n = 70001; // two chunks and a ragged tail
    const yt = f32(n, () => (R() < 0.5 ? 1 : 0));
    const yp = f32(n, () => (R() - 0.5) * 8);
    for (const kind of ['bceLogits', 'focal', 'kl'] as const) {
      const grads = [new Float64Array(n), new Float32Array(n)];
      const sums = grads.map((grad) =>
        wasmElementwise({
          kind,
          n,
          yTrue: yt,
          yPred: yp,
          w: null,
          scale: 1 / n,
          out: null,
          grad,
          params: [2, 1, 0, 0.25],
        }),
      );
      expect(sums[1]).toBe(sums[0]);
      for (let i = 0; i < n; i++) {
        const want = grads[0][i];
        if (!(Math.abs(grads[1][i] - want) <= 2 ** -22 * Math.abs(want)))
          expect.fail(`${kind} grad[${i}] ${grads[1][i]} vs ${want}`);
      }
    }
    const [N, C] = [300, 257];
    const z = f32(N * C, () => (R() - 0.5) * 10);
    const labels = f32(N, (i) => i % C);
    const ce = (grad: Float32Array | Float64Array) =>
      wasmCrossEntropy({
        ...{ N, C, z, labels, probs: null, cw: null, ls: 0.1, ignoreIndex: -100, w: null, scale: 1 / N, out: null },
        grad,
      });
    const g64 = new Float64Array(N * C);
    const g32 = new Float32Array(N * C);
    expect(ce(g32)).toBe(ce(g64));
    for (let i = 0; i < g64.length; i++)
      if (!(Math.abs(g32[i] - g64[i]) <= 2 ** -22 * Math.abs(g64[i]) + 1e-12)) expect.fail(`ce grad[${i}]`);
    const [T, M, K, L] = [80, 3, 6, 20];
    const lp = f32(T * M * K, () => Math.log(1 / K));
    const call = (grad: Float32Array | Float64Array) =>
      wasmCtc({
        ...{ lp, T, N: M, C: K, timeMajor: true, blank: 0, target: f32(M * L, (i) => 1 + (i % (K - 1))) },
        ...{ tOff: Float64Array.of(0, L, 2 * L), tl: Float64Array.of(L, L, 5), inputLengths: null },
        ...{ g: Float64Array.of(1, 0.5, 2), active: () => true, grad, pytorchGrad: false },
        ...{ maxCells: T * (2 * L + 1), maxS: 2 * L + 1 },
      });
    const c64 = new Float64Array(T * M * K);
    const c32 = new Float32Array(T * M * K);
    expect(call(c32)).toEqual(call(c64));
    for (let i = 0; i < c64.length; i++)
      if (!(Math.abs(c32[i] - c64[i]) <= 2 ** -23 * Math.abs(c64[i]))) expect.fail(`ctc grad[${i}]`);
  });
});

describe('the BCE-family WASM kernels flag targets outside [0, 1]', () => {
  it("the definition path's copy of the kinds (it may not import the kernels) is the kernels' set", async () => {
    const { FLAGS_TARGET_RANGE } = await import('../../src/wasm/kernels.js');
    const { WASM_TARGET_RANGE } = await import('../../src/losses/define.js');
    expect([...WASM_TARGET_RANGE].sort()).toEqual([...FLAGS_TARGET_RANGE].sort());
  });
  it('a target outside [0, 1] or NaN anywhere (main loop or ragged tail) makes the sum NaN; valid targets do not', async () => {
    const { wasmElementwise, FLAGS_TARGET_RANGE } = await import('../../src/wasm/kernels.js');
    const n = 1027;
    const yp = f32(n, (i) => Math.sin(i) * 0.4 + 0.5);
    for (const kind of FLAGS_TARGET_RANGE) {
      const params = kind === 'focal' ? [2, 1, 0, 0.25] : kind === 'bceClip' ? [1e-7, 1, 0] : [0, 1, 0];
      const run = (yt: Float32Array) =>
        wasmElementwise({ kind, n, yTrue: yt, yPred: yp, w: null, scale: 1, out: null, grad: null, params });
      expect(Number.isFinite(run(f32(n, (i) => (i % 3) / 2)))).toBe(true);
      for (const [at, v] of [
        [5, 1.0000001],
        [n - 1, -1e-30],
        [400, NaN],
        [n - 2, 2],
      ]) {
        const yt = f32(n, (i) => (i % 2) * 0.75);
        yt[at] = v;
        expect(run(yt), `${kind} target ${v} at ${at}`).toBeNaN();
      }
    }
  });
});
