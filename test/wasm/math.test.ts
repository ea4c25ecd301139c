/**
 * Accuracy of the WASM kernels' float32x4 exp / log / log1p (asm/math.ts) against Math.exp /
 * Math.log / Math.log1p (float64), over the whole float32 range: every 97th float32 bit pattern
 * (≈ 44 million inputs per sign), plus the special values. The bounds asserted here are the
 * ones documented in docs/benchmarks.md ("Numerics") and src/wasm/kernels.ts.
 */
import { describe, expect, it } from 'vitest';
import { createWasmArena, wasm } from '../../src/wasm/runtime.js';

/** Documented maximum relative errors, in units of 2⁻²⁴ (half a float32 ulp at 1 is 2⁻²⁴). */
export const MAX_ULP = { exp: 1.5, log: 1.5, log1p: 3.5, softplusNeg: 6 } as const;
const U = 2 ** -24;
const MIN_NORMAL = 2 ** -126;

const ex = wasm();
if (ex === null) throw new Error('the WASM kernels must load in Node');
const BATCH = 1 << 20;
const arena = createWasmArena(BATCH * 8 + 1024);
if (arena === null) throw new Error('no arena');
const src = arena.float32(BATCH);
const dst = arena.float32(BATCH);
const bits = new Uint32Array(src.buffer, src.byteOffset, BATCH);

type Fn = 'expArray' | 'expNegArray' | 'logArray' | 'log1pArray' | 'softplusNegArray';
interface Sweep {
  maxUlp: number;
  worstAt: number;
  maxAbsSubnormal: number;
  mismatches: string[];
}
/** Runs `fn` over bit patterns lo, lo+step, … < hi and compares with `ref`. */
function sweep(
  fn: Fn,
  ref: (x: number) => number,
  lo: number,
  hi: number,
  step: number,
  flag = 1,
  per: (x: number) => number = () => 1,
): Sweep {
  const r: Sweep = { maxUlp: 0, worstAt: NaN, maxAbsSubnormal: 0, mismatches: [] };
  for (let base = lo; base < hi; base += step * BATCH) {
    let k = 0;
    for (; k < BATCH && base + k * step < hi; k++) bits[k] = base + k * step;
    bits.fill(0, k);
    // expNegArray's 4th argument: 1 = expNeg (exact 0 below −87.3), 0 = expNegSum, 2 = expNegSumFwd
    (ex!.raw[fn] as (n: number, s: number, d: number, f: number) => void)(BATCH, src.byteOffset, dst.byteOffset, flag);
    for (let j = 0; j < k; j++) {
      const x = src[j];
      const want = ref(x);
      const got = dst[j];
      if (!Number.isFinite(want) || !Number.isFinite(Math.fround(want))) {
        // NaN, ±∞ and float32 overflow must match exactly
        const w = Math.fround(want);
        if (!(Object.is(got, w) || (Number.isNaN(got) && Number.isNaN(w))))
          r.mismatches.push(`${fn}(${x}) = ${got}, want ${w}`);
        continue;
      }
      if (Math.abs(want) < MIN_NORMAL) {
        r.maxAbsSubnormal = Math.max(r.maxAbsSubnormal, Math.abs(got - want));
        continue;
      }
      const e = Math.abs(got - want) / Math.abs(want) / U / per(x);
      if (e > r.maxUlp) {
        r.maxUlp = e;
        r.worstAt = x;
      }
    }
  }
  return r;
}

const STEP = 97;
const POS_INF = 0x7f800000;

describe('float32x4 exp / log / log1p over the whole float32 range', () => {
  it(`exp: relative error ≤ ${MAX_ULP.exp}·2⁻²⁴ for normal results, ≤ 2⁻¹⁴⁹ absolute for subnormal ones`, () => {
    for (const [lo, hi] of [
      [0, POS_INF + 1],
      [0x80000000, 0x80000000 + POS_INF + 1],
    ]) {
      const r = sweep('expArray', Math.exp, lo, hi, STEP);
      expect(r.mismatches).toEqual([]);
      expect(r.maxUlp, `worst at ${r.worstAt}`).toBeLessThanOrEqual(MAX_ULP.exp);
      expect(r.maxAbsSubnormal).toBeLessThanOrEqual(2 ** -149);
    }
  });
  it(`log: relative error ≤ ${MAX_ULP.log}·2⁻²⁴ on (0, ∞), subnormal inputs included`, () => {
    const r = sweep('logArray', Math.log, 1, POS_INF + 1, STEP);
    expect(r.mismatches).toEqual([]);
    expect(r.maxUlp, `worst at ${r.worstAt}`).toBeLessThanOrEqual(MAX_ULP.log);
  });
  it(`log1p: relative error ≤ ${MAX_ULP.log1p}·2⁻²⁴ on (−1, ∞)`, () => {
    const pos = sweep('log1pArray', Math.log1p, 1, POS_INF + 1, STEP);
    const neg = sweep('log1pArray', Math.log1p, 0x80000001, 0xbf800000, STEP); // (−1, 0)
    for (const r of [pos, neg]) {
      expect(r.mismatches).toEqual([]);
      expect(r.maxUlp, `worst at ${r.worstAt}`).toBeLessThanOrEqual(MAX_ULP.log1p);
    }
  });
  it("expNeg (softmax terms): exp's bound on [−87.3, 0], 0 below (−∞ included), NaN propagates", () => {
    const r = sweep('expNegArray', Math.exp, 0x80000000, 0xc2ae999a, 41);
    expect(r.mismatches).toEqual([]);
    expect(r.maxUlp, `worst at ${r.worstAt}`).toBeLessThanOrEqual(MAX_ULP.exp);
    src.set([-87.31, -100, -Infinity, NaN, 0, -0]);
    (ex!.raw.expNegArray as (n: number, s: number, d: number, f: number) => void)(8, src.byteOffset, dst.byteOffset, 1);
    expect(Array.from(dst.subarray(0, 6))).toEqual([0, 0, 0, NaN, 1, 1]);
  });
  it('expNegSumFwd (forward sums without a gradient): relative error ≤ (3 + |x|)·2⁻²⁴ on [−87.3, 0], below it a term ≤ 1.3e-38, NaN propagates', () => {
    const r = sweep('expNegArray', Math.exp, 0x80000000, 0xc2ae999a, 43, 2, (x) => 3 + Math.abs(x));
    expect(r.mismatches).toEqual([]);
    expect(r.maxUlp, `worst at ${r.worstAt}`).toBeLessThanOrEqual(1);
    // near 0, where the terms that make up most of a row sum are, the bound is about 3·2⁻²⁴
    const near = sweep('expNegArray', Math.exp, 0x80000000, 0xbf800000, 7, 2); // [−1, 0]
    expect(near.maxUlp, `worst at ${near.worstAt}`).toBeLessThanOrEqual(4);
    src.set([-87.31, -100, -Infinity, -3e38, NaN, 0, -0, -1]);
    (ex!.raw.expNegArray as (n: number, s: number, d: number, f: number) => void)(8, src.byteOffset, dst.byteOffset, 2);
    const got = Array.from(dst.subarray(0, 8));
    for (const v of got.slice(0, 4)) expect(v >= 0 && v <= 1.3e-38, String(v)).toBe(true);
    expect(got.slice(4, 7)).toEqual([NaN, 1, 1]);
    expect(Math.abs(got[7] - Math.exp(-1)) / Math.exp(-1)).toBeLessThanOrEqual(4 * U);
  });
  it("expNegSum (softmax sums, forward): exp's bound on [−87.3, 0], below it a term ≤ 1.3e-38 (not 0), NaN propagates", () => {
    const r = sweep('expNegArray', Math.exp, 0x80000000, 0xc2ae999a, 43, 0);
    expect(r.mismatches).toEqual([]);
    expect(r.maxUlp, `worst at ${r.worstAt}`).toBeLessThanOrEqual(MAX_ULP.exp);
    src.set([-87.31, -100, -Infinity, -3e38, NaN, 0, -0, -1]);
    (ex!.raw.expNegArray as (n: number, s: number, d: number, f: number) => void)(8, src.byteOffset, dst.byteOffset, 0);
    const got = Array.from(dst.subarray(0, 8));
    for (const v of got.slice(0, 4)) expect(v >= 0 && v <= 1.3e-38, String(v)).toBe(true);
    expect(got.slice(4)).toEqual([NaN, 1, 1, Math.fround(Math.exp(-1))]);
  });
  it(`softplus(−|x|) = log1p(e^−|x|), e ∈ [0, 1]: relative error ≤ ${MAX_ULP.softplusNeg}·2⁻²⁴`, () => {
    const r = sweep('softplusNegArray', Math.log1p, 1, 0x3f800001, 61);
    expect(r.mismatches).toEqual([]);
    expect(r.maxUlp, `worst at ${r.worstAt}`).toBeLessThanOrEqual(MAX_ULP.softplusNeg);
  });
  it('special values: exp(±0) = 1, exp(−∞) = 0, exp(∞) = ∞, log(0) = −∞, log(−1) = NaN, NaN → NaN', () => {
    const xs = [0, -0, -Infinity, Infinity, NaN, -1, 1, 88.72, 89, -87.3, -103.9, -104, 1e-45];
    src.set(xs);
    ex.expArray(16, src.byteOffset, dst.byteOffset);
    const e = Array.from(dst.subarray(0, xs.length));
    expect(e.slice(0, 6)).toEqual([1, 1, 0, Infinity, NaN, Math.fround(Math.exp(-1))]);
    expect(e[8]).toBe(Infinity);
    expect(e[11]).toBe(0);
    ex.logArray(16, src.byteOffset, dst.byteOffset);
    const l = Array.from(dst.subarray(0, xs.length));
    expect(l.slice(0, 7)).toEqual([-Infinity, -Infinity, NaN, Infinity, NaN, NaN, 0]);
    const tinyLog = Math.log(Math.fround(1e-45));
    expect(Math.abs(l[12] - tinyLog) / Math.abs(tinyLog)).toBeLessThan(1e-6);
  });
});

/**
 * The float64x2 exp and log of the CTC kernel (asm/math.ts expd2 / logd2) against Math.exp /
 * Math.log over their whole domain of use: exp on [−745, 709.7] (results below e^−708.3 are
 * flushed to 0, documented), log on every binade of normal float64 (random mantissas).
 */
describe('float64x2 exp / log (CTC)', () => {
  const raw = ex.raw as Record<string, (n: number, s: number, d: number) => void>;
  const M = 1 << 16;
  // float64 views of the float32 sweep buffers (created here: no new arena, no memory growth)
  const s64 = new Float64Array(src.buffer, src.byteOffset, M);
  const d64 = new Float64Array(dst.buffer, dst.byteOffset, M);
  const E = 2 ** -52;
  it('exp: relative error ≤ 2·2⁻⁵² on [−708.3, 709], 0 below −708.3', () => {
    let worst = 0;
    for (let b = 0; b < 32; b++) {
      for (let i = 0; i < M; i++) s64[i] = -745 + ((b * M + i) / (32 * M)) * (709 + 745);
      raw.expd2Array(M, s64.byteOffset, d64.byteOffset);
      for (let i = 0; i < M; i++) {
        const x = s64[i];
        if (x < -708.3) {
          expect(d64[i]).toBe(0);
          continue;
        }
        const w = Math.exp(x);
        worst = Math.max(worst, Math.abs(d64[i] - w) / w / E);
      }
    }
    expect(worst).toBeLessThanOrEqual(2);
  });
  it('log: relative error ≤ 2·2⁻⁵² (absolute near 1) over every normal binade', () => {
    let worst = 0;
    const r = (() => {
      let a = 12345;
      return () => (a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 4294967296;
    })();
    for (let e = -1022; e <= 1023; e += 1) {
      for (let i = 0; i < 64; i++) s64[((e + 1022) % 1024) * 64 + i] = (1 + r()) * 2 ** e;
      if ((e + 1022) % 1024 === 1023 || e === 1023) {
        raw.logd2Array(M, s64.byteOffset, d64.byteOffset);
        for (let i = 0; i < M; i++) {
          const w = Math.log(s64[i]);
          worst = Math.max(worst, Math.abs(d64[i] - w) / Math.max(Math.abs(w), 1) / E);
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(2);
  });
});
