/**
 * `classificationReport`: per-class precision, recall, F1 and support, then accuracy and the
 * macro / weighted averages — scikit-learn 1.2 `classification_report`, value for value — and
 * its four printed forms (scikit-learn's text table, the `output_dict=True` JSON, CSV, Markdown).
 *
 * Built on the stat-score state of the classification metrics (`stat-scores.ts`: weighted
 * per-class tp / predicted / true sums, O(C)), through the same {@link Metric} runner as
 * `precision` / `recall` / `f1`, so the report and those metrics cannot disagree.
 */
import { LosskitError, describe, fmtShape } from '../errors.js';
import { tensor, type Tensor, type TensorInput } from '../tensor.js';
import {
  checkBooleanOption,
  checkNumberOption,
  checkOneOf,
  checkOptionNames,
  checkShapeOf,
  fmtIndex,
} from '../validate.js';
import { Metric, type MetricJSON, type MetricSpec, type UpdateOptions } from './core.js';
import type { StatFieldsConfig, StatState } from './stat-scores.js';
import {
  accumulateClasses,
  initStatState,
  averageValues,
  commonConfig,
  decodeClasses,
  fbetaFromCounts,
  mergeStatState,
  perClass,
  ratio,
  statFields,
  zdValue,
  zeroDivisionConfig,
} from './stat-scores.js';

/** A class value: a number (any finite value) or a string. */
export type ClassLabel = number | string;

export interface ClassificationReportOptions {
  /**
   * The classes to report, in this order (scikit-learn `labels`). Default: every class seen in
   * `yTrue` or the predictions, sorted. Listed classes that never occur get support 0; unless the
   * listed classes are exactly those that occur, the "accuracy" row becomes "micro avg" over
   * the listed ones (scikit-learn 1.2).
   */
  labels?: readonly ClassLabel[];
  /** Display names of the rows, one per reported class (scikit-learn `target_names`). */
  targetNames?: readonly string[];
  /** One non-negative weight per sample. Supports become weighted sums. */
  sampleWeight?: TensorInput;
  /** Decimals in the table / Markdown forms (default 2, as scikit-learn). */
  digits?: number;
  /** Value of a 0/0 ratio: 0 (default, scikit-learn's `"warn"`), 1, or NaN (left out of averages). */
  zeroDivision?: number;
  /**
   * `'binary'`: a 1-D `yPred` holds probabilities (or logits), predicted class = `yPred >
   * threshold`. `'multiclass'`: a 1-D `yPred` holds labels. Default: `'binary'` when a 1-D
   * numeric `yPred` has a non-integer value, else `'multiclass'`.
   */
  task?: 'binary' | 'multiclass';
  /** Binary decision threshold (default 0.5). */
  threshold?: number;
  /** Binary: `yPred` holds logits (compared with logit(threshold)). */
  fromLogits?: boolean;
}

/** One row of the report. */
export interface ClassificationReportRow {
  precision: number;
  recall: number;
  f1: number;
  /** Number of samples of the class (Σ sample weights when weighted). */
  support: number;
}

export interface ClassificationReport {
  /** The reported class values, in row order. */
  labels: ClassLabel[];
  /** Row names: `targetNames`, or the class values as text. */
  names: string[];
  /** One row per reported class. */
  classes: ClassificationReportRow[];
  /** Accuracy (micro average over every class), or `null` when `labels` is not exactly the classes that occur. */
  accuracy: number | null;
  /** The micro average over the listed classes, when it is not the accuracy (else `null`). */
  microAvg: ClassificationReportRow | null;
  macroAvg: ClassificationReportRow;
  weightedAvg: ClassificationReportRow;
  /** Total support (Σ weights of the samples whose class is reported). */
  support: number;
  /** Whether sample weights were given (supports are then printed as floats, as scikit-learn). */
  weighted: boolean;
  /** Decimals for printing (the `digits` option). */
  digits: number;
}

/** The scikit-learn `output_dict=True` form of one row. */
export interface ClassificationReportDictRow {
  precision: number;
  recall: number;
  'f1-score': number;
  support: number;
}

/** scikit-learn's `classification_report(output_dict=True)`: rows by name, then `accuracy` (a number) or `micro avg`, `macro avg`, `weighted avg`. */
export type ClassificationReportDict = Record<string, ClassificationReportDictRow | number>;

export type ReportFormat = 'table' | 'json' | 'csv' | 'markdown';

const FN = 'classificationReport';
const OPTIONS = [
  'labels',
  'targetNames',
  'sampleWeight',
  'digits',
  'zeroDivision',
  'task',
  'threshold',
  'fromLogits',
] as const;

/** Per-class weighted counts (the stat-score fields the report needs). */
interface ReportCounts {
  tp: Float64Array;
  predSum: Float64Array;
  trueSum: Float64Array;
  /** Appearances as a target or a prediction (unweighted): the classes scikit-learn reports by default. */
  present: Float64Array;
}

/**
 * The stat-score state and update of the classification metrics over class indices 0..C-1
 * (`initStatState`, `decodeClasses`, `accumulateClasses`, `mergeStatState`), computing the
 * per-class counts.
 */
const reportCountsSpec: MetricSpec<StatFieldsConfig, StatState, ReportCounts> = {
  name: FN,
  optionNames: ['numClasses'],
  config: (o, fn) => ({
    ...commonConfig({ task: 'multiclass', numClasses: o.numClasses }, fn, ['multiclass']),
    cm: false,
    beta: 1,
  }),
  init: initStatState,
  fields: statFields,
  update: (s, yt, yp, w, c, fn) => accumulateClasses(s, c, decodeClasses(fn, yt, yp, c, s.buf), w),
  mergeCustom: (a, b, c) => mergeStatState(a, b, c, FN),
  compute: (s) => ({ tp: s.tp, predSum: s.predSum, trueSum: s.trueSum, present: s.present }),
};

/** The same state for {@link ClassificationReportStream}: binary or multiclass batches, decoded as the metrics do. */
const reportStreamSpec: MetricSpec<StatFieldsConfig, StatState, ReportCounts> = {
  ...reportCountsSpec,
  optionNames: ['task', 'numClasses', 'threshold', 'fromLogits', 'ignoreIndex'],
  config: (o, fn) => ({
    ...commonConfig({ ...o, task: o.task ?? 'multiclass' }, fn, ['binary', 'multiclass']),
    cm: false,
    beta: 1,
  }),
};

function isStringArray(v: unknown): v is readonly unknown[] {
  return Array.isArray(v) && v.some((x) => typeof x === 'string');
}

function stringLabels(v: readonly unknown[], arg: string): string[] {
  return v.map((x, i) => {
    if (typeof x !== 'string') {
      throw new LosskitError(
        'INVALID_LABEL',
        FN,
        `'${arg}' mixes string and non-string labels; expected all strings or all numbers; received ${describe(x)} at index [${i}]`,
        arg,
      );
    }
    return x;
  });
}

/** A 1-D (or [N, 1]) numeric tensor's values. */
function vector(t: Tensor, arg: string): Tensor {
  if (!(t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1))) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      FN,
      `'${arg}' must be [N] labels (or [N, 1]); received shape ${fmtShape(t.shape)}`,
      arg,
    );
  }
  const d = t.data;
  for (let k = 0; k < d.length; k++) {
    if (!Number.isFinite(d[k])) {
      throw new LosskitError(
        'NON_FINITE',
        FN,
        `'${arg}' must hold finite values; received ${describe(d[k])} at index ${fmtIndex(k, t.shape)}`,
        arg,
      );
    }
  }
  return t;
}

/** Per-sample class values of the targets and predictions. */
function classValues(
  yTrue: TensorInput | readonly string[],
  yPred: TensorInput | readonly string[],
  o: ClassificationReportOptions,
): { t: ClassLabel[]; p: ClassLabel[] } {
  const tStr = isStringArray(yTrue);
  const pStr = isStringArray(yPred);
  let t: ClassLabel[];
  if (tStr) t = stringLabels(yTrue as readonly unknown[], 'yTrue');
  else t = Array.from(vector(tensor(yTrue as TensorInput, undefined, FN, 'yTrue'), 'yTrue').data);
  let p: ClassLabel[];
  if (pStr) {
    if (!tStr) {
      throw new LosskitError(
        'INVALID_LABEL',
        FN,
        `'yPred' holds strings but 'yTrue' holds numbers; expected labels of the same kind`,
        'yPred',
      );
    }
    p = stringLabels(yPred as readonly unknown[], 'yPred');
  } else {
    const pt = tensor(yPred as TensorInput, undefined, FN, 'yPred');
    const scores = pt.shape.length === 2 && pt.shape[1] > 1;
    if (tStr) {
      throw new LosskitError(
        'INVALID_LABEL',
        FN,
        `'yTrue' holds strings but 'yPred' holds numbers; expected labels of the same kind`,
        'yPred',
      );
    }
    if (scores) {
      if (o.task === 'binary') {
        throw new LosskitError(
          'SHAPE_MISMATCH',
          FN,
          `task 'binary' takes [N] probabilities; received 'yPred' of shape ${fmtShape(pt.shape)} (class scores: omit task)`,
          'yPred',
        );
      }
      // Class scores [N, C]: the predicted class is the argmax column (ties → lowest index).
      const [N, C] = pt.shape;
      p = new Array<number>(N);
      for (let i = 0; i < N; i++) {
        let best = -Infinity;
        let bi = -1;
        for (let j = 0; j < C; j++) {
          const v = pt.data[i * C + j];
          if (v !== v) {
            throw new LosskitError(
              'NON_FINITE',
              FN,
              `'yPred' must not contain NaN; received NaN at index [${i}, ${j}]`,
              'yPred',
            );
          }
          if (v > best || bi < 0) {
            best = v;
            bi = j;
          }
        }
        p[i] = bi;
      }
      checkScoreTargets(t, C);
    } else {
      const pv = vector(pt, 'yPred').data;
      const binary = o.task === 'binary' || (o.task === undefined && pv.some((v) => !Number.isInteger(v)));
      if (binary) {
        const thr =
          o.threshold === undefined ? 0.5 : checkNumberOption(FN, 'threshold', o.threshold, { min: 0, max: 1 });
        const logits = o.fromLogits === undefined ? false : checkBooleanOption(FN, 'fromLogits', o.fromLogits);
        const cut = logits ? Math.log(thr) - Math.log1p(-thr) : thr;
        if (!logits) {
          const k = pv.findIndex((v) => !(v >= 0 && v <= 1));
          if (k >= 0) {
            throw new LosskitError(
              'OUT_OF_RANGE',
              FN,
              `binary 'yPred' must hold probabilities in [0, 1] (or pass fromLogits: true); received ${describe(pv[k])} at index [${k}]`,
              'yPred',
            );
          }
        }
        const k = t.findIndex((v) => v !== 0 && v !== 1);
        if (k >= 0) {
          throw new LosskitError(
            'INVALID_LABEL',
            FN,
            `binary probabilities need 'yTrue' of 0/1; received ${describe(t[k])} at index [${k}]`,
            'yTrue',
          );
        }
        p = Array.from(pv, (v) => (v > cut ? 1 : 0));
      } else p = Array.from(pv);
    }
  }
  if (t.length !== p.length) {
    throw new LosskitError(
      'SHAPE_MISMATCH',
      FN,
      `'yTrue' has ${t.length} samples but 'yPred' has ${p.length}; expected one prediction per sample`,
      'yPred',
    );
  }
  if (t.length === 0)
    throw new LosskitError('EMPTY_INPUT', FN, `'yTrue' is empty; expected at least one sample`, 'yTrue');
  return { t, p };
}

function checkScoreTargets(t: ClassLabel[], C: number): void {
  const k = t.findIndex((v) => !(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < C));
  if (k >= 0) {
    throw new LosskitError(
      'INVALID_LABEL',
      FN,
      `with class scores [N, ${C}] 'yTrue' must hold class indices in [0, ${C - 1}] (column j is class j); received ${describe(t[k])} at index [${k}]`,
      'yTrue',
    );
  }
}

/** Sorted distinct values (numbers numerically, strings by code point, as numpy.unique). */
function uniqueSorted(values: ClassLabel[]): ClassLabel[] {
  const u = [...new Set(values)];
  return typeof u[0] === 'number'
    ? (u as number[]).sort((a, b) => a - b)
    : (u as string[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function checkLabels(v: unknown, kind: 'number' | 'string'): ClassLabel[] {
  const bad = (why: string): never => {
    throw new LosskitError(
      'INVALID_OPTION',
      FN,
      `option 'labels' must be a non-empty array of distinct ${kind === 'number' ? 'finite numbers' : 'strings'} (the kind of yTrue); received ${describe(v)} (${why})`,
      'labels',
    );
  };
  if (!Array.isArray(v) || v.length === 0) return bad('not a non-empty array');
  const seen = new Set<ClassLabel>();
  for (const x of v) {
    if (typeof x !== kind || (kind === 'number' && !Number.isFinite(x))) bad(`${describe(x)} is not a ${kind}`);
    if (seen.has(x as ClassLabel)) bad(`${describe(x)} appears twice`);
    seen.add(x as ClassLabel);
  }
  return v as ClassLabel[];
}

/**
 * The classification report of scikit-learn (`sklearn.metrics.classification_report`, 1.2):
 * for each class c, precision tp/(tp+fp), recall tp/(tp+fn), F1 = 2PR/(P+R) and support
 * (number of targets of class c; Σ sample weights when weighted); then accuracy
 * (Σ tp / Σ weight), the macro average (unweighted mean over the reported classes) and the
 * weighted average (mean weighted by support), each with the total support.
 *
 * Inputs (N samples): `yTrue` `[N]` labels (numbers or strings); `yPred` `[N]` predicted labels
 * of the same kind, `[N, C]` class scores (argmax; column j is class j), or `[N]` binary
 * probabilities (`yPred > threshold`; detected when a value is not an integer, or `task:
 * 'binary'`). Options: `labels`, `targetNames`, `sampleWeight`, `digits` (2), `zeroDivision`
 * (0), `task`, `threshold` (0.5), `fromLogits` — see {@link ClassificationReportOptions}.
 * Printed forms: {@link formatClassificationReport}; scikit-learn's dict:
 * {@link classificationReportDict}. Equivalent: scikit-learn `classification_report`;
 * torchmetrics has no single call (`Precision`/`Recall`/`F1Score` with `average=None`).
 *
 * @example
 * const r = classificationReport([0, 1, 2, 2], [0, 2, 2, 1]);
 * r.classes[2].f1 // 0.5
 * console.log(formatClassificationReport(r, 'table'));
 */
export function classificationReport(
  yTrue: TensorInput | readonly string[],
  yPred: TensorInput | readonly string[],
  options: ClassificationReportOptions = {},
): ClassificationReport {
  checkOptionNames(FN, options, OPTIONS);
  if (options.task !== undefined) checkOneOf(FN, 'task', options.task, ['binary', 'multiclass'] as const);
  const digits =
    options.digits === undefined ? 2 : checkNumberOption(FN, 'digits', options.digits, { integer: true, min: 0 });
  const zd = zdValue(zeroDivisionConfig({ zeroDivision: options.zeroDivision }, FN));
  const { t, p } = classValues(yTrue, yPred, options);
  const kind = typeof t[0] === 'string' ? 'string' : 'number';
  const present = uniqueSorted([...t, ...p]);
  const labelsGiven = options.labels !== undefined;
  const rows = labelsGiven ? checkLabels(options.labels, kind) : present;
  // Index order: the reported classes, then any other class that occurs (counted, not reported).
  const index = new Map<ClassLabel, number>();
  rows.forEach((v, i) => index.set(v, i));
  for (const v of present) if (!index.has(v)) index.set(v, index.size);
  // scikit-learn 1.2: the micro row is "accuracy" only when the reported classes are exactly those that occur.
  const microIsAccuracy = !labelsGiven || (index.size === rows.length && rows.length === present.length);
  const names = rows.map((v) => String(v));
  if (options.targetNames !== undefined) {
    const tn: unknown = options.targetNames;
    if (!Array.isArray(tn) || tn.length !== rows.length || tn.some((x) => typeof x !== 'string')) {
      throw new LosskitError(
        'INVALID_OPTION',
        FN,
        `option 'targetNames' must be ${rows.length} strings, one per reported class [${names.join(', ')}]; received ${describe(tn)}`,
        'targetNames',
      );
    }
    tn.forEach((s: string, i) => (names[i] = s));
  }
  const toIdx = (a: ClassLabel[]) => Float64Array.from(a, (v) => index.get(v) as number);
  const counts = new Metric(reportCountsSpec, { numClasses: index.size })
    .update(toIdx(t), toIdx(p), options.sampleWeight === undefined ? {} : { sampleWeight: options.sampleWeight })
    .compute();
  const R = rows.length;
  const rowIdx = Array.from({ length: R }, (_, r) => r);
  return buildReport(counts, rowIdx, {
    labels: [...rows],
    names,
    microIsAccuracy,
    weighted: options.sampleWeight !== undefined,
    digits,
    zd,
  });
}

/** The report rows and averages from per-class counts, for the classes `rowIdx` (in that order). */
function buildReport(
  counts: ReportCounts,
  rowIdx: number[],
  o: { labels: ClassLabel[]; names: string[]; microIsAccuracy: boolean; weighted: boolean; digits: number; zd: number },
): ClassificationReport {
  const zd = o.zd;
  const R = rowIdx.length;
  const at = (a: Float64Array) => Float64Array.from(rowIdx, (c) => (c < a.length ? a[c] : 0));
  const tp = at(counts.tp);
  const ps = at(counts.predSum);
  const ts = at(counts.trueSum);
  const P = perClass('precision', tp, ps, ts, 1, zd);
  const Rc = perClass('recall', tp, ps, ts, 1, zd);
  const F = perClass('fbeta', tp, ps, ts, 1, zd);
  const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
  const support = sum(ts);
  const classes = Array.from({ length: R }, (_, c) => ({ precision: P[c], recall: Rc[c], f1: F[c], support: ts[c] }));
  const T = sum(tp);
  const PS = sum(ps);
  const micro = {
    precision: ratio(T, PS, zd),
    recall: ratio(T, support, zd),
    f1: fbetaFromCounts(T, PS, support, 1, zd),
    support,
  };
  const macroAvg = {
    precision: averageValues(P, null, null, zd),
    recall: averageValues(Rc, null, null, zd),
    f1: averageValues(F, null, null, zd),
    support,
  };
  // scikit-learn 1.2: with zero total support, precision and F are zd when nothing was predicted either, else 0.
  const weightedAvg =
    support === 0
      ? { precision: PS === 0 ? zd : 0, recall: zd, f1: PS === 0 ? zd : 0, support }
      : {
          precision: averageValues(P, null, ts, zd),
          recall: averageValues(Rc, null, ts, zd),
          f1: averageValues(F, null, ts, zd),
          support,
        };
  return {
    labels: o.labels,
    names: o.names,
    classes,
    accuracy: o.microIsAccuracy ? micro.precision : null,
    microAvg: o.microIsAccuracy ? null : micro,
    macroAvg,
    weightedAvg,
    support,
    weighted: o.weighted,
    digits: o.digits,
  };
}

/** Options of {@link ClassificationReportStream}: how a batch is decoded into class indices. */
export interface ClassificationReportStreamOptions {
  /** `'multiclass'` (default): `yTrue` `[N]` class indices 0..C-1, `yPred` `[N]` indices or `[N, C]` scores. `'binary'`: 0/1 targets, `yPred` `[N]` probabilities. */
  task?: 'binary' | 'multiclass';
  /** Number of classes (fixes the length; default: inferred and grown as batches arrive). */
  numClasses?: number;
  /** Binary threshold (default 0.5). */
  threshold?: number;
  fromLogits?: boolean;
  /** Targets equal to it are skipped. */
  ignoreIndex?: number;
}

/** Serialised {@link ClassificationReportStream}: the metric state plus whether weights were seen. */
export type ClassificationReportStreamJSON = MetricJSON & { sampleWeighted: boolean };

/**
 * The classification report over data that arrives in batches (or in shards on several
 * workers): `update` per batch, `merge` other shards (`toJSON` / `fromJSON` to move them), and
 * `report()` at the end — equal to {@link classificationReport} on all the data at once. The
 * state is the classification metrics' stat scores (O(C)); classes are indices 0..C-1 (map text
 * labels to indices first; name them with `targetNames`).
 *
 * @example
 * const s = new ClassificationReportStream({ numClasses: 3 });
 * s.update([0, 1], [[0.8, 0.1, 0.1], [0.2, 0.5, 0.3]]).update([2, 2], [2, 1]);
 * s.report({ targetNames: ['cat', 'dog', 'bird'] }).accuracy // 0.75
 */
export class ClassificationReportStream {
  private metric: Metric<StatFieldsConfig, StatState, ReportCounts>;
  private sampleWeighted = false;

  constructor(options: ClassificationReportStreamOptions = {}) {
    this.metric = new Metric(reportStreamSpec, { ...options });
  }

  /** Adds a batch (`sampleWeight`: one weight per sample). */
  update(yTrue: TensorInput, yPred: TensorInput, options: UpdateOptions = {}): this {
    this.metric.update(yTrue, yPred, options);
    if (options.sampleWeight !== undefined) this.sampleWeighted = true;
    return this;
  }

  /** Merges another stream with the same options: as if this one had seen its batches too. */
  merge(other: ClassificationReportStream): this {
    this.metric.merge(other.metric);
    this.sampleWeighted ||= other.sampleWeighted;
    return this;
  }

  /** Exact JSON of the state (float64 round trip). */
  toJSON(): ClassificationReportStreamJSON {
    return { ...this.metric.toJSON(), sampleWeighted: this.sampleWeighted };
  }

  /** Restores {@link toJSON}'s output. */
  static fromJSON(json: ClassificationReportStreamJSON | string): ClassificationReportStream {
    const fn = 'ClassificationReportStream.fromJSON';
    const bad = (why: string): never => {
      throw new LosskitError('INVALID_INPUT', fn, `'json' ${why}`, 'json');
    };
    let j: unknown = json;
    if (typeof json === 'string') {
      try {
        j = JSON.parse(json);
      } catch (e) {
        bad(
          `must be stream.toJSON() or its JSON text; received text that is not JSON (${e instanceof Error ? e.message : String(e)})`,
        );
      }
    }
    if (j === null || typeof j !== 'object' || Reflect.get(j, 'losskitMetric') !== 1 || Reflect.get(j, 'metric') !== FN)
      bad(`must be the output of ClassificationReportStream.toJSON(); received ${describe(j)}`);
    const o = j as Record<string, unknown>;
    // Untrusted input: a field toJSON() does not write is an error, not ignored.
    const keys = ['losskitMetric', 'metric', 'options', 'fingerprint', 'state', 'sampleWeighted'];
    for (const k of Object.keys(o))
      if (!keys.includes(k))
        bad(`.${k} is not a field of stream.toJSON() (${keys.join(', ')}); received ${describe(o[k])}`);
    if (typeof o.sampleWeighted !== 'boolean')
      bad(`.sampleWeighted must be true or false; received ${describe(o.sampleWeighted)}`);
    const options = o.options;
    if (options === null || typeof options !== 'object' || Array.isArray(options))
      bad(`.options must be an object; received ${describe(options)}`);
    const s = new ClassificationReportStream(options as ClassificationReportStreamOptions);
    s.metric.loadState(o.fingerprint, o.state);
    s.sampleWeighted = o.sampleWeighted as boolean; // checked above
    return s;
  }

  /**
   * The report over everything seen. `labels`: class indices to report, in order (default: every
   * class seen as a target or a prediction, as scikit-learn); `targetNames`, `digits`,
   * `zeroDivision` as {@link classificationReport}.
   */
  report(
    options: Pick<ClassificationReportOptions, 'targetNames' | 'digits' | 'zeroDivision'> & {
      labels?: readonly number[];
    } = {},
  ): ClassificationReport {
    const fn = 'ClassificationReportStream.report';
    checkOptionNames(fn, options, ['labels', 'targetNames', 'digits', 'zeroDivision']);
    const digits =
      options.digits === undefined ? 2 : checkNumberOption(fn, 'digits', options.digits, { integer: true, min: 0 });
    const zd = zdValue(zeroDivisionConfig({ zeroDivision: options.zeroDivision }, fn));
    const counts = this.metric.compute();
    const present: number[] = [];
    counts.present.forEach((v, c) => {
      if (v > 0) present.push(c);
    });
    let rows = present;
    if (options.labels !== undefined) {
      rows = checkLabels(options.labels, 'number').map((v) => {
        if (!(Number.isInteger(v) && (v as number) >= 0))
          throw new LosskitError(
            'INVALID_OPTION',
            fn,
            `option 'labels' must hold class indices (integers >= 0); received ${describe(v)}`,
            'labels',
          );
        return v as number;
      });
    }
    const microIsAccuracy =
      options.labels === undefined || (rows.length === present.length && present.every((c) => rows.includes(c)));
    const names = rows.map(String);
    if (options.targetNames !== undefined) {
      const tn: unknown = options.targetNames;
      if (!Array.isArray(tn) || tn.length !== rows.length || tn.some((x) => typeof x !== 'string')) {
        throw new LosskitError(
          'INVALID_OPTION',
          fn,
          `option 'targetNames' must be ${rows.length} strings, one per reported class [${names.join(', ')}]; received ${describe(tn)}`,
          'targetNames',
        );
      }
      tn.forEach((x: string, i) => (names[i] = x));
    }
    return buildReport(counts, rows, {
      labels: [...rows],
      names,
      microIsAccuracy,
      weighted: this.sampleWeighted,
      digits,
      zd,
    });
  }
}

const dictRow = (r: ClassificationReportRow): ClassificationReportDictRow => ({
  precision: r.precision,
  recall: r.recall,
  'f1-score': r.f1,
  support: r.support,
});

/** @internal The `report` argument of the functions that print or convert a report: `classificationReport()`'s result. */
export function checkReportArg(fn: string, report: unknown): void {
  checkShapeOf(fn, 'report', report, "a ClassificationReport (classificationReport()'s result)", {
    names: 'array',
    classes: 'array',
    macroAvg: 'object',
    weightedAvg: 'object',
    digits: 'number',
  });
}

/**
 * scikit-learn's `classification_report(output_dict=True)`: `{ "<name>": { precision, recall,
 * "f1-score", support }, …, accuracy: number (or "micro avg": {…}), "macro avg": {…},
 * "weighted avg": {…} }`, keys in that order.
 */
export function classificationReportDict(report: ClassificationReport): ClassificationReportDict {
  checkReportArg('classificationReportDict', report);
  const out: ClassificationReportDict = {};
  report.names.forEach((n, i) => (out[n] = dictRow(report.classes[i])));
  if (report.microAvg !== null) out['micro avg'] = dictRow(report.microAvg);
  else out.accuracy = report.accuracy as number;
  out['macro avg'] = dictRow(report.macroAvg);
  out['weighted avg'] = dictRow(report.weightedAvg);
  return out;
}

/**
 * Python's `format(x, '.{d}f')`: fixed decimals, exact ties rounded half to even (JavaScript's
 * `toFixed` rounds them up), `nan` / `inf`.
 */
export function pyFixed(x: number, d: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const long = Math.abs(x).toFixed(Math.min(100, d + 30));
  const dot = long.indexOf('.');
  const rest = long.slice(dot + 1 + d);
  if (/^50*$/.test(rest)) {
    // An exact tie: keep the truncation when its last digit is even.
    const kept = d === 0 ? long.slice(0, dot) : long.slice(0, dot + 1 + d);
    if (Number(kept[kept.length - 1]) % 2 === 0) return (x < 0 ? '-' : '') + kept;
  }
  return x.toFixed(d);
}

/** Python's `str(float)` (shortest round-trip, `.0` on integers, exponent from 1e16 / below 1e-4). */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e16 || a < 1e-4)) {
    const [m, e] = x.toExponential().split('e');
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const s = String(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

const HEADERS = ['precision', 'recall', 'f1-score', 'support'];

/** The rows to print: [name, P, R, F1, support] per class, then the average rows (accuracy: [name, null, null, acc, support]). */
function printRows(r: ClassificationReport): { classes: RowCells[]; averages: RowCells[] } {
  const cells = (name: string, x: ClassificationReportRow): RowCells => [name, x.precision, x.recall, x.f1, x.support];
  const averages: RowCells[] = [];
  if (r.microAvg !== null) averages.push(cells('micro avg', r.microAvg));
  else averages.push(['accuracy', null, null, r.accuracy as number, r.support]);
  averages.push(cells('macro avg', r.macroAvg), cells('weighted avg', r.weightedAvg));
  return { classes: r.names.map((n, i) => cells(n, r.classes[i])), averages };
}
type RowCells = [string, number | null, number | null, number, number];

function tableText(r: ClassificationReport, digits: number): string {
  // scikit-learn's layout: name column right-aligned to the longest name (at least 12 = "weighted avg").
  const width = Math.max(...r.names.map((n) => n.length), 'weighted avg'.length, digits);
  const sup = (v: number) => (r.weighted ? pyFloat(v) : String(v));
  const num = (v: number | null) => (v === null ? '' : pyFixed(v, digits)).padStart(9);
  const line = (c: RowCells) =>
    `${c[0].padStart(width)}  ${num(c[1])} ${num(c[2])} ${num(c[3])} ${sup(c[4]).padStart(9)}\n`;
  const { classes, averages } = printRows(r);
  let s = `${''.padStart(width)} ${HEADERS.map((h) => ` ${h.padStart(9)}`).join('')}\n\n`;
  for (const c of classes) s += line(c);
  s += '\n';
  for (const c of averages) s += line(c);
  return s;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function markdownText(r: ClassificationReport, digits: number): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const sup = (v: number) => (r.weighted ? pyFloat(v) : String(v));
  const num = (v: number | null) => (v === null ? '' : pyFixed(v, digits));
  const { classes, averages } = printRows(r);
  const out = ['| class | precision | recall | f1-score | support |', '|:--|--:|--:|--:|--:|'];
  for (const c of [...classes, ...averages])
    out.push(`| ${esc(c[0])} | ${num(c[1])} | ${num(c[2])} | ${num(c[3])} | ${sup(c[4])} |`);
  return out.join('\n') + '\n';
}

/**
 * A classification report as text:
 * - `'table'`: scikit-learn's `classification_report` text, character for character
 *   (right-aligned names, `digits` decimals, an `accuracy` row with its two empty cells);
 * - `'json'`: {@link classificationReportDict} (scikit-learn `output_dict=True`), indented;
 * - `'csv'`: `class,precision,recall,f1-score,support`, values at full precision (the accuracy
 *   row has empty precision / recall cells);
 * - `'markdown'`: a GitHub table, `digits` decimals.
 * `digits` defaults to the report's own (`classificationReport`'s `digits` option, 2).
 */
export function formatClassificationReport(
  report: ClassificationReport,
  format: ReportFormat = 'table',
  options: { digits?: number } = {},
): string {
  const fn = 'formatClassificationReport';
  checkReportArg(fn, report);
  checkOneOf(fn, 'format', format, ['table', 'json', 'csv', 'markdown'] as const);
  checkOptionNames(fn, options, ['digits']);
  const digits =
    options.digits === undefined
      ? report.digits
      : checkNumberOption(fn, 'digits', options.digits, { integer: true, min: 0 });
  if (format === 'table') return tableText(report, digits);
  if (format === 'markdown') return markdownText(report, digits);
  if (format === 'json') return JSON.stringify(classificationReportDict(report), null, 2) + '\n';
  const { classes, averages } = printRows(report);
  const out = [HEADERS.map(csvField).join(',').replace(/^/, 'class,')];
  for (const c of [...classes, ...averages])
    out.push([csvField(c[0]), ...c.slice(1).map((v) => (v === null ? '' : String(v)))].join(','));
  return out.join('\n') + '\n';
}
