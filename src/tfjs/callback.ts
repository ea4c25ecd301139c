/**
 * `streamingMetricsCallback`: exact losskit metrics on validation data after every epoch of
 * tfjs's `model.fit` (or losskit's `train`), written into the epoch logs.
 */
import type { Scalar, Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { Callback } from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { LosskitError, describe } from '../errors.js';
import type { LossFunction, LossOptions } from '../losses/core.js';
import type { Metric, MetricValue } from '../metrics/core.js';
import { checkNumberOption, checkOptionNames } from '../validate.js';
import type { TfjsLoss } from './loss.js';
import { tfjsLoss } from './loss.js';
import { resolveMetrics, scalarLogs, type MetricsArg } from './metrics.js';
import { validationParts, type ValidationData } from './data.js';
import { evaluateOn } from './step.js';

const FN = 'streamingMetricsCallback';

export interface StreamingMetricsCallbackOptions {
  /** `[x, y]`, `[x, y, sampleWeight]` or `{ x, y, sampleWeight }` (weights: one per sample). */
  validationData: ValidationData;
  /** losskit metrics (names or `getMetric(name, options)` instances; see `MetricsArg`). */
  metrics: MetricsArg;
  /** Prefix of the log keys (default `'val_'`: `val_f1`, …). Use another one (e.g. `'exact_val_'`)
   * to keep tfjs's own `val_*` metrics of the same names. */
  prefix?: string;
  /** Optional loss (name, `LossFunction` or `tfjsLoss`) logged as `<prefix>loss`, in float64 over the whole set. */
  loss?: string | LossFunction | TfjsLoss;
  lossOptions?: LossOptions;
  /** Batch size of the predictions (default 32): memory only, the result does not depend on it. */
  batchSize?: number;
  /** The model, when the callback is used outside `model.fit` / `train` (they call `setModel`). */
  model?: LayersModel;
  /** Called with every metric value, including non-scalar ones (per-class arrays, curves). */
  onResult?: (epoch: number, values: Record<string, MetricValue>, logs: Record<string, number>) => void | Promise<void>;
}

/**
 * The callback object of {@link streamingMetricsCallback}: a tfjs `Callback` (so `model.fit`
 * gives it the model and keeps it in its callback list), with `results` holding every epoch's
 * values.
 */
export class StreamingMetricsCallback extends Callback {
  /** Every epoch's metric values (keys with the prefix), in order. */
  readonly results: Record<string, MetricValue>[] = [];
  private readonly data: { x: TfTensor[]; y: TfTensor; w: Float64Array | null };
  private readonly metricPairs: [string, Metric][];
  private readonly prefix: string;
  private readonly lossFn: TfjsLoss | null;
  private readonly batchSize: number;
  private readonly onResult: StreamingMetricsCallbackOptions['onResult'];

  constructor(options: StreamingMetricsCallbackOptions) {
    super();
    if (options === undefined)
      throw new LosskitError(
        'INVALID_OPTION',
        FN,
        `'options' must be { validationData, metrics, … }; received undefined`,
        'options',
      );
    checkOptionNames(FN, options, [
      'validationData',
      'metrics',
      'prefix',
      'loss',
      'lossOptions',
      'batchSize',
      'model',
      'onResult',
    ]);
    this.data = validationParts(options.validationData, FN);
    this.metricPairs = resolveMetrics(FN, options.metrics).map(([k, m]): [string, Metric] => [k, m.clone().reset()]);
    this.prefix = options.prefix ?? 'val_';
    if (typeof this.prefix !== 'string')
      throw new LosskitError(
        'INVALID_OPTION',
        FN,
        `option 'prefix' must be a string; received ${describe(this.prefix)}`,
        'prefix',
      );
    this.lossFn =
      options.loss === undefined
        ? null
        : typeof options.loss === 'function' && 'lastValue' in options.loss
          ? options.loss
          : tfjsLoss(options.loss, options.lossOptions ?? {});
    this.batchSize =
      options.batchSize === undefined
        ? 32
        : checkNumberOption(FN, 'batchSize', options.batchSize, { integer: true, min: 1 });
    this.onResult = options.onResult;
    if (options.model !== undefined) this.model = options.model;
  }

  /** Evaluates the metrics on the validation data now (the model as it is). */
  evaluate(): { values: Record<string, MetricValue>; logs: Record<string, number> } {
    if (this.model === null || this.model === undefined) {
      throw new LosskitError(
        'INVALID_INPUT',
        FN,
        `no model: pass the callback to model.fit / train (which call setModel), or give option 'model'`,
        'model',
      );
    }
    const r = evaluateOn(this.model, this.data, this.lossFn, this.batchSize, this.metricPairs);
    const values: Record<string, MetricValue> = {};
    for (const [k, v] of Object.entries(r.values)) values[this.prefix + k] = v;
    const logs = scalarLogs(values, '');
    if (this.lossFn !== null) {
      logs[`${this.prefix}loss`] = r.loss;
      values[`${this.prefix}loss`] = r.loss;
    }
    return { values, logs };
  }

  override async onEpochEnd(epoch: number, logs?: Record<string, number | Scalar>): Promise<void> {
    const r = this.evaluate();
    this.results.push(r.values);
    if (logs !== undefined && logs !== null) Object.assign(logs, r.logs);
    await this.onResult?.(epoch, r.values, r.logs);
  }
}

/**
 * Exact streaming metrics on validation data, every epoch, for `model.fit` (and `train`).
 *
 * tfjs's `model.fit` reports validation metrics as the batch-size-weighted mean of per-batch
 * values — exact for accuracy or MSE, wrong for precision, recall, F1, AUC, R², RMSE… This
 * callback predicts the validation set in batches, updates losskit streaming metrics (with
 * the validation sample weights, if any), computes them once over everything and writes the
 * scalar values into the epoch `logs` (so they appear in `history.history`), under
 * `prefix + name` (default `val_`).
 *
 * Shapes: as each metric documents (`yPred` is the model output).
 * Equivalents: Keras validation metrics (stateful, exact); torchmetrics' `MetricCollection`
 * over a validation loader.
 *
 * @example
 * import { getMetric } from 'losskit';
 * import { streamingMetricsCallback } from 'losskit/tfjs';
 * const cb = streamingMetricsCallback({
 *   validationData: [xVal, yVal],
 *   metrics: { f1: getMetric('f1', { task: 'binary' }), auroc: getMetric('auroc', { task: 'binary' }) },
 * });
 * const h = await model.fit(x, y, { epochs: 5, callbacks: [cb] });
 * h.history.val_f1; // exact F1 on the whole validation set, per epoch
 */
export function streamingMetricsCallback(options: StreamingMetricsCallbackOptions): StreamingMetricsCallback {
  if (options === null || typeof options !== 'object') {
    throw new LosskitError(
      'INVALID_OPTION',
      FN,
      `'options' must be an object { validationData, metrics }; received ${describe(options)}`,
      'options',
    );
  }
  return new StreamingMetricsCallback(options);
}
