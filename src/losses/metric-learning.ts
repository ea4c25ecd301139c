/**
 * Metric-learning losses on a batch of embeddings with integer labels: `circle` (Keras 3's
 * `keras.losses.Circle`, Sun et al. 2020, "Circle Loss: A Unified Perspective of Pair
 * Similarity Optimization").
 */
import { LosskitError, fmtShape } from '../errors.js';
import { finishReduction, planReduction, resolveReduction } from '../reduce.js';
import { tensor } from '../tensor.js';
import { checkBooleanOption, checkFinite, checkNonEmpty, checkNumberOption, fmtIndex } from '../validate.js';
import type { LossFunction } from './core.js';
import { gradBuffer, makeLoss } from './core.js';
import type { LossEntry } from './registry-types.js';

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
 * `sum_over_batch_size` mean; losskit's default `'mean'` does the same (they count 0 in the
 * denominator, see `reduce.ts`), so the two agree without sample weights. The embeddings are the
 * reference set too (Keras's `ref_embeddings=None`), so the gradient flows through both sides of
 * every pair.
 *
 * - Options: `gamma` (default 80), `margin` (0.4), `removeDiagonal` (true), `reduction`
 *   (default `'mean'`), `sampleWeight`.
 * - Equivalent: Keras 3 `keras.losses.Circle` / `circle` (without `ref_labels`/`ref_embeddings`).
 *
 * @example circle([0, 0, 1], [[1, 0], [0.8, 0.6], [0, 1]], { gamma: 2 })
 */
export const circle: LossFunction = makeLoss(
  'circle',
  ['reduction', 'sampleWeight', 'gamma', 'margin', 'removeDiagonal'],
  (yTrueIn, yPredIn, options, wantGrad) => {
    const fn = 'circle';
    const reduction = resolveReduction(fn, options.reduction);
    const gamma = options.gamma === undefined ? 80 : checkNumberOption(fn, 'gamma', options.gamma, { gt: 0 });
    const m = options.margin === undefined ? 0.4 : checkNumberOption(fn, 'margin', options.margin);
    const removeDiagonal =
      options.removeDiagonal === undefined ? true : checkBooleanOption(fn, 'removeDiagonal', options.removeDiagonal);
    if (yTrueIn === null)
      throw new LosskitError('INVALID_INPUT', fn, `'yTrue' (integer labels [N]) is required; received null`, 'yTrue');
    const y = tensor(yTrueIn, undefined, fn, 'yTrue');
    const e = tensor(yPredIn, undefined, fn, 'yPred');
    if (e.shape.length !== 2)
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yPred' must be embeddings [N, D]; received shape ${fmtShape(e.shape)}`,
        'yPred',
      );
    checkNonEmpty(fn, 'yPred', e);
    const [N, D] = e.shape;
    if (y.shape.length !== 1 || y.shape[0] !== N) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yTrue' has shape ${fmtShape(y.shape)} but 'yPred' has shape ${fmtShape(e.shape)}; expected [${N}] (one integer label per embedding)`,
        'yTrue',
      );
    }
    for (let i = 0; i < N; i++) {
      if (!Number.isInteger(y.data[i])) {
        throw new LosskitError(
          'INVALID_LABEL',
          fn,
          `'yTrue' must hold integer labels; received ${y.data[i]} at index ${fmtIndex(i, y.shape)}`,
          'yTrue',
        );
      }
    }
    checkFinite(fn, 'yPred', e);
    const E = e.data;
    const L = y.data;
    const losses = new Float64Array(N);
    const valid = new Float64Array(N);
    // dL/dS for every pair (row i), filled per row after the row's loss is known.
    const G = wantGrad ? new Float64Array(N * N) : null;
    const dist = new Float64Array(N);
    const a = new Float64Array(N);
    const b = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let maxA = -Infinity,
        maxB = -Infinity;
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < D; k++) s += E[i * D + k] * E[j * D + k];
        const d = 1 - s > 0 ? 1 - s : 0;
        dist[j] = d;
        const pos = L[j] === L[i] && !(removeDiagonal && i === j);
        const neg = L[j] !== L[i];
        if (pos) {
          const w = m + d > 0 ? m + d : 0;
          a[j] = -gamma * w * (m - d);
          if (a[j] > maxA) maxA = a[j];
        } else a[j] = -Infinity;
        if (neg) {
          const w = 1 + m - d > 0 ? 1 + m - d : 0;
          b[j] = gamma * w * (1 - m - d);
          if (b[j] > maxB) maxB = b[j];
        } else b[j] = -Infinity;
      }
      if (maxA === -Infinity || maxB === -Infinity) continue; // no positive or no negative pair: loss 0, masked
      let sa = 0,
        sb = 0;
      for (let j = 0; j < N; j++) {
        if (a[j] !== -Infinity) sa += Math.exp(a[j] - maxA);
        if (b[j] !== -Infinity) sb += Math.exp(b[j] - maxB);
      }
      const z = maxA + Math.log(sa) + maxB + Math.log(sb);
      // softplus(z), stable for large |z|
      const l = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
      losses[i] = l;
      valid[i] = l > 0 ? 1 : 0;
      if (G !== null) {
        const sig = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
        for (let j = 0; j < N; j++) {
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
          G[i * N + j] = d > 0 ? -sig * g : 0;
        }
      }
    }
    const plan = planReduction(fn, reduction, [N], options.sampleWeight, { normWeights: valid });
    const w = plan.weights;
    let sum = 0;
    const out = reduction === 'none' ? new Float64Array(N) : null;
    for (let i = 0; i < N; i++) {
      const v = (w === null ? 1 : w[i]) * losses[i];
      sum += v;
      if (out !== null) out[i] = v;
    }
    const value = finishReduction(plan, sum, out);
    if (G === null) return { value, grad: null };
    const grad = gradBuffer(fn, N * D, options.gradOut).fill(0);
    for (let i = 0; i < N; i++) {
      const si = plan.gradScale * (w === null ? 1 : w[i]);
      if (si === 0) continue;
      for (let j = 0; j < N; j++) {
        const gij = si * G[i * N + j];
        if (gij === 0) continue;
        // S_ij = e_i·e_j: both rows receive a gradient.
        for (let k = 0; k < D; k++) {
          grad[i * D + k] += gij * E[j * D + k];
          grad[j * D + k] += gij * E[i * D + k];
        }
      }
    }
    return { value, grad: { data: grad, shape: e.shape } };
  },
  {},
  { meta: { input: 'embeddings', target: 'other', meanDenominator: 'count' } },
);

export const metricLearningLosses: LossEntry[] = [
  {
    name: 'circle',
    fn: circle,
    description:
      'Circle loss on labelled embeddings: softplus(logsumexp positives + logsumexp negatives) — Keras 3 Circle',
    aliases: [{ name: 'Circle', dialect: 'keras' }],
  },
];
