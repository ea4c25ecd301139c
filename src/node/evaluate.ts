/**
 * Prediction files for the CLI: read `{ yTrue, yPred, sampleWeight? }` from JSON or CSV, then
 * evaluate metrics (`losskit eval`) or diagnose a loss (`losskit diagnose`).
 *
 * ## File formats
 * - **JSON**: `{ "yTrue": [...], "yPred": [...], "sampleWeight"?: [...] }` (nested arrays).
 * - **CSV** with a header row (parsed by `csv-parse`): the target column is the first of
 *   `y_true`, `yTrue`, `label`, `target`, `y` (or `--target-col`); predictions are either one
 *   column (`y_pred`, `yPred`, `prediction`, `pred`, `score`, `prob`, `probability`, `logit`) or
 *   several columns sharing a prefix followed by a class index (`p_0, p_1, …`, `prob_0…`,
 *   `score_0…`, `logit_0…`, or `--pred-prefix`); an optional `sample_weight` / `weight` column.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { diagnoseLoss, type Diagnosis } from '../diagnose.js';
import { LosskitError } from '../errors.js';
import type { LossOptions } from '../losses/core.js';
import type { MetricOptions, MetricValue } from '../metrics/core.js';
import { getMetric } from '../metrics/registry.js';

export interface Predictions {
  yTrue: number[] | number[][];
  yPred: number[] | number[][];
  sampleWeight?: number[];
  /** Where each part came from (column names for CSV). */
  source: { file: string; target: string; predictions: string[]; weight?: string };
}

export interface ReadOptions {
  targetCol?: string;
  predPrefix?: string;
  predCol?: string;
  weightCol?: string;
}

const FN = 'readPredictions';
const TARGET_NAMES = ['y_true', 'yTrue', 'label', 'target', 'y'];
const PRED_NAMES = ['y_pred', 'yPred', 'prediction', 'pred', 'score', 'prob', 'probability', 'logit'];
const PREFIXES = ['p_', 'prob_', 'proba_', 'score_', 'logit_', 'y_pred_', 'pred_'];
const WEIGHT_NAMES = ['sample_weight', 'sampleWeight', 'weight'];

function toNumber(v: string, file: string, row: number, col: string): number {
  const x = Number(v.trim());
  if (v.trim() === '' || (Number.isNaN(x) && !/^nan$/i.test(v.trim()))) {
    throw new LosskitError(
      'INVALID_INPUT',
      FN,
      `'${file}' row ${row} column '${col}' must be a number; received ${JSON.stringify(v)}`,
      'file',
    );
  }
  return /^nan$/i.test(v.trim()) ? NaN : x;
}

/** Reads a JSON or CSV prediction file (format by extension; `.json` or anything else as CSV). */
export function readPredictions(file: string, options: ReadOptions = {}): Predictions {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LosskitError(
      'INVALID_INPUT',
      FN,
      `cannot read 'file' ${JSON.stringify(file)}: ${(e as Error).message}`,
      'file',
    );
  }
  if (extname(file).toLowerCase() === '.json') {
    let j: unknown;
    try {
      j = JSON.parse(text);
    } catch (e) {
      throw new LosskitError('INVALID_INPUT', FN, `'${file}' is not valid JSON: ${(e as Error).message}`, 'file');
    }
    const o = j as Partial<{ yTrue: unknown; yPred: unknown; sampleWeight: unknown }>;
    if (j === null || typeof j !== 'object' || !Array.isArray(o.yTrue) || !Array.isArray(o.yPred)) {
      throw new LosskitError(
        'INVALID_INPUT',
        FN,
        `'${file}' must hold an object { "yTrue": [...], "yPred": [...] }; received ${Array.isArray(j) ? 'an array' : typeof j}`,
        'file',
      );
    }
    return {
      yTrue: o.yTrue as number[],
      yPred: o.yPred as number[],
      ...(Array.isArray(o.sampleWeight) ? { sampleWeight: o.sampleWeight as number[] } : {}),
      source: {
        file,
        target: 'yTrue',
        predictions: ['yPred'],
        ...(Array.isArray(o.sampleWeight) ? { weight: 'sampleWeight' } : {}),
      },
    };
  }
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true }) as string[][];
  } catch (e) {
    throw new LosskitError('INVALID_INPUT', FN, `'${file}' is not valid CSV: ${(e as Error).message}`, 'file');
  }
  if (rows.length < 2)
    throw new LosskitError(
      'EMPTY_INPUT',
      FN,
      `'${file}' has no data rows; expected a header row and at least one row`,
      'file',
    );
  const header = rows[0];
  const find = (explicit: string | undefined, names: string[], what: string): number => {
    if (explicit !== undefined) {
      const i = header.indexOf(explicit);
      if (i < 0)
        throw new LosskitError(
          'INVALID_OPTION',
          FN,
          `${what} column '${explicit}' is not in '${file}'; its columns are ${header.join(', ')}`,
          what,
        );
      return i;
    }
    return header.findIndex((h) => names.includes(h));
  };
  const t = find(options.targetCol, TARGET_NAMES, 'target');
  if (t < 0)
    throw new LosskitError(
      'INVALID_INPUT',
      FN,
      `'${file}' has no target column; expected one of ${TARGET_NAMES.join(', ')} (or --target-col); its columns are ${header.join(', ')}`,
      'file',
    );
  const w = find(options.weightCol, WEIGHT_NAMES, 'weight');
  let predCols: number[] = [];
  const prefixes =
    options.predPrefix !== undefined ? [options.predPrefix] : options.predCol !== undefined ? [] : PREFIXES;
  for (const p of prefixes) {
    const cols = header
      .map((h, i) => [h, i] as const)
      .filter(([h]) => h.startsWith(p) && /^\d+$/.test(h.slice(p.length)));
    if (cols.length > 0) {
      predCols = cols.sort((a, b) => Number(a[0].slice(p.length)) - Number(b[0].slice(p.length))).map(([, i]) => i);
      break;
    }
  }
  if (predCols.length === 0) {
    const p = find(options.predCol, PRED_NAMES, 'prediction');
    if (p >= 0) predCols = [p];
  }
  if (predCols.length === 0) {
    throw new LosskitError(
      'INVALID_INPUT',
      FN,
      `'${file}' has no prediction column; expected one of ${PRED_NAMES.join(', ')} or columns ${PREFIXES.map((p) => p + '0').join(', ')}…; its columns are ${header.join(', ')}`,
      'file',
    );
  }
  const yTrue: number[] = [];
  const yPred: number[][] = [];
  const weights: number[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    if (row.length !== header.length)
      throw new LosskitError(
        'INVALID_INPUT',
        FN,
        `'${file}' row ${r + 1} has ${row.length} fields; expected ${header.length}`,
        'file',
      );
    yTrue.push(toNumber(row[t], file, r + 1, header[t]));
    yPred.push(predCols.map((c) => toNumber(row[c], file, r + 1, header[c])));
    if (w >= 0) weights.push(toNumber(row[w], file, r + 1, header[w]));
  }
  return {
    yTrue,
    yPred: predCols.length === 1 ? yPred.map((p) => p[0]) : yPred,
    ...(w >= 0 ? { sampleWeight: weights } : {}),
    source: {
      file,
      target: header[t],
      predictions: predCols.map((c) => header[c]),
      ...(w >= 0 ? { weight: header[w] } : {}),
    },
  };
}

export type Task = 'binary' | 'multiclass' | 'multilabel' | 'regression';

/** Infers the task: several prediction columns → multiclass (multilabel if yTrue is 2-D);
 * one column with 0/1 targets → binary; otherwise regression. */
export function inferTask(p: Predictions): Task {
  const multiCol = Array.isArray(p.yPred[0]);
  if (multiCol) return Array.isArray(p.yTrue[0]) ? 'multilabel' : 'multiclass';
  return (p.yTrue as number[]).every((v) => v === 0 || v === 1) ? 'binary' : 'regression';
}

export const DEFAULT_METRICS: Record<Task, string[]> = {
  binary: ['accuracy', 'precision', 'recall', 'f1', 'auroc', 'averagePrecision', 'logLoss', 'calibrationError'],
  multiclass: ['accuracy', 'f1', 'precision', 'recall', 'topKAccuracy', 'auroc', 'logLoss'],
  multilabel: ['accuracy', 'f1', 'precision', 'recall', 'auroc'],
  regression: [
    'meanAbsoluteError',
    'meanSquaredError',
    'rootMeanSquaredError',
    'r2Score',
    'pearsonCorrcoef',
    'spearmanCorrcoef',
  ],
};

export interface EvaluateOptions {
  task?: Task;
  metrics?: string[];
  average?: MetricOptions['average'];
  threshold?: number;
  topK?: number;
}

export interface Evaluation {
  task: Task;
  n: number;
  results: { metric: string; value: MetricValue | null; error?: string }[];
}

/** Computes each metric on the predictions (one failing metric does not stop the others). */
export function evaluatePredictions(p: Predictions, options: EvaluateOptions = {}): Evaluation {
  const task = options.task ?? inferTask(p);
  const names = options.metrics ?? DEFAULT_METRICS[task];
  const results: Evaluation['results'] = [];
  const width = Array.isArray(p.yPred[0]) ? (p.yPred[0] as number[]).length : 1;
  for (const name of names) {
    const o: MetricOptions = {};
    if (task !== 'regression') {
      o.task = task;
      if (task === 'multiclass') o.numClasses = width;
      if (task === 'multilabel') o.numLabels = width;
      if (options.average !== undefined && !/auroc|averagePrecision|logLoss|calibration|accuracy|topK/i.test(name))
        o.average = options.average;
      if (options.threshold !== undefined && /accuracy|precision|recall|f1|fbeta/i.test(name) && task !== 'multiclass')
        o.threshold = options.threshold;
      if (/topK/i.test(name)) o.topK = options.topK ?? Math.min(5, Math.max(1, width - 1));
      if (/logLoss|calibration/i.test(name) && task !== 'multiclass') delete o.task;
    }
    try {
      const m = getMetric(name, o);
      m.update(p.yTrue, p.yPred, p.sampleWeight ? { sampleWeight: p.sampleWeight } : {});
      results.push({ metric: name, value: m.compute() });
    } catch (e) {
      if (!(e instanceof LosskitError)) throw e;
      if (e.code === 'UNKNOWN_NAME') throw e;
      results.push({ metric: name, value: null, error: e.message });
    }
  }
  return { task, n: p.yTrue.length, results };
}

/** Diagnoses a loss on the predictions of a file. */
export function diagnosePredictions(p: Predictions, loss: string, options: LossOptions = {}): Diagnosis {
  return diagnoseLoss(loss, p.yTrue, p.yPred, p.sampleWeight ? { ...options, sampleWeight: p.sampleWeight } : options);
}

/** Formats a metric value for a terminal table. */
export function formatValue(v: MetricValue | null): string {
  if (v === null) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(6);
  if (Array.isArray(v))
    return `[${(v as unknown[]).map((x) => (typeof x === 'number' ? x.toPrecision(4) : Array.isArray(x) ? `[${x.join(',')}]` : String(x))).join(', ')}]`;
  return `{ ${Object.keys(v).join(', ')} }`;
}
