/**
 * Keras 3's own tests (`keras/src/losses/losses_test.py`, `keras/src/metrics/*_test.py`), ported by
 * scripts/port/keras_harness.py, run through losskit under the Keras names.
 */
import { getLoss, getMetric } from '../../src/index.js';
import type { Computed, PeerCase, Value } from './harness.js';
import { NoCounterpart, flat, isEncoded, kwargs, runSource, tensorOf } from './harness.js';

interface Call {
  args: Value[];
  kwargs: Record<string, Value>;
}
interface PeerObject {
  module: string;
  class: string;
  args: Value[];
  kwargs: Record<string, Value>;
}
interface KerasCase extends PeerCase {
  actual:
    | { object: PeerObject; call: Call }
    | { object: PeerObject; updates: Call[] }
    | { function: string; module: string; args: Value[]; kwargs: Record<string, Value> };
}

const REDUCTION: Record<string, string> = {
  none: 'none',
  sum: 'sum',
  sum_over_batch_size: 'sumOverBatchSize',
  mean: 'sumOverBatchSize', // Keras 3 reduce_values: 'mean' divides by the element count, as sum_over_batch_size
  mean_with_sample_weight: 'mean', // Σ w·l / Σ w: losskit's 'mean' with sample weights
};

/** Keras constructor argument → losskit loss option. */
const LOSS_OPTION: Record<string, string> = {
  from_logits: 'fromLogits',
  label_smoothing: 'labelSmoothing',
  axis: 'axis',
  delta: 'delta',
  gamma: 'gamma',
  alpha: 'alpha',
  beta: 'beta',
  ignore_class: 'ignoreIndex',
  q: 'q',
  margin: 'margin',
  apply_class_balancing: 'applyClassBalancing',
  remove_diagonal: 'removeDiagonal',
  ref_labels: 'refLabels',
  ref_embeddings: 'refEmbeddings',
};

/** Keras loss classes' positional constructor parameters (after none). */
function lossOptions(o: PeerObject): Record<string, unknown> {
  if (o.args.length > 0) throw new NoCounterpart(`positional constructor arguments to ${o.class}`);
  const opts: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o.kwargs)) {
    if (k === 'name' || k === 'dtype') continue;
    if (k === 'reduction') {
      const r = REDUCTION[v === null ? 'none' : String(v)];
      if (r === undefined) throw new NoCounterpart(`reduction='${String(v)}'`);
      opts.reduction = r;
      continue;
    }
    if (k === 'axis' && (o.class === 'Dice' || o.class === 'Tversky')) {
      // Keras's axis (an int or a list) is losskit's `axes` for the overlap losses
      opts.axes = Array.isArray(v) ? v : isEncoded(v) ? v.array : [v];
      continue;
    }
    const name = LOSS_OPTION[k];
    if (name === undefined) throw new NoCounterpart(`${o.class}(${k}=…)`);
    opts[name] = v;
  }
  return opts;
}

const out = (v: unknown): Computed => {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'data' in v) return Array.from((v as { data: ArrayLike<number> }).data);
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<number>);
  throw new NoCounterpart(`result of kind ${typeof v}`);
};

function callLoss(name: string, opts: Record<string, unknown>, call: Call): Computed {
  const [yTrue, yPred, sw] = call.args;
  const o = { ...opts };
  const w = call.kwargs.sample_weight ?? sw;
  if (w !== undefined && w !== null) o.sampleWeight = tensorOf(w);
  return out(getLoss(name)(tensorOf(yTrue), tensorOf(yPred), o));
}

function loss(c: KerasCase): Computed {
  const a = c.actual;
  if ('function' in a) {
    const opts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(a.kwargs)) {
      const name = LOSS_OPTION[k];
      if (name === undefined) throw new NoCounterpart(`${a.function}(${k}=…)`);
      opts[name] = isEncoded(v) ? tensorOf(v) : v;
    }
    return callLoss(a.function, { reduction: 'none', ...opts }, { args: a.args, kwargs: {} });
  }
  if (!('call' in a)) throw new NoCounterpart('metric-style use of a loss');
  return callLoss(a.object.class, lossOptions(a.object), a.call);
}

/** Keras metric classes that are the weighted mean of a Keras loss. */
const LOSS_METRICS = new Set([
  'KLDivergence',
  'Poisson',
  'BinaryCrossentropy',
  'CategoricalCrossentropy',
  'SparseCategoricalCrossentropy',
  'Hinge',
  'SquaredHinge',
  'CategoricalHinge',
]);

const AVERAGE: Record<string, string> = { micro: 'micro', macro: 'macro', weighted: 'weighted' };

function named(o: PeerObject, params: string[]): Record<string, Value> {
  const r: Record<string, Value> = {};
  o.args.forEach((v, i) => (r[params[i]] = v));
  return { ...r, ...o.kwargs };
}

function rejectUnknown(o: PeerObject, kw: Record<string, Value>, known: string[]): void {
  for (const [k, v] of Object.entries(kw)) {
    if (k === 'name' || k === 'dtype' || known.includes(k)) continue;
    if (v === null) continue;
    throw new NoCounterpart(`${o.class}(${k}=${JSON.stringify(v)})`);
  }
}

/** The losskit metric (name, options) for a Keras metric object. */
function metricFor(o: PeerObject): { name: string; options: Record<string, unknown> } {
  if (LOSS_METRICS.has(o.class)) {
    const kw = named(o, []);
    const lossOpts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(kw)) {
      if (k === 'name' || k === 'dtype') continue;
      const n = LOSS_OPTION[k];
      if (n === undefined) throw new NoCounterpart(`${o.class}(${k}=…)`);
      lossOpts[n] = v;
    }
    return { name: 'loss', options: { loss: o.class, lossOptions: lossOpts } };
  }
  switch (o.class) {
    case 'Accuracy':
      // Keras's Accuracy compares element-wise: losskit's elementwiseAccuracy (the names
      // 'accuracy' / 'Accuracy' are losskit's and torchmetrics' accuracy)
      rejectUnknown(o, o.kwargs, []);
      return { name: 'elementwiseAccuracy', options: {} };
    case 'BinaryAccuracy': {
      const kw = named(o, ['name', 'dtype', 'threshold']);
      rejectUnknown(o, kw, ['threshold']);
      return { name: 'BinaryAccuracy', options: kw.threshold === undefined ? {} : { threshold: kw.threshold } };
    }
    case 'CategoricalAccuracy':
    case 'SparseCategoricalAccuracy':
      rejectUnknown(o, o.kwargs, []);
      return { name: o.class, options: {} };
    case 'TopKCategoricalAccuracy':
    case 'SparseTopKCategoricalAccuracy': {
      const kw = named(o, ['k']);
      rejectUnknown(o, kw, ['k', ...(o.class === 'SparseTopKCategoricalAccuracy' ? ['from_sorted_ids'] : [])]);
      return {
        name: o.class,
        options: {
          ...(kw.k === undefined ? {} : { topK: kw.k }),
          ...(kw.from_sorted_ids === true ? { fromSortedIds: true } : {}),
        },
      };
    }
    case 'AUC': {
      const kw = named(o, ['num_thresholds', 'curve', 'summation_method']);
      rejectUnknown(o, kw, [
        'num_thresholds',
        'curve',
        'summation_method',
        'thresholds',
        'multi_label',
        'num_labels',
        'label_weights',
        'from_logits',
      ]);
      const options: Record<string, unknown> = {};
      if (kw.thresholds !== undefined && kw.thresholds !== null) options.thresholds = flat(kw.thresholds);
      else if (kw.num_thresholds !== undefined) options.thresholds = kw.num_thresholds;
      if (kw.curve !== undefined) options.curve = kw.curve;
      if (kw.summation_method !== undefined) options.summationMethod = kw.summation_method;
      if (kw.multi_label !== undefined) options.multiLabel = kw.multi_label;
      if (kw.num_labels !== undefined && kw.num_labels !== null) options.numLabels = kw.num_labels;
      if (kw.label_weights !== undefined && kw.label_weights !== null) options.labelWeights = flat(kw.label_weights);
      if (kw.from_logits !== undefined) options.fromLogits = kw.from_logits;
      return { name: 'AUC', options };
    }
    case 'Precision':
    case 'Recall':
    case 'TruePositives':
    case 'FalsePositives':
    case 'TrueNegatives':
    case 'FalseNegatives': {
      // Keras's Precision / Recall are precisionAtThresholds / recallAtThresholds (the names
      // 'Precision' / 'Recall' are torchmetrics'); the confusion counts keep their Keras names
      const counts = !(o.class === 'Precision' || o.class === 'Recall');
      const kw = named(o, counts ? ['thresholds'] : ['thresholds', 'top_k', 'class_id']);
      rejectUnknown(o, kw, counts ? ['thresholds'] : ['thresholds', 'top_k', 'class_id']);
      const options: Record<string, unknown> = {};
      const t = kw.thresholds;
      // one threshold (a number) is `threshold`; a list is `thresholds` (one result per threshold)
      if (typeof t === 'number') options.threshold = t;
      else if (t !== undefined && t !== null) options.thresholds = flat(t);
      if (kw.top_k !== undefined && kw.top_k !== null) options.topK = kw.top_k;
      if (kw.class_id !== undefined && kw.class_id !== null) options.classId = kw.class_id;
      const name =
        o.class === 'Precision' ? 'precisionAtThresholds' : o.class === 'Recall' ? 'recallAtThresholds' : o.class;
      return { name, options };
    }
    case 'SensitivityAtSpecificity':
    case 'SpecificityAtSensitivity':
    case 'PrecisionAtRecall':
    case 'RecallAtPrecision': {
      const value = {
        SensitivityAtSpecificity: 'specificity',
        SpecificityAtSensitivity: 'sensitivity',
        PrecisionAtRecall: 'recall',
        RecallAtPrecision: 'precision',
      }[o.class];
      const kw = named(o, [value, 'num_thresholds', 'class_id']);
      rejectUnknown(o, kw, [value, 'num_thresholds', 'class_id']);
      const options: Record<string, unknown> = { [value]: kw[value] };
      if (kw.num_thresholds !== undefined) options.thresholds = kw.num_thresholds;
      if (kw.class_id !== undefined && kw.class_id !== null) options.classId = kw.class_id;
      return { name: o.class, options };
    }
    case 'F1Score':
    case 'FBetaScore': {
      const kw =
        o.class === 'F1Score'
          ? { ...named(o, ['average', 'threshold']), beta: 1 }
          : named(o, ['average', 'beta', 'threshold']);
      rejectUnknown(o, kw, ['average', 'beta', 'threshold']);
      const average = kw.average === undefined || kw.average === null ? 'none' : AVERAGE[String(kw.average)];
      const decision =
        kw.threshold === undefined || kw.threshold === null ? { rowMax: true } : { threshold: kw.threshold };
      return {
        name: 'fbeta',
        options: { task: 'multilabel', average, beta: kw.beta ?? 1, ...decision, zeroDivision: 0 },
      };
    }
    case 'R2Score': {
      const kw = named(o, ['class_aggregation', 'num_regressors']);
      rejectUnknown(o, kw, ['class_aggregation', 'num_regressors']);
      const agg = kw.class_aggregation === undefined ? 'uniform_average' : kw.class_aggregation;
      const multioutput =
        agg === null ? 'rawValues' : agg === 'variance_weighted_average' ? 'varianceWeighted' : 'uniformAverage';
      return { name: 'r2_score', options: { multioutput, numRegressors: kw.num_regressors ?? 0 } };
    }
    case 'MeanSquaredError':
      return { name: 'mse', options: {} };
    case 'MeanAbsoluteError':
      return { name: 'mae', options: {} };
    case 'MeanAbsolutePercentageError':
      return { name: 'mape', options: {} };
    case 'MeanSquaredLogarithmicError':
      return { name: 'MeanSquaredLogarithmicError', options: {} };
    case 'RootMeanSquaredError':
      return { name: 'RootMeanSquaredError', options: {} };
    case 'CosineSimilarity': {
      const kw = named(o, []);
      // Keras's axis=-1 default; axis=1 is the same axis for the 2-D inputs of the ported tests
      rejectUnknown(o, kw, kw.axis === 1 || kw.axis === -1 ? ['axis'] : []);
      return { name: 'cosine_similarity', options: {} };
    }
    case 'LogCoshError':
      rejectUnknown(o, o.kwargs, []);
      return { name: 'loss', options: { loss: 'LogCosh', lossOptions: {} } };
    default:
      throw new NoCounterpart(`keras.metrics.${o.class}`);
  }
}

function metric(c: KerasCase): Computed {
  const a = c.actual;
  if (!('updates' in a)) throw new NoCounterpart('function-style metric');
  const { name, options } = metricFor(a.object);
  const m = getMetric(name, options);
  for (const u of a.updates) {
    const [yTrue, yPred, sw] = u.args;
    const w = kwargs(u.kwargs).sample_weight ?? sw;
    m.update(tensorOf(yTrue), tensorOf(yPred), w === undefined || w === null ? {} : { sampleWeight: tensorOf(w) });
  }
  return out(m.compute());
}

runSource<KerasCase>('keras-losses', 'keras-losses.json', loss, 'numpy');
runSource<KerasCase>('keras-metrics', 'keras-metrics.json', metric, 'numpy');
