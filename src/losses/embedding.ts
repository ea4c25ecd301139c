/**
 * Embedding losses on rows of `[N, D]` vectors: `cosineEmbedding`, `tripletMargin`,
 * `tripletMarginWithDistance`.
 *
 * One loss per row (PyTorch's `reduction='none'` shape `[N]`, or `[]` for single `[D]`
 * vectors), computed with its gradients w.r.t. every input in one fused row kernel; the shared
 * reducer applies `sampleWeight` and the reduction (see `reduce.ts`). Gradients w.r.t. the
 * inputs other than `yPred` come back in `extraGrads` (`input2`, `positive`, `negative`).
 * Each loss is declared through the one loss constructor (`define.ts`, prepared layout); kernels
 * take one arguments object, and every input (targets ±1, the extra inputs finite) is checked.
 */
import { LosskitError, describe, fmtShape } from '../errors.js';
import type { FloatArray, Shape, Tensor, TensorInput } from '../tensor.js';
import { shapesEqual, sizeOf, tensor } from '../tensor.js';
import { checkNonEmpty, checkNumberOption, checkSameShape } from '../validate.js';
import type { LossMeta, Prepared } from './define.js';
import { bool, loss, num, tensorOption, valueOption } from './define.js';
import type { LossEntry } from './registry-types.js';

/** What the triplet losses are: embeddings (anchor in `yPred`), no target, the plain mean. */
const TRIPLET: LossMeta = {
  input: 'embeddings',
  target: 'other',
  meanDenominator: 'count',
  batchInputs: ['positive', 'negative'],
};

/**
 * A distance between two rows for {@link tripletMarginWithDistance}: returns `d(a, b)` and,
 * when `gradA` / `gradB` are given (length `a.length`, zero-filled), writes `∂d/∂a` and `∂d/∂b`
 * into them. `a` and `b` are views of the inputs: do not modify them.
 */
export type DistanceFunction = (
  a: FloatArray,
  b: FloatArray,
  gradA: Float64Array | null,
  gradB: Float64Array | null,
) => number;

/** `yPred` (and its partners) as rows `[N, D]` / `[D]`; loss shape `shape[:-1]`. */
function rowsOf(fn: string, t: Tensor, arg: string): { rows: number; D: number; lossShape: Shape } {
  if (t.shape.length !== 1 && t.shape.length !== 2) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'${arg}' must be a batch of vectors [N, D] or one vector [D]; received shape ${fmtShape(t.shape)}`,
      arg,
    );
  }
  checkNonEmpty(fn, arg, t);
  const lossShape = t.shape.slice(0, -1);
  return { rows: sizeOf(lossShape), D: t.shape[t.shape.length - 1], lossShape };
}

/**
 * A required per-batch input of `yPred`'s shape (`input2`, `positive`, `negative`). Its
 * finiteness is checked lazily: a non-finite value always makes the kernel's sum NaN (the
 * triplet kernels poison it on a non-finite distance), and the constructor then names it.
 */
function requiredInput(
  fn: string,
  name: 'input2' | 'positive' | 'negative',
  value: TensorInput | undefined,
  like: Tensor,
): Tensor {
  if (value === undefined) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option '${name}' (a tensor of shape ${fmtShape(like.shape)}, like 'yPred') is required; received undefined`,
      name,
    );
  }
  const t = tensor(value, undefined, fn, name);
  checkSameShape(fn, t, name, like, 'yPred');
  return t;
}

// ---------------------------------------------------------------------------------------------
// cosineEmbedding

/** PyTorch's guard added to each squared norm (`EPSILON` in ATen's `Loss.cpp`). */
const COSINE_EMBEDDING_EPS = 1e-12;

/** The arguments of {@link cosineEmbeddingKernel}. */
export interface CosineEmbeddingArgs {
  /** Number of rows and their length. */
  rows: number;
  D: number;
  /** Targets (±1), one per row. */
  y: FloatArray;
  /** The two inputs `[rows, D]`. */
  a: FloatArray;
  b: FloatArray;
  margin: number;
  /** Per-row weights (sample weights folded with the reduction's), or `null` for all 1. */
  w: Float64Array | null;
  /** The factor every gradient is multiplied by. */
  scale: number;
  /** Per-row output `wᵣ·lᵣ`, or `null`. */
  out: Float64Array | null;
  /** Gradients w.r.t. `a` and `b`, or `null`. */
  ga: Float64Array | null;
  gb: Float64Array | null;
}

/**
 * Row kernel of the cosine embedding loss. `cos = a·b / sqrt((|a|² + 1e-12)(|b|² + 1e-12))`;
 * `l = 1 − cos` (y = 1) or `max(0, cos − margin)` (y = −1). Returns `Σ sᵣ·lᵣ`.
 */
export function cosineEmbeddingKernel({
  rows,
  D,
  y,
  a,
  b,
  margin,
  w,
  scale,
  out,
  ga,
  gb,
}: CosineEmbeddingArgs): number {
  let total = 0;
  for (let r = 0, o = 0; r < rows; r++, o += D) {
    let s = 0;
    let A = 0;
    let B = 0;
    for (let k = o, e = o + D; k < e; k++) {
      const ak = a[k];
      const bk = b[k];
      s += ak * bk;
      A += ak * ak;
      B += bk * bk;
    }
    A += COSINE_EMBEDDING_EPS;
    B += COSINE_EMBEDDING_EPS;
    const den = Math.sqrt(A * B);
    const cos = s / den;
    const wr = w === null ? 1 : w[r];
    let l: number;
    let dcos: number;
    if (y[r] === 1) {
      l = 1 - cos;
      dcos = -1;
    } else {
      const z = cos - margin;
      l = z < 0 ? 0 : z;
      dcos = z >= 0 ? 1 : 0; // clamp_min passes the gradient at z == 0
    }
    total += wr * l;
    if (out !== null) out[r] = wr * l;
    if (ga !== null && gb !== null) {
      const g = scale * wr * dcos;
      // ∂cos/∂a = b/den − cos·a/A,  ∂cos/∂b = a/den − cos·b/B
      const gd = g / den;
      const gA = (g * cos) / A;
      const gB = (g * cos) / B;
      for (let k = o, e = o + D; k < e; k++) {
        ga[k] = gd * b[k] - gA * a[k];
        gb[k] = gd * a[k] - gB * b[k];
      }
    }
  }
  return total;
}

/**
 * Cosine embedding loss: pull pairs together (`y = 1`) or push their cosine below `margin`
 * (`y = −1`).
 *
 * `cos = x1·x2 / sqrt((‖x1‖² + ε)(‖x2‖² + ε))` with PyTorch's `ε = 1e-12` guard on each squared
 * norm (so zero vectors give `cos = 0`, never NaN); `l = 1 − cos` if `y = 1`,
 * `max(0, cos − margin)` if `y = −1`.
 *
 * - Arguments: `yTrue` = `y` (±1, checked) of shape `[N]` (or `[]`), `yPred` = `x1` `[N, D]`
 *   (or `[D]`), option `input2` = `x2` of `yPred`'s shape.
 * - Options: `margin` (default 0), `reduction` (default `'mean'`, see `reduce.ts`), `sampleWeight`.
 *   `'none'` returns `[N]`.
 * - Gradients: `grad` w.r.t. `x1`, `extraGrads.input2` w.r.t. `x2`.
 * - Equivalents: PyTorch `F.cosine_embedding_loss(x1, x2, y)` / `nn.CosineEmbeddingLoss`.
 *
 * @example cosineEmbedding([1, -1], [[1, 0], [1, 0]], { input2: [[1, 1], [0, 1]] }) // ≈ (1 − 0.7071 + 0) / 2
 */
export const cosineEmbedding = /* @__PURE__ */ loss({
  name: 'cosineEmbedding',
  options: { margin: /* @__PURE__ */ num({ default: 0 }), input2: /* @__PURE__ */ tensorOption() },
  meta: { input: 'embeddings', target: 'signs', meanDenominator: 'count', batchInputs: ['input2'] },
  domains: { yTrue: 'sign' },
  layout: {
    kind: 'prepared',
    prepare: ({ fn, options, yTrue, yPred }): Prepared => {
      const { rows, D, lossShape } = rowsOf(fn, yPred, 'yPred');
      const input2 = requiredInput(fn, 'input2', options.input2, yPred);
      if (!shapesEqual(yTrue.shape, lossShape)) {
        throw new LosskitError(
          'SHAPE_MISMATCH',
          fn,
          `'yTrue' has shape ${fmtShape(yTrue.shape)} but 'yPred' has shape ${fmtShape(yPred.shape)}; expected one target per vector, shape ${fmtShape(lossShape)}`,
          'yTrue',
        );
      }
      return {
        lossShape,
        // A non-finite input2 always gives cos = NaN (its squared norm is infinite).
        explain: [['input2', input2]],
        extraGrads: [['input2', input2]],
        gradWrites: 'accumulate',
        run: (plan, ga, [gb = null]) => {
          const out = plan.reduction === 'none' ? new Float64Array(rows) : null;
          const sum = cosineEmbeddingKernel({
            rows,
            D,
            y: yTrue.data,
            a: yPred.data,
            b: input2.data,
            margin: options.margin,
            w: plan.weights,
            scale: plan.gradScale,
            out,
            ga,
            gb,
          });
          return { sum, perElement: out };
        },
      };
    },
  },
});

// ---------------------------------------------------------------------------------------------
// tripletMargin

/** A p-norm distance `‖x1 − x2 + eps‖_p` on rows of length `D` (PyTorch's `pairwise_distance`). */
interface PNorm {
  p: number;
  eps: number;
  D: number;
}

/** Two row-major inputs and the gradient buffers of each (for {@link addPnormGrad}). */
interface Pair {
  x1: FloatArray;
  x2: FloatArray;
  g1: Float64Array | null;
  g2: Float64Array | null;
}

/** `‖x1[o..o+D) − x2[o..o+D) + eps‖_p` (PyTorch's `pairwise_distance`). */
function pnormDiff({ p, eps, D }: PNorm, x1: FloatArray, x2: FloatArray, o: number): number {
  let s = 0;
  if (p === 2) {
    for (let k = o, e = o + D; k < e; k++) {
      const u = x1[k] - x2[k] + eps;
      s += u * u;
    }
    return Math.sqrt(s);
  }
  if (p === 1) {
    for (let k = o, e = o + D; k < e; k++) s += Math.abs(x1[k] - x2[k] + eps);
    return s;
  }
  // Other p: scaled by the largest |u| so that |u|^p cannot overflow or underflow (a huge p
  // tends to the max-norm, as it should); the same value as (Σ|u|^p)^(1/p) up to rounding.
  let m = 0;
  for (let k = o, e = o + D; k < e; k++) {
    const a = Math.abs(x1[k] - x2[k] + eps);
    if (a > m) m = a;
  }
  if (m === 0 || m === Infinity) return m;
  for (let k = o, e = o + D; k < e; k++) s += (Math.abs(x1[k] - x2[k] + eps) / m) ** p;
  return m * s ** (1 / p);
}

/**
 * Adds `g·∂d/∂x1` to `g1` and `−g·∂d/∂x1` (= `g·∂d/∂x2`) to `g2` of `pair`, for
 * `d = ‖x1 − x2 + eps‖_p` on the row at `o`:
 * `∂d/∂x1_k = sign(u_k)·(|u_k| / d)^(p−1)` (0 when `d = 0`, as PyTorch's norm backward).
 */
function addPnormGrad({ p, eps, D }: PNorm, { x1, x2, g1: gx1, g2: gx2 }: Pair, o: number, d: number, g: number): void {
  if (d === 0 || g === 0 || gx1 === null || gx2 === null) return;
  if (p === 2) {
    const f = g / d;
    for (let k = o, e = o + D; k < e; k++) {
      const v = f * (x1[k] - x2[k] + eps);
      gx1[k] += v;
      gx2[k] -= v;
    }
  } else if (p === 1) {
    for (let k = o, e = o + D; k < e; k++) {
      const u = x1[k] - x2[k] + eps;
      const v = u > 0 ? g : u < 0 ? -g : 0;
      gx1[k] += v;
      gx2[k] -= v;
    }
  } else {
    // g·sign(u)·(|u|/d)^(p−1): the ratio is at most 1 for p ≥ 1, so no overflow for a huge p.
    for (let k = o, e = o + D; k < e; k++) {
      const u = x1[k] - x2[k] + eps;
      const v = u === 0 ? 0 : g * Math.sign(u) * (Math.abs(u) / d) ** (p - 1);
      gx1[k] += v;
      gx2[k] -= v;
    }
  }
}

/** The arguments of {@link tripletMarginKernel}. */
export interface TripletMarginArgs {
  /** Number of rows and their length. */
  rows: number;
  D: number;
  /** Anchor, positive and negative, `[rows, D]`. */
  a: FloatArray;
  pos: FloatArray;
  neg: FloatArray;
  margin: number;
  /** Norm degree and the `eps` added to differences. */
  p: number;
  eps: number;
  swap: boolean;
  /** Per-row weights (sample weights folded with the reduction's), or `null` for all 1. */
  w: Float64Array | null;
  /** The factor every gradient is multiplied by. */
  scale: number;
  /** Per-row output `wᵣ·lᵣ`, or `null`. */
  out: Float64Array | null;
  /** Gradients w.r.t. anchor, positive and negative, or `null`. */
  ga: Float64Array | null;
  gp: Float64Array | null;
  gn: Float64Array | null;
}

/**
 * Row kernel of the triplet margin loss: `l = max(0, margin + d(a, p) − d(a, n))` with
 * `d(x, y) = ‖x − y + eps‖_p`, and with `swap`, `d(a, n)` replaced by `min(d(a, n), d(p, n))`
 * (a tie splits the gradient in halves, as `torch.min`). Gradient buffers are zero-filled first.
 * Returns `Σ wᵣ·lᵣ`, or NaN when a distance is not finite.
 */
export function tripletMarginKernel(args: TripletMarginArgs): number {
  const { rows, D, a, pos, neg, margin, swap, w, scale, out, ga, gp, gn } = args;
  const norm: PNorm = { p: args.p, eps: args.eps, D };
  const ap: Pair = { x1: a, x2: pos, g1: ga, g2: gp };
  const an: Pair = { x1: a, x2: neg, g1: ga, g2: gn };
  const pn: Pair = { x1: pos, x2: neg, g1: gp, g2: gn };
  let total = 0;
  let poison = 0; // stays 0 unless a distance is NaN or ±Infinity (which the hinge could hide)
  const wantGrad = ga !== null && gp !== null && gn !== null;
  if (wantGrad) {
    ga.fill(0);
    gp.fill(0);
    gn.fill(0);
  }
  for (let r = 0, o = 0; r < rows; r++, o += D) {
    const dp = pnormDiff(norm, a, pos, o);
    const dan = pnormDiff(norm, a, neg, o);
    let dn = dan;
    let wAn = 1; // share of the d(a, n) branch in min(d(a,n), d(p,n))
    let ds = 0;
    if (swap) {
      ds = pnormDiff(norm, pos, neg, o);
      if (ds < dan) {
        dn = ds;
        wAn = 0;
      } else if (ds === dan) wAn = 0.5;
    }
    poison += (dp + dan + ds) * 0;
    const z = margin + dp - dn;
    const l = z < 0 ? 0 : z;
    const wr = w === null ? 1 : w[r];
    total += wr * l;
    if (out !== null) out[r] = wr * l;
    if (wantGrad && z >= 0) {
      const g = scale * wr;
      addPnormGrad(norm, ap, o, dp, g);
      if (wAn > 0) addPnormGrad(norm, an, o, dan, -g * wAn);
      if (wAn < 1) addPnormGrad(norm, pn, o, ds, -g * (1 - wAn));
    }
  }
  return total + poison;
}

/** Anchor rows, and the required `positive` / `negative` of its shape. */
function tripletInputs(
  fn: string,
  anchor: Tensor,
  options: { positive: TensorInput | undefined; negative: TensorInput | undefined },
): { positive: Tensor; negative: Tensor; rows: number; D: number; lossShape: Shape } {
  const { rows, D, lossShape } = rowsOf(fn, anchor, 'yPred');
  const positive = requiredInput(fn, 'positive', options.positive, anchor);
  const negative = requiredInput(fn, 'negative', options.negative, anchor);
  return { positive, negative, rows, D, lossShape };
}

/** A non-finite loss from finite inputs and a built-in distance: the distances overflowed float64. */
function distanceOverflow(fn: string): never {
  throw new LosskitError(
    'NON_FINITE',
    fn,
    `the loss is not finite although every input is: the distances (or weighted losses) overflow float64; expected embeddings whose distances fit in float64`,
    'yPred',
  );
}

/** What both triplet kernels take besides their own options (margin, distance, …). */
type TripletRowArgs = Pick<
  TripletMarginArgs,
  'rows' | 'D' | 'a' | 'pos' | 'neg' | 'w' | 'scale' | 'out' | 'ga' | 'gp' | 'gn'
>;

/**
 * The prepare step both triplet losses share: checks the inputs, declares the positive /
 * negative gradients (allocated by the constructor) and per call allocates the `'none'` output
 * and runs `kernel`.
 */
function tripletPrepared(
  fn: string,
  anchor: Tensor,
  options: { positive: TensorInput | undefined; negative: TensorInput | undefined },
  kernel: (args: TripletRowArgs) => number,
): Prepared {
  const { positive, negative, rows, D, lossShape } = tripletInputs(fn, anchor, options);
  return {
    lossShape,
    explain: [
      ['positive', positive],
      ['negative', negative],
    ],
    extraGrads: [
      ['positive', positive],
      ['negative', negative],
    ],
    gradWrites: 'accumulate',
    run: (plan, ga, [gp = null, gn = null]) => {
      const out = plan.reduction === 'none' ? new Float64Array(rows) : null;
      const sum = kernel({
        rows,
        D,
        a: anchor.data,
        pos: positive.data,
        neg: negative.data,
        w: plan.weights,
        scale: plan.gradScale,
        out,
        ga,
        gp,
        gn,
      });
      return { sum, perElement: out };
    },
  };
}

/**
 * Triplet margin loss: the anchor should be closer to the positive than to the negative by at
 * least `margin`.
 *
 * `l = max(0, margin + d(a, p) − d(a, n))`, `d(x, y) = ‖x − y + eps‖_p` (PyTorch's
 * `pairwise_distance`: `eps` is added to the difference). With `swap` (Balntas et al. 2016),
 * `d(a, n)` becomes `min(d(a, n), d(p, n))`. The gradient passes where `z >= 0` (PyTorch's
 * `clamp_min`).
 *
 * - Arguments: `yTrue` is ignored (pass `null`); `yPred` = anchor `[N, D]` (or `[D]`); options
 *   `positive`, `negative` of the same shape.
 * - Options: `margin` (default 1), `p` (norm degree > 0, default 2), `eps` (default 1e-6),
 *   `swap` (default false), `reduction` (default `'mean'`, see `reduce.ts`), `sampleWeight`.
 *   `'none'` returns `[N]`.
 * - Gradients: `grad` w.r.t. the anchor, `extraGrads.positive`, `extraGrads.negative`.
 * - Equivalents: PyTorch `F.triplet_margin_loss(anchor, positive, negative)` /
 *   `nn.TripletMarginLoss`.
 *
 * @example tripletMargin(null, [[0, 0]], { positive: [[3, 4]], negative: [[1, 0]], eps: 0 }) // 1 + 5 − 1 = 5
 */
export const tripletMargin = /* @__PURE__ */ loss({
  name: 'tripletMargin',
  options: {
    positive: /* @__PURE__ */ tensorOption(),
    negative: /* @__PURE__ */ tensorOption(),
    margin: /* @__PURE__ */ num({ default: 1 }),
    p: /* @__PURE__ */ num({ gt: 0, default: 2 }),
    eps: /* @__PURE__ */ num({ default: 1e-6 }),
    swap: /* @__PURE__ */ bool(false),
  },
  meta: TRIPLET,
  target: 'optional',
  domains: { yTrue: 'own' },
  blame: ({ fn }) => distanceOverflow(fn),
  layout: {
    kind: 'prepared',
    prepare: ({ fn, options, yPred: anchor }): Prepared =>
      tripletPrepared(fn, anchor, options, (rowArgs) =>
        tripletMarginKernel({ ...rowArgs, margin: options.margin, p: options.p, eps: options.eps, swap: options.swap }),
      ),
  },
});

// ---------------------------------------------------------------------------------------------
// tripletMarginWithDistance

/**
 * PyTorch's `pairwise_distance(a, b, p, eps)` = `‖a − b + eps‖_p` as a {@link DistanceFunction}.
 *
 * @example pairwiseDistanceFunction(2, 0)(Float64Array.of(0, 0), Float64Array.of(3, 4), null, null) // 5
 */
export function pairwiseDistanceFunction(p = 2, eps = 1e-6): DistanceFunction {
  const norm: PNorm = { p, eps, D: 0 };
  return (a, b, gradA, gradB) => {
    norm.D = a.length;
    const d = pnormDiff(norm, a, b, 0);
    if (gradA !== null && gradB !== null) addPnormGrad(norm, { x1: a, x2: b, g1: gradA, g2: gradB }, 0, d, 1);
    return d;
  };
}

/**
 * `1 − cosine_similarity(a, b)` with PyTorch's `F.cosine_similarity` guard (1.13): each norm is
 * clamped below at `eps` (default 1e-8), `cos = a·b / (max(‖a‖, eps)·max(‖b‖, eps))`.
 *
 * @example cosineDistanceFunction()(Float64Array.of(1, 0), Float64Array.of(0, 1), null, null) // 1
 */
export function cosineDistanceFunction(eps = 1e-8): DistanceFunction {
  return (a, b, gradA, gradB) => {
    const D = a.length;
    let s = 0;
    let A = 0;
    let B = 0;
    for (let k = 0; k < D; k++) {
      s += a[k] * b[k];
      A += a[k] * a[k];
      B += b[k] * b[k];
    }
    const na = Math.sqrt(A);
    const nb = Math.sqrt(B);
    const ca = na > eps ? na : eps;
    const cb = nb > eps ? nb : eps;
    const cos = s / (ca * cb);
    if (gradA !== null && gradB !== null) {
      // d(1 − cos): −b/(ca·cb) + cos·a/na² where the norm is not clamped (a clamped norm is constant).
      const f = 1 / (ca * cb);
      const fa = na > eps ? cos / (na * na) : 0;
      const fb = nb > eps ? cos / (nb * nb) : 0;
      for (let k = 0; k < D; k++) {
        gradA[k] += fa * a[k] - f * b[k];
        gradB[k] += fb * b[k] - f * a[k];
      }
    }
    return 1 - cos;
  };
}

type DistanceKind = 'pairwise' | 'cosine' | DistanceFunction;

function parseDistance(fn: string, name: string, df: unknown): DistanceKind {
  if (typeof df === 'function' || df === 'pairwise' || df === 'cosine') return df as DistanceKind;
  throw new LosskitError(
    'INVALID_OPTION',
    fn,
    `option 'distanceFunction' must be 'pairwise', 'cosine' or a function (a, b, gradA, gradB) => number; received ${describe(df)}`,
    name,
  );
}

/** The distance of a call, from `distanceFunction` and the `p` / `eps` that only some kinds take. */
function resolveDistance(
  fn: string,
  options: { distanceFunction: DistanceKind; p: number | undefined; eps: number | undefined },
): DistanceFunction {
  const { distanceFunction: df, p, eps } = options;
  if (typeof df === 'function') {
    for (const [k, v] of [
      ['p', p],
      ['eps', eps],
    ] as const) {
      if (v !== undefined) {
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option '${k}' only applies to distanceFunction 'pairwise'; received ${k} = ${describe(v)} with a custom distance function`,
          k,
        );
      }
    }
    return df;
  }
  if (df === 'pairwise') return pairwiseDistanceFunction(p ?? 2, eps ?? 1e-6);
  if (p !== undefined) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'p' only applies to distanceFunction 'pairwise'; received p = ${describe(p)} with 'cosine'`,
      'p',
    );
  }
  return cosineDistanceFunction(eps === undefined ? 1e-8 : checkNumberOption(fn, 'eps', eps, { gt: 0 }));
}

/** Row view helper: `x[o..o+D)` without copying. */
function row(x: FloatArray, o: number, D: number): FloatArray {
  return x.subarray(o, o + D);
}

/** The arguments of {@link tripletDistanceKernel}. */
interface TripletDistanceArgs {
  rows: number;
  D: number;
  a: FloatArray;
  pos: FloatArray;
  neg: FloatArray;
  dist: DistanceFunction;
  margin: number;
  swap: boolean;
  w: Float64Array | null;
  scale: number;
  out: Float64Array | null;
  ga: Float64Array | null;
  gp: Float64Array | null;
  gn: Float64Array | null;
}

/** Row kernel of {@link tripletMarginWithDistance} (any distance); returns `Σ wᵣ·lᵣ`, or NaN when a distance is not finite. */
function tripletDistanceKernel(args: TripletDistanceArgs): number {
  const { rows, D, a, pos: pd, neg: nd, dist, margin, swap, w, scale, out, ga, gp, gn } = args;
  if (ga !== null) ga.fill(0);
  // Scratch gradients of the three distances (each w.r.t. both of its arguments).
  const s = ga !== null ? Array.from({ length: 6 }, () => new Float64Array(D)) : null;
  let total = 0;
  let poison = 0; // stays 0 unless a distance is NaN or ±Infinity
  for (let r = 0, o = 0; r < rows; r++, o += D) {
    if (s !== null) for (const b of s) b.fill(0);
    const dp = dist(row(a, o, D), row(pd, o, D), s && s[0], s && s[1]);
    const dan = dist(row(a, o, D), row(nd, o, D), s && s[2], s && s[3]);
    let dn = dan;
    let wAn = 1;
    let ds = 0;
    if (swap) {
      ds = dist(row(pd, o, D), row(nd, o, D), s && s[4], s && s[5]);
      if (ds < dan) {
        dn = ds;
        wAn = 0;
      } else if (ds === dan) wAn = 0.5;
    }
    poison += (dp + dan + ds) * 0;
    const z = margin + dp - dn;
    const l = z < 0 ? 0 : z;
    const wr = w === null ? 1 : w[r];
    total += wr * l;
    if (out !== null) out[r] = wr * l;
    if (s !== null && ga !== null && gp !== null && gn !== null && z >= 0) {
      const g = scale * wr;
      const gAn = g * wAn;
      const gPn = g * (1 - wAn);
      for (let k = 0; k < D; k++) {
        ga[o + k] += g * s[0][k] - gAn * s[2][k];
        gp[o + k] += g * s[1][k] - gPn * s[4][k];
        gn[o + k] += -gAn * s[3][k] - gPn * s[5][k];
      }
    }
  }
  return total + poison;
}

/**
 * Triplet margin loss with any distance: `l = max(0, margin + d(a, p) − d(a, n))`, with `swap`
 * using `min(d(a, n), d(p, n))`.
 *
 * - `distanceFunction`: `'pairwise'` (default, PyTorch's `pairwise_distance` with options `p`
 *   (default 2) and `eps` (default 1e-6)), `'cosine'` (`1 − cosine_similarity`, option `eps`
 *   default 1e-8 — PyTorch's documented `lambda x, y: 1.0 - F.cosine_similarity(x, y)`), or a
 *   {@link DistanceFunction} `(a, b, gradA, gradB) => number` called once per row pair, which must
 *   add `∂d/∂a`, `∂d/∂b` into `gradA`, `gradB` when they are not null (for `valueAndGrad`).
 * - Arguments, shapes, other options and gradients: as {@link tripletMargin}
 *   (`margin` default 1, `swap` default false).
 * - Equivalents: PyTorch `F.triplet_margin_with_distance_loss` / `nn.TripletMarginWithDistanceLoss`.
 *
 * @example tripletMarginWithDistance(null, [[1, 0]], { positive: [[1, 1]], negative: [[0, 1]], distanceFunction: 'cosine' })
 */
export const tripletMarginWithDistance = /* @__PURE__ */ loss({
  name: 'tripletMarginWithDistance',
  options: {
    positive: /* @__PURE__ */ tensorOption(),
    negative: /* @__PURE__ */ tensorOption(),
    distanceFunction: /* @__PURE__ */ valueOption(parseDistance),
    margin: /* @__PURE__ */ num({ default: 1 }),
    swap: /* @__PURE__ */ bool(false),
    p: /* @__PURE__ */ num({ gt: 0 }),
    eps: /* @__PURE__ */ num(),
  },
  meta: TRIPLET,
  target: 'optional',
  domains: { yTrue: 'own' },
  blame: ({ fn, options }) => {
    if (typeof options.distanceFunction === 'function') {
      throw new LosskitError(
        'NON_FINITE',
        fn,
        `the distance function returned NaN or ±Infinity for finite inputs; expected a finite number (check 'distanceFunction')`,
        'distanceFunction',
      );
    }
    distanceOverflow(fn);
  },
  layout: {
    kind: 'prepared',
    prepare: ({ fn, options, yPred: anchor }): Prepared => {
      const dist = resolveDistance(fn, {
        distanceFunction: options.distanceFunction ?? 'pairwise',
        p: options.p,
        eps: options.eps,
      });
      return tripletPrepared(fn, anchor, options, (rowArgs) =>
        tripletDistanceKernel({ ...rowArgs, dist, margin: options.margin, swap: options.swap }),
      );
    },
  },
});

export const embeddingLosses: LossEntry[] = [
  {
    name: 'cosineEmbedding',
    fn: cosineEmbedding,
    description:
      'Cosine embedding: 1 − cos(x1, x2) for y = 1, max(0, cos − margin) for y = −1 — PyTorch cosine_embedding_loss',
    aliases: [
      { name: 'cosine_embedding_loss', dialect: 'pytorch' },
      { name: 'CosineEmbeddingLoss', dialect: 'pytorch' },
    ],
  },
  {
    name: 'tripletMargin',
    fn: tripletMargin,
    description: 'Triplet margin max(0, margin + ‖a − p‖ − ‖a − n‖) (p-norm, swap) — PyTorch triplet_margin_loss',
    aliases: [
      { name: 'triplet_margin_loss', dialect: 'pytorch' },
      { name: 'TripletMarginLoss', dialect: 'pytorch' },
    ],
  },
  {
    name: 'tripletMarginWithDistance',
    fn: tripletMarginWithDistance,
    description:
      'Triplet margin with a distance function (pairwise, cosine or custom) — PyTorch triplet_margin_with_distance_loss',
    aliases: [
      { name: 'triplet_margin_with_distance_loss', dialect: 'pytorch' },
      { name: 'TripletMarginWithDistanceLoss', dialect: 'pytorch' },
    ],
  },
];
