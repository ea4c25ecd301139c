/**
 * Keras 3 accuracy variants that losskit's `accuracy` / `topKAccuracy` do not read the Keras way:
 *
 * - `elementwiseAccuracy` (Keras `keras.metrics.Accuracy`): how often `yPred` equals `yTrue`,
 *   element by element, over tensors of any shape;
 * - `topKAccuracy` with `fromSortedIds: true` (Keras `SparseTopKCategoricalAccuracy(
 *   from_sorted_ids=True)`): `yPred` holds class ids sorted by score, not scores.
 */
import { LosskitError, describe, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { MetricSpec } from './core.js';
import { numField } from './core.js';
import { checkHasSamples } from '../validate.js';
import { sameLayout } from './keras-auc.js';
import type { MetricEntry } from './registry-types.js';

interface MatchState {
  correct: number;
  total: number;
}

/**
 * `elementwiseAccuracy`: `Σ w·[yTrue = yPred] / Σ w` over every element — Keras 3
 * `keras.metrics.Accuracy` (its `accuracy` function compares element-wise; the `Mean` wrapper
 * weights the comparisons). `yTrue` and `yPred` have the same shape (any rank; a trailing 1 on
 * either side is allowed, Keras's `squeeze_or_expand_to_same_rank`) and hold any finite values
 * (labels, ids, rounded predictions); equality is exact. Sample weights: a number, one per
 * sample (`[N]` or `[N, 1]`), or one per element (a shape that broadcasts to `yTrue`, e.g.
 * `[N, k]` or `[1, k]`). No data or all weights 0 gives 0 (Keras's `divide_no_nan`).
 * Equivalents: Keras `Accuracy`; tfjs-layers `metrics.binaryAccuracy` on 0/1 values;
 * torchmetrics / scikit-learn have none (their accuracy reads `[N, k]` as one-hot or
 * multilabel). State: Σ w·match, Σ w (merged by sum).
 */
export const elementwiseAccuracySpec: MetricSpec<object, MatchState, number> = {
  name: 'elementwiseAccuracy',
  optionNames: [],
  config: () => ({}),
  init: () => ({ correct: 0, total: 0 }),
  fields: () => [numField('correct', 'count'), numField('total', 'count')],
  elementWeights: true,
  update(state, yTrue, yPred, w, _c, fn) {
    const shape = sameLayout(fn, yTrue, yPred);
    const n = yPred.data.length;
    checkHasSamples(fn, yTrue);
    const t = yTrue.data;
    const p = yPred.data;
    for (const [arg, d] of [
      ['yTrue', t],
      ['yPred', p],
    ] as const)
      for (let k = 0; k < n; k++)
        if (!Number.isFinite(d[k]))
          throw new LosskitError(
            'NON_FINITE',
            fn,
            `'${arg}' must hold finite values; received ${describe(d[k])} at flat index ${k}`,
            arg,
          );
    const N = shape.length > 0 ? shape[0] : 1;
    const per = n / N;
    let correct = 0;
    let total = 0;
    for (let k = 0; k < n; k++) {
      const wk = w === null ? 1 : w.length === n ? w[k] : w[Math.floor(k / per)];
      total += wk;
      if (t[k] === p[k]) correct += wk;
    }
    state.correct += correct;
    state.total += total;
  },
  compute: (s) => (s.total === 0 ? 0 : s.correct / s.total),
};

export const elementwiseAccuracyEntry = {
  name: 'elementwiseAccuracy',
  result: 'number',
  spec: elementwiseAccuracySpec,
  description: 'Fraction of elements where yPred equals yTrue, any shape, per-element weights — Keras Accuracy',
  aliases: [],
} as const satisfies MetricEntry;

/**
 * Keras `sparse_top_k_categorical_accuracy(from_sorted_ids=True)`: `yPred [N, m]` holds each
 * sample's class ids sorted by decreasing score (m may differ from the number of classes);
 * a sample is a hit when its label `yTrue [N]` (or `[N, 1]`) is among the first `k` ids (all
 * `m` when `k > m`). Targets equal to `ignoreIndex` are skipped. Returns the weighted hits and
 * weights of the batch.
 */
export function sortedIdsTopK(
  yTrue: Tensor,
  yPred: Tensor,
  w: Float64Array | null,
  o: { topK: number; ignoreIndex: number | null },
  fn: string,
): { correct: number; total: number } {
  const ps = yPred.shape;
  const ts = yTrue.shape;
  const N = ps.length === 2 ? ps[0] : -1;
  if (N < 0 || !((ts.length === 1 && ts[0] === N) || (ts.length === 2 && ts[0] === N && ts[1] === 1)))
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `fromSortedIds: true needs 'yPred' [N, m] (each row's class ids, best first) and 'yTrue' [N] or [N, 1] labels; received yPred ${fmtShape(ps)} with yTrue ${fmtShape(ts)}`,
      'yPred',
    );
  if (N === 0)
    throw new LosskitError(
      'EMPTY_INPUT',
      fn,
      `'yTrue' is empty (shape ${fmtShape(ts)}); expected at least one sample`,
      'yTrue',
    );
  const m = ps[1];
  const t = yTrue.data;
  const p = yPred.data;
  for (let i = 0; i < N; i++)
    if (!(Number.isInteger(t[i]) && t[i] >= 0) && t[i] !== o.ignoreIndex)
      throw new LosskitError(
        'INVALID_LABEL',
        fn,
        `'yTrue' must hold non-negative integer class labels; received ${describe(t[i])} at index [${i}]`,
        'yTrue',
      );
  for (let k = 0; k < p.length; k++)
    if (!Number.isInteger(p[k]))
      throw new LosskitError(
        'INVALID_LABEL',
        fn,
        `fromSortedIds: true reads 'yPred' as integer class ids; received ${describe(p[k])} at flat index ${k}`,
        'yPred',
      );
  const k = Math.min(o.topK, m);
  let correct = 0;
  let total = 0;
  for (let i = 0; i < N; i++) {
    if (t[i] === o.ignoreIndex) continue;
    const wi = w === null ? 1 : w[i];
    total += wi;
    for (let j = 0; j < k; j++)
      if (p[i * m + j] === t[i]) {
        correct += wi;
        break;
      }
  }
  return { correct, total };
}
