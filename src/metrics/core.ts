/**
 * The streaming-metric machinery: a metric is a {@link MetricSpec} — named state fields each
 * with a declared merge rule, an `update` (batch → state), a `compute` (state → value) — run by
 * the small {@link Metric} class. The one-shot functions (`f1(yTrue, yPred, options)`) run the
 * same spec over one batch, so streaming and one-shot results cannot drift apart.
 *
 * States are exact: merging the states of shards equals updating one metric with all the data,
 * and `toJSON` / `restoreMetric` round-trip every float64 bit. A config fingerprint stops
 * states of different metrics or options from being merged.
 */
import { LosskitError, describe } from '../errors.js';
import type { Tensor, TensorInput } from '../tensor.js';
import { sizeOf, tensor } from '../tensor.js';
import { checkFinite, checkOptionNames } from '../validate.js';

/** A growable float64 list: the state field of metrics that keep values (`'concat'` rule). */
export class F64List {
  data: Float64Array;
  length: number;
  constructor(capacity = 16) {
    this.data = new Float64Array(Math.max(1, capacity));
    this.length = 0;
  }
  static from(values: ArrayLike<number>): F64List {
    const l = new F64List(values.length);
    l.append(values);
    return l;
  }
  private reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    let cap = this.data.length * 2;
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
export type MetricState = Record<string, FieldValue>;

/**
 * How a field merges: `'sum'` (numbers or element-wise arrays), `'min'`, `'max'`,
 * `'concat'` (an {@link F64List}), or `'custom'` (merged together by the spec's `mergeCustom`,
 * e.g. moments with Chan's formula, or sorted distinct-score histograms).
 */
export type MergeRule = 'sum' | 'min' | 'max' | 'concat' | 'custom';

export interface FieldSpec {
  rule: MergeRule;
  /** Initial value: a number, or an array length (zero-filled Float64Array), or `'list'`. */
  init: number | { zeros: number } | 'list';
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
  threshold?: number;
  topK?: number;
  beta?: number;
  /** Regression: per-output values averaged, returned, or weighted by variance; `'pooled'`
   * (rootMeanSquaredError only): every element pooled before the root, as Keras. */
  multioutput?: 'uniformAverage' | 'rawValues' | 'varianceWeighted' | 'pooled';
  zeroDivision?: number;
  fromLogits?: boolean;
  ignoreIndex?: number;
  /** Cohen's kappa weighting. */
  weights?: 'none' | 'linear' | 'quadratic';
  /** Calibration error norm. */
  norm?: 'l1' | 'l2' | 'max';
  nBins?: number;
  /** AUROC / AP / curves: omit for the exact computation, or a number of bins (Keras AUC style). */
  thresholds?: number;
  /** AUROC: partial AUC up to this false-positive rate, McClish-corrected (scikit-learn `max_fpr`). */
  maxFpr?: number;
  /** ROC curve: drop collinear points (scikit-learn `drop_intermediate`, default true). */
  dropIntermediate?: boolean;
  /** Multiclass AUROC: one-vs-rest (default) or one-vs-one (Hand & Till), scikit-learn `multi_class`. */
  multiClass?: 'ovr' | 'ovo';
  posLabel?: number;
  eps?: number | 'auto';
  /** Binary/multiclass labels (for logLoss / confusionMatrix) when not 0..C-1. */
  labels?: number[];
  /** Normalisation of the confusion matrix. */
  normalize?: 'true' | 'pred' | 'all' | 'none';
  /** Loss metrics: the loss's own options. */
  lossOptions?: Record<string, unknown>;
  /** Loss metrics: the loss name (any `getLoss` spelling). */
  loss?: string;
  /** `meanAbsolutePercentageError`: report a percentage (×100, Keras `mape`) instead of a fraction. */
  percent?: boolean;
  /** `cosineSimilarity`: reduce the per-sample values by their weighted `'mean'` or `'sum'` (torchmetrics). */
  reduction?: 'mean' | 'sum';
  /** One-shot functions only: per-sample weights. */
  sampleWeight?: TensorInput;
}

export interface UpdateOptions {
  /** Per-sample weights, shape `[N]` (or a number). */
  sampleWeight?: TensorInput;
}

/** A metric's definition: config resolution, state fields, update, compute. */
export interface MetricSpec<C extends object = object> {
  name: string;
  /** Option names accepted (besides `sampleWeight` for one-shot calls). */
  optionNames: readonly string[];
  /** Validates the options and returns the normalised, JSON-safe config. */
  config(options: MetricOptions, fn: string): C;
  /** Optional: a JSON-safe copy of the options (e.g. typed arrays → plain arrays), which the
   * metric keeps and `toJSON` writes. Default: a shallow copy. */
  normalizeOptions?(options: MetricOptions, fn: string): MetricOptions;
  fields(config: C): Record<string, FieldSpec>;
  /** Adds a batch to the state. `sampleWeight` is `null` or one weight per sample (`yTrue.shape[0]`). */
  update(
    state: MetricState,
    yTrue: Tensor,
    yPred: Tensor,
    sampleWeight: Float64Array | null,
    config: C,
    fn: string,
  ): void;
  /** Merges the `'custom'` fields of `b` into `a`. */
  mergeCustom?(a: MetricState, b: MetricState, config: C): void;
  compute(state: MetricState, config: C): MetricValue;
}

function initState(fields: Record<string, FieldSpec>): MetricState {
  const s: MetricState = {};
  for (const [k, f] of Object.entries(fields)) {
    s[k] = typeof f.init === 'number' ? f.init : f.init === 'list' ? new F64List() : new Float64Array(f.init.zeros);
  }
  return s;
}

function cloneField(v: FieldValue): FieldValue {
  if (typeof v === 'number') return v;
  if (v instanceof F64List) return F64List.from(v.view());
  return Float64Array.from(v);
}

/** Canonical JSON of a config (sorted keys) — the fingerprint of a metric state. */
function fingerprint(name: string, config: object): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v !== null && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) o[k] = canon((v as Record<string, unknown>)[k]);
      return o;
    }
    return v;
  };
  return JSON.stringify({ metric: name, config: canon(config) });
}

/** JSON encoding of a float that keeps NaN and ±Infinity. */
type JsonNum = number | 'NaN' | 'Infinity' | '-Infinity';
const encNum = (v: number): JsonNum =>
  Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
const decNum = (v: unknown): number =>
  typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : NaN;

export type FieldJSON = JsonNum | { f64: JsonNum[] } | { list: JsonNum[] };

/** Serialised metric: plain JSON, exact (numbers print with round-trip precision). */
export interface MetricJSON {
  losskitMetric: 1;
  metric: string;
  options: MetricOptions;
  fingerprint: string;
  state: Record<string, FieldJSON>;
}

function encodeField(v: FieldValue): FieldJSON {
  if (typeof v === 'number') return encNum(v);
  if (v instanceof F64List) return { list: Array.from(v.view(), encNum) };
  return { f64: Array.from(v, encNum) };
}

function decodeField(j: FieldJSON): FieldValue {
  if (typeof j === 'object' && j !== null && 'f64' in j) return Float64Array.from(j.f64, decNum);
  if (typeof j === 'object' && j !== null && 'list' in j) return F64List.from(j.list.map(decNum));
  return decNum(j);
}

/**
 * A streaming metric: `update` any number of times, `compute` the exact value over everything
 * seen, `merge` another shard, `toJSON` / `restoreMetric` to move it between processes.
 */
export class Metric<C extends object = object> {
  readonly name: string;
  readonly options: MetricOptions;
  readonly config: C;
  readonly fingerprint: string;
  private readonly spec: MetricSpec<C>;
  private readonly fieldSpecs: Record<string, FieldSpec>;
  private state: MetricState;

  constructor(spec: MetricSpec<C>, options: MetricOptions = {}, name = spec.name) {
    checkOptionNames(name, options, spec.optionNames);
    this.name = name;
    this.spec = spec;
    this.options = spec.normalizeOptions ? spec.normalizeOptions(options, name) : { ...options };
    this.config = spec.config(options, name);
    this.fingerprint = fingerprint(spec.name, this.config);
    this.fieldSpecs = spec.fields(this.config);
    this.state = initState(this.fieldSpecs);
  }

  /** Adds a batch. `yTrue` / `yPred` as the metric documents; `sampleWeight` one per sample. */
  update(yTrue: TensorInput, yPred: TensorInput, options: UpdateOptions = {}): this {
    checkOptionNames(this.name, options, ['sampleWeight']);
    const yt = tensor(yTrue, undefined, this.name, 'yTrue');
    const yp = tensor(yPred, undefined, this.name, 'yPred');
    let w: Float64Array | null = null;
    if (options.sampleWeight !== undefined) {
      const n = yt.shape.length > 0 ? yt.shape[0] : 1;
      const sw = tensor(options.sampleWeight, undefined, this.name, 'sampleWeight');
      checkFinite(this.name, 'sampleWeight', sw);
      if (sw.data.length === 1 && sw.shape.length <= 1 && n !== 1) w = new Float64Array(n).fill(sw.data[0]);
      else if (sw.shape.length === 1 && sw.shape[0] === n) w = Float64Array.from(sw.data);
      else
        throw new LosskitError(
          'SHAPE_MISMATCH',
          this.name,
          `'sampleWeight' has shape [${sw.shape.join(',')}] but 'yTrue' has ${n} samples; expected [${n}] (one weight per sample) or a number`,
          'sampleWeight',
        );
      for (let i = 0; i < w.length; i++) {
        if (w[i] < 0)
          throw new LosskitError(
            'OUT_OF_RANGE',
            this.name,
            `'sampleWeight' must be >= 0; received ${w[i]} at index [${i}]`,
            'sampleWeight',
          );
      }
    }
    this.spec.update(this.state, yt, yp, w, this.config, this.name);
    return this;
  }

  /** The metric over everything seen so far (the state is not changed). */
  compute(): MetricValue {
    return this.spec.compute(this.state, this.config);
  }

  /** Merges `other` (same metric, same options) into this one: as if updated with its data. */
  merge(other: Metric<C>): this {
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
    for (const [k, f] of Object.entries(this.fieldSpecs)) {
      const av = a[k];
      const bv = b[k];
      switch (f.rule) {
        case 'sum':
          if (typeof av === 'number' && typeof bv === 'number') a[k] = av + bv;
          else if (av instanceof Float64Array && bv instanceof Float64Array) {
            // A shard that saw no data may still have an unsized (length-0) array.
            if (av.length === 0) a[k] = Float64Array.from(bv);
            else if (bv.length !== 0 && bv.length !== av.length) {
              throw new LosskitError(
                'INCOMPATIBLE_STATE',
                this.name,
                `cannot merge: state field '${k}' has ${av.length} entries here but ${bv.length} in 'other' (different numbers of outputs or classes)`,
                'other',
              );
            } else for (let i = 0; i < bv.length; i++) av[i] += bv[i];
          }
          break;
        case 'min':
          if (typeof av === 'number' && typeof bv === 'number') a[k] = Math.min(av, bv);
          break;
        case 'max':
          if (typeof av === 'number' && typeof bv === 'number') a[k] = Math.max(av, bv);
          break;
        case 'concat':
          if (av instanceof F64List && bv instanceof F64List) av.append(bv.view());
          break;
        case 'custom':
          break;
      }
    }
    this.spec.mergeCustom?.(a, b, this.config);
    return this;
  }

  /** Back to the empty state. */
  reset(): this {
    this.state = initState(this.fieldSpecs);
    return this;
  }

  /** A deep copy. */
  clone(): Metric<C> {
    const m = new Metric(this.spec, this.options, this.name);
    for (const [k, v] of Object.entries(this.state)) m.state[k] = cloneField(v);
    return m;
  }

  /** Exact, JSON-safe serialisation; {@link restoreMetric} reads it back. */
  toJSON(): MetricJSON {
    const state: Record<string, FieldJSON> = {};
    for (const [k, v] of Object.entries(this.state)) state[k] = encodeField(v);
    return { losskitMetric: 1, metric: this.name, options: this.options, fingerprint: this.fingerprint, state };
  }

  /** @internal Restores the fields of a serialised state (used by `restoreMetric`). */
  loadState(json: MetricJSON): this {
    if (json.fingerprint !== this.fingerprint) {
      throw new LosskitError(
        'INCOMPATIBLE_STATE',
        'restoreMetric',
        `'json' fingerprint ${json.fingerprint} does not match the metric's ${this.fingerprint}`,
        'json',
      );
    }
    for (const k of Object.keys(this.fieldSpecs)) {
      if (!(k in json.state))
        throw new LosskitError('INVALID_INPUT', 'restoreMetric', `'json'.state lacks field '${k}'`, 'json');
      this.state[k] = decodeField(json.state[k]);
    }
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

export type OneShotMetric = (yTrue: TensorInput, yPred: TensorInput, options?: MetricOptions) => MetricValue;

/**
 * The one-shot function of a metric: one `update` with everything, then `compute` — the same
 * spec as the streaming class. `options.sampleWeight` is the per-sample weight.
 */
export function oneShot<C extends object>(spec: MetricSpec<C>): OneShotMetric {
  return (yTrue, yPred, options = {}) => {
    const { sampleWeight, ...rest } = options;
    return new Metric(spec, rest).update(yTrue, yPred, sampleWeight === undefined ? {} : { sampleWeight }).compute();
  };
}
