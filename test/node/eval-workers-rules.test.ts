/**
 * The two declarations the block path relies on, checked over the whole metric registry (every
 * metric whose spec declares them, binary and multiclass):
 * - `countState`: unweighted states merged in any order (and updated batch by batch) are the
 *   same bits — the block path keeps ONE state per thread for them;
 * - `shareKey`: metrics with the same key build the same serialised state from the same batches
 *   (weighted too) — the engine updates one and copies it to the others.
 */
import { describe, expect, it } from 'vitest';
import { METRIC_FAMILIES } from '../../src/metrics/catalog.js';
import type { Metric, MetricOptions } from '../../src/metrics/core.js';
import { getMetric } from '../../src/metrics/registry.js';
import { lcg } from './eval-helpers.js';

const C = 4;
const TASKS: { task: 'binary' | 'multiclass'; options: MetricOptions }[] = [
  { task: 'binary', options: { task: 'binary' } },
  { task: 'multiclass', options: { task: 'multiclass', numClasses: C } },
];

interface Batch {
  yTrue: { data: Float64Array; shape: number[] };
  yPred: { data: Float64Array; shape: number[] };
  w: { data: Float64Array; shape: number[] };
}

/** Random batches with tied scores (3 decimals, −0 and +0 among them) and fractional weights. */
function batches(task: 'binary' | 'multiclass', seed: number, sizes: number[]): Batch[] {
  const r = lcg(seed);
  return sizes.map((n, bi) => {
    const zero = bi % 2 === 0 ? -0 : 0; // −0 in some batches, +0 in others
    const width = task === 'binary' ? 1 : C;
    const yt = new Float64Array(n);
    const yp = new Float64Array(n * width);
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      yt[i] = task === 'binary' ? (r() < 0.4 ? 1 : 0) : Math.floor(r() * C);
      for (let j = 0; j < width; j++) yp[i * width + j] = r() < 0.02 ? zero : Number(r().toFixed(3));
      w[i] = 0.1 + r() * 1.7;
    }
    return {
      yTrue: { data: yt, shape: [n] },
      yPred: { data: yp, shape: width === 1 ? [n] : [n, width] },
      w: { data: w, shape: [n] },
    };
  });
}

/** Every (metric, task) whose spec declares `countState` or `shareKey` and accepts the task. */
function declared(): { name: string; task: 'binary' | 'multiclass'; make: () => Metric }[] {
  const out: { name: string; task: 'binary' | 'multiclass'; make: () => Metric }[] = [];
  for (const e of METRIC_FAMILIES.flat()) {
    if (e.spec.countState === undefined && e.spec.shareKey === undefined) continue;
    for (const { task, options } of TASKS) {
      const o: MetricOptions = {};
      for (const [k, v] of Object.entries(options)) if (e.spec.optionNames.includes(k)) Reflect.set(o, k, v as unknown);
      try {
        getMetric(e.name, o);
      } catch {
        continue; // the metric does not take this task
      }
      out.push({ name: e.name, task, make: () => getMetric(e.name, o) });
    }
  }
  return out;
}

const stateText = (m: Metric) => JSON.stringify(m.toJSON().state);
/** Every bit of a state (−0 and +0 differ), from its transfer form. */
const stateBits = (m: Metric) =>
  JSON.stringify(
    Object.entries(m.toTransfer([]).state).map(([k, v]) => [
      k,
      typeof v === 'number' ? [v, Object.is(v, -0)] : Buffer.from(('f64' in v ? v.f64 : v.list).buffer).toString('hex'),
    ]),
  );

describe('countState: unweighted states merge exactly in any order', () => {
  const list = declared();
  it('covers the stat-score and ranking metrics', () => {
    const names = new Set(list.map((d) => d.name));
    for (const n of ['accuracy', 'precision', 'recall', 'f1', 'auroc', 'averagePrecision', 'rocCurve'])
      expect(names.has(n)).toBe(true);
  });
  for (const d of list)
    it(`${d.name} (${d.task})`, () => {
      const probe = d.make();
      if (!probe.orderFree(false)) return; // declared for other configs only
      expect(probe.orderFree(true)).toBe(false); // weights are float sums
      const bs = batches(d.task, 7, [700, 1, 333, 1200]);
      const seq = d.make();
      for (const b of bs) seq.update(b.yTrue, b.yPred);
      const parts = bs.map((b) => d.make().update(b.yTrue, b.yPred));
      // right to left, and in a scrambled tree
      const rtl = d.make();
      for (const p of [...parts].reverse()) rtl.merge(p);
      const a = d.make().merge(parts[2]).merge(parts[0]);
      const b = d.make().merge(parts[3]).merge(parts[1]);
      const tree = b.merge(a);
      expect(stateBits(rtl)).toBe(stateBits(seq));
      expect(stateBits(tree)).toBe(stateBits(seq));
    });
});

describe('shareKey: metrics with one key build one state', () => {
  const list = declared();
  const groups = new Map<string, typeof list>();
  for (const d of list) {
    const k = d.make().shareKey();
    if (k === null) continue;
    groups.set(k, [...(groups.get(k) ?? []), d]);
  }
  it('accuracy, precision, recall, f1 share (binary and multiclass); auroc and averagePrecision share', () => {
    const together = (a: string, b: string, task: string) =>
      [...groups.values()].some((g) => g.some((d) => d.name === a && d.task === task) && g.some((d) => d.name === b));
    for (const task of ['binary', 'multiclass']) {
      for (const n of ['precision', 'recall', 'f1']) expect(together('accuracy', n, task)).toBe(true);
      expect(together('auroc', 'averagePrecision', task)).toBe(true);
    }
  });
  for (const [key, g] of groups)
    it(`${g.map((d) => d.name).join(', ')} (${g[0].task})`, () => {
      expect(JSON.parse(key)).toHaveProperty('state');
      const bs = batches(g[0].task, 11, [500, 900]);
      for (const weighted of [false, true]) {
        const states = g.map((d) => {
          const m = d.make();
          for (const b of bs) m.update(b.yTrue, b.yPred, weighted ? { sampleWeight: b.w } : {});
          return m;
        });
        for (const m of states.slice(1)) expect(stateText(m)).toBe(stateText(states[0]));
        // adoptState copies it: the copy computes what the metric itself computes
        for (const [i, d] of g.entries()) {
          const copy = d.make().adoptState(states[0]);
          expect(stateText(copy)).toBe(stateText(states[i]));
          expect(JSON.stringify(copy.compute())).toBe(JSON.stringify(states[i].compute()));
        }
      }
    });
});
