/**
 * The exact score histogram behind auroc / averagePrecision / the curves: its sorts (radix and
 * native paths), the pending buffers folded in blocks, and merges — each against a simple
 * reference (a comparator sort and a Map of distinct scores) on random inputs with ties,
 * −0 / +0, tiny budgets (many folds) and batch sizes that cross every threshold.
 */
import { describe, expect, it } from 'vitest';
import { getMetric, metrics, restoreMetric } from '../../src/index.js';
import {
  addScores,
  addWeighted,
  emptyHistogram,
  mergeHistogram,
  readRun,
  runFromTriples,
  sortScores,
  sortedOrder,
  type Histogram,
  type Run,
} from '../../src/metrics/score-histogram.js';
import { expectLosskitError, rng } from '../helpers.js';

/** Scores with many ties, both zeros, negatives, tiny and huge values. */
function scores(n: number, seed: number, kind: 'quantised' | 'mixed' | 'uniform'): Float64Array {
  const r = rng(seed);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    a[i] =
      kind === 'uniform'
        ? u
        : kind === 'quantised'
          ? Math.floor(u * 50) / 50 - (r() < 0.1 ? 0.5 : 0)
          : (u - 0.5) * 10 ** Math.floor(r() * 40 - 20);
    if (r() < 0.02) a[i] = r() < 0.5 ? -0 : 0;
  }
  return a;
}

/** Reference histogram: a Map from score (−0 and +0 one key) to [pos, neg], keys sorted by comparator. */
function reference(entries: { k: number; pos: boolean; w: number }[]): Run {
  const m = new Map<number, [number, number]>();
  for (const e of entries) {
    if (e.w === 0) continue;
    const key = e.k === 0 ? 0 : e.k;
    const c = m.get(key) ?? [0, 0];
    if (e.pos) c[0] += e.w;
    else c[1] += e.w;
    m.set(key, c);
  }
  const keys = [...m.keys()].sort((a, b) => a - b);
  return {
    keys: Float64Array.from(keys),
    pos: Float64Array.from(keys, (k) => m.get(k)?.[0] ?? 0),
    neg: Float64Array.from(keys, (k) => m.get(k)?.[1] ?? 0),
  };
}

function expectRun(got: Run, want: Run, what: string): void {
  expect(got.keys.length, `${what}: distinct keys`).toBe(want.keys.length);
  for (let i = 0; i < want.keys.length; i++) {
    if (got.keys[i] !== want.keys[i]) expect.fail(`${what}: key ${i}: ${got.keys[i]} vs ${want.keys[i]}`);
    if (got.pos[i] !== want.pos[i]) expect.fail(`${what}: pos ${i}: ${got.pos[i]} vs ${want.pos[i]}`);
    if (got.neg[i] !== want.neg[i]) expect.fail(`${what}: neg ${i}: ${got.neg[i]} vs ${want.neg[i]}`);
  }
}

describe('sorts', () => {
  it('sortScores orders like Float64Array.prototype.sort on both paths (native < 2^16 <= radix)', () => {
    for (const n of [0, 1, 7, 65535, 65536, 140000])
      for (const kind of ['quantised', 'mixed', 'uniform'] as const) {
        const a = scores(n, n + 3, kind);
        if (n > 6) a.set([-0, 0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MAX_VALUE], 0);
        const ref = a.slice().sort();
        sortScores(a);
        for (let i = 0; i < n; i++)
          if (!Object.is(a[i], ref[i])) expect.fail(`${kind} n=${n}: index ${i}: ${a[i]} vs ${ref[i]}`);
      }
  });
  it('sortedOrder: a permutation, keys ascending, equal keys adjacent, identical ones in index order (both paths)', () => {
    for (const n of [0, 1, 300, 511, 512, 5000, 70000])
      for (const kind of ['quantised', 'mixed'] as const) {
        const k = scores(n, 2 * n + 1, kind);
        const lo = n > 10 ? 3 : 0;
        const len = n - lo;
        const o = sortedOrder(k, lo, len);
        expect(o.length).toBe(len);
        const seen = new Uint8Array(len);
        for (let t = 0; t < len; t++) seen[o[t]]++;
        expect(seen.every((c) => c === 1)).toBe(true);
        for (let t = 1; t < len; t++) {
          const x = k[lo + o[t - 1]];
          const y = k[lo + o[t]];
          if (!(x <= y)) expect.fail(`${kind} n=${n}: not ascending at ${t}: ${x}, ${y}`);
          if (Object.is(x, y) && !(o[t - 1] < o[t])) expect.fail(`${kind} n=${n}: tie not in index order at ${t}`);
        }
      }
  });
});

describe('runs and histograms against the reference', () => {
  it('runFromTriples (any order, repeats, zero weights dropped, −0 and +0 one key)', () => {
    for (const n of [1, 40, 600, 20000]) {
      const k = scores(n, n, 'quantised');
      const r = rng(n + 9);
      const p = new Float64Array(n);
      const ng = new Float64Array(n);
      const entries: { k: number; pos: boolean; w: number }[] = [];
      for (let i = 0; i < n; i++) {
        // Integer weights: sums are exact in any order, so the comparison is bit for bit.
        const w = r() < 0.1 ? 0 : Math.floor(r() * 5);
        if (r() < 0.3) p[i] = w;
        else ng[i] = w;
        entries.push({ k: k[i], pos: p[i] !== 0, w });
      }
      expectRun(runFromTriples(k, p, ng, 0, n), reference(entries), `n=${n}`);
    }
  });

  const cases = [
    { n: 5000, budget: 64, batch: 7 },
    { n: 30000, budget: 1000, batch: 4096 },
    { n: 150000, budget: 1 << 21, batch: 150000 },
    { n: 150000, budget: 20000, batch: 65537 },
  ];
  for (const { n, budget, batch } of cases)
    it(`streamed unit and weighted entries (n=${n}, budget ${budget}, batches of ${batch}) equal the reference`, () => {
      const k = scores(n, n + budget, 'quantised');
      const r = rng(batch);
      const isPos = new Uint8Array(n);
      const w = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        isPos[i] = r() < 0.3 ? 1 : 0;
        w[i] = r() < 0.05 ? 0 : Math.floor(r() * 4);
      }
      const unit: Histogram = { ...emptyHistogram(), budget };
      const weighted: Histogram = { ...emptyHistogram(), budget };
      const mixed: Histogram = { ...emptyHistogram(), budget };
      for (let lo = 0, b = 0; lo < n; lo += batch, b++) {
        const m = Math.min(batch, n - lo);
        const at = { offset: lo, stride: 1, n: m };
        const posAt = { offset: lo, stride: 1 };
        addScores(unit, k, at, isPos, posAt);
        addWeighted(weighted, k, at, isPos, posAt, w.subarray(lo, lo + m));
        if (b % 2 === 0) addScores(mixed, k, at, isPos, posAt);
        else addWeighted(mixed, k, at, isPos, posAt, w.subarray(lo, lo + m));
      }
      const ent = (wOf: (i: number, b: number) => number) =>
        Array.from(k, (x, i) => ({ k: x, pos: isPos[i] === 1, w: wOf(i, Math.floor(i / batch)) }));
      expectRun(readRun(unit), reference(ent(() => 1)), 'unit weights');
      expectRun(readRun(weighted), reference(ent((i) => w[i])), 'weighted');
      expectRun(readRun(mixed), reference(ent((i, b) => (b % 2 === 0 ? 1 : w[i]))), 'unit and weighted batches');
      // Pending entries count in a merge, and the merged-from histogram keeps its value.
      const a: Histogram = { ...emptyHistogram(), budget };
      const c: Histogram = { ...emptyHistogram(), budget };
      const half = Math.floor(n / 2);
      addScores(a, k, { offset: 0, stride: 1, n: half }, isPos, { offset: 0, stride: 1 });
      addScores(c, k, { offset: half, stride: 1, n: n - half }, isPos, { offset: half, stride: 1 });
      mergeHistogram(a, c);
      expectRun(readRun(a), reference(ent(() => 1)), 'merge of two halves');
      expectRun(readRun(c), reference(ent(() => 1).slice(half)), 'the merged-from half is unchanged');
    });

  it('strided columns and an all-positive batch (isPos null)', () => {
    const C = 3;
    const n = 2000;
    const s = scores(n * C, 5, 'quantised');
    const isPos = new Uint8Array(n * C);
    for (let i = 0; i < n; i++) isPos[i * C + (i % C)] = 1;
    for (let c = 0; c < C; c++) {
      const h: Histogram = { ...emptyHistogram(), budget: 100 };
      addScores(h, s, { offset: c, stride: C, n }, isPos, { offset: c, stride: C });
      const ent = Array.from({ length: n }, (_, i) => ({ k: s[i * C + c], pos: isPos[i * C + c] === 1, w: 1 }));
      expectRun(readRun(h), reference(ent), `column ${c}`);
    }
    const h = emptyHistogram();
    addScores(h, s, { offset: 0, stride: 1, n: 10 }, null, { offset: 0, stride: 1 });
    expectRun(readRun(h), reference(Array.from(s.subarray(0, 10), (x) => ({ k: x, pos: true, w: 1 }))), 'all positive');
  });

  it('−0 and +0 are one threshold, whichever arrives first and in any batch', () => {
    const h: Histogram = { ...emptyHistogram(), budget: 64 };
    const a = Float64Array.from([0, -0, 0.5, -0, 0]);
    addScores(h, a, { offset: 0, stride: 1, n: 5 }, Uint8Array.from([1, 0, 1, 1, 0]), { offset: 0, stride: 1 });
    addScores(h, Float64Array.from([-0]), { offset: 0, stride: 1, n: 1 }, Uint8Array.from([0]), {
      offset: 0,
      stride: 1,
    });
    const r = readRun(h);
    expect(r.keys.length).toBe(2);
    expect(r.keys[0] === 0 && r.keys[1] === 0.5).toBe(true); // −0 or +0: one key
    expect(Array.from(r.pos)).toEqual([2, 1]);
    expect(Array.from(r.neg)).toEqual([3, 0]);
  });
});

describe('through the metrics', () => {
  it('NaN and ±Infinity scores are rejected (nothing is sorted with a NaN)', () => {
    for (const bad of [NaN, Infinity, -Infinity])
      expectLosskitError(() => getMetric('auroc').update([0, 1, 1], [0.2, bad, 0.4]), 'NON_FINITE');
  });
  it('toJSON, clone and merge in the middle of a stream (entries still pending) equal one pass', () => {
    const n = 40000;
    const C = 4;
    const r = rng(99);
    const y = Float64Array.from({ length: n }, () => Math.floor(r() * C));
    const p = new Float64Array(n * C);
    for (let i = 0; i < n * C; i++) p[i] = Math.round(r() * 1000) / 1000;
    const opts = { task: 'multiclass', numClasses: C, average: 'none' } as const;
    const whole = metrics.auroc(y, { data: p, shape: [n, C] }, opts);
    const m = getMetric('auroc', opts);
    const half = n / 2;
    m.update(y.subarray(0, half), { data: p.subarray(0, half * C), shape: [half, C] });
    const saved = restoreMetric(JSON.parse(JSON.stringify(m.toJSON())));
    const copy = m.clone();
    const rest = getMetric('auroc', opts);
    rest.update(y.subarray(half), { data: p.subarray(half * C), shape: [n - half, C] });
    for (const x of [m, saved, copy]) x.merge(rest);
    for (const x of [m, saved, copy]) expect(x.compute()).toEqual(whole);
  });
});
