/**
 * Binary losses: cross-entropy on probabilities and on logits, log loss, sigmoid focal loss,
 * hinge and squared hinge. Each is an element-wise kernel (value and gradient in one fused
 * pass); reductions and sample weights are the shared reducer's (see `reduce.ts`).
 */
import { LosskitError, describe, fmtShape } from '../errors.js';
import type { FloatArray, Tensor, TensorInput } from '../tensor.js';
import { broadcastShapes, broadcastTo, tensor } from '../tensor.js';
import { checkFinite, checkNumberOption, fmtIndex } from '../validate.js';
import type { ElementwiseKernel, LossMeta, OptionSpec } from './define.js';
import { bindKernel, bool, loss, num, tensorOption } from './define.js';
import {
  KERAS_BCE,
  KERAS_BINARY_FOCAL,
  KERAS_ELEMENTWISE as KERAS_DEFAULTS,
  TORCHVISION_FOCAL,
  TFJS_CORE,
} from './dialects.js';
import type { LossEntry } from './registry-types.js';
import {
  SOFTPLUS_H,
  SOFTPLUS_MIN,
  SOFTPLUS_STEPS,
  SOFTPLUS_TABLE,
  sigmoidNonPositive,
  softplusNonPositive,
} from '../softplus.js';
import { wasmTwin } from '../wasm/dispatch.js';

/** What every binary loss is: targets in [0, 1] (hinge: ±1 or 0/1), the plain mean. */
const BINARY = (input: 'probabilities' | 'logits'): LossMeta => ({ input, target: 'binary', meanDenominator: 'count' });

/**
 * An element-wise weight option (`weight`, `posWeight`) broadcast to `yPred`'s shape (NumPy
 * rules, one-directional as PyTorch: the weight may not enlarge the input), or `null` if absent.
 */
function elementWeight(
  fn: string,
  name: string,
  value: TensorInput | undefined,
  yPred: Tensor,
  nonNegative: boolean,
): Float64Array | null {
  if (value === undefined) return null;
  const t = tensor(value, undefined, fn, name);
  checkFinite(fn, name, t);
  if (nonNegative) {
    for (let i = 0; i < t.data.length; i++) {
      if (t.data[i] < 0) {
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option '${name}' must hold values >= 0; received ${describe(t.data[i])} at index ${fmtIndex(i, t.shape)}`,
          name,
        );
      }
    }
  }
  const b = broadcastShapes(yPred.shape, t.shape);
  if (b === null || b.length !== yPred.shape.length || b.some((d, i) => d !== yPred.shape[i])) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `option '${name}' has shape ${fmtShape(t.shape)}, which does not broadcast to 'yPred' of shape ${fmtShape(yPred.shape)}; expected a number or a shape that broadcasts to it (e.g. ${fmtShape(yPred.shape.slice(-1))} for one value per class)`,
      name,
    );
  }
  return broadcastTo(t.data, t.shape, yPred.shape);
}

/** Keras label smoothing: targets become `y(1 − ls) + ls/2`. */
const labelSmoothing = (): OptionSpec<number, number> => /* @__PURE__ */ num({ min: 0, max: 1, default: 0 });

// ---------------------------------------------------------------------------------------------
// Cross-entropy on logits.
// ---------------------------------------------------------------------------------------------

interface LogitsParams {
  /** Element weights (PyTorch `weight`), broadcast to yPred; null = 1. */
  weight: Float64Array | null;
  /** Positive-class weights (PyTorch `pos_weight`), broadcast to yPred; null = 1. */
  posWeight: Float64Array | null;
  /** Label smoothing: targets become `y(1 − ls) + ls/2`. */
  ls: number;
}

/**
 * Fast path of {@link logitsKernel}: no weights of any kind, no per-element output.
 * `l = max(x, 0) − x·y + softplus(−|x|)` and `g = σ(x) − y`, with `softplus(−|x|)` and
 * `σ(−|x|)` read from one node of the softplus table (`softplus.ts`: no `exp`, `log1p` or
 * division per element, within a few ulps of `Math.log1p(Math.exp(t))`).
 */
function logitsPlain(n: number, yTrue: FloatArray, yPred: FloatArray, scale: number, grad: FloatArray | null): number {
  const c = SOFTPLUS_TABLE;
  let s0 = 0;
  // The targets' range: one outside [0, 1] is flagged by a NaN sum (see kernelFlags; a NaN target
  // makes s0 NaN by itself). y·(1 − y) >= 0 exactly on [0, 1]: one branch-free min per element
  // (two compare-and-branch updates of a low and a high bound cost ~5% of this loop).
  let lo = 0;
  if (grad !== null) {
    for (let i = 0; i < n; i++) {
      const x = yPred[i];
      const y = yTrue[i];
      const t = x >= 0 ? -x : x;
      let sp: number;
      let st: number;
      if (t >= SOFTPLUS_MIN) {
        const k = (-t * SOFTPLUS_STEPS + 0.5) | 0;
        const h = t + k * SOFTPLUS_H;
        const o = k * 7;
        sp = c[o] + h * (c[o + 1] + h * (c[o + 2] + h * (c[o + 3] + h * (c[o + 4] + h * (c[o + 5] + h * c[o + 6])))));
        st =
          c[o + 1] +
          h * (2 * c[o + 2] + h * (3 * c[o + 3] + h * (4 * c[o + 4] + h * (5 * c[o + 5] + h * 6 * c[o + 6]))));
      } else {
        sp = Math.exp(t); // softplus(t) = σ(t) = eᵗ below −40 (and NaN stays NaN)
        st = sp;
      }
      s0 += (x > 0 ? x : 0) - x * y + sp;
      lo = Math.min(lo, y * (1 - y));
      // σ(x) and σ(−x) are st and 1 − st in the order of x's sign: g = (1 − y)·σ(x) − y·σ(−x)
      // = σ(x) − y without cancellation for hard labels (σ(x) − 1 would round −1e-22 to 0).
      grad[i] = scale * (x >= 0 ? (1 - y) * (1 - st) - y * st : (1 - y) * st - y * (1 - st));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const x = yPred[i];
      const t = x >= 0 ? -x : x;
      let sp: number;
      if (t >= SOFTPLUS_MIN) {
        const k = (-t * SOFTPLUS_STEPS + 0.5) | 0;
        const h = t + k * SOFTPLUS_H;
        const o = k * 7;
        sp = c[o] + h * (c[o + 1] + h * (c[o + 2] + h * (c[o + 3] + h * (c[o + 4] + h * (c[o + 5] + h * c[o + 6])))));
      } else sp = Math.exp(t);
      const y = yTrue[i];
      s0 += (x > 0 ? x : 0) - x * y + sp;
      lo = Math.min(lo, y * (1 - y));
    }
  }
  return lo < 0 ? NaN : s0;
}

/**
 * Kernel of binary cross-entropy on logits (PyTorch's `binary_cross_entropy_with_logits`):
 * `l = w·[(1 − y)·softplus(x) + pw·y·softplus(−x)]` with `softplus(±x) = max(±x, 0) +
 * log1p(exp(−|x|))` (PyTorch writes the same as `(1 − y)·x + (1 + (pw − 1)y)·softplus(−x)`, which
 * cancels to 0 for a confidently right logit); `g = w·[(1 − y)·σ(x) − pw·y·σ(−x)]`
 * (= `w·(σ(x) − y)` without `pw`). Finite for any finite logit (±1e9 included). Flags its inputs
 * (`kernelFlags`): a NaN / ±Infinity logit or target, or a target outside [0, 1], makes the sum NaN.
 */
const logitsJs: ElementwiseKernel<LogitsParams> = ({ n, yTrue, yPred, w, scale, out, grad, params: p }) => {
  const { weight, posWeight, ls } = p;
  if (w === null && out === null && weight === null && posWeight === null && ls === 0)
    return logitsPlain(n, yTrue, yPred, scale, grad);
  const a = 1 - ls;
  const b = 0.5 * ls;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const x = yPred[i];
    const yt = yTrue[i];
    if (!(yt >= 0 && yt <= 1)) s = NaN; // a target outside [0, 1] (or NaN): flagged, see kernelFlags
    const y = a * yt + b;
    const t = x >= 0 ? -x : x;
    const lp = softplusNonPositive(t); // log1p(exp(−|x|))
    const st = sigmoidNonPositive(t); // σ(−|x|)
    const sigPos = x >= 0 ? 1 - st : st; // σ(x)
    const sigNeg = x >= 0 ? st : 1 - st; // σ(−x)
    const py = posWeight === null ? y : posWeight[i] * y;
    const ew = (w === null ? 1 : w[i]) * (weight === null ? 1 : weight[i]);
    const l = ew * ((1 - y) * ((x > 0 ? x : 0) + lp) + py * ((x < 0 ? -x : 0) + lp));
    s += l;
    if (out !== null) out[i] = l;
    if (grad !== null) grad[i] = scale * ew * ((1 - y) * sigPos - py * sigNeg);
  }
  return s;
};
/** {@link logitsJs} with its WASM twin (src/wasm/dispatch.ts): float32 inputs without class or positive weights. */
export const logitsKernel = /* @__PURE__ */ wasmTwin(logitsJs, ({ weight, posWeight, ls }: LogitsParams) =>
  weight === null && posWeight === null ? { kind: 'bceLogits', params: [0, 1 - ls, 0.5 * ls] } : null,
);

// ---------------------------------------------------------------------------------------------
// Cross-entropy on probabilities.
// ---------------------------------------------------------------------------------------------

interface ProbParams {
  weight: Float64Array | null;
  ls: number;
  /**
   * - `'torch'`: PyTorch — each log clamped at −100; gradient `(p − y)/max(p(1 − p), 1e-12)`
   *   (PyTorch's own backward formula, which autograd returns).
   * - `'clip'`: Keras / scikit-learn — `p` clipped to `[eps, 1 − eps]`; zero gradient where
   *   clipped.
   * - `'add'`: tfjs `tf.losses.logLoss` — `−y·log(p + eps) − (1 − y)·log(1 − p + eps)`.
   */
  mode: 'torch' | 'clip' | 'add';
  eps: number;
}

/** Kernel of binary cross-entropy on probabilities; see {@link ProbParams} for the modes. */
const probJs: ElementwiseKernel<ProbParams> = ({
  n,
  yTrue,
  yPred,
  w,
  scale,
  out,
  grad,
  params: { weight, ls, mode, eps },
}) => {
  const a = 1 - ls;
  const b = 0.5 * ls;
  const lo = eps;
  const hi = 1 - eps;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const p = yPred[i];
    const y = a * yTrue[i] + b;
    const ew = (w === null ? 1 : w[i]) * (weight === null ? 1 : weight[i]);
    let l: number;
    let g: number;
    if (mode === 'torch') {
      const lp = Math.log(p);
      const lq = Math.log1p(-p);
      l = -(y * (lp > -100 ? lp : -100) + (1 - y) * (lq > -100 ? lq : -100));
      const v = p * (1 - p);
      g = (p - y) / (v > 1e-12 ? v : 1e-12);
    } else if (mode === 'clip') {
      const pc = p < lo ? lo : p > hi ? hi : p;
      l = -(y * Math.log(pc) + (1 - y) * Math.log1p(-pc));
      g = p < lo || p > hi ? 0 : (pc - y) / (pc * (1 - pc));
    } else {
      const pe = p + eps;
      const qe = 1 - p + eps;
      l = -(y * Math.log(pe) + (1 - y) * Math.log(qe));
      g = -y / pe + (1 - y) / qe;
    }
    l *= ew;
    s += l;
    if (out !== null) out[i] = l;
    if (grad !== null) grad[i] = scale * ew * g;
  }
  return s;
};
/** {@link probJs} with its WASM twin (src/wasm/dispatch.ts): float32 inputs without weights, torch or clip mode. */
export const probKernel = /* @__PURE__ */ wasmTwin(probJs, ({ weight, ls, mode, eps }: ProbParams) =>
  weight !== null || mode === 'add'
    ? null
    : { kind: mode === 'torch' ? 'bceTorch' : 'bceClip', params: [mode === 'torch' ? 0 : eps, 1 - ls, 0.5 * ls] },
);

/**
 * Binary cross-entropy on probabilities.
 *
 * `lᵢ = −wᵢ·[yᵢ·log pᵢ + (1 − yᵢ)·log(1 − pᵢ)]` with `p = yPred`. By default PyTorch's numerics:
 * each log is clamped at −100 (so `p = 0` or `1` exactly gives a finite loss), and the gradient
 * is PyTorch's `w·(p − y)/max(p(1 − p), 1e-12)`. With `eps` set, `p` is clipped to
 * `[eps, 1 − eps]` first (Keras, scikit-learn) and the gradient is 0 where it was clipped.
 * With `fromLogits: true`, `yPred` holds logits and this is {@link binaryCrossEntropyWithLogits}.
 *
 * - Shapes: `yTrue`, `yPred` of one shape (any rank); `'none'` returns it (`shape[:-1]` with
 *   `meanOverLastAxis`). Targets may be soft (any value in [0, 1]).
 * - Options: `weight` (element weights broadcast to `yPred`, PyTorch), `reduction` (default
 *   `'mean'`, the plain mean: `weight` does not enter the denominator, as PyTorch),
 *   `sampleWeight`, `labelSmoothing` (targets become `y(1 − ls) + ls/2`, Keras), `eps` (clip,
 *   default none), `fromLogits` (default false), `meanOverLastAxis`.
 * - Errors: probabilities or targets outside [0, 1] → `OUT_OF_RANGE` (never silently clipped);
 *   NaN / ±Infinity → `NON_FINITE`.
 * - Equivalents: PyTorch `F.binary_cross_entropy` / `nn.BCELoss`; Keras `binary_crossentropy` /
 *   `BinaryCrossentropy` (registered with `eps: 1e-7`, mean over the last axis,
 *   `'sumOverBatchSize'`); tfjs-layers `'binaryCrossentropy'` (same; tfjs clips in float32 to
 *   [1e-7, 1 − 1e-7] then converts back to logits, so it agrees only to float32 precision).
 *
 * @example binaryCrossEntropy([1, 0], [0.9, 0.2]) // (−log 0.9 − log 0.8)/2 ≈ 0.16425
 * @example binaryCrossEntropy([1], [0]) // 100 (log clamped at −100, as PyTorch)
 */
export const binaryCrossEntropy = /* @__PURE__ */ loss({
  name: 'binaryCrossEntropy',
  options: {
    weight: /* @__PURE__ */ tensorOption(),
    labelSmoothing: /* @__PURE__ */ labelSmoothing(),
    eps: /* @__PURE__ */ num({ min: 0, max: 0.5 }),
    fromLogits: /* @__PURE__ */ bool(false),
  },
  meta: /* @__PURE__ */ BINARY('probabilities'),
  // Targets may be soft (any value in [0, 1]); probabilities are never silently clipped.
  domains: (o) => ({ yTrue: 'probability', yPred: o.fromLogits ? 'real' : 'probability' }),
  layout: {
    kind: 'elementwise',
    kernel: ({ fn, options: o, yPred }) => {
      const weight = elementWeight(fn, 'weight', o.weight, yPred, false);
      if (o.fromLogits) return bindKernel(logitsKernel, { weight, posWeight: null, ls: o.labelSmoothing });
      const mode = o.eps === undefined ? 'torch' : 'clip';
      return bindKernel(probKernel, { weight, ls: o.labelSmoothing, mode, eps: o.eps ?? 0 });
    },
  },
});

/**
 * Binary cross-entropy on logits (sigmoid + BCE fused, numerically stable).
 *
 * `lᵢ = −wᵢ·[pwᵢ·yᵢ·log σ(xᵢ) + (1 − yᵢ)·log(1 − σ(xᵢ))]`, computed as
 * `wᵢ·[(1 − yᵢ)·softplus(xᵢ) + pwᵢ·yᵢ·softplus(−xᵢ)]`, `softplus(±x) = max(±x, 0) +
 * log1p(e^{−|x|})`: finite value and gradient for any finite logit, ±1e9 included, and no
 * cancellation for a confidently right logit. Gradient `wᵢ·[(1 − yᵢ)·σ(xᵢ) − pwᵢ·yᵢ·σ(−xᵢ)]`
 * (`wᵢ·(σ(xᵢ) − yᵢ)` without `posWeight`). One `exp` and one `log1p` per element.
 *
 * - Shapes: `yTrue`, `yPred` of one shape; `'none'` returns it.
 * - Options: `weight` (element weights broadcast to `yPred`), `posWeight` (weight of positive
 *   targets, broadcast to `yPred`: a `[C]` vector weighs the classes of the last dimension, as
 *   PyTorch's `pos_weight`; ≥ 0), `reduction` (default `'mean'`), `sampleWeight`,
 *   `labelSmoothing` (`y(1 − ls) + ls/2`), `meanOverLastAxis`.
 * - Equivalents: PyTorch `F.binary_cross_entropy_with_logits` / `nn.BCEWithLogitsLoss`; Keras
 *   `BinaryCrossentropy(from_logits=True)` (use `getLoss('BinaryCrossentropy')` with
 *   `fromLogits: true`); tfjs `tf.losses.sigmoidCrossEntropy` (same label-smoothing form).
 *
 * @example binaryCrossEntropyWithLogits([1, 0], [2, -1]) // (log(1+e⁻²) + log(1+e⁻¹))/2 ≈ 0.22009
 * @example binaryCrossEntropyWithLogits([[1, 0]], [[0, 0]], { posWeight: [3, 1] }) // (3·log 2 + log 2)/2
 */
export const binaryCrossEntropyWithLogits = /* @__PURE__ */ loss({
  name: 'binaryCrossEntropyWithLogits',
  options: {
    weight: /* @__PURE__ */ tensorOption(),
    posWeight: /* @__PURE__ */ tensorOption(),
    labelSmoothing: /* @__PURE__ */ labelSmoothing(),
  },
  meta: /* @__PURE__ */ BINARY('logits'),
  // Every NaN / ±Infinity logit or target gives a NaN or infinite term (0·∞ included), and the
  // kernel makes the sum NaN for a target outside [0, 1]: no pass over the inputs before it.
  kernelFlags: ['real', 'probability'],
  domains: { yTrue: 'probability' },
  layout: {
    kind: 'elementwise',
    kernel: ({ fn, options: o, yPred }) =>
      bindKernel(logitsKernel, {
        weight: elementWeight(fn, 'weight', o.weight, yPred, false),
        posWeight: elementWeight(fn, 'posWeight', o.posWeight, yPred, true),
        ls: o.labelSmoothing,
      }),
  },
});

/**
 * Log loss on probabilities with ε-clipping — the seed's log loss.
 *
 * `lᵢ = −[yᵢ·log p̃ᵢ + (1 − yᵢ)·log(1 − p̃ᵢ)]`, `p̃ = clip(p, ε, 1 − ε)`; gradient
 * `(p̃ − y)/(p̃(1 − p̃))`, 0 where `p` was clipped. Default `ε = 1e-7` (Keras's `epsilon()`);
 * scikit-learn 1.2's `log_loss` uses `eps='auto'` = float64 machine epsilon (2.220446049250313e-16):
 * pass `eps: Number.EPSILON` to match it (binary labels, `sampleWeight` = its `sample_weight`).
 *
 * - Shapes: `yTrue`, `yPred` of one shape; `'none'` returns it.
 * - Options: `eps` (in [0, 0.5], default 1e-7), `reduction` (default `'mean'`), `sampleWeight`,
 *   `labelSmoothing`, `meanOverLastAxis`.
 * - Errors: probabilities outside [0, 1] → `OUT_OF_RANGE`.
 * - Equivalents: scikit-learn `log_loss` (binary, with its eps); Keras `binary_crossentropy`
 *   per element; tfjs `tf.losses.logLoss` is registered under that name with tfjs's different
 *   formula `−y·log(p + ε) − (1 − y)·log(1 − p + ε)` (ε = 1e-7). tfjs's default reduction
 *   divides a weighted sum by the number of non-zero weights; losskit's `'mean'` divides by the
 *   sum of the weights (equal without weights or with 0/1 weights).
 *
 * @example logLoss([1, 0], [1, 0.5]) // (−log(1 − 1e-7) + log 2)/2 ≈ 0.34657
 */
export const logLoss = /* @__PURE__ */ loss({
  name: 'logLoss',
  options: {
    eps: /* @__PURE__ */ num({ min: 0, max: 0.5, default: 1e-7 }),
    labelSmoothing: /* @__PURE__ */ labelSmoothing(),
  },
  meta: /* @__PURE__ */ BINARY('probabilities'),
  domains: { yTrue: 'probability', yPred: 'probability' },
  layout: {
    kind: 'elementwise',
    kernel: ({ options: o }) =>
      bindKernel(probKernel, { weight: null, ls: o.labelSmoothing, mode: 'clip', eps: o.eps }),
  },
});

/** tfjs `tf.losses.logLoss`: `−y·log(p + ε) − (1 − y)·log(1 − p + ε)`, ε = 1e-7. */
const tfjsLogLoss = /* @__PURE__ */ loss({
  name: 'tfjsLogLoss',
  options: { eps: /* @__PURE__ */ num({ gt: 0, default: 1e-7 }) },
  meta: /* @__PURE__ */ BINARY('probabilities'),
  domains: { yTrue: 'probability', yPred: 'probability' },
  layout: {
    kind: 'elementwise',
    kernel: ({ options: o }) => bindKernel(probKernel, { weight: null, ls: 0, mode: 'add', eps: o.eps }),
  },
});

// ---------------------------------------------------------------------------------------------
// Focal loss.
// ---------------------------------------------------------------------------------------------

interface FocalParams {
  logits: boolean;
  gamma: number;
  /** α of the positive class, or −1 for no α weighting. */
  alpha: number;
  ls: number;
  /** Probability inputs: clip to [eps, 1 − eps] (Keras) or, when 0, PyTorch's clamped logs. */
  eps: number;
}

/**
 * Kernel of the binary focal loss `l = αₜ·q^γ·ce`, with `q = 1 − pₜ = y(1 − p) + (1 − y)p`,
 * `αₜ = αy + (1 − α)(1 − y)`, `ce` the binary cross-entropy (stable logits form, or the clipped /
 * clamped probability form). Gradient: `αₜ·[q^γ·ce′ + γ·q^(γ−1)·q′·ce]`, `q′ = (1 − 2y)·p′`.
 */
const focalJs: ElementwiseKernel<FocalParams> = ({
  n,
  yTrue,
  yPred,
  w,
  scale,
  out,
  grad,
  params: { logits, gamma, alpha, ls, eps },
}) => {
  const a = 1 - ls;
  const b = 0.5 * ls;
  const lo = eps;
  const hi = 1 - eps;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const x = yPred[i];
    const y = a * yTrue[i] + b;
    let p: number; // σ(x) or the probability
    let pn: number; // 1 − p, computed without cancellation for logits
    let dp: number; // dp/dx (1 for probability inputs)
    let ce: number;
    let dce: number; // dce/dx
    if (logits) {
      const e = Math.exp(x >= 0 ? -x : x);
      const r = 1 / (1 + e);
      p = x >= 0 ? r : e * r;
      pn = x >= 0 ? e * r : r;
      dp = p * pn;
      ce = (x > 0 ? x : 0) - x * y + Math.log1p(e);
      dce = p - y;
    } else {
      p = x;
      pn = 1 - x;
      dp = 1;
      if (eps > 0) {
        const pc = x < lo ? lo : x > hi ? hi : x;
        ce = -(y * Math.log(pc) + (1 - y) * Math.log1p(-pc));
        dce = x < lo || x > hi ? 0 : (pc - y) / (pc * (1 - pc));
      } else {
        const lp = Math.log(x);
        const lq = Math.log1p(-x);
        ce = -(y * (lp > -100 ? lp : -100) + (1 - y) * (lq > -100 ? lq : -100));
        const v = x * (1 - x);
        dce = (x - y) / (v > 1e-12 ? v : 1e-12);
      }
    }
    const q = y * pn + (1 - y) * p;
    const qg = gamma === 0 ? 1 : Math.pow(q, gamma);
    // d(q^γ)/dq = γ·q^(γ−1); at q = 0 it is 0 for γ > 1 (and taken as 0 for γ ≤ 1, as autograd's
    // pow backward gives 0·∞ there only through ce = 0).
    const dqg = gamma === 0 || q === 0 ? 0 : gamma * Math.pow(q, gamma - 1);
    const at = alpha < 0 ? 1 : alpha * y + (1 - alpha) * (1 - y);
    const wi = w === null ? at : at * w[i];
    const l = wi * qg * ce;
    s += l;
    if (out !== null) out[i] = l;
    if (grad !== null) grad[i] = scale * wi * (qg * dce + dqg * (1 - 2 * y) * dp * ce);
  }
  return s;
};
/** {@link focalJs} with its WASM twin (src/wasm/dispatch.ts): float32 logits. */
export const focalKernel = /* @__PURE__ */ wasmTwin(focalJs, ({ logits, gamma, alpha, ls }: FocalParams) =>
  logits ? { kind: 'focal', params: [gamma, 1 - ls, 0.5 * ls, alpha] } : null,
);

/**
 * Sigmoid focal loss (Lin et al. 2017; torchvision `sigmoid_focal_loss`).
 *
 * `lᵢ = αₜ·(1 − pₜ)^γ·BCE(yᵢ, pᵢ)` with `p = σ(yPred)`, `pₜ = p·y + (1 − p)(1 − y)`,
 * `αₜ = α·y + (1 − α)(1 − y)`. The cross-entropy uses the stable logits form and `1 − pₜ` is
 * computed without cancellation, so huge logits stay finite. With `fromLogits: false` `yPred`
 * holds probabilities (Keras's `binary_focal_crossentropy`; clipped to `[eps, 1 − eps]` when
 * `eps` is set, else PyTorch's log clamp at −100).
 *
 * - Shapes: `yTrue`, `yPred` of one shape; `'none'` returns it.
 * - Options: `alpha` (default 0.25; `alpha < 0` disables α weighting, as torchvision), `gamma`
 *   (≥ 0, default 2), `applyClassBalancing` (Keras: apply α only when true; when unset, α is
 *   applied iff `alpha ≥ 0`), `fromLogits` (default **true**), `eps`, `labelSmoothing`,
 *   `reduction` (default `'mean'` — torchvision's default is `'none'`, which the
 *   `sigmoid_focal_loss` alias keeps), `sampleWeight`, `meanOverLastAxis`.
 * - Equivalents: torchvision `ops.sigmoid_focal_loss` (`getLoss('sigmoid_focal_loss')`,
 *   reduction `'none'`); Keras `binary_focal_crossentropy` / `BinaryFocalCrossentropy`
 *   (probabilities, `eps: 1e-7`, `applyClassBalancing: false`, mean over the last axis,
 *   `'sumOverBatchSize'`; with `fromLogits: true` losskit uses the stable logits form, as Keras's
 *   TensorFlow backend does, where the JAX / PyTorch backends clip `σ(x)`).
 *
 * @example sigmoidFocal([1], [0]) // 0.25 · 0.5² · log 2 ≈ 0.0433217
 */
export const sigmoidFocal = /* @__PURE__ */ loss({
  name: 'sigmoidFocal',
  options: {
    alpha: /* @__PURE__ */ num({ max: 1, default: 0.25 }),
    gamma: /* @__PURE__ */ num({ min: 0, default: 2 }),
    applyClassBalancing: /* @__PURE__ */ bool(),
    fromLogits: /* @__PURE__ */ bool(true),
    eps: /* @__PURE__ */ num({ min: 0, max: 0.5, default: 0 }),
    labelSmoothing: /* @__PURE__ */ labelSmoothing(),
  },
  meta: /* @__PURE__ */ BINARY('logits'),
  domains: (o) => ({ yTrue: 'probability', yPred: o.fromLogits ? 'real' : 'probability' }),
  layout: {
    kind: 'elementwise',
    kernel: ({ fn, options: o }) => {
      let alpha = o.alpha;
      // With class balancing asked for, α is a weight in [0, 1]; without it, α < 0 disables it.
      if (o.applyClassBalancing === true) checkNumberOption(fn, 'alpha', alpha, { min: 0, max: 1 });
      if (o.applyClassBalancing === false) alpha = -1;
      return bindKernel(focalKernel, {
        logits: o.fromLogits,
        gamma: o.gamma,
        alpha: alpha < 0 ? -1 : alpha,
        ls: o.labelSmoothing,
        eps: o.eps,
      });
    },
  },
});

// ---------------------------------------------------------------------------------------------
// Hinge losses.
// ---------------------------------------------------------------------------------------------

interface HingeParams {
  /** Labels in {0, 1}: use `2y − 1`. */
  convert: boolean;
  squared: boolean;
}

/**
 * Kernel of the hinge losses: `m = max(1 − t·ŷ, 0)` with `t = y` or `2y − 1`; `l = m` or `m²`;
 * `g = −t` (or `−2t·m`) where `m > 0`, 0 elsewhere (the kink takes the subgradient 0, as ReLU).
 */
export const hingeKernel: ElementwiseKernel<HingeParams> = ({
  n,
  yTrue,
  yPred,
  w,
  scale,
  out,
  grad,
  params: { convert, squared },
}) => {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const t = convert ? 2 * yTrue[i] - 1 : yTrue[i];
    const m0 = 1 - t * yPred[i];
    const m = m0 > 0 ? m0 : 0;
    const wi = w === null ? 1 : w[i];
    const l = wi * (squared ? m * m : m);
    s += l;
    if (out !== null) out[i] = l;
    if (grad !== null) grad[i] = m0 > 0 ? -scale * wi * t * (squared ? 2 * m : 1) : 0;
  }
  return s;
};

/**
 * Keras's label convention: labels all in {0, 1} are converted to {−1, 1}; labels all in
 * {−1, 1} are used as they are. Anything else is an `INVALID_LABEL` error (Keras would use
 * arbitrary values unconverted, and a 0 among ±1 labels silently as 0).
 */
function hingeLabels(fn: string, yTrue: Tensor): boolean {
  const d = yTrue.data;
  let zero = false;
  let minus = false;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v === 0) zero = true;
    else if (v === -1) minus = true;
    else if (v !== 1) {
      if (v !== v) checkFinite(fn, 'yTrue', yTrue);
      throw new LosskitError(
        'INVALID_LABEL',
        fn,
        `'yTrue' must hold labels in {-1, 1} or in {0, 1}; received ${describe(v)} at index ${fmtIndex(i, yTrue.shape)}`,
        'yTrue',
      );
    }
    if (zero && minus) {
      throw new LosskitError(
        'INVALID_LABEL',
        fn,
        `'yTrue' mixes 0 and -1 labels (at index ${fmtIndex(i, yTrue.shape)}); expected labels all in {-1, 1} or all in {0, 1}`,
        'yTrue',
      );
    }
  }
  return !minus;
}

function hingeLoss(name: string, squared: boolean) {
  return loss({
    name,
    options: {},
    meta: { input: 'values', target: 'signs', meanDenominator: 'count' },
    // Labels are checked by hingeLabels ({−1, 1} or {0, 1}); predictions must be finite (the
    // max(0, ·) would turn a NaN into 0).
    domains: { yTrue: 'own', yPred: 'real' },
    layout: {
      kind: 'elementwise',
      kernel: ({ fn, yTrue }) => bindKernel(hingeKernel, { convert: hingeLabels(fn, yTrue), squared }),
    },
  });
}

/**
 * Hinge loss (Keras).
 *
 * `lᵢ = max(1 − tᵢ·ŷᵢ, 0)`, `t = y` for labels in {−1, 1}; labels in {0, 1} are converted to
 * `2y − 1` first (Keras's `convert_binary_labels_to_hinge`, applied when every label is 0 or 1).
 * Gradient `−tᵢ` where the margin is violated, else 0 (0 at the kink).
 *
 * - Shapes: `yTrue`, `yPred` of one shape; `'none'` returns it (`shape[:-1]` with
 *   `meanOverLastAxis`).
 * - Options: `reduction` (default `'mean'`), `sampleWeight`, `meanOverLastAxis`.
 * - Errors: labels other than {−1, 1} / {0, 1} (or mixing 0 and −1) → `INVALID_LABEL`.
 * - Equivalents: Keras `hinge` / `Hinge` (mean over the last axis, `'sumOverBatchSize'`; the
 *   bare name `'hinge'` is this canonical function, equal to Keras's value without weights);
 *   tfjs `tf.losses.hingeLoss` (tfjs converts `2y − 1` unconditionally, which breaks ±1 labels;
 *   losskit does not copy that). PyTorch has none (`hinge_embedding_loss` differs).
 *
 * @example hinge([1, 0], [0.3, -2]) // (0.7 + 0)/2 = 0.35
 */
export const hinge = /* @__PURE__ */ hingeLoss('hinge', false);

/**
 * Squared hinge loss (Keras): `lᵢ = max(1 − tᵢ·ŷᵢ, 0)²`, labels as {@link hinge}; gradient
 * `−2tᵢ·max(1 − tᵢ·ŷᵢ, 0)`.
 *
 * - Shapes, options, errors: as {@link hinge}.
 * - Equivalents: Keras `squared_hinge` / `SquaredHinge`; tfjs-layers `'squaredHinge'`.
 *
 * @example squaredHinge([1, -1], [0.5, 0.5]) // (0.25 + 2.25)/2 = 1.25
 */
export const squaredHinge = /* @__PURE__ */ hingeLoss('squaredHinge', true);

// ---------------------------------------------------------------------------------------------
// Registry.
// ---------------------------------------------------------------------------------------------

export const binaryLosses: LossEntry[] = [
  {
    name: 'binaryCrossEntropy',
    fn: binaryCrossEntropy,
    description:
      'Binary cross-entropy on probabilities (log clamped at −100; eps clipping optional) — PyTorch binary_cross_entropy, Keras binary_crossentropy',
    aliases: [
      { name: 'binary_cross_entropy', dialect: 'pytorch' },
      { name: 'BCELoss', dialect: 'pytorch' },
      { name: 'binary_crossentropy', dialect: 'keras', defaults: KERAS_BCE },
      { name: 'BinaryCrossentropy', dialect: 'keras', defaults: KERAS_BCE },
      { name: 'binaryCrossentropy', dialect: 'tfjs', defaults: KERAS_BCE },
    ],
  },
  {
    name: 'binaryCrossEntropyWithLogits',
    fn: binaryCrossEntropyWithLogits,
    description:
      'Binary cross-entropy on logits, stable for any logit — PyTorch binary_cross_entropy_with_logits, tfjs sigmoidCrossEntropy',
    aliases: [
      { name: 'binary_cross_entropy_with_logits', dialect: 'pytorch' },
      { name: 'BCEWithLogitsLoss', dialect: 'pytorch' },
      { name: 'sigmoidCrossEntropy', dialect: 'tfjs', defaults: TFJS_CORE },
      { name: 'tf.losses.sigmoidCrossEntropy', dialect: 'tfjs', defaults: TFJS_CORE },
    ],
  },
  {
    name: 'logLoss',
    fn: logLoss,
    description: 'Log loss on probabilities clipped to [ε, 1 − ε] (ε = 1e-7) — scikit-learn log_loss, tfjs logLoss',
    aliases: [{ name: 'tf.losses.logLoss', dialect: 'tfjs', fn: tfjsLogLoss, defaults: TFJS_CORE }],
  },
  {
    name: 'sigmoidFocal',
    fn: sigmoidFocal,
    description:
      'Sigmoid focal loss αₜ(1 − pₜ)^γ·BCE on logits — torchvision sigmoid_focal_loss, Keras binary_focal_crossentropy',
    aliases: [
      { name: 'sigmoid_focal_loss', dialect: 'pytorch', defaults: TORCHVISION_FOCAL },
      { name: 'binary_focal_crossentropy', dialect: 'keras', defaults: KERAS_BINARY_FOCAL },
      { name: 'BinaryFocalCrossentropy', dialect: 'keras', defaults: KERAS_BINARY_FOCAL },
    ],
  },
  {
    name: 'hinge',
    fn: hinge,
    description: 'Hinge loss max(1 − t·ŷ, 0), labels ±1 or 0/1 — Keras hinge, tfjs hingeLoss',
    aliases: [
      { name: 'Hinge', dialect: 'keras', defaults: KERAS_DEFAULTS },
      { name: 'hingeLoss', dialect: 'tfjs', defaults: TFJS_CORE },
      { name: 'tf.losses.hingeLoss', dialect: 'tfjs', defaults: TFJS_CORE },
    ],
  },
  {
    name: 'squaredHinge',
    fn: squaredHinge,
    description: 'Squared hinge loss max(1 − t·ŷ, 0)², labels ±1 or 0/1 — Keras squared_hinge',
    aliases: [
      { name: 'squared_hinge', dialect: 'keras', defaults: KERAS_DEFAULTS },
      { name: 'SquaredHinge', dialect: 'keras', defaults: KERAS_DEFAULTS },
    ],
  },
];
