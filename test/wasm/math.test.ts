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

type Fn = 'expArray' | 'logArray' | 'log1pArray' | 'softplusNegArray';
interface Sweep {
  maxUlp: number;
  worstAt: number;
  maxAbsSubnormal: number;
  mismatches: string[];
}
/** Runs `fn` over bit patterns lo, lo+step, … < hi and compares with `ref`. */
function sweep(fn: Fn, ref: (x: number) => number, lo: number, hi: number, step: number): Sweep {
  const r: Sweep = { maxUlp: 0, worstAt: NaN, maxAbsSubnormal: 0, mismatches: [] };
  for (let base = lo; base < hi; base += step * BATCH) {
    let k = 0;
    for (; k < BATCH && base + k * step < hi; k++) bits[k] = base + k * step;
    bits.fill(0, k);
    ex![fn](BATCH, src.byteOffset, dst.byteOffset);
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
      const e = Math.abs(got - want) / Math.abs(want) / U;
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
