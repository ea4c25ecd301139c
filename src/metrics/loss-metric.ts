/**
 * Losses as streaming metrics: the weighted mean of a loss over a whole dataset, fed batch by
 * batch, mergeable across shards and serialisable like every other metric.
 */
import { LosskitError, describe } from '../errors.js';
import type { LossFunction, LossOptions } from '../losses/core.js';
import { getLoss } from '../losses/registry.js';
import type { Tensor, TensorInput } from '../tensor.js';
import { tensor, toNested } from '../tensor.js';
import type { MetricOptions, MetricSpec } from './core.js';
import { Metric, numField, numSamples } from './core.js';
import type { MetricEntry } from './registry-types.js';

/** A JSON-safe option value (what a loss metric keeps of its loss's options). */
export type JsonOption = number | string | boolean | null | JsonOption[];

export interface LossMetricConfig {
  /** The loss name as given (an alias keeps its dialect's defaults). */
  loss: string;
  lossOptions: Record<string, JsonOption>;
}

/**
 * Options of every loss that a streaming metric cannot take: the metric applies its own
 * reduction and per-sample weights and computes no gradient. (A loss's per-batch inputs, which
 * cannot be fixed once for a whole stream, are declared by the loss: `meta.batchInputs`.)
 */
const FORBIDDEN: Record<string, string> = {
  reduction: 'the metric reduces the per-element losses itself',
  sampleWeight: 'pass per-sample weights to update(yTrue, yPred, { sampleWeight }) instead',
  gradOut: 'a metric computes no gradient',
};
const PER_BATCH_INPUT = 'it is a per-batch input (losses needing one cannot be streamed as metrics)';

function resolveLoss(name: unknown, fn: string): LossFunction {
  if (typeof name !== 'string') {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'loss' must be a loss name such as 'crossEntropy' (see listLosses()); received ${describe(name)}`,
      'loss',
    );
  }
  try {
    return getLoss(name);
  } catch (e) {
    if (e instanceof LosskitError)
      throw new LosskitError(e.code, fn, `option 'loss': ${e.message.replace(/^getLoss: /, '')}`, 'loss');
    throw e;
  }
}

/** A JSON-safe copy of one option value: typed arrays and tensors become nested arrays. */
function jsonSafe(v: unknown, key: string, fn: string): JsonOption {
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((x) => jsonSafe(x, key, fn));
  if (typeof v === 'object') {
    let t: Tensor;
    try {
      t = tensor(v as TensorInput, undefined, fn, `lossOptions.${key}`);
    } catch {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `'lossOptions.${key}' must be a number, string, boolean, array, typed array or tensor; received ${describe(v)}`,
        'lossOptions',
      );
    }
    const nested = toNested(t);
    return typeof nested === 'number' ? nested : jsonSafe(nested, key, fn);
  }
  throw new LosskitError(
    'INVALID_OPTION',
    fn,
    `'lossOptions.${key}' must be a number, string, boolean, array, typed array or tensor; received ${describe(v)}`,
    'lossOptions',
  );
}

function normalizeLossOptions(options: MetricOptions, fn: string): Record<string, JsonOption> {
  const lo = options.lossOptions;
  if (lo === undefined) return {};
  if (lo === null || typeof lo !== 'object' || Array.isArray(lo)) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'lossOptions' must be an object of the loss's options; received ${describe(lo)}`,
      'lossOptions',
    );
  }
  const out: Record<string, JsonOption> = {};
  for (const [k, v] of Object.entries(lo)) if (v !== undefined) out[k] = jsonSafe(v, k, fn);
  return out;
}

/**
 * Per-element `'mean'` denominators of losses whose PyTorch mean is weighted by the target's
 * class weight (`meta.meanDenominator: 'targetClassWeight'`: cross-entropy, NLL with class-index
 * targets): `weight[y]`, 0 when ignored. `null` for the plain count.
 */
function classIndexDenominators(
  lossFn: LossFunction,
  options: LossOptions,
  yTrue: Tensor,
  yPred: Tensor,
): Float64Array | null {
  if (lossFn.meta.meanDenominator !== 'targetClassWeight') return null;
  if (yTrue.data.length === yPred.data.length) return null; // probability targets: plain mean
  const ignore = options.ignoreIndex ?? lossFn.meta.ignoreIndex;
  const cw = options.weight === undefined ? null : tensor(options.weight).data;
  const y = yTrue.data;
  const v = new Float64Array(y.length);
  for (let k = 0; k < y.length; k++) v[k] = y[k] === ignore ? 0 : cw === null ? 1 : cw[y[k]];
  return v;
}

/**
 * Keras's `ignore_class` in a metric (`MeanMetricWrapper`): with sample weights, `apply_mask`
 * drops the weights of the ignored targets from the denominator; without weights they still
 * count (Keras's own behaviour, kept). For Keras class-index losses (`'sumOverBatchSize'`
 * defaults, class axis last) given an `ignoreIndex`: 0 where ignored, else 1.
 */
function kerasMaskedDenominators(
  lossFn: LossFunction,
  options: LossOptions,
  yTrue: Tensor,
  yPred: Tensor,
): Float64Array | null {
  if (options.reduction !== 'sumOverBatchSize' || lossFn.meta.classAxis !== 'last') return null;
  if (options.ignoreIndex === undefined || yTrue.data.length === yPred.data.length) return null;
  const y = yTrue.data;
  const v = new Float64Array(y.length);
  for (let k = 0; k < y.length; k++) v[k] = y[k] === options.ignoreIndex ? 0 : 1;
  return v;
}

/**
 * The spec behind {@link lossMetric} and `getMetric('loss', { loss, lossOptions })`.
 *
 * `update(yTrue, yPred, { sampleWeight })` evaluates the loss with `reduction: 'none'` and adds
 * `Σᵢ sᵢ·Σₖ lᵢₖ` and `Σᵢ sᵢ·Kᵢ`, where `lᵢₖ` are the elements of sample `i`'s slice of the
 * `'none'` output (its first axis is the sample axis) and `Kᵢ` their count; `compute()` divides.
 * State: two numbers merged by addition.
 */
/** Σ sample weight × loss and the matching Σ of denominators. */
export interface LossMetricState {
  sumLoss: number;
  sumW: number;
}

export const lossMetricSpec: MetricSpec<LossMetricConfig, LossMetricState, number> = {
  name: 'loss',
  optionNames: ['loss', 'lossOptions'],
  normalizeOptions(options, fn) {
    const out: MetricOptions = { ...options };
    if (options.lossOptions !== undefined) out.lossOptions = normalizeLossOptions(options, fn);
    return out;
  },
  config(options, fn) {
    const lossFn = resolveLoss(options.loss, fn);
    const lossOptions = normalizeLossOptions(options, fn);
    const batchInputs = lossFn.meta.batchInputs ?? [];
    for (const k of Object.keys(lossOptions)) {
      const why = k in FORBIDDEN ? FORBIDDEN[k] : batchInputs.includes(k) ? PER_BATCH_INPUT : undefined;
      if (why !== undefined) {
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `'lossOptions.${k}' is not accepted by a loss metric: ${why}`,
          'lossOptions',
        );
      }
      if (!lossFn.optionNames.includes(k)) {
        const valid = lossFn.optionNames.filter((n) => !(n in FORBIDDEN) && !batchInputs.includes(n));
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `'lossOptions.${k}' is not an option of loss '${options.loss}'; valid options are ${valid.map((n) => `'${n}'`).join(', ')}`,
          'lossOptions',
        );
      }
    }
    return { loss: options.loss as string, lossOptions };
  },
  init: () => ({ sumLoss: 0, sumW: 0 }),
  fields: () => [numField('sumLoss', 'any'), numField('sumW', 'count')],
  update(state, yTrue, yPred, w, config, fn) {
    const lossFn = getLoss(config.loss);
    const opts: LossOptions = { ...config.lossOptions };
    const out = lossFn(yTrue, yPred, { ...opts, reduction: 'none' });
    // A scalar per-sample output for a batch with a first axis: the loss reduced that axis itself
    // (Keras's mean over the last axis of a 1-D input), so the input is one unbatched sample,
    // as Keras's metric counts it.
    const unbatched = out.shape.length === 0 && yTrue.shape.length > 0;
    if (unbatched && w !== null && w.length !== 1) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `loss '${config.loss}' reads yTrue of shape [${yTrue.shape.join(',')}] as one unbatched sample (its 'none' output is a scalar); 'sampleWeight' must then be one weight; received ${w.length}`,
        'sampleWeight',
      );
    }
    const n = unbatched ? 1 : numSamples(yTrue);
    const l = out.data;
    if ((out.shape.length === 0 ? 1 : out.shape[0]) !== n || l.length % n !== 0) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `loss '${config.loss}' with reduction 'none' returned shape [${out.shape.join(',')}], which has no sample axis of length ${n} (yTrue.shape[0]); it cannot be averaged per sample`,
        'yPred',
      );
    }
    const K = l.length / n;
    const den = w !== null ? kerasMaskedDenominators(lossFn, { ...lossFn.defaults, ...opts }, yTrue, yPred) : null;
    const denom = den ?? classIndexDenominators(lossFn, { ...lossFn.defaults, ...opts }, yTrue, yPred);
    let sl = 0;
    let sw = 0;
    for (let i = 0; i < n; i++) {
      const wi = w === null ? 1 : w[i];
      let li = 0;
      let di = 0;
      for (let k = i * K; k < (i + 1) * K; k++) li += l[k];
      if (denom === null) di = K;
      else for (let k = i * K; k < (i + 1) * K; k++) di += denom[k];
      // A zero weight removes the sample entirely (even a NaN loss).
      if (wi !== 0) {
        sl += wi * li;
        sw += wi * di;
      }
    }
    state.sumLoss += sl;
    state.sumW += sw;
  },
  compute(state) {
    return state.sumLoss / state.sumW;
  },
};

/**
 * A loss as a streaming metric: the weighted mean of the loss over everything passed to
 * `update`, exact across batches, shards (`merge`) and `toJSON` / `restoreMetric`.
 *
 * `value = Σᵢ sᵢ·Σₖ lᵢₖ / Σᵢ sᵢ·dᵢ`, where `lᵢₖ` are sample `i`'s elements of the loss's
 * `reduction: 'none'` output (for `[N, C]` logits cross-entropy one per sample; for MSE on
 * `[N, d]` the `d` per-element errors), `sᵢ` the `sampleWeight` of `update` (default 1) and
 * `dᵢ` the sample's share of the loss's `'mean'` denominator: its element count, or for
 * `crossEntropy` / `nllLoss` with class-index targets `Σₖ weight[yᵢₖ]` with ignored targets
 * (`ignoreIndex`, default −100) counting 0. So, with no sample weights, the metric equals the
 * loss with `reduction: 'mean'` evaluated on all the data at once (the loss's own `'mean'`;
 * PyTorch semantics, or Keras's per-sample mean over the last axis for Keras aliases).
 * Zero-weight samples are left out entirely. With no data (or all weights 0) it is `NaN`.
 * A loss whose `'none'` output is a scalar for a batch with a first axis (a Keras loss's mean
 * over the last axis of a 1-D input) has read that batch as one unbatched sample: it counts as
 * one sample (one weight), as Keras's metrics count it.
 * Keras class-index losses with `ignoreIndex` (Keras `ignore_class`), as Keras's metric: with
 * sample weights the ignored targets' weights leave the denominator; without, they count.
 *
 * Options: `lossOptions` — the loss's own options (not `reduction`, `sampleWeight`, `gradOut`,
 * nor per-batch inputs such as `input2`, `variance`, `inputLengths`: losses needing them, and
 * `tripletMargin` (no target), cannot be streamed). Typed arrays and tensors in `lossOptions`
 * are stored as plain arrays so the metric serialises; the config fingerprint includes the loss
 * name and its options, so metrics of different losses or options refuse to merge.
 * Equivalents: Keras `keras.metrics.Mean` of the per-sample loss; torchmetrics `MeanMetric` of
 * the per-sample loss.
 *
 * @example
 * const m = lossMetric('crossEntropy', { labelSmoothing: 0.1 });
 * for (const [labels, logits] of batches) m.update(labels, logits);
 * m.compute(); // = crossEntropy(allLabels, allLogits, { labelSmoothing: 0.1 })
 */
export function lossMetric(
  loss: string,
  lossOptions: LossOptions = {},
): Metric<LossMetricConfig, LossMetricState, number> {
  return new Metric(lossMetricSpec, { loss, lossOptions: { ...lossOptions } }, 'loss');
}

export const lossMetrics = [
  {
    name: 'loss',
    result: 'number',
    spec: lossMetricSpec,
    description:
      "Any loss as a streaming metric: weighted mean of the loss's per-sample values (getMetric('loss', { loss, lossOptions }))",
    aliases: [],
  },
] as const satisfies readonly MetricEntry[];
