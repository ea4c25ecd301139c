/** Small helpers around a tfjs `LayersModel`: its trainable variables, its single output, its stop flag. */
import type { Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { Tensor as TfTensorClass, Variable } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { LosskitError, describe } from '../errors.js';

const FN = 'train';

export function trainableVariables(model: LayersModel): Variable[] {
  return model.trainableWeights.map((w) => {
    const v = w.read();
    if (!(v instanceof Variable)) throw new Error(`losskit internal: trainable weight ${w.name} is not a tf.Variable`);
    return v;
  });
}

/** Model output as one tensor (single-output models). */
export function single(out: TfTensor | TfTensor[] | unknown, what: string): TfTensor {
  if (out instanceof TfTensorClass) return out;
  if (Array.isArray(out) && out.length === 1 && out[0] instanceof TfTensorClass) return out[0];
  throw new LosskitError(
    'INVALID_INPUT',
    FN,
    `'model' must have exactly one output for ${what}; received ${Array.isArray(out) ? `${out.length} outputs` : describe(out)}`,
    'model',
  );
}

/** `model.stopTraining`, read safely (tfjs's Sequential throws before `compile`). */
export function stopRequested(model: LayersModel): boolean {
  try {
    return model.stopTraining === true;
  } catch {
    return false;
  }
}

/** Resets `model.stopTraining` before a run. */
export function clearStop(model: LayersModel): void {
  try {
    model.stopTraining = false;
  } catch {
    // An uncompiled Sequential has no stopTraining flag: nothing to clear.
  }
}
