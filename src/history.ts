/**
 * `LossHistory`: how the loss changes during training, per batch and per epoch.
 *
 * Framework-agnostic and browser-safe: the training loop (tfjs, a hand-written SGD loop, a
 * worker) calls {@link LossHistory.logBatch} / {@link LossHistory.logEpoch}; the history keeps
 * every record with its wall time and learning rate, smooths the batch curve (bias-corrected
 * EMA, as Lightning and fastai), summarises the run (best epoch, divergence) and serialises
 * to JSON and CSV. Crash-safe file persistence lives in `losskit/node` (`history-file.ts`),
 * which listens to {@link LossHistory.onRecord}.
 */
import { LosskitError, describe } from './errors.js';
import { checkArrayArg, checkNumberOption, checkOptionNames } from './validate.js';
import type { JsonNumber } from './json-number.js';
import { decodeNumber, encodeNumber } from './json-number.js';

/** Metric values attached to a record, e.g. `{ mae: 0.12, val_mae: 0.15 }`. */
export type MetricValues = Record<string, number>;

/** One training batch (one optimiser step). */
export interface BatchRecord {
  readonly kind: 'batch';
  /** Epoch index (0-based). */
  readonly epoch: number;
  /** Batch index within the epoch (0-based). */
  readonly batch: number;
  /** Global step: the number of batches logged before this one. */
  readonly step: number;
  /** Wall-clock time of the record, milliseconds since the Unix epoch. */
  readonly time: number;
  /** Seconds since the history started. */
  readonly elapsed: number;
  /** Training loss of the batch (may be NaN/±Infinity: that is how divergence is recorded). */
  readonly loss: number;
  /** Learning rate used for the step, when known. */
  readonly lr?: number;
  readonly metrics?: MetricValues;
}

/** One finished epoch. */
export interface EpochRecord {
  readonly kind: 'epoch';
  readonly epoch: number;
  /** Global step at the end of the epoch (number of batches logged so far). */
  readonly step: number;
  readonly time: number;
  readonly elapsed: number;
  /** Training loss of the epoch (usually the mean batch loss). */
  readonly loss: number;
  /** Validation loss, when there is a validation set. */
  readonly valLoss?: number;
  readonly lr?: number;
  readonly metrics?: MetricValues;
}

export type HistoryRecord = BatchRecord | EpochRecord;

export interface LogBatchInput {
  epoch: number;
  batch: number;
  loss: number;
  lr?: number;
  metrics?: MetricValues;
}

export interface LogEpochInput {
  epoch: number;
  loss: number;
  valLoss?: number;
  lr?: number;
  metrics?: MetricValues;
}

export interface LossHistoryOptions {
  /** Smoothing factor of {@link LossHistory.smoothed} (default 0.98, as Lightning/fastai). */
  beta?: number;
  /** A loss above `divergeFactor × best` counts as divergence in {@link LossHistory.summary} (default 4, as Lightning). */
  divergeFactor?: number;
  /** Clock in milliseconds (default `Date.now`); inject one for reproducible times. */
  now?: () => number;
  /** Start time in ms since the Unix epoch (default: the clock at construction). */
  startTime?: number;
}

/** Where and why a run diverged. */
export interface Divergence {
  kind: 'batch' | 'epoch';
  epoch: number;
  /** Batch index, for batch-level divergence. */
  batch?: number;
  step: number;
  /** `'non-finite'`: the loss was NaN/±Infinity; `'exploded'`: it exceeded `divergeFactor × best`. */
  reason: 'non-finite' | 'exploded';
  /** The offending loss (the smoothed loss for batch-level `'exploded'`). */
  value: number;
  /** The best (smoothed, for batches) loss before it. */
  best: number;
}

export interface HistorySummary {
  epochs: number;
  batches: number;
  /** Which loss chose the best epoch: the validation loss when every epoch has one, else the training loss. */
  monitor: 'valLoss' | 'loss';
  /** Epoch index with the lowest monitored loss (null when no epoch was logged or none is finite). */
  bestEpoch: number | null;
  bestLoss: number | null;
  /** The last epoch's values (or the last batch's when no epoch was logged yet). */
  last: { epoch: number; loss: number; valLoss?: number; lr?: number; metrics?: MetricValues } | null;
  /** The first divergence found, or null. */
  divergence: Divergence | null;
  diverged: boolean;
  /** Seconds between the history's start and its last record. */
  elapsedSeconds: number;
}

/** The JSON form of a history ({@link LossHistory.toJSON}, {@link LossHistory.fromJSON}). */
export interface LossHistoryJSON {
  format: 'losskit-history';
  version: 1;
  startTime: number;
  batches: EncodedRecord[];
  epochs: EncodedRecord[];
}

/** Columns every history CSV starts with, in this order; metric columns follow. */
export const HISTORY_CSV_COLUMNS = [
  'kind',
  'epoch',
  'batch',
  'step',
  'time',
  'elapsed',
  'loss',
  'val_loss',
  'lr',
] as const;

/**
 * Bias-corrected exponential moving average (the smoothing of Lightning's and fastai's LR
 * finders): `aₜ = β·aₜ₋₁ + (1−β)·xₜ`, `a₀ = 0`, output `aₜ / (1 − β^t)`.
 *
 * Non-finite inputs do not enter the average: their output is the input itself (NaN/±Inf), so a
 * divergence stays visible, and the curve continues from the finite values around it.
 *
 * @example smoothEma([1, 1, 1]) // [1, 1, 1] (bias correction: no ramp-up from 0)
 */
export function smoothEma(values: ArrayLike<number>, beta = 0.98): number[] {
  checkArrayArg('smoothEma', 'values', values);
  checkNumberOption('smoothEma', 'beta', beta, { min: 0, max: 1 });
  if (beta === 1)
    throw new LosskitError(
      'INVALID_OPTION',
      'smoothEma',
      `option 'beta' must be < 1 (β = 1 never updates); received 1`,
      'beta',
    );
  const out = new Array<number>(values.length);
  let avg = 0;
  let betaT = 1; // β^t, updated incrementally
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x - x !== 0) {
      out[i] = x;
      continue;
    }
    betaT *= beta;
    avg = beta * avg + (1 - beta) * x;
    out[i] = avg / (1 - betaT);
  }
  return out;
}

function checkInt(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'${name}' must be a non-negative integer; received ${describe(v)}`,
      name,
    );
  }
  return v;
}

function checkLoss(fn: string, name: string, v: unknown): number {
  // NaN/±Infinity are accepted on purpose: recording them is how divergence is detected.
  if (typeof v !== 'number') {
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'${name}' must be a number (NaN/Infinity are recorded as divergence); received ${describe(v)}`,
      name,
    );
  }
  return v;
}

function checkLr(fn: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new LosskitError('INVALID_INPUT', fn, `'lr' must be a finite number >= 0; received ${describe(v)}`, 'lr');
  }
  return v;
}

const RESERVED = new Set<string>(HISTORY_CSV_COLUMNS);

/**
 * Sets `o[k] = v` as an own property, whatever `k` is: a metric may be named `__proto__` (a plain
 * assignment would change the object's prototype and drop the value).
 */
export function setOwn<T>(o: Record<string, T>, k: string, v: T): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function checkMetrics(fn: string, m: unknown): MetricValues | undefined {
  if (m === undefined) return undefined;
  if (m === null || typeof m !== 'object' || Array.isArray(m)) {
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'metrics' must be an object of name → number; received ${describe(m)}`,
      'metrics',
    );
  }
  const out: MetricValues = {};
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'number') {
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `'metrics.${k}' must be a number; received ${describe(v)}`,
        'metrics',
      );
    }
    if (RESERVED.has(k) || k === '') {
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `metric name ${describe(k)} is reserved (it is a history column: ${HISTORY_CSV_COLUMNS.join(', ')}); rename the metric`,
        'metrics',
      );
    }
    if (/[\r\n]/.test(k)) {
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `metric name ${describe(k)} contains a line break; history files keep one record per line, so metric names must not contain '\\n' or '\\r'`,
        'metrics',
      );
    }
    setOwn(out, k, v);
  }
  return out;
}

/** Formats a number for CSV: shortest round-trip form; NaN/±Infinity spelled out; '' when absent. */
function csvNumber(v: number | undefined): string {
  if (v === undefined) return '';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return String(v);
}

/** Quotes a CSV field when it contains a comma, quote, CR or LF (RFC 4180). */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** @internal A `history` argument: a {@link LossHistory}, else `INVALID_INPUT` naming `fn`. */
export function checkLossHistory(fn: string, history: unknown): void {
  if (!(history instanceof LossHistory))
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'history' must be a LossHistory; received ${describe(history)}`,
      'history',
    );
}

/**
 * Records the loss (and metrics, learning rate, wall time) of a training run per batch and per
 * epoch.
 *
 * ```ts
 * const history = new LossHistory();
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   for (let batch = 0; batch < 20; batch++) history.logBatch({ epoch, batch, loss: step(), lr: 0.01 });
 *   history.logEpoch({ epoch, loss: trainLoss, valLoss, metrics: { val_mae } });
 * }
 * history.summary();   // { bestEpoch, bestLoss, diverged, last, ... }
 * history.smoothed();  // bias-corrected EMA of the batch losses (β = 0.98)
 * history.toCSV();     // one row per record, stable columns
 * ```
 *
 * Equivalents: Keras `model.fit(...).history` + `CSVLogger`; Lightning's `CSVLogger`.
 * Losses may be NaN/±Infinity (recorded, and reported by {@link summary} as divergence); other
 * bad input throws `LosskitError` (`INVALID_INPUT`).
 */
export class LossHistory {
  readonly beta: number;
  readonly divergeFactor: number;
  readonly startTime: number;
  private readonly now: () => number;
  private readonly _batches: BatchRecord[] = [];
  private readonly _epochs: EpochRecord[] = [];
  private readonly _metricNames: string[] = [];
  private readonly listeners: ((record: HistoryRecord, history: LossHistory) => void)[] = [];

  constructor(options: LossHistoryOptions = {}) {
    const fn = 'LossHistory';
    checkOptionNames(fn, options, ['beta', 'divergeFactor', 'now', 'startTime']);
    this.beta =
      options.beta === undefined ? 0.98 : checkNumberOption(fn, 'beta', options.beta, { min: 0, max: 0.999999 });
    this.divergeFactor =
      options.divergeFactor === undefined
        ? 4
        : checkNumberOption(fn, 'divergeFactor', options.divergeFactor, { gt: 1 });
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'now' must be a function returning milliseconds; received ${describe(options.now)}`,
        'now',
      );
    }
    this.now = options.now ?? Date.now;
    this.startTime =
      options.startTime === undefined ? this.now() : checkNumberOption(fn, 'startTime', options.startTime);
  }

  /** Every batch record, in logging order. */
  get batches(): readonly BatchRecord[] {
    return this._batches;
  }

  /** Every epoch record, in logging order. */
  get epochs(): readonly EpochRecord[] {
    return this._epochs;
  }

  /** Metric names in order of first appearance (the order of the CSV's metric columns). */
  get metricNames(): readonly string[] {
    return this._metricNames;
  }

  /** CSV columns: {@link HISTORY_CSV_COLUMNS} then the metric names. */
  get columns(): readonly string[] {
    return [...HISTORY_CSV_COLUMNS, ...this._metricNames];
  }

  /**
   * Registers `listener(record, history)`, called synchronously after each record is added
   * (file persistence uses it). Returns a function that unregisters it.
   */
  onRecord(listener: (record: HistoryRecord, history: LossHistory) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Records one training batch. Returns the stored record. */
  logBatch(input: LogBatchInput): BatchRecord {
    const fn = 'LossHistory.logBatch';
    checkOptionNames(fn, input, ['epoch', 'batch', 'loss', 'lr', 'metrics']);
    const epoch = checkInt(fn, 'epoch', input.epoch);
    const batch = checkInt(fn, 'batch', input.batch);
    const loss = checkLoss(fn, 'loss', input.loss);
    const lr = checkLr(fn, input.lr);
    const metrics = checkMetrics(fn, input.metrics);
    const time = this.now();
    const rec: BatchRecord = {
      kind: 'batch',
      epoch,
      batch,
      step: this._batches.length,
      time,
      elapsed: (time - this.startTime) / 1000,
      loss,
      ...(lr !== undefined ? { lr } : {}),
      ...(metrics !== undefined ? { metrics } : {}),
    };
    this.add(rec);
    return rec;
  }

  /** Records one finished epoch. Returns the stored record. */
  logEpoch(input: LogEpochInput): EpochRecord {
    const fn = 'LossHistory.logEpoch';
    checkOptionNames(fn, input, ['epoch', 'loss', 'valLoss', 'lr', 'metrics']);
    const epoch = checkInt(fn, 'epoch', input.epoch);
    const loss = checkLoss(fn, 'loss', input.loss);
    const valLoss = input.valLoss === undefined ? undefined : checkLoss(fn, 'valLoss', input.valLoss);
    const lr = checkLr(fn, input.lr);
    const metrics = checkMetrics(fn, input.metrics);
    const time = this.now();
    const rec: EpochRecord = {
      kind: 'epoch',
      epoch,
      step: this._batches.length,
      time,
      elapsed: (time - this.startTime) / 1000,
      loss,
      ...(valLoss !== undefined ? { valLoss } : {}),
      ...(lr !== undefined ? { lr } : {}),
      ...(metrics !== undefined ? { metrics } : {}),
    };
    this.add(rec);
    return rec;
  }

  private add(rec: HistoryRecord): void {
    if (rec.metrics)
      for (const k of Object.keys(rec.metrics)) if (!this._metricNames.includes(k)) this._metricNames.push(k);
    if (rec.kind === 'batch') this._batches.push(rec);
    else this._epochs.push(rec);
    for (const l of this.listeners.slice()) l(rec, this);
  }

  /**
   * One curve as `{ x, y }`: `kind: 'epoch'` (default) gives x = epoch index; `'batch'` gives
   * x = global step. `key` is `'loss'`, `'valLoss'`, `'lr'` or a metric name; records without
   * the value are skipped.
   */
  curve(key: string = 'loss', kind: 'epoch' | 'batch' = 'epoch'): { x: number[]; y: number[] } {
    const x: number[] = [];
    const y: number[] = [];
    const recs: readonly HistoryRecord[] = kind === 'epoch' ? this._epochs : this._batches;
    for (const r of recs) {
      const v = valueOf(r, key);
      if (v === undefined) continue;
      x.push(kind === 'epoch' ? r.epoch : r.step);
      y.push(v);
    }
    return { x, y };
  }

  /** Bias-corrected EMA of the batch losses (see {@link smoothEma}); `beta` defaults to the history's. */
  smoothed(beta: number = this.beta): number[] {
    return smoothEma(
      this._batches.map((b) => b.loss),
      beta,
    );
  }

  /**
   * Best epoch, last values and divergence.
   *
   * - Best epoch: lowest `valLoss` when every epoch has one, else lowest training `loss`
   *   (non-finite values never win; ties keep the earliest epoch).
   * - Divergence (the first one, batches checked before epochs): a non-finite batch/epoch
   *   loss, or a smoothed batch loss (EMA, β = {@link beta}) above `divergeFactor × ` the best
   *   smoothed loss so far (from the third batch on, as Lightning's LR finder), or an epoch loss
   *   (validation loss when monitored) above `divergeFactor ×` the best epoch loss so far.
   */
  summary(): HistorySummary {
    const monitor: 'valLoss' | 'loss' =
      this._epochs.length > 0 && this._epochs.every((e) => e.valLoss !== undefined) ? 'valLoss' : 'loss';
    let bestEpoch: number | null = null;
    let bestLoss: number | null = null;
    for (const e of this._epochs) {
      const v = monitor === 'valLoss' ? (e.valLoss as number) : e.loss;
      if (Number.isFinite(v) && (bestLoss === null || v < bestLoss)) {
        bestLoss = v;
        bestEpoch = e.epoch;
      }
    }
    const lastE = this._epochs[this._epochs.length - 1];
    const lastB = this._batches[this._batches.length - 1];
    const last = lastE
      ? {
          epoch: lastE.epoch,
          loss: lastE.loss,
          ...(lastE.valLoss !== undefined ? { valLoss: lastE.valLoss } : {}),
          ...(lastE.lr !== undefined ? { lr: lastE.lr } : {}),
          ...(lastE.metrics !== undefined ? { metrics: lastE.metrics } : {}),
        }
      : lastB
        ? {
            epoch: lastB.epoch,
            loss: lastB.loss,
            ...(lastB.lr !== undefined ? { lr: lastB.lr } : {}),
            ...(lastB.metrics !== undefined ? { metrics: lastB.metrics } : {}),
          }
        : null;
    const divergence = this.findBatchDivergence() ?? this.findEpochDivergence(monitor);
    const times = [lastE?.time ?? -Infinity, lastB?.time ?? -Infinity];
    const lastTime = Math.max(...times);
    return {
      epochs: this._epochs.length,
      batches: this._batches.length,
      monitor,
      bestEpoch,
      bestLoss,
      last,
      divergence,
      diverged: divergence !== null,
      elapsedSeconds: Number.isFinite(lastTime) ? (lastTime - this.startTime) / 1000 : 0,
    };
  }

  private findBatchDivergence(): Divergence | null {
    const beta = this.beta;
    let avg = 0;
    let t = 0;
    let betaT = 1;
    let best = Infinity;
    for (const b of this._batches) {
      if (!Number.isFinite(b.loss)) {
        return {
          kind: 'batch',
          epoch: b.epoch,
          batch: b.batch,
          step: b.step,
          reason: 'non-finite',
          value: b.loss,
          best,
        };
      }
      t++;
      betaT *= beta;
      avg = beta * avg + (1 - beta) * b.loss;
      const s = avg / (1 - betaT);
      if (t > 2 && s > this.divergeFactor * best) {
        return { kind: 'batch', epoch: b.epoch, batch: b.batch, step: b.step, reason: 'exploded', value: s, best };
      }
      if (s < best) best = s;
    }
    return null;
  }

  private findEpochDivergence(monitor: 'valLoss' | 'loss'): Divergence | null {
    let best = Infinity;
    for (const e of this._epochs) {
      for (const v of monitor === 'valLoss' ? [e.loss, e.valLoss as number] : [e.loss]) {
        if (!Number.isFinite(v))
          return { kind: 'epoch', epoch: e.epoch, step: e.step, reason: 'non-finite', value: v, best };
      }
      const v = monitor === 'valLoss' ? (e.valLoss as number) : e.loss;
      if (v > this.divergeFactor * best)
        return { kind: 'epoch', epoch: e.epoch, step: e.step, reason: 'exploded', value: v, best };
      if (v < best) best = v;
    }
    return null;
  }

  /** A JSON-safe copy (non-finite numbers become the strings "NaN", "Infinity", "-Infinity"). */
  toJSON(): LossHistoryJSON {
    return {
      format: 'losskit-history',
      version: 1,
      startTime: this.startTime,
      batches: this._batches.map(encodeRecord),
      epochs: this._epochs.map(encodeRecord),
    };
  }

  /** Rebuilds a history from {@link toJSON}'s output (or its `JSON.parse`d text). */
  static fromJSON(json: LossHistoryJSON, options: Omit<LossHistoryOptions, 'startTime'> = {}): LossHistory {
    const fn = 'LossHistory.fromJSON';
    if (
      json === null ||
      typeof json !== 'object' ||
      json.format !== 'losskit-history' ||
      !Array.isArray(json.batches) ||
      !Array.isArray(json.epochs)
    ) {
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `'json' must be the output of LossHistory.toJSON() (format 'losskit-history'); received ${describe(json)}`,
        'json',
      );
    }
    if (json.version !== 1) {
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `'json.version' must be 1; received ${describe(json.version)}`,
        'json',
      );
    }
    const h = new LossHistory({ ...options, startTime: json.startTime });
    // Interleave in logging order: an epoch record with step k was logged after k batches.
    const decode = (list: 'batches' | 'epochs') =>
      json[list].map((r, i) => {
        try {
          return decodeRecord(r, fn);
        } catch (e) {
          if (e instanceof LosskitError)
            throw new LosskitError(e.code, fn, `'json.${list}[${i}]': ${e.message.replace(`${fn}: `, '')}`, 'json');
          throw e;
        }
      });
    const batches = decode('batches');
    const epochs = decode('epochs');
    let i = 0;
    for (const e of epochs) {
      while (i < batches.length && batches[i].step < e.step) h.restore(batches[i++]);
      h.restore(e);
    }
    while (i < batches.length) h.restore(batches[i++]);
    return h;
  }

  /**
   * Appends an already-complete record (as read back from a file) without re-timestamping it.
   * Used by the file readers; the record is validated like a logged one.
   */
  restore(record: HistoryRecord): void {
    const fn = 'LossHistory.restore';
    if (record === null || typeof record !== 'object' || (record.kind !== 'batch' && record.kind !== 'epoch')) {
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `'record' must be a batch or epoch record; received ${describe(record)}`,
        'record',
      );
    }
    checkInt(fn, 'epoch', record.epoch);
    checkLoss(fn, 'loss', record.loss);
    if (typeof record.time !== 'number' || !Number.isFinite(record.time)) {
      throw new LosskitError(
        'INVALID_INPUT',
        fn,
        `'time' must be a finite number; received ${describe(record.time)}`,
        'time',
      );
    }
    checkLr(fn, record.lr);
    const metrics = checkMetrics(fn, record.metrics);
    const elapsed = (record.time - this.startTime) / 1000;
    if (record.kind === 'batch') {
      checkInt(fn, 'batch', record.batch);
      this.add({ ...record, step: this._batches.length, elapsed, ...(metrics ? { metrics } : {}) });
    } else {
      const valLoss = record.valLoss === undefined ? undefined : checkLoss(fn, 'valLoss', record.valLoss);
      this.add({
        ...record,
        step: this._batches.length,
        elapsed,
        ...(valLoss !== undefined ? { valLoss } : {}),
        ...(metrics ? { metrics } : {}),
      });
    }
  }

  /** The CSV header line (no newline). */
  csvHeader(): string {
    return this.columns.map(csvField).join(',');
  }

  /** One record as a CSV line (no newline) in the current column order. */
  csvRow(record: HistoryRecord): string {
    const cells: string[] = [
      record.kind,
      String(record.epoch),
      record.kind === 'batch' ? String(record.batch) : '',
      String(record.step),
      String(record.time),
      csvNumber(record.elapsed),
      csvNumber(record.loss),
      record.kind === 'epoch' ? csvNumber(record.valLoss) : '',
      csvNumber(record.lr),
    ];
    for (const m of this._metricNames) cells.push(csvNumber(record.metrics?.[m]));
    return cells.join(',');
  }

  /**
   * The history as CSV (RFC 4180, `\n` line ends, header first). Columns are always
   * {@link HISTORY_CSV_COLUMNS} (`kind, epoch, batch, step, time, elapsed, loss, val_loss, lr`)
   * followed by the metrics in order of first appearance; absent values are empty, NaN and
   * infinities are spelled `NaN`, `Infinity`, `-Infinity`. Rows are in logging order.
   * `which` keeps only epoch or batch rows.
   */
  toCSV(which: 'all' | 'epoch' | 'batch' = 'all'): string {
    const lines = [this.csvHeader()];
    for (const r of this.records()) if (which === 'all' || r.kind === which) lines.push(this.csvRow(r));
    return lines.join('\n') + '\n';
  }

  /** Batch and epoch records interleaved in logging order. */
  records(): HistoryRecord[] {
    const out: HistoryRecord[] = [];
    let i = 0;
    // An epoch record's `step` is the number of batches logged before it.
    for (const e of this._epochs) {
      while (i < this._batches.length && this._batches[i].step < e.step) out.push(this._batches[i++]);
      out.push(e);
    }
    while (i < this._batches.length) out.push(this._batches[i++]);
    return out;
  }
}

function valueOf(r: HistoryRecord, key: string): number | undefined {
  if (key === 'loss') return r.loss;
  if (key === 'valLoss' || key === 'val_loss') return r.kind === 'epoch' ? r.valLoss : undefined;
  if (key === 'lr') return r.lr;
  return r.metrics?.[key];
}

export type { JsonNumber } from './json-number.js';

/** The JSON wire form of a record (see {@link encodeRecord}). */
export interface EncodedRecord {
  kind: 'batch' | 'epoch';
  epoch: number;
  batch?: number;
  step: number;
  time: number;
  elapsed: JsonNumber;
  loss: JsonNumber;
  valLoss?: JsonNumber;
  lr?: number;
  metrics?: Record<string, JsonNumber>;
}

const encNum = encodeNumber;

/** A JSON number of a record, or INVALID_INPUT naming the field (`"abc"` is not a divergence). */
function decNum(fn: string, field: string, v: unknown): number {
  const x = decodeNumber(v);
  if (x === undefined)
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'${field}' must be a number (or "NaN", "Infinity", "-Infinity"); received ${describe(v)}`,
      field,
    );
  return x;
}

function encMetrics(m: MetricValues | undefined): Record<string, JsonNumber> | undefined {
  if (m === undefined) return undefined;
  const o: Record<string, JsonNumber> = {};
  for (const [k, v] of Object.entries(m)) setOwn(o, k, encNum(v));
  return o;
}

function decMetrics(fn: string, m: unknown): MetricValues | undefined {
  if (m === undefined) return undefined;
  if (m === null || typeof m !== 'object' || Array.isArray(m))
    throw new LosskitError(
      'INVALID_INPUT',
      fn,
      `'metrics' must be an object of name → number; received ${describe(m)}`,
      'metrics',
    );
  const o: MetricValues = {};
  for (const [k, v] of Object.entries(m)) setOwn(o, k, decNum(fn, `metrics.${k}`, v));
  return o;
}

/** A record in JSON-safe form (non-finite numbers as the strings "NaN", "Infinity", "-Infinity"). */
export function encodeRecord(r: HistoryRecord): EncodedRecord {
  const o: EncodedRecord = {
    kind: r.kind,
    epoch: r.epoch,
    step: r.step,
    time: r.time,
    elapsed: encNum(r.elapsed),
    loss: encNum(r.loss),
  };
  if (r.kind === 'batch') o.batch = r.batch;
  if (r.kind === 'epoch' && r.valLoss !== undefined) o.valLoss = encNum(r.valLoss);
  if (r.lr !== undefined) o.lr = r.lr;
  const m = encMetrics(r.metrics);
  if (m !== undefined) o.metrics = m;
  return o;
}

/**
 * Inverse of {@link encodeRecord}. The record must be an object whose numbers are numbers or the
 * strings "NaN", "Infinity", "-Infinity" (anything else is `INVALID_INPUT` naming the field);
 * the rest is validated by {@link LossHistory.restore}.
 */
export function decodeRecord(r: EncodedRecord, fn = 'decodeRecord'): HistoryRecord {
  if (r === null || typeof r !== 'object' || Array.isArray(r))
    throw new LosskitError('INVALID_INPUT', fn, `'record' must be a record object; received ${describe(r)}`, 'record');
  const base = {
    epoch: r.epoch,
    step: r.step,
    time: r.time,
    elapsed: decNum(fn, 'elapsed', r.elapsed),
    loss: decNum(fn, 'loss', r.loss),
  };
  const lr = r.lr === undefined ? {} : { lr: r.lr };
  const metrics = decMetrics(fn, r.metrics);
  const m = metrics === undefined ? {} : { metrics };
  if (r.kind === 'batch') return { kind: 'batch', batch: r.batch ?? NaN, ...base, ...lr, ...m };
  const v = r.valLoss === undefined ? {} : { valLoss: decNum(fn, 'valLoss', r.valLoss) };
  return { kind: r.kind, ...base, ...v, ...lr, ...m };
}
