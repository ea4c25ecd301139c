/**
 * Classification metrics with exact streaming state and scikit-learn parity: `accuracy`,
 * `topKAccuracy`, `precision`, `recall`, `f1`, `fbeta`, `confusionMatrix`, `matthewsCorrcoef`,
 * `cohenKappa`.
 *
 * Every metric is a {@link MetricSpec} over the "stat scores" state of `stat-scores.ts`
 * (per-class weighted tp / predicted / true counts, O(C); a C×C confusion matrix only where
 * needed), so batches, shards and one-shot calls give the same value, exactly.
 *
 * ## Inputs (N samples)
 * - `task: 'binary'`: `yTrue` 0/1, `yPred` probabilities of the same shape (`[N]`, `[N, 1]`,
 *   `[N, ...]`: every element is one prediction, weighted by its sample's weight); the
 *   prediction is `yPred > threshold` (default 0.5; with `fromLogits: true`,
 *   `yPred > logit(threshold)`). Hard 0/1 predictions work as they are.
 * - `task: 'multiclass'`: `yTrue [N]` labels with `yPred [N]` labels or `[N, C]` scores
 *   (argmax, ties → lowest index as `numpy.argmax`); `yTrue [N, d...]` with `yPred [N, C, d...]`
 *   (PyTorch layout, e.g. segmentation); `yTrue [N, 1]` with `yPred [N, C]` (Keras sparse);
 *   one-hot / probability `yTrue` of `yPred`'s shape `[N, C, ...]` (argmax taken, Keras
 *   `categorical_accuracy`).
 * - `task: 'multilabel'`: `yTrue [N, L]` 0/1, `yPred [N, L]` probabilities (or logits), thresholded.
 * - `task` defaults to `'multilabel'` when `numLabels` is given, `'multiclass'` when
 *   `numClasses` is given, else `'binary'`.
 * - `numClasses` / `numLabels` may be omitted: the count is then taken from the score width or
 *   inferred as (largest label seen + 1) and may grow between batches (merging pads). Give it
 *   to fix the length of `average: 'none'` results and to reject out-of-range labels.
 * - `labels` (binary / multiclass): class values in index order when they are not 0..C-1
 *   (e.g. `[-1, 1]`, `[10, 20, 30]`); fixes `numClasses`; `'macro'` then averages every listed
 *   class (scikit-learn); unlisted values are `INVALID_LABEL` — or, with `labelsSubset: true`
 *   (the default of the scikit-learn names `precision_score`, `recall_score`, `f1_score`,
 *   `fbeta_score`, `confusion_matrix`, `cohen_kappa_score`), `labels` selects a subset as
 *   scikit-learn does: another value counts as a miss for the listed class on the other side, and
 *   the confusion matrix keeps only samples whose two labels are listed. Binary with `labels`:
 *   predictions that are label values are mapped like the targets (hard predictions).
 *   Multilabel: `labels` are the label columns to score, in order (scikit-learn).
 * - `ignoreIndex`: targets equal to it are dropped (multilabel: that label of that sample;
 *   one-hot targets have no label to ignore).
 * - `sampleWeight` (update option / one-shot option): one non-negative weight per sample.
 * - An empty batch throws `EMPTY_INPUT`; a metric that saw no data (or only zero weights)
 *   computes 0/0 — see `zeroDivision`.
 *
 * ## zeroDivision
 * The value of every 0/0 ratio (default 0, as scikit-learn's `"warn"`; 1; any value in [0, 1];
 * or `NaN`, which is then left out of averages as scikit-learn ≥ 1.3 does).
 * `matthewsCorrcoef` returns 0 and `cohenKappa` NaN when undefined (scikit-learn).
 */
import { LosskitError, fmtShape } from '../errors.js';
import type { Tensor, TensorInput } from '../tensor.js';
import type { MetricResult } from './results.js';
import {
  checkBooleanOption,
  checkFinite,
  checkHasSamples,
  checkNumberOption,
  checkOneOf,
  fmtIndex,
} from '../validate.js';
import type { MetricOptions, MetricSpec } from './core.js';
import { MAX_STATE_ENTRIES, checkStateSize, numField, oneShot } from './core.js';
import { sortedIdsTopK } from './keras-accuracy.js';
import type { MetricEntry } from './registry-types.js';
import type {
  ClassBuffers,
  ClsAverage,
  ClsConfig,
  ClsTask,
  StatFieldsConfig,
  StatState,
  Which,
} from './stat-scores.js';
import {
  COMMON_OPTIONS,
  MAX_INFERRED_CLASSES,
  MAX_INFERRED_CLASSES_CM,
  accumulateClasses,
  accumulateMultilabel,
  averageValues,
  checkMultilabel,
  checkStatState,
  classBuffers,
  commonConfig,
  decodeClasses,
  initStatState,
  mergeStatState,
  multiclassLayout,
  prfAverage,
  ratio,
  remapLabels,
  statFields,
  zdValue,
  zeroDivisionConfig,
} from './stat-scores.js';

export type { ClsAverage, ClsTask } from './stat-scores.js';

/** Resolved options of the stat-score metrics (JSON-safe; the state fingerprint). */
export interface StatConfig extends StatFieldsConfig {
  average: ClsAverage | 'subset';
  zeroDivision: number | 'NaN';
  /** Cohen's kappa weighting. */
  weights: 'none' | 'linear' | 'quadratic';
  normalize: 'true' | 'pred' | 'all' | 'none';
}

const AVERAGES: Record<ClsTask, readonly ClsAverage[]> = {
  binary: ['binary', 'micro', 'macro', 'weighted', 'none'],
  multiclass: ['micro', 'macro', 'weighted', 'none'],
  multilabel: ['micro', 'macro', 'weighted', 'none', 'samples'],
};

interface StatOpts {
  tasks?: readonly ClsTask[];
  average?: 'prf' | 'accuracy';
  beta?: boolean;
  cm?: (o: MetricOptions) => boolean;
}

/**
 * `beta`: a finite number ≥ 0 (default 1), or `Infinity` (scikit-learn `beta=np.inf`: F is the
 * recall), which a serialised metric carries as the string `'Infinity'`.
 */
function betaOption(v: unknown, fn: string): number {
  if (v === undefined) return 1;
  if (v === Infinity || v === 'Infinity') return Infinity;
  return checkNumberOption(fn, 'beta', v, { min: 0 });
}

function statConfig(options: MetricOptions, fn: string, o: StatOpts): StatConfig {
  const base: ClsConfig = commonConfig(options, fn, o.tasks);
  let average: StatConfig['average'] = 'micro';
  if (o.average === 'prf') {
    const dflt: ClsAverage = base.task === 'binary' ? 'binary' : 'macro';
    average = options.average === undefined ? dflt : checkOneOf(fn, 'average', options.average, AVERAGES[base.task]);
  } else if (o.average === 'accuracy') {
    if (base.task === 'binary') {
      if (options.average !== undefined) checkOneOf(fn, 'average', options.average, ['binary', 'micro'] as const);
      average = 'micro';
    } else if (base.task === 'multiclass')
      average =
        options.average === undefined ? 'micro' : checkOneOf(fn, 'average', options.average, AVERAGES.multiclass);
    else
      average =
        options.average === undefined
          ? 'subset'
          : checkOneOf(fn, 'average', options.average, ['micro', 'macro', 'weighted', 'none'] as const);
  }
  const beta = o.beta ? betaOption(options.beta, fn) : 1;
  const weights =
    options.weights === undefined
      ? 'none'
      : checkOneOf(fn, 'weights', options.weights, ['none', 'linear', 'quadratic'] as const);
  const normalize =
    options.normalize === undefined
      ? 'none'
      : checkOneOf(fn, 'normalize', options.normalize, ['true', 'pred', 'all', 'none'] as const);
  const cm = o.cm ? o.cm(options) : false;
  const C = base.numClasses;
  if (cm && C !== null) checkStateSize(fn, 'numClasses', C * C, `a ${C} × ${C} confusion matrix`);
  return { ...base, average, zeroDivision: zeroDivisionConfig(options, fn), beta, weights, normalize, cm };
}

/**
 * Multilabel `labels` (scikit-learn): only these label columns are scored, in this order — the
 * batch is cut down to them (per-element weights too) before it is checked and counted.
 */
function selectColumns(
  fn: string,
  b: { yTrue: Tensor; yPred: Tensor; w: Float64Array | null },
  labels: readonly number[],
): { yTrue: Tensor; yPred: Tensor; w: Float64Array | null } {
  const { yTrue, yPred, w } = b;
  const ps = yPred.shape;
  if (ps.length !== 2 || yTrue.shape.length !== 2 || yTrue.shape[0] !== ps[0] || yTrue.shape[1] !== ps[1]) return b; // checkMultilabel reports the shapes
  const [N, L] = ps;
  const bad = labels.find((l) => l >= L);
  if (bad !== undefined)
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `option 'labels' names label column ${bad} but 'yPred' has ${L} columns (shape ${fmtShape(ps)})`,
      'labels',
    );
  const K = labels.length;
  const pick = (d: ArrayLike<number>): Float64Array => {
    const out = new Float64Array(N * K);
    for (let i = 0; i < N; i++) for (let j = 0; j < K; j++) out[i * K + j] = d[i * L + labels[j]];
    return out;
  };
  return {
    yTrue: { data: pick(yTrue.data), shape: [N, K] },
    yPred: { data: pick(yPred.data), shape: [N, K] },
    w: w !== null && w.length === N * L && L !== 1 ? pick(w) : w,
  };
}

/** The update shared by every stat-score metric. */
function statUpdate(
  state: StatState,
  yTrue: Tensor,
  yPred: Tensor,
  w: Float64Array | null,
  c: StatConfig,
  fn: string,
): void {
  if (c.task === 'multilabel') {
    if (c.labels !== null) ({ yTrue, yPred, w } = selectColumns(fn, { yTrue, yPred, w }, c.labels));
    checkMultilabel(fn, yTrue, yPred, c, state);
    accumulateMultilabel(state, { yTrue, yPred, w }, c, zdValue(c.zeroDivision));
  } else {
    const maxInferred = c.cm ? MAX_INFERRED_CLASSES_CM : MAX_INFERRED_CLASSES;
    const d = decodeClasses(fn, yTrue, yPred, c, state.buf, maxInferred);
    const N = yTrue.shape.length > 0 ? yTrue.shape[0] : 1;
    if (w !== null && w.length !== N && w.length !== d.n)
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `per-element 'sampleWeight' (one per element of yTrue ${fmtShape(yTrue.shape)}) needs one prediction per element of yTrue; one-hot targets have ${d.n / N} per sample: give one weight per sample`,
        'sampleWeight',
      );
    accumulateClasses(state, c, d, w);
  }
}

/**
 * Binary / multiclass stat-score metrics build the same state from the same batches when what
 * `statUpdate` reads of the config is equal (the average, zeroDivision, β, kappa weights and
 * normalisation only matter to `compute`). Multilabel states also hold per-sample sums that
 * depend on β and zeroDivision: not shared.
 */
function statShareKey(c: StatConfig): string | null {
  if (c.task === 'multilabel') return null;
  const { task, numClasses, threshold, fromLogits, ignoreIndex, labels, labelsSubset, rowMax, oneHot, cm } = c;
  const key = { state: 'stat', task, numClasses, threshold, fromLogits, ignoreIndex, labels, labelsSubset, rowMax };
  return JSON.stringify({ ...key, oneHot: oneHot === true, cm });
}

function statSpec<V>(
  name: string,
  optionNames: readonly string[],
  o: StatOpts,
  compute: (state: StatState, c: StatConfig) => V,
): MetricSpec<StatConfig, StatState, V> {
  return {
    name,
    optionNames: [...COMMON_OPTIONS, ...optionNames],
    config: (options, fn) => statConfig(options, fn, o),
    // JSON-safe options: beta = Infinity is kept as the string 'Infinity' (JSON has no Infinity)
    normalizeOptions: (options) => (options.beta === Infinity ? { ...options, beta: 'Infinity' } : options),
    init: initStatState,
    fields: statFields,
    elementWeights: true,
    update: statUpdate,
    mergeCustom: (a, b, c) => mergeStatState(a, b, c, name),
    compute,
    shareKey: statShareKey,
    // binary / multiclass: counts of unit weights (multilabel also keeps per-sample ratio sums)
    countState: (c) => c.task !== 'multilabel',
    check: (s, c) =>
      checkStatState(
        s,
        c,
        c.task === 'multilabel' ? MAX_STATE_ENTRIES : c.cm ? MAX_INFERRED_CLASSES_CM : MAX_INFERRED_CLASSES,
      ),
  };
}

const sumOf = (a: Float64Array): number => a.reduce((x, y) => x + y, 0);

function prfSpec(name: string, which: Which, withBeta: boolean): MetricSpec<StatConfig, StatState, number | number[]> {
  return statSpec(
    name,
    withBeta ? ['average', 'zeroDivision', 'beta'] : ['average', 'zeroDivision'],
    { average: 'prf', beta: withBeta },
    (s, c) => prfAverage(which, s, c, c.average === 'subset' ? 'micro' : c.average, c.beta, zdValue(c.zeroDivision)),
  );
}

// ---------------------------------------------------------------------------------------------
// accuracy

function accuracyCompute(s: StatState, c: StatConfig): number | number[] {
  const zd = zdValue(c.zeroDivision);
  const total = s.total;
  if (c.task !== 'multilabel') {
    if (c.average === 'micro') return ratio(sumOf(s.tp), total, zd);
    return prfAverage('recall', s, c, c.average === 'subset' ? 'micro' : c.average, 1, zd);
  }
  if (c.average === 'subset') return ratio(s.exact, total, zd);
  const tp = s.tp;
  const ps = s.predSum;
  const ts = s.trueSum;
  const lt = s.labelTotal;
  // correct_j = tp_j + tn_j, with tn_j = labelTotal_j − pred_j − true_j + tp_j.
  const correct = new Float64Array(tp.length);
  for (let j = 0; j < tp.length; j++) correct[j] = lt[j] - ps[j] - ts[j] + 2 * tp[j];
  if (c.average === 'micro') return ratio(sumOf(correct), sumOf(lt), zd);
  const per = correct.map((v, j) => ratio(v, lt[j], zd));
  if (c.average === 'none') return Array.from(per);
  if (c.average === 'macro') return averageValues(per, null, null, zd);
  return sumOf(ts) === 0 ? zd : averageValues(per, null, ts, zd);
}

/**
 * Accuracy: the weighted fraction of correct predictions, Σ wᵢ·[ŷᵢ = yᵢ] / Σ wᵢ
 * (scikit-learn `accuracy_score`).
 *
 * - binary: `yPred > threshold` against 0/1 targets, every element counted (Keras `binary_accuracy`).
 * - multiclass: argmax (or label) against the target; `average` `'micro'` (default, the plain
 *   accuracy), `'macro'` / `'weighted'` / `'none'` = per-class recall averaged as
 *   {@link recall} (torchmetrics `MulticlassAccuracy(average=...)`; `'macro'` is balanced
 *   accuracy except that classes only ever predicted count with recall `zeroDivision`).
 * - multilabel: default exact-match (subset) accuracy — every label of a sample right, as
 *   scikit-learn; `average: 'micro'` is the per-element accuracy over all labels
 *   (torchmetrics / Keras `binary_accuracy`), `'macro'` / `'weighted'` (by support) / `'none'`
 *   per label.
 *
 * Options: `task`, `numClasses`, `numLabels`, `threshold` (0.5), `fromLogits` (false),
 * `ignoreIndex`, `average`, `zeroDivision` (0: returned when the total weight is 0),
 * `sampleWeight`. Equivalents: scikit-learn `accuracy_score`; torchmetrics `Accuracy`;
 * Keras `binary_accuracy`, `categorical_accuracy`, `sparse_categorical_accuracy`; tfjs
 * `tf.metrics.binaryAccuracy` / `categoricalAccuracy` (which average per batch, not exactly).
 *
 * @example
 * accuracy([0, 1, 2, 2], [[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0.1, 0.8, 0.1], [0, 0, 1]], { task: 'multiclass' }) // 0.75
 */
export const accuracySpec = statSpec('accuracy', ['average', 'zeroDivision'], { average: 'accuracy' }, accuracyCompute);

/**
 * Precision tp / (tp + fp) (scikit-learn `precision_score`).
 *
 * `average`: `'binary'` (default for binary: the positive class), `'macro'` (default for
 * multiclass / multilabel), `'micro'`, `'weighted'`, `'samples'` (multilabel), `'none'` (one
 * value per class). Options as {@link accuracy} plus `zeroDivision`. Equivalents:
 * scikit-learn `precision_score`; torchmetrics `Precision`; Keras `Precision` (binary / every
 * element: `task: 'binary'` with `[N, L]` inputs).
 *
 * @example
 * precision([0, 1, 1, 0], [0.2, 0.8, 0.4, 0.6]) // 0.5 (one of the two predicted positives is right)
 */
export const precisionSpec = prfSpec('precision', 'precision', false);

/**
 * Recall tp / (tp + fn) (scikit-learn `recall_score`). Averages and options as {@link precision}.
 * Equivalents: scikit-learn `recall_score`; torchmetrics `Recall`; Keras `Recall`.
 *
 * @example
 * recall([0, 1, 1, 0], [0.2, 0.8, 0.4, 0.6]) // 0.5
 */
export const recallSpec = prfSpec('recall', 'recall', false);

/**
 * F1 = 2·P·R / (P + R) (scikit-learn `f1_score`). Averages and options as {@link precision};
 * a class with tp = fp = fn = 0 scores `zeroDivision`, one where only P or R is 0/0 scores 0.
 * Equivalents: scikit-learn `f1_score`; torchmetrics `F1Score`; Keras `F1Score` (Keras
 * `average=None` is `average: 'none'`; Keras adds an epsilon, losskit is exact).
 *
 * @example
 * f1([0, 1, 2, 2], [0, 2, 2, 2], { task: 'multiclass', numClasses: 3, average: 'macro' }) // 0.6
 */
export const f1Spec = prfSpec('f1', 'fbeta', false);

/**
 * F-β = (1 + β²)·P·R / (β²·P + R) (scikit-learn `fbeta_score`), `beta` (≥ 0, default 1).
 * Averages and options as {@link f1}. Equivalents: scikit-learn `fbeta_score`; torchmetrics
 * `FBetaScore`; Keras `FBetaScore`.
 *
 * @example
 * fbeta([0, 1, 1, 0], [0.2, 0.8, 0.4, 0.6], { beta: 2 }) // 0.5
 */
export const fbetaSpec = prfSpec('fbeta', 'fbeta', true);

// ---------------------------------------------------------------------------------------------
// confusion matrix, MCC, kappa

const BIN_MC: readonly ClsTask[] = ['binary', 'multiclass'];

/**
 * Confusion matrix `C[i][j]` = Σ w over samples with target i predicted j (scikit-learn
 * `confusion_matrix`), `C × C` (binary: 2 × 2 `[[tn, fp], [fn, tp]]`). `normalize`:
 * `'none'` (default), `'true'` (rows sum to 1), `'pred'` (columns), `'all'`; an all-zero row /
 * column stays 0 (scikit-learn's `nan_to_num`). Rows and columns are the classes 0..C-1
 * (scikit-learn with `labels=range(C)`). Tasks binary / multiclass. State: the C×C matrix.
 * Equivalents: scikit-learn `confusion_matrix`; torchmetrics `ConfusionMatrix`.
 *
 * @example
 * confusionMatrix([0, 1, 2, 2], [0, 2, 2, 1], { numClasses: 3 }) // [[1,0,0],[0,0,1],[0,1,1]]
 */
export const confusionMatrixSpec = statSpec(
  'confusionMatrix',
  ['normalize'],
  { tasks: BIN_MC, cm: () => true },
  (s, c): number[][] => {
    const cm = s.cm;
    const C = s.tp.length;
    const rows: number[][] = [];
    const rowSum = new Float64Array(C);
    const colSum = new Float64Array(C);
    let all = 0;
    for (let i = 0; i < C; i++)
      for (let j = 0; j < C; j++) {
        rowSum[i] += cm[i * C + j];
        colSum[j] += cm[i * C + j];
        all += cm[i * C + j];
      }
    for (let i = 0; i < C; i++) {
      const r: number[] = new Array<number>(C);
      for (let j = 0; j < C; j++) {
        const v = cm[i * C + j];
        const d =
          c.normalize === 'true' ? rowSum[i] : c.normalize === 'pred' ? colSum[j] : c.normalize === 'all' ? all : 1;
        r[j] = d === 0 ? 0 : v / d;
      }
      rows.push(r);
    }
    return rows;
  },
);

/**
 * Matthews correlation coefficient (scikit-learn `matthews_corrcoef`, multiclass form):
 * (c·s − Σₖ tₖpₖ) / √((s² − Σₖ pₖ²)(s² − Σₖ tₖ²)), with c the weight of correct predictions,
 * s the total weight, tₖ / pₖ the weight of targets / predictions of class k; 0 when the
 * denominator is 0. Tasks binary / multiclass; O(C) state. Equivalents: scikit-learn
 * `matthews_corrcoef`; torchmetrics `MatthewsCorrCoef`.
 *
 * @example
 * matthewsCorrcoef([1, 1, 1, 0], [1, 0, 1, 1]) // -0.3333333333333333
 */
export const matthewsCorrcoefSpec = statSpec('matthewsCorrcoef', [], { tasks: BIN_MC }, (s): number => {
  const ts = s.trueSum;
  const ps = s.predSum;
  const nc = sumOf(s.tp);
  const ns = sumOf(ps);
  let tp = 0;
  let pp = 0;
  let tt = 0;
  for (let k = 0; k < ts.length; k++) {
    tp += ts[k] * ps[k];
    pp += ps[k] * ps[k];
    tt += ts[k] * ts[k];
  }
  const covYtYp = nc * ns - tp;
  const covYpYp = ns * ns - pp;
  const covYtYt = ns * ns - tt;
  return covYpYp * covYtYt === 0 ? 0 : covYtYp / Math.sqrt(covYtYt * covYpYp);
});

/**
 * Cohen's kappa (scikit-learn `cohen_kappa_score(yTrue, yPred, weights=...)`):
 * κ = 1 − Σᵢⱼ wᵢⱼ Cᵢⱼ / Σᵢⱼ wᵢⱼ Eᵢⱼ with C the (weighted) confusion matrix, E = outer(column
 * sums, row sums) / total, and `weights` `'none'` (wᵢⱼ = [i ≠ j], default), `'linear'`
 * (|i − j|) or `'quadratic'` ((i − j)²) over class indices 0..C-1 (scikit-learn with
 * `labels=range(C)`; without `labels` scikit-learn numbers only the classes present, which
 * changes linear / quadratic distances when a class is absent). NaN when undefined. O(C)
 * state for `'none'`, O(C²) otherwise. Equivalents: scikit-learn `cohen_kappa_score`;
 * torchmetrics `CohenKappa`.
 *
 * @example
 * cohenKappa([0, 1, 2, 2], [0, 2, 2, 1], { numClasses: 3 }) // 0.2 (up to rounding)
 */
export const cohenKappaSpec = statSpec(
  'cohenKappa',
  ['weights'],
  {
    tasks: BIN_MC,
    // a labels subset (scikit-learn) keeps only the samples whose two labels are listed: the matrix has them
    cm: (o) => o.weights === 'linear' || o.weights === 'quadratic' || (o.labelsSubset === true && o.labels != null),
  },
  (s, c): number => {
    const C = s.trueSum.length;
    // with the matrix, every count comes from it (rows: targets, columns: predictions)
    const fromCm = c.cm && s.cm.length === C * C;
    const ts = fromCm ? new Float64Array(C) : s.trueSum;
    const ps = fromCm ? new Float64Array(C) : s.predSum;
    let diag = 0;
    if (fromCm)
      for (let i = 0; i < C; i++)
        for (let j = 0; j < C; j++) {
          ts[i] += s.cm[i * C + j];
          ps[j] += s.cm[i * C + j];
          if (i === j) diag += s.cm[i * C + j];
        }
    const n = sumOf(ps);
    if (c.weights === 'none') {
      let pt = 0;
      for (let k = 0; k < C; k++) pt += ps[k] * ts[k];
      return 1 - (n - (fromCm ? diag : sumOf(s.tp))) / (n - pt / n);
    }
    const cm = s.cm;
    let num = 0;
    let den = 0;
    for (let i = 0; i < C; i++)
      for (let j = 0; j < C; j++) {
        const d = Math.abs(i - j);
        const w = c.weights === 'linear' ? d : d * d;
        num += w * cm[i * C + j];
        den += (w * ps[i] * ts[j]) / n;
      }
    return 1 - num / den;
  },
);

// ---------------------------------------------------------------------------------------------
// top-k accuracy

export interface TopKConfig {
  numClasses: number | null;
  topK: number;
  ignoreIndex: number | null;
  /** The class value of each score column (scikit-learn `labels`), or `null` for 0..C-1. */
  labels: number[] | null;
  /** `task: 'binary'`: 1-D scores of the positive class (present only when set). */
  binary?: true;
  /** `yPred` holds class ids sorted by score (Keras `from_sorted_ids`); absent when false. */
  fromSortedIds?: true;
}

/**
 * Top-k accuracy: the weighted fraction of samples whose target class is among the `topK`
 * highest scores (scikit-learn `top_k_accuracy_score`, multiclass). `yPred [N, C]` scores;
 * `yTrue [N]` labels (or `[N, 1]`, or one-hot `[N, C]`). Ties follow scikit-learn (a stable
 * sort reversed: among equal scores the higher class index ranks first), so the target y is a
 * hit when #{j : sⱼ > s_y, or sⱼ = s_y and j > y} < k. `topK` ≥ C gives 1. Options: `topK`
 * (default 2 as scikit-learn; the Keras aliases use 5), `numClasses`, `ignoreIndex`,
 * `sampleWeight`. 0/0 (no weight) gives NaN. Equivalents: scikit-learn
 * `top_k_accuracy_score`; Keras `top_k_categorical_accuracy` /
 * `sparse_top_k_categorical_accuracy` (TensorFlow's `in_top_k` counts every tie at the k-th
 * score as a hit instead).
 *
 * @example
 * topKAccuracy([0, 1, 2], [[0.5, 0.3, 0.2], [0.5, 0.3, 0.2], [0.5, 0.3, 0.2]], { topK: 2 }) // 0.6666666666666666
 */
interface TopKState {
  correct: number;
  total: number;
  /** Binary: the hit weight at threshold 0 (`correct` is at 0.5) and the count of scores outside [0, 1]. */
  correctAtZero: number;
  outside: number;
  /** Decoding scratch of this instance (not serialised). */
  buf: ClassBuffers;
}

export const topKAccuracySpec: MetricSpec<TopKConfig, TopKState, number> = {
  name: 'topKAccuracy',
  optionNames: ['task', 'numClasses', 'topK', 'ignoreIndex', 'labels', 'fromSortedIds'],
  config(options, fn) {
    const task =
      options.task === undefined
        ? 'multiclass'
        : checkOneOf(fn, 'task', options.task, ['binary', 'multiclass'] as const);
    const sortedIds =
      options.fromSortedIds === undefined ? false : checkBooleanOption(fn, 'fromSortedIds', options.fromSortedIds);
    if (sortedIds && (options.numClasses !== undefined || options.labels !== undefined))
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `options 'numClasses' and 'labels' do not apply with fromSortedIds: true ('yPred' then holds class ids, not one score per class)`,
        options.labels !== undefined ? 'labels' : 'numClasses',
      );
    if (sortedIds && task === 'binary')
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'fromSortedIds: true' does not apply with task 'binary' ('yPred' then holds 1-D scores, not class ids)`,
        'fromSortedIds',
      );
    const base = commonConfig(
      { task, numClasses: options.numClasses, ignoreIndex: options.ignoreIndex, labels: options.labels },
      fn,
      ['binary', 'multiclass'],
    );
    return {
      numClasses: base.numClasses,
      topK: options.topK === undefined ? 2 : checkNumberOption(fn, 'topK', options.topK, { integer: true, min: 1 }),
      ignoreIndex: base.ignoreIndex,
      labels: base.labels,
      // only when set, so the fingerprint of the plain metric's states is unchanged
      ...(task === 'binary' ? { binary: true as const } : {}),
      ...(sortedIds ? { fromSortedIds: true as const } : {}),
    };
  },
  init: () => ({ correct: 0, total: 0, correctAtZero: 0, outside: 0, buf: classBuffers() }),
  fields: (c) => [
    numField('correct', 'count'),
    numField('total', 'count'),
    ...(c.binary === true ? [numField('correctAtZero', 'count'), numField('outside', 'count')] : []),
  ],
  update(state, yTrue, yPred, w, c, fn) {
    if (c.binary === true) return topKBinaryUpdate(state, { yTrue, yPred, w }, c, fn);
    if (c.fromSortedIds) {
      const r = sortedIdsTopK(yTrue, yPred, w, c, fn);
      state.correct += r.correct;
      state.total += r.total;
      return;
    }
    const L = multiclassLayout(fn, yTrue, yPred);
    if (L.mode === 'labels' || L.rest !== 1) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yPred' must hold class scores of shape [N, C] (yTrue [N] labels or one-hot [N, C]); received yPred ${fmtShape(yPred.shape)} with yTrue ${fmtShape(yTrue.shape)}`,
        'yPred',
      );
    }
    checkHasSamples(fn, yTrue);
    const W = L.width;
    if (c.numClasses !== null && W !== c.numClasses) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yPred' has ${W} class scores per sample but numClasses is ${c.numClasses}; expected [N, ${c.numClasses}]`,
        'yPred',
      );
    }
    // Decode targets into class indices (validating everything before touching the state).
    const d = decodeClasses(
      fn,
      yTrue,
      yPred,
      {
        task: 'multiclass',
        numClasses: W,
        threshold: 0.5,
        fromLogits: false,
        ignoreIndex: c.ignoreIndex,
        labels: c.labels,
        labelsSubset: false,
        rowMax: false,
      },
      state.buf,
    );
    const tgt = d.tgt;
    const p = yPred.data;
    const k = c.topK;
    let correct = 0;
    let total = 0;
    for (let i = 0, base = 0; i < L.N; i++, base += W) {
      const y = tgt[i];
      if (y < 0) continue;
      const wi = w === null ? 1 : w[i];
      total += wi;
      const sy = p[base + y];
      let above = 0;
      for (let j = 0; j < W; j++) {
        const v = p[base + j];
        if (v > sy || (v === sy && j > y)) above++;
      }
      if (above < k) correct += wi;
    }
    state.correct += correct;
    state.total += total;
  },
  compute: (s, c) =>
    c.binary !== true
      ? s.correct / s.total
      : c.topK >= 2
        ? s.total / s.total
        : (s.outside === 0 ? s.correct : s.correctAtZero) / s.total,
};

/**
 * Binary top-k accuracy on 1-D scores of the positive class (scikit-learn 1.2): with `topK` 1 the
 * prediction is `score > 0.5` when every score is in [0, 1], else `score > 0` (decision values);
 * with `topK` ≥ 2 every sample is a hit. Both thresholds are counted, so the choice is exact over
 * batches and shards. Targets 0/1, or the two `labels` `[negative, positive]`.
 */
function topKBinaryUpdate(
  state: TopKState,
  b: { yTrue: Tensor; yPred: Tensor; w: Float64Array | null },
  c: TopKConfig,
  fn: string,
): void {
  const { yTrue, yPred, w } = b;
  const n = yTrue.data.length;
  const N = yTrue.shape.length > 0 ? yTrue.shape[0] : 1;
  const okShape = (t: Tensor): boolean => t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1);
  if (!okShape(yTrue) || !okShape(yPred) || yPred.data.length !== n)
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `task 'binary': 'yPred' must hold one score of the positive class per sample, [N] (or [N, 1]) like 'yTrue'; received yPred ${fmtShape(yPred.shape)} with yTrue ${fmtShape(yTrue.shape)}`,
      'yPred',
    );
  if (n === 0)
    throw new LosskitError(
      'EMPTY_INPUT',
      fn,
      `'yTrue' is empty (shape ${fmtShape(yTrue.shape)}); expected at least one sample`,
      'yTrue',
    );
  const t = c.labels === null ? yTrue : remapLabels(fn, 'yTrue', yTrue, c.labels, c.ignoreIndex);
  checkFinite(fn, 'yPred', yPred);
  let correct = 0;
  let correctAtZero = 0;
  let total = 0;
  let outside = 0;
  for (let i = 0; i < N; i++) {
    const y = t.data[i];
    if (y === c.ignoreIndex) continue;
    if (y !== 0 && y !== 1)
      throw new LosskitError(
        'INVALID_LABEL',
        fn,
        `task 'binary': 'yTrue' must hold 0 or 1 (or the two 'labels'); received ${yTrue.data[i]} at index ${fmtIndex(i, yTrue.shape)}`,
        'yTrue',
      );
    const wi = w === null ? 1 : w[i];
    const s = yPred.data[i];
    total += wi;
    if (s > 0.5 === (y === 1)) correct += wi;
    if (s > 0 === (y === 1)) correctAtZero += wi;
    if (!(s >= 0 && s <= 1)) outside++;
  }
  state.correct += correct;
  state.correctAtZero += correctAtZero;
  state.total += total;
  state.outside += outside;
}

/**
 * Support: the weight of the targets of each class, `Σᵢ wᵢ·[yᵢ = c]` (multilabel: of each label
 * column's positives) — the fourth output of scikit-learn `precision_recall_fscore_support`
 * with `average=None`, and the `support` column of {@link classificationReport}. Always one value
 * per class (per label column; per listed class, in order, with `labels`); binary: `[negatives,
 * positives]`. Inputs and options as {@link precision} (`average` does not apply). Equivalents:
 * scikit-learn `precision_recall_fscore_support(...)[3]`; torchmetrics `StatScores`'s last column.
 *
 * @example getMetric('support', { task: 'multilabel', numLabels: 3 }).update([[1, 0, 1], [1, 1, 0]], [[1, 0, 0], [0, 1, 0]]).compute() // [2, 1, 1]
 */
export const supportSpec = statSpec('support', [], {}, (s): number[] => Array.from(s.trueSum));

// ---------------------------------------------------------------------------------------------
// Registry and one-shot functions

export const classificationMetrics = [
  {
    name: 'accuracy',
    result: 'averaged',
    spec: accuracySpec,
    description: 'Accuracy (scikit-learn accuracy_score; multilabel: exact match)',
    aliases: [
      { name: 'accuracy_score', source: 'sklearn' },
      { name: 'Accuracy', source: 'torchmetrics' },
      { name: 'binary_accuracy', source: 'keras', defaults: { task: 'binary', threshold: 0.5 } },
      { name: 'BinaryAccuracy', source: 'keras', defaults: { task: 'binary', threshold: 0.5 } },
      { name: 'categorical_accuracy', source: 'keras', defaults: { task: 'multiclass', oneHot: true } },
      { name: 'CategoricalAccuracy', source: 'keras', defaults: { task: 'multiclass', oneHot: true } },
      { name: 'sparse_categorical_accuracy', source: 'keras', defaults: { task: 'multiclass' } },
      { name: 'SparseCategoricalAccuracy', source: 'keras', defaults: { task: 'multiclass' } },
    ],
  },
  {
    name: 'topKAccuracy',
    result: 'number',
    spec: topKAccuracySpec,
    description: 'Top-k accuracy (scikit-learn top_k_accuracy_score)',
    aliases: [
      { name: 'top_k_accuracy_score', source: 'sklearn' },
      { name: 'top_k_categorical_accuracy', source: 'keras', defaults: { topK: 5 } },
      { name: 'TopKCategoricalAccuracy', source: 'keras', defaults: { topK: 5 } },
      { name: 'sparse_top_k_categorical_accuracy', source: 'keras', defaults: { topK: 5 } },
      { name: 'SparseTopKCategoricalAccuracy', source: 'keras', defaults: { topK: 5 } },
    ],
  },
  {
    name: 'precision',
    result: 'averaged',
    spec: precisionSpec,
    description: 'Precision tp / (tp + fp) (scikit-learn precision_score)',
    aliases: [
      { name: 'precision_score', source: 'sklearn', defaults: { labelsSubset: true } },
      { name: 'Precision', source: 'torchmetrics' },
    ],
  },
  {
    name: 'recall',
    result: 'averaged',
    spec: recallSpec,
    description: 'Recall tp / (tp + fn) (scikit-learn recall_score)',
    aliases: [
      { name: 'recall_score', source: 'sklearn', defaults: { labelsSubset: true } },
      { name: 'Recall', source: 'torchmetrics' },
    ],
  },
  {
    name: 'f1',
    result: 'averaged',
    spec: f1Spec,
    description: 'F1 score (scikit-learn f1_score)',
    aliases: [
      { name: 'f1_score', source: 'sklearn', defaults: { labelsSubset: true } },
      { name: 'F1Score', source: 'torchmetrics' },
    ],
  },
  {
    name: 'fbeta',
    result: 'averaged',
    spec: fbetaSpec,
    description: 'F-beta score (scikit-learn fbeta_score)',
    aliases: [
      { name: 'fbeta_score', source: 'sklearn', defaults: { labelsSubset: true } },
      { name: 'FBetaScore', source: 'torchmetrics' },
    ],
  },
  {
    name: 'confusionMatrix',
    result: 'matrix',
    spec: confusionMatrixSpec,
    description: 'Confusion matrix, optionally normalised (scikit-learn confusion_matrix)',
    aliases: [
      { name: 'confusion_matrix', source: 'sklearn', defaults: { labelsSubset: true } },
      { name: 'ConfusionMatrix', source: 'torchmetrics' },
    ],
  },
  {
    name: 'matthewsCorrcoef',
    result: 'number',
    spec: matthewsCorrcoefSpec,
    description: 'Matthews correlation coefficient (scikit-learn matthews_corrcoef)',
    aliases: [
      { name: 'matthews_corrcoef', source: 'sklearn' },
      { name: 'MatthewsCorrCoef', source: 'torchmetrics' },
    ],
  },
  {
    name: 'cohenKappa',
    result: 'number',
    spec: cohenKappaSpec,
    description: "Cohen's kappa, unweighted / linear / quadratic (scikit-learn cohen_kappa_score)",
    aliases: [
      { name: 'cohen_kappa_score', source: 'sklearn', defaults: { labelsSubset: true } },
      { name: 'CohenKappa', source: 'torchmetrics' },
    ],
  },
  {
    name: 'support',
    result: 'perClass',
    spec: supportSpec,
    description:
      "Per-class support: the weight of each class's targets (scikit-learn precision_recall_fscore_support[3])",
    aliases: [],
  },
] as const satisfies readonly MetricEntry[];

/** One-shot {@link accuracySpec accuracy}: `accuracy(yTrue, yPred, options)`. */
export function accuracy<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'averaged', O>;
export function accuracy(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return accuracyOnce(yTrue, yPred, options);
}
const accuracyOnce = oneShot(accuracySpec);
/** One-shot {@link topKAccuracySpec top-k accuracy}. */
export function topKAccuracy<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'number', O>;
export function topKAccuracy(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return topKAccuracyOnce(yTrue, yPred, options);
}
const topKAccuracyOnce = oneShot(topKAccuracySpec);
/** One-shot {@link precisionSpec precision}. */
export function precision<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'averaged', O>;
export function precision(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return precisionOnce(yTrue, yPred, options);
}
const precisionOnce = oneShot(precisionSpec);
/** One-shot {@link recallSpec recall}. */
export function recall<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'averaged', O>;
export function recall(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return recallOnce(yTrue, yPred, options);
}
const recallOnce = oneShot(recallSpec);
/** One-shot {@link f1Spec F1}. */
export function f1<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'averaged', O>;
export function f1(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return f1Once(yTrue, yPred, options);
}
const f1Once = oneShot(f1Spec);
/** One-shot {@link fbetaSpec F-β}. */
export function fbeta<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'averaged', O>;
export function fbeta(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return fbetaOnce(yTrue, yPred, options);
}
const fbetaOnce = oneShot(fbetaSpec);
/** One-shot {@link confusionMatrixSpec confusion matrix} (`number[][]`). */
export function confusionMatrix<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'matrix', O>;
export function confusionMatrix(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return confusionMatrixOnce(yTrue, yPred, options);
}
const confusionMatrixOnce = oneShot(confusionMatrixSpec);
/** One-shot {@link matthewsCorrcoefSpec Matthews correlation coefficient}. */
export function matthewsCorrcoef<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'number', O>;
export function matthewsCorrcoef(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return matthewsCorrcoefOnce(yTrue, yPred, options);
}
const matthewsCorrcoefOnce = oneShot(matthewsCorrcoefSpec);
/** One-shot {@link cohenKappaSpec Cohen's kappa}. */
export function cohenKappa<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'number', O>;
export function cohenKappa(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return cohenKappaOnce(yTrue, yPred, options);
}
const cohenKappaOnce = oneShot(cohenKappaSpec);
