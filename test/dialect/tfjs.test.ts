/**
 * TensorFlow.js's own tests (tfjs-core `src/ops/losses/*_test.ts`, tfjs-layers `src/losses_test.ts`
 * and `src/metrics_test.ts`), ported by scripts/port/tfjs_harness.mjs, run through losskit's tfjs
 * aliases.
 */
import { getLoss, getMetric } from '../../src/index.js';
import type { Computed, PeerCase, Value } from './harness.js';
import { NoCounterpart, isEncoded, runSource, tensorOf } from './harness.js';

interface TfjsCase extends PeerCase {
  actual: { module: string; function: string; args: Value[]; then?: string };
}

const REDUCTION: Record<string, string> = {
  NONE: 'none',
  MEAN: 'mean',
  SUM: 'sum',
  SUM_BY_NONZERO_WEIGHTS: 'sumByNonzeroWeights',
};

/** tf.losses.* positional signatures: names of the arguments after (labels, predictions). */
const CORE_ARGS: Record<string, string[]> = {
  absoluteDifference: ['weights', 'reduction'],
  meanSquaredError: ['weights', 'reduction'],
  hingeLoss: ['weights', 'reduction'],
  huberLoss: ['weights', 'delta', 'reduction'],
  logLoss: ['weights', 'epsilon', 'reduction'],
  cosineDistance: ['axis', 'weights', 'reduction'],
  sigmoidCrossEntropy: ['weights', 'labelSmoothing', 'reduction'],
  softmaxCrossEntropy: ['weights', 'labelSmoothing', 'reduction'],
};

const out = (v: number | { data: ArrayLike<number> }): Computed => (typeof v === 'number' ? v : Array.from(v.data));

function core(c: TfjsCase): Computed {
  const { function: fn, args } = c.actual;
  if (fn === 'computeWeightedLoss') {
    // computeWeightedLoss(losses, weights?, reduction?)
    const [losses, weights, reduction] = args;
    const opts: Record<string, unknown> = {};
    if (weights !== null && weights !== undefined) opts.sampleWeight = tensorOf(weights);
    if (reduction !== null && reduction !== undefined) opts.reduction = REDUCTION[reduction as string];
    return out(getLoss('tf.losses.computeWeightedLoss')(null, tensorOf(losses), opts));
  }
  const names = CORE_ARGS[fn];
  if (names === undefined) throw new NoCounterpart(`tf.losses.${fn}`);
  const [labels, predictions, ...rest] = args;
  const opts: Record<string, unknown> = {};
  names.forEach((n, i) => {
    const v = rest[i];
    if (v === null || v === undefined) return;
    if (n === 'weights') opts.sampleWeight = tensorOf(v);
    else if (n === 'reduction') opts.reduction = REDUCTION[v as string];
    else if (n === 'delta') opts.delta = v;
    else if (n === 'epsilon') opts.eps = v;
    else if (n === 'labelSmoothing') opts.labelSmoothing = v;
    else if (n === 'axis') opts.axis = v;
  });
  return out(getLoss(`tf.losses.${fn}`)(tensorOf(labels), tensorOf(predictions), opts));
}

/** tfjs-layers loss functions return one value per sample (mean over the last axis). */
const LAYERS_LOSS: Record<string, string> = {
  meanSquaredError: 'mean_squared_error',
  meanAbsoluteError: 'mean_absolute_error',
  meanAbsolutePercentageError: 'mean_absolute_percentage_error',
  meanSquaredLogarithmicError: 'meanSquaredLogarithmicError',
  squaredHinge: 'squared_hinge',
  hinge: 'Hinge',
  categoricalHinge: 'categorical_hinge',
  logcosh: 'log_cosh',
  categoricalCrossentropy: 'categoricalCrossentropy',
  sparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
  binaryCrossentropy: 'binaryCrossentropy',
  sigmoidCrossEntropyWithLogits: 'sigmoidCrossEntropy',
  kullbackLeiblerDivergence: 'kullbackLeiblerDivergence',
  poisson: 'poisson',
  cosineProximity: 'cosineProximity',
};

function perSample(loss: string, yTrue: Value, yPred: Value, fromLogits?: boolean): Computed {
  const opts = fromLogits === undefined ? { reduction: 'none' as const } : { reduction: 'none' as const, fromLogits };
  return out(getLoss(loss)(tensorOf(yTrue), tensorOf(yPred), opts));
}

/** tfjs-layers metric functions: per-sample values for 2-D inputs, a scalar for 1-D. */
function layersMetric(fn: string, yTrue: Value, yPred: Value, then?: string): Computed {
  const yt = tensorOf(yTrue);
  const yp = tensorOf(yPred);
  const rowwise = (name: string, opts: Record<string, unknown>): Computed => {
    if (yp.shape.length <= 1) return getMetric(name, opts).update(yt, yp).compute() as number;
    const n = yp.shape[0];
    const wt = yt.data.length / n;
    const wp = yp.data.length / n;
    const res: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = { data: yt.data.slice(i * wt, (i + 1) * wt), shape: [1, ...yt.shape.slice(1)] };
      const p = { data: yp.data.slice(i * wp, (i + 1) * wp), shape: [1, ...yp.shape.slice(1)] };
      res.push(getMetric(name, opts).update(t, p).compute() as number);
    }
    return res;
  };
  switch (fn) {
    case 'binaryAccuracy':
      return rowwise('binary_accuracy', {});
    case 'categoricalAccuracy':
      return rowwise('categorical_accuracy', {});
    case 'sparseCategoricalAccuracy': {
      // one value per sample: 1 where the argmax is the label (the test compares .toBool())
      const n = yp.shape[0];
      const c = yp.data.length / n;
      const res: number[] = [];
      for (let i = 0; i < n; i++) {
        const m = getMetric('sparse_categorical_accuracy');
        m.update({ data: [yt.data[i]], shape: [1] }, { data: yp.data.slice(i * c, (i + 1) * c), shape: [1, c] });
        res.push(m.compute() as number);
      }
      return then === 'toBool' ? res.map((v) => v !== 0) : res;
    }
    case 'precision':
      return getMetric('precision', { task: 'binary' }).update(yt, yp).compute() as number;
    case 'recall':
      return getMetric('recall', { task: 'binary' }).update(yt, yp).compute() as number;
    case 'r2Score':
      return getMetric('r2_score').update(yt, yp).compute() as number;
    case 'binaryCrossentropy':
    case 'binary_crossentropy':
      return perSample('binaryCrossentropy', yTrue, yPred);
    case 'categoricalCrossentropy':
      return perSample('categoricalCrossentropy', yTrue, yPred);
    default:
      throw new NoCounterpart(`tfjs-layers metrics.${fn}`);
  }
}

function layers(c: TfjsCase): Computed {
  const { module, function: fn, args, then } = c.actual;
  if (args.slice(0, 2).some((a) => !isEncoded(a))) throw new NoCounterpart('non-tensor input');
  if (module === 'tfl.metrics') return layersMetric(fn, args[0], args[1], then);
  const loss = LAYERS_LOSS[fn];
  if (loss === undefined) throw new NoCounterpart(`tfjs-layers losses.${fn} (not a loss)`);
  // the backend-level categoricalCrossentropy(target, output, fromLogits) takes a third argument
  const fromLogits = typeof args[2] === 'boolean' ? args[2] : undefined;
  return perSample(loss, args[0], args[1], fromLogits);
}

runSource<TfjsCase>('tfjs-core', 'tfjs-core.json', core, 'tfjs');
runSource<TfjsCase>('tfjs-layers', 'tfjs-layers.json', layers, 'tfjs');
