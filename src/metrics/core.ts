/**
 * The streaming-metric machinery: a metric is a {@link MetricSpec} over its own typed state —
 * an empty state (`init`), the serialised fields with their kinds and merge rules (`fields`), an
 * `update` (batch → state), a `compute` (state → value) — run by the small {@link Metric}
 * class. The one-shot functions (`f1(yTrue, yPred, options)`) run the
 * same spec over one batch, so streaming and one-shot results cannot drift apart.
 *
 * States are exact: merging the states of shards equals updating one metric with all the data,
 * and `toJSON` / `restoreMetric` round-trip every float64 bit. A config fingerprint stops
 * states of different metrics or options from being merged.
 */
import { LosskitError, describe, fmtShape } from '../errors.js';
import type { Tensor, TensorInput } from '../tensor.js';
import { broadcastShapes, broadcastTo, sizeOf, tensor } from '../tensor.js';
import { checkFinite, checkOptionNames, checkShapeOf } from '../validate.js';
import type { JsonNumber } from '../json-number.js';
import { decodeNumber, encodeNumber } from '../json-number.js';

/** A growable float64 list: the state field of metrics that keep values (histograms, Spearman). */
/** The storage of every empty list (never written: a list allocates on its first append). */
const NO_VALUES = new Float64Array(0);

export class F64List {
  data: Float64Array;
  length: number;
  /** An empty list; `capacity` slots are reserved (none by default: allocated on the first append). */
  constructor(capacity = 0) {
    this.data = capacity > 0 ? new Float64Array(capacity) : NO_VALUES;
    this.length = 0;
  }
  static from(values: ArrayLike<number>): F64List {
    const l = new F64List(values.length);
    l.append(values);
    return l;
  }
  /** A list over `values` itself (no copy: the list owns the array from now on). */
  static wrap(values: Float64Array): F64List {
    const l = new F64List();
    l.data = values;
    l.length = values.length;
    return l;
  }
  private reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    let cap = Math.max(16, this.data.length * 2);
    while (cap < need) cap *= 2;
    const d = new Float64Array(cap);
    d.set(this.data.subarray(0, this.length));
    this.data = d;
  }
  push(v: number): void {
    this.reserve(1);
    this.data[this.length++] = v;
  }
  append(values: ArrayLike<number>): void {
    this.reserve(values.length);
    if (values instanceof Float64Array || values instanceof Float32Array) this.data.set(values, this.length);
    else for (let i = 0; i < values.length; i++) this.data[this.length + i] = values[i];
    this.length += values.length;
  }
  /** A view of the values (no copy). */
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

export type FieldValue = number | Float64Array | F64List;

/**
 * A state's fields by their JSON names (the flat view `toJSON` writes). Specs work on their own
 * typed state (`MetricSpec<Config, State>`); this is only the serialised layout.
 */
export type MetricState = Record<string, FieldValue>;

/**
 * How a field merges: `'sum'` (numbers or element-wise arrays, done by {@link Metric.merge}) or
 * `'custom'` (merged by the spec's `mergeCustom`, e.g. moments with Chan's formula, or sorted
 * distinct-score histograms).
 */
export type MergeRule = 'sum' | 'custom';

/**
 * What a field's values may be, checked when a state is restored:
 * - `'any'`: any number, NaN and ±Infinity included (float sums of data that may overflow:
 *   moments, sums of cosines or losses); `'finite'`: a finite number (a data value, a score);
 * - `'nonneg'`: >= 0 (+Infinity allowed); `'nonnegOrNaN'`: >= 0 or NaN (a sum of non-negative
 *   terms that may overflow, or hold an undefined term);
 * - `'count'`: finite and >= 0 (weights, weighted counts); `'index'`: a non-negative integer.
 */
export type FieldValues = 'any' | 'finite' | 'nonneg' | 'count' | 'index' | 'nonnegOrNaN';

const VALUES_TEXT: Record<FieldValues, string> = {
  any: 'numbers',
  finite: 'finite numbers',
  nonneg: 'numbers >= 0',
  count: 'finite numbers >= 0',
  index: 'non-negative integers',
  nonnegOrNaN: 'numbers >= 0 (or NaN)',
};

/** Whether `v` is allowed in a field of domain `d`. */
export function valueAllowed(v: number, d: FieldValues): boolean {
  switch (d) {
    case 'any':
      return true;
    case 'finite':
      return Number.isFinite(v);
    case 'nonneg':
      return v >= 0;
    case 'count':
      return v >= 0 && v < Infinity;
    case 'index':
      return Number.isSafeInteger(v) && v >= 0;
    case 'nonnegOrNaN':
      return v !== v || v >= 0;
  }
}

interface FieldBase {
  /** The field's name in the serialised state. */
  key: string;
  rule: MergeRule;
  /** What the values may be (checked on restore). */
  values: FieldValues;
}

/** A number field of state `S`. */
export interface NumField<S> extends FieldBase {
  kind: 'num';
  /** The value is a length of the state's arrays (checked against them by the spec's `check`). */
  size?: boolean;
  get(s: S): number;
  set(s: S, v: number): void;
}

/** A float64 array field of state `S`. */
export interface F64Field<S> extends FieldBase {
  kind: 'f64';
  /** The length the config implies, when it does (otherwise the spec's `check` relates the lengths). */
  length?: number;
  /**
   * The length is data that no other field records (the number of outputs of a single-array
   * regression state): a state of another length is another valid state, not a corrupt one.
   */
  freeLength?: boolean;
  get(s: S): Float64Array;
  set(s: S, v: Float64Array): void;
}

/** A growable float64 list field of state `S`. */
export interface ListField<S> extends FieldBase {
  kind: 'list';
  get(s: S): F64List;
  set(s: S, v: F64List): void;
}

/**
 * One serialised field of a typed state `S`: its JSON name, kind, merge rule and typed
 * accessors. `toJSON`, `restoreMetric`, `clone` and the `'sum'` merge are written once over
 * these declarations.
 */
export type FieldSpec<S = object> = NumField<S> | F64Field<S> | ListField<S>;

/** A `'sum'` (default) or `'custom'` number field stored under `key` of the state. */
export function numField<K extends string>(
  key: K,
  values: FieldValues,
  rule: MergeRule = 'sum',
): NumField<Record<K, number>> {
  return {
    key,
    kind: 'num',
    rule,
    values,
    get: (s) => s[key],
    set: (s, v) => {
      s[key] = v;
    },
  };
}

/** A float64 array field stored under `key` of the state, of `length` entries when the config fixes it. */
export function f64Field<K extends string>(
  key: K,
  values: FieldValues,
  length?: number,
  rule: MergeRule = 'sum',
): F64Field<Record<K, Float64Array>> {
  return {
    key,
    kind: 'f64',
    rule,
    values,
    ...(length === undefined ? {} : { length }),
    get: (s) => s[key],
    set: (s, v) => {
      s[key] = v;
    },
  };
}

/** A list field stored under `key` of the state (merged by the spec). */
export function listField<K extends string>(key: K, values: FieldValues): ListField<Record<K, F64List>> {
  return {
    key,
    kind: 'list',
    rule: 'custom',
    values,
    get: (s) => s[key],
    set: (s, v) => {
      s[key] = v;
    },
  };
}

/**
 * The result of `compute()`. Curves return named arrays (one curve), or named arrays of
 * per-class arrays (`rocCurve` with `average: 'none'`: `{ fpr: number[][], … }`).
 */
export type MetricValue = number | number[] | number[][] | { [key: string]: number[] } | { [key: string]: number[][] };

/** Options of every metric (each metric accepts the ones it documents). */
export interface MetricOptions {
  task?: 'binary' | 'multiclass' | 'multilabel' | 'regression';
  numClasses?: number;
  numLabels?: number;
  average?: 'micro' | 'macro' | 'weighted' | 'samples' | 'none' | 'binary';
  /** Binary / multilabel decision threshold (default 0.5); the Keras confusion metrics' one threshold. */
  threshold?: number;
  /** Top-k accuracy's k; the Keras confusion metrics: keep each row's k largest scores (Keras `top_k`). */
  topK?: number;
  /** F-β's β ≥ 0 (`Infinity`: the recall, scikit-learn `beta=np.inf`; `'Infinity'` in serialised options). */
  beta?: number | 'Infinity';
  /** Regression: per-output values averaged, returned, or weighted by variance; `'pooled'`
   * (rootMeanSquaredError only): every element pooled before the root, as Keras. */
  multioutput?: 'uniformAverage' | 'rawValues' | 'varianceWeighted' | 'pooled' | number[];
  /** `r2Score` / `explainedVariance`: scikit-learn `force_finite` (default true); false gives the
   * plain formula's `NaN` / `−∞` for constant targets. */
  forceFinite?: boolean;
  /** `r2Score`: adjusted R² for this many regressors (Keras `R2Score(num_regressors)`; default 0). */
  numRegressors?: number;
  zeroDivision?: number;
  fromLogits?: boolean;
  ignoreIndex?: number;
  /** Cohen's kappa weighting. */
  weights?: 'none' | 'linear' | 'quadratic';
  /** Calibration error norm. */
  norm?: 'l1' | 'l2' | 'max';
  nBins?: number;
  /** AUROC / AP / curves: omit for the exact computation, or a number of bins (Keras AUC style).
   * `binnedAuc` (Keras `AUC`): the number of thresholds, or the list of thresholds in [0, 1].
   * Keras confusion counts / `precisionAtThresholds` / `recallAtThresholds`: a list in [0, 1] (one
   * result each); `sensitivityAtSpecificity` & co.: the number of thresholds (default 200). */
  thresholds?: number | number[];
  /** `binnedAuc`: the curve, Keras `curve` (`'ROC'`, `'PR'`, `'PRGAIN'`). */
  curve?: 'ROC' | 'PR' | 'PRGAIN';
  /** `binnedAuc`: Keras `summation_method`. */
  summationMethod?: 'interpolation' | 'minoring' | 'majoring';
  /** `binnedAuc`: one curve per label, averaged (Keras `multi_label`). */
  multiLabel?: boolean;
  /** `binnedAuc`: per-label weights (Keras `label_weights`). */
  labelWeights?: number[];
  /** Keras confusion metrics (`truePositives`, `precisionAtThresholds`, `sensitivityAtSpecificity`, …):
   * score only this column of the last axis (Keras `class_id`). */
  classId?: number;
  /** `sensitivityAtSpecificity`: the specificity to reach (Keras `specificity`). */
  specificity?: number;
  /** `specificityAtSensitivity`: the sensitivity to reach (Keras `sensitivity`). */
  sensitivity?: number;
  /** `precisionAtRecall`: the recall to reach (Keras `recall`). */
  recall?: number;
  /** `recallAtPrecision`: the precision to reach (Keras `precision`). */
  precision?: number;
  /** `topKAccuracy`: `yPred [N, m]` holds class ids sorted by score, best first (Keras
   * `SparseTopKCategoricalAccuracy(from_sorted_ids=True)`). */
  fromSortedIds?: boolean;
  /** AUROC: partial AUC up to this false-positive rate, McClish-corrected (scikit-learn `max_fpr`). */
  maxFpr?: number;
  /** ROC curve: drop collinear points (scikit-learn `drop_intermediate`, default true). */
  dropIntermediate?: boolean;
  /** Multiclass AUROC: one-vs-rest (default) or one-vs-one (Hand & Till), scikit-learn `multi_class`. */
  multiClass?: 'ovr' | 'ovo';
  posLabel?: number;
  eps?: number | 'auto';
  /** Binary/multiclass labels (for logLoss / confusionMatrix) when not 0..C-1; multilabel
   * classification metrics: the label columns to score. */
  labels?: number[];
  /** Classification: multiclass `labels` may select a subset of the classes (scikit-learn); other
   * values then count as outside every listed class instead of being an error. */
  labelsSubset?: boolean;
  /** Multilabel classification: each row's largest score(s) are the positive predictions (Keras
   * `FBetaScore(threshold=None)`; ties all count, a row of zeros predicts nothing). */
  rowMax?: boolean;
  /** Normalisation of the confusion matrix. */
  normalize?: 'true' | 'pred' | 'all' | 'none';
  /** Loss metrics: the loss's own options. */
  lossOptions?: Record<string, unknown>;
  /** Loss metrics: the loss name (any `getLoss` spelling). */
  loss?: string;
  /** `meanAbsolutePercentageError`: report a percentage (×100, Keras `mape`) instead of a fraction. */
  percent?: boolean;
  /** Multiclass: one-hot `yTrue` of `yPred`'s shape, classes along the last axis (Keras `categorical_accuracy`). */
  oneHot?: boolean;
  /** `meanPinballLoss`: the quantile α in [0, 1] (default 0.5, scikit-learn `alpha`). */
  alpha?: number;
  /** `cosineSimilarity`: reduce the per-sample values by their weighted `'mean'` or `'sum'` (torchmetrics). */
  reduction?: 'mean' | 'sum';
  /** One-shot functions only: per-sample weights. */
  sampleWeight?: TensorInput;
}

export interface UpdateOptions {
  /** Per-sample weights, shape `[N]` or `[N, 1]` (or a number); per-element weights (a shape that
   * broadcasts to `yTrue`'s) for the metrics that document them. */
  sampleWeight?: TensorInput;
}

/**
 * A metric's definition over its own typed state `S`: config resolution, the empty state, the
 * serialised fields, update, merge, compute (returning `V`).
 */
export interface MetricSpec<C extends object = object, S extends object = object, V = MetricValue> {
  name: string;
  /** Option names accepted (besides `sampleWeight` for one-shot calls). */
  optionNames: readonly string[];
  /** Validates the options and returns the normalised, JSON-safe config. */
  config(options: MetricOptions, fn: string): C;
  /** Optional: a JSON-safe copy of the options (e.g. typed arrays → plain arrays), which the
   * metric keeps and `toJSON` writes. Default: a shallow copy. */
  normalizeOptions?(options: MetricOptions, fn: string): MetricOptions;
  /** The empty state (it may also hold scratch buffers that are not fields: they are the instance's own). */
  init(config: C): S;
  /** The serialised fields of the state, in JSON order. */
  fields(config: C): readonly FieldSpec<S>[];
  /**
   * True when `update` also takes one weight per element of `yTrue` (`sampleWeight.length ===
   * yTrue.size`, Keras per-element weights); otherwise weights are always one per sample.
   */
  elementWeights?: boolean;
  /** Adds a batch to the state. `sampleWeight` is `null`, one weight per sample (`yTrue.shape[0]`),
   * or (specs with `elementWeights`) one per element of `yTrue`. */
  update(state: S, yTrue: Tensor, yPred: Tensor, sampleWeight: Float64Array | null, config: C, fn: string): void;
  /** Merges the `'custom'` fields of `b` into `a` (after the `'sum'` fields). */
  mergeCustom?(a: S, b: S, config: C, fn: string): void;
  compute(state: S, config: C): V;
  /**
   * Checks a restored state beyond its fields' kinds, lengths and values (lengths that must
   * agree, sorted keys, …): `null` when consistent, else what is wrong, naming the fields.
   */
  check?(state: S, config: C): string | null;
  /**
   * Optional, for evaluation engines: a key such that metrics (of any spec) whose configs give
   * the same non-null key have the same serialised fields and build the same state, bit for bit,
   * from the same batches (e.g. `accuracy` and `f1` over one stat-score state; `auroc` and
   * `averagePrecision` over one score histogram). One of them may then be updated and its state
   * copied to the others ({@link Metric.adoptState}). The key must name the state family.
   */
  shareKey?(config: C): string | null;
  /**
   * Optional, for evaluation engines: true when, without sample weights, every update adds only
   * integer counts (below 2⁵³) to the state and merges are exact sums or sorted merges, so states
   * merged in any order give the same bits (no floating-point rounding anywhere).
   */
  countState?(config: C): boolean;
}

/** The largest array a metric state may declare: 2²⁷ float64 entries (1 GiB). */
export const MAX_STATE_ENTRIES = 2 ** 27;

/** Bytes as `1.5 GiB`, `12 MiB`, … */
export function fmtBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toPrecision(3)} ${units[u]}`;
}

/**
 * Refuses an option whose state would be too large: `entries` float64 values (for `what`, e.g.
 * "a 100000 × 100000 confusion matrix") against {@link MAX_STATE_ENTRIES}.
 */
export function checkStateSize(fn: string, option: string, entries: number, what: string): void {
  if (entries <= MAX_STATE_ENTRIES) return;
  throw new LosskitError(
    'OUT_OF_RANGE',
    fn,
    `option '${option}' needs ${what}: ${entries} float64 entries (${fmtBytes(entries * 8)}); the limit is ${MAX_STATE_ENTRIES} entries (${fmtBytes(MAX_STATE_ENTRIES * 8)}) per state array`,
    option,
  );
}

/**
 * Checks a metric's options exactly as the losses do (`checkOptionNames`: an object, known
 * names; `null` / `undefined` mean none) and returns them as an object.
 */
export function metricOptions(
  fn: string,
  options: MetricOptions | null | undefined,
  allowed: readonly string[],
): MetricOptions {
  checkOptionNames(fn, options ?? undefined, allowed);
  return options === undefined || options === null ? {} : { ...options };
}

/** Canonical JSON of a config (sorted keys) — the fingerprint of a metric state. */
function fingerprint(name: string, config: object): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v !== null && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) o[k] = canon(Reflect.get(v, k));
      return o;
    }
    return v;
  };
  return JSON.stringify({ metric: name, config: canon(config) });
}

export type FieldJSON = JsonNumber | { f64: JsonNumber[] } | { list: JsonNumber[] };

/** Serialised metric: plain JSON, exact (numbers print with round-trip precision). */
export interface MetricJSON {
  losskitMetric: 1;
  metric: string;
  options: MetricOptions;
  fingerprint: string;
  state: Record<string, FieldJSON>;
}

/**
 * @internal A state on its way between threads: {@link MetricJSON} with the arrays as
 * `Float64Array`s (moved in a transfer list, not encoded number by number);
 * `restoreTransfer` reads it back with the same checks as `restoreMetric`.
 */
export interface MetricTransfer {
  losskitMetric: 1;
  metric: string;
  options: MetricOptions;
  fingerprint: string;
  state: Record<string, number | { f64: Float64Array } | { list: Float64Array }>;
}

function encodeArray(a: Float64Array): JsonNumber[] {
  const out = new Array<JsonNumber>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = encodeNumber(a[i]);
  return out;
}

function encodeField<S>(f: FieldSpec<S>, s: S): FieldJSON {
  switch (f.kind) {
    case 'num':
      return encodeNumber(f.get(s));
    case 'f64':
      return { f64: encodeArray(f.get(s)) };
    case 'list':
      return { list: encodeArray(f.get(s).view()) };
  }
}

function badState(where: string, what: string): never {
  throw new LosskitError('INVALID_INPUT', 'restoreMetric', `'${where}' ${what}`, 'json');
}

function decodeValue<S>(f: FieldSpec<S>, v: unknown, where: string): number {
  const x = decodeNumber(v);
  if (x === undefined || !valueAllowed(x, f.values))
    badState(where, `must hold ${VALUES_TEXT[f.values]}; received ${describe(v)}`);
  return x;
}

/** The array of `{ [tag]: [...] }`, checked (kind, then length) before anything is allocated. */
function decodeArray<S>(f: FieldSpec<S>, j: unknown, tag: 'f64' | 'list', where: string): Float64Array {
  const form = `{"${tag}": [numbers]}`;
  if (j === null || typeof j !== 'object' || Array.isArray(j))
    badState(where, `must be ${form} (a ${f.kind} field); received ${describe(j)}`);
  const keys = Object.keys(j);
  if (keys.length !== 1 || keys[0] !== tag)
    badState(where, `must be ${form} (a ${f.kind} field); received an object with keys ${describe(keys.join(', '))}`);
  const a: unknown = Reflect.get(j, tag);
  const transferred = a instanceof Float64Array;
  if (!transferred && !Array.isArray(a))
    badState(`${where}.${tag}`, `must be an array of numbers; received ${describe(a)}`);
  if (f.kind === 'f64' && f.length !== undefined && a.length !== f.length)
    badState(
      `${where}.${tag}`,
      `must have ${f.length} entries (implied by the metric's options); received ${a.length}`,
    );
  if (transferred) {
    // A state moved between threads ({@link Metric.toTransfer}): checked, then adopted as is.
    for (let i = 0; i < a.length; i++)
      if (!valueAllowed(a[i], f.values))
        badState(`${where}.${tag}[${i}]`, `must hold ${VALUES_TEXT[f.values]}; received ${a[i]}`);
    return a;
  }
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = decodeValue(f, a[i], `${where}.${tag}[${i}]`);
  return out;
}

/** Decodes and checks one field (kind, length, values) into `s`. */
function decodeField<S>(f: FieldSpec<S>, s: S, j: unknown): void {
  const where = `json.state.${f.key}`;
  switch (f.kind) {
    case 'num':
      if (j !== null && typeof j === 'object')
        badState(where, `must be a number (a num field); received ${describe(j)}`);
      f.set(s, decodeValue(f, j, where));
      return;
    case 'f64':
      f.set(s, decodeArray(f, j, 'f64', where));
      return;
    case 'list':
      f.set(s, F64List.wrap(decodeArray(f, j, 'list', where)));
      return;
  }
}

function copyField<S>(f: FieldSpec<S>, from: S, to: S): void {
  switch (f.kind) {
    case 'num':
      f.set(to, f.get(from));
      return;
    case 'f64':
      f.set(to, Float64Array.from(f.get(from)));
      return;
    case 'list':
      f.set(to, F64List.from(f.get(from).view()));
      return;
  }
}

/**
 * A streaming metric: `update` any number of times, `compute` the exact value over everything
 * seen, `merge` another shard, `toJSON` / `restoreMetric` to move it between processes.
 */
export class Metric<C extends object = object, S extends object = object, V = MetricValue> {
  readonly name: string;
  readonly options: MetricOptions;
  readonly config: C;
  readonly fingerprint: string;
  private readonly spec: MetricSpec<C, S, V>;
  private fieldList: readonly FieldSpec<S>[] | null = null;
  private state: S;

  constructor(spec: MetricSpec<C, S, V>, options: MetricOptions | null = {}, name?: string) {
    checkShapeOf('Metric', 'spec', spec, "a metric spec (use getMetric(name, options) for the catalog's metrics)", {
      name: 'string',
      optionNames: 'array',
      config: 'function',
      init: 'function',
      fields: 'function',
      update: 'function',
      compute: 'function',
    });
    name ??= spec.name;
    const o = metricOptions(name, options, spec.optionNames);
    this.name = name;
    this.spec = spec;
    this.options = spec.normalizeOptions ? spec.normalizeOptions(o, name) : o;
    this.config = spec.config(o, name);
    this.fingerprint = fingerprint(spec.name, this.config);
    this.state = spec.init(this.config);
  }

  /**
   * The declared state fields: JSON name, kind (`'num'`, `'f64'`, `'list'`), value domain, and
   * the length the options imply (`length`), whether a number is a length of the other fields
   * (`size`), or whether an array's length is free data (`freeLength`). `restoreMetric` checks
   * a state against exactly this.
   */
  stateSchema(): {
    key: string;
    kind: 'num' | 'f64' | 'list';
    values: FieldValues;
    length?: number;
    size?: boolean;
    freeLength?: boolean;
  }[] {
    return this.fields().map((f) => {
      const base = { key: f.key, kind: f.kind, values: f.values };
      if (f.kind === 'num') return f.size ? { ...base, size: true } : base;
      if (f.kind === 'f64')
        return {
          ...base,
          ...(f.length !== undefined ? { length: f.length } : {}),
          ...(f.freeLength ? { freeLength: true } : {}),
        };
      return base;
    });
  }

  /** The serialised fields (declared once per instance, on first use). */
  private fields(): readonly FieldSpec<S>[] {
    if (this.fieldList === null) this.fieldList = this.spec.fields(this.config);
    return this.fieldList;
  }

  /**
   * Adds a batch. `yTrue` / `yPred` as the metric documents; `sampleWeight` one per sample. An
   * empty batch (no values in `yTrue` nor `yPred`) changes nothing, so a loop whose last batch
   * is empty needs no special case.
   */
  update(yTrue: TensorInput, yPred: TensorInput, options: UpdateOptions | null = {}): this {
    return this.add(yTrue, yPred, options, true);
  }

  /** @internal The one-shot path: as `update`, but an empty batch is an `EMPTY_INPUT` error. */
  updateOnce(yTrue: TensorInput, yPred: TensorInput, options: UpdateOptions): this {
    return this.add(yTrue, yPred, options, false);
  }

  private add(yTrue: TensorInput, yPred: TensorInput, options: UpdateOptions | null, emptyIsNoop: boolean): this {
    checkOptionNames(this.name, options ?? undefined, ['sampleWeight']);
    const sampleWeight = options?.sampleWeight;
    const yt = tensor(yTrue, undefined, this.name, 'yTrue');
    const yp = tensor(yPred, undefined, this.name, 'yPred');
    const w = sampleWeight === undefined ? null : this.weights(sampleWeight, yt);
    if (emptyIsNoop && yt.data.length === 0 && yp.data.length === 0) return this;
    this.spec.update(this.state, yt, yp, w, this.config, this.name);
    return this;
  }

  /**
   * Resolves `sampleWeight` against `yTrue`: a number, `[N]` or `[N, 1]` (one weight per sample,
   * the layout every loss accepts), or, for metrics whose spec takes per-element weights, a
   * shape that broadcasts to `yTrue`'s (Keras's per-element weights, e.g. `[N, C]` or `[1, C]`).
   */
  private weights(sampleWeight: TensorInput, yt: Tensor): Float64Array {
    const n = yt.shape.length > 0 ? yt.shape[0] : 1;
    const sw = tensor(sampleWeight, undefined, this.name, 'sampleWeight');
    checkFinite(this.name, 'sampleWeight', sw);
    const ss = sw.shape;
    let w: Float64Array;
    if (sw.data.length === 1 && ss.length <= 1 && n !== 1) w = new Float64Array(n).fill(sw.data[0]);
    else if (ss.length >= 1 && ss[0] === n && ss.slice(1).every((d) => d === 1)) w = Float64Array.from(sw.data);
    else if (
      this.spec.elementWeights === true &&
      yt.shape.length >= 2 &&
      broadcastShapes(ss, yt.shape)?.join() === yt.shape.join()
    )
      w = broadcastTo(sw.data, ss, yt.shape);
    else
      throw new LosskitError(
        'SHAPE_MISMATCH',
        this.name,
        `'sampleWeight' has shape ${fmtShape(ss)} but 'yTrue' has ${n} samples (shape ${fmtShape(yt.shape)}); expected [${n}] or [${n}, 1] (one weight per sample) or a number${this.spec.elementWeights === true ? `, or one weight per element (a shape that broadcasts to ${fmtShape(yt.shape)})` : ''}`,
        'sampleWeight',
      );
    let total = 0;
    for (let i = 0; i < w.length; i++) {
      if (w[i] < 0)
        throw new LosskitError(
          'OUT_OF_RANGE',
          this.name,
          `'sampleWeight' must be >= 0; received ${w[i]} at index [${i}]`,
          'sampleWeight',
        );
      total += w[i];
    }
    if (total === Infinity)
      throw new LosskitError(
        'OUT_OF_RANGE',
        this.name,
        `'sampleWeight' must have a finite sum; the weights of this batch sum to more than ${Number.MAX_VALUE} (dividing every weight by the same number leaves a weighted metric unchanged)`,
        'sampleWeight',
      );
    return w;
  }

  /** The metric over everything seen so far (the state is not changed). */
  compute(): V {
    return this.spec.compute(this.state, this.config);
  }

  /** Merges `other` (same metric, same options) into this one: as if updated with its data. */
  merge(other: Metric<C, S, unknown>): this {
    if (!(other instanceof Metric) || other.fingerprint !== this.fingerprint) {
      throw new LosskitError(
        'INCOMPATIBLE_STATE',
        this.name,
        `cannot merge: 'other' must be the same metric with the same options (${this.fingerprint}); received ${other instanceof Metric ? other.fingerprint : describe(other)}`,
        'other',
      );
    }
    const a = this.state;
    const b = other.state;
    for (const f of this.fields()) {
      if (f.rule !== 'sum') continue;
      if (f.kind === 'num') f.set(a, f.get(a) + f.get(b));
      else if (f.kind === 'f64') {
        const av = f.get(a);
        const bv = f.get(b);
        // A shard that saw no data may still have an unsized (length-0) array.
        if (av.length === 0) f.set(a, Float64Array.from(bv));
        else if (bv.length !== 0 && bv.length !== av.length) {
          throw new LosskitError(
            'INCOMPATIBLE_STATE',
            this.name,
            `cannot merge: state field '${f.key}' has ${av.length} entries here but ${bv.length} in 'other' (different numbers of outputs or classes)`,
            'other',
          );
        } else for (let i = 0; i < bv.length; i++) av[i] += bv[i];
      }
    }
    this.spec.mergeCustom?.(a, b, this.config, this.name);
    return this;
  }

  /** @internal The spec's {@link MetricSpec.shareKey} of this metric's config (null: none). */
  shareKey(): string | null {
    return this.spec.shareKey?.(this.config) ?? null;
  }

  /**
   * @internal Whether states of this metric merge exactly in any order: unweighted, a
   * {@link MetricSpec.countState} state.
   */
  orderFree(weighted: boolean): boolean {
    return !weighted && this.spec.countState?.(this.config) === true;
  }

  /**
   * @internal Replaces this metric's state by a copy of the state of `from`, a metric with the
   * same {@link shareKey} (so the same serialised fields). `from` is unchanged.
   */
  adoptState(from: Metric<object, object, unknown>): this {
    const key = this.shareKey();
    if (key === null || key !== from.shareKey())
      throw new LosskitError(
        'INCOMPATIBLE_STATE',
        this.name,
        `cannot adopt the state of '${from.name}': the metrics do not share a state`,
        'from',
      );
    const theirs = new Map(from.fields().map((f) => [f.key, f]));
    const s = this.spec.init(this.config);
    for (const f of this.fields()) {
      const g = theirs.get(f.key);
      if (f.kind === 'num' && g?.kind === 'num') f.set(s, g.get(from.state));
      else if (f.kind === 'f64' && g?.kind === 'f64') f.set(s, Float64Array.from(g.get(from.state)));
      else if (f.kind === 'list' && g?.kind === 'list') f.set(s, F64List.from(g.get(from.state).view()));
      else
        throw new Error(
          `losskit internal: '${from.name}' has no ${f.kind} field '${f.key}' to share with '${this.name}'`,
        );
    }
    this.state = s;
    return this;
  }

  /** Back to the empty state. */
  reset(): this {
    this.state = this.spec.init(this.config);
    return this;
  }

  /** A deep copy. */
  clone(): Metric<C, S, V> {
    const m = new Metric(this.spec, this.options, this.name);
    for (const f of this.fields()) copyField(f, this.state, m.state);
    return m;
  }

  /** Exact, JSON-safe serialisation; {@link restoreMetric} reads it back. */
  toJSON(): MetricJSON {
    const state: Record<string, FieldJSON> = {};
    for (const f of this.fields()) state[f.key] = encodeField(f, this.state);
    return { losskitMetric: 1, metric: this.name, options: this.options, fingerprint: this.fingerprint, state };
  }

  /**
   * @internal The state with its arrays copied into `Float64Array`s whose buffers are pushed on
   * `transfer` (for `postMessage(value, transfer)`): exact, and no per-number encoding.
   */
  toTransfer(transfer: ArrayBuffer[]): MetricTransfer {
    const state: MetricTransfer['state'] = {};
    for (const f of this.fields()) {
      if (f.kind === 'num') {
        state[f.key] = f.get(this.state);
        continue;
      }
      const a = (f.kind === 'f64' ? f.get(this.state) : f.get(this.state).view()).slice();
      if (a.buffer instanceof ArrayBuffer) transfer.push(a.buffer);
      state[f.key] = f.kind === 'f64' ? { f64: a } : { list: a };
    }
    return { losskitMetric: 1, metric: this.name, options: this.options, fingerprint: this.fingerprint, state };
  }

  /**
   * @internal Restores a serialised state (used by `restoreMetric`): the fingerprint must match
   * this metric's config (`INCOMPATIBLE_STATE`), and every declared field must be present, of
   * its kind, length and value domain, with no unknown field and the spec's consistency check
   * passing (`INVALID_INPUT` naming the field). Nothing is changed unless all of it holds.
   */
  loadState(fingerprint: unknown, state: unknown): this {
    if (fingerprint !== this.fingerprint) {
      throw new LosskitError(
        'INCOMPATIBLE_STATE',
        'restoreMetric',
        `'json.fingerprint' ${describe(fingerprint)} does not match the metric's options (${this.fingerprint})`,
        'json',
      );
    }
    if (state === null || typeof state !== 'object' || Array.isArray(state))
      badState('json.state', `must be an object of state fields; received ${describe(state)}`);
    const fields = this.fields();
    const known = new Set<string>();
    for (const f of fields) known.add(f.key);
    for (const k of Object.keys(state)) {
      if (!known.has(k)) {
        const names = fields.slice(0, 8).map((f) => `'${f.key}'`);
        badState(
          'json.state',
          `has an unknown field ${describe(k)}; expected the fields ${names.join(', ')}${fields.length > 8 ? `, … (${fields.length} in all)` : ''}`,
        );
      }
    }
    const s = this.spec.init(this.config);
    for (const f of fields) {
      if (!Object.prototype.hasOwnProperty.call(state, f.key))
        badState(`json.state`, `lacks the field '${f.key}' (a ${f.kind} field)`);
      decodeField(f, s, Reflect.get(state, f.key));
    }
    const problem = this.spec.check?.(s, this.config) ?? null;
    if (problem !== null) badState('json.state', `is inconsistent: ${problem}`);
    this.state = s;
    return this;
  }
}

/** Number of samples (first dimension) of a tensor; 1 for a scalar. */
export function numSamples(t: Tensor): number {
  return t.shape.length > 0 ? t.shape[0] : 1;
}

/** Values per sample (product of the trailing dimensions). */
export function perSample(t: Tensor): number {
  return t.shape.length > 1 ? sizeOf(t.shape.slice(1)) : 1;
}

/** A one-shot metric function returning `V`. */
export type OneShotMetric<V = MetricValue> = (
  yTrue: TensorInput,
  yPred: TensorInput,
  options?: MetricOptions | null,
) => V;

/**
 * The one-shot function of a metric: one `update` with everything, then `compute` — the same
 * spec as the streaming class. `options.sampleWeight` is the per-sample weight.
 */
export function oneShot<C extends object, S extends object, V>(spec: MetricSpec<C, S, V>): OneShotMetric<V> {
  const allowed = [...spec.optionNames, 'sampleWeight'];
  return (yTrue, yPred, options) => {
    const { sampleWeight, ...rest } = metricOptions(spec.name, options, allowed);
    return new Metric(spec, rest)
      .updateOnce(yTrue, yPred, sampleWeight === undefined ? {} : { sampleWeight })
      .compute();
  };
}
