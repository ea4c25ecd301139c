/**
 * `getMetric(name, options)`, `restoreMetric(json)`, `listMetrics()` and the one-shot functions.
 */
import { LosskitError, describe } from '../errors.js';
import { suggest } from '../validate.js';
import type { AliasDefaults, MetricName, ResultKindOf } from './catalog.js';
import { METRIC_FAMILIES } from './catalog.js';
import type { MetricResult, ResultKind, WithDefaults } from './results.js';
import type { MetricJSON, MetricOptions, MetricTransfer } from './core.js';
import { Metric, metricOptions } from './core.js';
import type { MetricEntry, MetricSource } from './registry-types.js';

export type { MetricAlias, MetricEntry, MetricSource } from './registry-types.js';
export type { MetricName } from './catalog.js';

interface Resolved {
  entry: MetricEntry;
  defaults: MetricOptions;
}

let table: Map<string, Resolved> | null = null;

function lookup(): Map<string, Resolved> {
  if (table !== null) return table;
  const t = new Map<string, Resolved>();
  for (const entry of METRIC_FAMILIES.flat()) {
    t.set(entry.name, { entry, defaults: {} });
    for (const a of entry.aliases) {
      const prev = t.get(a.name);
      if (prev !== undefined && prev.entry !== entry) {
        throw new Error(`losskit internal: metric name '${a.name}' is claimed by ${prev.entry.name} and ${entry.name}`);
      }
      if (prev === undefined) t.set(a.name, { entry, defaults: a.defaults ?? {} });
    }
  }
  table = t;
  return t;
}

function resolve(name: string, fn: string): Resolved {
  const t = lookup();
  const r = typeof name === 'string' ? t.get(name) : undefined;
  if (r === undefined) {
    const hint = typeof name === 'string' ? suggest(name, [...t.keys()]) : undefined;
    throw new LosskitError(
      'UNKNOWN_NAME',
      fn,
      `'name' must be a known metric name; received ${describe(name)}${hint ? ` (did you mean '${hint}'?)` : ''}. listMetrics() lists every name`,
      'name',
    );
  }
  return r;
}

/** The result type of `getMetric(name, options).compute()`. */
export type GetMetricResult<N extends MetricName, O> = MetricResult<
  Extract<ResultKindOf<N>, ResultKind>,
  WithDefaults<AliasDefaults<N>, O>
>;

/**
 * A streaming metric by canonical name or alias (scikit-learn function names such as
 * `f1_score`, torchmetrics class names such as `F1Score`, Keras identifiers such as `auc`).
 *
 * @example
 * const m = getMetric('f1', { task: 'multiclass', numClasses: 4, average: 'macro' });
 * m.update(yTrue, yPred); m.compute();
 */
export function getMetric<N extends MetricName, O extends MetricOptions = object>(
  name: N,
  options?: O | null,
): Metric<object, object, GetMetricResult<N, O>>;
export function getMetric(name: string, options?: MetricOptions | null): Metric<object>;
export function getMetric(name: string, options: MetricOptions | null = {}): Metric<object, object, unknown> {
  const r = resolve(name, 'getMetric');
  // The options are checked before the alias's defaults are merged in (as the losses check theirs).
  const o = metricOptions(r.entry.name, options, r.entry.spec.optionNames);
  return new Metric(r.entry.spec, { ...r.defaults, ...o }, r.entry.name);
}

function invalidJson(where: string, what: string): never {
  throw new LosskitError('INVALID_INPUT', 'restoreMetric', `'${where}' ${what}`, 'json');
}

const isRecord = (v: unknown): v is object => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Restores a metric from `metric.toJSON()` (the object or its JSON text): an exact round trip.
 * Everything is checked before it is used: JSON text, the envelope (`losskitMetric`, `metric`,
 * `options`, `fingerprint`, `state`), the options (`INVALID_INPUT` naming `json.options`), the
 * fingerprint against the options (`INCOMPATIBLE_STATE`), and every state field's kind, length
 * (implied by the options) and values, with no field missing or unknown (`INVALID_INPUT` naming
 * the field). Nothing is allocated from a declared size before it has been checked.
 */
export function restoreMetric(json: MetricJSON | string): Metric<object> {
  return restoreFrom(json);
}

/**
 * @internal {@link restoreMetric} of a state moved between threads (`metric.toTransfer`), with
 * the same checks; its arrays are adopted, not copied.
 */
export function restoreTransfer(t: MetricTransfer): Metric<object> {
  return restoreFrom(t);
}

/** The fields of `metric.toJSON()` (and of `toTransfer`). */
const METRIC_JSON_KEYS = ['losskitMetric', 'metric', 'options', 'fingerprint', 'state'];

function restoreFrom(json: unknown): Metric<object> {
  let j: unknown = json;
  if (typeof json === 'string') {
    try {
      j = JSON.parse(json);
    } catch (e) {
      invalidJson(
        'json',
        `must be metric.toJSON() or its JSON text; received text that is not JSON (${e instanceof Error ? e.message : String(e)})`,
      );
    }
  }
  if (!isRecord(j) || Reflect.get(j, 'losskitMetric') !== 1)
    invalidJson('json', `must be the output of metric.toJSON() (with losskitMetric: 1); received ${describe(j)}`);
  // Nothing in it is ignored: a field toJSON() does not write is an error, not dropped.
  for (const key of Object.keys(j))
    if (!METRIC_JSON_KEYS.includes(key))
      invalidJson(
        `json.${key}`,
        `is not a field of metric.toJSON() (${METRIC_JSON_KEYS.join(', ')}); received ${describe(Reflect.get(j, key))}`,
      );
  const name: unknown = Reflect.get(j, 'metric');
  if (typeof name !== 'string') invalidJson('json.metric', `must be a metric name; received ${describe(name)}`);
  const options: unknown = Reflect.get(j, 'options');
  if (!isRecord(options)) invalidJson('json.options', `must be an object of options; received ${describe(options)}`);
  const fingerprint: unknown = Reflect.get(j, 'fingerprint');
  if (typeof fingerprint !== 'string')
    invalidJson('json.fingerprint', `must be a string; received ${describe(fingerprint)}`);
  const state: unknown = Reflect.get(j, 'state');
  if (!isRecord(state)) invalidJson('json.state', `must be an object of state fields; received ${describe(state)}`);
  const r = resolve(name, 'restoreMetric');
  let m: Metric<object>;
  try {
    m = new Metric(r.entry.spec, options, r.entry.name);
  } catch (e) {
    if (e instanceof LosskitError)
      invalidJson('json.options', `are not valid options of '${r.entry.name}': ${e.message}`);
    throw e;
  }
  return m.loadState(fingerprint, state);
}

export interface MetricInfo {
  name: string;
  description: string;
  aliases: { name: string; source: MetricSource }[];
  /** The option names the metric accepts (besides `sampleWeight` of the one-shot function). */
  options: string[];
}

/** Every canonical metric with its aliases and a one-line description. */
export function listMetrics(): MetricInfo[] {
  return METRIC_FAMILIES.flat().map((e) => ({
    name: e.name,
    description: e.description,
    aliases: e.aliases.map((a) => ({ name: a.name, source: a.source })),
    options: [...e.spec.optionNames],
  }));
}
