/**
 * Training data for `losskit/tfjs`: the accepted forms of `[x, y]` and validation data, checked
 * and split into inputs and targets; per-sample weights; host-side rows of a batch.
 */
import type { Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { Tensor as TfTensorClass } from '@tensorflow/tfjs-core';
import { LosskitError, describe } from '../errors.js';
import type { Tensor, TensorInput } from '../tensor.js';
import { tensor } from '../tensor.js';

const FN = 'train';

/** Inputs and targets: `[x, y]` or `{ x, y }`; `x` may be an array of tensors (multi-input models). */
export type TrainData = readonly [TfTensor | TfTensor[], TfTensor] | { x: TfTensor | TfTensor[]; y: TfTensor };
/** Validation data: `[x, y]` or `[x, y, sampleWeight]`, or the object form. */
export type ValidationData =
  | readonly [TfTensor | TfTensor[], TfTensor]
  | readonly [TfTensor | TfTensor[], TfTensor, TensorInput]
  | { x: TfTensor | TfTensor[]; y: TfTensor; sampleWeight?: TensorInput };

export function splitData(data: TrainData, arg: string, fn = FN): { x: TfTensor[]; y: TfTensor } {
  let x: TfTensor | TfTensor[];
  let y: TfTensor;
  if (Array.isArray(data)) {
    if (data.length < 2)
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `'${arg}' must be [x, y]; received an array of length ${data.length}`,
        arg,
      );
    x = data[0];
    y = data[1];
  } else if (data !== null && typeof data === 'object' && 'x' in data && 'y' in data) {
    x = data.x;
    y = data.y;
  } else {
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'${arg}' must be [x, y] or { x, y } with tf.Tensors; received ${describe(data)}`,
      arg,
    );
  }
  const xs = Array.isArray(x) ? x : [x];
  xs.forEach((t, i) => {
    if (!(t instanceof TfTensorClass))
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `'${arg}' x${xs.length > 1 ? `[${i}]` : ''} must be a tf.Tensor; received ${describe(t)}`,
        arg,
      );
  });
  if (!(y instanceof TfTensorClass))
    throw new LosskitError('INVALID_INPUT', fn, `'${arg}' y must be a tf.Tensor; received ${describe(y)}`, arg);
  const n = y.shape[0];
  if (y.rank === 0)
    throw new LosskitError('SHAPE_MISMATCH', fn, `'${arg}' y must have a batch dimension; received a scalar`, arg);
  for (const t of xs) {
    if (t.rank === 0 || t.shape[0] !== n) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'${arg}': x has ${t.rank === 0 ? 'no batch dimension' : `${t.shape[0]} samples`} but y has ${n}; expected the same number of samples (first dimension)`,
        arg,
      );
    }
  }
  return { x: xs, y };
}

/** The validation triple `[x, y, sampleWeight?]` in any accepted form, checked. */
export function validationParts(
  vd: ValidationData,
  fn: string,
): { x: TfTensor[]; y: TfTensor; w: Float64Array | null } {
  if (vd === null || typeof vd !== 'object') {
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'validationData' must be [x, y], [x, y, sampleWeight] or { x, y, sampleWeight }; received ${describe(vd)}`,
      'validationData',
    );
  }
  const sw: TensorInput | undefined = Array.isArray(vd) ? vd[2] : 'sampleWeight' in vd ? vd.sampleWeight : undefined;
  const parts = splitData(
    Array.isArray(vd) ? [vd[0], vd[1]] : (vd as { x: TfTensor | TfTensor[]; y: TfTensor }),
    'validationData',
    fn,
  );
  return {
    ...parts,
    w: sw === undefined ? null : perSampleWeights('validationData.sampleWeight', sw, parts.y.shape[0], fn),
  };
}

/** Per-sample weights `[N]` from an option (checked: finite, ≥ 0, one per sample). */
export function perSampleWeights(arg: string, value: TensorInput, n: number, fn = FN): Float64Array {
  const t = tensor(value, undefined, fn, arg);
  const ok =
    (t.shape.length === 1 && t.shape[0] === n) || (t.shape.length === 2 && t.shape[0] === n && t.shape[1] === 1);
  if (!ok) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'${arg}' has shape [${t.shape.join(',')}]; expected [${n}] (one weight per sample)`,
      arg,
    );
  }
  const w = Float64Array.from(t.data);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(w[i]) || w[i] < 0)
      throw new LosskitError(
        'OUT_OF_RANGE',
        fn,
        `'${arg}' must hold finite numbers >= 0; received ${w[i]} at index [${i}]`,
        arg,
      );
  }
  return w;
}

/** A per-sample weight vector as a losskit tensor of shape `[n, 1, …, 1]` (rank `rank`), so
 * that it applies per sample whatever the loss's element shape (see `reduce.ts`). */
export function weightTensor(w: Float64Array, rank: number): Tensor {
  const shape = [w.length];
  for (let i = 1; i < rank; i++) shape.push(1);
  return { data: w, shape };
}

/** Rows `idx` of a host array with leading dimension N. */
export function gatherRows(
  data: ArrayLike<number> | Int32Array | Uint8Array | string[],
  shape: readonly number[],
  idx: Int32Array,
): Tensor {
  const k = shape.length <= 1 ? 1 : shape.slice(1).reduce((a, b) => a * b, 1);
  const out = new Float64Array(idx.length * k);
  for (let i = 0; i < idx.length; i++) {
    const src = idx[i] * k;
    for (let j = 0; j < k; j++) out[i * k + j] = Number(data[src + j]);
  }
  return { data: out, shape: [idx.length, ...shape.slice(1)] };
}

export function toF64(d: ArrayLike<number> | string[]): Float32Array | Float64Array {
  if (d instanceof Float32Array || d instanceof Float64Array) return d;
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return out;
}
