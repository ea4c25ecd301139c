/**
 * Ranking metrics and curves — `auroc`, `averagePrecision`, `rocCurve`, `precisionRecallCurve`
 * — exact over a whole dataset, computed in pieces and merged.
 *
 * **Exact mode (default).** Values equal scikit-learn 1.2 (`roc_auc_score`,
 * `average_precision_score`, `roc_curve`, `precision_recall_curve`), tied scores included. The
 * state is a score histogram per class (see `score-histogram.ts`): the distinct scores with the
 * positive and negative weight at each — O(distinct scores) memory, an exact sorted merge.
 *
 * **Binned mode (`thresholds: T`).** Keras `AUC(num_thresholds=T)`: O(T) memory per class,
 * thresholds `[-1e-7, 1/(T-1), …, (T-2)/(T-1), 1+1e-7]`, a score counts as positive at a
 * threshold when it is strictly greater; ROC area by the trapezoid rule
 * (`summation_method='interpolation'`), PR area by Davis & Goadrich interpolation
 * (Keras `AUC(curve='PR')`). Scores must be probabilities in [0, 1].
 *
 * Inputs: binary — `yTrue` `[N]` of 0/1 or of −1/1 (1 positive, scikit-learn's default `pos_label`; any labels with `posLabel`), `yPred` scores `[N]`;
 * multiclass — `yTrue` `[N]` class indices, `yPred` `[N, C]` (one-vs-rest);
 * multilabel — `yTrue`, `yPred` `[N, L]`. See `docs/metrics-curves.md` for every edge case.
 */
import { LosskitError, describe, fmtShape } from '../errors.js';
import type { Tensor, TensorInput } from '../tensor.js';
import type { MetricResult, PrCurve, RocCurve } from './results.js';
import {
  checkClassLabels,
  checkFinite,
  checkNonEmpty,
  checkNumberOption,
  checkOneOf,
  checkBooleanOption,
  checkRange,
  fmtIndex,
} from '../validate.js';
import type { FieldSpec, MetricOptions, MetricSpec } from './core.js';
import { checkStateSize, f64Field, fmtBytes, numField, oneShot } from './core.js';
import type { MetricEntry } from './registry-types.js';
import { remapLabels } from './stat-scores.js';
import {
  addScores,
  addWeighted,
  checkHistogram,
  emptyHistogram,
  histogramFields,
  mergeHistogram,
  mergeRuns,
  readRun,
  runFromBatch,
  type Histogram,
  type Run,
} from './score-histogram.js';

type Task = 'binary' | 'multiclass' | 'multilabel';
type Average = 'micro' | 'macro' | 'weighted' | 'samples' | 'none';
type Kind = 'auroc' | 'ap' | 'roc' | 'pr';

/** The normalised configuration of the four ranking metrics (part of the state fingerprint). */
export interface CurveConfig {
  task: Task;
  /** Columns of `yPred`: 1 (binary), C classes or L labels. */
  numClasses: number;
  average: Average;
  /** Keras-style binned mode: the number of thresholds, or null for the exact computation. */
  thresholds: number | null;
  /** `auroc` only: scikit-learn `max_fpr` (McClish-corrected partial AUC), or null. */
  maxFpr: number | null;
  /** `rocCurve` only: scikit-learn `drop_intermediate` (default true). */
  dropIntermediate: boolean;
  /** Binary: the positive label (null: labels must be 0/1). */
  posLabel: number | null;
  /** Multiclass `auroc`: one-vs-rest or one-vs-one (Hand & Till). */
  multiClass: 'ovr' | 'ovo';
  /** Multiclass `auroc`: the class value of each score column (scikit-learn `labels`), or null for 0..C-1. */
  labels: number[] | null;
}

const BASE_OPTIONS = ['task', 'numClasses', 'numLabels', 'average', 'thresholds', 'posLabel'] as const;

function curveConfig(kind: Kind) {
  return (options: MetricOptions, fn: string): CurveConfig => {
    const task: Task =
      options.task !== undefined
        ? checkOneOf(fn, 'task', options.task, ['binary', 'multiclass', 'multilabel'] as const)
        : options.numClasses !== undefined
          ? 'multiclass'
          : options.numLabels !== undefined
            ? 'multilabel'
            : 'binary';
    let numClasses = 1;
    let labels: number[] | null = null;
    if (kind === 'auroc' && options.labels !== undefined) {
      const lv: unknown = options.labels;
      if (task !== 'multiclass')
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option 'labels' (the class of each score column) only applies to task 'multiclass'; received task '${task}'`,
          'labels',
        );
      if (
        !Array.isArray(lv) ||
        lv.length < 2 ||
        !lv.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
        new Set(lv).size !== lv.length
      )
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option 'labels' must be an array of at least 2 distinct finite numbers (one per score column); received ${describe(lv)}`,
          'labels',
        );
      labels = lv.slice() as number[];
    }
    if (task === 'multiclass') {
      if (options.numClasses === undefined && labels !== null) numClasses = labels.length;
      else if (options.numClasses === undefined)
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option 'numClasses' is required when task is 'multiclass' (an integer >= 2); received undefined`,
          'numClasses',
        );
      else numClasses = checkNumberOption(fn, 'numClasses', options.numClasses, { integer: true, min: 2 });
      if (labels !== null && labels.length !== numClasses)
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option 'labels' has ${labels.length} classes but numClasses is ${numClasses}; expected one label per score column`,
          'labels',
        );
    } else if (task === 'multilabel') {
      if (options.numLabels === undefined)
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option 'numLabels' is required when task is 'multilabel' (an integer >= 1); received undefined`,
          'numLabels',
        );
      numClasses = checkNumberOption(fn, 'numLabels', options.numLabels, { integer: true, min: 1 });
    }
    // An option that does not apply to the task is an error, never ignored.
    if (options.numClasses !== undefined && task !== 'multiclass')
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'numClasses' only applies to task 'multiclass'; received numClasses ${describe(options.numClasses)} with task '${task}'${task === 'multilabel' ? " (use 'numLabels')" : ''}`,
        'numClasses',
      );
    if (options.numLabels !== undefined && task !== 'multilabel')
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'numLabels' only applies to task 'multilabel'; received numLabels ${describe(options.numLabels)} with task '${task}'${task === 'multiclass' ? " (use 'numClasses')" : ''}`,
        'numLabels',
      );
    const thresholds =
      options.thresholds === undefined
        ? null
        : checkNumberOption(fn, 'thresholds', options.thresholds, { integer: true, min: 2 });
    const curve = kind === 'roc' || kind === 'pr';
    const allowed: Average[] =
      task === 'binary'
        ? ['micro', 'macro', 'weighted', 'samples', 'none']
        : curve
          ? ['none', 'micro']
          : task === 'multiclass' || thresholds !== null
            ? ['macro', 'weighted', 'micro', 'none']
            : ['macro', 'weighted', 'micro', 'samples', 'none'];
    let average: Average = curve ? 'none' : 'macro';
    if (options.average !== undefined) {
      if (options.average === 'binary' && task === 'binary') average = 'macro';
      else average = checkOneOf(fn, 'average', options.average, allowed);
    }
    if (task === 'binary') average = curve ? 'none' : 'macro'; // ignored for binary input, as scikit-learn does
    let maxFpr: number | null = null;
    if (kind === 'auroc' && options.maxFpr !== undefined) {
      maxFpr = checkNumberOption(fn, 'maxFpr', options.maxFpr, { gt: 0, max: 1 });
      if (task !== 'binary')
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option 'maxFpr' (partial AUC) is only defined for task 'binary' (as in scikit-learn); received task '${task}'`,
          'maxFpr',
        );
      if (thresholds !== null)
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option 'maxFpr' needs the exact mode; remove 'thresholds'`,
          'maxFpr',
        );
      if (maxFpr === 1) maxFpr = null;
    }
    const dropIntermediate =
      kind === 'roc' && options.dropIntermediate !== undefined
        ? checkBooleanOption(fn, 'dropIntermediate', options.dropIntermediate)
        : kind === 'roc';
    let posLabel: number | null = null;
    if (options.posLabel !== undefined) {
      if (task !== 'binary')
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option 'posLabel' only applies to task 'binary'; received task '${task}'`,
          'posLabel',
        );
      posLabel = checkNumberOption(fn, 'posLabel', options.posLabel);
    }
    let multiClass: 'ovr' | 'ovo' = 'ovr';
    if (kind === 'auroc' && options.multiClass !== undefined) {
      multiClass = checkOneOf(fn, 'multiClass', options.multiClass, ['ovr', 'ovo'] as const);
      if (multiClass === 'ovo') {
        if (task !== 'multiclass' || thresholds !== null)
          throw new LosskitError(
            'INVALID_OPTION',
            fn,
            `option multiClass 'ovo' needs task 'multiclass' in exact mode; received task '${task}'${thresholds !== null ? ' with thresholds' : ''}`,
            'multiClass',
          );
        if (average !== 'macro' && average !== 'weighted')
          throw new LosskitError(
            'INVALID_OPTION',
            fn,
            `option 'average' must be 'macro' or 'weighted' with multiClass 'ovo' (as scikit-learn); received '${average}'`,
            'average',
          );
      }
    }
    const config: CurveConfig = {
      task,
      numClasses,
      average,
      thresholds,
      maxFpr,
      dropIntermediate,
      posLabel,
      multiClass,
      labels,
    };
    checkCurveSize(fn, options, config);
    return config;
  };
}

/**
 * The most score histograms an exact state may keep: 2²⁰ (e.g. one-vs-rest over a million
 * classes, or one-vs-one over 1024). An empty histogram takes about {@link HISTOGRAM_BYTES}.
 */
export const MAX_HISTOGRAMS = 2 ** 20;
const HISTOGRAM_BYTES = 200;

function checkCurveSize(fn: string, options: MetricOptions, c: CurveConfig): void {
  const option = c.task === 'multilabel' ? 'numLabels' : 'numClasses';
  const h = numHistograms(c);
  if (c.thresholds !== null) {
    const what = h === 1 ? `${c.thresholds} buckets` : `${h} × ${c.thresholds} buckets (one set per class)`;
    checkStateSize(fn, h === 1 || options.thresholds !== undefined ? 'thresholds' : option, h * c.thresholds, what);
    return;
  }
  if (h > MAX_HISTOGRAMS) {
    const how = c.multiClass === 'ovo' ? `${c.numClasses}² (one-vs-one)` : `${h}`;
    throw new LosskitError(
      'OUT_OF_RANGE',
      fn,
      `option '${option}' (${c.numClasses}) needs ${how} = ${h} score histograms (at least ${fmtBytes(h * HISTOGRAM_BYTES)} before any data); the limit is ${MAX_HISTOGRAMS} histograms${c.multiClass === 'ovo' ? ` (numClasses <= ${Math.floor(Math.sqrt(MAX_HISTOGRAMS))} for one-vs-one)` : ''}`,
      option,
    );
  }
}

/** Number of score histograms (exact) or bucket sets (binned) the state keeps. */
function numHistograms(c: CurveConfig): number {
  if (c.multiClass === 'ovo') return c.numClasses * c.numClasses; // [score column][true label]
  if (c.task === 'binary' || c.average === 'micro') return 1;
  if (c.average === 'samples') return 0;
  return c.numClasses;
}

/**
 * The state of the ranking metrics. Exact mode: one score histogram per class (or one), or, for
 * the multilabel `'samples'` average, the running Σ w·score and Σ w. Binned mode: per class
 * `thresholds` buckets of positive (`bp`) and negative (`bn`) weight. Unused parts are empty.
 */
export interface CurveState {
  hists: Histogram[];
  bp: Float64Array;
  bn: Float64Array;
  sumScore: number;
  sumW: number;
}

function curveInit(c: CurveConfig): CurveState {
  const h = numHistograms(c);
  const binned = c.thresholds !== null ? h * c.thresholds : 0;
  const hists: Histogram[] = [];
  if (c.thresholds === null) for (let k = 0; k < h; k++) hists.push(emptyHistogram(h));
  return { hists, bp: new Float64Array(binned), bn: new Float64Array(binned), sumScore: 0, sumW: 0 };
}

/** The serialised fields: `bp`, `bn` (binned); `sumScore`, `sumW` ('samples'); else `h0k`, `h0p`, `h0n`, `h0s`, `h1k`, …. */
function curveFields(c: CurveConfig, kind: Kind): FieldSpec<CurveState>[] {
  const h = numHistograms(c);
  if (c.thresholds !== null)
    return [f64Field('bp', 'count', h * c.thresholds), f64Field('bn', 'count', h * c.thresholds)];
  // A sample's AUROC is NaN when its labels are all equal; its AP is 0 then.
  if (h === 0) return [numField('sumScore', kind === 'auroc' ? 'nonnegOrNaN' : 'count'), numField('sumW', 'count')];
  const f: FieldSpec<CurveState>[] = [];
  for (let k = 0; k < h; k++) for (const x of histogramFields(`h${k}`, (s: CurveState) => s.hists[k])) f.push(x);
  return f;
}

function curveCheck(s: CurveState): string | null {
  for (let k = 0; k < s.hists.length; k++) {
    const problem = checkHistogram(s.hists[k]);
    if (problem !== null) return `histogram h${k}: ${problem}`;
  }
  return null;
}

function curveMerge(a: CurveState, b: CurveState, c: CurveConfig): void {
  if (c.thresholds !== null) return;
  for (let k = 0; k < a.hists.length; k++) mergeHistogram(a.hists[k], b.hists[k]);
}

// ---------------------------------------------------------------------------------------------
// Input checks and positive masks

interface Batch {
  n: number;
  /** Columns per sample of `yPred`. */
  cols: number;
  /** 1 where the (sample, column) entry is positive; length n·cols. */
  isPos: Uint8Array;
}

function prepareBatch(fn: string, yTrue: Tensor, yPred: Tensor, c: CurveConfig): Batch {
  checkNonEmpty(fn, 'yPred', yPred);
  checkFinite(fn, 'yPred', yPred);
  const n = yPred.shape.length > 0 ? yPred.shape[0] : 1;
  if (c.thresholds !== null) checkRange(fn, 'yPred', yPred, 0, 1, 'probabilities (binned mode: thresholds)');
  if (c.task === 'binary') {
    if (yPred.shape.length > 2 || (yPred.shape.length === 2 && yPred.shape[1] !== 1)) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yPred' must have shape [N] or [N,1] (one score per sample) for task 'binary'; received ${fmtShape(yPred.shape)}`,
        'yPred',
      );
    }
    if (yTrue.data.length !== n || (yTrue.shape.length > 0 && yTrue.shape[0] !== n)) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yTrue' has shape ${fmtShape(yTrue.shape)} but 'yPred' has shape ${fmtShape(yPred.shape)}; expected [${n}] (one label per score)`,
        'yTrue',
      );
    }
    checkFinite(fn, 'yTrue', yTrue);
    const t = yTrue.data;
    const isPos = new Uint8Array(n);
    if (c.posLabel === null) {
      // scikit-learn's default pos_label: 1, for labels in {0, 1} or in {−1, 1}
      let neg: number | null = null;
      for (let i = 0; i < n; i++) {
        const v = t[i];
        if ((v !== 0 && v !== 1 && v !== -1) || (v !== 1 && neg !== null && v !== neg)) {
          throw new LosskitError(
            'INVALID_LABEL',
            fn,
            `'yTrue' must hold binary labels 0 or 1 (or −1 or 1; or set 'posLabel'); received ${describe(v)} at index ${fmtIndex(i, yTrue.shape)}${neg !== null && v !== 1 ? ` after ${neg}` : ''}`,
            'yTrue',
          );
        }
        if (v !== 1) neg = v;
        isPos[i] = v === 1 ? 1 : 0;
      }
    } else {
      // With posLabel the labels are posLabel and one other value: two other values mean that
      // posLabel is not a label at all (every sample would count as negative).
      let other: number | null = null;
      for (let i = 0; i < n; i++) {
        const v = t[i];
        isPos[i] = v === c.posLabel ? 1 : 0;
        if (v === c.posLabel) continue;
        if (other === null) other = v;
        else if (v !== other)
          throw new LosskitError(
            'INVALID_LABEL',
            fn,
            `'yTrue' holds ${other} and ${v} besides posLabel ${c.posLabel}; expected binary labels: posLabel and one other value (is posLabel one of the labels?)`,
            'yTrue',
          );
      }
    }
    return { n, cols: 1, isPos };
  }
  const C = c.numClasses;
  if (yPred.shape.length !== 2 || yPred.shape[1] !== C) {
    const what =
      c.task === 'multiclass'
        ? `[N,${C}] (one score per class, numClasses ${C})`
        : `[N,${C}] (one score per label, numLabels ${C})`;
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yPred' must have shape ${what}; received ${fmtShape(yPred.shape)}`,
      'yPred',
    );
  }
  const isPos = new Uint8Array(n * C);
  if (c.task === 'multiclass') {
    if (yTrue.shape.length !== 1 || yTrue.shape[0] !== n) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yTrue' must have shape [${n}] (class indices) for 'yPred' ${fmtShape(yPred.shape)}; received ${fmtShape(yTrue.shape)}`,
        'yTrue',
      );
    }
    checkClassLabels(fn, 'yTrue', yTrue, C);
    for (let i = 0; i < n; i++) isPos[i * C + yTrue.data[i]] = 1;
  } else {
    if (yTrue.shape.length !== 2 || yTrue.shape[0] !== n || yTrue.shape[1] !== C) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'yTrue' has shape ${fmtShape(yTrue.shape)} but 'yPred' has shape ${fmtShape(yPred.shape)}; expected [${n},${C}] (0/1 label indicators)`,
        'yTrue',
      );
    }
    const t = yTrue.data;
    for (let i = 0; i < t.length; i++) {
      const v = t[i];
      if (v !== 0 && v !== 1)
        throw new LosskitError(
          'INVALID_LABEL',
          fn,
          `'yTrue' must hold label indicators 0 or 1; received ${describe(v)} at index ${fmtIndex(i, yTrue.shape)}`,
          'yTrue',
        );
      isPos[i] = v;
    }
  }
  return { n, cols: C, isPos };
}

/** Where {@link addBinned} reads a batch and which buckets it fills. */
interface BinnedBatch {
  /** Bucket arrays and the offset of this histogram's `T` buckets in them. */
  bp: Float64Array;
  bn: Float64Array;
  base: number;
  T: number;
  /** Entry `i` has score `scores[offset + i·stride]` and is positive when `isPos[posOff + i·posStride]` is 1. */
  scores: ArrayLike<number>;
  offset: number;
  stride: number;
  n: number;
  isPos: Uint8Array;
  posOff: number;
  posStride: number;
  /** Per-sample weights (or null), each repeated for `wRepeat` consecutive entries. */
  w: Float64Array | null;
  wRepeat: number;
}

/** Keras `update_confusion_matrix_variables` bucket: `max(ceil(p·(T−1)) − 1, 0)`. */
function addBinned(a: BinnedBatch): void {
  const { bp, bn, base, T, scores, offset, stride, n, isPos, posOff, posStride, w, wRepeat } = a;
  const tm1 = T - 1;
  for (let i = 0, q = offset, r = posOff; i < n; i++, q += stride, r += posStride) {
    let b = Math.ceil(scores[q] * tm1) - 1;
    if (b < 0) b = 0;
    const wi = w === null ? 1 : w[Math.floor(i / wRepeat)];
    if (isPos[r] === 1) bp[base + b] += wi;
    else bn[base + b] += wi;
  }
}

function curveUpdate(kind: Kind) {
  return (
    state: CurveState,
    yTrue: Tensor,
    yPred: Tensor,
    w: Float64Array | null,
    c: CurveConfig,
    fn: string,
  ): void => {
    if (c.labels !== null) yTrue = remapLabels(fn, 'yTrue', yTrue, c.labels, null);
    const { n, cols, isPos } = prepareBatch(fn, yTrue, yPred, c);
    const s = yPred.data;
    if (c.thresholds !== null) {
      const T = c.thresholds;
      const { bp, bn } = state;
      const all = { bp, bn, T, scores: s, isPos, w };
      if (c.task === 'binary' || c.average === 'micro')
        addBinned({ ...all, base: 0, offset: 0, stride: 1, n: n * cols, posOff: 0, posStride: 1, wRepeat: cols });
      else
        for (let k = 0; k < cols; k++)
          addBinned({ ...all, base: k * T, offset: k, stride: cols, n, posOff: k, posStride: cols, wRepeat: 1 });
      return;
    }
    const add = (h: Histogram, offset: number, stride: number, count: number, weights: Float64Array | null) => {
      const at = { offset, stride, n: count };
      const posAt = { offset, stride };
      if (weights === null) addScores(h, s, at, isPos, posAt);
      else addWeighted(h, s, at, isPos, posAt, weights);
    };
    if (c.task === 'binary') {
      add(state.hists[0], 0, 1, n, w);
      return;
    }
    if (c.multiClass === 'ovo') {
      if (w !== null)
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `'sampleWeight' is not supported with multiClass 'ovo' (as in scikit-learn); received ${w.length} weights`,
          'sampleWeight',
        );
      // Histogram [a][l]: the column-a scores of the samples whose label is l.
      const byLabel: number[][] = Array.from({ length: cols }, () => []);
      for (let i = 0; i < n; i++) byLabel[yTrue.data[i]].push(i);
      for (let l = 0; l < cols; l++) {
        const idx = byLabel[l];
        if (idx.length === 0) continue;
        const g = new Float64Array(idx.length);
        for (let a = 0; a < cols; a++) {
          for (let t = 0; t < idx.length; t++) g[t] = s[idx[t] * cols + a];
          addScores(state.hists[a * cols + l], g, { offset: 0, stride: 1, n: idx.length }, null, {
            offset: 0,
            stride: 1,
          });
        }
      }
      return;
    }
    if (c.average === 'micro') {
      let we: Float64Array | null = null;
      if (w !== null) {
        we = new Float64Array(n * cols);
        for (let i = 0; i < n; i++) we.fill(w[i], i * cols, (i + 1) * cols);
      }
      add(state.hists[0], 0, 1, n * cols, we);
      return;
    }
    if (c.average === 'samples') {
      // Per-sample score over the labels (scikit-learn: sample weights weight the average).
      let sum = 0;
      let sw = 0;
      for (let i = 0; i < n; i++) {
        const wi = w === null ? 1 : w[i];
        if (wi === 0) continue; // zero-weight rows count as 0 with weight 0 (scikit-learn's averaging rule)
        const r = runFromBatch(s, i * cols, 1, cols, isPos.subarray(i * cols, (i + 1) * cols), null);
        const v = kind === 'auroc' ? aurocFromRun(r, null) : apFromRun(r);
        sum += wi * v;
        sw += wi;
      }
      state.sumScore += sum;
      state.sumW += sw;
      return;
    }
    for (let k = 0; k < cols; k++) add(state.hists[k], k, cols, n, w);
  };
}

// ---------------------------------------------------------------------------------------------
// Exact computations from a histogram (scikit-learn 1.2 `_binary_clf_curve` and friends)

function totals(r: Run): [number, number] {
  let P = 0;
  let N = 0;
  for (let i = 0; i < r.keys.length; i++) {
    P += r.pos[i];
    N += r.neg[i];
  }
  return [P, N];
}

/**
 * Area under the ROC curve: trapezoids between consecutive distinct thresholds, walking the
 * scores from the highest down; `maxFpr` gives scikit-learn's McClish-corrected partial AUC.
 * NaN when there are no positive or no negative samples (scikit-learn raises).
 */
export function aurocFromRun(r: Run, maxFpr: number | null): number {
  const [P, N] = totals(r);
  if (!(P > 0 && N > 0)) return NaN;
  const m = r.keys.length;
  if (maxFpr === null) {
    let area = 0;
    let tp = 0;
    let fp = 0;
    for (let i = m - 1; i >= 0; i--) {
      const tp1 = tp + r.pos[i];
      const fp1 = fp + r.neg[i];
      area += (fp1 - fp) * (tp1 + tp);
      tp = tp1;
      fp = fp1;
    }
    return area / (2 * P * N);
  }
  let area = 0;
  let tp = 0;
  let fp = 0;
  let x0 = 0;
  let y0 = 0;
  for (let i = m - 1; i >= 0; i--) {
    tp += r.pos[i];
    fp += r.neg[i];
    const x1 = fp / N;
    const y1 = tp / P;
    if (x1 > maxFpr) {
      const yi = y0 + ((maxFpr - x0) * (y1 - y0)) / (x1 - x0);
      area += ((maxFpr - x0) * (yi + y0)) / 2;
      break;
    }
    area += ((x1 - x0) * (y1 + y0)) / 2;
    x0 = x1;
    y0 = y1;
  }
  const minArea = 0.5 * maxFpr * maxFpr;
  return 0.5 * (1 + (area - minArea) / (maxFpr - minArea));
}

/**
 * Average precision Σₖ (Rₖ − Rₖ₋₁)·Pₖ over thresholds from the highest score down (no
 * interpolation). 0 when there are no positives (scikit-learn 1.2), NaN with no data.
 */
export function apFromRun(r: Run): number {
  const m = r.keys.length;
  if (m === 0) return NaN;
  const [P] = totals(r);
  if (!(P > 0)) return 0;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (let i = m - 1; i >= 0; i--) {
    const dtp = r.pos[i];
    tp += dtp;
    fp += r.neg[i];
    if (dtp !== 0) ap += (dtp / P) * (tp / (tp + fp));
  }
  return ap;
}

export type { PrCurve, PrCurves, RocCurve, RocCurves } from './results.js';

/** scikit-learn 1.2 `roc_curve` from a histogram (thresholds decreasing, first = max + 1). */
export function rocFromRun(r: Run, dropIntermediate: boolean): RocCurve {
  const m = r.keys.length;
  if (m === 0) return { fpr: [], tpr: [], thresholds: [] };
  const F = new Float64Array(m);
  const Tp = new Float64Array(m);
  const thr = new Float64Array(m);
  let tp = 0;
  let fp = 0;
  for (let j = 0, i = m - 1; i >= 0; i--, j++) {
    tp += r.pos[i];
    fp += r.neg[i];
    F[j] = fp;
    Tp[j] = tp;
    thr[j] = r.keys[i];
  }
  let keep: number[];
  if (dropIntermediate && m > 2) {
    // scikit-learn: keep a point unless both second differences are exactly zero (collinear).
    keep = [0];
    for (let j = 1; j < m - 1; j++) {
      if (F[j + 1] - F[j] - (F[j] - F[j - 1]) !== 0 || Tp[j + 1] - Tp[j] - (Tp[j] - Tp[j - 1]) !== 0) keep.push(j);
    }
    keep.push(m - 1);
  } else keep = Array.from({ length: m }, (_, j) => j);
  const Ftot = F[m - 1];
  const Ttot = Tp[m - 1];
  const fpr = [Ftot > 0 ? 0 : NaN];
  const tpr = [Ttot > 0 ? 0 : NaN];
  const thresholds = [thr[0] + 1];
  for (const j of keep) {
    fpr.push(Ftot > 0 ? F[j] / Ftot : NaN);
    tpr.push(Ttot > 0 ? Tp[j] / Ttot : NaN);
    thresholds.push(thr[j]);
  }
  return { fpr, tpr, thresholds };
}

/** scikit-learn 1.2 `precision_recall_curve` from a histogram (thresholds increasing). */
export function prFromRun(r: Run): PrCurve {
  const m = r.keys.length;
  if (m === 0) return { precision: [], recall: [], thresholds: [] };
  const [P] = totals(r);
  const precision = new Array<number>(m + 1);
  const recall = new Array<number>(m + 1);
  const thresholds = new Array<number>(m);
  let tp = 0;
  let fp = 0;
  // Walking down from the highest score, entry j (from the top) goes to index m-1-j.
  for (let i = m - 1; i >= 0; i--) {
    tp += r.pos[i];
    fp += r.neg[i];
    const ps = tp + fp;
    precision[i] = ps !== 0 ? tp / ps : 0;
    recall[i] = P > 0 ? tp / P : 1;
    thresholds[i] = r.keys[i];
  }
  precision[m] = 1;
  recall[m] = 0;
  return { precision, recall, thresholds };
}

// ---------------------------------------------------------------------------------------------
// Binned (Keras AUC) computations

/** Keras thresholds: `[0 − 1e-7, 1/(T−1), …, (T−2)/(T−1), 1 + 1e-7]`. */
export function kerasThresholds(T: number): number[] {
  const t = [0 - 1e-7];
  for (let i = 0; i < T - 2; i++) t.push(((i + 1) * 1.0) / (T - 1));
  t.push(1 + 1e-7);
  return t;
}

interface Binned {
  tp: Float64Array;
  fp: Float64Array;
  P: number;
  N: number;
}

/** Per-threshold true/false positives: reverse cumulative sums of the buckets (as Keras). */
function binnedCounts(bp: Float64Array, bn: Float64Array, base: number, T: number): Binned {
  const tp = new Float64Array(T);
  const fp = new Float64Array(T);
  let a = 0;
  let b = 0;
  for (let j = T - 1; j >= 0; j--) {
    a += bp[base + j];
    b += bn[base + j];
    tp[j] = a;
    fp[j] = b;
  }
  return { tp, fp, P: tp[0], N: fp[0] };
}

const divNoNan = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Keras `AUC(curve='ROC', summation_method='interpolation').result()`. */
function binnedAuroc(k: Binned): number {
  const T = k.tp.length;
  let auc = 0;
  for (let j = 0; j < T - 1; j++) {
    const x0 = divNoNan(k.fp[j], k.N);
    const x1 = divNoNan(k.fp[j + 1], k.N);
    const y0 = divNoNan(k.tp[j], k.P);
    const y1 = divNoNan(k.tp[j + 1], k.P);
    auc += (x0 - x1) * ((y0 + y1) / 2);
  }
  return auc;
}

/** Keras `AUC(curve='PR').interpolate_pr_auc()` (Davis & Goadrich interpolation). */
function binnedPrAuc(k: Binned): number {
  const T = k.tp.length;
  let auc = 0;
  for (let j = 0; j < T - 1; j++) {
    const dtp = k.tp[j] - k.tp[j + 1];
    const p0 = k.tp[j] + k.fp[j];
    const p1 = k.tp[j + 1] + k.fp[j + 1];
    const dp = p0 - p1;
    const slope = divNoNan(dtp, Math.max(dp, 0));
    const intercept = k.tp[j + 1] - slope * p1;
    const ratio = p0 > 0 && p1 > 0 ? divNoNan(p0, Math.max(p1, 0)) : 1;
    const fn1 = k.P - k.tp[j + 1];
    auc += divNoNan(slope * (dtp + intercept * Math.log(ratio)), Math.max(k.tp[j + 1] + fn1, 0));
  }
  return auc;
}

// ---------------------------------------------------------------------------------------------
// Averaging (scikit-learn `_average_binary_score`)

function averageScores(scores: Float64Array, support: Float64Array, average: Average): number | number[] {
  if (average === 'none') return Array.from(scores);
  if (average === 'weighted') {
    let sw = 0;
    for (let k = 0; k < support.length; k++) sw += support[k];
    if (Math.abs(sw) <= 1e-8) return 0; // np.isclose(sum, 0) → scikit-learn returns 0
    let s = 0;
    for (let k = 0; k < scores.length; k++) if (support[k] !== 0) s += scores[k] * support[k];
    return s / sw;
  }
  let s = 0;
  for (let k = 0; k < scores.length; k++) s += scores[k];
  return s / scores.length;
}

/** What a ranking metric returns: a score, per-class scores, one curve, or per-class curves. */
export type CurveValue = number | number[] | { [key: string]: number[] } | { [key: string]: number[][] };

function curveCompute(kind: Kind) {
  return (state: CurveState, c: CurveConfig): CurveValue => {
    const H = numHistograms(c);
    if (c.average === 'samples') {
      const sw = state.sumW;
      return sw > 0 ? state.sumScore / sw : NaN;
    }
    if (c.thresholds !== null) {
      const T = c.thresholds;
      const { bp, bn } = state;
      const counts = Array.from({ length: H }, (_, k) => binnedCounts(bp, bn, k * T, T));
      if (kind === 'roc' || kind === 'pr') {
        const thr = kerasThresholds(T);
        const one = (k: Binned): Record<string, number[]> => {
          if (kind === 'roc') {
            const fpr: number[] = [];
            const tpr: number[] = [];
            for (let j = T - 1; j >= 0; j--) {
              fpr.push(divNoNan(k.fp[j], k.N));
              tpr.push(divNoNan(k.tp[j], k.P));
            }
            return { fpr, tpr, thresholds: thr.slice().reverse() };
          }
          const precision: number[] = [];
          const recall: number[] = [];
          for (let j = 0; j < T; j++) {
            precision.push(divNoNan(k.tp[j], k.tp[j] + k.fp[j]));
            recall.push(divNoNan(k.tp[j], k.P));
          }
          return { precision, recall, thresholds: thr.slice() };
        };
        return H === 1 && (c.task === 'binary' || c.average === 'micro')
          ? one(counts[0])
          : stackCurves(counts.map(one));
      }
      const scores = Float64Array.from(counts, (k) => (kind === 'auroc' ? binnedAuroc(k) : binnedPrAuc(k)));
      if (H === 1) return scores[0];
      return averageScores(
        scores,
        Float64Array.from(counts, (k) => k.P),
        c.average,
      );
    }
    if (c.multiClass === 'ovo') return ovoAuroc(state, c);
    const runs = Array.from({ length: H }, (_, k) => readRun(state.hists[k]));
    const single = c.task === 'binary' || c.average === 'micro';
    if (kind === 'roc' || kind === 'pr') {
      const one = (r: Run): Record<string, number[]> => {
        const v = kind === 'roc' ? rocFromRun(r, c.dropIntermediate) : prFromRun(r);
        return { ...v };
      };
      return single ? one(runs[0]) : stackCurves(runs.map(one));
    }
    const scores = Float64Array.from(runs, (r) => (kind === 'auroc' ? aurocFromRun(r, c.maxFpr) : apFromRun(r)));
    if (single) return scores[0];
    return averageScores(
      scores,
      Float64Array.from(runs, (r) => totals(r)[0]),
      c.average,
    );
  };
}

/**
 * scikit-learn `_average_multiclass_ovo_score` (Hand & Till 2001): for each pair a < b, the mean
 * of AUROC(a vs b, column a) and AUROC(b vs a, column b) over the samples labelled a or b;
 * `'macro'` averages the pairs, `'weighted'` weights them by their prevalence (n_a + n_b) / N.
 */
function ovoAuroc(state: CurveState, c: CurveConfig): number {
  const C = c.numClasses;
  const runs = Array.from({ length: C * C }, (_, k) => readRun(state.hists[k]));
  const count = Array.from({ length: C }, (_, l) => totals(runs[l])[0]); // column 0, label l
  const N = count.reduce((x, y) => x + y, 0);
  const vs = (a: number, b: number): number => {
    const pos = runs[a * C + a];
    const neg = runs[a * C + b];
    return aurocFromRun(
      mergeRuns(
        { keys: pos.keys, pos: pos.pos, neg: new Float64Array(pos.keys.length) },
        { keys: neg.keys, pos: new Float64Array(neg.keys.length), neg: neg.pos },
      ),
      null,
    );
  };
  // scikit-learn, given `labels`, averages over the pairs of classes present in yTrue; without
  // `labels` it raises when a column's class is absent, where losskit's value is NaN (a compute
  // does not throw: the next batch may bring the class)
  if (c.labels === null && count.some((k) => k === 0)) return NaN;
  let s = 0;
  let sw = 0;
  for (let a = 0; a < C; a++) {
    if (count[a] === 0) continue;
    for (let b = a + 1; b < C; b++) {
      if (count[b] === 0) continue;
      const score = (vs(a, b) + vs(b, a)) / 2;
      const wgt = c.average === 'weighted' ? (count[a] + count[b]) / N : 1;
      s += wgt * score;
      sw += wgt;
    }
  }
  return s / sw;
}

/** Per-class curves → `{ fpr: [curve of class 0, curve of class 1, …], … }`. */
function stackCurves(curves: Record<string, number[]>[]): { [key: string]: number[][] } {
  const out: { [key: string]: number[][] } = {};
  for (const key of Object.keys(curves[0])) out[key] = curves.map((cv) => cv[key]);
  return out;
}

function makeSpec(name: string, kind: Kind, extra: readonly string[]): MetricSpec<CurveConfig, CurveState, CurveValue> {
  return {
    name,
    optionNames: [...BASE_OPTIONS, ...extra],
    config: curveConfig(kind),
    init: curveInit,
    fields: (c) => curveFields(c, kind),
    check: curveCheck,
    update: curveUpdate(kind),
    mergeCustom: curveMerge,
    compute: curveCompute(kind),
    shareKey: curveShareKey,
    // histograms / buckets of unit weights: integer counts, exact sorted merges
    countState: (c) => c.average !== 'samples',
  };
}

/**
 * The four ranking metrics build the same histograms (or buckets) from the same batches when
 * what `curveUpdate` reads of the config is equal; the `'samples'` average keeps per-kind sums.
 */
function curveShareKey(c: CurveConfig): string | null {
  if (c.average === 'samples') return null;
  const { task, numClasses, thresholds, posLabel, labels, multiClass } = c;
  const micro = c.average === 'micro';
  return JSON.stringify({ state: 'curve', task, numClasses, thresholds, posLabel, labels, multiClass, micro });
}

export const aurocSpec = makeSpec('auroc', 'auroc', ['maxFpr', 'multiClass', 'labels']);
export const averagePrecisionSpec = makeSpec('averagePrecision', 'ap', []);
export const rocCurveSpec = makeSpec('rocCurve', 'roc', ['dropIntermediate']);
export const precisionRecallCurveSpec = makeSpec('precisionRecallCurve', 'pr', []);

/**
 * Area under the ROC curve, exact (scikit-learn `roc_auc_score`) or binned (Keras `AUC`).
 *
 * `AUROC = Σₖ (FPRₖ − FPRₖ₋₁)·(TPRₖ + TPRₖ₋₁)/2` over the distinct scores from the highest down
 * (ties form one diagonal step). Binary: `yTrue` `[N]` 0/1, `yPred` `[N]` scores (any real
 * numbers in exact mode). Multiclass (`numClasses`): one-vs-rest, `yPred` `[N, C]`, `average`
 * `'macro'` (default) / `'weighted'` (by positive weight) / `'micro'` / `'none'`. Multilabel
 * (`numLabels`): also `'samples'`. `maxFpr`: McClish-corrected partial AUC (binary).
 * `multiClass: 'ovo'`: one-vs-one (Hand & Till) instead, `'macro'` / `'weighted'` (by pair prevalence), unweighted.
 * `labels` (multiclass): the class value of each score column (scikit-learn `labels`); with it,
 * `'ovo'` averages over the pairs of classes present in `yTrue`, as scikit-learn (without it an
 * absent class gives NaN, where scikit-learn raises).
 * `thresholds: T`: binned, Keras-style thresholds (O(T) memory; Keras's own `AUC` with all its
 * options is `binnedAuc`). No positives or no negatives: NaN (scikit-learn raises). Every option
 * with its default: `docs/metrics-curves.md`.
 *
 * Equivalents: scikit-learn `roc_auc_score(multi_class='ovr')`, torchmetrics `AUROC`.
 *
 * @example
 * auroc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.75
 * const m = getMetric('roc_auc_score'); m.update(yTrue, yPred); m.compute();
 */
export function auroc<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'score', O>;
export function auroc(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return aurocOnce(yTrue, yPred, options);
}
const aurocOnce = oneShot(aurocSpec);

/**
 * Average precision `AP = Σₖ (Rₖ − Rₖ₋₁)·Pₖ` (precision at each distinct threshold weighted by
 * the recall it adds; no interpolation), exact as scikit-learn `average_precision_score`; with
 * `thresholds: T` the Keras `AUC(curve='PR', num_thresholds=T)` interpolated PR area instead.
 * Shapes, tasks and `average` as {@link auroc}. No positives: 0 (scikit-learn 1.2).
 *
 * Equivalents: scikit-learn `average_precision_score`, torchmetrics `AveragePrecision`.
 *
 * @example
 * averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.8333…
 */
export function averagePrecision<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'score', O>;
export function averagePrecision(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return averagePrecisionOnce(yTrue, yPred, options);
}
const averagePrecisionOnce = oneShot(averagePrecisionSpec);

/**
 * ROC curve `{ fpr, tpr, thresholds }` as scikit-learn 1.2 `roc_curve`: thresholds are the
 * distinct scores in decreasing order preceded by `max + 1` (the (0, 0) point);
 * `dropIntermediate` (default true) drops collinear points as scikit-learn does. Multiclass /
 * multilabel: `average: 'none'` (default) gives one curve per class — `{ fpr: number[][], … }`
 * indexed by class — and `'micro'` one curve over all (sample, class) pairs. No negatives: `fpr`
 * is NaN (no positives: `tpr`), as scikit-learn. Binned mode: the T Keras thresholds, decreasing.
 *
 * Equivalents: scikit-learn `roc_curve`, torchmetrics `ROC`.
 *
 * @example
 * rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * // { fpr: [0, 0, 0.5, 0.5, 1], tpr: [0, 0.5, 0.5, 1, 1], thresholds: [1.8, 0.8, 0.4, 0.35, 0.1] }
 */
export function rocCurve<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'roc', O>;
export function rocCurve(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return rocCurveOnce(yTrue, yPred, options);
}
const rocCurveOnce = oneShot(rocCurveSpec);

/**
 * Precision–recall curve `{ precision, recall, thresholds }` as scikit-learn 1.2
 * `precision_recall_curve`: thresholds are the distinct scores increasing; `precision` and
 * `recall` have one more entry, the final point (1, 0). No positives: recall is 1 at every
 * threshold (scikit-learn). Per-class output as {@link rocCurve}. Binned mode: the T Keras
 * thresholds increasing, no extra point, 0 where a ratio is 0/0 (Keras `divide_no_nan`).
 *
 * Equivalents: scikit-learn `precision_recall_curve`, torchmetrics `PrecisionRecallCurve`.
 *
 * @example
 * precisionRecallCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * // { precision: [0.5, 0.667, 0.5, 1, 1], recall: [1, 1, 0.5, 0.5, 0], thresholds: [0.1, 0.35, 0.4, 0.8] }
 */
export function precisionRecallCurve<O extends MetricOptions = object>(
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: O | null,
): MetricResult<'pr', O>;
export function precisionRecallCurve(yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions | null): unknown {
  return precisionRecallCurveOnce(yTrue, yPred, options);
}
const precisionRecallCurveOnce = oneShot(precisionRecallCurveSpec);

const tm = <N extends string, T extends Task>(name: N, task: T) => ({
  name,
  source: 'torchmetrics' as const,
  defaults: { task },
});

export const curveMetrics = [
  {
    name: 'auroc',
    result: 'score',
    spec: aurocSpec,
    description: 'Area under the ROC curve, exact (scikit-learn roc_auc_score) or binned (Keras AUC)',
    aliases: [
      { name: 'roc_auc_score', source: 'sklearn' },
      { name: 'AUROC', source: 'torchmetrics' },
      tm('BinaryAUROC', 'binary'),
      tm('MulticlassAUROC', 'multiclass'),
      tm('MultilabelAUROC', 'multilabel'),
    ],
  },
  {
    name: 'averagePrecision',
    result: 'score',
    spec: averagePrecisionSpec,
    description: 'Average precision (area under the precision-recall step curve), scikit-learn average_precision_score',
    aliases: [
      { name: 'average_precision_score', source: 'sklearn' },
      { name: 'AveragePrecision', source: 'torchmetrics' },
      tm('BinaryAveragePrecision', 'binary'),
      tm('MulticlassAveragePrecision', 'multiclass'),
      tm('MultilabelAveragePrecision', 'multilabel'),
    ],
  },
  {
    name: 'rocCurve',
    result: 'roc',
    spec: rocCurveSpec,
    description: 'ROC curve {fpr, tpr, thresholds}, scikit-learn roc_curve',
    aliases: [
      { name: 'roc_curve', source: 'sklearn' },
      { name: 'ROC', source: 'torchmetrics' },
      tm('BinaryROC', 'binary'),
      tm('MulticlassROC', 'multiclass'),
      tm('MultilabelROC', 'multilabel'),
    ],
  },
  {
    name: 'precisionRecallCurve',
    result: 'pr',
    spec: precisionRecallCurveSpec,
    description: 'Precision-recall curve {precision, recall, thresholds}, scikit-learn precision_recall_curve',
    aliases: [
      { name: 'precision_recall_curve', source: 'sklearn' },
      { name: 'PrecisionRecallCurve', source: 'torchmetrics' },
      tm('BinaryPrecisionRecallCurve', 'binary'),
      tm('MulticlassPrecisionRecallCurve', 'multiclass'),
      tm('MultilabelPrecisionRecallCurve', 'multilabel'),
    ],
  },
] as const satisfies readonly MetricEntry[];
