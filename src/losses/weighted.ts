/**
 * `weightedLoss`: per-element losses the caller computed, weighted and reduced by losskit's
 * reducer — TensorFlow.js's `tf.losses.computeWeightedLoss(losses, weights, reduction)`.
 */
import type { ElementwiseKernel } from './define.js';
import { bindKernel, loss } from './define.js';
import { TFJS_CORE } from './dialects.js';
import type { LossEntry } from './registry-types.js';

/** Kernel of the identity `lᵢ = ŷᵢ` (the losses themselves), `gᵢ = 1`. */
const identityKernel: ElementwiseKernel<Record<string, never>> = ({ n, yPred, w, scale, out, grad }) => {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const wi = w === null ? 1 : w[i];
    const l = wi * yPred[i];
    s += l;
    if (out !== null) out[i] = l;
    if (grad !== null) grad[i] = scale * wi;
  }
  return s;
};

/**
 * Weights and reduces per-element losses computed elsewhere: `yTrue` is `null`, `yPred` the
 * losses (any real values, any shape). The value is the reducer's (`reduction`, `sampleWeight`,
 * `weightsBroadcast`: see `reduce.ts`); the gradient is d(value)/d(losses).
 *
 * - Equivalents: TensorFlow.js `tf.losses.computeWeightedLoss(losses, weights, reduction)` —
 *   aliases `computeWeightedLoss` / `tf.losses.computeWeightedLoss`, with tfjs's default
 *   `'sumByNonzeroWeights'` and NumPy weight broadcasting; `weights` is `sampleWeight`.
 *
 * @example weightedLoss(null, [1, 2, 3], { sampleWeight: [1, 0, 0.5], reduction: 'sumByNonzeroWeights' }) // 1.25
 */
export const weightedLoss = /* @__PURE__ */ loss({
  name: 'weightedLoss',
  options: {},
  meta: { input: 'values', target: 'other', meanDenominator: 'count' },
  target: 'optional',
  layout: { kind: 'elementwise', kernel: () => bindKernel(identityKernel, {}) },
});

export const weightedLosses: LossEntry[] = [
  {
    name: 'weightedLoss',
    fn: weightedLoss,
    description: 'Per-element losses weighted and reduced by the reducer — tfjs tf.losses.computeWeightedLoss',
    aliases: [
      { name: 'computeWeightedLoss', dialect: 'tfjs', defaults: TFJS_CORE },
      { name: 'tf.losses.computeWeightedLoss', dialect: 'tfjs', defaults: TFJS_CORE },
    ],
  },
];
