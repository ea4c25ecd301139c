/**
 * One optimiser step of `train` / `lrRangeTestTfjs` on a batch, and the evaluation of a model on
 * a whole data set (validation loss and metrics).
 */
import type { Optimizer, Tensor as TfTensor, Variable } from '@tensorflow/tfjs-core';
import { add, gather, tensor1d, tidy } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { LosskitError } from '../errors.js';
import type { LossOptions } from '../losses/core.js';
import type { Metric, MetricValue } from '../metrics/core.js';
import type { Tensor } from '../tensor.js';
import { toF64, weightTensor } from './data.js';
import type { TfjsLoss } from './loss.js';
import { single } from './model.js';

/** The arguments of {@link trainStep}. */
export interface TrainStepArgs {
  model: LayersModel;
  optimizer: Optimizer;
  /** The model's trainable variables ({@link trainableVariables}). */
  vars: Variable[];
  loss: TfjsLoss;
  /** All inputs and targets (the batch's rows are gathered on the backend). */
  x: TfTensor[];
  y: TfTensor;
  /** Row indices of the batch. */
  idx: Int32Array;
  /** Per-sample weights of the batch's rows (aligned with `idx`), or null. */
  weights: Float64Array | null;
  /** Return the predictions made (for the training metrics). */
  wantPreds: boolean;
}

/**
 * One optimiser step on the rows `idx`: forward (training mode), losskit loss with the rows'
 * weights + the model's regulariser penalties, exact gradient, update. Returns the batch loss
 * (float64 when there are no regularisers) and, when asked, the predictions made.
 */
export function trainStep(args: TrainStepArgs): { loss: number; preds: Tensor | null } {
  const { model, optimizer, vars, loss, x, y, idx, weights: wb, wantPreds } = args;
  let preds: Tensor | null = null;
  let regularised = false;
  let value: number;
  try {
    value = step();
  } catch (e) {
    // Diverged weights make non-finite predictions: report a NaN loss (no update is applied),
    // as the LR range test and LossHistory expect, rather than failing. Bad data still throws.
    if (e instanceof LosskitError && e.code === 'NON_FINITE' && e.argument === 'yPred')
      return { loss: NaN, preds: null };
    throw e;
  }
  return { loss: value, preds };

  function step(): number {
    return tidy(() => {
      const it = tensor1d(idx, 'int32');
      const xb = x.map((t) => gather(t, it));
      const yb = gather(y, it);
      const cost = optimizer.minimize(
        () => {
          const out = single(model.apply(xb.length === 1 ? xb[0] : xb, { training: true }), 'train');
          if (wantPreds) preds = { data: Float32Array.from(out.dataSync()), shape: out.shape };
          let total = loss(yb, out, wb === null ? undefined : { sampleWeight: weightTensor(wb, out.rank) });
          const regs = model.calculateLosses();
          regularised = regs.length > 0;
          for (const r of regs) total = add(total, r);
          return total;
        },
        true,
        vars,
      );
      const v = cost === null ? NaN : cost.dataSync()[0];
      return regularised ? v : loss.lastValue;
    });
  }
}

/**
 * Loss and metrics of `model` on a whole data set: predictions in batches of `batchSize`, the
 * loss in float64 over everything at once (plus the model's regulariser penalties), each metric
 * updated once with everything.
 */
export function evaluateOn(
  model: LayersModel,
  data: { x: TfTensor[]; y: TfTensor; w: Float64Array | null },
  loss: TfjsLoss | null,
  batchSize: number,
  metrics: [string, Metric][],
): { loss: number; values: Record<string, MetricValue> } {
  const pred = tidy(() => single(model.predict(data.x.length === 1 ? data.x[0] : data.x, { batchSize }), 'validation'));
  const yp: Tensor = { data: Float32Array.from(pred.dataSync()), shape: pred.shape };
  const rank = pred.rank;
  pred.dispose();
  const yt: Tensor = { data: toF64(data.y.dataSync()), shape: data.y.shape };
  let value = NaN;
  if (loss !== null) {
    const opts: LossOptions = {
      ...loss.options,
      sampleWeight: data.w === null ? undefined : weightTensor(data.w, rank),
    };
    const v = loss.loss(yt, yp, opts);
    value = typeof v === 'number' ? v : NaN;
    value += tidy(() => {
      let s = 0;
      for (const r of model.calculateLosses()) s += r.dataSync()[0];
      return s;
    });
  }
  const values: Record<string, MetricValue> = {};
  for (const [k, m] of metrics) {
    m.reset();
    m.update(yt, yp, data.w === null ? {} : { sampleWeight: data.w });
    values[k] = m.compute();
  }
  return { loss: value, values };
}
