/**
 * The shared machinery of the classification metrics: option resolution, input decoding
 * (thresholds, argmax, one-hot targets, `ignoreIndex`), the "stat scores" state and the
 * scikit-learn ratio / averaging rules. `classification.ts` builds every metric from these.
 *
 * ## State (all exact, all mergeable)
 * Per class (binary: classes 0 and 1; multiclass: `C` classes; multilabel: `L` labels), weighted:
 * - `tp[c]`  Σ w over elements with target c and prediction c (multilabel: target 1, prediction 1)
 * - `predSum[c]`  Σ w over elements predicted c
 * - `trueSum[c]`  Σ w over elements with target c
 * - `present[c]`  unweighted count of appearances of c as target or prediction (binary /
 *   multiclass): classes never seen are left out of `'macro'` averages, as scikit-learn's
 *   `unique_labels(y_true, y_pred)` and torchmetrics do
 * - `labelTotal[l]` (multilabel) Σ w over non-ignored elements of label l
 * - `total` Σ w over counted samples (multilabel: samples; otherwise elements)
 * - `cm[t·C + p]` (confusion matrix / weighted kappa only) Σ w per (target, prediction) pair
 * - multilabel: `exact` (Σ w of exact-match samples) and the per-sample sums of the
 *   `'samples'` average `sP, wP, sR, wR, sF, wF` (Σ w·value and Σ w over samples whose value is
 *   defined).
 * Everything is O(C) (O(C²) with `cm`), never O(N). Class-indexed arrays merge by element-wise
 * addition; when the number of classes is inferred from the data they grow (zero-padded).
 */
import { LosskitError, describe, fmtShape } from '../errors.js';
import type { FloatArray, Tensor } from '../tensor.js';
import { checkBooleanOption, checkNumberOption, checkOneOf, fmtIndex } from '../validate.js';
import type { FieldSpec, MetricOptions } from './core.js';
import { checkStateSize, f64Field, numField } from './core.js';

/** Classification task. */
export type ClsTask = 'binary' | 'multiclass' | 'multilabel';
/** Averaging over classes (scikit-learn `average`; `'none'` = per class). */
export type ClsAverage = 'binary' | 'micro' | 'macro' | 'weighted' | 'none' | 'samples';

/** Options shared by every classification metric, resolved and JSON-safe. */
export interface ClsConfig {
  task: ClsTask;
  /** Classes (2 for binary) or labels (multilabel); `null`: inferred from the data. */
  numClasses: number | null;
  threshold: number;
  fromLogits: boolean;
  ignoreIndex: number | null;
  /** Class values in index order (scikit-learn `labels`), or `null` for 0..C-1. Multilabel: the
   * label columns to score, in order. */
  labels: number[] | null;
  /** Multiclass `labels` may select a subset: other values count as outside every listed class
   * (scikit-learn); false (default): they are an `INVALID_LABEL` error. */
  labelsSubset: boolean;
  /** Multilabel: the positive predictions are each row's largest score(s), not `> threshold`
   * (Keras `FBetaScore(threshold=None)`). */
  rowMax: boolean;
  /**
   * Multiclass: `yTrue` is one-hot (or probabilities) of `yPred`'s shape with the classes along
   * the last axis, both argmax-ed there (Keras `categorical_accuracy`); a 1-D pair is one
   * unbatched sample. Present only when set (old states keep their fingerprint).
   */
  oneHot?: true;
}

/** Largest class index + 1 that may be inferred without `numClasses`. */
export const MAX_INFERRED_CLASSES = 1 << 16;
export const MAX_INFERRED_CLASSES_CM = 4096;

/** The option names every classification metric takes. */
export const COMMON_OPTIONS = [
  'task',
  'numClasses',
  'numLabels',
  'threshold',
  'fromLogits',
  'ignoreIndex',
  'labels',
  'labelsSubset',
  'rowMax',
  'oneHot',
] as const;

/** Resolves `task`, `numClasses` / `numLabels`, `threshold`, `fromLogits`, `ignoreIndex`. */
export function commonConfig(
  options: MetricOptions,
  fn: string,
  tasks: readonly ClsTask[] = ['binary', 'multiclass', 'multilabel'],
): ClsConfig {
  let task: ClsTask;
  if (options.task !== undefined) task = checkOneOf(fn, 'task', options.task, tasks);
  else if (options.numLabels !== undefined && tasks.includes('multilabel')) task = 'multilabel';
  else if ((options.numClasses !== undefined && tasks.includes('multiclass')) || !tasks.includes('binary'))
    task = 'multiclass';
  else task = 'binary';
  let numClasses: number | null = null;
  if (task === 'multilabel') {
    if (options.numClasses !== undefined) {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'numClasses' does not apply to task 'multilabel'; expected 'numLabels' (the number of label columns); received numClasses ${describe(options.numClasses)}`,
        'numClasses',
      );
    }
    if (options.numLabels !== undefined) {
      numClasses = checkNumberOption(fn, 'numLabels', options.numLabels, { integer: true, min: 1 });
      checkStateSize(fn, 'numLabels', numClasses, `${numClasses} counts per label`);
    }
  } else {
    if (options.numLabels !== undefined) {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'numLabels' only applies to task 'multilabel'; received numLabels ${describe(options.numLabels)} with task '${task}' (use 'numClasses')`,
        'numLabels',
      );
    }
    if (task === 'binary') {
      if (options.numClasses !== undefined && options.numClasses !== 2) {
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option 'numClasses' must be 2 (or omitted) for task 'binary'; received ${describe(options.numClasses)}`,
          'numClasses',
        );
      }
      numClasses = 2;
    } else if (options.numClasses !== undefined) {
      numClasses = checkNumberOption(fn, 'numClasses', options.numClasses, { integer: true, min: 1 });
      checkStateSize(fn, 'numClasses', numClasses, `${numClasses} counts per class`);
    }
  }
  const threshold =
    options.threshold === undefined ? 0.5 : checkNumberOption(fn, 'threshold', options.threshold, { min: 0, max: 1 });
  const fromLogits =
    options.fromLogits === undefined ? false : checkBooleanOption(fn, 'fromLogits', options.fromLogits);
  const ignoreIndex =
    options.ignoreIndex === undefined || options.ignoreIndex === null
      ? null
      : checkNumberOption(fn, 'ignoreIndex', options.ignoreIndex, { integer: true });
  const labels = labelsConfig(options, fn, task, ignoreIndex);
  const labelsSubset =
    options.labelsSubset === undefined ? false : checkBooleanOption(fn, 'labelsSubset', options.labelsSubset);
  const rowMax = options.rowMax === undefined ? false : checkBooleanOption(fn, 'rowMax', options.rowMax);
  const oneHot = options.oneHot === undefined ? false : checkBooleanOption(fn, 'oneHot', options.oneHot);
  if (oneHot && task !== 'multiclass')
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'oneHot' (one-hot targets, classes along the last axis) only applies to task 'multiclass'; received task '${task}'`,
      'oneHot',
    );
  const hot = oneHot ? { oneHot: true as const } : {};
  if (rowMax && task !== 'multilabel')
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'rowMax' (each row's largest score is the positive prediction) only applies to task 'multilabel'; received task '${task}'`,
      'rowMax',
    );
  if (labels !== null && task === 'multilabel') {
    // the label columns to score: each must be a column (scikit-learn: "All labels must be in [0, n labels)")
    for (const l of labels)
      if (!Number.isInteger(l) || l < 0 || (numClasses !== null && l >= numClasses))
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option 'labels' (task 'multilabel': the label columns to score) must hold column indices in [0, ${numClasses !== null ? numClasses - 1 : 'L-1'}]; received ${describe(l)}`,
          'labels',
        );
    return { task, numClasses: labels.length, threshold, fromLogits, ignoreIndex, labels, labelsSubset, rowMax };
  }
  if (labels !== null) {
    if (
      numClasses !== null &&
      task === 'multiclass' &&
      options.numClasses !== undefined &&
      numClasses !== labels.length
    ) {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'numClasses' (${numClasses}) must equal the number of 'labels' (${labels.length})`,
        'numClasses',
      );
    }
    numClasses = labels.length;
  }
  return { task, numClasses, threshold, fromLogits, ignoreIndex, labels, labelsSubset, rowMax, ...hot };
}

/**
 * `labels`: the class values in index order (binary: `[negative, positive]`, e.g. `[-1, 1]`;
 * multiclass: e.g. `[3, 5, 7]`), for targets / predicted labels that are not 0..C-1. Every
 * target and predicted label must be one of them (scikit-learn would silently drop or
 * ignore the others; losskit reports them).
 */
function labelsConfig(options: MetricOptions, fn: string, task: ClsTask, ignoreIndex: number | null): number[] | null {
  const v: unknown = options.labels;
  if (v === undefined || v === null) return null;
  const bad = (why: string): never => {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'labels' must be an array of distinct finite numbers${task === 'binary' ? ' of length 2 ([negative, positive])' : ''}; received ${describe(v)} (${why})`,
      'labels',
    );
  };
  if (!Array.isArray(v) || v.length === 0) return bad('not a non-empty array');
  const out: number[] = [];
  const seen = new Set<number>();
  for (const x of v) {
    if (typeof x !== 'number' || !Number.isFinite(x)) bad(`${describe(x)} is not a finite number`);
    if (seen.has(x)) bad(`${x} appears twice`);
    if (x === ignoreIndex) bad(`${x} is the ignoreIndex`);
    seen.add(x);
    out.push(x);
  }
  if (task === 'binary' && out.length !== 2) bad(`${out.length} values`);
  return out;
}

/**
 * Maps class values through `labels` to indices (ignoreIndex kept); values not listed →
 * INVALID_LABEL, or, with `unlisted` a number, that index.
 */
export function remapLabels(
  fn: string,
  arg: string,
  t: Tensor,
  labels: number[],
  ignoreIndex: number | null,
  unlisted: number | null = null,
): Tensor {
  const index = new Map<number, number>();
  labels.forEach((v, i) => index.set(v, i));
  const d = t.data;
  const out = new Float64Array(d.length);
  for (let k = 0; k < d.length; k++) {
    const v = d[k];
    if (v === ignoreIndex) {
      out[k] = v;
      continue;
    }
    const i = index.get(v) ?? (unlisted === null || !Number.isFinite(v) ? undefined : unlisted);
    if (i === undefined) {
      throw new LosskitError(
        'INVALID_LABEL',
        fn,
        `'${arg}' must hold one of the 'labels' [${labels.join(', ')}]${ignoreIndex !== null ? ` or ignoreIndex ${ignoreIndex}` : ''}; received ${describe(v)} at index ${fmtIndex(k, t.shape)}`,
        arg,
      );
    }
    out[k] = i;
  }
  return { data: out, shape: t.shape };
}

/**
 * `zeroDivision`: the value of a 0/0 ratio. A number in [0, 1] (scikit-learn allows 0 and 1;
 * its default `"warn"` behaves as 0), or `NaN` — undefined values are then left out of
 * averages (scikit-learn ≥ 1.3 `zero_division=np.nan`). Stored JSON-safe (`'NaN'`); `null`
 * (what JSON makes of NaN) is read as NaN so serialised options restore.
 */
export function zeroDivisionConfig(options: MetricOptions, fn: string): number | 'NaN' {
  const v: unknown = options.zeroDivision;
  if (v === undefined) return 0;
  if (v === null || (typeof v === 'number' && Number.isNaN(v))) return 'NaN';
  return checkNumberOption(fn, 'zeroDivision', v, { min: 0, max: 1 });
}

/** The numeric value of a stored `zeroDivision`. */
export const zdValue = (z: number | 'NaN'): number => (z === 'NaN' ? NaN : z);

// ---------------------------------------------------------------------------------------------
// State fields

export interface StatFieldsConfig extends ClsConfig {
  /** Keep the C×C confusion matrix. */
  cm: boolean;
  /** Multilabel: keep the per-sample sums of the 'samples' average (with this β). */
  beta: number;
}

/** Reusable decoding buffers (class index per position), owned by one metric instance. */
export interface ClassBuffers {
  tgt: Int32Array;
  prd: Int32Array;
}

/** Empty decoding buffers (allocated on the first batch, then grown by doubling). */
export function classBuffers(): ClassBuffers {
  return { tgt: new Int32Array(0), prd: new Int32Array(0) };
}

function reserveBuffers(b: ClassBuffers, n: number): void {
  if (b.tgt.length >= n) return;
  let cap = Math.max(1024, b.tgt.length);
  while (cap < n) cap *= 2;
  b.tgt = new Int32Array(cap);
  b.prd = new Int32Array(cap);
}

/** The typed stat-score state (see the table at the top of this file). */
export interface StatState {
  tp: Float64Array;
  predSum: Float64Array;
  trueSum: Float64Array;
  /** Binary / multiclass only (length 0 for multilabel). */
  present: Float64Array;
  /** Multilabel only (length 0 otherwise). */
  labelTotal: Float64Array;
  /** The C×C confusion matrix, when the config keeps it (length 0 otherwise). */
  cm: Float64Array;
  total: number;
  exact: number;
  sP: number;
  wP: number;
  sR: number;
  wR: number;
  sF: number;
  wF: number;
  /** Decoding scratch of this instance (not part of the serialised state). */
  buf: ClassBuffers;
}

/** The empty stat-score state for a config. */
export function initStatState(c: StatFieldsConfig): StatState {
  const C = c.numClasses ?? 0;
  const ml = c.task === 'multilabel';
  return {
    tp: new Float64Array(C),
    predSum: new Float64Array(C),
    trueSum: new Float64Array(C),
    present: new Float64Array(ml ? 0 : C),
    labelTotal: new Float64Array(ml ? C : 0),
    cm: new Float64Array(c.cm ? C * C : 0),
    total: 0,
    exact: 0,
    sP: 0,
    wP: 0,
    sR: 0,
    wR: 0,
    sF: 0,
    wF: 0,
    buf: classBuffers(),
  };
}

/** The serialised fields (and merge rules) of a stat-score metric; see the table at the top of this file. */
export function statFields(c: StatFieldsConfig): FieldSpec<StatState>[] {
  const C = c.numClasses ?? undefined;
  const f: FieldSpec<StatState>[] = [
    f64Field('tp', 'count', C, 'custom'),
    f64Field('predSum', 'count', C, 'custom'),
    f64Field('trueSum', 'count', C, 'custom'),
    numField('total', 'count'),
  ];
  if (c.task === 'multilabel') {
    f.push(f64Field('labelTotal', 'count', C, 'custom'));
    for (const k of ['exact', 'sP', 'wP', 'sR', 'wR', 'sF', 'wF'] as const) f.push(numField(k, 'count'));
  } else f.push(f64Field('present', 'index', C, 'custom'));
  if (c.cm) f.push(f64Field('cm', 'count', C === undefined ? undefined : C * C, 'custom'));
  return f;
}

/**
 * The consistency of a restored stat-score state: every class-indexed field has the same
 * length (at most `maxClasses` when the classes are inferred), the confusion matrix its square.
 */
export function checkStatState(s: StatState, c: StatFieldsConfig, maxClasses: number): string | null {
  const L = s.tp.length;
  for (const k of classKeys(c.task))
    if (s[k].length !== L) return `'${k}' has ${s[k].length} entries but 'tp' has ${L} (one per class)`;
  if (L > maxClasses) return `'tp' has ${L} entries; at most ${maxClasses} classes can be inferred`;
  if (c.cm && s.cm.length !== L * L)
    return `'cm' has ${s.cm.length} entries but the ${L} classes of 'tp' need ${L}×${L} = ${L * L}`;
  return null;
}

/** The class-indexed fields a task uses. */
function classKeys(task: ClsTask): readonly ('tp' | 'predSum' | 'trueSum' | 'present' | 'labelTotal')[] {
  return task === 'multilabel' ? ['tp', 'predSum', 'trueSum', 'labelTotal'] : ['tp', 'predSum', 'trueSum', 'present'];
}

/** Number of classes the state currently holds. */
export function stateClasses(state: StatState): number {
  return state.tp.length;
}

/** Grows the class-indexed fields to `C` classes (zero-padded; the confusion matrix re-laid out). */
export function growState(state: StatState, c: StatFieldsConfig, C: number): void {
  const old = stateClasses(state);
  if (C <= old) return;
  for (const k of classKeys(c.task)) {
    const g = new Float64Array(C);
    g.set(state[k]);
    state[k] = g;
  }
  const cm = state.cm;
  if (c.cm) {
    const g = new Float64Array(C * C);
    for (let i = 0; i < old; i++) for (let j = 0; j < old; j++) g[i * C + j] = cm[i * old + j];
    state.cm = g;
  }
}

/** `mergeCustom` of the stat-score state: element-wise sums, padding the smaller side. */
export function mergeStatState(a: StatState, b: StatState, c: StatFieldsConfig, fn: string): void {
  const Ca = stateClasses(a);
  const Cb = stateClasses(b);
  if (c.task === 'multilabel' && Ca !== 0 && Cb !== 0 && Ca !== Cb) {
    throw new LosskitError(
      'INCOMPATIBLE_STATE',
      fn,
      `cannot merge: this metric has seen ${Ca} labels but 'other' has seen ${Cb}; expected the same number of labels`,
      'other',
    );
  }
  growState(a, c, Cb);
  for (const k of classKeys(c.task)) {
    const av = a[k];
    const bv = b[k];
    for (let i = 0; i < bv.length; i++) av[i] += bv[i];
  }
  if (c.cm) {
    const acm = a.cm;
    const bcm = b.cm;
    const C = stateClasses(a);
    for (let i = 0; i < Cb; i++) for (let j = 0; j < Cb; j++) acm[i * C + j] += bcm[i * Cb + j];
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding: targets and predictions → class indices (binary / multiclass)

/** Decoded batch: `tgt[k]` / `prd[k]` class indices (`tgt[k] = -1`: ignored), `per` positions per sample. */
export interface Decoded {
  tgt: Int32Array;
  prd: Int32Array;
  /** Number of positions (samples × per). */
  n: number;
  per: number;
  /** Classes needed: max index seen + 1 (at least the score width). */
  classes: number;
}

function emptyCheck(fn: string, yTrue: Tensor): void {
  if (yTrue.data.length === 0) {
    throw new LosskitError(
      'EMPTY_INPUT',
      fn,
      `'yTrue' is empty (shape ${fmtShape(yTrue.shape)}); expected at least one sample`,
      'yTrue',
    );
  }
}

function labelError(fn: string, arg: string, t: Tensor, k: number, expect: string): never {
  const v = t.data[k];
  const why = !Number.isInteger(v) ? 'not an integer' : 'out of range';
  throw new LosskitError(
    'INVALID_LABEL',
    fn,
    `'${arg}' must hold ${expect}; received ${describe(v)} at index ${fmtIndex(k, t.shape)} (${why})`,
    arg,
  );
}

function labelExpect(c: ClsConfig, C: number | null): string {
  const ig = c.ignoreIndex !== null ? ` or ignoreIndex ${c.ignoreIndex}` : '';
  return C !== null
    ? `integer class indices in [0, ${C - 1}]${ig}`
    : `non-negative integer class indices below ${MAX_INFERRED_CLASSES} (set 'numClasses' for more)${ig}`;
}

/** Binary targets 0/1 and predictions `p > threshold` (or `logit > logit(threshold)`). */
function decodeBinary(fn: string, yTrue: Tensor, yPred: Tensor, c: ClsConfig, buf: ClassBuffers): Decoded {
  const n = yTrue.data.length;
  const sameShape = yTrue.shape.length === yPred.shape.length && yTrue.shape.every((d, i) => d === yPred.shape[i]);
  const squeezed =
    yTrue.data.length === yPred.data.length &&
    yTrue.shape.length >= 1 &&
    yPred.shape.length >= 1 &&
    yTrue.shape[0] === yPred.shape[0] &&
    Math.abs(yTrue.shape.length - yPred.shape.length) === 1 &&
    (yTrue.shape.length > yPred.shape.length
      ? yTrue.shape[yTrue.shape.length - 1]
      : yPred.shape[yPred.shape.length - 1]) === 1;
  if (!sameShape && !squeezed) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `task 'binary': 'yPred' has shape ${fmtShape(yPred.shape)} but 'yTrue' has shape ${fmtShape(yTrue.shape)}; expected the same shape (a trailing dimension of 1 on either side is allowed; for class scores [N, C] set task: 'multiclass')`,
      'yPred',
    );
  }
  emptyCheck(fn, yTrue);
  const N = yTrue.shape.length > 0 ? yTrue.shape[0] : 1;
  reserveBuffers(buf, n);
  const tgt = buf.tgt;
  const prd = buf.prd;
  const t = yTrue.data;
  const p = yPred.data;
  const ig = c.ignoreIndex;
  const cut = c.fromLogits ? Math.log(c.threshold) - Math.log1p(-c.threshold) : c.threshold;
  for (let k = 0; k < n; k++) {
    const tv = t[k];
    if (tv === ig) tgt[k] = -1;
    else if (tv === 0 || tv === 1) tgt[k] = tv;
    else
      labelError(
        fn,
        'yTrue',
        yTrue,
        k,
        `binary targets 0 or 1${ig !== null ? ` or ignoreIndex ${ig}` : ''}${c.labels !== null ? '' : " (for more classes set task: 'multiclass')"}`,
      );
    const pv = p[k];
    if (pv !== pv)
      throw new LosskitError(
        'NON_FINITE',
        fn,
        `'yPred' must not contain NaN; received NaN at index ${fmtIndex(k, yPred.shape)}`,
        'yPred',
      );
    if (!c.fromLogits && !(pv >= 0 && pv <= 1)) {
      throw new LosskitError(
        'OUT_OF_RANGE',
        fn,
        `'yPred' must hold probabilities in [0, 1] (or pass fromLogits: true for logits); received ${describe(pv)} at index ${fmtIndex(k, yPred.shape)}`,
        'yPred',
      );
    }
    prd[k] = pv > cut ? 1 : 0;
  }
  return { tgt, prd, n, per: n / N, classes: 2 };
}

/** Index of the largest of `w` values at `d[base + j·stride]`; ties → lowest index (numpy argmax). `-1` on NaN. */
function argmaxStrided(d: ArrayLike<number>, base: number, w: number, stride: number): number {
  let best = d[base];
  if (best !== best) return -1;
  let bi = 0;
  for (let j = 1, k = base + stride; j < w; j++, k += stride) {
    const v = d[k];
    if (v > best) {
      best = v;
      bi = j;
    } else if (v !== v) return -1;
  }
  return bi;
}

/**
 * Multiclass shapes (N samples, C classes, optional extra positions `d…`):
 * - `yTrue [N, d…]` labels, `yPred [N, C, d…]` scores (argmax over axis 1) — PyTorch layout;
 * - `yTrue [N, 1]` labels, `yPred [N, C]` scores (Keras sparse layout);
 * - `yTrue [N]`, `yPred [N]`: both labels (scikit-learn);
 * - `yTrue [N, C, d…]`, `yPred [N, C, d…]`: one-hot / probability targets (argmax taken, Keras
 *   `categorical_accuracy`) and scores.
 */
export function multiclassLayout(
  fn: string,
  yTrue: Tensor,
  yPred: Tensor,
  oneHot = false,
): { mode: 'labels' | 'scores' | 'onehot'; N: number; width: number; rest: number; lastAxis?: boolean } {
  const ts = yTrue.shape;
  const ps = yPred.shape;
  if (oneHot) {
    // Keras categorical_accuracy: one-hot yTrue of yPred's shape, classes along the last axis
    const C = ps.length > 0 ? ps[ps.length - 1] : 0;
    if (ts.length !== ps.length || ts.some((d, i) => d !== ps[i]) || ps.length === 0 || C < 2)
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `option 'oneHot': 'yTrue' (shape ${fmtShape(ts)}) must be one-hot targets of 'yPred''s shape ${fmtShape(ps)}, with at least 2 classes along the last axis ([C] for one unbatched sample, [N, ..., C])`,
        'yTrue',
      );
    const N = ps.length === 1 ? 1 : ps[0];
    const rest = ps.length <= 2 ? 1 : ps.slice(1, -1).reduce((a, b) => a * b, 1);
    return { mode: 'onehot', N, width: C, rest, lastAxis: true };
  }
  const bad = (): never => {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `task 'multiclass': 'yTrue' has shape ${fmtShape(ts)} and 'yPred' has shape ${fmtShape(ps)}; expected yTrue [N] with yPred [N] (labels) or [N, C] (scores), yTrue [N, d...] with yPred [N, C, d...], or one-hot yTrue of yPred's shape [N, C, ...]`,
      'yPred',
    );
  };
  if (ts.length === 1 && ps.length === 1) {
    if (ts[0] !== ps[0]) bad();
    return { mode: 'labels', N: ts[0], width: 0, rest: 1 };
  }
  if (
    ps.length >= 2 &&
    ts.length === ps.length - 1 &&
    ts[0] === ps[0] &&
    ts.slice(1).every((d, i) => d === ps[i + 2])
  ) {
    return { mode: 'scores', N: ps[0], width: ps[1], rest: ps.slice(2).reduce((a, b) => a * b, 1) };
  }
  if (ps.length === 2 && ts.length === 2 && ts[0] === ps[0] && ts[1] === 1 && ps[1] !== 1)
    return { mode: 'scores', N: ps[0], width: ps[1], rest: 1 };
  const same = ts.length === ps.length && ts.every((d, i) => d === ps[i]);
  // [N, 1, ...] on both sides: labels in Keras's column layout (one "class score" per sample
  // cannot be one-hot: its argmax would always be 0, and every sample would match)
  if (same && ps.length >= 2 && ps[1] === 1)
    return { mode: 'labels', N: ps[0], width: 0, rest: ps.slice(2).reduce((a, b) => a * b, 1) };
  if (ps.length >= 2 && same) {
    return { mode: 'onehot', N: ps[0], width: ps[1], rest: ps.slice(2).reduce((a, b) => a * b, 1) };
  }
  return bad();
}

/**
 * Kernel: class-index targets → `tgt` (`-1` where the value is `ig`; pass NaN for no
 * ignoreIndex). Returns the largest index + 1 seen, or `-(k + 1)` for the first invalid value
 * at `k` (not an integer in [0, limit)).
 */
function targetsKernel(t: FloatArray, n: number, ig: number, limit: number, tgt: Int32Array): number {
  let maxSeen = 0;
  for (let k = 0; k < n; k++) {
    const v = t[k];
    if (v === ig) tgt[k] = -1;
    else if (v >= 0 && v < limit && Math.floor(v) === v) {
      tgt[k] = v;
      if (v >= maxSeen) maxSeen = v + 1;
    } else return -(k + 1);
  }
  return maxSeen;
}

/**
 * Kernel: argmax of each contiguous row of `W` scores → `prd` (ties → lowest index, as
 * `numpy.argmax`). Returns -1, or the index of the first row holding a NaN. One compare per
 * score on the common path: `!(v <= best)` is true only for a new maximum or a NaN (a NaN
 * first score fails every compare).
 */
function argmaxRowsKernel(p: FloatArray, N: number, W: number, prd: Int32Array): number {
  for (let i = 0, base = 0; i < N; i++, base += W) {
    let best = p[base];
    let bi = 0;
    for (let j = 1; j < W; j++) {
      const v = p[base + j];
      if (!(v <= best)) {
        if (v > best) {
          best = v;
          bi = j;
        } else return i;
      }
    }
    if (best !== best) return i;
    prd[i] = bi;
  }
  return -1;
}

function decodeMulticlass(
  fn: string,
  yTrue: Tensor,
  yPred: Tensor,
  c: ClsConfig,
  buf: ClassBuffers,
  maxInferred: number,
): Decoded {
  const L = multiclassLayout(fn, yTrue, yPred, c.oneHot === true);
  emptyCheck(fn, yTrue);
  const C = c.numClasses;
  if (L.mode !== 'labels' && C !== null && L.width !== C) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yPred' has ${L.width} class scores along axis 1 (shape ${fmtShape(yPred.shape)}) but numClasses is ${C}; expected ${C}`,
      'yPred',
    );
  }
  const n = L.N * L.rest;
  reserveBuffers(buf, n);
  const tgt = buf.tgt;
  const prd = buf.prd;
  const t = yTrue.data;
  const p = yPred.data;
  const ig = c.ignoreIndex;
  const limit = C ?? (L.mode === 'labels' ? maxInferred : L.width);
  let maxSeen = L.mode === 'labels' ? 0 : L.width;
  const nanErr = (arg: string, tt: Tensor): never => {
    let k = 0;
    while (!(tt.data[k] !== tt.data[k])) k++;
    throw new LosskitError(
      'NON_FINITE',
      fn,
      `'${arg}' must not contain NaN; received NaN at index ${fmtIndex(k, tt.shape)}`,
      arg,
    );
  };
  if (L.mode === 'onehot') {
    const W = L.width;
    const R = L.rest;
    for (let k = 0; k < t.length; k++) {
      // one-hot or probability targets: anything else (integer labels of yPred's shape) would be
      // read through its argmax and scored silently wrong
      const tv = t[k];
      if (!(tv >= 0 && tv <= 1) && tv === tv)
        labelError(
          fn,
          'yTrue',
          yTrue,
          k,
          `one-hot or probability targets in [0, 1] (yTrue has yPred's shape ${fmtShape(yPred.shape)}, so it is read as one-hot; class labels go in yTrue [N] or [N, 1])`,
        );
    }
    for (let i = 0, k = 0; i < L.N; i++) {
      const base = i * W * R;
      for (let r = 0; r < R; r++, k++) {
        // classes along axis 1 ([N, C, d…], stride R), or along the last axis (oneHot: contiguous)
        const at = L.lastAxis === true ? k * W : base + r;
        const stride = L.lastAxis === true ? 1 : R;
        const tk = argmaxStrided(t, at, W, stride);
        if (tk < 0) nanErr('yTrue', yTrue);
        const pk = argmaxStrided(p, at, W, stride);
        if (pk < 0) nanErr('yPred', yPred);
        tgt[k] = tk;
        prd[k] = pk;
      }
    }
    return { tgt, prd, n, per: R, classes: W };
  }
  const seen = targetsKernel(t, n, ig === null ? NaN : ig, limit, tgt);
  if (seen < 0) {
    const k = -seen - 1;
    labelError(
      fn,
      'yTrue',
      yTrue,
      k,
      L.mode === 'scores' && C === null
        ? `integer class indices in [0, ${limit - 1}] (yPred has ${limit} class scores)${ig !== null ? ` or ignoreIndex ${ig}` : ''}`
        : labelExpect(c, C),
    );
  }
  if (seen > maxSeen) maxSeen = seen;
  if (L.mode === 'labels') {
    for (let k = 0; k < n; k++) {
      const pv = p[k];
      if (Number.isInteger(pv) && pv >= 0 && pv < limit) {
        prd[k] = pv;
        if (pv >= maxSeen) maxSeen = pv + 1;
      } else
        labelError(
          fn,
          'yPred',
          yPred,
          k,
          `predicted ${labelExpect({ ...c, ignoreIndex: null }, C)} (or class scores of shape [N, C])`,
        );
    }
  } else {
    const W = L.width;
    const R = L.rest;
    if (R === 1) {
      if (argmaxRowsKernel(p, L.N, W, prd) >= 0) nanErr('yPred', yPred);
    } else {
      for (let i = 0, k = 0; i < L.N; i++) {
        const base = i * W * R;
        for (let r = 0; r < R; r++, k++) {
          const pk = argmaxStrided(p, base + r, W, R);
          if (pk < 0) nanErr('yPred', yPred);
          prd[k] = pk;
        }
      }
    }
  }
  return { tgt, prd, n, per: L.rest, classes: C ?? maxSeen };
}

/** Decodes a binary or multiclass batch into class indices (validating first; the state is untouched on error). */
export function decodeClasses(
  fn: string,
  yTrue: Tensor,
  yPred: Tensor,
  c: ClsConfig,
  buf: ClassBuffers,
  maxInferred = MAX_INFERRED_CLASSES,
): Decoded {
  if (c.labels !== null) {
    // Class values → indices. One-hot targets are indices already; predicted labels are mapped too.
    const mode = c.task === 'binary' ? 'binary' : multiclassLayout(fn, yTrue, yPred, c.oneHot === true).mode;
    const C = c.labels.length;
    if (c.labelsSubset && mode === 'labels') {
      // values outside the listed classes: index C while decoding, then −2 ("outside every class")
      yTrue = remapLabels(fn, 'yTrue', yTrue, c.labels, c.ignoreIndex, C);
      yPred = remapLabels(fn, 'yPred', yPred, c.labels, null, C);
      const d = decodeMulticlass(fn, yTrue, yPred, { ...c, numClasses: C + 1 }, buf, maxInferred);
      for (let k = 0; k < d.n; k++) {
        if (d.tgt[k] === C) d.tgt[k] = -2;
        if (d.prd[k] === C) d.prd[k] = -2;
      }
      return { ...d, classes: C };
    }
    if (mode !== 'onehot') yTrue = remapLabels(fn, 'yTrue', yTrue, c.labels, c.ignoreIndex);
    // binary with labels: hard predictions that are label values are mapped as the targets are
    // (scikit-learn's y_pred holds labels); other values are probabilities of labels[1]
    if (mode === 'labels' || (mode === 'binary' && yPred.data.every((v) => c.labels?.includes(v))))
      yPred = remapLabels(fn, 'yPred', yPred, c.labels, null);
  }
  return c.task === 'binary'
    ? decodeBinary(fn, yTrue, yPred, c, buf)
    : decodeMulticlass(fn, yTrue, yPred, c, buf, maxInferred);
}

/** Adds a decoded batch to the stat-score state. */
export function accumulateClasses(state: StatState, c: StatFieldsConfig, d: Decoded, w: Float64Array | null): void {
  growState(state, c, d.classes);
  const C = stateClasses(state);
  const tp = state.tp;
  const ps = state.predSum;
  const ts = state.trueSum;
  const pr = state.present;
  const cm = c.cm ? state.cm : null;
  const { tgt, prd, per } = d;
  const N = d.n / per;
  // one weight per sample, or (Keras per-element weights) one per decoded prediction
  const perElement = w !== null && w.length !== N;
  let total = 0;
  for (let i = 0, k = 0; i < N; i++) {
    const ws = w === null ? 1 : w[i];
    for (let r = 0; r < per; r++, k++) {
      const t = tgt[k];
      if (t === -1) continue;
      const wi = perElement ? (w as Float64Array)[k] : ws;
      const p = prd[k];
      if (t < 0 || p < 0) {
        // labelsSubset: a value outside the listed classes (−2) is a miss for the listed side only
        if (t >= 0) {
          ts[t] += wi;
          pr[t] += 1;
        }
        if (p >= 0) {
          ps[p] += wi;
          pr[p] += 1;
        }
        continue;
      }
      total += wi;
      ts[t] += wi;
      ps[p] += wi;
      pr[t] += 1;
      pr[p] += 1;
      if (t === p) tp[t] += wi;
      if (cm !== null) cm[t * C + p] += wi;
    }
  }
  state.total += total;
}

// ---------------------------------------------------------------------------------------------
// Multilabel

/** Validates a multilabel batch (`[N, L]` 0/1 targets, probabilities or logits) and returns L. */
export function checkMultilabel(fn: string, yTrue: Tensor, yPred: Tensor, c: ClsConfig, state: StatState): number {
  const ts = yTrue.shape;
  const ps = yPred.shape;
  if (ps.length !== 2 || ts.length !== 2 || ts[0] !== ps[0] || ts[1] !== ps[1]) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `task 'multilabel': 'yTrue' has shape ${fmtShape(ts)} and 'yPred' has shape ${fmtShape(ps)}; expected both [N, L] (one column per label)`,
      'yPred',
    );
  }
  emptyCheck(fn, yTrue);
  const L = ps[1];
  const expectL = c.numClasses ?? (stateClasses(state) || L);
  if (L !== expectL) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      fn,
      `'yPred' has ${L} labels per sample but ${c.numClasses !== null ? `numLabels is ${c.numClasses}` : `earlier batches had ${expectL}`}; expected [N, ${expectL}]`,
      'yPred',
    );
  }
  const t = yTrue.data;
  const p = yPred.data;
  const ig = c.ignoreIndex;
  for (let k = 0; k < t.length; k++) {
    const tv = t[k];
    if (tv !== 0 && tv !== 1 && tv !== ig)
      labelError(fn, 'yTrue', yTrue, k, `multilabel targets 0 or 1${ig !== null ? ` or ignoreIndex ${ig}` : ''}`);
    const pv = p[k];
    if (pv !== pv)
      throw new LosskitError(
        'NON_FINITE',
        fn,
        `'yPred' must not contain NaN; received NaN at index ${fmtIndex(k, yPred.shape)}`,
        'yPred',
      );
    if (!c.fromLogits && !(pv >= 0 && pv <= 1)) {
      throw new LosskitError(
        'OUT_OF_RANGE',
        fn,
        `'yPred' must hold probabilities in [0, 1] (or pass fromLogits: true for logits); received ${describe(pv)} at index ${fmtIndex(k, yPred.shape)}`,
        'yPred',
      );
    }
  }
  return L;
}

/**
 * Adds a multilabel batch: per-label tp / predSum / trueSum / labelTotal, exact matches, and the
 * per-sample precision / recall / F-β sums of the `'samples'` average (a sample with weight 0
 * is skipped: scikit-learn weights it by 0).
 */
export function accumulateMultilabel(
  state: StatState,
  batch: { yTrue: Tensor; yPred: Tensor; w: Float64Array | null },
  c: StatFieldsConfig,
  zd: number,
): void {
  const { yTrue, yPred, w } = batch;
  const beta = c.beta;
  const L = yPred.shape[1];
  const N = yPred.shape[0];
  growState(state, c, L);
  const tp = state.tp;
  const ps = state.predSum;
  const ts = state.trueSum;
  const lt = state.labelTotal;
  const t = yTrue.data;
  const p = yPred.data;
  const ig = c.ignoreIndex;
  const cut = c.fromLogits ? Math.log(c.threshold) - Math.log1p(-c.threshold) : c.threshold;
  const b2 = beta * beta;
  let total = 0;
  let exact = 0;
  let sP = 0,
    wP = 0,
    sR = 0,
    wR = 0,
    sF = 0,
    wF = 0;
  // per-element weights [N, L] (Keras): each label's counts take its element's weight; the
  // per-sample quantities (exact match, 'samples' average) take the row's mean weight, as Keras's
  // Mean metrics reduce per-element weights
  const perElement = w !== null && w.length !== N;
  for (let i = 0, k = 0; i < N; i++) {
    let wi = w === null ? 1 : w[i];
    if (perElement) {
      let s = 0;
      for (let j = 0; j < L; j++) s += (w as Float64Array)[i * L + j];
      wi = s / L;
    }
    let rtp = 0;
    let rpred = 0;
    let rtrue = 0;
    let match = true;
    // rowMax (Keras FBetaScore(threshold=None)): positives are the row's maximum (ties all) when |p| > 1e-9
    let rmax = -Infinity;
    if (c.rowMax) for (let j = 0; j < L; j++) if (p[k + j] > rmax) rmax = p[k + j];
    for (let j = 0; j < L; j++, k++) {
      const tv = t[k];
      if (tv === ig) continue;
      const we = perElement ? (w as Float64Array)[k] : wi;
      const pj = (c.rowMax ? p[k] >= rmax && Math.abs(p[k]) > 1e-9 : p[k] > cut) ? 1 : 0;
      lt[j] += we;
      if (pj === 1) {
        ps[j] += we;
        rpred++;
      }
      if (tv === 1) {
        ts[j] += we;
        rtrue++;
        if (pj === 1) {
          tp[j] += we;
          rtp++;
        }
      }
      if (pj !== tv) match = false;
    }
    total += wi;
    if (match) exact += wi;
    if (wi > 0) {
      const P = rpred === 0 ? zd : rtp / rpred;
      const R = rtrue === 0 ? zd : rtp / rtrue;
      const F = fbetaFromCounts(rtp, rpred, rtrue, b2, zd);
      if (P === P) {
        sP += wi * P;
        wP += wi;
      }
      if (R === R) {
        sR += wi * R;
        wR += wi;
      }
      if (F === F) {
        sF += wi * F;
        wF += wi;
      }
    }
  }
  state.total += total;
  state.exact += exact;
  state.sP += sP;
  state.wP += wP;
  state.sR += sR;
  state.wR += wR;
  state.sF += sF;
  state.wF += wF;
}

// ---------------------------------------------------------------------------------------------
// Ratios and averages (scikit-learn precision_recall_fscore_support)

/** `num / den`, or `zd` when `den` is 0 (scikit-learn `_prf_divide`). */
export function ratio(num: number, den: number, zd: number): number {
  return den === 0 ? zd : num / den;
}

/**
 * F-β from weighted counts, as scikit-learn 1.2: P and R with `zd` for 0/0, then
 * (1+β²)·P·R / (β²·P + R) with a zero denominator giving 0. Equivalently (and how `NaN`
 * behaves, scikit-learn ≥ 1.3): `zd` when tp = fp = fn = 0; 0 when only one of P, R is 0/0.
 * β = ∞ is the recall (scikit-learn 1.2's `np.isposinf(beta)` case, its 0/0 giving `zd`).
 */
export function fbetaFromCounts(tp: number, pred: number, tru: number, b2: number, zd: number): number {
  if (b2 === Infinity) return ratio(tp, tru, zd);
  if (pred === 0 && tru === 0) return zd;
  if (pred === 0 || tru === 0) return 0;
  const P = tp / pred;
  const R = tp / tru;
  const den = b2 * P + R;
  return den === 0 ? 0 : ((1 + b2) * P * R) / den;
}

export type Which = 'precision' | 'recall' | 'fbeta';

/** Per-class precision, recall or F-β. */
export function perClass(
  which: Which,
  tp: Float64Array,
  ps: Float64Array,
  ts: Float64Array,
  b2: number,
  zd: number,
): Float64Array {
  const out = new Float64Array(tp.length);
  for (let c = 0; c < tp.length; c++) {
    out[c] =
      which === 'precision'
        ? ratio(tp[c], ps[c], zd)
        : which === 'recall'
          ? ratio(tp[c], ts[c], zd)
          : fbetaFromCounts(tp[c], ps[c], ts[c], b2, zd);
  }
  return out;
}

/**
 * Mean of `values` over the included classes (`include[c] > 0`, or all when `null`), with
 * optional weights; NaN values are left out (scikit-learn ≥ 1.3 `_nanaverage`). No values:
 * `zd`.
 */
export function averageValues(
  values: Float64Array,
  include: Float64Array | null,
  weights: Float64Array | null,
  zd: number,
): number {
  let s = 0;
  let sw = 0;
  for (let c = 0; c < values.length; c++) {
    if (include !== null && !(include[c] > 0)) continue;
    const v = values[c];
    if (v !== v) continue;
    const wc = weights === null ? 1 : weights[c];
    s += wc * v;
    sw += wc;
  }
  return sw === 0 ? zd : s / sw;
}

function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/**
 * Precision / recall / F-β under an `average` (scikit-learn `precision_recall_fscore_support`):
 * - `'binary'`: the positive class (1);
 * - `'micro'`: from the class-summed counts;
 * - `'macro'`: unweighted mean over classes (binary / multiclass: the classes that occurred
 *   as a target or a prediction, like scikit-learn's default labels; multilabel, or with
 *   explicit `labels`: every class);
 * - `'weighted'`: mean weighted by support (Σ w of targets); support 0 gives scikit-learn's
 *   special case (`zd` if nothing was predicted either, else 0 for precision and F);
 * - `'samples'` (multilabel): the weighted mean of the per-sample values;
 * - `'none'`: one value per class.
 */
export function prfAverage(
  which: Which,
  state: StatState,
  c: ClsConfig,
  average: ClsAverage,
  beta: number,
  zd: number,
): number | number[] {
  const tp = state.tp;
  const ps = state.predSum;
  const ts = state.trueSum;
  const b2 = beta * beta;
  if (average === 'samples') {
    if (which === 'precision') return ratio(state.sP, state.wP, zd);
    return which === 'recall' ? ratio(state.sR, state.wR, zd) : ratio(state.sF, state.wF, zd);
  }
  if (average === 'micro') {
    const T = sum(tp);
    const P = sum(ps);
    const R = sum(ts);
    return which === 'precision'
      ? ratio(T, P, zd)
      : which === 'recall'
        ? ratio(T, R, zd)
        : fbetaFromCounts(T, P, R, b2, zd);
  }
  if (average === 'binary') {
    if (tp.length < 2) return zd;
    return which === 'precision'
      ? ratio(tp[1], ps[1], zd)
      : which === 'recall'
        ? ratio(tp[1], ts[1], zd)
        : fbetaFromCounts(tp[1], ps[1], ts[1], b2, zd);
  }
  const values = perClass(which, tp, ps, ts, b2, zd);
  if (average === 'none') return Array.from(values);
  // Multilabel, or explicit `labels`: every class (scikit-learn averages over the given labels).
  const include = c.task === 'multilabel' || c.labels !== null ? null : state.present;
  if (average === 'macro') return averageValues(values, include, null, zd);
  // weighted
  if (sum(ts) === 0) {
    if (which === 'recall') return zd;
    return sum(ps) === 0 ? zd : 0;
  }
  return averageValues(values, include, ts, zd);
}
