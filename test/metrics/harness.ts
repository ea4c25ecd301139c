/**
 * The torchmetrics-style streaming harness, run for every metric:
 * 1. one-shot function = `update` + `compute` on all the data;
 * 2. many batches (several split patterns) = the reference on all the data;
 * 3. states split into shards, serialised with toJSON, restored and merged = the whole;
 * 4. `reset` returns to the empty state; a clone is independent.
 */
import { expect } from 'vitest';
import {
  getMetric,
  restoreMetric,
  type MetricOptions,
  type MetricValue,
  type OneShotMetric,
  type Tensor,
} from '../../src/index.js';
import { expectClose } from '../helpers.js';

export interface HarnessCase {
  /** Metric name (canonical or alias). */
  metric: string;
  options?: MetricOptions;
  yTrue: number[] | number[][];
  yPred: number[] | number[][];
  sampleWeight?: number[];
  /** Reference value on all the data (e.g. from scikit-learn). */
  expected: MetricValue;
  rtol?: number;
  atol?: number;
}

function sliceRows<T>(a: T[], lo: number, hi: number): T[] {
  return a.slice(lo, hi);
}

/** Split points: one batch, singletons-ish, uneven batches. */
function splits(n: number): number[][] {
  const out: number[][] = [[0, n]];
  if (n >= 2) out.push([0, 1, n]);
  if (n >= 3) out.push([0, Math.floor(n / 3), Math.floor((2 * n) / 3), n]);
  if (n >= 5) out.push([0, 2, 3, n - 1, n]);
  return out;
}

function compareValue(actual: MetricValue, expected: MetricValue, rtol: number, atol: number, label: string): void {
  if (typeof expected === 'object' && expected !== null && !Array.isArray(expected)) {
    const a = actual as Record<string, number[]>;
    for (const k of Object.keys(expected)) expectClose(a[k], expected[k], rtol, atol, `${label}.${k}`);
    return;
  }
  expectClose(actual as number | number[], expected as number | number[], rtol, atol, label);
}

export function runHarness(c: HarnessCase, oneShotFn?: OneShotMetric): void {
  const rtol = c.rtol ?? 1e-9;
  const atol = c.atol ?? 1e-12;
  const opts = c.options ?? {};
  const n = c.yTrue.length;
  const w = c.sampleWeight;

  // 1. one-shot = update + compute
  const whole = getMetric(c.metric, opts);
  whole.update(c.yTrue as never, c.yPred as never, w ? { sampleWeight: w } : {});
  compareValue(whole.compute(), c.expected, rtol, atol, `${c.metric} update+compute`);
  if (oneShotFn)
    compareValue(
      oneShotFn(c.yTrue as never, c.yPred as never, w ? { ...opts, sampleWeight: w } : opts),
      c.expected,
      rtol,
      atol,
      `${c.metric} one-shot`,
    );

  for (const sp of splits(n)) {
    // 2. batches
    const m = getMetric(c.metric, opts);
    const shards = [];
    for (let b = 0; b + 1 < sp.length; b++) {
      const [lo, hi] = [sp[b], sp[b + 1]];
      if (hi <= lo) continue;
      const yt = sliceRows(c.yTrue as unknown[], lo, hi);
      const yp = sliceRows(c.yPred as unknown[], lo, hi);
      const bw = w ? { sampleWeight: w.slice(lo, hi) } : {};
      m.update(yt as never, yp as never, bw);
      const s = getMetric(c.metric, opts);
      s.update(yt as never, yp as never, bw);
      shards.push(s);
    }
    compareValue(m.compute(), c.expected, rtol, atol, `${c.metric} batches ${sp.join(',')}`);
    // 3. shards → JSON → restore → merge (in reverse order, to catch order dependence)
    const merged = getMetric(c.metric, opts);
    for (const s of shards.reverse()) merged.merge(restoreMetric(JSON.parse(JSON.stringify(s.toJSON()))));
    compareValue(merged.compute(), c.expected, rtol, atol, `${c.metric} merged shards ${sp.join(',')}`);
  }

  // 4. serialisation is exact; reset; clone independence
  const again = restoreMetric(JSON.stringify(whole.toJSON()));
  expect(JSON.stringify(again.toJSON())).toBe(JSON.stringify(whole.toJSON()));
  const cl = whole.clone();
  whole.reset();
  compareValue(cl.compute(), c.expected, rtol, atol, `${c.metric} clone after reset of original`);
  whole.update(c.yTrue as never, c.yPred as never, w ? { sampleWeight: w } : {});
  compareValue(whole.compute(), c.expected, rtol, atol, `${c.metric} after reset + update`);
}

export type { Tensor };
