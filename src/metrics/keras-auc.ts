/**
 * Keras 3 `keras.metrics.AUC`, exactly: the area under a curve drawn through confusion counts
 * taken at fixed thresholds, with every option Keras has.
 *
 * - Thresholds: `thresholds: T` (an integer ≥ 2, Keras `num_thresholds`, default 200) gives
 *   `[−1e-7, 1/(T−1), …, (T−2)/(T−1), 1 + 1e-7]`; a list of values in [0, 1] (Keras
 *   `thresholds=[…]`) gives `[−1e-7, sorted values…, 1 + 1e-7]`. A score counts as positive at
 *   threshold `t` when `score > t`. Evenly spaced thresholds (always for an integer) clip scores
 *   to [0, 1] first, as Keras's bucketed update does.
 * - Curves: `curve: 'ROC'` (default; x = false-positive rate, y = recall), `'PR'` (x = recall,
 *   y = precision) or `'PRGAIN'` (precision gain against recall gain, Flach & Kull). Ratios
 *   0/0 are 0 (Keras `divide_no_nan`).
 * - Summation: `summationMethod: 'interpolation'` (default; trapezoids, and for `'PR'` the
 *   Davis & Goadrich interpolation Keras uses), `'minoring'` (lower Riemann sum) or
 *   `'majoring'` (upper).
 * - `multiLabel: false` (default): every element of `yPred` is one binary prediction (the
 *   arrays are flattened); `labelWeights` (one per column) then multiply the sample weights.
 *   `multiLabel: true`: `yPred [N, L]`, one curve per label, averaged (weighted by
 *   `labelWeights` when given).
 * - `fromLogits: true`: `yPred` are logits (a sigmoid is applied).
 * - Sample weights: a number, one per sample (`[N]` or `[N, 1]`), or one per element (`yPred`'s
 *   shape, Keras's per-element weights).
 *
 * The state is two histograms per label (positive and negative weight per threshold bucket),
 * O(T·L), exact and mergeable; TP/FP/TN/FN at each threshold are their suffix sums.
 */
import { LosskitError, describe, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkBinaryBatch, checkOneOf, type ScoreRule } from '../validate.js';
import type { MetricOptions, MetricSpec } from './core.js';
import { f64Field, numField } from './core.js';
import type { MetricEntry } from './registry-types.js';

export type KerasAucCurve = 'ROC' | 'PR' | 'PRGAIN';
export type KerasAucSummation = 'interpolation' | 'minoring' | 'majoring';

export interface KerasAucSettings {
  /** Sorted thresholds including Keras's two end points (length T). */
  thresholds: number[];
  /** Evenly spaced (Keras then clips scores to [0, 1]). */
  evenly: boolean;
  curve: KerasAucCurve;
  summation: KerasAucSummation;
  multiLabel: boolean;
  labelWeights: number[] | null;
  fromLogits: boolean;
}

const EPS = 1e-7;
/** `yPred` without `fromLogits`. */
const PROBABILITIES: ScoreRule = { expect: 'probabilities in [0, 1] (or pass fromLogits: true)', range: [0, 1] };
/** `yPred` with `fromLogits`: any logit but NaN (±Infinity is a sigmoid of 0 or 1). */
const LOGITS: ScoreRule = { expect: 'finite logits', infinite: true };

/** Keras's threshold list for `num_thresholds` or an explicit list (end points added). */
export function kerasAucThresholds(
  fn: string,
  spec: number | readonly number[],
): { thresholds: number[]; evenly: boolean } {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 2)
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'thresholds' must be an integer ≥ 2 (Keras num_thresholds) or a list of values in [0, 1]; received ${spec}`,
        'thresholds',
      );
    const inner = Array.from({ length: spec - 2 }, (_, i) => (i + 1) / (spec - 1));
    return { thresholds: [-EPS, ...inner, 1 + EPS], evenly: true };
  }
  const sorted = [...spec].sort((a, b) => a - b);
  for (const t of sorted) {
    if (typeof t !== 'number' || !(t >= 0 && t <= 1))
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'thresholds' must hold values in [0, 1]; received ${String(t)}`,
        'thresholds',
      );
  }
  // Keras's is_evenly_distributed_thresholds on [0, …, 1]
  const full = [0, ...sorted, 1];
  const step = 1 / (full.length - 1);
  const evenly = full.length > 2 && full.every((v, i) => Math.abs(v - i * step) < EPS);
  return { thresholds: [-EPS, ...sorted, 1 + EPS], evenly };
}

/** Bucket of a score: 1 + the index of the largest threshold strictly below it (0: none). */
function bucket(th: readonly number[], p: number): number {
  let lo = 0;
  let hi = th.length; // number of thresholds t with t < p, by binary search
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (th[mid] < p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Adds a batch: `pos` / `neg` are `L × (T + 1)` histograms (label-major). `y` and `p` are flat
 * `[M × L]` (row-major, `L` columns; `L = 1` when flattened), `w` the per-element weight (or
 * null for 1).
 */
export function accumulateKerasAuc(a: {
  s: KerasAucSettings;
  pos: Float64Array;
  neg: Float64Array;
  y: ArrayLike<number>;
  p: ArrayLike<number>;
  w: ArrayLike<number> | null;
  L: number;
}): void {
  const { s, pos, neg, y, p, w, L } = a;
  const th = s.thresholds;
  const B = th.length + 1;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const l = i % L;
    let v = p[i];
    if (s.fromLogits) v = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    if (s.evenly) v = v < 0 ? 0 : v > 1 ? 1 : v;
    const k = l * B + bucket(th, v);
    const wi = w === null ? 1 : w[i];
    if (y[i] !== 0) pos[k] += wi;
    else neg[k] += wi;
  }
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** The AUC of one label's histograms. */
function labelAuc(s: KerasAucSettings, pos: Float64Array, neg: Float64Array, off: number): number {
  const T = s.thresholds.length;
  // tp[j] = weight of positives with a score above threshold j: the suffix sum from bucket j+1
  const tp = new Float64Array(T);
  const fp = new Float64Array(T);
  let accP = 0;
  let accN = 0;
  for (let j = T - 1; j >= 0; j--) {
    accP += pos[off + j + 1];
    accN += neg[off + j + 1];
    tp[j] = accP;
    fp[j] = accN;
  }
  const P = accP + pos[off];
  const Nn = accN + neg[off];
  const fn = (j: number) => P - tp[j];
  const tn = (j: number) => Nn - fp[j];
  if (s.curve === 'PR' && s.summation === 'interpolation') {
    let auc = 0;
    for (let j = 0; j < T - 1; j++) {
      const dtp = tp[j] - tp[j + 1];
      const pA = tp[j] + fp[j];
      const pB = tp[j + 1] + fp[j + 1];
      const dp = pA - pB;
      const slope = ratio(dtp, Math.max(dp, 0));
      const intercept = tp[j + 1] - slope * pB;
      const safeRatio = pA > 0 && pB > 0 ? ratio(pA, Math.max(pB, 0)) : 1;
      auc += ratio(slope * (dtp + intercept * Math.log(safeRatio)), Math.max(tp[j + 1] + fn(j + 1), 0));
    }
    return auc;
  }
  const x = new Float64Array(T);
  const yv = new Float64Array(T);
  for (let j = 0; j < T; j++) {
    const recall = ratio(tp[j], tp[j] + fn(j));
    if (s.curve === 'ROC') {
      x[j] = ratio(fp[j], fp[j] + tn(j));
      yv[j] = recall;
    } else if (s.curve === 'PR') {
      x[j] = recall;
      yv[j] = ratio(tp[j], tp[j] + fp[j]);
    } else {
      const scale = ratio(tp[j] + fn(j), tn(j) + fp[j]);
      const rg = tp[j] === 0 ? 0 : 1 - scale * ratio(fn(j), tp[j]);
      const pg = tp[j] === 0 ? 1 : 1 - scale * ratio(fp[j], tp[j]);
      x[j] = Math.max(rg, 0);
      yv[j] = pg;
    }
  }
  let auc = 0;
  for (let j = 0; j < T - 1; j++) {
    const h =
      s.summation === 'interpolation'
        ? (yv[j] + yv[j + 1]) / 2
        : s.summation === 'minoring'
          ? Math.min(yv[j], yv[j + 1])
          : Math.max(yv[j], yv[j + 1]);
    auc += (x[j] - x[j + 1]) * h;
  }
  return auc;
}

/** Keras `AUC.result()` from the histograms of `L` labels. */
export function kerasAucValue(s: KerasAucSettings, pos: Float64Array, neg: Float64Array, L: number): number {
  const B = s.thresholds.length + 1;
  if (!s.multiLabel) return labelAuc(s, pos, neg, 0);
  let sum = 0;
  let wsum = 0;
  for (let l = 0; l < L; l++) {
    const a = labelAuc(s, pos, neg, l * B);
    const lw = s.labelWeights === null ? 1 : s.labelWeights[l];
    sum += lw * a;
    wsum += lw;
  }
  return s.labelWeights === null ? sum / L : ratio(sum, wsum);
}

// ---------------------------------------------------------------------------------------------
// The metric

export interface KerasAucConfig extends KerasAucSettings {
  /** Keras `num_labels` (multiLabel only), or null to take it from the first batch. */
  numLabels: number | null;
}

interface KerasAucState {
  /** Labels the histograms hold (0 before the first batch). */
  labels: number;
  pos: Float64Array;
  neg: Float64Array;
}

const OPTIONS = ['thresholds', 'curve', 'summationMethod', 'multiLabel', 'numLabels', 'labelWeights', 'fromLogits'];

function kerasAucConfig(options: MetricOptions, fn: string): KerasAucConfig {
  const t: unknown = options.thresholds ?? 200;
  if (typeof t !== 'number' && !Array.isArray(t))
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'thresholds' must be an integer ≥ 2 (Keras num_thresholds) or a list of values in [0, 1]; received ${describe(t)}`,
      'thresholds',
    );
  const th = kerasAucThresholds(fn, Array.isArray(t) ? (t as number[]) : t);
  const curve =
    options.curve === undefined ? 'ROC' : checkOneOf(fn, 'curve', options.curve, ['ROC', 'PR', 'PRGAIN'] as const);
  const summation =
    options.summationMethod === undefined
      ? 'interpolation'
      : checkOneOf(fn, 'summationMethod', options.summationMethod, ['interpolation', 'minoring', 'majoring'] as const);
  const multiLabel = options.multiLabel === undefined ? false : options.multiLabel;
  if (typeof multiLabel !== 'boolean')
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'multiLabel' must be a boolean; received ${describe(multiLabel)}`,
      'multiLabel',
    );
  const fromLogits = options.fromLogits === undefined ? false : options.fromLogits;
  if (typeof fromLogits !== 'boolean')
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'fromLogits' must be a boolean; received ${describe(fromLogits)}`,
      'fromLogits',
    );
  let numLabels: number | null = null;
  if (options.numLabels !== undefined) {
    if (!multiLabel)
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'numLabels' only applies to task 'multilabel' (Keras multi_label: pass multiLabel: true)`,
        'numLabels',
      );
    if (!Number.isInteger(options.numLabels) || options.numLabels < 1)
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'numLabels' must be a positive integer; received ${describe(options.numLabels)}`,
        'numLabels',
      );
    numLabels = options.numLabels;
  }
  let labelWeights: number[] | null = null;
  if (options.labelWeights !== undefined) {
    const lw = options.labelWeights;
    if (
      !Array.isArray(lw) ||
      lw.length === 0 ||
      !lw.every((v) => typeof v === 'number' && v >= 0 && Number.isFinite(v))
    )
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'labelWeights' must be a non-empty array of non-negative finite numbers (one per label); received ${describe(lw)}`,
        'labelWeights',
      );
    if (numLabels !== null && lw.length !== numLabels)
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'labelWeights' has ${lw.length} weights but numLabels is ${numLabels}`,
        'labelWeights',
      );
    labelWeights = [...lw];
  }
  return { ...th, curve, summation, multiLabel, numLabels, labelWeights, fromLogits };
}

function sizeFor(c: KerasAucConfig, L: number): number {
  return (c.multiLabel ? L : 1) * (c.thresholds.length + 1);
}

/** Keras squeeze_or_expand_to_same_rank: a trailing 1 on the longer side is dropped. */
export function sameLayout(fn: string, yTrue: Tensor, yPred: Tensor): number[] {
  const ts = yTrue.shape;
  const ps = yPred.shape;
  const eq = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  if (eq(ts, ps)) return [...ps];
  if (ts.length === ps.length + 1 && ts[ts.length - 1] === 1 && eq(ts.slice(0, -1), ps)) return [...ps];
  if (ps.length === ts.length + 1 && ps[ps.length - 1] === 1 && eq(ps.slice(0, -1), ts)) return [...ts];
  throw new LosskitError(
    'SHAPE_MISMATCH',
    fn,
    `'yTrue' has shape ${fmtShape(ts)} and 'yPred' has shape ${fmtShape(ps)}; expected the same shape (a trailing dimension of 1 on either side is allowed)`,
    'yPred',
  );
}

const kerasAucSpec: MetricSpec<KerasAucConfig, KerasAucState, number> = {
  name: 'binnedAuc',
  optionNames: OPTIONS,
  config: kerasAucConfig,
  init: (c) => {
    const L = c.numLabels ?? (c.multiLabel ? 0 : 1);
    return { labels: L, pos: new Float64Array(sizeFor(c, L)), neg: new Float64Array(sizeFor(c, L)) };
  },
  fields: () => [
    numField('labels', 'index', 'custom'),
    f64Field('pos', 'count', undefined, 'custom'),
    f64Field('neg', 'count', undefined, 'custom'),
  ],
  check: (st, c) => {
    const want = sizeFor(c, st.labels);
    if (st.pos.length !== want || st.neg.length !== want)
      return `'pos' and 'neg' must have ${want} entries for ${st.labels} label(s); received ${st.pos.length} and ${st.neg.length}`;
    if (!c.multiLabel && st.labels !== 1) return `'labels' must be 1 when multiLabel is false; received ${st.labels}`;
    return null;
  },
  elementWeights: true,
  update(state, yTrue, yPred, w, c, fn) {
    const shape = sameLayout(fn, yTrue, yPred);
    const n = yPred.data.length;
    const cols = shape.length >= 2 ? shape[shape.length - 1] : 1;
    let L = 1;
    if (c.multiLabel) {
      if (shape.length !== 2)
        throw new LosskitError(
          'SHAPE_MISMATCH',
          fn,
          `multiLabel: true needs yPred [N, L] (rank 2, Keras); received ${fmtShape(yPred.shape)}`,
          'yPred',
        );
      L = shape[1];
      const have = state.labels || c.numLabels;
      if (have && have !== L)
        throw new LosskitError(
          'SHAPE_MISMATCH',
          fn,
          `'yPred' has ${L} labels but ${c.numLabels !== null ? 'numLabels is' : 'earlier batches had'} ${have}; expected [N, ${have}]`,
          'yPred',
        );
    }
    const lw = c.labelWeights;
    if (lw !== null && lw.length !== (c.multiLabel ? L : cols))
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `option 'labelWeights' has ${lw.length} weights but yPred has ${c.multiLabel ? L : cols} labels (last axis of ${fmtShape(yPred.shape)})`,
        'labelWeights',
      );
    checkBinaryBatch(fn, yTrue, yPred, c.fromLogits ? LOGITS : PROBABILITIES);
    const t = yTrue.data;
    const p = yPred.data;
    // one weight per element: per-sample weights repeated, times the label weights (flattened mode)
    let we: Float64Array | null = null;
    const N = shape.length > 0 ? shape[0] : 1;
    if (w !== null || (lw !== null && !c.multiLabel)) {
      we = new Float64Array(n);
      const per = n / N;
      for (let k = 0; k < n; k++) {
        const base = w === null ? 1 : w.length === n ? w[k] : w[Math.floor(k / per)];
        we[k] = lw !== null && !c.multiLabel ? base * lw[k % cols] : base;
      }
    }
    if (state.labels === 0) {
      state.labels = L;
      state.pos = new Float64Array(sizeFor(c, L));
      state.neg = new Float64Array(sizeFor(c, L));
    }
    accumulateKerasAuc({ s: c, pos: state.pos, neg: state.neg, y: t, p, w: we, L: c.multiLabel ? L : 1 });
  },
  mergeCustom(a, b, _c, fn) {
    if (b.labels === 0) return;
    if (a.labels === 0) {
      a.labels = b.labels;
      a.pos = Float64Array.from(b.pos);
      a.neg = Float64Array.from(b.neg);
      return;
    }
    if (a.labels !== b.labels)
      throw new LosskitError(
        'INCOMPATIBLE_STATE',
        fn,
        `cannot merge: 'other' has ${b.labels} labels but this metric has ${a.labels}`,
        'other',
      );
    for (let i = 0; i < a.pos.length; i++) {
      a.pos[i] += b.pos[i];
      a.neg[i] += b.neg[i];
    }
  },
  compute(state, c) {
    if (state.labels === 0) return 0;
    return kerasAucValue(c, state.pos, state.neg, c.multiLabel ? state.labels : 1);
  },
};

/**
 * `binnedAuc`: Keras 3 `keras.metrics.AUC` (see the module comment for the options). The Keras
 * names `auc` / `AUC` resolve here.
 */
export const binnedAucEntry = {
  name: 'binnedAuc',
  spec: kerasAucSpec,
  description: 'Area under a ROC / PR / PR-gain curve from confusion counts at fixed thresholds — Keras AUC',
  aliases: [
    { name: 'auc', source: 'keras', defaults: { thresholds: 200 } },
    { name: 'AUC', source: 'keras', defaults: { thresholds: 200 } },
  ],
  result: 'number',
} as const satisfies MetricEntry;
