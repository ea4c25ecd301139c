/**
 * Keras 3's thresholded confusion metrics, exactly as `keras.metrics` defines them (its
 * `metrics_utils.update_confusion_matrix_variables`):
 *
 * - `truePositives`, `falsePositives`, `trueNegatives`, `falseNegatives` (Keras
 *   `TruePositives`, …): the weighted count of each cell at one threshold or at each of a list;
 * - `precisionAtThresholds`, `recallAtThresholds` (Keras `Precision`, `Recall` with
 *   `thresholds`, `top_k`, `class_id`): `tp / (tp + fp)`, `tp / (tp + fn)`, 0 when 0/0;
 * - `sensitivityAtSpecificity`, `specificityAtSensitivity`, `precisionAtRecall`,
 *   `recallAtPrecision` (Keras's four `SensitivitySpecificityBase` metrics): the best value of
 *   one rate among the thresholds where the other reaches the constraint, 0 when none does.
 *
 * Every element of `yPred` is one binary prediction (the arrays are flattened, as Keras does):
 * positive at threshold `t` when `score > t`. `yTrue` holds 0/1 labels of the same shape (a
 * trailing dimension of 1 on either side is allowed: Keras's `squeeze_or_expand_to_same_rank`).
 * `topK: k` keeps, in each row of the last axis, the `k` largest scores (ties: the lower index
 * first, as `top_k`) and sets the others to −1e10 (Keras `NEG_INF`); without a threshold a kept
 * score is then positive whatever its value. `classId: j` scores column `j` of the last axis only
 * (after `topK`; per-element weights then take that column's weight, where Keras raises). Sample weights: a number, one per sample, or one per element (a shape that
 * broadcasts to `yTrue`, Keras's per-element weights). When the thresholds are evenly spaced on
 * [0, 1] (three or more, `i / (T − 1)`), scores are clipped to [0, 1] first, as Keras's bucketed
 * update does.
 *
 * The state is `tp`, `fp`, `tn`, `fn`, one entry per threshold: exact, merged by sum.
 */
import { LosskitError, describe, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkBinaryBatch, type ScoreRule } from '../validate.js';
import type { MetricOptions, MetricSpec } from './core.js';
import { checkStateSize, f64Field } from './core.js';
import { sameLayout } from './keras-auc.js';
import type { MetricEntry } from './registry-types.js';

/** Keras `metrics_utils.NEG_INF`: the score `topK` gives to the scores it drops. */
const NEG_INF = -1e10;
/** Keras `backend.epsilon()` (the tolerance of `is_evenly_distributed_thresholds`). */
const EPSILON = 1e-7;
/** Any finite score (Keras compares it with the thresholds, after clipping when evenly spaced). */
const FINITE_SCORES: ScoreRule = { expect: 'finite scores' };

export interface ConfusionConfig {
  /** The thresholds, in the caller's order (one result per threshold). */
  thresholds: number[];
  /** Whether the result is a list (the `thresholds` option) or one number (`threshold`, the default). */
  list: boolean;
  /** Evenly spaced on [0, 1] (Keras `is_evenly_distributed_thresholds`): scores are clipped first. */
  evenly: boolean;
  topK: number | null;
  classId: number | null;
}

export interface ConfusionState {
  tp: Float64Array;
  fp: Float64Array;
  tn: Float64Array;
  fn: Float64Array;
}

function optionError(fn: string, option: string, what: string, value: unknown): never {
  throw new LosskitError(
    'INVALID_OPTION',
    fn,
    `option '${option}' must be ${what}; received ${describe(value)}`,
    option,
  );
}

function probability(fn: string, option: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) optionError(fn, option, 'a number in [0, 1]', v);
  return v;
}

function positiveInt(fn: string, option: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) optionError(fn, option, 'a positive integer', v);
  return v;
}

function classIdOption(fn: string, v: unknown): number | null {
  if (v === undefined) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    optionError(fn, 'classId', 'a non-negative integer (a column of the last axis)', v);
  return v;
}

/** Keras `is_evenly_distributed_thresholds`: three or more, `np.allclose` to `i / (T − 1)` (atol 1e-7). */
function evenlySpaced(th: readonly number[]): boolean {
  const T = th.length;
  return T >= 3 && th.every((t, i) => Math.abs(t - i / (T - 1)) <= EPSILON + 1e-5 * (i / (T - 1)));
}

const COUNT_OPTIONS = ['threshold', 'thresholds', 'topK', 'classId'];

function confusionConfig(options: MetricOptions, fn: string): ConfusionConfig {
  const topK = options.topK === undefined ? null : positiveInt(fn, 'topK', options.topK);
  const classId = classIdOption(fn, options.classId);
  const t: unknown = options.thresholds;
  if (t !== undefined && options.threshold !== undefined)
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `options 'threshold' and 'thresholds' exclude each other: 'threshold' is one threshold (one result), 'thresholds' a list (one result per threshold)`,
      'thresholds',
    );
  let thresholds: number[];
  let list = false;
  if (t !== undefined) {
    if (!Array.isArray(t) || t.length === 0)
      optionError(
        fn,
        'thresholds',
        `a non-empty array of numbers in [0, 1] (one result per threshold; for one threshold use 'threshold')`,
        t,
      );
    checkStateSize(fn, 'thresholds', t.length, `${t.length} thresholds`);
    thresholds = t.map((v: unknown) => probability(fn, 'thresholds', v));
    list = true;
  } else if (options.threshold !== undefined) thresholds = [probability(fn, 'threshold', options.threshold)];
  else thresholds = [topK === null ? 0.5 : NEG_INF]; // Keras: NEG_INF by default with top_k
  return { thresholds, list, evenly: evenlySpaced(thresholds), topK, classId };
}

function confusionInit(c: { thresholds: readonly number[] }): ConfusionState {
  const T = c.thresholds.length;
  return { tp: new Float64Array(T), fp: new Float64Array(T), tn: new Float64Array(T), fn: new Float64Array(T) };
}

function confusionFields(c: { thresholds: readonly number[] }) {
  const T = c.thresholds.length;
  return [
    f64Field('tp', 'count', T),
    f64Field('fp', 'count', T),
    f64Field('tn', 'count', T),
    f64Field('fn', 'count', T),
  ];
}

/**
 * A restored state's counts must describe one data set: at every threshold `tp + fn` is the
 * positives' weight and `fp + tn` the negatives' (equal up to float rounding).
 */
function confusionCheck(s: ConfusionState): string | null {
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  for (let i = 1; i < s.tp.length; i++) {
    if (!close(s.tp[i] + s.fn[i], s.tp[0] + s.fn[0]))
      return `'tp' + 'fn' (the positives' weight) must be the same at every threshold; entry ${i} gives ${s.tp[i] + s.fn[i]}, entry 0 gives ${s.tp[0] + s.fn[0]}`;
    if (!close(s.fp[i] + s.tn[i], s.fp[0] + s.tn[0]))
      return `'fp' + 'tn' (the negatives' weight) must be the same at every threshold; entry ${i} gives ${s.fp[i] + s.tn[i]}, entry 0 gives ${s.fp[0] + s.tn[0]}`;
  }
  return null;
}

/** The scores after Keras's `_filter_top_k` over the last axis (`cols` per row). */
function filterTopK(fn: string, p: ArrayLike<number>, cols: number, k: number, shape: readonly number[]): Float64Array {
  if (k > cols)
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `option 'topK' is ${k} but 'yPred' (shape ${fmtShape(shape)}) has ${cols} scores per row (last axis); expected topK <= ${cols}`,
      'yPred',
    );
  const out = new Float64Array(p.length).fill(NEG_INF);
  // each row's columns by decreasing score, ties by increasing index (top_k's order): O(C log C)
  const idx = Array.from({ length: cols }, (_, j) => j);
  for (let base = 0; base < p.length; base += cols) {
    idx.sort((a, b) => p[base + b] - p[base + a] || a - b);
    for (let r = 0; r < k; r++) out[base + idx[r]] = p[base + idx[r]];
  }
  return out;
}

/**
 * Adds a batch to the counts (Keras `update_confusion_matrix_variables`): per element, the
 * number of (sorted) thresholds strictly below its score, in a histogram of positive and of
 * negative weight; the counts at each threshold are the histogram's suffix sums.
 */
export function updateConfusion(
  state: ConfusionState,
  yTrue: Tensor,
  yPred: Tensor,
  w: Float64Array | null,
  c: ConfusionConfig,
  fn: string,
): void {
  let shape = sameLayout(fn, yTrue, yPred);
  // Keras's squeeze_or_expand_to_same_rank expands a rank-1 side to [N, 1] (it squeezes only at
  // higher ranks): the rows of topK / the columns of classId are then those of [N, 1]
  if (shape.length === 1 && (yTrue.shape.length === 2 || yPred.shape.length === 2)) shape = [shape[0], 1];
  checkBinaryBatch(fn, yTrue, yPred, FINITE_SCORES);
  const n = yPred.data.length;
  const t = yTrue.data;
  const raw = yPred.data;
  const cols = shape.length >= 1 ? shape[shape.length - 1] : 1;
  const p = c.topK === null ? raw : filterTopK(fn, raw, cols, c.topK, shape);
  if (c.classId !== null) {
    if (shape.length < 2)
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `option 'classId' needs 'yPred' of shape [N, C] (a class axis last); received ${fmtShape(yPred.shape)}`,
        'yPred',
      );
    if (c.classId >= cols)
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'classId' is ${c.classId} but 'yPred' (shape ${fmtShape(yPred.shape)}) has ${cols} classes; expected classId < ${cols}`,
        'classId',
      );
  }
  // thresholds in ascending order (`order[s]` = the caller's index of the s-th smallest)
  const T = c.thresholds.length;
  const order = Array.from({ length: T }, (_, i) => i).sort((a, b) => c.thresholds[a] - c.thresholds[b]);
  const sorted = order.map((i) => c.thresholds[i]);
  const pos = new Float64Array(T + 1);
  const neg = new Float64Array(T + 1);
  const N = shape.length > 0 ? shape[0] : 1;
  const perSample = n / N;
  for (let k = c.classId === null ? 0 : c.classId; k < n; k += c.classId === null ? 1 : cols) {
    let v = p[k];
    let below: number; // thresholds strictly below the score
    if (c.evenly) {
      v = v < 0 ? 0 : v > 1 ? 1 : v;
      const x = v * (T - 1); // Keras's bucket: threshold i counts when v·(T − 1) > i
      below = x <= 0 ? 0 : Math.min(T, Math.ceil(x));
    } else {
      let lo = 0;
      let hi = T;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid] < v) lo = mid + 1;
        else hi = mid;
      }
      below = lo;
    }
    const wk = w === null ? 1 : w.length === n ? w[k] : w[Math.floor(k / perSample)];
    if (t[k] === 1) pos[below] += wk;
    else neg[below] += wk;
  }
  let P = 0;
  let Nn = 0;
  for (let m = 0; m <= T; m++) {
    P += pos[m];
    Nn += neg[m];
  }
  let accP = 0;
  let accN = 0;
  for (let s = T - 1; s >= 0; s--) {
    accP += pos[s + 1];
    accN += neg[s + 1];
    const i = order[s];
    state.tp[i] += accP;
    state.fp[i] += accN;
    state.fn[i] += P - accP;
    state.tn[i] += Nn - accN;
  }
}

/** Keras `divide_no_nan`. */
const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

type Cell = 'tp' | 'fp' | 'tn' | 'fn';
type PerThreshold = number | number[];

const result = (c: ConfusionConfig, v: Float64Array): PerThreshold => (c.list ? Array.from(v) : v[0]);

function countSpec(name: string, cell: Cell): MetricSpec<ConfusionConfig, ConfusionState, PerThreshold> {
  return {
    name,
    optionNames: COUNT_OPTIONS,
    config: confusionConfig,
    init: confusionInit,
    fields: confusionFields,
    check: confusionCheck,
    elementWeights: true,
    update: updateConfusion,
    compute: (s, c) => result(c, s[cell]),
  };
}

function rateSpec(name: string, other: 'fp' | 'fn'): MetricSpec<ConfusionConfig, ConfusionState, PerThreshold> {
  return {
    ...countSpec(name, 'tp'),
    compute: (s, c) =>
      result(
        c,
        s.tp.map((tp, i) => ratio(tp, tp + s[other][i])),
      ),
  };
}

// ---------------------------------------------------------------------------------------------
// Sensitivity / specificity / precision / recall at a constraint (Keras SensitivitySpecificityBase)

export interface AtConfig {
  /** Keras's thresholds for `num_thresholds`: `[0.5]` for 1, else `[0, 1/(T−1), …, 1]`. */
  thresholds: number[];
  /** The constraint's value (Keras's first constructor argument). */
  value: number;
  classId: number | null;
}

type Rate = 'sensitivity' | 'specificity' | 'precision' | 'recall';

function rates(s: ConfusionState, r: Rate): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.tp.length; i++) {
    const tp = s.tp[i];
    if (r === 'specificity') out.push(ratio(s.tn[i], s.tn[i] + s.fp[i]));
    else if (r === 'precision') out.push(ratio(tp, tp + s.fp[i]));
    else out.push(ratio(tp, tp + s.fn[i]));
  }
  return out;
}

function atSpec(name: string, constrained: Rate, dependent: Rate): MetricSpec<AtConfig, ConfusionState, number> {
  return {
    name,
    optionNames: [constrained, 'thresholds', 'classId'],
    config(options, fn) {
      const v: unknown = Reflect.get(options, constrained);
      if (v === undefined)
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option '${constrained}' (the ${constrained} to reach, in [0, 1]) is required`,
          constrained,
        );
      const value = probability(fn, constrained, v);
      const T = options.thresholds === undefined ? 200 : options.thresholds;
      if (typeof T !== 'number' || !Number.isInteger(T) || T < 1)
        optionError(fn, 'thresholds', 'a positive integer (Keras num_thresholds; default 200)', T);
      checkStateSize(fn, 'thresholds', T, `${T} thresholds`);
      const thresholds = T === 1 ? [0.5] : Array.from({ length: T }, (_, i) => i / (T - 1));
      return { thresholds, value, classId: classIdOption(fn, options.classId) };
    },
    init: confusionInit,
    fields: confusionFields,
    check: confusionCheck,
    elementWeights: true,
    update(state, yTrue, yPred, w, c, fn) {
      // Keras: evenly distributed whenever num_thresholds > 1 (clipped scores, bucketed)
      const cc = {
        thresholds: c.thresholds,
        list: true,
        evenly: c.thresholds.length > 1,
        topK: null,
        classId: c.classId,
      };
      updateConfusion(state, yTrue, yPred, w, cc, fn);
    },
    compute(s, c) {
      // Keras _find_max_under_constraint: max of `dependent` where `constrained >= value`, else 0
      const con = rates(s, constrained);
      const dep = rates(s, dependent);
      let best = 0;
      for (let i = 0; i < con.length; i++) if (con[i] >= c.value && dep[i] > best) best = dep[i];
      return best;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Registry

const perThreshold = 'perThreshold' as const;

export const kerasConfusionMetrics = [
  {
    name: 'truePositives',
    result: perThreshold,
    spec: countSpec('truePositives', 'tp'),
    description: 'Weighted count of true positives at one threshold or each of a list — Keras TruePositives',
    aliases: [{ name: 'TruePositives', source: 'keras' }],
  },
  {
    name: 'falsePositives',
    result: perThreshold,
    spec: countSpec('falsePositives', 'fp'),
    description: 'Weighted count of false positives at one threshold or each of a list — Keras FalsePositives',
    aliases: [{ name: 'FalsePositives', source: 'keras' }],
  },
  {
    name: 'trueNegatives',
    result: perThreshold,
    spec: countSpec('trueNegatives', 'tn'),
    description: 'Weighted count of true negatives at one threshold or each of a list — Keras TrueNegatives',
    aliases: [{ name: 'TrueNegatives', source: 'keras' }],
  },
  {
    name: 'falseNegatives',
    result: perThreshold,
    spec: countSpec('falseNegatives', 'fn'),
    description: 'Weighted count of false negatives at one threshold or each of a list — Keras FalseNegatives',
    aliases: [{ name: 'FalseNegatives', source: 'keras' }],
  },
  {
    name: 'precisionAtThresholds',
    result: perThreshold,
    spec: rateSpec('precisionAtThresholds', 'fp'),
    description: 'Precision of flattened binary predictions at thresholds, with topK / classId — Keras Precision',
    aliases: [],
  },
  {
    name: 'recallAtThresholds',
    result: perThreshold,
    spec: rateSpec('recallAtThresholds', 'fn'),
    description: 'Recall of flattened binary predictions at thresholds, with topK / classId — Keras Recall',
    aliases: [],
  },
  {
    name: 'sensitivityAtSpecificity',
    result: 'number',
    spec: atSpec('sensitivityAtSpecificity', 'specificity', 'sensitivity'),
    description: 'Best sensitivity (recall) where specificity >= a value, over fixed thresholds — Keras',
    aliases: [{ name: 'SensitivityAtSpecificity', source: 'keras' }],
  },
  {
    name: 'specificityAtSensitivity',
    result: 'number',
    spec: atSpec('specificityAtSensitivity', 'sensitivity', 'specificity'),
    description: 'Best specificity where sensitivity (recall) >= a value, over fixed thresholds — Keras',
    aliases: [{ name: 'SpecificityAtSensitivity', source: 'keras' }],
  },
  {
    name: 'precisionAtRecall',
    result: 'number',
    spec: atSpec('precisionAtRecall', 'recall', 'precision'),
    description: 'Best precision where recall >= a value, over fixed thresholds — Keras PrecisionAtRecall',
    aliases: [{ name: 'PrecisionAtRecall', source: 'keras' }],
  },
  {
    name: 'recallAtPrecision',
    result: 'number',
    spec: atSpec('recallAtPrecision', 'precision', 'recall'),
    description: 'Best recall where precision >= a value, over fixed thresholds (0 if none) — Keras RecallAtPrecision',
    aliases: [{ name: 'RecallAtPrecision', source: 'keras' }],
  },
] as const satisfies readonly MetricEntry[];
