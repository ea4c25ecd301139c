/** Metric arguments of `losskit/tfjs`: names or `Metric` instances, resolved to named pairs. */
import { LosskitError, describe } from '../errors.js';
import { Metric, type MetricValue } from '../metrics/core.js';
import { getMetric } from '../metrics/registry.js';

/**
 * Metrics to track: an array of `getMetric` names / `Metric` instances (logged under the name),
 * or an object `{ logName: name | Metric }`.
 */
export type MetricsArg = readonly (string | Metric)[] | Readonly<Record<string, string | Metric>>;

/** Log keys a metric may not take (they are the loss's and the batch's). */
const RESERVED = new Set(['loss', 'batch', 'size', 'epoch', 'lr', 'val_loss']);

/** Resolves a metrics argument to `[logName, Metric]` pairs (names through `getMetric`). */
export function resolveMetrics(fn: string, metrics: MetricsArg | undefined): [string, Metric][] {
  if (metrics === undefined) return [];
  if (metrics === null || typeof metrics !== 'object') {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'metrics' must be an array of metric names / Metric instances or an object { name: metric }; received ${describe(metrics)}`,
      'metrics',
    );
  }
  const entries: [string | null, unknown][] = Array.isArray(metrics)
    ? metrics.map((m): [null, unknown] => [null, m])
    : Object.entries(metrics);
  const out: [string, Metric][] = [];
  for (const [key, m] of entries) {
    let metric: Metric;
    if (m instanceof Metric) metric = m;
    else if (typeof m === 'string') metric = getMetric(m);
    else
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'metrics' entries must be metric names or Metric instances (getMetric(name, options)); received ${describe(m)}`,
        'metrics',
      );
    const name = key ?? (typeof m === 'string' ? m : metric.name);
    if (RESERVED.has(name) || name.startsWith('val_') || name === '') {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'metrics': the log name ${describe(name)} is reserved ('loss', 'batch', 'size', 'epoch', 'lr' and names starting with 'val_'); use the object form { myName: metric }`,
        'metrics',
      );
    }
    if (out.some(([k]) => k === name)) {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option 'metrics' names ${describe(name)} twice; use the object form { name1: metric, name2: metric } to tell them apart`,
        'metrics',
      );
    }
    out.push([name, metric]);
  }
  return out;
}

/** The scalar (number-valued) entries of `values`, keyed `prefix + name`: what goes into tfjs logs. */
export function scalarLogs(values: Record<string, MetricValue>, prefix: string): Record<string, number> {
  const logs: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === 'number') logs[prefix + k] = v;
  return logs;
}
