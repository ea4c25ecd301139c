/**
 * The evaluation plan: which column is the target, which are predictions and weights, which
 * task, how many classes, the string-label map, and the check each cell must pass. It is plain
 * JSON (sent to worker threads and stored with saved states).
 */
import { LosskitError } from '../../errors.js';
import { curveMetrics } from '../../metrics/curves.js';
import { binnedAucEntry } from '../../metrics/keras-auc.js';
import type { MetricOptions } from '../../metrics/core.js';
import type { MetricEntry } from '../../metrics/registry-types.js';

/**
 * What a metric's `thresholds` option means, from the family that defines it: the number of
 * bins of a ROC / precision–recall curve or area (`'bins'`: the curve family, exact without it,
 * and Keras `AUC`'s `num_thresholds`) — the one meaning `--auroc-bins N` sets — or something
 * else (`'other'`: the list of decision thresholds of Keras's confusion-count metrics, the
 * `num_thresholds` of `sensitivityAtSpecificity` & co.), or no such option (`null`).
 */
export function thresholdsMeaning(e: MetricEntry): 'bins' | 'other' | null {
  if (!e.spec.optionNames.includes('thresholds')) return null;
  return (curveMetrics as readonly MetricEntry[]).includes(e) || e === binnedAucEntry ? 'bins' : 'other';
}

/**
 * Refuses a metric option that reaches none of the requested metrics (`--threshold` on a
 * multiclass task, `--top-k` without top-k accuracy, `--auroc-bins` without AUROC / AP, …), so
 * that a setting is never dropped silently. `used` tells whether something other than a metric
 * takes it (the classification report or the page take the binary threshold).
 */
export function checkOptionsReached(
  setups: { metric: string; options: MetricOptions }[],
  given: { threshold?: number; topK?: number; average?: MetricOptions['average']; aurocBins?: number },
  task: Task,
  used: { threshold: boolean },
): void {
  const list = setups.map((s) => s.metric).join(', ');
  const checks: [keyof typeof given, keyof MetricOptions, string, string][] = [
    [
      'threshold',
      'threshold',
      '--threshold',
      'binary / multilabel metrics with a decision threshold (accuracy, precision, recall, f1, …)',
    ],
    ['topK', 'topK', '--top-k', 'topKAccuracy (multiclass) and the Keras confusion metrics'],
    ['average', 'average', '--average', 'metrics that average over classes (f1, precision, recall, auroc, …)'],
    [
      'aurocBins',
      'thresholds',
      '--auroc-bins',
      'auroc, averagePrecision, rocCurve, precisionRecallCurve and Keras AUC',
    ],
  ];
  for (const [key, opt, flag, takers] of checks) {
    if (given[key] === undefined) continue;
    if (key === 'threshold' && used.threshold) continue;
    if (setups.some((s) => s.options[opt] !== undefined)) continue;
    throw new LosskitError(
      'INVALID_OPTION',
      'evaluate',
      `${flag} reaches none of the requested metrics (${list}; task ${task}); it is taken by ${takers}`,
      key,
    );
  }
}

/** The metric keeps an exact score histogram unless given a bin count (the curve family). */
export function exactCurveMetric(e: MetricEntry): boolean {
  return (curveMetrics as readonly MetricEntry[]).includes(e);
}

export type Task = 'binary' | 'multiclass' | 'multilabel' | 'regression';

/** Per-cell checks (and the one transform: a positive label mapped to 1, others to 0). */
export const CHECK = {
  finite: 0,
  prob: 1,
  binaryLabel: 2,
  classIndex: 3,
  weight: 4,
  posLabel: 5,
} as const;
export type CheckKind = (typeof CHECK)[keyof typeof CHECK];

/** What one input column feeds. */
export interface ColumnRole {
  /** 'true' → yTrue, 'pred' → yPred, 'weight' → sample weights, 'check' → validated then dropped, 'skip'. */
  dest: 'true' | 'pred' | 'weight' | 'check' | 'skip';
  /** Offset inside the row of its destination (class / label index). */
  k: number;
  /** Number of values (a 2-D column of JSON, .npy or Arrow: its width). */
  width: number;
  check: CheckKind;
  /** String cells: mapped through `Plan.labels` (classes) — the column holds labels, not numbers. */
  strings: boolean;
}

export interface Plan {
  task: Task;
  /** How the task was decided (printed with the results). */
  taskNote: string;
  /** Values per row of yTrue (1; L for multilabel; outputs for multi-output regression). */
  trueWidth: number;
  /** Values per row of yPred (1 for binary/regression/hard labels; C; L). */
  predWidth: number;
  /** Classes (multiclass), labels (multilabel); 2 for binary; 0 for regression. */
  numClasses: number;
  /** Predictions are class labels (hard predictions), not scores. */
  hardPredictions: boolean;
  /** Class names in index order when the labels are strings (scikit-learn's sorted `classes_`). */
  labels: string[] | null;
  /** Binary positive label (as given or inferred), for printing. */
  posLabel: string | number | null;
  /** Numeric positive label (cells equal to it → 1, others → 0). */
  posValue: number | null;
  /**
   * With {@link posValue}: the other label value, when the first rows show it (then any third
   * value is an error at its place, as scikit-learn refuses a third label in a binary task).
   */
  negValue?: number | null;
  fromLogits: boolean;
  columns: { names: string[]; roles: ColumnRole[] };
  /** Column names used, for printing. */
  used: { target: string[]; predictions: string[]; weight: string | null; ignored: string[] };
}

export interface SchemaColumn {
  name: string;
  /** Values per row (1 for CSV columns). */
  width: number;
}

/** The first rows of a file: numbers where every sampled cell parsed, else strings. */
export interface SampleColumn {
  nums: Float64Array | null;
  strs: string[] | null;
}

export interface PlanOptions {
  task?: Task;
  targetCol?: string;
  predCol?: string;
  predPrefix?: string;
  weightCol?: string;
  fromLogits?: boolean;
  posLabel?: string | number;
  numClasses?: number;
}

const TARGET_NAMES = ['y_true', 'ytrue', 'label', 'labels', 'target', 'y', 'true', 'actual'];
const PRED_NAMES = [
  'y_pred',
  'ypred',
  'prediction',
  'pred',
  'score',
  'y_score',
  'prob',
  'probability',
  'proba',
  'logit',
  'logits',
  'output',
];
const PREFIXES = ['p_', 'prob_', 'proba_', 'probability_', 'score_', 'logit_', 'y_pred_', 'pred_', 'y_score_'];
const TARGET_PREFIXES = ['y_true_', 'label_', 'target_'];
const WEIGHT_NAMES = ['sample_weight', 'sampleweight', 'weight', 'weights'];

/** The known column names (for "unknown key" errors of JSON-like formats). */
export function isKnownColumn(name: string): boolean {
  const n = name.toLowerCase();
  return (
    TARGET_NAMES.includes(n) ||
    PRED_NAMES.includes(n) ||
    WEIGHT_NAMES.includes(n) ||
    [...PREFIXES, ...TARGET_PREFIXES].some((p) => n.startsWith(p) && n.length > p.length)
  );
}

export class PlanError extends LosskitError {
  constructor(message: string) {
    super('INVALID_INPUT', 'evaluate', message, 'file');
  }
}

function findPrefix(
  names: string[],
  prefixes: string[],
  explicit?: string,
): { idx: number[]; suffixes: string[] } | null {
  const list = explicit !== undefined ? [explicit.toLowerCase()] : prefixes;
  for (const p of list) {
    const cols = names
      .map((h, i) => [h.toLowerCase(), i] as const)
      .filter(([h]) => h.startsWith(p) && h.length > p.length);
    if (cols.length < 2 && explicit === undefined) continue;
    if (cols.length === 0) continue;
    const numeric = cols.every(([h]) => /^\d+$/.test(h.slice(p.length)));
    const sorted = numeric
      ? [...cols].sort((a, b) => Number(a[0].slice(p.length)) - Number(b[0].slice(p.length)))
      : [...cols].sort((a, b) => (names[a[1]].slice(p.length) < names[b[1]].slice(p.length) ? -1 : 1));
    if (numeric) {
      sorted.forEach(([h], j) => {
        if (Number(h.slice(p.length)) !== j)
          throw new PlanError(
            `prediction columns ${sorted.map(([, i]) => names[i]).join(', ')} must be numbered 0..${sorted.length - 1} without gaps`,
          );
      });
    }
    return { idx: sorted.map(([, i]) => i), suffixes: sorted.map(([, i]) => names[i].slice(p.length)) };
  }
  return null;
}

function findNamed(names: string[], candidates: string[], explicit: string | undefined, what: string): number {
  const lower = names.map((n) => n.toLowerCase());
  if (explicit !== undefined) {
    const i = lower.indexOf(explicit.toLowerCase());
    if (i < 0)
      throw new PlanError(`${what} column '${explicit}' is not in the file; its columns are ${names.join(', ')}`);
    return i;
  }
  for (const c of candidates) {
    const i = lower.indexOf(c);
    if (i >= 0) return i;
  }
  return -1;
}

const sortLabels = (xs: Iterable<string>): string[] => [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Resolves the plan from the column names and the first rows. `allLabels`, when given, is the
 * set of every string label of the file (from a first pass); it is required for string labels
 * unless the prediction columns are named by class (`p_cat, p_dog`).
 */
export function resolvePlan(
  schema: SchemaColumn[],
  sample: SampleColumn[],
  options: PlanOptions,
  allLabels?: string[],
): { plan: Plan; needsLabels: boolean } {
  const names = schema.map((c) => c.name);
  const roles: ColumnRole[] = schema.map((c) => ({
    dest: 'skip',
    k: 0,
    width: c.width,
    check: CHECK.finite,
    strings: false,
  }));
  // Target: one column (maybe 2-D), or a prefix family (multilabel).
  let tIdx: number[] = [];
  const t = findNamed(names, TARGET_NAMES, options.targetCol, 'target');
  if (t >= 0) tIdx = [t];
  else {
    const tp = findPrefix(names, TARGET_PREFIXES);
    if (tp) tIdx = tp.idx;
  }
  if (tIdx.length === 0)
    throw new PlanError(
      `no target column; expected one of ${TARGET_NAMES.join(', ')} (any case) or --target-col; the columns are ${names.join(', ')}`,
    );
  // Predictions.
  let pIdx: number[] = [];
  let suffixes: string[] | null = null;
  const pp = options.predCol !== undefined ? null : findPrefix(names, PREFIXES, options.predPrefix);
  if (pp) {
    pIdx = pp.idx;
    if (!pp.suffixes.every((s) => /^\d+$/.test(s))) suffixes = pp.suffixes;
  } else {
    const p = findNamed(names, PRED_NAMES, options.predCol, 'prediction');
    if (p >= 0) pIdx = [p];
  }
  if (pIdx.length === 0)
    throw new PlanError(
      `no prediction column; expected one of ${PRED_NAMES.join(', ')} or columns ${PREFIXES.map((p) => p + '0').join(', ')}… (any case); the columns are ${names.join(', ')}`,
    );
  const w = findNamed(names, WEIGHT_NAMES, options.weightCol, 'weight');
  const trueWidth = tIdx.reduce((s, i) => s + schema[i].width, 0);
  const predCols = pIdx.reduce((s, i) => s + schema[i].width, 0);
  const tSample = sample[tIdx[0]];
  const pSample = sample[pIdx[0]];
  const stringLabels = tSample.strs !== null;
  const stringPreds = pIdx.length === 1 && pSample.strs !== null;
  if (stringPreds && !stringLabels)
    throw new PlanError(
      `prediction column '${names[pIdx[0]]}' holds text (${JSON.stringify(pSample.strs?.[0])}) but the target '${names[tIdx[0]]}' holds numbers`,
    );

  let task = options.task;
  let note = task !== undefined ? 'given' : '';
  const posGiven = options.posLabel !== undefined;
  // Cells that did not parse are reported with their place by the reading pass; inference uses the others.
  const parsed = (a: Float64Array | null) => (a === null ? null : a.filter((v) => !Number.isNaN(v)));
  const sampleLabels = parsed(tSample.nums);
  const sampleAllBinary = sampleLabels !== null && sampleLabels.every((v) => v === 0 || v === 1);
  const samplePreds = parsed(pSample.nums);
  const predsInUnit = samplePreds !== null && samplePreds.every((v) => v >= 0 && v <= 1);
  if (task === undefined) {
    if (trueWidth > 1) {
      task = 'multilabel';
      note = `inferred: ${trueWidth} target columns`;
    } else if (stringLabels) {
      const classes = suffixes ?? (allLabels ? allLabels : null);
      if (stringPreds || predCols > 2 || (classes !== null && classes.length > 2)) {
        task = 'multiclass';
        note = 'inferred: text class labels';
      } else if (predCols === 2 || posGiven || (classes !== null && classes.length <= 2)) {
        task = 'binary';
        note = 'inferred: two text class labels';
      } else {
        return { plan: null as never, needsLabels: true };
      }
    } else if (predCols >= 3) {
      task = 'multiclass';
      note = `inferred: ${predCols} score columns`;
    } else if (predCols === 2) {
      task = 'binary';
      note = `inferred: scikit-learn predict_proba layout (${names[pIdx[0]]}, ${names[pIdx[1]]}): binary on ${names[pIdx[1]]}`;
    } else if (posGiven) {
      task = 'binary';
      note = 'inferred: --pos-label given';
    } else if (sampleAllBinary && (predsInUnit || options.fromLogits)) {
      task = 'binary';
      note = `inferred: labels 0/1 and ${options.fromLogits ? 'logits (--from-logits)' : 'scores in [0, 1]'}; every row is checked`;
    } else if (sampleLabels !== null && !sampleLabels.every((v) => Number.isInteger(v))) {
      task = 'regression';
      note = 'inferred: non-integer targets';
    } else if (sampleAllBinary) {
      throw new PlanError(
        `cannot infer the task: labels are 0/1 but '${names[pIdx[0]]}' has values outside [0, 1] (e.g. ${samplePreds?.find((v) => v < 0 || v > 1)}); pass --task binary --from-logits, or --task regression`,
      );
    } else {
      throw new PlanError(
        `cannot infer the task: '${names[tIdx[0]]}' holds integers other than 0/1 (e.g. ${sampleLabels?.find((v) => v !== 0 && v !== 1)}) with one prediction column '${names[pIdx[0]]}'; pass --task regression, or --task multiclass with class-probability columns`,
      );
    }
  }
  // Class labels and their number.
  let labels: string[] | null = null;
  let numClasses = 0;
  let hard = false;
  let posValue: number | null = null;
  let negValue: number | null = null;
  let posLabel: string | number | null = null;
  if (stringLabels) {
    if (task === 'regression' || task === 'multilabel')
      throw new PlanError(
        `task '${task}' needs numeric targets; '${names[tIdx[0]]}' holds text such as ${JSON.stringify(tSample.strs?.[0])}`,
      );
    if (suffixes !== null) labels = sortLabels(suffixes);
    else if (allLabels !== undefined) labels = allLabels;
    else return { plan: null as never, needsLabels: true };
  } else if (suffixes !== null && task !== 'multilabel') {
    throw new PlanError(
      `prediction columns are named by class (${pIdx.map((i) => names[i]).join(', ')}) but the target '${names[tIdx[0]]}' holds numbers`,
    );
  }
  if (task === 'binary') {
    numClasses = 2;
    if (stringPreds) throw new PlanError(`task 'binary' needs scores in '${names[pIdx[0]]}', not class names`);
    if (predCols > 2)
      throw new PlanError(`task 'binary' takes one score column (or the two of predict_proba); received ${predCols}`);
    if (labels !== null) {
      if (labels.length > 2)
        throw new PlanError(
          `task 'binary' but the target has ${labels.length} labels: ${labels.slice(0, 10).join(', ')}`,
        );
      const pos = options.posLabel !== undefined ? String(options.posLabel) : labels[labels.length - 1];
      if (!labels.includes(pos))
        throw new PlanError(`--pos-label ${JSON.stringify(pos)} is not one of the labels ${labels.join(', ')}`);
      posLabel = pos;
      if (predCols === 2 && labels.length === 2 && labels.indexOf(pos) !== 1 && suffixes === null)
        throw new PlanError(
          `--pos-label ${pos} is the first class: predict_proba's second column is the score of '${labels[1]}'`,
        );
    } else if (options.posLabel !== undefined) {
      const v = Number(options.posLabel);
      if (String(options.posLabel).trim() === '' || !Number.isFinite(v))
        throw new PlanError(
          `--pos-label must be a number for numeric labels; received ${JSON.stringify(options.posLabel)}`,
        );
      // scikit-learn's checks on the labels seen in the first rows: two values at most, the
      // positive one of them; predict_proba's second column is the score of the larger label.
      const seen = [...new Set(sampleLabels ?? [])].sort((a, b) => a - b);
      const col = names[tIdx[0]];
      if (seen.length > 2)
        throw new PlanError(
          `task 'binary' but '${col}' holds more than two label values: ${seen.slice(0, 10).join(', ')}`,
        );
      if (seen.length === 2 && !seen.includes(v))
        throw new PlanError(`--pos-label ${v} is not one of the labels ${seen.join(', ')} of '${col}'`);
      if (predCols === 2 && seen.length === 2 && v !== seen[1])
        throw new PlanError(
          `--pos-label ${v} is the first class: predict_proba's second column ${names[pIdx[1]]} is the score of ${seen[1]}`,
        );
      posValue = v;
      posLabel = v;
      negValue = seen.find((x) => x !== v) ?? null;
    } else posLabel = 1;
  } else if (task === 'multiclass') {
    if (stringPreds) {
      hard = true;
    } else if (predCols === 1) {
      hard = true;
      if (samplePreds !== null && !samplePreds.every((v) => Number.isInteger(v)))
        throw new PlanError(
          `task 'multiclass' with one prediction column needs predicted class indices; '${names[pIdx[0]]}' holds ${samplePreds.find((v) => !Number.isInteger(v))}. Give one probability column per class (p_0, p_1, …)`,
        );
    }
    if (labels !== null) numClasses = labels.length;
    else if (!hard) numClasses = predCols;
    else if (options.numClasses !== undefined) numClasses = options.numClasses;
    else throw new PlanError(`task 'multiclass' with predicted class indices needs --num-classes`);
    if (!hard && predCols !== numClasses)
      throw new PlanError(`${predCols} prediction columns but ${numClasses} classes (${labels?.join(', ')})`);
    if (options.posLabel !== undefined) throw new PlanError(`--pos-label only applies to task 'binary'`);
  } else if (task === 'multilabel') {
    numClasses = trueWidth;
    if (predCols !== trueWidth)
      throw new PlanError(
        `task 'multilabel' needs as many prediction columns as target columns; received ${predCols} and ${trueWidth}`,
      );
  } else {
    if (options.fromLogits) throw new PlanError(`--from-logits does not apply to task 'regression'`);
    if (predCols !== trueWidth)
      throw new PlanError(
        `task 'regression' needs as many prediction columns as target columns; received ${predCols} and ${trueWidth}`,
      );
  }
  // Roles and checks.
  const fromLogits = options.fromLogits === true;
  let k = 0;
  for (const i of tIdx) {
    const check: CheckKind =
      task === 'regression'
        ? CHECK.finite
        : task === 'multiclass'
          ? CHECK.classIndex
          : posValue !== null
            ? CHECK.posLabel
            : CHECK.binaryLabel;
    roles[i] = { dest: 'true', k, width: schema[i].width, check, strings: stringLabels };
    k += schema[i].width;
  }
  const scoreCheck: CheckKind =
    task === 'regression' || fromLogits ? CHECK.finite : hard ? CHECK.classIndex : CHECK.prob;
  if (task === 'binary' && predCols === 2) {
    roles[pIdx[0]] = { dest: 'check', k: 0, width: 1, check: scoreCheck, strings: false };
    roles[pIdx[1]] = { dest: 'pred', k: 0, width: 1, check: scoreCheck, strings: false };
  } else {
    k = 0;
    for (const i of pIdx) {
      roles[i] = { dest: 'pred', k, width: schema[i].width, check: scoreCheck, strings: stringPreds };
      k += schema[i].width;
    }
  }
  if (w >= 0) roles[w] = { dest: 'weight', k: 0, width: 1, check: CHECK.weight, strings: false };
  const plan: Plan = {
    task,
    taskNote: note,
    trueWidth,
    predWidth: task === 'binary' ? 1 : predCols,
    numClasses,
    hardPredictions: hard,
    labels,
    posLabel,
    posValue,
    negValue,
    fromLogits,
    columns: { names, roles },
    used: {
      target: tIdx.map((i) => names[i]),
      predictions: task === 'binary' && predCols === 2 ? [names[pIdx[1]]] : pIdx.map((i) => names[i]),
      weight: w >= 0 ? names[w] : null,
      ignored: names.filter((_, i) => roles[i].dest === 'skip'),
    },
  };
  return { plan, needsLabels: false };
}

/** The numeric value a string label stands for under the plan (class index, or 0/1 for binary). */
export function labelValue(plan: Plan, s: string): number {
  if (plan.labels === null) return NaN;
  const i = plan.labels.indexOf(s);
  if (i < 0) return NaN;
  if (plan.task === 'binary') return plan.labels[i] === String(plan.posLabel) ? 1 : 0;
  return i;
}

/** Describes what a check expects (for error messages). */
export function expectation(plan: Plan, check: CheckKind): string {
  switch (check) {
    case CHECK.prob:
      return 'a probability in [0, 1] (pass --from-logits for logits)';
    case CHECK.binaryLabel:
      return `a binary label 0 or 1 (task binary, ${plan.taskNote}; pass --pos-label or --task otherwise)`;
    case CHECK.classIndex:
      return `a class index 0..${plan.numClasses - 1}`;
    case CHECK.weight:
      return 'a finite sample weight >= 0';
    case CHECK.posLabel:
      return plan.negValue === undefined || plan.negValue === null
        ? 'a finite label'
        : `one of the two labels ${plan.negValue} and ${plan.posValue} (--pos-label ${plan.posValue}; the first rows hold these two)`;
    default:
      return 'a finite number';
  }
}

/** Applies a check: the value to store, or NaN when the cell fails it. */
export function applyCheck(plan: Plan, check: CheckKind, x: number): number {
  switch (check) {
    case CHECK.finite:
      return Number.isFinite(x) ? x : NaN;
    case CHECK.prob:
      return x >= 0 && x <= 1 ? x : NaN;
    case CHECK.binaryLabel:
      return x === 0 || x === 1 ? x : NaN;
    case CHECK.classIndex:
      return Number.isInteger(x) && x >= 0 && x < plan.numClasses ? x : NaN;
    case CHECK.weight:
      return x >= 0 && Number.isFinite(x) ? x : NaN;
    case CHECK.posLabel:
      if (x === plan.posValue) return 1;
      return Number.isFinite(x) && (plan.negValue === undefined || plan.negValue === null || x === plan.negValue)
        ? 0
        : NaN;
  }
  return NaN;
}
