/**
 * Metric-learning losses on a batch of embeddings with integer labels: `circle` (Keras 3's
 * `keras.losses.Circle`, Sun et al. 2020, "Circle Loss: A Unified Perspective of Pair
 * Similarity Optimization"). Declared through the one loss constructor (`define.ts`, prepared
 * layout); the kernels take one arguments object.
 */
import { LosskitError, fmtShape } from '../errors.js';
import type { FloatArray, Tensor, TensorInput } from '../tensor.js';
import { tensor } from '../tensor.js';
import { checkFinite, fmtIndex } from '../validate.js';
import { KERAS_EPSILON, KERAS_REDUCED } from './dialects.js';
import type { Prepared } from './define.js';
import { bool, loss, num, tensorOption } from './define.js';
import type { LossEntry } from './registry-types.js';

/** The state of one circle-loss call, shared by {@link circleRows} and {@link circleGrad}. */
export interface CircleState {
  /** Number of embeddings and their length. */
  readonly N: number;
  readonly D: number;
  /** Embeddings `[N, D]` and integer labels `[N]`. */
  readonly E: FloatArray;
  readonly L: FloatArray;
  /** The reference set: `M` embeddings `R` `[M, D]` with labels `RL` `[M]` (`E`, `L` themselves by default). */
  readonly M: number;
  readonly R: FloatArray;
  readonly RL: FloatArray;
  /** Whether the reference set is the batch itself (then both sides of a pair get a gradient). */
  readonly self: boolean;
  readonly gamma: number;
  readonly margin: number;
  readonly removeDiagonal: boolean;
  /** The similarities `S = E·Rᵀ` `[N, M]` (filled by {@link circleRows}). */
  readonly S: Float64Array;
  /** Each sample's loss, and 1 where it counts in the mean (loss > 0), else 0. */
  readonly losses: Float64Array;
  readonly valid: Float64Array;
  /** Per row: the two log-sum-exp maxima and sums, and `z = pᵢ + nᵢ` (for the gradient). */
  readonly maxA: Float64Array;
  readonly maxB: Float64Array;
  readonly sa: Float64Array;
  readonly sb: Float64Array;
  readonly z: Float64Array;
  /** Scratch rows: distances and the positive / negative exponents (−∞ off the pair set). */
  readonly dist: Float64Array;
  readonly a: Float64Array;
  readonly b: Float64Array;
}

/** A fresh state for `N` embeddings of length `D`. */
function circleState(
  batch: { E: FloatArray; L: FloatArray; N: number; D: number },
  ref: { R: FloatArray; RL: FloatArray; M: number } | null,
  options: { gamma: number; margin: number; removeDiagonal: boolean },
): CircleState {
  const { E, L, N, D } = batch;
  const M = ref === null ? N : ref.M;
  const row = (): Float64Array => new Float64Array(M);
  return {
    N,
    D,
    E,
    L,
    M,
    R: ref === null ? E : ref.R,
    RL: ref === null ? L : ref.RL,
    self: ref === null,
    gamma: options.gamma,
    margin: options.margin,
    removeDiagonal: options.removeDiagonal,
    S: new Float64Array(N * M),
    losses: new Float64Array(N),
    valid: new Float64Array(N),
    maxA: new Float64Array(N),
    maxB: new Float64Array(N),
    sa: new Float64Array(N),
    sb: new Float64Array(N),
    z: new Float64Array(N),
    dist: row(),
    a: row(),
    b: row(),
  };
}

/** Fills `dist`, `a`, `b` for row `i` from the Gram matrix; returns nothing (maxima are read by the callers). */
function circleRow(st: CircleState, i: number): void {
  const { M, L, RL, gamma, margin: m, removeDiagonal, S, dist, a, b } = st;
  for (let j = 0; j < M; j++) {
    const s = S[i * M + j];
    const d = 1 - s > 0 ? 1 - s : 0;
    dist[j] = d;
    // Keras's build_pos_neg_masks: the diagonal is removed by position (i = j), reference set or not
    const pos = RL[j] === L[i] && !(removeDiagonal && i === j);
    const neg = RL[j] !== L[i];
    if (pos) {
      const w = m + d > 0 ? m + d : 0;
      a[j] = -gamma * w * (m - d);
    } else a[j] = -Infinity;
    if (neg) {
      const w = 1 + m - d > 0 ? 1 + m - d : 0;
      b[j] = gamma * w * (1 - m - d);
    } else b[j] = -Infinity;
  }
}

/**
 * Per-sample circle losses: the Gram matrix, then for each row `i` the two log-sum-exps over its
 * positive and negative pairs and `lᵢ = softplus(pᵢ + nᵢ)` (0, not counted, without a positive
 * or a negative pair).
 */
export function circleRows(st: CircleState): void {
  const { N, M, D, E, R, S, losses, valid, a, b } = st;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < M; j++) {
      let s = 0;
      for (let k = 0; k < D; k++) s += E[i * D + k] * R[j * D + k];
      S[i * M + j] = s;
    }
  }
  for (let i = 0; i < N; i++) {
    circleRow(st, i);
    let maxA = -Infinity,
      maxB = -Infinity;
    for (let j = 0; j < M; j++) {
      if (a[j] > maxA) maxA = a[j];
      if (b[j] > maxB) maxB = b[j];
    }
    st.maxA[i] = maxA;
    st.maxB[i] = maxB;
    if (maxA === -Infinity || maxB === -Infinity) continue; // no positive or no negative pair: loss 0, masked
    let sa = 0,
      sb = 0;
    for (let j = 0; j < M; j++) {
      if (a[j] !== -Infinity) sa += Math.exp(a[j] - maxA);
      if (b[j] !== -Infinity) sb += Math.exp(b[j] - maxB);
    }
    const z = maxA + Math.log(sa) + maxB + Math.log(sb);
    st.sa[i] = sa;
    st.sb[i] = sb;
    st.z[i] = z;
    // softplus(z), stable for large |z|
    const l = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    losses[i] = l;
    valid[i] = l > 0 ? 1 : 0;
  }
}

/** The arguments of {@link circleGrad} besides the state. */
export interface CircleGradArgs {
  /** Per-sample weights of the plan, or null. */
  w: Float64Array | null;
  /** The plan's gradient scale. */
  scale: number;
  /** Gradient output `[N, D]` (overwritten). */
  grad: Float64Array;
}

/**
 * The gradient w.r.t. the embeddings: per pair `∂l/∂Sᵢⱼ` from row `i`'s softmax weights, then
 * `Sᵢⱼ = eᵢ·eⱼ` sends it to both rows.
 */
export function circleGrad(st: CircleState, { w, scale, grad }: CircleGradArgs): void {
  const { N, M, D, E, R, gamma, margin: m, dist, a, b } = st;
  grad.fill(0);
  for (let i = 0; i < N; i++) {
    const maxA = st.maxA[i];
    const maxB = st.maxB[i];
    if (maxA === -Infinity || maxB === -Infinity) continue; // loss 0: no gradient
    const si = scale * (w === null ? 1 : w[i]);
    if (si === 0) continue;
    circleRow(st, i);
    const z = st.z[i];
    const sa = st.sa[i];
    const sb = st.sb[i];
    const sig = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    for (let j = 0; j < M; j++) {
      let g = 0;
      const d = dist[j];
      if (a[j] !== -Infinity) {
        // ∂a/∂d = γ·(2d) where m + d > 0 (−γ[(m − d) − (m + d)]); 0 where the max clips
        const da = m + d > 0 ? 2 * gamma * d : 0;
        g += (Math.exp(a[j] - maxA) / sa) * da;
      }
      if (b[j] !== -Infinity) {
        const db = 1 + m - d > 0 ? -2 * gamma * (1 - d) : 0;
        g += (Math.exp(b[j] - maxB) / sb) * db;
      }
      // ∂d/∂S = −1 where 1 − S > 0
      const gij = si * (d > 0 ? -sig * g : 0);
      if (gij === 0) continue;
      // S_ij = e_i·r_j: row i receives a gradient, and row j too when the reference set is the batch.
      for (let k = 0; k < D; k++) grad[i * D + k] += gij * R[j * D + k];
      if (st.self) for (let k = 0; k < D; k++) grad[j * D + k] += gij * E[i * D + k];
    }
  }
}

/** Throws `INVALID_LABEL` unless every value of `t` is an integer. */
function integerLabels(fn: string, name: string, t: Tensor): void {
  for (let i = 0; i < t.data.length; i++) {
    if (!Number.isInteger(t.data[i])) {
      throw new LosskitError(
        'INVALID_LABEL',
        fn,
        `'${name}' must hold integer labels; received ${t.data[i]} at index ${fmtIndex(i, t.shape)}`,
        name,
      );
    }
  }
}

/**
 * The reference set of `circle` (Keras's `ref_labels` / `ref_embeddings`): `null` when neither
 * is given (the batch itself). One given alone pairs with the batch's other half, as Keras
 * defaults each to `y_true` / `y_pred`.
 */
function referenceSet(
  fn: string,
  batch: { y: Tensor; e: Tensor; N: number; D: number },
  options: { refLabels?: TensorInput; refEmbeddings?: TensorInput },
): { R: FloatArray; RL: FloatArray; M: number } | null {
  if (options.refLabels === undefined && options.refEmbeddings === undefined) return null;
  const { y, e, D } = batch;
  const rl = options.refLabels === undefined ? y : tensor(options.refLabels, undefined, fn, 'refLabels');
  const re = options.refEmbeddings === undefined ? e : tensor(options.refEmbeddings, undefined, fn, 'refEmbeddings');
  if (re.shape.length !== 2 || re.shape[1] !== D)
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `option 'refEmbeddings' must be reference embeddings [M, ${D}] (the embedding length of 'yPred'); received shape ${fmtShape(re.shape)}`,
      'refEmbeddings',
    );
  const M = re.shape[0];
  if (rl.shape.length !== 1 || rl.shape[0] !== M)
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `option 'refLabels' has shape ${fmtShape(rl.shape)} but the reference embeddings have shape ${fmtShape(re.shape)}; expected [${M}] (one integer label per reference embedding)`,
      'refLabels',
    );
  checkFinite(fn, 'refEmbeddings', re);
  integerLabels(fn, 'refLabels', rl);
  return { R: re.data, RL: rl.data, M };
}

/**
 * Circle loss (Keras 3 `keras.losses.circle`), per sample `i` of embeddings `e` `[N, D]` (meant
 * to be L2-normalised) with integer labels `y` `[N]`:
 *
 * ```text
 * dᵢⱼ = max(1 − eᵢ·eⱼ, 0)                                     (cosine distance)
 * Pᵢ = { j : yⱼ = yᵢ, j ≠ i (removeDiagonal) },  Nᵢ = { j : yⱼ ≠ yᵢ }
 * pᵢ = logsumexp_{j∈Pᵢ} −γ·max(m + dᵢⱼ, 0)·(m − dᵢⱼ)
 * nᵢ = logsumexp_{j∈Nᵢ}  γ·max(1 + m − dᵢⱼ, 0)·(1 − m − dᵢⱼ)
 * lᵢ = softplus(pᵢ + nᵢ)                                       (0 when Pᵢ or Nᵢ is empty)
 * ```
 *
 * Keras masks the samples whose loss is 0 (no positive or no negative pair) out of its
 * `sum_over_batch_size` mean, dividing `Σ wᵢ·lᵢ` by the number of valid samples (+1e-7) — the
 * Keras alias `Circle` does exactly that (`reduction: 'sumOverBatchSize'`); losskit's default
 * `'mean'` divides by the valid samples' weights `Σ_valid wᵢ` instead (the same without weights). When no sample counts
 * (one sample, or a single label in the batch) the mean is 0 with a zero gradient, as Keras's
 * `Σ / (valid + 1e-7)` (not NaN). The embeddings are the
 * reference set too (Keras's `ref_embeddings=None`), so the gradient flows through both sides of
 * every pair.
 *
 * - Options: `gamma` (default 80), `margin` (0.4), `removeDiagonal` (true), `reduction`
 *   (default `'mean'`), `sampleWeight`, `refLabels` `[M]` and `refEmbeddings` `[M, D]` (Keras's
 *   `ref_labels` / `ref_embeddings`: the pairs are (batch sample, reference) with
 *   `dᵢⱼ = max(1 − eᵢ·rⱼ, 0)`; each defaults to the batch's own labels / embeddings; the
 *   reference embeddings are constants, so only `yPred` gets a gradient; `removeDiagonal` still
 *   drops the pairs `i = j` by position, as Keras).
 * - Equivalent: Keras 3 `keras.losses.Circle` / `circle`.
 *
 * @example circle([0, 0, 1], [[1, 0], [0.8, 0.6], [0, 1]], { gamma: 2 })
 */
export const circle = /* @__PURE__ */ loss({
  name: 'circle',
  options: {
    gamma: /* @__PURE__ */ num({ gt: 0, default: 80 }),
    margin: /* @__PURE__ */ num({ default: 0.4 }),
    removeDiagonal: /* @__PURE__ */ bool(true),
    refLabels: /* @__PURE__ */ tensorOption(),
    refEmbeddings: /* @__PURE__ */ tensorOption(),
  },
  meta: { input: 'embeddings', target: 'other', meanDenominator: 'count' },
  // Integer labels, checked in prepare (any integers: they are compared, not indexed).
  domains: { yTrue: 'own' },
  layout: {
    kind: 'prepared',
    prepare: ({ fn, options, yTrue: y, yPred: e }): Prepared => {
      if (e.shape.length !== 2)
        throw new LosskitError(
          'SHAPE_MISMATCH',
          fn,
          `'yPred' must be embeddings [N, D]; received shape ${fmtShape(e.shape)}`,
          'yPred',
        );
      const [N, D] = e.shape;
      if (y.shape.length !== 1 || y.shape[0] !== N) {
        throw new LosskitError(
          'SHAPE_MISMATCH',
          fn,
          `'yTrue' has shape ${fmtShape(y.shape)} but 'yPred' has shape ${fmtShape(e.shape)}; expected [${N}] (one integer label per embedding)`,
          'yTrue',
        );
      }
      integerLabels(fn, 'yTrue', y);
      const ref = referenceSet(fn, { y, e, N, D }, options);
      const st = circleState({ E: e.data, L: y.data, N, D }, ref, options);
      circleRows(st);
      return {
        lossShape: [N],
        normWeights: st.valid,
        // Keras masks the zero-loss samples: 'sumOverBatchSize' is Σ sᵢ·lᵢ / (valid + 1e-7)
        mode: { kind: 'kerasMasked', valid: st.valid, epsilon: KERAS_EPSILON },
        gradWrites: 'accumulate',
        run: (plan, grad) => {
          const w = plan.weights;
          let sum = 0;
          const out = plan.reduction === 'none' ? new Float64Array(N) : null;
          for (let i = 0; i < N; i++) {
            const v = (w === null ? 1 : w[i]) * st.losses[i];
            sum += v;
            if (out !== null) out[i] = v;
          }
          if (grad !== null) circleGrad(st, { w, scale: plan.gradScale, grad });
          // No sample counts in the mean (one sample, one label, zero weights): 0, as Keras's Σ / (valid + ε).
          return plan.denominator === 0 ? { sum, perElement: out, value: 0 } : { sum, perElement: out };
        },
      };
    },
  },
});

export const metricLearningLosses: LossEntry[] = [
  {
    name: 'circle',
    fn: circle,
    description:
      'Circle loss on labelled embeddings: softplus(logsumexp positives + logsumexp negatives) — Keras 3 Circle',
    aliases: [{ name: 'Circle', dialect: 'keras', defaults: KERAS_REDUCED }],
  },
];
