// SIMD math for the losskit kernels (AssemblyScript, compiled by scripts/build.mjs).
// Four float32 lanes per call; Cephes-style range reduction + minimax polynomials.
// Maximum errors are measured by test/wasm/math.test.ts over the whole float32 range and
// documented in src/wasm/README-numerics (docs/benchmarks.md "Numerics").

// Every constant of the polynomials, 4 lanes each, in one static table: V8 folds a load at a
// constant address into the arithmetic, where a v128.const is rebuilt at every use (≈1.6×).
const K = memory.data<f32>([89.0, 89.0, 89.0, 89.0, -104.0, -104.0, -104.0, -104.0, 1.44269504088896341, 1.44269504088896341, 1.44269504088896341, 1.44269504088896341, 12582912.0, 12582912.0, 12582912.0, 12582912.0, 0.693359375, 0.693359375, 0.693359375, 0.693359375, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, 1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, 1.0, 1.0, 1.0, 1.0, 1.17549435e-38, 1.17549435e-38, 1.17549435e-38, 1.17549435e-38, 8388608.0, 8388608.0, 8388608.0, 8388608.0, 0.707106781186547524, 0.707106781186547524, 0.707106781186547524, 0.707106781186547524, 7.0376836292e-2, 7.0376836292e-2, 7.0376836292e-2, 7.0376836292e-2, -1.1514610310e-1, -1.1514610310e-1, -1.1514610310e-1, -1.1514610310e-1, 1.1676998740e-1, 1.1676998740e-1, 1.1676998740e-1, 1.1676998740e-1, -1.2420140846e-1, -1.2420140846e-1, -1.2420140846e-1, -1.2420140846e-1, 1.4249322787e-1, 1.4249322787e-1, 1.4249322787e-1, 1.4249322787e-1, -1.6668057665e-1, -1.6668057665e-1, -1.6668057665e-1, -1.6668057665e-1, 2.0000714765e-1, 2.0000714765e-1, 2.0000714765e-1, 2.0000714765e-1, -2.4999993993e-1, -2.4999993993e-1, -2.4999993993e-1, -2.4999993993e-1, 3.3333331174e-1, 3.3333331174e-1, 3.3333331174e-1, 3.3333331174e-1, 0.5, 0.5, 0.5, 0.5, -Infinity, -Infinity, -Infinity, -Infinity, 0, 0, 0, 0, Infinity, Infinity, Infinity, Infinity, NaN, NaN, NaN, NaN], 16);
const KI = memory.data<i32>([0x4b400000, 0x4b400000, 0x4b400000, 0x4b400000, 127, 127, 127, 127, 126, 126, 126, 126, 23, 23, 23, 23, 0x007fffff, 0x007fffff, 0x007fffff, 0x007fffff, 0x3f000000, 0x3f000000, 0x3f000000, 0x3f000000], 16);
@inline function ci(i: i32): v128 {
  return v128.load(KI + (<usize>i << 4));
}
@inline function c(i: i32): v128 {
  return v128.load(K + (<usize>i << 4));
}

// ---- exp --------------------------------------------------------------------------------
// x = k·ln2 + r, |r| ≤ ln2/2 (Cody–Waite split of ln2), e^r by Cephes' degree-7 polynomial,
// 2^k applied in two halves so that subnormal results round once (2^⌊k/2⌋ · 2^⌈k/2⌉).
// Inputs are clamped to [−104, 89] (e^−104 < 2^−150 rounds to 0; e^89 overflows to +∞);
// NaN propagates (wasm min/max return NaN).
@inline export function exp4(x: v128): v128 {
  // pmin/pmax (one instruction each on x64; NaN in the first operand propagates), and
  // round-to-nearest by the 1.5·2²³ shift, whose bits also give k as an integer.
  x = f32x4.pmax(f32x4.pmin(x, c(0)), c(1));
  const kb = f32x4.add(f32x4.mul(x, c(2)), c(3));
  const k = f32x4.sub(kb, c(3));
  let r = f32x4.sub(x, f32x4.mul(k, c(4)));
  r = f32x4.sub(r, f32x4.mul(k, c(5)));
  let p = c(6);
  p = f32x4.add(f32x4.mul(p, r), c(7));
  p = f32x4.add(f32x4.mul(p, r), c(8));
  p = f32x4.add(f32x4.mul(p, r), c(9));
  p = f32x4.add(f32x4.mul(p, r), c(10));
  p = f32x4.add(f32x4.mul(p, r), c(11));
  const r2 = f32x4.mul(r, r);
  p = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), c(12));
  const ki = i32x4.sub(kb, ci(0));
  const k1 = i32x4.shr_s(ki, 1);
  const k2 = i32x4.sub(ki, k1);
  const s1 = i32x4.shl(i32x4.add(k1, ci(1)), 23);
  const s2 = i32x4.shl(i32x4.add(k2, ci(1)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

// ---- log --------------------------------------------------------------------------------
// x = m·2^e with m ∈ [√½, √2), log(m) = t − t²/2 + t³·P(t) with t = m − 1 (Cephes logf's
// degree-8 polynomial), e·ln2 added in two parts. Subnormal inputs are scaled by 2^23 first.
// log(0) = −∞, log(+∞) = +∞, log(x < 0) = log(NaN) = NaN.
@inline export function log4(x: v128): v128 {
  const tiny = f32x4.lt(x, c(13));
  const xs = v128.bitselect(f32x4.mul(x, c(14)), x, tiny);
  let r = logCore(xs, v128.and(tiny, ci(3)));
  r = v128.bitselect(c(26), r, f32x4.eq(x, c(27)));
  r = v128.bitselect(x, r, f32x4.eq(x, c(28)));
  return v128.bitselect(c(29), r, v128.not(f32x4.ge(x, c(27))));
}

/** log(x) for positive, normal, finite x; `shift` (int lanes) is subtracted from the exponent. */
@inline export function logCore(xs: v128, shift: v128): v128 {
  let e = i32x4.sub(i32x4.shr_u(xs, 23), i32x4.add(ci(2), shift));
  let m = v128.or(v128.and(xs, ci(4)), ci(5));
  const small = f32x4.lt(m, c(15));
  e = i32x4.add(e, small);
  m = f32x4.sub(f32x4.add(m, v128.and(m, small)), c(12));
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let p = c(16);
  p = f32x4.add(f32x4.mul(p, m), c(17));
  p = f32x4.add(f32x4.mul(p, m), c(18));
  p = f32x4.add(f32x4.mul(p, m), c(19));
  p = f32x4.add(f32x4.mul(p, m), c(20));
  p = f32x4.add(f32x4.mul(p, m), c(21));
  p = f32x4.add(f32x4.mul(p, m), c(22));
  p = f32x4.add(f32x4.mul(p, m), c(23));
  p = f32x4.add(f32x4.mul(p, m), c(24));
  let y = f32x4.mul(f32x4.mul(p, m), z);
  y = f32x4.add(y, f32x4.mul(ef, c(5)));
  y = f32x4.sub(y, f32x4.mul(z, c(25)));
  let r = f32x4.add(m, y);
  return f32x4.add(r, f32x4.mul(ef, c(4)));
}

/**
 * softplus(−|x|) = log1p(e) for e = e^−|x| ∈ [0, 1], given ru = 1/(1 + e) (which the caller
 * also needs for σ): log(u) of the rounded u = 1 + e, plus the first-order correction
 * (e − (u − 1))/u for the rounding of u. Same accuracy as {@link log1p4} on [0, 1].
 */
@inline export function softplusNeg4(e: v128, ru: v128): v128 {
  const u = f32x4.add(e, c(12));
  const corr = f32x4.mul(f32x4.sub(e, f32x4.sub(u, c(12))), ru);
  return f32x4.add(logCore(u, i32x4.splat(0)), corr);
}

/** Test entry: dst = log1p(src) through log1pSmall4 (src in [0, 1]). */
export function softplusNegArray(n: i32, src: usize, dst: usize): void {
  for (let i = 0; i < n; i += 4) {
    const e = v128.load(src + (<usize>i << 2));
    const u1 = f32x4.add(e, c(12));
    const q = f32x4.div(c(12), f32x4.mul(u1, f32x4.add(e, ks(4))));
    v128.store(dst + (<usize>i << 2), log1pSmall4(e, u1, q));
  }
}

// ---- log1p ------------------------------------------------------------------------------
// log1p(t) = log(u)·t/(u − 1) with u = 1 + t rounded (Goldberg's trick: exact to the
// accuracy of log); t when u = 1; log(u) when u = +∞.
@inline export function log1p4(t: v128): v128 {
  const u = f32x4.add(t, c(12));
  const d = f32x4.sub(u, c(12));
  const lu = log4(u);
  let r = f32x4.mul(lu, f32x4.div(t, d));
  r = v128.bitselect(t, r, f32x4.eq(d, c(27)));
  return v128.bitselect(lu, r, f32x4.eq(u, c(28)));
}

// Test entry points: dst[i] = f(src[i]) for float32 arrays (used by the accuracy tests).
export function expArray(n: i32, src: usize, dst: usize): void {
  for (let i = 0; i < n; i += 4) v128.store(dst + (<usize>i << 2), exp4(v128.load(src + (<usize>i << 2))));
}
export function logArray(n: i32, src: usize, dst: usize): void {
  for (let i = 0; i < n; i += 4) v128.store(dst + (<usize>i << 2), log4(v128.load(src + (<usize>i << 2))));
}
export function log1pArray(n: i32, src: usize, dst: usize): void {
  for (let i = 0; i < n; i += 4) v128.store(dst + (<usize>i << 2), log1p4(v128.load(src + (<usize>i << 2))));
}

// ---- softplus(−|x|) and σ from e = e^−|x| with one division --------------------------------
// log1p(e) = 2·atanh(s), s = e/(2 + e) ∈ [0, 1/3]: 2s·(1 + z·P(z)), z = s² ≤ 1/9, P a degree-3
// least-squares fit of (atanh(√z)/√z − 1)/z (truncation ≤ 0.14·2⁻²⁴ relative). One division
// gives both 1/(1 + e) and s: q = 1/((1 + e)(2 + e)).
const KS = memory.data<f32>([0.33333228446398905, 0.33333228446398905, 0.33333228446398905, 0.33333228446398905, 0.2000964970988239, 0.2000964970988239, 0.2000964970988239, 0.2000964970988239, 0.14019005213690394, 0.14019005213690394, 0.14019005213690394, 0.14019005213690394, 0.13915845475930255, 0.13915845475930255, 0.13915845475930255, 0.13915845475930255, 2.0, 2.0, 2.0, 2.0], 16);
@inline function ks(i: i32): v128 {
  return v128.load(KS + (<usize>i << 4));
}
/**
 * log1p(e) for e ∈ [0, 1] given u1 = 1 + e, u2 = 2 + e and q = 1/(u1·u2) (the caller also takes
 * σ = u2·q = 1/(1 + e) from them).
 */
@inline export function log1pSmall4(e: v128, u1: v128, q: v128): v128 {
  const s = f32x4.mul(f32x4.mul(e, u1), q);
  const z = f32x4.mul(s, s);
  let p = ks(3);
  p = f32x4.add(f32x4.mul(p, z), ks(2));
  p = f32x4.add(f32x4.mul(p, z), ks(1));
  p = f32x4.add(f32x4.mul(p, z), ks(0));
  const s2 = f32x4.add(s, s);
  return f32x4.add(s2, f32x4.mul(s2, f32x4.mul(z, p)));
}
/** 2 (4 lanes), for u2 = 2 + e. */
@inline export function two4(): v128 {
  return ks(4);
}

// ---- float64x2 exp and log (the CTC recursions, which need float64 accuracy) ----------------
// exp: x = k·ln2 + r (fdlibm's split of ln2, k·LN2_HI exact), e^r by its Taylor series to r¹²
// (|r| ≤ ln2/2: truncation < 2⁻⁵²), 2ᵏ from the exponent bits. Results below e^−708.3 (where
// 2ᵏ would be subnormal) are flushed to 0: the callers add them to sums ≥ 1 or treat them as
// below their 1e-280 floor. NaN inputs are not expected (callers pass finite or −∞).
const KD2 = memory.data<f64>([
  1.4426950408889634, 1.4426950408889634, 6755399441055744.0, 6755399441055744.0,
  6.93147180369123816490e-1, 6.93147180369123816490e-1, 1.90821492927058770002e-10, 1.90821492927058770002e-10,
  -708.3, -708.3, 709.0, 709.0, 1.0, 1.0,
  // 1/12! … 1/2! (index 7 … 17)
  2.08767569878681e-9, 2.08767569878681e-9, 2.505210838544172e-8, 2.505210838544172e-8,
  2.755731922398589e-7, 2.755731922398589e-7, 2.7557319223985893e-6, 2.7557319223985893e-6,
  2.48015873015873e-5, 2.48015873015873e-5, 1.984126984126984e-4, 1.984126984126984e-4,
  1.388888888888889e-3, 1.388888888888889e-3, 8.333333333333333e-3, 8.333333333333333e-3,
  4.1666666666666664e-2, 4.1666666666666664e-2, 1.6666666666666666e-1, 1.6666666666666666e-1,
  0.5, 0.5,
  // log: √2, Lg1 … Lg7 (index 18 … 25), 0.5, 2
  1.4142135623730951, 1.4142135623730951,
  6.666666666666735130e-01, 6.666666666666735130e-01, 3.999999999940941908e-01, 3.999999999940941908e-01,
  2.857142874366239149e-01, 2.857142874366239149e-01, 2.222219843214978396e-01, 2.222219843214978396e-01,
  1.818357216161805012e-01, 1.818357216161805012e-01, 1.531383769920937332e-01, 1.531383769920937332e-01,
  1.479819860511658591e-01, 1.479819860511658591e-01, 0.5, 0.5, 2.0, 2.0,
], 16);
@inline function cd(i: i32): v128 {
  return v128.load(KD2 + (<usize>i << 4));
}
@inline export function expd2(x: v128): v128 {
  const under = f64x2.lt(x, cd(4));
  x = f64x2.pmax(f64x2.pmin(x, cd(5)), cd(4));
  const kb = f64x2.add(f64x2.mul(x, cd(0)), cd(1));
  const k = f64x2.sub(kb, cd(1));
  let r = f64x2.sub(x, f64x2.mul(k, cd(2)));
  r = f64x2.sub(r, f64x2.mul(k, cd(3)));
  let p = cd(7);
  p = f64x2.add(f64x2.mul(p, r), cd(8));
  p = f64x2.add(f64x2.mul(p, r), cd(9));
  p = f64x2.add(f64x2.mul(p, r), cd(10));
  p = f64x2.add(f64x2.mul(p, r), cd(11));
  p = f64x2.add(f64x2.mul(p, r), cd(12));
  p = f64x2.add(f64x2.mul(p, r), cd(13));
  p = f64x2.add(f64x2.mul(p, r), cd(14));
  p = f64x2.add(f64x2.mul(p, r), cd(15));
  p = f64x2.add(f64x2.mul(p, r), cd(16));
  p = f64x2.add(f64x2.mul(p, r), cd(17));
  p = f64x2.add(f64x2.mul(p, r), cd(6));
  p = f64x2.add(f64x2.mul(p, r), cd(6));
  const ki = i64x2.sub(kb, cd(1)); // the integer k, from the bits of 1.5·2⁵² + k
  const scale = i64x2.shl(i64x2.add(ki, i64x2.splat(1023)), 52);
  return v128.andnot(f64x2.mul(p, scale), under);
}
// log: fdlibm's e_log.c in two lanes, for positive normal finite x (the callers guarantee it):
// x = 2ᵏ·m, m ∈ [√½, √2), f = m − 1, s = f/(2 + f), log(1 + f) = f − f²/2 + s·(f²/2 + R(s²)).
@inline export function logd2(x: v128): v128 {
  const hiw = v128.shuffle<i32>(x, x, 1, 3, 1, 3);
  let k = i32x4.sub(i32x4.shr_s(hiw, 20), i32x4.splat(1023));
  let m = v128.or(v128.and(x, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3ff0000000000000));
  const big = f64x2.gt(m, cd(18));
  m = v128.bitselect(f64x2.mul(m, cd(26)), m, big);
  // big is 64-bit all-ones lanes; its low 32-bit halves (lanes 0 and 2) are −1 each
  k = i32x4.sub(k, v128.shuffle<i32>(big, big, 0, 2, 0, 2));
  const kd = f64x2.convert_low_i32x4_s(k);
  const f = f64x2.sub(m, cd(6));
  const s = f64x2.div(f, f64x2.add(cd(27), f));
  const z = f64x2.mul(s, s);
  const w = f64x2.mul(z, z);
  const t1 = f64x2.mul(w, f64x2.add(cd(20), f64x2.mul(w, f64x2.add(cd(22), f64x2.mul(w, cd(24))))));
  const t2 = f64x2.mul(z, f64x2.add(cd(19), f64x2.mul(w, f64x2.add(cd(21), f64x2.mul(w, f64x2.add(cd(23), f64x2.mul(w, cd(25))))))));
  const R = f64x2.add(t2, t1);
  const hfsq = f64x2.mul(cd(26), f64x2.mul(f, f));
  const inner = f64x2.add(f64x2.mul(s, f64x2.add(hfsq, R)), f64x2.mul(kd, cd(3)));
  return f64x2.sub(f64x2.mul(kd, cd(2)), f64x2.sub(f64x2.sub(hfsq, inner), f));
}
/** Test entries: dst = exp / log of float64 src (n even). */
export function expd2Array(n: i32, src: usize, dst: usize): void {
  for (let i = 0; i < n; i += 2) v128.store(dst + (<usize>i << 3), expd2(v128.load(src + (<usize>i << 3))));
}
export function logd2Array(n: i32, src: usize, dst: usize): void {
  for (let i = 0; i < n; i += 2) v128.store(dst + (<usize>i << 3), logd2(v128.load(src + (<usize>i << 3))));
}

// ---- exp for x ≤ 0 whose tiny results may flush to 0 (softmax terms) -----------------------
// Inputs are clamped below at −87.3 (e^−87.3 ≈ 1.2e-38, near the smallest normal float32), so
// 2ᵏ is one normal scale factor (a softmax term that small is below the resolution of a sum
// ≥ 1, the row maximum's term). Cody–Waite reduction as exp4 (|r| ≤ ln2/2), then
// e^r = 1 + r + r²·P(r) with P a degree-4 fit (degree 6 in all: truncation ≤ 0.06·2⁻²⁴, below
// exp4's degree 7 rounding error), evaluated in Estrin's scheme (a chain of 7 dependent
// operations instead of 12: the softmax loops are latency-bound). The rounding shift carries
// the exponent bias (1.5·2²³ + 127), so 2ᵏ is the shifted bits of kb themselves. Measured
// maximum error as exp4's (≤ 1.5·2⁻²⁴, test/wasm/math.test.ts). NaN propagates.
const KN = memory.data<f32>([
  -87.3, -87.3, -87.3, -87.3, 12583039.0, 12583039.0, 12583039.0, 12583039.0,
  0.0013814612983734922, 0.0013814612983734922, 0.0013814612983734922, 0.0013814612983734922,
  0.008368709842552622, 0.008368709842552622, 0.008368709842552622, 0.008368709842552622,
  0.04166838736699675, 0.04166838736699675, 0.04166838736699675, 0.04166838736699675,
  0.16666520689635028, 0.16666520689635028, 0.16666520689635028, 0.16666520689635028,
  0.49999993451679864, 0.49999993451679864, 0.49999993451679864, 0.49999993451679864,
], 16);
@inline function kn(i: i32): v128 {
  return v128.load(KN + (<usize>i << 4));
}
/**
 * e^x for x ≤ 0 (a softmax term), x below −87.3 giving about 1.2e-38 instead of 0: for sums of
 * terms that include e⁰ = 1 (the row maximum's), where such a term is below resolution. One
 * operation less than {@link expNeg4}.
 */
@inline export function expNegSum4(x: v128): v128 {
  x = f32x4.pmax(x, kn(0));
  const kb = f32x4.add(f32x4.mul(x, c(2)), kn(1)); // 1.5·2²³ + 127 + k
  const k = f32x4.sub(kb, kn(1));
  let r = f32x4.sub(x, f32x4.mul(k, c(4)));
  r = f32x4.sub(r, f32x4.mul(k, c(5)));
  const r2 = f32x4.mul(r, r);
  const a = f32x4.add(f32x4.mul(kn(5), r), kn(6));
  const b = f32x4.add(f32x4.mul(kn(3), r), kn(4));
  const P = f32x4.add(a, f32x4.mul(r2, f32x4.add(b, f32x4.mul(kn(2), r2))));
  const p = f32x4.add(f32x4.add(f32x4.mul(P, r2), r), c(12));
  // kb's low 9 bits are 127 + k ∈ [1, 127] (its leading bits shift out): 2ᵏ's bit pattern
  return f32x4.mul(p, i32x4.shl(kb, 23));
}
// Forward sums only (no gradient stored): one-constant range reduction and a degree-5 fit of
// e^r = 1 + r + r²·P(r) (P cubic, fitted for relative error on |r| ≤ ln2/2, truncation 1.8·2⁻²⁴).
// Two operations fewer in the reduction and two in the polynomial than expNegSum4 (18 against
// 22 per 4 lanes). The product k·ln2 is rounded to float32, so a term's relative error grows with
// |x|: ≤ (3 + |x|)·2⁻²⁴ (test/wasm/math.test.ts). For a row sum S = Σ e^(z − m) ≥ 1 that is a
// relative error ≤ (3 + E_p|z − m|)·2⁻²⁴ ≤ (3 + ln C)·2⁻²⁴, since E_p|z − m| = H(p) − ln S ≤ ln C
// under the softmax p of the row.
const KF = memory.data<f32>([
  0.6931471824645996, 0.6931471824645996, 0.6931471824645996, 0.6931471824645996,
  0.499992311000824, 0.499992311000824, 0.499992311000824, 0.499992311000824,
  0.16667114198207855, 0.16667114198207855, 0.16667114198207855, 0.16667114198207855,
  0.041890114545822144, 0.041890114545822144, 0.041890114545822144, 0.041890114545822144,
  0.008312525227665901, 0.008312525227665901, 0.008312525227665901, 0.008312525227665901,
], 16);
@inline function kf(i: i32): v128 {
  return v128.load(KF + (<usize>i << 4));
}
/** e^x for x ≤ 0 in a forward sum (see above): x below −87.3 gives about 1.2e-38. */
@inline export function expNegSumFwd4(x: v128): v128 {
  x = f32x4.pmax(x, kn(0));
  const kb = f32x4.add(f32x4.mul(x, c(2)), kn(1)); // 1.5·2²³ + 127 + k
  const k = f32x4.sub(kb, kn(1));
  const r = f32x4.sub(x, f32x4.mul(k, kf(0)));
  const r2 = f32x4.mul(r, r);
  const a = f32x4.add(f32x4.mul(kf(2), r), kf(1));
  const b = f32x4.add(f32x4.mul(kf(4), r), kf(3));
  const P = f32x4.add(a, f32x4.mul(b, r2));
  const p = f32x4.add(f32x4.add(f32x4.mul(P, r2), r), c(12));
  return f32x4.mul(p, i32x4.shl(kb, 23));
}
/** `e` (= expNegSum4(x)) set to exactly 0 where x < −87.3 (−∞ included). */
@inline export function zeroBelow(e: v128, x: v128): v128 {
  return v128.andnot(e, f32x4.lt(x, kn(0)));
}
/** e^x for x ≤ 0: {@link expNegSum4}, exactly 0 below −87.3 (−∞ included). */
@inline export function expNeg4(x: v128): v128 {
  return zeroBelow(expNegSum4(x), x);
}
/** Test entry: dst = expNeg4(src) (exact = 1), expNegSumFwd4(src) (exact = 2), else expNegSum4(src). */
export function expNegArray(n: i32, src: usize, dst: usize, exact: i32): void {
  for (let i = 0; i < n; i += 4) {
    const x = v128.load(src + (<usize>i << 2));
    if (exact == 2) {
      v128.store(dst + (<usize>i << 2), expNegSumFwd4(x));
      continue;
    }
    const e = expNegSum4(x);
    v128.store(dst + (<usize>i << 2), exact != 0 ? zeroBelow(e, x) : e);
  }
}
