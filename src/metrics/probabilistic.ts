/**
 * Probabilistic classification metrics — `logLoss` (scikit-learn `log_loss`) and
 * `calibrationError` (torchmetrics `CalibrationError`) — streaming and exact with O(1) / O(bins)
 * state that merges by addition.
 */
import { LosskitError, describe, fmtShape } from '../errors.js';
import type { Tensor, TensorInput } from '../tensor.js';
import type { MetricResult } from './results.js';
import {
  checkBooleanOption,
  checkClassLabels,
  checkFinite,
  checkNonEmpty,
  checkNumberOption,
  checkOneOf,
  checkRange,
  fmtIndex,
} from '../validate.js';
import type { MetricOptions, MetricSpec } from './core.js';
import { checkStateSize, f64Field, numField, oneShot } from './core.js';
import type { MetricEntry } from './registry-types.js';

// ---------------------------------------------------------------------------------------------
// logLoss

export interface LogLossConfig {
  task: 'binary' | 'multiclass';
  /** The class labels in ascending order; column j of `yPred` is the probability of `labels[j]`. */
  labels: number[];
  eps: number;
  /** `'mean'` (default) or `'sum'` (scikit-learn `normalize=False`: the weighted sum). */
  reduction: 'mean' | 'sum';
}

function logLossConfig(options: MetricOptions, fn: string): LogLossConfig {
  let labels: number[] | null = null;
  if (options.labels !== undefined) {
    if (
      !Array.isArray(options.labels) ||
      options.labels.length < 2 ||
      options.labels.some((v) => typeof v !== 'number' || !Number.isFinite(v))
    ) {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'labels' must be an array of at least 2 finite numbers; received ${describe(options.labels)}`,
        'labels',
      );
    }
    labels = [...options.labels].sort((a, b) => a - b);
    for (let i = 1; i < labels.length; i++) {
      if (labels[i] === labels[i - 1])
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option 'labels' must not repeat a label; received ${labels[i]} twice`,
          'labels',
        );
    }
  }
  let numClasses: number | null = null;
  if (options.numClasses !== undefined) {
    numClasses = checkNumberOption(fn, 'numClasses', options.numClasses, { integer: true, min: 2 });
    checkStateSize(fn, 'numClasses', numClasses, `${numClasses} labels`);
  }
  const task =
    options.task !== undefined
      ? checkOneOf(fn, 'task', options.task, ['binary', 'multiclass'] as const)
      : numClasses !== null || (labels !== null && labels.length > 2)
        ? 'multiclass'
        : 'binary';
  if (labels === null) {
    if (task === 'multiclass' && numClasses === null) {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'numClasses' (or 'labels') is required when task is 'multiclass'; received neither`,
        'numClasses',
      );
    }
    labels = Array.from({ length: task === 'binary' ? 2 : (numClasses ?? 2) }, (_, j) => j);
  }
  if (numClasses !== null && numClasses !== labels.length) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'numClasses' is ${numClasses} but 'labels' has ${labels.length} labels; expected them to agree`,
      'numClasses',
    );
  }
  if (task === 'binary' && labels.length !== 2) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `task 'binary' needs exactly 2 labels; received ${labels.length}`,
      'labels',
    );
  }
  // scikit-learn 1.2 eps='auto' is the machine epsilon of yPred's dtype; losskit computes in float64.
  const eps =
    options.eps === undefined || options.eps === 'auto'
      ? Number.EPSILON
      : checkNumberOption(fn, 'eps', options.eps, { gt: 0, max: 0.5 });
  const reduction =
    options.reduction === undefined ? 'mean' : checkOneOf(fn, 'reduction', options.reduction, ['mean', 'sum'] as const);
  return { task, labels, eps, reduction };
}

/** Column index of each label (binary search in the sorted labels), or throws INVALID_LABEL. */
function labelColumns(fn: string, yTrue: Tensor, labels: number[]): Int32Array {
  const t = yTrue.data;
  const out = new Int32Array(t.length);
  const isRange = labels.every((v, j) => v === j);
  for (let i = 0; i < t.length; i++) {
    const v = t[i];
    let j = -1;
    if (isRange) j = Number.isInteger(v) && v >= 0 && v < labels.length ? v : -1;
    else {
      let lo = 0;
      let hi = labels.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (labels[mid] === v) {
          j = mid;
          break;
        }
        if (labels[mid] < v) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    if (j < 0) {
      const shown = labels.length <= 10 ? `[${labels.join(', ')}]` : `${labels.length} labels`;
      throw new LosskitError(
        'INVALID_LABEL',
        fn,
        `'yTrue' must hold labels from ${shown}; received ${describe(v)} at index ${fmtIndex(i, yTrue.shape)}`,
        'yTrue',
      );
    }
    out[i] = j;
  }
  return out;
}

/**
 * Kernel: Σᵢ wᵢ·(−log q_{i,yᵢ}), with p clipped to [eps, 1−eps] and each row renormalised
 * (q = clip(p) / Σ clip(p)), exactly scikit-learn 1.2's order of operations. `binary` rows
 * are `[1 − clip(p), clip(p)]` built from one column. Returns [Σ w·loss, Σ w].
 */
function logLossKernel(a: {
  n: number;
  C: number;
  binaryOneCol: boolean;
  p: ArrayLike<number>;
  col: Int32Array;
  w: Float64Array | null;
  eps: number;
}): [number, number] {
  const { n, C, binaryOneCol, p, col, w, eps } = a;
  const hi = 1 - eps;
  let s = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const wi = w === null ? 1 : w[i];
    let num: number;
    let den: number;
    if (binaryOneCol) {
      const c1 = Math.min(Math.max(p[i], eps), hi);
      const c0 = 1 - c1;
      num = col[i] === 1 ? c1 : c0;
      den = c0 + c1;
    } else {
      den = 0;
      num = 0;
      const base = i * C;
      for (let j = 0; j < C; j++) {
        const c = Math.min(Math.max(p[base + j], eps), hi);
        den += c;
        if (j === col[i]) num = c;
      }
    }
    s += wi * -Math.log(num / den);
    sw += wi;
  }
  return [s, sw];
}

interface LogLossState {
  sumLoss: number;
  sumW: number;
}

export const logLossSpec: MetricSpec<LogLossConfig, LogLossState, number> = {
  name: 'logLoss',
  optionNames: ['task', 'numClasses', 'labels', 'eps', 'reduction'],
  config: logLossConfig,
  init: () => ({ sumLoss: 0, sumW: 0 }),
  fields: () => [numField('sumLoss', 'count'), numField('sumW', 'count')],
  update(state, yTrue, yPred, w, c, fn) {
    checkNonEmpty(fn, 'yPred', yPred);
    checkFinite(fn, 'yPred', yPred);
    checkRange(fn, 'yPred', yPred, 0, 1, 'probabilities');
    const n = yPred.shape.length > 0 ? yPred.shape[0] : 1;
    const C = c.labels.length;
    const cols = yPred.shape.length === 2 ? yPred.shape[1] : 1;
    const oneCol = c.task === 'binary' && yPred.shape.length <= 2 && cols === 1;
    if (!(oneCol || (yPred.shape.length === 2 && cols === C))) {
      const expect =
        c.task === 'binary'
          ? `[N] (probability of label ${c.labels[1]}), [N,1] or [N,2]`
          : `[N,${C}] (one probability per label)`;
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yPred' must have shape ${expect}; received ${fmtShape(yPred.shape)}`,
        'yPred',
      );
    }
    if (yTrue.data.length !== n || (yTrue.shape.length > 1 && !(yTrue.shape.length === 2 && yTrue.shape[1] === 1))) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yTrue' has shape ${fmtShape(yTrue.shape)} but 'yPred' has shape ${fmtShape(yPred.shape)}; expected [${n}] (one label per sample)`,
        'yTrue',
      );
    }
    const col = labelColumns(fn, yTrue, c.labels);
    const [s, sw] = logLossKernel({ n, C, binaryOneCol: oneCol, p: yPred.data, col, w, eps: c.eps });
    state.sumLoss += s;
    state.sumW += sw;
  },
  compute(state, c) {
    if (c.reduction === 'sum') return state.sumLoss;
    const sw = state.sumW;
    return sw > 0 ? state.sumLoss / sw : NaN;
  },
};

/**
 * Log loss (cross-entropy of predicted probabilities) as scikit-learn 1.2 `log_loss`:
 * `Σᵢ wᵢ·(−log qᵢ,yᵢ) / Σᵢ wᵢ`, where `q = clip(p, eps, 1−eps)` renormalised so each row sums
 * to 1. Binary: `yTrue` `[N]` labels (default 0/1), `yPred` `[N]` probability of the larger
 * label (or `[N, 2]`). Multiclass (`numClasses` or `labels`): `yPred` `[N, C]`, column j is the
 * probability of the j-th smallest label (labels default to 0..C−1, so classes absent from
 * `yTrue` are fine, as scikit-learn with `labels=range(C)`). `eps`: `'auto'` (default,
 * float64 machine epsilon — scikit-learn 1.2 uses the epsilon of `yPred`'s dtype) or a number.
 * Probabilities outside [0, 1] are an `OUT_OF_RANGE` error (scikit-learn clips them). Nothing
 * seen or zero total weight: NaN. `reduction: 'sum'` gives the weighted sum instead of the mean
 * (scikit-learn `normalize=False`). State: Σ w·loss and Σ w.
 *
 * Equivalents: scikit-learn `log_loss`; Keras `binary_crossentropy` metric = `eps: 1e-7`.
 *
 * @example
 * logLoss([0, 1, 1], [0.1, 0.8, 0.6]); // 0.2797…
 * logLoss([2, 0], [[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]], { numClasses: 3 });
 */
export function logLoss<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'number', O>;
export function logLoss(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return logLossOnce(yTrue, yPred, options);
}
const logLossOnce = oneShot(logLossSpec);

// ---------------------------------------------------------------------------------------------
// calibrationError

export interface CalibrationConfig {
  task: 'binary' | 'multiclass';
  numClasses: number;
  nBins: number;
  norm: 'l1' | 'l2' | 'max';
  fromLogits: boolean;
}

function calibrationConfig(options: MetricOptions, fn: string): CalibrationConfig {
  const task =
    options.task !== undefined
      ? checkOneOf(fn, 'task', options.task, ['binary', 'multiclass'] as const)
      : options.numClasses !== undefined
        ? 'multiclass'
        : 'binary';
  let numClasses = 2;
  if (task === 'multiclass') {
    if (options.numClasses === undefined)
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'numClasses' is required when task is 'multiclass' (an integer >= 2); received undefined`,
        'numClasses',
      );
    numClasses = checkNumberOption(fn, 'numClasses', options.numClasses, { integer: true, min: 2 });
  } else if (options.numClasses !== undefined && options.numClasses !== 2) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'numClasses' must be 2 (or omitted) for task 'binary'; received ${describe(options.numClasses)}`,
      'numClasses',
    );
  }
  const nBins =
    options.nBins === undefined ? 15 : checkNumberOption(fn, 'nBins', options.nBins, { integer: true, min: 1 });
  checkStateSize(fn, 'nBins', nBins + 1, `${nBins} + 1 bins`);
  const norm = options.norm === undefined ? 'l1' : checkOneOf(fn, 'norm', options.norm, ['l1', 'l2', 'max'] as const);
  const fromLogits =
    options.fromLogits === undefined ? false : checkBooleanOption(fn, 'fromLogits', options.fromLogits);
  return { task, numClasses, nBins, norm, fromLogits };
}

/** `torch.linspace(0, 1, n + 1)` in float64, element for element (torch's two-sided formula). */
export function binBoundaries(n: number): Float64Array {
  const steps = n + 1;
  const step = 1 / n;
  const half = Math.floor(steps / 2);
  const b = new Float64Array(steps);
  for (let i = 0; i < steps; i++) b[i] = i < half ? i * step : 1 - step * (steps - i - 1);
  return b;
}

/** Per bin (`nBins + 1` slots): Σ w, Σ w·confidence, Σ w·accuracy. */
interface CalibrationState {
  count: Float64Array;
  conf: Float64Array;
  acc: Float64Array;
}

export const calibrationErrorSpec: MetricSpec<CalibrationConfig, CalibrationState, number> = {
  name: 'calibrationError',
  optionNames: ['task', 'numClasses', 'nBins', 'norm', 'fromLogits'],
  config: calibrationConfig,
  // nBins + 1 slots: like torchmetrics, a confidence of exactly 1.0 gets a slot of its own.
  init: (c) => ({
    count: new Float64Array(c.nBins + 1),
    conf: new Float64Array(c.nBins + 1),
    acc: new Float64Array(c.nBins + 1),
  }),
  fields: (c) => [
    f64Field('count', 'count', c.nBins + 1),
    f64Field('conf', 'count', c.nBins + 1),
    f64Field('acc', 'count', c.nBins + 1),
  ],
  update(state, yTrue, yPred, w, c, fn) {
    checkNonEmpty(fn, 'yPred', yPred);
    checkFinite(fn, 'yPred', yPred);
    if (!c.fromLogits) checkRange(fn, 'yPred', yPred, 0, 1, 'probabilities (or set fromLogits: true)');
    const n = yPred.shape.length > 0 ? yPred.shape[0] : 1;
    const C = c.numClasses;
    if (
      c.task === 'binary'
        ? !(yPred.shape.length <= 1 || (yPred.shape.length === 2 && yPred.shape[1] === 1))
        : !(yPred.shape.length === 2 && yPred.shape[1] === C)
    ) {
      const expect =
        c.task === 'binary'
          ? '[N] (probability of the positive class)'
          : `[N,${C}] (class probabilities, numClasses ${C})`;
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yPred' must have shape ${expect}; received ${fmtShape(yPred.shape)}`,
        'yPred',
      );
    }
    if (yTrue.data.length !== n || yTrue.shape.length > 1) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yTrue' has shape ${fmtShape(yTrue.shape)} but 'yPred' has shape ${fmtShape(yPred.shape)}; expected [${n}]`,
        'yTrue',
      );
    }
    checkClassLabels(fn, 'yTrue', yTrue, C);
    const bounds = binBoundaries(c.nBins);
    const nb = c.nBins;
    const count = state.count;
    const confS = state.conf;
    const accS = state.acc;
    const p = yPred.data;
    const t = yTrue.data;
    for (let i = 0; i < n; i++) {
      let conf: number;
      let acc: number;
      if (c.task === 'binary') {
        // torchmetrics binary: confidence = p(positive), "accuracy" = the 0/1 target.
        conf = c.fromLogits ? 1 / (1 + Math.exp(-p[i])) : p[i];
        acc = t[i];
      } else {
        // multiclass: confidence = max probability, accuracy = (first argmax == target).
        const base = i * C;
        let arg = 0;
        let mx = p[base];
        for (let j = 1; j < C; j++)
          if (p[base + j] > mx) {
            mx = p[base + j];
            arg = j;
          }
        if (c.fromLogits) {
          let z = 0;
          for (let j = 0; j < C; j++) z += Math.exp(p[base + j] - mx);
          conf = 1 / z; // softmax of the max logit
        } else conf = mx;
        acc = arg === t[i] ? 1 : 0;
      }
      // torch.bucketize(conf, bounds, right=True) - 1: the last boundary <= conf.
      let b = Math.min(nb, Math.max(0, Math.floor(conf * nb)));
      while (b < nb && bounds[b + 1] <= conf) b++;
      while (b > 0 && bounds[b] > conf) b--;
      const wi = w === null ? 1 : w[i];
      count[b] += wi;
      confS[b] += wi * conf;
      accS[b] += wi * acc;
    }
  },
  compute(state, c) {
    const count = state.count;
    const confS = state.conf;
    const accS = state.acc;
    let total = 0;
    for (let b = 0; b < count.length; b++) total += count[b];
    if (!(total > 0)) return NaN;
    let l1 = 0;
    let l2 = 0;
    let mx = 0;
    for (let b = 0; b < count.length; b++) {
      if (count[b] === 0) continue; // empty bin: torchmetrics nan_to_num gives |0 − 0|
      const gap = accS[b] / count[b] - confS[b] / count[b];
      const prop = count[b] / total;
      l1 += Math.abs(gap) * prop;
      l2 += gap * gap * prop;
      mx = Math.max(mx, Math.abs(gap));
    }
    return c.norm === 'l1' ? l1 : c.norm === 'max' ? mx : l2 > 0 ? Math.sqrt(l2) : 0;
  },
};

/**
 * Calibration error over `nBins` equal-width confidence bins (default 15), as torchmetrics
 * `BinaryCalibrationError` / `MulticlassCalibrationError`:
 * `l1` (ECE) = Σ_b (n_b/N)·|acc_b − conf_b|, `l2` = √(Σ_b (n_b/N)·(acc_b − conf_b)²),
 * `max` (MCE) = max_b |acc_b − conf_b|. Binary: `yPred` `[N]` probability of class 1, conf = p,
 * acc = the 0/1 target. Multiclass: `yPred` `[N, C]`, conf = max probability, acc = 1 when the
 * (first) argmax is the target. Bins are `[b/n, (b+1)/n)` (torch.linspace boundaries); a
 * confidence of exactly 1 has a bin of its own, as in torchmetrics. `fromLogits` applies
 * sigmoid / softmax first. `sampleWeight` weights every count (losskit extension: equals
 * repeating samples). Nothing seen: NaN. State: per-bin Σw, Σw·conf, Σw·acc (merge by sum).
 *
 * Equivalents: torchmetrics `CalibrationError(task, n_bins=15, norm='l1')`.
 *
 * @example
 * calibrationError([0, 1, 1, 0], [0.2, 0.9, 0.6, 0.4]); // ECE with 15 bins
 * calibrationError(labels, probs, { numClasses: 10, norm: 'max' });
 */
export function calibrationError<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'number', O>;
export function calibrationError(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return calibrationErrorOnce(yTrue, yPred, options);
}
const calibrationErrorOnce = oneShot(calibrationErrorSpec);

export const probabilisticMetrics = [
  {
    name: 'logLoss',
    result: 'number',
    spec: logLossSpec,
    description: 'Log loss of predicted probabilities (scikit-learn log_loss)',
    aliases: [{ name: 'log_loss', source: 'sklearn' }],
  },
  {
    name: 'calibrationError',
    result: 'number',
    spec: calibrationErrorSpec,
    description: 'Binned calibration error: ECE (l1), RMS (l2) or maximum (torchmetrics CalibrationError)',
    aliases: [
      { name: 'CalibrationError', source: 'torchmetrics' },
      { name: 'BinaryCalibrationError', source: 'torchmetrics', defaults: { task: 'binary' } },
      { name: 'MulticlassCalibrationError', source: 'torchmetrics', defaults: { task: 'multiclass' } },
    ],
  },
] as const satisfies readonly MetricEntry[];
