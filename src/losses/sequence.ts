/**
 * Sequence losses: `ctc` (connectionist temporal classification).
 *
 * The forward–backward recursions run in log space (as PyTorch's CPU kernel), restricted to the
 * band of extended-label positions that can still start and finish in time, so long inputs
 * (T = 1000) with long targets stay fast and never underflow. Reductions are the shared
 * reducer's (see `reduce.ts`).
 *
 * `ctc` is declared through the one loss constructor (`define.ts`, prepared layout): its option
 * schema, metadata (log-probabilities that may be −∞), and its own input checks in `prepare`
 * (labels, lengths and log-probabilities need `T`, `N`, `C` and `blank`).
 */
import { LosskitError, describe, fmtShape } from '../errors.js';
import type { FloatArray, Tensor, TensorInput } from '../tensor.js';
import { tensor } from '../tensor.js';
import { checkFinite, checkNumberOption, fmtIndex } from '../validate.js';
import type { Inputs, Parsed, Prepared } from './define.js';
import { bool, loss, num, oneOf, tensorOption } from './define.js';
import { KERAS_CTC } from './dialects.js';
import { wasmCtc } from '../wasm/slot.js';
import type { LossEntry } from './registry-types.js';

const NEG_INF = -Infinity;

/** log(exp(a) + exp(b)), −∞ when both are −∞. */
function lse2(a: number, b: number): number {
  if (a < b) {
    const t = a;
    a = b;
    b = t;
  }
  if (a === NEG_INF) return NEG_INF;
  return a + Math.log1p(Math.exp(b - a));
}

/** log(exp(a) + exp(b) + exp(c)), −∞ when all are −∞. */
function lse3(a: number, b: number, c: number): number {
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
  if (m === NEG_INF) return NEG_INF;
  return m + Math.log1p(Math.exp(u - m) + Math.exp(v - m));
}

/** Below this, a row-relative sum of probabilities is recomputed exactly in log space. */
const TINY = 1e-280;

/** Arguments of {@link ctcSequence} (one object: kernels never take positional lists). */
export interface CtcSequenceArgs {
  /** Log-probabilities; frame `t`, class `c` of this sequence at `off + t·tStride + c`. */
  lp: FloatArray;
  off: number;
  tStride: number;
  /** Frames of this sequence (its input length). */
  T: number;
  /** Number of classes. */
  C: number;
  /**
   * Target labels; this sequence's are `target[tOff .. tOff + L)`. A label equal to `blank`
   * (Keras's rule, `blankInTarget: 'emit'`) is a label state of its own emitting the blank class.
   */
  target: FloatArray;
  tOff: number;
  L: number;
  blank: number;
  /** Scratch buffers of at least `T·(2L+1)` values (`beta` may be `alpha` without `grad`). */
  alpha: Float64Array;
  beta: Float64Array;
  /** Scratch buffers of at least `2L+1` values (extended labels, exponentials). */
  ext: Int32Array;
  E: Float64Array;
  /** Gradient accumulated into (same layout as `lp`), or `null` for the value only. */
  grad: Float64Array | null;
  /** The factor of this sequence's gradient (reduction scale × weight × length norm). */
  g: number;
  /** Add `exp(lp)` (PyTorch's autograd convention) to the gradient. */
  pytorchGrad: boolean;
}

/**
 * One sequence of the CTC loss: negative log-likelihood of `target` (length `L`, labels ≠ blank)
 * under the per-frame log-probabilities `lp[off + t·tStride + c]` for `t < T`, and (when `grad`
 * is given) `grad[off + t·tStride + c] += g·∂nll/∂lp` — the exact derivative `−γ(t, c)` (the
 * posterior occupation of class c at frame t), plus `exp(lp)` when `pytorchGrad` (PyTorch's
 * autograd convention). `alpha` / `beta` are scratch buffers of at least `T·(2L+1)` values,
 * `ext` (labels) and `E` of `2L+1`. Returns `+∞` for an impossible alignment (and then writes no gradient).
 */
export function ctcSequence({
  lp,
  off,
  tStride,
  T,
  C,
  target,
  tOff,
  L,
  blank,
  alpha,
  beta,
  ext,
  E,
  grad,
  g,
  pytorchGrad,
}: CtcSequenceArgs): number {
  if (T === 0) return L === 0 ? 0 : Infinity;
  const S = 2 * L + 1;
  for (let s = 0; s < S; s++) ext[s] = s % 2 === 0 ? blank : target[tOff + ((s - 1) >> 1)];
  alpha.fill(NEG_INF, 0, T * S);
  // Forward: alpha[t][s] = log P(prefix l'[0..s] emitted by frames 0..t, ending in s).
  alpha[0] = lp[off + blank];
  if (S > 1) alpha[1] = lp[off + ext[1]];
  // Each step costs one exp and one log per state: the previous row is exponentiated once
  // relative to its maximum M (E = exp(alpha − M)), and alpha = M + log(ΣE) + lp. Where that sum
  // underflows (states ≥ ~645 nats below the row maximum) the state is recomputed with an exact
  // log-sum-exp, so the result is as exact as a pure log-space recursion.
  for (let t = 1; t < T; t++) {
    const lo = Math.max(0, S - 2 * (T - t));
    const hi = Math.min(S - 1, 2 * t + 1);
    const prev = (t - 1) * S;
    const cur = t * S;
    const row = off + t * tStride;
    const from = lo >= 2 ? lo - 2 : 0;
    let M = NEG_INF;
    for (let s = from; s <= hi; s++) if (alpha[prev + s] > M) M = alpha[prev + s];
    if (M === NEG_INF) return Infinity; // no alignment survives
    for (let s = from; s <= hi; s++) E[s] = Math.exp(alpha[prev + s] - M);
    for (let s = lo; s <= hi; s++) {
      const e = ext[s];
      // label states are the odd ones (a label equal to blank, Keras's rule, is one too)
      const skip = s >= 2 && (s & 1) === 1 && e !== ext[s - 2];
      const sum = E[s] + (s >= 1 ? E[s - 1] : 0) + (skip ? E[s - 2] : 0);
      let v: number;
      if (sum > TINY) v = M + Math.log(sum);
      else {
        const a = alpha[prev + s];
        const b = s >= 1 ? alpha[prev + s - 1] : NEG_INF;
        v = skip ? lse3(a, b, alpha[prev + s - 2]) : lse2(a, b);
      }
      alpha[cur + s] = v === NEG_INF ? NEG_INF : v + lp[row + e];
    }
  }
  const last = (T - 1) * S;
  const ll = S > 1 ? lse2(alpha[last + S - 1], alpha[last + S - 2]) : alpha[last];
  const nll = -ll;
  if (grad === null || nll === Infinity) return nll;

  // Backward: beta[t][s] = log P(suffix l'[s..] emitted by frames t..T−1, starting in s).
  beta.fill(NEG_INF, 0, T * S);
  const lastRow = off + (T - 1) * tStride;
  beta[last + S - 1] = lp[lastRow + ext[S - 1]];
  if (S > 1) beta[last + S - 2] = lp[lastRow + ext[S - 2]];
  for (let t = T - 2; t >= 0; t--) {
    const lo = Math.max(0, S - 2 * (T - t));
    const hi = Math.min(S - 1, 2 * t + 1);
    const next = (t + 1) * S;
    const cur = t * S;
    const row = off + t * tStride;
    const to = hi + 2 < S ? hi + 2 : S - 1;
    let M = NEG_INF;
    for (let s = lo; s <= to; s++) if (beta[next + s] > M) M = beta[next + s];
    for (let s = lo; s <= to; s++) E[s] = Math.exp(beta[next + s] - M);
    for (let s = lo; s <= hi; s++) {
      const e = ext[s];
      const skip = s + 2 < S && (s & 1) === 1 && e !== ext[s + 2];
      const sum = E[s] + (s + 1 < S ? E[s + 1] : 0) + (skip ? E[s + 2] : 0);
      let v: number;
      if (sum > TINY) v = M + Math.log(sum);
      else {
        const a = beta[next + s];
        const b = s + 1 < S ? beta[next + s + 1] : NEG_INF;
        v = skip ? lse3(a, b, beta[next + s + 2]) : lse2(a, b);
      }
      beta[cur + s] = v === NEG_INF ? NEG_INF : v + lp[row + e];
    }
  }
  // Gradient: γ(t, c) = Σ_{s: l'[s] = c} exp(alpha + beta − lp + nll) (alpha and beta both
  // contain lp[t][l'[s]], hence the − lp); ∂nll/∂lp(t, c) = −γ(t, c).
  for (let t = 0; t < T; t++) {
    const lo = Math.max(0, S - 2 * (T - t));
    const hi = Math.min(S - 1, 2 * t + 1);
    const cur = t * S;
    const row = off + t * tStride;
    if (pytorchGrad) for (let c = 0; c < C; c++) grad[row + c] += g * Math.exp(lp[row + c]);
    for (let s = lo; s <= hi; s++) {
      const v = alpha[cur + s] + beta[cur + s];
      if (v === NEG_INF) continue;
      const e = ext[s];
      grad[row + e] -= g * Math.exp(v - lp[row + e] + nll);
    }
  }
  return nll;
}

/** log-softmax of each row of `C` values (rows = x.length / C) into a new array. */
function logSoftmaxRows(x: FloatArray, C: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += C) {
    let m = NEG_INF;
    for (let c = 0; c < C; c++) if (x[o + c] > m) m = x[o + c];
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(x[o + c] - m);
    const lz = m + Math.log(s);
    for (let c = 0; c < C; c++) out[o + c] = x[o + c] - lz;
  }
  return out;
}

/** Chain rule through log-softmax, in place: g ← g − softmax·Σ_c g, per row. */
function logSoftmaxBackward(grad: Float64Array, lp: Float64Array, C: number): void {
  for (let o = 0; o < grad.length; o += C) {
    let s = 0;
    for (let c = 0; c < C; c++) s += grad[o + c];
    if (s === 0) continue;
    for (let c = 0; c < C; c++) grad[o + c] -= Math.exp(lp[o + c]) * s;
  }
}

/** Arguments of {@link lengths}. */
interface LengthsArgs {
  fn: string;
  name: 'inputLengths' | 'targetLengths';
  value: TensorInput;
  /** Batch size. */
  N: number;
  /** Batched input (`[N]` lengths) or one unbatched sequence (`[]` / `[1]`). */
  batched: boolean;
  /** The largest length allowed. */
  hi: number;
  /** Why `hi` (for the error message). */
  what: string;
}

/**
 * A lengths option: integers in [0, hi], shape [N] (or [] / [1] for unbatched input). NaN /
 * ±Infinity are `NON_FINITE`, any other value outside `OUT_OF_RANGE`.
 */
function lengths({ fn, name, value, N, batched, hi, what }: LengthsArgs): FloatArray {
  const t = tensor(value, undefined, fn, name);
  const okShape = batched ? t.shape.length === 1 && t.shape[0] === N : t.data.length === 1 && t.shape.length <= 1;
  if (!okShape) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `option '${name}' must have shape ${batched ? `[${N}] (one per sequence)` : '[] (unbatched input)'}; received shape ${fmtShape(t.shape)}`,
      name,
    );
  }
  checkFinite(fn, name, t);
  for (let i = 0; i < t.data.length; i++) {
    const x = t.data[i];
    if (!Number.isInteger(x) || x < 0 || x > hi) {
      throw new LosskitError(
        'OUT_OF_RANGE',
        fn,
        `option '${name}' must hold integers in [0, ${hi}] (${what}); received ${describe(x)} at index ${fmtIndex(i, t.shape)}`,
        name,
      );
    }
  }
  return t.data;
}

/** Options of `ctc` (besides `reduction`, `sampleWeight`, `gradOut`), declared once. */
const CTC_OPTIONS = {
  inputLengths: /* @__PURE__ */ tensorOption(),
  targetLengths: /* @__PURE__ */ tensorOption(),
  // The upper bound (C − 1) needs yPred's shape: checked again in prepare.
  blank: /* @__PURE__ */ num({ integer: true, min: 0, default: 0 }),
  zeroInfinity: /* @__PURE__ */ bool(false),
  blankInTarget: /* @__PURE__ */ oneOf(['error', 'emit'], 'error'),
  ctcGrad: /* @__PURE__ */ oneOf(['exact', 'pytorch'], 'exact'),
  timeMajor: /* @__PURE__ */ bool(true),
  fromLogits: /* @__PURE__ */ bool(false),
};

/**
 * Connectionist temporal classification loss (Graves et al. 2006): `−log p(target | input)`,
 * summed over every alignment of the target to the frames (labels separated by optional blanks,
 * a repeated label needing a blank between its copies).
 *
 * - `yPred`: log-probabilities `(T, N, C)` (PyTorch layout; `(T, C)` for one unbatched
 *   sequence), e.g. the output of a log-softmax over classes. `timeMajor: false` takes Keras's
 *   `(N, T, C)`. With `fromLogits: true`, `yPred` holds logits and a log-softmax is applied
 *   first (the gradient is then w.r.t. the logits).
 * - `yTrue`: targets, padded `(N, S)` or concatenated 1-D (`Σ targetLengths` labels); labels are
 *   integers in `[0, C)` other than `blank`. Padding beyond each target length is ignored.
 * - Options: `inputLengths` `[N]` (default `T` each), `targetLengths` `[N]` (required for
 *   concatenated targets; for padded ones the default is each row's count of non-blank entries,
 *   Keras's rule), `blank` (default 0), `zeroInfinity` (default false: an impossible alignment
 *   gives `+Infinity`; true: 0, as PyTorch), `reduction` (default `'mean'`: each loss divided by
 *   its target length (clamped to ≥ 1), then averaged over the batch — PyTorch's rule; `'sum'`,
 *   `'none'` → `[N]`, `'sumOverBatchSize'` Keras's plain batch mean; see `reduce.ts`),
 *   `sampleWeight` `[N]` (≥ 0; an impossible sequence stays `+Infinity` under any positive
 *   weight, and a sequence of weight 0 counts 0), `ctcGrad`, `blankInTarget` (`'error'`, default:
 *   a blank inside a target is `INVALID_LABEL`; `'emit'`: Keras 3's rule — the target is the
 *   first `targetLength` entries even when one of them is the blank (mask) value, which then is a
 *   label of its own emitted by the blank class, as Keras's optax-style recursion does).
 * - Gradient: by default the exact `∂value/∂yPred` (`−γ(t, c)`, the posterior occupation of class
 *   c at frame t, scaled by the reduction). PyTorch's `ctc_loss` autograd instead returns
 *   `exp(logProbs) − γ`, which equals the true gradient only after back-propagating through a
 *   log-softmax (both give `softmax − γ` w.r.t. the logits); `ctcGrad: 'pytorch'` reproduces it.
 *   Frames at or beyond a sequence's input length get 0. An infinite (impossible) loss gets a zero
 *   gradient, where PyTorch produces NaN without `zero_infinity`.
 * - Errors: a label equal to `blank` or outside `[0, C)` (`INVALID_LABEL`), a target longer than
 *   its input (`OUT_OF_RANGE`, unless `zeroInfinity`, which then gives that sequence 0 as PyTorch),
 *   lengths out of range (`OUT_OF_RANGE`; NaN / ±Infinity lengths `NON_FINITE`), NaN or
 *   `+Infinity` log-probabilities (`NON_FINITE`; `−Infinity`, log 0, is allowed, and a target it
 *   makes impossible gives `+Infinity`).
 * - Equivalents: PyTorch `F.ctc_loss(log_probs, targets, input_lengths, target_lengths)` /
 *   `nn.CTCLoss`; Keras `keras.losses.CTC` is the registry alias `'CTC'` (logits `(N, T, C)`,
 *   blank 0, `'sumOverBatchSize'`, `blankInTarget: 'emit'`); tfjs has none.
 *
 * @example
 * // T = 2 frames, one sequence, C = 2 classes (0 = blank), target [1]:
 * ctc([[1]], [[[Math.log(0.5), Math.log(0.5)]], [[Math.log(0.5), Math.log(0.5)]]], { reduction: 'sum' }) // −log(0.75)
 */
export const ctc = /* @__PURE__ */ loss({
  name: 'ctc',
  options: CTC_OPTIONS,
  meta: {
    input: 'logProbabilities',
    target: 'other',
    meanDenominator: 'count',
    batchInputs: ['inputLengths', 'targetLengths'],
    logZeroAllowed: true,
  },
  // Labels (integers in [0, C) other than blank, up to each target length) and
  // log-probabilities (finite or −∞ = log 0) are checked in prepare; logits must be finite.
  domains: (o) => ({ yTrue: 'own', yPred: o.fromLogits ? 'real' : 'own' }),
  layout: { kind: 'prepared', prepare: prepareCtc },
});

/** The layout of one CTC call: `yPred`'s dimensions and each sequence's target. */
interface CtcLayout {
  T: number;
  N: number;
  C: number;
  batched: boolean;
  blank: number;
  /** Input length of each sequence, or `null` for `T` each. */
  inputLengths: FloatArray | null;
  /** Target length and offset (into `yTrue`'s data) of each sequence. */
  tl: Float64Array;
  tOff: Float64Array;
  /** Scratch sizes: the largest `Tₙ·(2Lₙ+1)` and `2Lₙ+1`. */
  maxCells: number;
  maxS: number;
}

/** The parsed options of `ctc`. */
type CtcParsed = Parsed<typeof CTC_OPTIONS>;

/** Checks `yPred`'s shape, `blank` and the log-probabilities; reads `T`, `N`, `C`. */
function predLayout(
  fn: string,
  options: CtcParsed,
  yPred: Tensor,
): { T: number; N: number; C: number; batched: boolean; blank: number } {
  const { timeMajor, fromLogits } = options;
  const r = yPred.shape.length;
  if (r !== 2 && r !== 3) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yPred' must be log-probabilities ${timeMajor ? '(T, N, C)' : '(N, T, C)'} or (T, C) for one sequence; received shape ${fmtShape(yPred.shape)}`,
      'yPred',
    );
  }
  const batched = r === 3;
  const T = batched ? yPred.shape[timeMajor ? 0 : 1] : yPred.shape[0];
  const N = batched ? yPred.shape[timeMajor ? 1 : 0] : 1;
  const C = yPred.shape[r - 1];
  const blank = checkNumberOption(fn, 'blank', options.blank, { integer: true, min: 0, max: C - 1 });
  if (!fromLogits) {
    // NaN / +Infinity are invalid; −Infinity (log 0) is a legitimate log-probability. (Logits
    // are checked finite by the constructor: their declared domain is 'real'.)
    const x = yPred.data;
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (v !== v || v === Infinity) {
        throw new LosskitError(
          'NON_FINITE',
          fn,
          `'yPred' must hold log-probabilities (finite or -Infinity); received ${describe(v)} at index ${fmtIndex(i, yPred.shape)}`,
          'yPred',
        );
      }
    }
  }
  return { T, N, C, batched, blank };
}

/** Targets: padded `(N, S)` / `(S)` or concatenated 1-D; each sequence's offset and length, labels checked. */
function targetLayout(fn: string, options: CtcParsed, yTrue: Tensor, yPred: Tensor): CtcLayout {
  const { T, N, C, batched, blank } = predLayout(fn, options, yPred);
  const inputLengths =
    options.inputLengths === undefined
      ? null
      : lengths({ fn, name: 'inputLengths', value: options.inputLengths, N, batched, hi: T, what: `at most T = ${T}` });
  const padded = batched ? yTrue.shape.length === 2 : yTrue.shape.length === 1;
  if (batched ? !(padded || yTrue.shape.length === 1) : !padded) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yTrue' must be ${batched ? `padded targets [${N}, S] or concatenated targets [Σ targetLengths]` : 'a target sequence [S] (unbatched input)'}; received shape ${fmtShape(yTrue.shape)}`,
      'yTrue',
    );
  }
  if (batched && padded && yTrue.shape[0] !== N) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yTrue' has shape ${fmtShape(yTrue.shape)} but 'yPred' has a batch of ${N}; expected padded targets [${N}, S]`,
      'yTrue',
    );
  }
  const S = padded ? yTrue.shape[yTrue.shape.length - 1] : yTrue.data.length;
  const tl = new Float64Array(N);
  const tOff = new Float64Array(N);
  if (options.targetLengths !== undefined) {
    tl.set(
      lengths({
        fn,
        name: 'targetLengths',
        value: options.targetLengths,
        N,
        batched,
        hi: padded ? S : yTrue.data.length,
        what: padded ? `at most S = ${S}, the padded target length` : 'their sum is the number of targets',
      }),
    );
  } else if (padded) {
    // Keras's rule: the labels of a padded row are its entries other than blank.
    for (let n = 0; n < N; n++) {
      let k = 0;
      for (let j = 0; j < S; j++) if (yTrue.data[n * S + j] !== blank) k++;
      tl[n] = k;
    }
  } else {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'targetLengths' is required with concatenated 1-D targets; received undefined`,
      'targetLengths',
    );
  }
  let acc = 0;
  for (let n = 0; n < N; n++) {
    tOff[n] = padded ? n * S : acc;
    acc += tl[n];
  }
  if (!padded && acc !== yTrue.data.length) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `concatenated 'yTrue' has ${yTrue.data.length} labels but 'targetLengths' sum to ${acc}; expected them to be equal`,
      'targetLengths',
    );
  }
  let maxCells = 0;
  let maxS = 1;
  // Keras's rule (`blankInTarget: 'emit'`): a blank within a target's length is a label of its own.
  const blankEmits = options.blankInTarget === 'emit';
  for (let n = 0; n < N; n++) {
    const L = tl[n];
    const Tn = inputLengths === null ? T : inputLengths[n];
    for (let j = 0; j < L; j++) {
      const i = tOff[n] + j;
      const v = yTrue.data[i];
      if (!Number.isInteger(v) || v < 0 || v >= C || (v === blank && !blankEmits)) {
        const why =
          v === blank
            ? `equals blank (${blank}); blank cannot be a target label`
            : !Number.isInteger(v)
              ? 'is not an integer'
              : 'is out of range';
        throw new LosskitError(
          'INVALID_LABEL',
          fn,
          `'yTrue' must hold target labels in [0, ${C - 1}] other than blank ${blank}; received ${describe(v)} at index ${fmtIndex(i, yTrue.shape)} (sequence ${n}), which ${why}`,
          'yTrue',
        );
      }
    }
    if (L > Tn && !options.zeroInfinity) {
      throw new LosskitError(
        'OUT_OF_RANGE',
        fn,
        `sequence ${n} has a target of length ${L} but only ${Tn} input frames; expected targetLength <= inputLength (or zeroInfinity: true to give it loss 0)`,
        'targetLengths',
      );
    }
    maxCells = Math.max(maxCells, Tn * (2 * L + 1));
    maxS = Math.max(maxS, 2 * L + 1);
  }
  return { T, N, C, batched, blank, inputLengths, tl, tOff, maxCells, maxS };
}

/** The prepare step of `ctc`: shapes, labels and lengths checked; the runner does the forward–backward. */
function prepareCtc({ fn, options, yTrue, yPred }: Inputs<typeof CTC_OPTIONS>): Prepared {
  const { T, N, C, batched, blank, inputLengths, tl, tOff, maxCells, maxS } = targetLayout(fn, options, yTrue, yPred);
  const { zeroInfinity, timeMajor, fromLogits } = options;
  const pytorchGrad = options.ctcGrad === 'pytorch';
  const x = yPred.data;
  const lossShape = batched ? [N] : [];
  return {
    lossShape,
    gradWrites: 'accumulate',
    run: (plan, grad) => {
      const soft = fromLogits ? logSoftmaxRows(x, C) : null;
      const lp = soft ?? x;
      if (grad !== null) grad.fill(0);
      const alpha = new Float64Array(maxCells);
      const beta = grad !== null ? new Float64Array(maxCells) : alpha;
      const ext = new Int32Array(maxS);
      const E = new Float64Array(maxS);
      const out = plan.reduction === 'none' ? new Float64Array(N) : null;
      const tStride = timeMajor ? N * C : C;
      // PyTorch's 'mean' divides each sequence's loss by its target length (at least 1).
      const mean = plan.reduction === 'mean';
      let total = 0;
      let impossible = false;
      // The WASM kernel (float32 log-probabilities; src/wasm/kernels.ts) computes every
      // sequence's nll and the whole gradient at once; else ctcSequence below, per sequence.
      const gOf = (n: number): number =>
        plan.gradScale * (plan.weights === null ? 1 : plan.weights[n]) * (mean ? 1 / Math.max(tl[n], 1) : 1);
      const fast =
        soft === null
          ? wasmCtc({
              ...{ lp, T, N, C, timeMajor, blank, target: yTrue.data, tOff, tl, inputLengths, grad, pytorchGrad },
              ...{ maxCells, maxS, g: Float64Array.from({ length: N }, (_, n) => gOf(n)) },
              active: (n) => plan.weights === null || plan.weights[n] !== 0,
            })
          : undefined;
      for (let n = 0; n < N; n++) {
        const wn = plan.weights === null ? 1 : plan.weights[n];
        // A sequence of sample weight 0 counts 0, even when it has no alignment (never 0·∞ = NaN).
        if (wn === 0) {
          if (out !== null) out[n] = 0;
          continue;
        }
        const off = timeMajor ? n * C : n * T * C;
        const L = tl[n];
        const Tn = inputLengths === null ? T : inputLengths[n];
        const norm = mean ? 1 / Math.max(L, 1) : 1;
        const g = plan.gradScale * wn * norm;
        let nll =
          L > Tn
            ? Infinity
            : fast !== undefined
              ? fast[n]
              : ctcSequence({
                  lp,
                  off,
                  tStride,
                  T: Tn,
                  C,
                  target: yTrue.data,
                  tOff: tOff[n],
                  L,
                  blank,
                  alpha,
                  beta,
                  ext,
                  E,
                  grad,
                  g,
                  pytorchGrad,
                });
        if (nll === Infinity) {
          if (zeroInfinity) nll = 0;
          else impossible = true;
        }
        const l = wn * (nll * norm);
        total += l;
        if (out !== null) out[n] = l;
      }
      if (grad !== null && soft !== null) logSoftmaxBackward(grad, soft, C);
      if (!impossible) return { sum: total, perElement: out };
      // A target without any alignment: +∞ is the loss's value whatever the sample weights (not
      // an overflow of the weighted sum, which the reducer would report).
      return { sum: total, perElement: out, value: out !== null ? { data: out, shape: lossShape } : Infinity };
    },
  };
}

export const sequenceLosses: LossEntry[] = [
  {
    name: 'ctc',
    fn: ctc,
    description:
      'Connectionist temporal classification −log p(target | input), log-space forward–backward — PyTorch ctc_loss, Keras CTC',
    aliases: [
      { name: 'ctc_loss', dialect: 'pytorch' },
      { name: 'CTCLoss', dialect: 'pytorch' },
      // Keras's lower-case identifier `ctc` is the canonical name (PyTorch layout); its class
      // name binds Keras's layout and defaults.
      { name: 'CTC', dialect: 'keras', defaults: KERAS_CTC },
    ],
  },
];
