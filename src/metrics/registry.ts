/**
 * `getMetric(name, options)`, `restoreMetric(json)`, `listMetrics()` and the one-shot functions.
 */
import { LosskitError, describe } from '../errors.js';
import { suggest } from '../validate.js';
import { METRIC_FAMILIES } from './catalog.js';
import type { MetricJSON, MetricOptions } from './core.js';
import { Metric } from './core.js';
import type { MetricEntry, MetricSource } from './registry-types.js';

export type { MetricAlias, MetricEntry, MetricSource } from './registry-types.js';

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

/**
 * A streaming metric by canonical name or alias (scikit-learn function names such as
 * `f1_score`, torchmetrics class names such as `F1Score`, Keras identifiers such as `auc`).
 *
 * @example
 * const m = getMetric('f1', { task: 'multiclass', numClasses: 4, average: 'macro' });
 * m.update(yTrue, yPred); m.compute();
 */
export function getMetric(name: string, options: MetricOptions = {}): Metric<object> {
  const r = resolve(name, 'getMetric');
  return new Metric(r.entry.spec, { ...r.defaults, ...options }, r.entry.name);
}

/** Restores a metric from `metric.toJSON()`: an exact round trip. */
export function restoreMetric(json: MetricJSON | string): Metric<object> {
  const j: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  if (j === null || typeof j !== 'object' || (j as Partial<MetricJSON>).losskitMetric !== 1) {
    throw new LosskitError(
      'INVALID_INPUT',
      'restoreMetric',
      `'json' must be the output of metric.toJSON(); received ${describe(j)}`,
      'json',
    );
  }
  const mj = j as MetricJSON;
  const r = resolve(mj.metric, 'restoreMetric');
  return new Metric(r.entry.spec, mj.options, r.entry.name).loadState(mj);
}

export interface MetricInfo {
  name: string;
  description: string;
  aliases: { name: string; source: MetricSource }[];
}

/** Every canonical metric with its aliases and a one-line description. */
export function listMetrics(): MetricInfo[] {
  return METRIC_FAMILIES.flat().map((e) => ({
    name: e.name,
    description: e.description,
    aliases: e.aliases.map((a) => ({ name: a.name, source: a.source })),
  }));
}
