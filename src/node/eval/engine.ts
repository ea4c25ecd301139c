/**
 * The streaming evaluation engine behind `losskit eval`: reads a prediction file in chunks,
 * parses numbers straight into reused typed-array batches, validates every cell (with its file
 * place), and feeds each batch to the metrics' `update`. Memory = the metrics' state + a fixed
 * window of rows (about 4 MB), whatever the file size.
 */
import { LosskitError, describe } from '../../errors.js';
import { METRIC_FAMILIES } from '../../metrics/catalog.js';
import type { Metric, MetricJSON, MetricOptions, MetricValue } from '../../metrics/core.js';
import { getMetric, restoreMetric } from '../../metrics/registry.js';
import {
  ClassificationReportStream,
  type ClassificationReport,
  type ClassificationReportStreamJSON,
} from '../../metrics/report.js';
import type { MetricEntry } from '../../metrics/registry-types.js';
import { tensor, type TensorInput } from '../../tensor.js';
import {
  PlanError,
  checkOptionsReached,
  exactCurveMetric,
  resolvePlan,
  thresholdsMeaning,
  type Plan,
  type PlanOptions,
  type Task,
} from './plan.js';
import { batchRowsFor, npyFilesReader, openReader, type Batch, type Format, type Reader } from './readers.js';
import { unifyLabels } from './parallel-labels.js';
import { EvalInputError } from './source.js';
import { FORMATS } from './formats.js';
import { MAX_WORKERS } from './prespawn.js';
import { checkEvalState } from './state-check.js';
import { checkBooleanOption, checkNumberOption, checkOneOf, checkOptionNames } from '../../validate.js';

export type { Task } from './plan.js';
export type { Format } from './readers.js';

export const DEFAULT_METRICS: Record<Task, string[]> = {
  binary: ['accuracy', 'precision', 'recall', 'f1', 'auroc', 'averagePrecision', 'logLoss', 'calibrationError'],
  multiclass: ['accuracy', 'f1', 'precision', 'recall', 'topKAccuracy', 'auroc', 'logLoss'],
  multilabel: ['accuracy', 'f1', 'precision', 'recall', 'auroc'],
  regression: ['meanAbsoluteError', 'meanSquaredError', 'rootMeanSquaredError', 'r2Score', 'pearsonCorrcoef'],
};
/** Defaults when the predictions are class labels (no scores). */
const HARD_METRICS = ['accuracy', 'f1', 'precision', 'recall'];

export interface EvaluateOptions extends PlanOptions {
  /** Metric names (any alias). Default: by task. */
  metrics?: string[];
  average?: MetricOptions['average'];
  /** Decision threshold in [0, 1] for binary / multilabel scores. */
  threshold?: number;
  topK?: number;
  /** Bounded-memory AUROC / AP: a number of thresholds (Keras AUC style) instead of the exact state. */
  aurocBins?: number;
  /** Input format (default: from the content, then the extension). */
  format?: Format;
  /** Also compute scikit-learn's classification report (binary / multiclass), streaming. */
  report?: boolean;
  /**
   * Keep every row's label, scores (after `fromLogits`) and weight, for a page that needs them all
   * (`losskit eval --html`); at most `maxRows` rows, else an `INVALID_OPTION` error before any output.
   * Binary / multiclass only; not with `workers > 1`.
   */
  collect?: { maxRows: number };
  /** Rows per batch (the fixed window). Default: about 4 MB of float64 values. */
  batchRows?: number;
  /**
   * Threads evaluating blocks of a CSV / TSV file (byte ranges) or a Parquet file (row groups) on
   * disk; the results are the same bits for any number. Default 1.
   */
  workers?: number;
  /** Called after each batch (progress). */
  onProgress?: (p: { rows: number; bytes: number; total: number | null }) => void;
  /** Name used in messages for a stream. */
  name?: string;
}

/** A check of one option's value (`name` for the message); throws `INVALID_OPTION`. */
type OptionRule = (name: string, value: unknown) => void;
const badOption = (name: string, expected: string, value: unknown): never => {
  throw new LosskitError(
    'INVALID_OPTION',
    'evaluate',
    `option '${name}' must be ${expected}; received ${describe(value)}`,
    name,
  );
};
const text: OptionRule = (n, v) => {
  if (typeof v !== 'string' || v === '') badOption(n, 'a non-empty string', v);
};
const integer =
  (min: number, max: number): OptionRule =>
  (n, v) => {
    checkNumberOption('evaluate', n, v, { integer: true, min, max });
  };
const flag: OptionRule = (n, v) => {
  checkBooleanOption('evaluate', n, v);
};
const oneOf =
  (choices: readonly string[]): OptionRule =>
  (n, v) => {
    checkOneOf('evaluate', n, v, choices);
  };

/**
 * The rule of every option of {@link EvaluateOptions} (a key without a rule does not compile), the
 * ranges those of the CLI's flags. {@link checkEvaluateOptions} applies them before anything is
 * read: a misspelt option or a value of the wrong kind is an `INVALID_OPTION` error naming it.
 */
const OPTION_RULES: { [K in keyof Required<EvaluateOptions>]: OptionRule } = {
  task: oneOf(['binary', 'multiclass', 'multilabel', 'regression'] satisfies Task[]),
  targetCol: text,
  predCol: text,
  predPrefix: text,
  weightCol: text,
  fromLogits: flag,
  posLabel: (n, v) => {
    if (!(typeof v === 'string' && v !== '') && !(typeof v === 'number' && Number.isFinite(v)))
      badOption(n, 'a label: a finite number or a non-empty string', v);
  },
  numClasses: integer(2, 1_000_000),
  metrics: (n, v) => {
    if (!Array.isArray(v) || v.some((m) => typeof m !== 'string')) badOption(n, 'an array of metric names', v);
  },
  average: oneOf(['micro', 'macro', 'weighted', 'samples', 'none', 'binary']),
  threshold: (n, v) => {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      throw new LosskitError(
        'INVALID_OPTION',
        'evaluate',
        `'${n}' must be a probability in [0, 1]; received ${describe(v)}`,
        n,
      );
  },
  topK: integer(1, 1_000_000),
  aurocBins: integer(3, 1_000_000),
  format: oneOf(FORMATS),
  report: flag,
  collect: (n, v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) badOption(n, '{ maxRows }', v);
    checkOptionNames('evaluate', v as object, ['maxRows']);
    integer(1, 2 ** 30)(`${n}.maxRows`, (v as { maxRows?: unknown }).maxRows);
  },
  batchRows: integer(1, 1 << 24),
  workers: integer(1, MAX_WORKERS),
  onProgress: (n, v) => {
    if (typeof v !== 'function') badOption(n, 'a function', v);
  },
  name: text,
};

/** The names of {@link EvaluateOptions}. */
export const EVALUATE_OPTION_NAMES: readonly string[] = Object.keys(OPTION_RULES);

/** Checks an {@link EvaluateOptions} object from a caller: its keys and each value ({@link OPTION_RULES}). */
export function checkEvaluateOptions(o: unknown): void {
  checkOptionNames('evaluate', o as object | undefined, EVALUATE_OPTION_NAMES);
  if (o === undefined) return;
  for (const [key, rule] of Object.entries(OPTION_RULES) as [string, OptionRule][]) {
    const v = (o as Record<string, unknown>)[key];
    if (v !== undefined) rule(key, v);
  }
}

export interface MetricResult {
  /** As requested. */
  metric: string;
  /** The settings the value depends on (average, threshold, k, positive label, …). */
  settings: Record<string, string | number | boolean>;
  value: MetricValue | null;
  /** Why the metric could not be computed. */
  error?: string;
}

export interface EvaluationResult {
  file: string;
  format: Format | 'batches';
  task: Task;
  /** How the task was decided ('given' or 'inferred: …'). */
  taskNote: string;
  rows: number;
  /** Class names by index when the labels are text (scikit-learn's sorted classes_). */
  labels: string[] | null;
  posLabel: string | number | null;
  fromLogits: boolean;
  columns: Plan['used'];
  results: MetricResult[];
  /** Metrics that could not be computed. */
  failed: number;
  seconds: number;
  /** scikit-learn's classification report (with `report: true`). */
  report?: ClassificationReport;
}

/** Saved per-shard states (`eval --save-state`), merged by `losskit merge`. */
export interface EvalState {
  losskitEvalState: 1;
  file: string;
  format: Format | 'batches';
  plan: Plan;
  rows: number;
  metrics: { metric: string; settings: MetricResult['settings']; state: MetricJSON | null; error?: string }[];
  /** The classification report's state (with `report: true`). */
  report?: ClassificationReportStreamJSON;
}

// ---------------------------------------------------------------- metrics from metadata

function entryOf(name: string): MetricEntry | null {
  for (const e of METRIC_FAMILIES.flat()) if (e.name === name || e.aliases.some((a) => a.name === name)) return e;
  return null;
}

export interface MetricSetup {
  metric: string;
  /** The metric keeps an exact score histogram (AUROC / AP / curves without `thresholds`). */
  histogram?: boolean;
  options: MetricOptions;
  settings: MetricResult['settings'];
}

/**
 * The metric with its options. `--average` with the default metrics goes to those that accept it
 * for the task: one that refuses it (binary `accuracy`, which has no macro form) is built without
 * it, as scikit-learn's `accuracy_score` takes no `average`. A metric named with `--metrics` keeps
 * the refusal (exit 2), and `checkOptionsReached` still refuses an average that reached none.
 */
function averagedWhereAccepted(metric: string, options: MetricOptions, o: EvaluateOptions): Metric {
  try {
    return getMetric(metric, options);
  } catch (e) {
    const refusedAverage = e instanceof LosskitError && e.code === 'INVALID_OPTION' && e.argument === 'average';
    if (!refusedAverage || o.metrics !== undefined || options.average === undefined) throw e;
    delete options.average;
    return getMetric(metric, options);
  }
}

/** Options of each metric, from its declared option names (not from its name). */
export function metricSetups(plan: Plan, o: EvaluateOptions): MetricSetup[] {
  const names = o.metrics ?? (plan.hardPredictions ? HARD_METRICS : DEFAULT_METRICS[plan.task]);
  if (names.length === 0)
    throw new LosskitError('INVALID_OPTION', 'evaluate', `'metrics' must name at least one metric`, 'metrics');
  return names.map((metric) => {
    const e = entryOf(metric);
    if (e === null) {
      getMetric(metric); // throws UNKNOWN_NAME with a suggestion
      throw new LosskitError('UNKNOWN_NAME', 'evaluate', `unknown metric '${metric}'`, 'metrics');
    }
    const has = (k: keyof MetricOptions) => e.spec.optionNames.includes(k);
    const options: MetricOptions = {};
    const settings: MetricResult['settings'] = {};
    if (plan.task !== 'regression') {
      if (has('task')) options.task = plan.task;
      if (plan.task === 'multiclass' && has('numClasses')) options.numClasses = plan.numClasses;
      if (plan.task === 'multilabel' && has('numLabels')) options.numLabels = plan.numClasses;
      if (o.average !== undefined && has('average')) options.average = o.average;
      if (o.threshold !== undefined && has('threshold') && plan.task !== 'multiclass') options.threshold = o.threshold;
      // the default k is for multiclass top-k accuracy; elsewhere (Keras's top_k filter of the
      // confusion metrics) topK is set only when asked for
      if (has('topK') && (o.topK !== undefined || plan.task === 'multiclass'))
        options.topK = o.topK ?? Math.min(5, Math.max(1, plan.numClasses - 1));
      if (o.aurocBins !== undefined && thresholdsMeaning(e) === 'bins') options.thresholds = o.aurocBins;
      if (plan.task === 'binary') settings.posLabel = plan.posLabel ?? 1;
    }
    const cfg = averagedWhereAccepted(metric, options, o).config as Record<string, unknown>;
    for (const k of [
      'average',
      'threshold',
      'topK',
      'thresholds',
      'multiClass',
      'beta',
      'nBins',
      'norm',
      'multioutput',
    ] as const) {
      if (!has(k)) continue;
      if (k === 'threshold' && plan.task === 'multiclass') continue;
      if (k === 'average' && plan.task === 'binary' && o.average === undefined) continue;
      if (k === 'multiClass' && plan.task !== 'multiclass') continue;
      const v = cfg[k];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
        settings[k === 'topK' ? 'k' : k] = v;
    }
    if (plan.task === 'binary' && !('threshold' in settings) && has('threshold'))
      settings.threshold = o.threshold ?? 0.5;
    const histogram = exactCurveMetric(e) && options.thresholds === undefined;
    return { metric, options, settings, histogram };
  });
}

/**
 * The window: small batches (2¹⁵ values, about 256 KB) for every metric, so the garbage each
 * update leaves stays small and peak memory does not grow with the file. Exact score histograms
 * (AUROC / AP / curves) do not need larger batches: they buffer scores themselves and sort them
 * in large blocks (see score-histogram.ts).
 */
function windowRows(plan: Plan, o: EvaluateOptions): number {
  if (o.batchRows !== undefined) return o.batchRows;
  return batchRowsFor(plan, 1 << 15);
}

// ---------------------------------------------------------------- batches → metrics

/** Every row of a binary / multiclass evaluation (see {@link EvaluateOptions.collect}). */
export interface CollectedRows {
  rows: number;
  /** `[rows]` class indices 0..C-1 (binary 0/1). */
  yTrue: Float64Array;
  /** `[rows]` (binary) or `[rows * width]` (multiclass, row-major) scores, after `fromLogits`. */
  yPred: Float64Array;
  width: number;
  weight: Float64Array | null;
}

/** Growable typed arrays of the rows, bounded by `maxRows`. */
class RowCollector {
  rows = 0;
  private yt: Float64Array = new Float64Array(1024);
  private yp: Float64Array;
  private w: Float64Array | null = null;
  constructor(
    readonly width: number,
    readonly maxRows: number,
  ) {
    this.yp = new Float64Array(1024 * width);
  }
  private static grow(a: Float64Array, need: number): Float64Array {
    if (need <= a.length) return a;
    const b = new Float64Array(Math.max(need, a.length * 2));
    b.set(a);
    return b;
  }
  add(b: Batch): void {
    const n = this.rows + b.n;
    if (n > this.maxRows)
      throw new LosskitError(
        'INVALID_OPTION',
        'evaluate',
        `--html keeps every row in memory and the file has more than ${this.maxRows} rows; raise the limit with --html-max-rows N`,
        'collect',
      );
    this.yt = RowCollector.grow(this.yt, n);
    this.yt.set(b.yTrue.subarray(0, b.n), this.rows);
    this.yp = RowCollector.grow(this.yp, n * this.width);
    this.yp.set(b.yPred.subarray(0, b.n * this.width), this.rows * this.width);
    if (b.weight) {
      if (this.w === null) this.w = new Float64Array(this.yt.length).fill(1, 0, this.rows);
      this.w = RowCollector.grow(this.w, n);
      this.w.set(b.weight.subarray(0, b.n), this.rows);
    } else if (this.w !== null) {
      this.w = RowCollector.grow(this.w, n);
      this.w.fill(1, this.rows, n);
    }
    this.rows = n;
  }
  result(): CollectedRows {
    return {
      rows: this.rows,
      yTrue: this.yt.slice(0, this.rows),
      yPred: this.yp.slice(0, this.rows * this.width),
      width: this.width,
      weight: this.w === null ? null : this.w.slice(0, this.rows),
    };
  }
}

function sigmoidInPlace(a: Float64Array): void {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    a[i] = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }
}

function softmaxRowsInPlace(a: Float64Array, c: number): void {
  for (let r = 0; r < a.length; r += c) {
    let m = -Infinity;
    for (let j = 0; j < c; j++) if (a[r + j] > m) m = a[r + j];
    let s = 0;
    for (let j = 0; j < c; j++) s += a[r + j] = Math.exp(a[r + j] - m);
    for (let j = 0; j < c; j++) a[r + j] /= s;
  }
}

/** A metric that failed: the reason, and the rows of the batch that raised it (1-based, from the accumulator's first row). */
export interface MetricError {
  message: string;
  rows?: [number, number];
  /**
   * CSV / TSV: where the batch is — its first row on line `line` counted from the line of byte
   * `offset` (0 for that line; `offset` −1: `line` is the file's line number), its rows spanning
   * `lines` lines — with the failing row's index in the batch (`row`, when one row fails alone)
   * and the argument at fault.
   */
  at?: {
    offset: number;
    line: number;
    lines: number;
    n: number;
    row?: number;
    argument?: string;
    /** The batch's {@link Batch.breaks} (rows after a blank line or a row of several lines). */
    breaks?: number[];
  };
  /** `file:line:column` of the failing cell (or `file:line` of the batch), once resolved. */
  place?: string;
}

/** The text of a metric error: `file:line:column: reason (rows A..B)` or `rows A..B: reason`. */
export function errorText(e: MetricError): string {
  if (e.place !== undefined)
    return `${e.place}: ${e.message}${e.rows === undefined ? '' : ` (rows ${e.rows[0]}..${e.rows[1]})`}`;
  return e.rows === undefined ? e.message : `rows ${e.rows[0]}..${e.rows[1]}: ${e.message}`;
}

/** A batch ready for the metrics' `update` (after `fromLogits`). */
export interface BatchView {
  n: number;
  batch: Batch;
  yt: Cols;
  yp: Cols;
  opts: { sampleWeight?: Cols };
}

/** Rows of a batch as a tensor input. */
interface Cols {
  data: Float64Array;
  shape: number[];
}

/** Applies `fromLogits` to the batch (in place) and wraps it for `update`. */
export function viewBatch(p: Plan, b: Batch): BatchView {
  if (p.fromLogits) {
    if (p.task === 'multiclass') softmaxRowsInPlace(b.yPred, p.predWidth);
    else sigmoidInPlace(b.yPred);
  }
  const yt = p.trueWidth === 1 ? { data: b.yTrue, shape: [b.n] } : { data: b.yTrue, shape: [b.n, p.trueWidth] };
  const yp = p.predWidth === 1 ? { data: b.yPred, shape: [b.n] } : { data: b.yPred, shape: [b.n, p.predWidth] };
  const opts = b.weight ? { sampleWeight: { data: b.weight, shape: [b.n] } } : {};
  return { n: b.n, batch: b, yt, yp, opts };
}

/** The first `m` rows of a batch view. */
function headRows(v: BatchView, m: number): BatchView {
  const cut = (t: Cols): Cols => {
    const w = t.shape.length > 1 ? t.shape[1] : 1;
    return { data: t.data.subarray(0, m * w), shape: t.shape.length > 1 ? [m, w] : [m] };
  };
  const sw = v.opts.sampleWeight;
  return {
    n: m,
    batch: v.batch,
    yt: cut(v.yt),
    yp: cut(v.yp),
    opts: sw === undefined ? {} : { sampleWeight: cut(sw) },
  };
}

/**
 * The row of a batch that a metric rejects (an error path only): the shortest head of the batch
 * that a fresh metric rejects ends with it. `{}` when the batch alone is not rejected (the
 * error came from the state, e.g. a class count that changed).
 */
function failingRow(setup: MetricSetup, v: BatchView): { row?: number } {
  const fails = (m: number) => {
    try {
      const h = headRows(v, m);
      getMetric(setup.metric, setup.options).update(h.yt, h.yp, h.opts);
      return false;
    } catch (e) {
      if (e instanceof LosskitError) return true;
      throw e;
    }
  };
  if (!fails(v.n)) return {};
  let lo = 1;
  let hi = v.n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (fails(mid)) hi = mid;
    else lo = mid + 1;
  }
  return { row: lo - 1 };
}

/**
 * Which metrics an accumulator holds: all of them; the order-free ones (states that merge
 * exactly in any order: one state per thread in the block path); or the others (a state per
 * block, merged along the fixed tree).
 */
export type Hold = 'all' | 'free' | 'ordered';

export class Accumulator {
  rows = 0;
  /** Per metric: its state, or null when it failed (see `errors`) or is not held here. */
  readonly metrics: (Metric | null)[];
  readonly errors: (MetricError | undefined)[];
  /**
   * Per metric: the metric whose state it shares (itself when none; see `Metric.shareKey`). Only
   * leaders are updated; the others get a copy of their leader's state from {@link materialize}.
   */
  readonly leader: number[];
  /** Per metric: its state merges exactly in any order (unweighted counts, see `Metric.orderFree`). */
  readonly free: boolean[];
  reportStream: ClassificationReportStream | null = null;
  collector: RowCollector | null = null;
  /** Where CSV / TSV batch lines count from (see {@link MetricError.at}); null: not a text file. */
  lineBase: number | null = null;
  constructor(
    readonly plan: Plan,
    readonly setups: MetricSetup[],
    report = false,
    threshold?: number,
    hold: Hold = 'all',
  ) {
    const all = setups.map((s) => getMetric(s.metric, s.options));
    const keys = all.map((m) => m.shareKey());
    this.leader = keys.map((k, i) => (k === null ? i : keys.indexOf(k)));
    const weighted = plan.used.weight !== null;
    this.free = all.map((_, i) => all[this.leader[i]].orderFree(weighted));
    this.metrics = all.map((m, i) => (hold === 'all' || (hold === 'free') === this.free[i] ? m : null));
    this.errors = setups.map(() => undefined);
    if (report && hold !== 'free') {
      if (plan.task !== 'binary' && plan.task !== 'multiclass')
        throw new LosskitError(
          'INVALID_OPTION',
          'evaluate',
          `'report' applies to tasks binary and multiclass; the task is ${plan.task}`,
          'report',
        );
      this.reportStream = new ClassificationReportStream(
        plan.task === 'binary'
          ? { task: 'binary', ...(threshold !== undefined ? { threshold } : {}) }
          : { task: 'multiclass', numClasses: plan.numClasses },
      );
    }
  }
  /** Whether this accumulator updates nothing (no metric held, no report, no rows kept). */
  get idle(): boolean {
    return this.reportStream === null && this.collector === null && this.metrics.every((m) => m === null);
  }
  add(b: Batch): void {
    if (b.n === 0) return; // empty batches are a no-op
    this.feed(viewBatch(this.plan, b));
  }
  /** Adds a batch already through {@link viewBatch} (which may feed several accumulators). */
  feed(v: BatchView): void {
    const { yt, yp, opts } = v;
    this.reportStream?.update(yt, yp, opts);
    this.collector?.add(v.batch);
    for (let i = 0; i < this.metrics.length; i++) {
      const m = this.metrics[i];
      if (m === null || this.leader[i] !== i) continue;
      try {
        m.update(yt, yp, opts);
      } catch (e) {
        if (!(e instanceof LosskitError)) throw e;
        this.fail(i, v, e);
        // The metrics sharing its state fail too, each with its own message.
        for (let j = i + 1; j < this.metrics.length; j++) {
          const f = this.metrics[j];
          if (this.leader[j] !== i || f === null) continue;
          let err = e;
          try {
            f.update(yt, yp, opts);
          } catch (e2) {
            if (!(e2 instanceof LosskitError)) throw e2;
            err = e2;
          }
          this.fail(j, v, err);
        }
      }
    }
    this.rows += v.n;
  }
  private fail(i: number, v: BatchView, e: LosskitError): void {
    const b = v.batch;
    const at =
      this.lineBase !== null && b.line !== undefined
        ? {
            offset: this.lineBase,
            line: b.line,
            lines: b.lines ?? 0,
            n: v.n,
            ...(b.breaks !== undefined ? { breaks: Array.from(b.breaks) } : {}),
            ...(e.argument !== undefined ? { argument: e.argument } : {}),
            ...failingRow(this.setups[i], v),
          }
        : undefined;
    this.errors[i] = { message: e.message, rows: [this.rows + 1, this.rows + v.n], ...(at ? { at } : {}) };
    this.metrics[i] = null;
  }
  /** Gives every metric that shares a state a copy of its leader's (after the last batch). */
  materialize(): void {
    for (let j = 0; j < this.metrics.length; j++) {
      const l = this.leader[j];
      const f = this.metrics[j];
      const m = this.metrics[l];
      if (l !== j && f !== null && m !== null) f.adoptState(m);
    }
  }
  merge(states: EvalState): void {
    this.rows += states.rows;
    if (states.report !== undefined) {
      const r = ClassificationReportStream.fromJSON(states.report);
      if (this.reportStream === null) this.reportStream = r;
      else this.reportStream.merge(r);
    }
    states.metrics.forEach((s, i) => {
      if (s.error !== undefined && this.errors[i] === undefined) {
        this.errors[i] = { message: s.error };
        this.metrics[i] = null;
      }
      const m = this.metrics[i];
      if (m === null || s.state === null) return;
      try {
        m.merge(restoreMetric(s.state));
      } catch (e) {
        // name the metric of the state file whose state is refused
        if (e instanceof LosskitError)
          throw new LosskitError(
            e.code,
            e.fn,
            `state.metrics[${i}] (${s.metric}): ${e.message.replace(`${e.fn}: `, '')}`,
            e.argument,
          );
        throw e;
      }
    });
  }
  state(file: string, format: EvalState['format']): EvalState {
    return {
      losskitEvalState: 1,
      file,
      format,
      plan: this.plan,
      rows: this.rows,
      metrics: this.setups.map((s, i) => ({
        metric: s.metric,
        settings: s.settings,
        state: this.metrics[i]?.toJSON() ?? null,
        ...(this.errors[i] !== undefined ? { error: errorText(this.errors[i]) } : {}),
      })),
      ...(this.reportStream !== null ? { report: this.reportStream.toJSON() } : {}),
    };
  }
  /** The classification report (class names from the label map). */
  classificationReport(): ClassificationReport | undefined {
    if (this.reportStream === null || this.rows === 0) return undefined;
    const p = this.plan;
    if (p.labels === null) return this.reportStream.report();
    if (p.task === 'binary') {
      const pos = String(p.posLabel);
      const neg = p.labels.find((l) => l !== pos) ?? 'negative';
      return this.reportStream.report({ labels: [0, 1], targetNames: [neg, pos] });
    }
    return this.reportStream.report({ labels: p.labels.map((_, i) => i), targetNames: p.labels });
  }
  results(): MetricResult[] {
    return this.setups.map((s, i) => {
      const m = this.metrics[i];
      const failed = this.errors[i];
      if (m === null)
        return {
          metric: s.metric,
          settings: s.settings,
          value: null,
          error: failed === undefined ? 'not computed' : errorText(failed),
        };
      if (this.rows === 0) return { metric: s.metric, settings: s.settings, value: null, error: 'no rows' };
      try {
        const v = m.compute();
        if (typeof v === 'number' && Number.isNaN(v))
          return { metric: s.metric, settings: s.settings, value: null, error: 'undefined on this data (NaN)' };
        return { metric: s.metric, settings: s.settings, value: v };
      } catch (e) {
        if (!(e instanceof LosskitError)) throw e;
        return { metric: s.metric, settings: s.settings, value: null, error: e.message };
      }
    });
  }
}

// ---------------------------------------------------------------- entry points

async function planFor(
  open: () => Promise<Reader>,
  reader: Reader,
  o: EvaluateOptions,
): Promise<{ plan: Plan; reader: Reader }> {
  const first = resolvePlan(reader.schema, reader.sample, o);
  if (!first.needsLabels) return { plan: first.plan, reader };
  // Text labels: one pass over the label columns for the sorted label set (scikit-learn's classes_).
  const names = reader.schema.map((s) => s.name.toLowerCase());
  const want = reader.sample
    .map((s, i) =>
      s.strs !== null &&
      [
        'y_true',
        'ytrue',
        'label',
        'labels',
        'target',
        'y',
        'true',
        'actual',
        'y_pred',
        'ypred',
        'prediction',
        'pred',
      ].includes(names[i])
        ? i
        : -1,
    )
    .filter((i) => i >= 0);
  if (!reader.seekable && reader.reopen === undefined)
    throw new PlanError(
      'text labels with numbered score columns need two passes over the data (for the sorted label set): give a file, not a stream, or name the score columns by class (p_cat, p_dog, …)',
    );
  const labels = [...(await reader.distinct(want))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // A reader that can start again (in memory, or a spooled stdin / gzip Parquet) is not reopened.
  if (reader.reopen === undefined) await reader.close?.();
  const again = reader.reopen !== undefined ? await reader.reopen() : await open();
  const second = resolvePlan(again.schema, again.sample, o, labels);
  return { plan: second.plan, reader: again };
}

async function run(
  open: () => Promise<Reader>,
  file: string,
  o: EvaluateOptions,
  keepState: boolean,
): Promise<EvaluationRun> {
  const t0 = Date.now();
  let reader = await open();
  let plan: Plan;
  try {
    ({ plan, reader } = await planFor(open, reader, o));
  } catch (e) {
    await reader.close?.();
    if (e instanceof PlanError) throw new EvalInputError(file, e.message.replace(/^evaluate: /, ''));
    throw e;
  }
  if (o.threshold !== undefined && plan.task === 'regression')
    throw new LosskitError(
      'INVALID_OPTION',
      'evaluate',
      `'threshold' does not apply to task 'regression'`,
      'threshold',
    );
  const setups = metricSetups(plan, o);
  checkOptionsReached(setups, o, plan.task, {
    threshold: plan.task === 'binary' && (o.report === true || o.collect !== undefined),
  });
  const acc = new Accumulator(plan, setups, o.report === true, o.threshold);
  const workers = o.workers ?? 1;
  if (o.collect !== undefined) {
    if (plan.task !== 'binary' && plan.task !== 'multiclass')
      throw new LosskitError(
        'INVALID_OPTION',
        'evaluate',
        `--html applies to tasks binary and multiclass; the task is ${plan.task}`,
        'collect',
      );
    if (workers > 1)
      throw new LosskitError(
        'INVALID_OPTION',
        'evaluate',
        '--html keeps every row in the main thread and cannot be combined with --workers > 1; drop --workers',
        'collect',
      );
    acc.collector = new RowCollector(plan.predWidth, o.collect.maxRows);
  }
  const csvFile =
    (reader.format === 'csv' || reader.format === 'tsv') && reader.dataStart !== undefined && Boolean(reader.size);
  const parquetFile = reader.format === 'parquet' && reader.rowGroups !== undefined && Boolean(reader.size);
  const blocks = Boolean(reader.seekable) && (csvFile || parquetFile);
  // Why `workers > 1` cannot split this input (said by the CLI; the results are the same).
  const serial =
    workers <= 1 || blocks
      ? null
      : ['csv', 'tsv', 'parquet'].includes(reader.format) && reader.seekable !== true
        ? `${reader.format} input from stdin or gzip is read in order by one thread`
        : `${reader.format} input is read in order by one thread`;
  if (o.collect === undefined && blocks) {
    // CSV / TSV byte blocks or Parquet row groups, merged along one fixed tree (worker threads with
    // workers > 1): the same bits for any number of workers.
    const size = reader.size ?? 0;
    const groups = parquetFile ? reader.rowGroups : undefined;
    await reader.close?.();
    const { evaluateBlocks } = await import('./parallel.js');
    const rowsTotal = groups?.[groups.length - 1]?.[1] ?? 0;
    const job = {
      path: file,
      plan,
      setups,
      format: parquetFile ? ('parquet' as const) : ('csv' as const),
      delimiter: reader.delimiter ?? 44,
      bytesPerRow: rowsTotal > 0 ? size / rowsTotal : 0,
      batchRows: windowRows(plan, o),
      report: o.report === true,
      threshold: o.threshold,
    };
    await evaluateBlocks(acc, job, {
      rowGroups: groups,
      dataStart: reader.dataStart ?? 0,
      size,
      workers,
      onProgress: (bytes, rows) => o.onProgress?.({ rows, bytes, total: size }),
    });
  } else {
    if (reader.format === 'csv' || reader.format === 'tsv') acc.lineBase = -1;
    try {
      for await (const b of reader.batches(plan, windowRows(plan, o))) {
        acc.add(b);
        o.onProgress?.({ rows: acc.rows, bytes: reader.bytesRead?.() ?? 0, total: reader.size ?? null });
      }
    } finally {
      await reader.close?.();
    }
  }
  if (acc.errors.some((e) => e?.at !== undefined)) {
    const { placeErrors } = await import('./parallel.js');
    const text = reader.seekable === true && (reader.format === 'csv' || reader.format === 'tsv');
    await placeErrors(acc, file, text ? (reader.delimiter ?? 44) : null);
  }
  const trace = /^(1|true|yes)$/i.test(process.env.LOSSKIT_EVAL_TRACE ?? '');
  const t1 = Date.now();
  acc.materialize();
  const t2 = Date.now();
  const results = acc.results();
  if (trace)
    process.stderr.write(
      `losskit trace: shared states copied in ${t2 - t1} ms, metrics computed in ${Date.now() - t2} ms\n`,
    );
  return {
    result: {
      file,
      format: reader.format,
      task: plan.task,
      taskNote: plan.taskNote,
      rows: acc.rows,
      labels: plan.labels,
      posLabel: plan.task === 'binary' ? plan.posLabel : null,
      fromLogits: plan.fromLogits,
      columns: plan.used,
      results,
      failed: results.filter((r) => r.error !== undefined).length,
      seconds: (Date.now() - t0) / 1000,
      ...(acc.reportStream !== null ? { report: acc.classificationReport() } : {}),
    },
    state: keepState ? acc.state(file, reader.format) : null,
    ...(acc.collector !== null ? { collected: acc.collector.result() } : {}),
    serial,
  };
}

/** What {@link evaluateFileWithState} returns. */
export interface EvaluationRun {
  result: EvaluationResult;
  state: EvalState | null;
  collected?: CollectedRows;
  /** With `workers > 1`, why the input was read by one thread (not CSV / TSV / Parquet on disk); else null. */
  serial: string | null;
}

export interface NpyPaths {
  yTrue: string;
  yPred: string;
  sampleWeight?: string;
}

/** The `path` argument of {@link evaluateFile}: a non-empty path, or `.npy` paths `{ yTrue, yPred, sampleWeight? }`. */
function checkInputPath(path: unknown): asserts path is string | NpyPaths {
  const bad = (what: string, v: unknown): never => {
    throw new LosskitError(
      'INVALID_INPUT',
      'evaluate',
      `'path' must be a file path ('-' for stdin) or { yTrue, yPred, sampleWeight? } .npy paths; ${what} ${describe(v)}`,
      'path',
    );
  };
  if (typeof path === 'string') {
    if (path === '') bad('received', path);
    return;
  }
  if (path === null || typeof path !== 'object' || Array.isArray(path)) bad('received', path);
  const o = path as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!['yTrue', 'yPred', 'sampleWeight'].includes(k)) bad(`received the field '${k}':`, o[k]);
  for (const k of ['yTrue', 'yPred', 'sampleWeight'])
    if ((k !== 'sampleWeight' || o[k] !== undefined) && (typeof o[k] !== 'string' || o[k] === ''))
      bad(`received ${k}:`, o[k]);
}

/**
 * Evaluates a prediction file (CSV, TSV, NDJSON, JSON, Parquet, Arrow IPC, .npz, gzip of the text
 * formats; `-` is stdin) — or a pair of `.npy` files — streaming, in bounded memory.
 *
 * @example const r = await evaluateFile('preds.csv', { metrics: ['f1', 'auroc'] });
 */
export async function evaluateFile(path: string | NpyPaths, options: EvaluateOptions = {}): Promise<EvaluationResult> {
  return (await evaluateFileWithState(path, options, false)).result;
}

/** {@link evaluateFile} that also returns the metric states (for `--save-state`). */
export async function evaluateFileWithState(
  path: string | NpyPaths,
  options: EvaluateOptions = {},
  keepState = true,
): Promise<EvaluationRun> {
  checkEvaluateOptions(options);
  checkInputPath(path);
  const name = typeof path === 'string' ? (path === '-' ? (options.name ?? '<stdin>') : path) : path.yPred;
  const open =
    typeof path === 'string' ? () => openReader(path, options.format, options.name) : async () => npyFilesReader(path);
  return run(open, name, options, keepState);
}

/** One batch of in-memory predictions for {@link evaluateStream}. */
export interface PredictionBatch {
  yTrue: TensorInput;
  yPred: TensorInput;
  sampleWeight?: TensorInput;
}

/**
 * Evaluates a stream: an async iterable of byte chunks (a file's content, any format) or of
 * `{ yTrue, yPred, sampleWeight? }` batches (typed arrays, nested arrays, tensors — int64
 * `BigInt64Array` labels included). Memory is bounded by the batch and the metric states.
 */
export async function evaluateStream(
  source: AsyncIterable<Uint8Array | string | PredictionBatch>,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  checkEvaluateOptions(options);
  if (source === null || typeof (source as Partial<AsyncIterable<unknown>>)?.[Symbol.asyncIterator] !== 'function')
    throw new LosskitError(
      'INVALID_INPUT',
      'evaluateStream',
      `'source' must be an async iterable of byte chunks or of { yTrue, yPred, sampleWeight? } batches (a stream, an async generator); received ${describe(source)}`,
      'source',
    );
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  const replay = async function* <T>(head: IteratorResult<T>, rest: AsyncIterator<T>): AsyncGenerator<T> {
    if (!head.done) yield head.value;
    for (;;) {
      const r = await rest.next();
      if (r.done) return;
      yield r.value;
    }
  };
  const name = options.name ?? '<stream>';
  if (first.done || typeof first.value === 'string' || first.value instanceof Uint8Array) {
    const bytes = replay(first, it) as AsyncIterable<Uint8Array | string>;
    let used = false;
    const open = async () => {
      if (used) throw new PlanError('the stream can be read once');
      used = true;
      return openReader(bytes, options.format, name);
    };
    return (await run(open, name, options, false)).result;
  }
  // Batches of arrays: converted with tensor() (int64 included) and streamed as columns.
  const toCols = (b: PredictionBatch, i: number) => {
    if (b === null || typeof b !== 'object' || !('yTrue' in b) || !('yPred' in b))
      throw new LosskitError(
        'INVALID_INPUT',
        'evaluateStream',
        `batch ${i} must be { yTrue, yPred, sampleWeight? }`,
        'source',
      );
    const extra = Object.keys(b).filter((k) => !['yTrue', 'yPred', 'sampleWeight'].includes(k));
    if (extra.length)
      throw new LosskitError(
        'INVALID_INPUT',
        'evaluateStream',
        `batch ${i} has unknown key ${JSON.stringify(extra[0])}`,
        'source',
      );
    const t = tensor(b.yTrue, undefined, 'evaluateStream', 'yTrue');
    const p = tensor(b.yPred, undefined, 'evaluateStream', 'yPred');
    const w = b.sampleWeight === undefined ? null : tensor(b.sampleWeight, undefined, 'evaluateStream', 'sampleWeight');
    return { t, p, w };
  };
  const firstCols = toCols(first.value as PredictionBatch, 0);
  const n0 = firstCols.t.shape[0] ?? 1;
  const widthOf = (s: readonly number[]) => (s.length > 1 ? s.slice(1).reduce((a, b) => a * b, 1) : 1);
  const tw = widthOf(firstCols.t.shape);
  const pw = widthOf(firstCols.p.shape);
  const lines: string[] = ['y_true,y_pred' + (firstCols.w ? ',sample_weight' : '')];
  void lines;
  const schema = [
    { name: 'y_true', width: tw },
    { name: 'y_pred', width: pw },
    ...(firstCols.w ? [{ name: 'sample_weight', width: 1 }] : []),
  ];
  const arrays = async function* () {
    let i = 0;
    for await (const b of replay(first as IteratorResult<PredictionBatch>, it as AsyncIterator<PredictionBatch>)) {
      const c = i === 0 ? firstCols : toCols(b, i);
      const n = c.t.shape.length > 0 ? c.t.shape[0] : 1;
      if (c.p.data.length !== n * pw || c.t.data.length !== n * tw)
        throw new LosskitError(
          'SHAPE_MISMATCH',
          'evaluateStream',
          `batch ${i}: yTrue has ${n} rows of ${tw} and yPred ${c.p.data.length} values; expected ${n * pw}`,
          'yPred',
        );
      i++;
      yield {
        n,
        cols: [Float64Array.from(c.t.data), Float64Array.from(c.p.data), ...(c.w ? [Float64Array.from(c.w.data)] : [])],
      };
    }
  };
  void n0;
  const { columnReader } = await import('./readers.js');
  const open = async () => columnReader(name, schema, arrays());
  return (await run(open, name, options, false)).result;
}

/** Merges saved states (`eval --save-state` of each shard) and computes the metrics of all shards together. */
export function mergeStates(given: EvalState[], names: string[]): { result: EvaluationResult; state: EvalState } {
  if (!Array.isArray(given))
    throw new LosskitError(
      'INVALID_INPUT',
      'merge',
      `'states' must be an array of states; received ${describe(given)}`,
      'states',
    );
  if (!Array.isArray(names) || names.length !== given.length || names.some((n) => typeof n !== 'string'))
    throw new LosskitError(
      'INVALID_INPUT',
      'merge',
      `'names' must be an array of ${given.length} strings (one per state); received ${describe(names)}`,
      'names',
    );
  if (given.length === 0) throw new LosskitError('EMPTY_INPUT', 'merge', 'no state files', 'files');
  // Untrusted input: each state's shape first (its metric states are checked when restored).
  given.forEach((s, i) =>
    checkEvalState(s, (why) => new EvalInputError(names[i], `not a valid losskit state: ${why}`)),
  );
  const states = unifyLabels(given, names); // text labels: to the sorted union when exact
  const t0 = Date.now();
  const base = states[0];
  const key = (s: EvalState) =>
    JSON.stringify({
      task: s.plan.task,
      labels: s.plan.labels,
      n: s.plan.numClasses,
      pos: s.plan.posLabel,
      m: s.metrics.map((m) => [m.metric, m.settings]),
    });
  const setups = base.metrics.map((m) => ({
    metric: m.metric,
    options: (m.state?.options ?? {}) as MetricOptions,
    settings: m.settings,
  }));
  const acc = new Accumulator(base.plan, setups);
  states.forEach((s, i) => {
    if (key(s) !== key(base))
      throw new EvalInputError(
        names[i],
        `this state was made with other settings than ${names[0]} (task, labels, metrics or their options differ); merge only shards of one evaluation`,
      );
    try {
      acc.merge(s);
    } catch (e) {
      if (e instanceof LosskitError) throw new EvalInputError(names[i], e.message);
      throw e;
    }
  });
  const results = acc.results();
  return {
    result: {
      file: names.join(' + '),
      format: base.format,
      task: base.plan.task,
      taskNote: base.plan.taskNote,
      rows: acc.rows,
      labels: base.plan.labels,
      posLabel: base.plan.task === 'binary' ? base.plan.posLabel : null,
      fromLogits: base.plan.fromLogits,
      columns: base.plan.used,
      results,
      failed: results.filter((r) => r.error !== undefined).length,
      seconds: (Date.now() - t0) / 1000,
      ...(acc.reportStream !== null ? { report: acc.classificationReport() } : {}),
    },
    state: acc.state(names.join(' + '), base.format),
  };
}

/** Reads a state file written by `--save-state`. */
export function parseState(text: string, name: string): EvalState {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new EvalInputError(name, `not a losskit state file (${(e as Error).message})`);
  }
  if (j === null || typeof j !== 'object' || (j as Partial<EvalState>).losskitEvalState !== 1)
    throw new EvalInputError(name, 'not a losskit state file (written by losskit eval --save-state)');
  return j as EvalState;
}
