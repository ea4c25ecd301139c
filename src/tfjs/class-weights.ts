/**
 * `train`'s `classWeight`: the class of each sample (Keras's rule: the label itself for `[N]` /
 * `[N, 1]` targets, the argmax of one-hot `[N, C]` targets) and its weight.
 */
import type { Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { LosskitError, describe } from '../errors.js';

const FN = 'train';

/** The class of each sample for `classWeight` (Keras's rule), from `y`'s values. */
function sampleClasses(y: TfTensor): Int32Array {
  const n = y.shape[0];
  const d = y.dataSync();
  const k = y.rank === 1 ? 1 : y.size / n;
  if (y.rank > 2) {
    throw new LosskitError(
      'INVALID_OPTION',
      FN,
      `option 'classWeight' needs y of shape [N], [N, 1] or one-hot [N, C]; received y of shape [${y.shape.join(',')}]`,
      'classWeight',
    );
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (k === 1) {
      const v = Number(d[i]);
      if (!Number.isInteger(v) || v < 0) {
        throw new LosskitError(
          'INVALID_LABEL',
          FN,
          `option 'classWeight' needs integer class labels in y; received ${v} at index [${i}]`,
          'classWeight',
        );
      }
      out[i] = v;
    } else {
      let best = 0;
      for (let j = 1; j < k; j++) if (Number(d[i * k + j]) > Number(d[i * k + best])) best = j;
      out[i] = best;
    }
  }
  return out;
}

/** One weight per sample from `classWeight` (checked: class indices ≥ 0, finite weights ≥ 0, every class of `y` present). */
export function classWeightsPerSample(
  classWeight: Record<number, number> | readonly number[],
  y: TfTensor,
): Float64Array {
  if (classWeight === null || typeof classWeight !== 'object') {
    throw new LosskitError(
      'INVALID_OPTION',
      FN,
      `option 'classWeight' must be an object { classIndex: weight } or an array; received ${describe(classWeight)}`,
      'classWeight',
    );
  }
  const cls = sampleClasses(y);
  const table = new Map<number, number>();
  for (const [k, v] of Object.entries(classWeight)) {
    const c = Number(k);
    if (!Number.isInteger(c) || c < 0)
      throw new LosskitError(
        'INVALID_OPTION',
        FN,
        `option 'classWeight' keys must be class indices >= 0; received ${describe(k)}`,
        'classWeight',
      );
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new LosskitError(
        'INVALID_OPTION',
        FN,
        `option 'classWeight' values must be finite numbers >= 0; received ${describe(v)} for class ${c}`,
        'classWeight',
      );
    }
    table.set(c, v);
  }
  const w = new Float64Array(cls.length);
  for (let i = 0; i < cls.length; i++) {
    const v = table.get(cls[i]);
    if (v === undefined) {
      throw new LosskitError(
        'INVALID_OPTION',
        FN,
        `option 'classWeight' has no weight for class ${cls[i]} (sample [${i}]); expected a weight for every class in y (classes given: ${[...table.keys()].join(', ')})`,
        'classWeight',
      );
    }
    w[i] = v;
  }
  return w;
}
