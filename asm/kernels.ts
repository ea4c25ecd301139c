// losskit WASM SIMD kernels (AssemblyScript; built by scripts/build.mjs into src/wasm/binary.ts).
//
// Contract of every kernel: float32 inputs at byte offsets in this module's memory, float64
// accumulation, gradients written as float32 (`_g32`) or float64 (`_g64`). A pointer of 0
// means "absent" (the JS side never places data at 0). They mirror the JS kernels of
// src/losses (same formulas, same special cases); the JS side checks shapes, options and
// domains and chooses the backend.
import { exp4, expNegSum4, expNegSumFwd4, zeroBelow, log4, log1p4, log1pSmall4, two4, expd2, logd2, expd2Array, logd2Array } from './math';
export { expArray, expNegArray, logArray, log1pArray, softplusNegArray, expd2Array, logd2Array } from './math';

/** Returns the first free byte after the static data (the JS arena starts above it). */
export function heapBase(): usize {
  return __heap_base;
}

// Scratch for the ragged tail (n % 4 elements): 4 lanes of each stream, padded.
const T_YT = memory.data(16, 16);
const T_YP = memory.data(16, 16);
const T_W = memory.data(32, 16);
const T_OUT = memory.data(32, 16);
const T_G = memory.data(32, 16);

// Element-wise loss kinds (constant after inlining: each export is specialised).
const MSE = 0;
const MAE = 1;
const HUBER = 2;
const SMOOTHL1 = 3;
const BCE_LOGITS = 4;
const BCE_TORCH = 5;
const BCE_CLIP = 6;
const KL = 7;
const KL_LOG = 8;
const FOCAL = 9;

// Loop constants from memory (V8 folds the load into the arithmetic; a v128.const is rebuilt
// at every use). f32 lanes: 1, 0.5, −100, 1e-12; f64 lanes: 0.5, 1, −1.
const KF = memory.data<f32>([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, -100, -100, -100, -100, 1e-12, 1e-12, 1e-12, 1e-12], 16);
const KD = memory.data<f64>([0.5, 0.5, 1, 1, -1, -1], 16);
@inline function kf(i: i32): v128 {
  return v128.load(KF + (<usize>i << 4));
}
@inline function kd(i: i32): v128 {
  return v128.load(KD + (<usize>i << 4));
}

@inline function lo2(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
@inline function hi2(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 2, 3));
}
@inline function f1(x: f32): v128 {
  return f32x4.splat(x);
}
@inline function d1(x: f64): v128 {
  return f64x2.splat(x);
}
/** 4 lanes of float32 stored as G (float32 or float64). */
@inline function storeG(f32g: bool, p: usize, lo: v128, hi: v128): void {
  if (f32g) {
    v128.store(p, v128.shuffle<i32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
  } else {
    v128.store(p, lo);
    v128.store(p, hi, 16);
  }
}

/**
 * One vector step of the element-wise driver: 4 elements at pyt / pyp (weights at pw), their
 * weighted losses stored at po and scaled gradients at pg (when out / grad are given); returns
 * the masked weighted losses as one float64x2 (lanes summed pairwise) for the accumulator.
 */
@inline function step(
  f32g: bool,
  kind: i32,
  pyt: usize,
  pyp: usize,
  pw: usize,
  po: usize,
  pg: usize,
  w: usize,
  out: usize,
  grad: usize,
  mlo: v128,
  mhi: v128,
  scale: f64,
  p0: f64,
  p1: f64,
  p2: f64,
  p3: f64,
): v128 {
  // parameters as vectors (loop-invariant after inlining)
  const P0f = f32x4.splat(<f32>p0);
  const P1f = f32x4.splat(<f32>p1);
  const P2f = f32x4.splat(<f32>p2);
  const P3f = f32x4.splat(<f32>p3);
  const Q3f = f32x4.splat(<f32>(1 - p3));
  const Q0f = f32x4.splat(<f32>(1 - p0));
  const G1f = f32x4.splat(<f32>(p0 - 1));
  const P0d = f64x2.splat(p0);
  const H0d = f64x2.splat(0.5 * p0);
  const I0d = f64x2.splat(1 / p0);

  const y4 = v128.load(pyt);
  const x4 = v128.load(pyp);
  let l4 = f1(0),
    g4 = f1(0);
  let llo = d1(0),
    lhi = d1(0),
    glo = d1(0),
    ghi = d1(0);
  if (kind == MSE || kind == MAE || kind == HUBER || kind == SMOOTHL1) {
    // Exact float64 differences of the float32 inputs, as the JS kernels.
    const dlo = f64x2.sub(lo2(x4), lo2(y4));
    const dhi = f64x2.sub(hi2(x4), hi2(y4));
    if (kind == MSE) {
      llo = f64x2.mul(dlo, dlo);
      lhi = f64x2.mul(dhi, dhi);
      glo = f64x2.add(dlo, dlo);
      ghi = f64x2.add(dhi, dhi);
    } else {
      const alo = f64x2.abs(dlo);
      const ahi = f64x2.abs(dhi);
      if (kind == MAE || (kind == SMOOTHL1 && p0 == 0)) {
        llo = alo;
        lhi = ahi;
        glo = v128.bitselect(f64x2.div(dlo, alo), dlo, f64x2.gt(alo, d1(0)));
        ghi = v128.bitselect(f64x2.div(dhi, ahi), dhi, f64x2.gt(ahi, d1(0)));
      } else if (kind == HUBER) {
        const dl = P0d;
        const half = H0d;
        llo = v128.bitselect(f64x2.mul(kd(0), f64x2.mul(dlo, dlo)), f64x2.mul(dl, f64x2.sub(alo, half)), f64x2.lt(alo, dl));
        lhi = v128.bitselect(f64x2.mul(kd(0), f64x2.mul(dhi, dhi)), f64x2.mul(dl, f64x2.sub(ahi, half)), f64x2.lt(ahi, dl));
        glo = f64x2.pmax(f64x2.pmin(dlo, dl), f64x2.neg(dl));
        ghi = f64x2.pmax(f64x2.pmin(dhi, dl), f64x2.neg(dl));
      } else {
        // smooth L1 with β = p0 > 0
        const b = P0d;
        const inv = I0d;
        const half = H0d;
        llo = v128.bitselect(f64x2.mul(f64x2.mul(kd(0), f64x2.mul(dlo, dlo)), inv), f64x2.sub(alo, half), f64x2.lt(alo, b));
        lhi = v128.bitselect(f64x2.mul(f64x2.mul(kd(0), f64x2.mul(dhi, dhi)), inv), f64x2.sub(ahi, half), f64x2.lt(ahi, b));
        glo = f64x2.pmax(f64x2.pmin(f64x2.mul(dlo, inv), kd(1)), kd(2));
        ghi = f64x2.pmax(f64x2.pmin(f64x2.mul(dhi, inv), kd(1)), kd(2));
      }
    }
  } else {
    // Transcendental losses: float32 lanes (as PyTorch's float32 kernels), promoted for the sums.
    const one = kf(0);
    if (kind == BCE_LOGITS || kind == FOCAL) {
      const y = f32x4.add(f32x4.mul(y4, P1f), P2f); // label smoothing: y(1−ls) + ls/2
      const e = exp4(f32x4.neg(f32x4.abs(x4))); // e^−|x|
      // one division for both 1/(1 + e) and log1p(e) (asm/math.ts log1pSmall4)
      const u1 = f32x4.add(one, e);
      const u2 = f32x4.add(two4(), e);
      const q = f32x4.div(one, f32x4.mul(u1, u2));
      const rr = f32x4.mul(u2, q);
      const lp = log1pSmall4(e, u1, q); // log1p(e)
      const ny = f32x4.sub(one, y);
      // (1 − y)·softplus(x) + y·softplus(−x): no cancellation for soft targets.
      const ce = f32x4.add(
        f32x4.add(f32x4.mul(ny, f32x4.pmax(x4, f1(0))), f32x4.mul(y, f32x4.pmax(f32x4.neg(x4), f1(0)))),
        lp,
      );
      const st = f32x4.mul(e, rr); // σ(−|x|)
      const pos = f32x4.ge(x4, f1(0));
      const sigPos = v128.bitselect(rr, st, pos); // σ(x)
      const sigNeg = v128.bitselect(st, rr, pos); // σ(−x)
      if (kind == BCE_LOGITS) {
        l4 = ce;
        g4 = f32x4.sub(f32x4.mul(ny, sigPos), f32x4.mul(y, sigNeg));
      } else {
        // focal: p0 = γ, p3 = α (< 0: none)
        const dce = f32x4.sub(sigPos, y);
        const dp = f32x4.mul(sigPos, sigNeg);
        const q = f32x4.add(f32x4.mul(y, sigNeg), f32x4.mul(ny, sigPos));
        let qg: v128, dqg: v128;
        if (p0 == 2) {
          qg = f32x4.mul(q, q);
          dqg = f32x4.add(q, q);
        } else if (p0 == 0) {
          qg = one;
          dqg = f1(0);
        } else {
          const lq = log4(q);
          qg = exp4(f32x4.mul(P0f, lq));
          dqg = f32x4.mul(P0f, exp4(f32x4.mul(G1f, lq)));
          dqg = v128.bitselect(f1(0), dqg, f32x4.eq(q, f1(0)));
        }
        let at = one;
        if (p3 >= 0) at = f32x4.add(f32x4.mul(P3f, y), f32x4.mul(Q3f, ny));
        l4 = f32x4.mul(at, f32x4.mul(qg, ce));
        const inner = f32x4.add(
          f32x4.mul(qg, dce),
          f32x4.mul(f32x4.mul(dqg, f32x4.sub(one, f32x4.add(y, y))), f32x4.mul(dp, ce)),
        );
        g4 = f32x4.mul(at, inner);
      }
    } else if (kind == BCE_TORCH || kind == BCE_CLIP) {
      const y = f32x4.add(f32x4.mul(y4, P1f), P2f);
      const ny = f32x4.sub(one, y);
      if (kind == BCE_TORCH) {
        const lp = f32x4.pmax(log4(x4), kf(2));
        const lq = f32x4.pmax(log1p4(f32x4.neg(x4)), kf(2));
        l4 = f32x4.neg(f32x4.add(f32x4.mul(y, lp), f32x4.mul(ny, lq)));
        const v = f32x4.mul(x4, f32x4.sub(one, x4));
        g4 = f32x4.div(f32x4.sub(x4, y), f32x4.pmax(v, kf(3)));
      } else {
        const lo = P0f;
        const hi = Q0f;
        // p and 1 − p clipped separately: 1 − eps is not a float32 for eps = 1e-7, but eps is
        const pc = f32x4.pmax(f32x4.pmin(x4, hi), lo);
        const qc = f32x4.pmax(f32x4.pmin(f32x4.sub(one, x4), hi), lo);
        l4 = f32x4.neg(f32x4.add(f32x4.mul(y, log4(pc)), f32x4.mul(ny, log4(qc))));
        const g = f32x4.div(f32x4.sub(pc, y), f32x4.mul(pc, qc));
        const clipped = v128.or(f32x4.lt(x4, lo), f32x4.gt(x4, hi));
        g4 = v128.bitselect(f1(0), g, clipped);
      }
    } else if (kind == KL) {
      // t·(log t − x), 0 where t = 0; the subtraction in float64.
      const lt = log4(y4);
      const zero = f32x4.eq(y4, f1(0));
      // a promoted all-ones float32 lane is a NaN, not all-ones: widen the masks as integers
      const zlo = i64x2.extend_low_i32x4_s(zero);
      const zhi = i64x2.extend_high_i32x4_s(zero);
      llo = v128.andnot(f64x2.mul(lo2(y4), f64x2.sub(lo2(lt), lo2(x4))), zlo);
      lhi = v128.andnot(f64x2.mul(hi2(y4), f64x2.sub(hi2(lt), hi2(x4))), zhi);
      glo = f64x2.neg(lo2(y4));
      ghi = f64x2.neg(hi2(y4));
    } else {
      // KL_LOG: e^t·(t − x), gradient −e^t
      const et = exp4(y4);
      llo = f64x2.mul(lo2(et), f64x2.sub(lo2(y4), lo2(x4)));
      lhi = f64x2.mul(hi2(et), f64x2.sub(hi2(y4), hi2(x4)));
      glo = f64x2.neg(lo2(et));
      ghi = f64x2.neg(hi2(et));
    }
    if (kind != KL && kind != KL_LOG) {
      llo = lo2(l4);
      lhi = hi2(l4);
      glo = lo2(g4);
      ghi = hi2(g4);
    }
  }
  if (kind == BCE_LOGITS || kind == FOCAL || kind == BCE_TORCH || kind == BCE_CLIP) {
    // A target outside [0, 1] (or NaN) makes its loss NaN: the kernel flags the targets' domain,
    // so the definition path need not scan them before the call (src/wasm/kernels.ts
    // FLAGS_TARGET_RANGE). The unsmoothed target is tested.
    const ok = v128.and(f32x4.ge(y4, f1(0)), f32x4.le(y4, kf(0)));
    l4 = v128.bitselect(l4, f32x4.splat(NaN), ok);
  }
  if ((kind == BCE_LOGITS || kind == FOCAL || kind == BCE_TORCH || kind == BCE_CLIP) && w == 0) {
    // float32 lanes, no weights: the gradient scaled and stored in float32 when G is
    const l = v128.and(lo2(l4), mlo);
    const h = v128.and(hi2(l4), mhi);
    if (out != 0) {
      v128.store(po, l);
      v128.store(po, h, 16);
    }
    if (grad != 0) {
      if (f32g) v128.store(pg, f32x4.mul(g4, f32x4.splat(<f32>scale)));
      else {
        const sc = d1(scale);
        v128.store(pg, f64x2.mul(lo2(g4), sc));
        v128.store(pg, f64x2.mul(hi2(g4), sc), 16);
      }
    }
    return f64x2.add(l, h);
  }
  if (w != 0) {
    const wlo = v128.load(pw);
    const whi = v128.load(pw, 16);
    llo = f64x2.mul(llo, wlo);
    lhi = f64x2.mul(lhi, whi);
    glo = f64x2.mul(glo, wlo);
    ghi = f64x2.mul(ghi, whi);
  }
  llo = v128.and(llo, mlo);
  lhi = v128.and(lhi, mhi);
  if (out != 0) {
    v128.store(po, llo);
    v128.store(po, lhi, 16);
  }
  if (grad != 0) {
    const sc = d1(scale);
    storeG(f32g, pg, f64x2.mul(glo, sc), f64x2.mul(ghi, sc));
  }
  return f64x2.add(llo, lhi);
}

/**
 * MSE's forward without weights: Σ (x − y)², the exact float64 differences of the float32 inputs
 * (as `step`), two elements per float64x2 lane pair loaded and converted in one go, four
 * accumulators. Memory-bound: no per-element output, no masks.
 */
function mseSum(n: i32, yt: usize, yp: usize): f64 {
  let a0 = d1(0);
  let a1 = d1(0);
  let a2 = d1(0);
  let a3 = d1(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = yp + (<usize>i << 2);
    const t = yt + (<usize>i << 2);
    const d0 = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(p)), f64x2.promote_low_f32x4(v128.load64_zero(t)));
    const e1 = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(p, 8)), f64x2.promote_low_f32x4(v128.load64_zero(t, 8)));
    const e2 = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(p, 16)), f64x2.promote_low_f32x4(v128.load64_zero(t, 16)));
    const e3 = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(p, 24)), f64x2.promote_low_f32x4(v128.load64_zero(t, 24)));
    a0 = f64x2.add(a0, f64x2.mul(d0, d0));
    a1 = f64x2.add(a1, f64x2.mul(e1, e1));
    a2 = f64x2.add(a2, f64x2.mul(e2, e2));
    a3 = f64x2.add(a3, f64x2.mul(e3, e3));
  }
  const s = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
  let sum = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) {
    const d = <f64>load<f32>(yp + (<usize>i << 2)) - <f64>load<f32>(yt + (<usize>i << 2));
    sum += d * d;
  }
  return sum;
}

/**
 * The element-wise driver: Σ wᵢ·lᵢ over n elements; out[i] = wᵢ·lᵢ; grad[i] = scale·wᵢ·gᵢ.
 * `kind` is a compile-time constant after inlining; p0…p3 are the loss's parameters.
 */
@inline function elementwise(
  f32g: bool,
  kind: i32,
  n: i32,
  yt: usize,
  yp: usize,
  w: usize,
  scale: f64,
  out: usize,
  grad: usize,
  p0: f64,
  p1: f64,
  p2: f64,
  p3: f64,
): f64 {
  if (kind == MSE && w == 0 && out == 0 && grad == 0) return mseSum(n, yt, yp);
  let acc0 = d1(0);
  const acc1 = d1(0);
  const full = n & ~3;
  const cnt = n - full;
  const gs = f32g ? <usize>4 : <usize>8;
  // Two segments through one inlined loop (one copy of the step's code): the data's full
  // vectors, then the ragged tail's 1–3 elements in padded scratch lanes, the padding masked out.
  let pyt = yt,
    pyp = yp,
    pw = w,
    po = out,
    pg = grad,
    end = full;
  let mlo = i32x4.splat(-1),
    mhi = i32x4.splat(-1);
  for (let seg = 0; seg < 2; seg++) {
    for (let i = 0; i < end; i += 4) {
      const q = <usize>i;
      acc0 = f64x2.add(acc0, step(f32g, kind, pyt + (q << 2), pyp + (q << 2), pw + (q << 3), po + (q << 3), pg + q * gs, w, out, grad, mlo, mhi, scale, p0, p1, p2, p3));
    }
    if (seg == 1 || cnt == 0) break;
    const f = <usize>full;
    v128.store(T_YT, f32x4.splat(0.5));
    v128.store(T_YP, f32x4.splat(0.5));
    v128.store(T_W, d1(0));
    v128.store(T_W, d1(0), 16);
    for (let k = 0; k < cnt; k++) {
      store<f32>(T_YT + (<usize>k << 2), load<f32>(yt + ((f + k) << 2)));
      store<f32>(T_YP + (<usize>k << 2), load<f32>(yp + ((f + k) << 2)));
      if (w != 0) store<f64>(T_W + (<usize>k << 3), load<f64>(w + ((f + k) << 3)));
    }
    pyt = T_YT;
    pyp = T_YP;
    pw = T_W;
    po = T_OUT;
    pg = T_G;
    end = 4;
    mlo = i64x2.gt_s(i64x2.splat(<i64>cnt), i64x2(0, 1));
    mhi = i64x2.gt_s(i64x2.splat(<i64>cnt), i64x2(2, 3));
  }
  if (cnt != 0) {
    const f = <usize>full;
    for (let k = 0; k < cnt; k++) {
      if (out != 0) store<f64>(out + ((f + k) << 3), load<f64>(T_OUT + (<usize>k << 3)));
      if (grad != 0) {
        if (f32g) store<f32>(grad + ((f + k) << 2), load<f32>(T_G + (<usize>k << 2)));
        else store<f64>(grad + ((f + k) << 3), load<f64>(T_G + (<usize>k << 3)));
      }
    }
  }
  const s = f64x2.add(acc0, acc1);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

// ---- exports: (n, yTrue, yPred, w, scale, out, grad, p0, p1, p2, p3) → Σ wᵢ·lᵢ -------------
// One exported function per kind (`ew_<kind>`, its last argument 1 for a float32 gradient, 0
// for float64): V8 allocates registers per function, and one function holding every kind's loop
// spills more (≈ 15–25 % slower). Being exported, binaryen does not inline them into the
// `ew_g32` / `ew_g64` dispatchers (the kind as a number). The gradient type is a run-time flag,
// not a second compiled copy: the branch is loop-invariant and predicted, the module half the size.
// prettier-ignore
export function ew_mse(n: i32, yt: usize, yp: usize, w: usize, scale: f64, out: usize, grad: usize, p0: f64, p1: f64, p2: f64, p3: f64, g32: i32): f64 {
  return elementwise(g32 != 0, MSE, n, yt, yp, w, scale, out, grad, p0, p1, p2, p3);
}
// prettier-ignore
export function ew_mae(n: i32, yt: usize, yp: usize, w: usize, scale: f64, out: usize, grad: usize, p0: f64, p1: f64, p2: f64, p3: f64, g32: i32): f64 {
  return elementwise(g32 != 0, MAE, n, yt, yp, w, scale, out, grad, p0, p1, p2, p3);
}
// prettier-ignore
export function ew_huber(n: i32, yt: usize, yp: usize, w: usize, scale: f64, out: usize, grad: usize, p0: f64, p1: f64, p2: f64, p3: f64, g32: i32): f64 {
  return elementwise(g32 != 0, HUBER, n, yt, yp, w, scale, out, grad, p0, p1, p2, p3);
}
// prettier-ignore
export function ew_smoothL1(n: i32, yt: usize, yp: usize, w: usize, scale: f64, out: usize, grad: usize, p0: f64, p1: f64, p2: f64, p3: f64, g32: i32): f64 {
  return elementwise(g32 != 0, SMOOTHL1, n, yt, yp, w, scale, out, grad, p0, p1, p2, p3);
}
// prettier-ignore
export function ew_bceLogits(n: i32, yt: usize, yp: usize, w: usize, scale: f64, out: usize, grad: usize, p0: f64, p1: f64, p2: f64, p3: f64, g32: i32): f64 {
  return elementwise(g32 != 0, BCE_LOGITS, n, yt, yp, w, scale, out, grad, p0, p1, p2, p3);
}
// prettier-ignore
export function ew_bceTorch(n: i32, yt: usize, yp: usize, w: usize, scale: f64, out: usize, grad: usize, p0: f64, p1: f64, p2: f64, p3: f64, g32: i32): f64 {
  return elementwise(g32 != 0, BCE_TORCH, n, yt, yp, w, scale, out, grad, p0, p1, p2, p3);
}
// prettier-ignore
export function ew_bceClip(n: i32, yt: usize, yp: usize, w: usize, scale: f64, out: usize, grad: usize, p0: f64, p1: f64, p2: f64, p3: f64, g32: i32): f64 {
  return elementwise(g32 != 0, BCE_CLIP, n, yt, yp, w, scale, out, grad, p0, p1, p2, p3);
}
// prettier-ignore
export function ew_kl(n: i32, yt: usize, yp: usize, w: usize, scale: f64, out: usize, grad: usize, p0: f64, p1: f64, p2: f64, p3: f64, g32: i32): f64 {
  return elementwise(g32 != 0, KL, n, yt, yp, w, scale, out, grad, p0, p1, p2, p3);
}
// prettier-ignore
export function ew_klLog(n: i32, yt: usize, yp: usize, w: usize, scale: f64, out: usize, grad: usize, p0: f64, p1: f64, p2: f64, p3: f64, g32: i32): f64 {
  return elementwise(g32 != 0, KL_LOG, n, yt, yp, w, scale, out, grad, p0, p1, p2, p3);
}
// prettier-ignore
export function ew_focal(n: i32, yt: usize, yp: usize, w: usize, scale: f64, out: usize, grad: usize, p0: f64, p1: f64, p2: f64, p3: f64, g32: i32): f64 {
  return elementwise(g32 != 0, FOCAL, n, yt, yp, w, scale, out, grad, p0, p1, p2, p3);
}
// prettier-ignore
export function ew_g32(kind: i32, n: i32, yt: usize, yp: usize, w: usize, scale: f64, out: usize, grad: usize, p0: f64, p1: f64, p2: f64, p3: f64): f64 {
  switch (kind) {
    case MSE: return ew_mse(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 1);
    case MAE: return ew_mae(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 1);
    case HUBER: return ew_huber(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 1);
    case SMOOTHL1: return ew_smoothL1(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 1);
    case BCE_LOGITS: return ew_bceLogits(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 1);
    case BCE_TORCH: return ew_bceTorch(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 1);
    case BCE_CLIP: return ew_bceClip(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 1);
    case KL: return ew_kl(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 1);
    case KL_LOG: return ew_klLog(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 1);
    case FOCAL: return ew_focal(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 1);
  }
  return NaN;
}
// prettier-ignore
export function ew_g64(kind: i32, n: i32, yt: usize, yp: usize, w: usize, scale: f64, out: usize, grad: usize, p0: f64, p1: f64, p2: f64, p3: f64): f64 {
  switch (kind) {
    case MSE: return ew_mse(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 0);
    case MAE: return ew_mae(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 0);
    case HUBER: return ew_huber(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 0);
    case SMOOTHL1: return ew_smoothL1(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 0);
    case BCE_LOGITS: return ew_bceLogits(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 0);
    case BCE_TORCH: return ew_bceTorch(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 0);
    case BCE_CLIP: return ew_bceClip(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 0);
    case KL: return ew_kl(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 0);
    case KL_LOG: return ew_klLog(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 0);
    case FOCAL: return ew_focal(n, yt, yp, w, scale, out, grad, p0, p1, p2, p3, 0);
  }
  return NaN;
}

// ---- softmax cross-entropy ----------------------------------------------------------------
// N contiguous rows of C float32 logits. Targets: class indices (labels, float64 or float32
// per `labelBytes`, rows equal to ignoreIndex contribute 0) or float32 probabilities (probs).
// Per row, with a_c the coefficient of −log softmax(z)_c (see src/losses/classification.ts):
//   index y: a_c = (1−ls)·w_y·[c = y] + (ls/C)·w_c;   probabilities t: a_c = w_c·((1−ls)·t_c + ls/C)
//   l = Σ a_c·(log S − (z_c − m)),  ∂l/∂z_c = A·e_c/S − a_c   (S = Σ e_c, e_c = exp(z_c − m), A = Σ a_c)
// cw: float64 class weights or 0; w: float64 row weights or 0; out: float64 per-row losses or 0.
@inline function loadLabel(labels: usize, labelBytes: i32, r: i32): f64 {
  return labelBytes == 8 ? load<f64>(labels + (<usize>r << 3)) : <f64>load<f32>(labels + (<usize>r << 2));
}
@inline function lanesMask(cnt: i32): v128 {
  return i32x4.gt_s(i32x4.splat(cnt), i32x4(0, 1, 2, 3));
}
@inline function loadPart(p: usize, cnt: i32, fill: f32): v128 {
  let v = f32x4.splat(fill);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (cnt > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (cnt > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}


// ---- one pass per row: S = Σ e^(z − M) with the maximum and minimum tracked -------------------
// log-sum-exp relative to the row's FIRST logit M₀ instead of its maximum m: any shift with
// m − M₀ ≤ 64 keeps every term finite in float32 (e^64 ≈ 6e27) and none that matters
// underflows (terms are only larger relative to M₀ than to m), so S = Σ e^(z − M₀) and
// l = log S − (z_y − M₀) are as accurate as with m, and the maximum is found in the same pass as
// the exps (one read of the row instead of two). The minimum too: −∞ flags a −∞ logit; NaN and
// +∞ make S NaN. A row whose maximum is more than 64 above its first logit is summed again
// relative to its maximum. Four vectors per iteration (the exp chains are latency-bound). With a
// gradient the terms are stored for the rescaling pass (exactly 0 below e^−87.3); without one
// nothing of size N×C is written. The ragged tail is one full-vector load, masked, where the
// vector stays inside this call's logits (every row but the last), else lane by lane.
// Results of rowPass (module globals: no memory round trip).
let lseS: f64 = 0;
let lseM: f32 = 0;
let lseMax: f32 = 0;
let lseLo: f32 = 0;
const NEG_INF4 = memory.data<f32>([-Infinity, -Infinity, -Infinity, -Infinity], 16);
const POS_INF4 = memory.data<f32>([Infinity, Infinity, Infinity, Infinity], 16);
/** How far above the first logit the row's maximum may be for the one-pass sum. */
const SHIFT_MAX: f32 = 64;

/** log(x) for a positive normal float64 (logd2's lane 0). */
@inline function logd(x: f64): f64 {
  return f64x2.extract_lane(logd2(f64x2.splat(x)), 0);
}
/** Stores the 4 lanes of `e` (as float32 or float64) at `p`, 0 where d = z − M < −87.3. */
@inline function storeTerms(f32g: bool, p: usize, e: v128, d: v128): void {
  const v = zeroBelow(e, d);
  if (f32g) v128.store(p, v);
  else {
    v128.store(p, lo2(v));
    v128.store(p, hi2(v), 16);
  }
}

/**
 * lseS = Σ_c e^(z_c − m) over a row of C float32 logits at `zr`, lseM = m, lseMax and lseLo the
 * row's maximum and minimum; the terms stored at `gr` (float32 or float64) unless it is 0.
 * `over`: the tail vector may be loaded whole.
 */
function rowPass(f32g: bool, zr: usize, gr: usize, C: i32, over: bool, m: f32): void {
  const gs = f32g ? <usize>4 : <usize>8;
  const C4 = C & ~3;
  const rem = C - C4;
  const ninf = v128.load(NEG_INF4);
  const pinf = v128.load(POS_INF4);
  const m4 = f32x4.splat(m);
  let mv = ninf;
  let mn = pinf;
  let s0 = d1(0);
  let s1 = d1(0);
  let j = 0;
  // the value alone: the forward sum's exp (expNegSumFwd4, 18 operations per 4 lanes against 22).
  // A loop of its own on purpose: one loop with an `if (gr == 0)` inside measured slower (CE
  // 16k×1k forward 15.3–18.2 ms in three runs against 14.2–14.4 ms, 2026-12-01, load ≈ 1).
  if (gr == 0)
    for (; j + 16 <= C4; j += 16) {
      const x0 = v128.load(zr + (<usize>j << 2));
      const x1 = v128.load(zr + (<usize>j << 2), 16);
      const x2 = v128.load(zr + (<usize>j << 2), 32);
      const x3 = v128.load(zr + (<usize>j << 2), 48);
      mv = f32x4.pmax(mv, f32x4.pmax(f32x4.pmax(x0, x1), f32x4.pmax(x2, x3)));
      mn = f32x4.pmin(mn, f32x4.pmin(f32x4.pmin(x0, x1), f32x4.pmin(x2, x3)));
      const e01 = f32x4.add(expNegSumFwd4(f32x4.sub(x0, m4)), expNegSumFwd4(f32x4.sub(x1, m4)));
      const e23 = f32x4.add(expNegSumFwd4(f32x4.sub(x2, m4)), expNegSumFwd4(f32x4.sub(x3, m4)));
      s0 = f64x2.add(s0, f64x2.add(lo2(e01), lo2(e23)));
      s1 = f64x2.add(s1, f64x2.add(hi2(e01), hi2(e23)));
    }
  for (; j + 16 <= C4; j += 16) {
    const x0 = v128.load(zr + (<usize>j << 2));
    const x1 = v128.load(zr + (<usize>j << 2), 16);
    const x2 = v128.load(zr + (<usize>j << 2), 32);
    const x3 = v128.load(zr + (<usize>j << 2), 48);
    mv = f32x4.pmax(mv, f32x4.pmax(f32x4.pmax(x0, x1), f32x4.pmax(x2, x3)));
    mn = f32x4.pmin(mn, f32x4.pmin(f32x4.pmin(x0, x1), f32x4.pmin(x2, x3)));
    const d0 = f32x4.sub(x0, m4);
    const d1v = f32x4.sub(x1, m4);
    const d2 = f32x4.sub(x2, m4);
    const d3 = f32x4.sub(x3, m4);
    const e0 = expNegSum4(d0);
    const e1 = expNegSum4(d1v);
    const e2 = expNegSum4(d2);
    const e3 = expNegSum4(d3);
    if (gr != 0) {
      const g = gr + <usize>j * gs;
      storeTerms(f32g, g, e0, d0);
      storeTerms(f32g, g + 4 * gs, e1, d1v);
      storeTerms(f32g, g + 8 * gs, e2, d2);
      storeTerms(f32g, g + 12 * gs, e3, d3);
    }
    // pairs of terms added in float32 first: one rounding (≤ 2⁻²⁴ of the pair) that does not
    // grow with C, half the float32 → float64 conversions
    const e01 = f32x4.add(e0, e1);
    const e23 = f32x4.add(e2, e3);
    s0 = f64x2.add(s0, f64x2.add(lo2(e01), lo2(e23)));
    s1 = f64x2.add(s1, f64x2.add(hi2(e01), hi2(e23)));
  }
  const mask = lanesMask(rem);
  // the remaining full vectors, then the tail (its lanes past the row: −∞ for the maximum, +∞
  // for the minimum, 0 in the sum)
  for (; j < C; j += 4) {
    const tail = j + 4 > C;
    const raw = !tail || over ? v128.load(zr + (<usize>j << 2)) : loadPart(zr + (<usize>j << 2), rem, 0);
    const x = tail ? v128.bitselect(raw, ninf, mask) : raw;
    mv = f32x4.pmax(mv, x);
    mn = f32x4.pmin(mn, tail ? v128.bitselect(raw, pinf, mask) : raw);
    const d = f32x4.sub(x, m4);
    let e = expNegSum4(d);
    if (tail) e = v128.and(e, mask);
    if (gr != 0) {
      const g = gr + <usize>j * gs;
      if (tail) {
        const v = zeroBelow(e, d);
        if (f32g) {
          store<f32>(g, f32x4.extract_lane(v, 0));
          if (rem > 1) store<f32>(g, f32x4.extract_lane(v, 1), 4);
          if (rem > 2) store<f32>(g, f32x4.extract_lane(v, 2), 8);
        } else {
          store<f64>(g, <f64>f32x4.extract_lane(v, 0));
          if (rem > 1) store<f64>(g, <f64>f32x4.extract_lane(v, 1), 8);
          if (rem > 2) store<f64>(g, <f64>f32x4.extract_lane(v, 2), 16);
        }
      } else storeTerms(f32g, g, e, d);
    }
    s0 = f64x2.add(s0, lo2(e));
    s1 = f64x2.add(s1, hi2(e));
  }
  mv = f32x4.pmax(mv, v128.shuffle<i32>(mv, mv, 2, 3, 0, 1));
  mv = f32x4.pmax(mv, v128.shuffle<i32>(mv, mv, 1, 0, 3, 2));
  mn = f32x4.pmin(mn, v128.shuffle<i32>(mn, mn, 2, 3, 0, 1));
  mn = f32x4.pmin(mn, v128.shuffle<i32>(mn, mn, 1, 0, 3, 2));
  const ss = f64x2.add(s0, s1);
  lseS = f64x2.extract_lane(ss, 0) + f64x2.extract_lane(ss, 1);
  lseM = m;
  lseMax = f32x4.extract_lane(mv, 0);
  lseLo = f32x4.extract_lane(mn, 0);
}

function crossEntropy(
  f32g: bool,
  N: i32,
  C: i32,
  z: usize,
  labels: usize,
  labelBytes: i32,
  probs: usize,
  cw: usize,
  ls: f64,
  ignoreIndex: f64,
  w: usize,
  scale: f64,
  out: usize,
  grad: usize,
): f64 {
  const gs = (f32g ? <usize>4 : <usize>8);
  const C4 = C & ~3;
  const rem = C - C4;
  const lsC = ls / <f64>C;
  const zEnd = z + ((<usize>N * <usize>C) << 2);
  const tailOff = <usize>(C4 + 4) << 2;
  // W = Σ_c w_c (index targets with label smoothing)
  let W: f64 = <f64>C;
  if (cw != 0) {
    W = 0;
    for (let c = 0; c < C; c++) W += load<f64>(cw + (<usize>c << 3));
  }
  // Plain values (no gradient, index targets, no class weights, label smoothing, row weights or
  // per-row output): Σ_r log S_r as the log of the product Π_r S_r (S_r ∈ [1, C]; its binary
  // exponent moved out before it can overflow; relative error ≤ N·2⁻⁵³): one float64
  // multiplication per row instead of a log.
  const prod = grad == 0 && probs == 0 && cw == 0 && ls == 0 && w == 0 && out == 0;
  let P: f64 = 1;
  let E: i64 = 0;
  let total: f64 = 0;
  // A NaN or ±∞ logit anywhere (ignored rows included) makes the sum NaN, so the loss layer can
  // skip its own finiteness pass over the logits and explain the error only then (kernelFlags).
  let nonFinite = false;
  for (let r = 0; r < N; r++) {
    const zr = z + ((<usize>r * <usize>C) << 2);
    const gr = grad + <usize>r * <usize>C * gs;
    let y = -1;
    if (probs == 0) {
      const yl = loadLabel(labels, labelBytes, r);
      if (yl == ignoreIndex) {
        // its logits still flag a NaN / ±∞ (the sum of its terms, discarded)
        rowPass(f32g, zr, 0, C, zr + tailOff <= zEnd, load<f32>(zr));
        if (lseLo == -Infinity || lseS != lseS) nonFinite = true;
        if (out != 0) store<f64>(out + (<usize>r << 3), 0);
        if (grad != 0) memory.fill(gr, 0, <usize>C * gs);
        continue;
      }
      y = <i32>yl;
    }
    // pass 1: S = Σ e^(z − M) (float64), the terms kept in the gradient buffer (see rowPass)
    const over = zr + tailOff <= zEnd;
    const m0 = load<f32>(zr);
    rowPass(f32g, zr, grad == 0 ? 0 : gr, C, over, m0);
    // rare: the maximum more than 64 above the first logit (also m0 = −∞, or a +∞ logit)
    if (lseMax - m0 > SHIFT_MAX) rowPass(f32g, zr, grad == 0 ? 0 : gr, C, over, lseMax);
    const S = lseS;
    const m = <f64>lseM;
    if (lseLo == -Infinity || S != S) nonFinite = true;
    if (prod) {
      total -= <f64>load<f32>(zr + (<usize>y << 2)) - m;
      P *= S;
      if (P > 1e280) {
        // P = 2^e · f, f ∈ [1, 2): keep f, count e
        const bits = reinterpret<i64>(P);
        E += (bits >>> 52) - 1023;
        P = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000);
      }
      continue;
    }
    const logS = logd(S); // S ≥ 1 (the maximum's term is e^(max − M) ≥ 1)
    // coefficients
    let l: f64 = 0;
    let A: f64 = 0;
    let ay: f64 = 0;
    if (probs == 0) {
      ay = (1 - ls) * (cw == 0 ? 1 : load<f64>(cw + (<usize>y << 3)));
      l = ay * (logS - (<f64>load<f32>(zr + (<usize>y << 2)) - m));
      A = ay;
      if (ls != 0) {
        let acc: f64 = 0;
        for (let c = 0; c < C; c++) {
          const a = cw == 0 ? 1 : load<f64>(cw + (<usize>c << 3));
          acc += a * (logS - (<f64>load<f32>(zr + (<usize>c << 2)) - m));
        }
        l += lsC * acc;
        A += lsC * W;
      }
    } else {
      const pr = probs + ((<usize>r * <usize>C) << 2);
      for (let c = 0; c < C; c++) {
        const t = <f64>load<f32>(pr + (<usize>c << 2));
        const a = (cw == 0 ? 1 : load<f64>(cw + (<usize>c << 3))) * (ls == 0 ? t : t * (1 - ls) + lsC);
        l += a * (logS - (<f64>load<f32>(zr + (<usize>c << 2)) - m));
        A += a;
      }
    }
    const wi: f64 = w == 0 ? 1 : load<f64>(w + (<usize>r << 3));
    total += wi * l;
    if (out != 0) store<f64>(out + (<usize>r << 3), wi * l);
    if (grad != 0) {
      // pass 3: rescale
      const g = scale * wi;
      const kA = (g * A) / S;
      let j = 0;
      if (f32g) {
        const k4 = f32x4.splat(<f32>kA);
        for (j = 0; j < C4; j += 4) v128.store(gr + (<usize>j << 2), f32x4.mul(v128.load(gr + (<usize>j << 2)), k4));
        for (; j < C; j++) store<f32>(gr + (<usize>j << 2), load<f32>(gr + (<usize>j << 2)) * <f32>kA);
      } else {
        const k2 = d1(kA);
        for (j = 0; j + 2 <= C; j += 2) v128.store(gr + (<usize>j << 3), f64x2.mul(v128.load(gr + (<usize>j << 3)), k2));
        for (; j < C; j++) store<f64>(gr + (<usize>j << 3), load<f64>(gr + (<usize>j << 3)) * kA);
      }
      if (probs == 0) {
        if (ls != 0) {
          for (let c = 0; c < C; c++) {
            const a = g * lsC * (cw == 0 ? 1 : load<f64>(cw + (<usize>c << 3)));
            if (f32g) store<f32>(gr + (<usize>c << 2), <f32>(<f64>load<f32>(gr + (<usize>c << 2)) - a));
            else store<f64>(gr + (<usize>c << 3), load<f64>(gr + (<usize>c << 3)) - a);
          }
        }
        if (f32g) store<f32>(gr + (<usize>y << 2), <f32>(<f64>load<f32>(gr + (<usize>y << 2)) - g * ay));
        else store<f64>(gr + (<usize>y << 3), load<f64>(gr + (<usize>y << 3)) - g * ay);
      } else {
        const pr = probs + ((<usize>r * <usize>C) << 2);
        for (let c = 0; c < C; c++) {
          const t = <f64>load<f32>(pr + (<usize>c << 2));
          const a = g * (cw == 0 ? 1 : load<f64>(cw + (<usize>c << 3))) * (ls == 0 ? t : t * (1 - ls) + lsC);
          if (f32g) store<f32>(gr + (<usize>c << 2), <f32>(<f64>load<f32>(gr + (<usize>c << 2)) - a));
          else store<f64>(gr + (<usize>c << 3), load<f64>(gr + (<usize>c << 3)) - a);
        }
      }
    }
  }
  if (prod) total += logd(P) + <f64>E * 0.6931471805599453; // P ≥ 1 (NaN when a row's S was)
  return nonFinite ? NaN : total;
}

// prettier-ignore
export function ce_g64(N: i32, C: i32, z: usize, labels: usize, labelBytes: i32, probs: usize, cw: usize, ls: f64, ignoreIndex: f64, w: usize, scale: f64, out: usize, grad: usize): f64 {
  return crossEntropy(false, N, C, z, labels, labelBytes, probs, cw, ls, ignoreIndex, w, scale, out, grad);
}
// prettier-ignore
export function ce_g32(N: i32, C: i32, z: usize, labels: usize, labelBytes: i32, probs: usize, cw: usize, ls: f64, ignoreIndex: f64, w: usize, scale: f64, out: usize, grad: usize): f64 {
  return crossEntropy(true, N, C, z, labels, labelBytes, probs, cw, ls, ignoreIndex, w, scale, out, grad);
}

// ---- CTC: one sequence's forward–backward in log space (float64) ------------------------------
// The same recursions as src/losses/sequence.ts ctcSequence (read its doc): per frame, the
// previous row is exponentiated once relative to its maximum M (E = e^(α − M), two lanes at a
// time), α = M + log(E[s] + E[s−1] + skip·E[s−2]) + lp; a lane whose sum is ≤ 1e-280 (the state
// is > 645 nats below the row's maximum) is recomputed by an exact scalar log-sum-exp, so the
// result is as exact as a pure log-space recursion. float64 throughout (exp/log of asm/math.ts
// expd2/logd2, ≤ 1 ulp), float32 log-probabilities in, float32 or float64 gradient out.
const NEG_INF: f64 = -Infinity;
const CTC_TINY = memory.data<f64>([1e-280, 1e-280], 16);

@inline function lse2(a: f64, b: f64): f64 {
  if (a < b) {
    const t = a;
    a = b;
    b = t;
  }
  if (a == NEG_INF) return NEG_INF;
  return a + Math.log1p(Math.exp(b - a));
}
@inline function lse3(a: f64, b: f64, c: f64): f64 {
  let m = a;
  let u = b;
  let v = c;
  if (b > m) {
    m = b;
    u = a;
  }
  if (c > m) {
    v = m;
    m = c;
  }
  if (m == NEG_INF) return NEG_INF;
  return m + Math.log1p(Math.exp(u - m) + Math.exp(v - m));
}
@inline function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}
@inline function sd(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}
@inline function li(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}
@inline function lpAt(lp: usize, i: i32): f64 {
  return <f64>load<f32>(lp + (<usize>i << 2));
}
/** max of p[from..hi] (inclusive). Not inlined (forward and backward share one copy). */
function rowMax(p: usize, from: i32, hi: i32): f64 {
  let mv = f64x2.splat(NEG_INF);
  let s = from;
  for (; s + 1 <= hi; s += 2) mv = f64x2.pmax(mv, v128.load(p + (<usize>s << 3)));
  let m = max(f64x2.extract_lane(mv, 0), f64x2.extract_lane(mv, 1));
  if (s == hi) m = max(m, ld(p, s));
  return m;
}
/** E'[s + 2] = e^(p[s] − M) for s in [from, hi] (and possibly hi + 1); one copy for both passes. */
function expRow(p: usize, from: i32, hi: i32, M: f64, E: usize): void {
  const m2 = f64x2.splat(M);
  for (let s = from; s <= hi; s += 2) v128.store(E + (<usize>(s + 2) << 3), expd2(f64x2.sub(v128.load(p + (<usize>s << 3)), m2)));
}

// ---- CTC forward alone, in scaled probability space ------------------------------------------
// α_t(s) = X_t(s)·e^(Σμ)·2^(−Σd): per frame t, μ = the largest log-probability among the
// sequence's labels and Q = e^(lp − μ) (one exp per label and frame, not per state); the row is
// kept near 2^1000 by a power of two 2^d (exact), so states down to 2^−1000 of the row — a spread
// of 1386 nats — stay normal float64 numbers, and the recursion is three adds and a multiply per
// state. At a frame where a state would fall below 2^−1000 (or a label lies more than 700 nats
// below μ) it returns NaN, and ctcSeq continues from the previous row (taken to log space) with
// the log-space recursion, whose exact scalar path covers any spread: the result is as exact as
// a log-space recursion in every case, and the frames before the stop are not recomputed.
/** Where the scaled forward stopped: frame t, whose previous row is X at `bailPrev` (offset 2), α = X·e^σ. */
let bailT: i32 = 0;
let bailPrev: usize = 0;
let bailSigma: f64 = 0;
function bail(t: i32, prev: usize, sigma: f64): f64 {
  bailT = t;
  bailPrev = prev;
  bailSigma = sigma;
  return NaN;
}
const CTC_LIN = memory.data<f64>([9.332636185032189e-302, 9.332636185032189e-302, -700, -700], 16);
// prettier-ignore
function ctcForwardScaled(lp: usize, off: i32, tStride: i32, T: i32, ext: usize, S: i32, blank: i32, work: usize, logOut: usize): f64 {
  const W = <usize>(S + 8) << 3;
  let prev = work; // X'[s + 2] = X[s]; X'[0] = X'[1] = 0
  let cur = prev + W;
  const SK = cur + W; // all-ones where state s may skip from s − 2 (odd s only)
  const L = (S - 1) >> 1;
  const LG = SK + W; // log-probability of label k (state 2k + 1), −∞ past L
  const G = LG + ((<usize>(L + 4) << 3) & ~15); // Q = e^(lp − μ) of label k, 0 past L
  memory.fill(prev, 0, W << 1);
  for (let q = 0; q < S + 2; q++) {
    const e = q < S ? li(ext, q) : blank;
    store<i64>(SK + (<usize>q << 3), (q & 1) == 1 && q >= 2 && e != li(ext, q - 2) ? -1 : 0);
  }
  for (let k = L; k < L + 2; k++) {
    sd(LG, k, NEG_INF);
    sd(G, k, 0);
  }
  sd(prev, 2, 1); // a virtual frame −1 whose state 0 leads to states 0 and 1 of frame 0
  const th = v128.load(CTC_LIN);
  const deep = v128.load(CTC_LIN + 16);
  const zero = f64x2.splat(0);
  let sumMu: f64 = 0;
  let D: i32 = 0;
  let rowMaxBits: i64 = 0x3ff0000000000000; // the previous row's maximum (1 for frame −1)
  for (let t = 0; t < T; t++) {
    const lo = max(0, S - 2 * (T - t)) & ~1;
    const hi = min(S - 1, 2 * t + 1);
    const row = off + t * tStride;
    const klo = lo >> 1;
    const khi = min(L - 1, hi >> 1);
    const lb = lpAt(lp, row + blank);
    // labels [klo, khi] and the pair's partner khi + 1 (LG[L] is the −∞ pad): nothing stale is read
    const kend = min(L - 1, khi + 1);
    for (let k = klo; k <= kend; k++) sd(LG, k, lpAt(lp, row + li(ext, 2 * k + 1)));
    let mv = f64x2.splat(lb);
    for (let k = klo; k <= khi; k += 2) mv = f64x2.pmax(mv, v128.load(LG + (<usize>k << 3)));
    const mu = max(f64x2.extract_lane(mv, 0), f64x2.extract_lane(mv, 1));
    if (mu == NEG_INF) return Infinity; // every label impossible at this frame
    // 2^d brings the previous row's maximum to [2^1000, 2^1001) (d ≤ 1020: a representable factor)
    const d = min(1020, 1000 - (<i32>(rowMaxBits >>> 52) - 1023));
    const F = reinterpret<f64>(<i64>(d + 1023) << 52);
    const m2 = f64x2.splat(mu);
    const f2 = f64x2.splat(F);
    let bad = zero;
    for (let k = klo; k <= khi; k += 2) {
      const x = f64x2.sub(v128.load(LG + (<usize>k << 3)), m2);
      bad = v128.or(bad, v128.and(f64x2.lt(x, deep), f64x2.ne(x, f64x2.splat(NEG_INF))));
      v128.store(G + (<usize>k << 3), x);
    }
    expd2Array(((khi - klo) & ~1) + 2, G + (<usize>klo << 3), G + (<usize>klo << 3)); // one shared copy of exp
    const xb = lb - mu;
    if (xb < -700 && xb != NEG_INF) return bail(t, prev, sumMu - <f64>D * 0.6931471805599453);
    const gb = Math.exp(xb);
    let mx = zero;
    for (let s = lo; s <= hi; s += 2) {
      const a = v128.load(prev + (<usize>(s + 2) << 3));
      const b = v128.load(prev + (<usize>(s + 1) << 3));
      const c = v128.and(v128.load(prev + (<usize>s << 3)), v128.load(SK + (<usize>s << 3)));
      const sum = f64x2.add(f64x2.add(a, b), c);
      const q = f64x2.mul(f64x2.replace_lane(f64x2.splat(gb), 1, ld(G, s >> 1)), f2);
      const v = f64x2.mul(sum, q);
      mx = f64x2.pmax(mx, v);
      // a state below 2^−1000 of the scale (not an exact 0: an unreachable state or log 0)
      bad = v128.or(bad, v128.and(f64x2.lt(v, th), v128.and(f64x2.gt(sum, zero), f64x2.gt(q, zero))));
      v128.store(cur + (<usize>(s + 2) << 3), v);
    }
    if (v128.any_true(bad)) return bail(t, prev, sumMu - <f64>D * 0.6931471805599453);
    sumMu += mu;
    D += d;
    const m = max(f64x2.extract_lane(mx, 0), f64x2.extract_lane(mx, 1));
    if (m == 0) return Infinity; // no alignment survives
    if (logOut != 0) {
      // value + gradient: the row as log α (the log-space layout of ctcSeq; −∞ outside [lo, hi])
      const out = logOut + (<usize>(t * S) << 3);
      const spare = ld(out, hi + 1); // the last pair's spare lane may be the next row's cell 0
      for (let s = lo; s <= hi; s += 2) v128.store(out + (<usize>s << 3), f64x2.pmax(v128.load(cur + (<usize>(s + 2) << 3)), th));
      logd2Array(((hi - lo) & ~1) + 2, out + (<usize>lo << 3), out + (<usize>lo << 3));
      const sig = f64x2.splat(sumMu - <f64>D * 0.6931471805599453);
      for (let s = lo; s <= hi; s += 2) {
        const lg = f64x2.add(v128.load(out + (<usize>s << 3)), sig);
        const z = f64x2.eq(v128.load(cur + (<usize>(s + 2) << 3)), zero);
        v128.store(out + (<usize>s << 3), v128.bitselect(f64x2.splat(NEG_INF), lg, z));
      }
      sd(out, hi + 1, spare);
      if (lo < max(0, S - 2 * (T - t))) sd(out, lo, NEG_INF); // the state below lo: −∞ as in ctcSeq
    }
    rowMaxBits = reinterpret<i64>(m);
    const tmp = prev;
    prev = cur;
    cur = tmp;
  }
  const fin = S > 1 ? ld(prev, S + 1) + ld(prev, S) : ld(prev, 2);
  if (fin == 0) return Infinity;
  return -(Math.log(fin) + sumMu - <f64>D * 0.6931471805599453);
}

// prettier-ignore
function ctcSeq(f32g: bool, lp: usize, off: i32, tStride: i32, T: i32, C: i32, ext: usize, S: i32, blank: i32, alpha: usize, beta: usize, work: usize, grad: usize, g: f64, pyt: i32): f64 {
  if (T == 0) return S == 1 ? 0 : Infinity;
  const ninf = f64x2.splat(NEG_INF);
  const cells = T * S;
  let t0 = 1;
  let scaled: f64 = NaN;
  if (grad == 0) {
    const r = ctcForwardScaled(lp, off, tStride, T, ext, S, blank, work, 0);
    if (r == r) return r;
    // NaN: continue in log space from frame bailT (its previous row taken to log space)
    for (let i = 0; i < cells; i += 2) v128.store(alpha + (<usize>i << 3), ninf);
    if (bailT > 0) {
      t0 = bailT;
      const p = alpha + (<usize>((t0 - 1) * S) << 3);
      for (let q = max(0, S - 2 * (T - t0 + 1)); q <= min(S - 1, 2 * t0 - 1); q++) {
        const x = ld(bailPrev, q + 2);
        sd(p, q, x > 0 ? Math.log(x) + bailSigma : NEG_INF);
      }
    }
  } else {
    // the scaled forward writes α's rows in log space; past a frame where it stops (bailT), the
    // log-space recursion below continues from the row before
    for (let i = 0; i < cells; i += 2) v128.store(alpha + (<usize>i << 3), ninf);
    scaled = ctcForwardScaled(lp, off, tStride, T, ext, S, blank, work, alpha);
    if (scaled == Infinity) return Infinity;
    t0 = scaled == scaled ? T : max(1, bailT);
  }
  const W = <usize>(S + 8) << 3;
  const E = work; // E'[s + 2] = E[s]; E'[0], E'[1] (and E'[S + 2], E'[S + 3]) are 0
  const SKF = E + W; // all-ones where α may skip from s − 2
  const SKB = SKF + W; // all-ones where β may skip from s + 2
  const X = SKB + W;
  const R = X + W; // one gradient row (C + 8 float64)
  for (let s = 0; s < S + 2; s++) {
    let f: i64 = 0;
    let b: i64 = 0;
    if (s < S) {
      const e = li(ext, s);
      if (s >= 2 && e != blank && e != li(ext, s - 2)) f = -1;
      if (s + 2 < S && e != blank && e != li(ext, s + 2)) b = -1;
    }
    store<i64>(SKF + (<usize>s << 3), f);
    store<i64>(SKB + (<usize>s << 3), b);
  }
  const tiny = v128.load(CTC_TINY);
  // Forward.
  if (t0 == 1) {
    sd(alpha, 0, lpAt(lp, off + blank));
    if (S > 1) sd(alpha, 1, lpAt(lp, off + li(ext, 1)));
  }
  for (let t = t0; t < T; t++) {
    const lo = max(0, S - 2 * (T - t));
    const hi = min(S - 1, 2 * t + 1);
    const prev = alpha + (<usize>((t - 1) * S) << 3);
    const cur = alpha + (<usize>(t * S) << 3);
    const row = off + t * tStride;
    const from = lo >= 2 ? lo - 2 : 0;
    const M = rowMax(prev, from, hi);
    if (M == NEG_INF) return Infinity; // no alignment survives
    expRow(prev, from, hi, M, E);
    sd(E, 0, 0);
    sd(E, 1, 0);
    const m2 = f64x2.splat(M);
    const spare = ld(cur, hi + 1);
    for (let s = lo; s <= hi; s += 2) {
      const a = v128.load(E + (<usize>(s + 2) << 3));
      const b = v128.load(E + (<usize>(s + 1) << 3));
      const c = v128.and(v128.load(E + (<usize>s << 3)), v128.load(SKF + (<usize>s << 3)));
      const sum = f64x2.add(f64x2.add(a, b), c);
      const v = f64x2.add(m2, logd2(f64x2.pmax(sum, tiny)));
      // lp is finite or −∞ (checked by the caller), so x + lp is −∞ when x is
      const l = f64x2.replace_lane(f64x2.splat(lpAt(lp, row + li(ext, s))), 1, lpAt(lp, row + li(ext, s + 1 <= hi ? s + 1 : s)));
      let r = f64x2.add(v, l);
      if (v128.any_true(f64x2.le(sum, tiny))) {
        // a state > 645 nats below the row's maximum: exact log-sum-exp (read before the store
        // below, whose spare lane may be the neighbouring row's cell 0)
        for (let k = 0; k < 2; k++) {
          const q = s + k;
          if (q > hi) break;
          const aa = ld(prev, q);
          const bb = q >= 1 ? ld(prev, q - 1) : NEG_INF;
          const x = load<i64>(SKF + (<usize>q << 3)) != 0 ? lse3(aa, bb, ld(prev, q - 2)) : lse2(aa, bb);
          const y = x == NEG_INF ? NEG_INF : x + lpAt(lp, row + li(ext, q));
          r = k == 0 ? f64x2.replace_lane(r, 0, y) : f64x2.replace_lane(r, 1, y);
        }
      }
      v128.store(cur + (<usize>s << 3), r);
    }
    sd(cur, hi + 1, spare); // the last pair's spare lane (−∞ in the row, or the next row's cell 0)
  }
  const last = alpha + (<usize>((T - 1) * S) << 3);
  const ll = S > 1 ? lse2(ld(last, S - 1), ld(last, S - 2)) : ld(last, 0);
  const nll = scaled == scaled ? scaled : -ll;
  if (grad == 0 || nll == Infinity) return nll;

  // Backward.
  for (let i = 0; i < cells; i += 2) v128.store(beta + (<usize>i << 3), ninf);
  const lastRow = off + (T - 1) * tStride;
  const blast = beta + (<usize>((T - 1) * S) << 3);
  sd(blast, S - 1, lpAt(lp, lastRow + li(ext, S - 1)));
  if (S > 1) sd(blast, S - 2, lpAt(lp, lastRow + li(ext, S - 2)));
  for (let t = T - 2; t >= 0; t--) {
    const lo = max(0, S - 2 * (T - t));
    const hi = min(S - 1, 2 * t + 1);
    const next = beta + (<usize>((t + 1) * S) << 3);
    const cur = beta + (<usize>(t * S) << 3);
    const row = off + t * tStride;
    const to = hi + 2 < S ? hi + 2 : S - 1;
    let M = rowMax(next, lo, to);
    if (M == NEG_INF) M = 0; // every state −∞: the sums are 0 and the exact path gives −∞
    expRow(next, lo, to, M, E);
    sd(E, S + 2, 0);
    sd(E, S + 3, 0);
    const m2 = f64x2.splat(M);
    const spare = ld(cur, hi + 1);
    for (let s = lo; s <= hi; s += 2) {
      const a = v128.load(E + (<usize>(s + 2) << 3));
      const b = v128.load(E + (<usize>(s + 3) << 3));
      const c = v128.and(v128.load(E + (<usize>(s + 4) << 3)), v128.load(SKB + (<usize>s << 3)));
      const sum = f64x2.add(f64x2.add(a, b), c);
      const v = f64x2.add(m2, logd2(f64x2.pmax(sum, tiny)));
      const l = f64x2.replace_lane(f64x2.splat(lpAt(lp, row + li(ext, s))), 1, lpAt(lp, row + li(ext, s + 1 <= hi ? s + 1 : s)));
      let r = f64x2.add(v, l);
      if (v128.any_true(f64x2.le(sum, tiny))) {
        // a state > 645 nats below the row's maximum: exact log-sum-exp (read before the store
        // below, whose spare lane may be the neighbouring row's cell 0)
        for (let k = 0; k < 2; k++) {
          const q = s + k;
          if (q > hi) break;
          const aa = ld(next, q);
          const bb = q + 1 < S ? ld(next, q + 1) : NEG_INF;
          const x = load<i64>(SKB + (<usize>q << 3)) != 0 ? lse3(aa, bb, ld(next, q + 2)) : lse2(aa, bb);
          const y = x == NEG_INF ? NEG_INF : x + lpAt(lp, row + li(ext, q));
          r = k == 0 ? f64x2.replace_lane(r, 0, y) : f64x2.replace_lane(r, 1, y);
        }
      }
      v128.store(cur + (<usize>s << 3), r);
    }
    sd(cur, hi + 1, spare);
  }

  // Gradient rows: R = g·e^lp (PyTorch's convention) or 0, minus g·γ(t, c); then stored as G.
  const gv = f64x2.splat(g);
  const nv = f64x2.splat(nll);
  const C2 = C & ~1;
  for (let t = 0; t < T; t++) {
    const lo = max(0, S - 2 * (T - t));
    const hi = min(S - 1, 2 * t + 1);
    const ca = alpha + (<usize>(t * S) << 3);
    const cb = beta + (<usize>(t * S) << 3);
    const row = off + t * tStride;
    const lpr = lp + (<usize>row << 2);
    if (pyt != 0) {
      for (let c = 0; c < C2; c += 2) {
        const x = f64x2.promote_low_f32x4(v128.load64_zero(lpr + (<usize>c << 2)));
        v128.store(R + (<usize>c << 3), f64x2.mul(gv, expd2(x)));
      }
      if (C2 != C) sd(R, C - 1, g * Math.exp(lpAt(lpr, C - 1)));
    } else {
      memory.fill(R, 0, <usize>C << 3);
    }
    for (let s = lo; s <= hi; s += 2) {
      const v = f64x2.add(v128.load(ca + (<usize>s << 3)), v128.load(cb + (<usize>s << 3)));
      const l = f64x2.replace_lane(f64x2.splat(lpAt(lpr, li(ext, s))), 1, lpAt(lpr, li(ext, s + 1 <= hi ? s + 1 : s)));
      const e = expd2(f64x2.add(f64x2.sub(v, l), nv));
      // α + β = −∞ contributes nothing (also where lp = −∞, which would give −∞ − (−∞))
      v128.store(X + (<usize>s << 3), v128.and(e, f64x2.ne(v, ninf)));
    }
    for (let s = lo; s <= hi; s++) {
      const e = li(ext, s);
      sd(R, e, ld(R, e) - g * ld(X, s));
    }
    if (f32g) {
      const gr = grad + (<usize>row << 2);
      for (let c = 0; c < C; c++) store<f32>(gr + (<usize>c << 2), <f32>ld(R, c));
    } else {
      const gr = grad + (<usize>row << 3);
      for (let c = 0; c < C; c++) store<f64>(gr + (<usize>c << 3), ld(R, c));
    }
  }
  return nll;
}

// prettier-ignore
export function ctc_g64(lp: usize, off: i32, tStride: i32, T: i32, C: i32, ext: usize, S: i32, blank: i32, alpha: usize, beta: usize, work: usize, grad: usize, g: f64, pyt: i32): f64 {
  return ctcSeq(false, lp, off, tStride, T, C, ext, S, blank, alpha, beta, work, grad, g, pyt);
}
// prettier-ignore
export function ctc_g32(lp: usize, off: i32, tStride: i32, T: i32, C: i32, ext: usize, S: i32, blank: i32, alpha: usize, beta: usize, work: usize, grad: usize, g: f64, pyt: i32): f64 {
  return ctcSeq(true, lp, off, tStride, T, C, ext, S, blank, alpha, beta, work, grad, g, pyt);
}
