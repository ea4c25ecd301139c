/**
 * Regression metrics (scikit-learn semantics), streaming and exact.
 */
import { LosskitError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkFinite, checkNonEmpty, checkOneOf, checkSameShape } from '../validate.js';
import type { MetricOptions, MetricSpec, MetricState } from './core.js';
import { numSamples, oneShot, perSample } from './core.js';
import type { MetricEntry } from './registry-types.js';

export interface MultioutputConfig {
  multioutput: 'uniformAverage' | 'rawValues';
}

function multioutputConfig(options: MetricOptions, fn: string): MultioutputConfig {
  return { multioutput: options.multioutput === undefined ? 'uniformAverage' : checkOneOf(fn, 'multioutput', options.multioutput, ['uniformAverage', 'rawValues'] as const) };
}

/** Checks a regression batch: same shapes, non-empty, finite; returns the number of outputs. */
export function checkRegressionBatch(fn: string, yTrue: Tensor, yPred: Tensor, state: MetricState, key: string): number {
  checkSameShape(fn, yTrue, 'yTrue', yPred, 'yPred');
  checkNonEmpty(fn, 'yPred', yPred);
  checkFinite(fn, 'yTrue', yTrue);
  checkFinite(fn, 'yPred', yPred);
  if (yPred.shape.length > 2) {
    throw new LosskitError('SHAPE_MISMATCH', fn, `'yPred' must have shape [N] or [N, outputs]; received ${fmtShape(yPred.shape)}`, 'yPred');
  }
  const d = perSample(yPred);
  const cur = state[key];
  if (cur instanceof Float64Array && cur.length !== 0 && cur.length !== d) {
    throw new LosskitError('SHAPE_MISMATCH', fn, `'yPred' has ${d} outputs per sample but earlier batches had ${cur.length}`, 'yPred');
  }
  return d;
}

/** Per-output value → the configured multioutput aggregate. */
export function aggregateOutputs(values: Float64Array, config: MultioutputConfig): number | number[] {
  if (config.multioutput === 'rawValues') return Array.from(values);
  let s = 0;
  for (let j = 0; j < values.length; j++) s += values[j];
  return values.length === 1 ? values[0] : s / values.length;
}

/**
 * Mean squared error as a metric: `Σᵢ wᵢ (yᵢⱼ − ŷᵢⱼ)² / Σᵢ wᵢ` per output `j`, then averaged
 * over outputs (`multioutput: 'uniformAverage'`) or returned per output (`'rawValues'`).
 * scikit-learn `mean_squared_error`; torchmetrics `MeanSquaredError`; Keras `mse` metric.
 * State: `sumW` (sum), `sumSq` (per-output sum) — both merge by addition.
 */
export const meanSquaredErrorSpec: MetricSpec<MultioutputConfig> = {
  name: 'meanSquaredError',
  optionNames: ['multioutput'],
  config: multioutputConfig,
  fields: () => ({ sumW: { rule: 'sum', init: 0 }, sumSq: { rule: 'sum', init: { zeros: 0 } } }),
  update(state, yTrue, yPred, w, _config, fn) {
    const d = checkRegressionBatch(fn, yTrue, yPred, state, 'sumSq');
    if ((state.sumSq as Float64Array).length === 0) state.sumSq = new Float64Array(d);
    const acc = state.sumSq as Float64Array;
    const n = numSamples(yPred);
    const t = yTrue.data;
    const p = yPred.data;
    let sw = 0;
    for (let i = 0; i < n; i++) {
      const wi = w === null ? 1 : w[i];
      sw += wi;
      for (let j = 0, k = i * d; j < d; j++, k++) {
        const e = p[k] - t[k];
        acc[j] += wi * e * e;
      }
    }
    state.sumW = (state.sumW as number) + sw;
  },
  compute(state, config) {
    const acc = state.sumSq as Float64Array;
    const sw = state.sumW as number;
    if (acc.length === 0) return NaN;
    return aggregateOutputs(acc.map((v) => v / sw), config);
  },
};

export const regressionMetrics: MetricEntry[] = [
  {
    name: 'meanSquaredError',
    spec: meanSquaredErrorSpec,
    description: 'Mean squared error (scikit-learn mean_squared_error)',
    aliases: [
      { name: 'mean_squared_error', source: 'sklearn' },
      { name: 'MeanSquaredError', source: 'torchmetrics' },
      { name: 'mse', source: 'keras' },
    ],
  },
];

/** One-shot functions (also exported under `metrics.` since some names are loss names too). */
export const meanSquaredError = oneShot(meanSquaredErrorSpec);
