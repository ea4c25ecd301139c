/**
 * Exact, mergeable score histograms: the state behind the exact `auroc`, `averagePrecision`,
 * `rocCurve` and `precisionRecallCurve`.
 *
 * A histogram is the list of **distinct scores in ascending order, with the total weight of
 * the positive and of the negative samples at each score** — everything a ranking metric
 * needs, and nothing more: memory is O(distinct scores) (24 bytes per distinct score: key,
 * positive weight, negative weight), not O(samples), and ties are exact.
 *
 * A {@link Histogram} (serialised as fields `<prefix>k`, `<prefix>p`, `<prefix>n`, `<prefix>s`):
 * - `k`, `p`, `n` ({@link F64List}s): keys, positive weight, negative weight;
 * - `s` (number): the length of the sorted, compacted prefix. Entries after it are a
 *   *tail* of pending (key, pos, neg) triples in any order (a saved state may hold one).
 *
 * Updates do not sort per batch. Scores are appended to a **pending buffer** that is not part
 * of the serialised state (8 bytes per sample: unit-weight scores of positives from its front,
 * of negatives from its back; weighted samples as (score, ±weight) pairs). When the buffer
 * holds as many entries as the histogram has keys (at least a budget of about 2²¹ entries
 * shared by the histograms of a metric), it is folded in: positives and negatives are each
 * sorted once ({@link sortScores}: an LSD radix sort on the order-preserving float64 bits for
 * large arrays, the native numeric sort for small ones; weighted pairs by a radix sort of
 * (key, index)), counted into a run of distinct scores in one pass, and merged into the
 * compacted histogram in one linear merge. Every sample is therefore sorted exactly once, in
 * large blocks, and each merge costs no more than the pending entries it folds in (amortised
 * O(1) per sample on top of the sort). The pending buffer is folded in before anything reads
 * the histogram (compute, merge, `toJSON`, `clone`), so the serialised state never holds it, and
 * released then (a block's histogram holds no buffer once it is computed or merged).
 * `merge` is one linear sorted merge summing equal keys. Samples of zero weight are dropped (as
 * scikit-learn does), so they never create a threshold.
 */
import type { FloatArray } from '../tensor.js';
import type { FieldSpec } from './core.js';
import { F64List } from './core.js';

/** A compacted histogram: ascending distinct keys with positive / negative weight. */
export interface Run {
  keys: Float64Array;
  pos: Float64Array;
  neg: Float64Array;
}

const EMPTY_RUN: Run = { keys: new Float64Array(0), pos: new Float64Array(0), neg: new Float64Array(0) };
/** The storage of every empty pending buffer (never written: replaced on the first append). */
const NO_PENDING = new Float64Array(0);

/**
 * One exact score histogram: a sorted, compacted prefix of length `s`, then a tail (fields), and
 * the pending buffers (not serialised; folded in by {@link settle}).
 */
export interface Histogram {
  k: F64List;
  p: F64List;
  n: F64List;
  s: number;
  /** Pending unit-weight scores: `up` positives at the front of `u`, `un` negatives at its back. */
  u: Float64Array;
  up: number;
  un: number;
  /** Pending weighted samples: `wn` scores `wk` with signed weights `ww` (+w positive, −w negative; never 0). */
  wk: Float64Array;
  ww: Float64Array;
  wn: number;
  /** Pending entries allowed before a fold when the histogram is smaller than this. */
  budget: number;
}

/** Total pending entries a metric's histograms may hold before folding (about 16 MB). */
export const PENDING_BUDGET = 1 << 21;

/**
 * An empty histogram (nothing allocated until the first batch). `share`: the number of
 * histograms of the metric, which split {@link PENDING_BUDGET} between them.
 */
export function emptyHistogram(share = 1): Histogram {
  return {
    k: new F64List(),
    p: new F64List(),
    n: new F64List(),
    s: 0,
    u: NO_PENDING,
    up: 0,
    un: 0,
    wk: NO_PENDING,
    ww: NO_PENDING,
    wn: 0,
    budget: Math.max(64, Math.floor(PENDING_BUDGET / Math.max(1, share))),
  };
}

/**
 * The four serialised fields of histogram `at(state)`, named `prefix + 'k' | 'p' | 'n' | 's'`
 * (merged by the spec: `'custom'`). Reading a field first folds the pending buffer in.
 */
export function histogramFields<S>(prefix: string, at: (state: S) => Histogram): FieldSpec<S>[] {
  const list = (x: 'k' | 'p' | 'n'): FieldSpec<S> => ({
    key: prefix + x,
    kind: 'list',
    rule: 'custom',
    // Scores are finite (checked on update); weights finite and >= 0.
    values: x === 'k' ? 'finite' : 'count',
    get: (st) => settle(at(st))[x],
    set: (st, v) => {
      at(st)[x] = v;
    },
  });
  return [
    list('k'),
    list('p'),
    list('n'),
    {
      key: prefix + 's',
      kind: 'num',
      rule: 'custom',
      values: 'index',
      size: true,
      get: (st) => settle(at(st)).s,
      set: (st, v) => {
        at(st).s = v;
      },
    },
  ];
}

/**
 * The consistency of a restored histogram: keys, positive and negative weights of equal
 * length, the compacted prefix no longer than them and strictly ascending. `null` when it holds.
 */
export function checkHistogram(h: Histogram): string | null {
  const m = h.k.length;
  if (h.p.length !== m || h.n.length !== m)
    return `keys, positive and negative weights must have equal lengths; received ${m}, ${h.p.length}, ${h.n.length}`;
  if (h.s > m) return `the sorted prefix length ${h.s} exceeds the ${m} entries`;
  const k = h.k.data;
  for (let i = 1; i < h.s; i++)
    if (!(k[i - 1] < k[i])) return `the sorted prefix is not strictly ascending at entry ${i} (${k[i - 1]}, ${k[i]})`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Sorting float64 keys

/** Bits per radix digit: 6 passes cover the 64 bits of a float64 (11 · 6 = 66). */
const DIGIT = 11;
const RADIX = 1 << DIGIT;
const MASK = RADIX - 1;
/** Below this many values the native sorts win. */
const RADIX_MIN = 1 << 16;

/**
 * Float64 bits (`u[2i]` low word, `u[2i+1]` high word, little-endian) → keys of the same order
 * as unsigned 64-bit integers (sign bit flipped for positives, all bits inverted for negatives:
 * −0 just below +0), counting the six 11-bit digits of every key into `cnt` (6 × 2048). The
 * words are handled as `Int32Array` elements: V8 keeps them in int32 registers, where
 * `Uint32Array` values above 2³¹ become doubles (measured 1.4× slower over a sort).
 */
function toOrderedBits(u: Int32Array, n: number, cnt: Int32Array): void {
  for (let j = 0; j < 2 * n; j += 2) {
    let lo = u[j];
    let hi = u[j + 1];
    if (hi < 0) {
      lo = ~lo;
      hi = ~hi;
    } else hi = hi ^ -0x80000000;
    u[j] = lo;
    u[j + 1] = hi;
    cnt[lo & MASK]++;
    cnt[RADIX + ((lo >> 11) & MASK)]++;
    cnt[2 * RADIX + (((lo >>> 22) | (hi << 10)) & MASK)]++;
    cnt[3 * RADIX + ((hi >> 1) & MASK)]++;
    cnt[4 * RADIX + ((hi >> 12) & MASK)]++;
    cnt[5 * RADIX + ((hi >> 23) & 511)]++;
  }
}

/** The inverse of {@link toOrderedBits} (without counting). */
function fromOrderedBits(u: Int32Array, n: number): void {
  for (let j = 0; j < 2 * n; j += 2) {
    const hi = u[j + 1];
    if (hi < 0) u[j + 1] = hi ^ -0x80000000;
    else {
      u[j] = ~u[j];
      u[j + 1] = ~hi;
    }
  }
}

/*
 * One LSD pass: keys `src` (word pairs) scattered into `dst` by one digit, `cc` holding the
 * digit's starting word offsets (advanced by 2 per key). One function per digit: each is
 * compiled once for its own loop (a single function with a switch was deoptimised and
 * recompiled at every new digit: 11 TurboFan compiles per run, measured with --trace-deopt).
 */
type Scatter = (src: Int32Array, dst: Int32Array, n2: number, cc: Int32Array) => void;
const scatterKeys: Scatter[] = [
  (src, dst, n2, cc) => {
    for (let j = 0; j < n2; j += 2) {
      const lo = src[j];
      const d = lo & MASK;
      const k = cc[d];
      cc[d] = k + 2;
      dst[k] = lo;
      dst[k + 1] = src[j + 1];
    }
  },
  (src, dst, n2, cc) => {
    for (let j = 0; j < n2; j += 2) {
      const lo = src[j];
      const d = (lo >> 11) & MASK;
      const k = cc[d];
      cc[d] = k + 2;
      dst[k] = lo;
      dst[k + 1] = src[j + 1];
    }
  },
  (src, dst, n2, cc) => {
    for (let j = 0; j < n2; j += 2) {
      const lo = src[j];
      const hi = src[j + 1];
      const d = ((lo >>> 22) | (hi << 10)) & MASK;
      const k = cc[d];
      cc[d] = k + 2;
      dst[k] = lo;
      dst[k + 1] = hi;
    }
  },
  (src, dst, n2, cc) => {
    for (let j = 0; j < n2; j += 2) {
      const hi = src[j + 1];
      const d = (hi >> 1) & MASK;
      const k = cc[d];
      cc[d] = k + 2;
      dst[k] = src[j];
      dst[k + 1] = hi;
    }
  },
  (src, dst, n2, cc) => {
    for (let j = 0; j < n2; j += 2) {
      const hi = src[j + 1];
      const d = (hi >> 12) & MASK;
      const k = cc[d];
      cc[d] = k + 2;
      dst[k] = src[j];
      dst[k + 1] = hi;
    }
  },
  (src, dst, n2, cc) => {
    for (let j = 0; j < n2; j += 2) {
      const hi = src[j + 1];
      const d = (hi >> 23) & 511;
      const k = cc[d];
      cc[d] = k + 2;
      dst[k] = src[j];
      dst[k + 1] = hi;
    }
  },
];

/** One LSD pass of keys with a payload (`sortedOrder`): as {@link scatterKeys}, `cc` in keys. */
function scatterPairs(
  src: Int32Array,
  dst: Int32Array,
  srcI: Int32Array,
  dstI: Int32Array,
  cc: Int32Array,
  pass: number,
): void {
  const n2 = srcI.length * 2;
  for (let j = 0, i = 0; j < n2; j += 2, i++) {
    const t = cc[digitOf(src, j, pass)]++;
    dst[2 * t] = src[j];
    dst[2 * t + 1] = src[j + 1];
    dstI[t] = srcI[i];
  }
}

/** Digit `pass` (0 = lowest) of the key at `u[j]`, `u[j + 1]`. */
function digitOf(u: Int32Array, j: number, pass: number): number {
  switch (pass) {
    case 0:
      return u[j] & MASK;
    case 1:
      return (u[j] >> 11) & MASK;
    case 2:
      return ((u[j] >>> 22) | (u[j + 1] << 10)) & MASK;
    case 3:
      return (u[j + 1] >> 1) & MASK;
    case 4:
      return (u[j + 1] >> 12) & MASK;
    default:
      return (u[j + 1] >> 23) & 511;
  }
}

/**
 * LSD radix sort of `n` ordered 64-bit keys in `u` (pairs of words), stable, carrying the
 * payload `idx` when given; passes whose digit is the same for every key are skipped. Returns
 * the arrays holding the result (`u` / `idx` themselves or the scratch arrays).
 */
function radixPasses(
  u: Int32Array,
  idx: Int32Array | null,
  n: number,
  cnt: Int32Array,
): { u: Int32Array; idx: Int32Array | null } {
  let src = u;
  let srcI = idx;
  let dst: Int32Array | null = null;
  let dstI: Int32Array | null = null;
  for (let pass = 0; pass < 6; pass++) {
    const base = pass * RADIX;
    let sum = 0;
    let trivial = false;
    for (let d = 0; d < RADIX; d++) {
      const c = cnt[base + d];
      if (c === n) {
        trivial = true;
        break;
      }
      cnt[base + d] = sum;
      sum += c;
    }
    if (trivial) continue;
    if (dst === null) dst = new Int32Array(2 * n);
    if (srcI !== null && dstI === null) dstI = new Int32Array(n);
    const cc = cnt.subarray(base, base + RADIX);
    if (srcI === null || dstI === null) {
      for (let d = 0; d < RADIX; d++) cc[d] *= 2;
      scatterKeys[pass](src, dst, 2 * n, cc);
    } else {
      scatterPairs(src, dst, srcI.subarray(0, n), dstI, cc, pass);
      const ti = srcI;
      srcI = dstI;
      dstI = ti;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return { u: src, idx: srcI };
}

/**
 * Sorts float64 values ascending in place (no NaN). Large arrays use an LSD radix sort on the
 * order-preserving bit pattern (sign bit flipped for positives, all bits inverted for
 * negatives; 6 passes of 11 bits, passes where every value shares the digit skipped): about
 * 3× faster than `Float64Array.prototype.sort` at 10⁶ values on this machine. Same order as the
 * native sort, −0 before +0.
 */
export function sortScores(a: Float64Array): void {
  const n = a.length;
  if (n < RADIX_MIN) {
    a.sort();
    return;
  }
  const u = new Int32Array(a.buffer, a.byteOffset, n * 2); // little-endian: [lo, hi] per value
  const cnt = new Int32Array(6 * RADIX);
  toOrderedBits(u, n, cnt);
  const r = radixPasses(u, null, n, cnt);
  if (r.u !== u) u.set(r.u);
  fromOrderedBits(u, n);
}

/**
 * The indices `0..n-1` ordered by `keys[lo + i]` ascending (no NaN): a stable radix sort of
 * (key, index) pairs, or a stable comparison sort for small `n`. Equal keys are adjacent (−0 and
 * +0 too), identical ones in index order.
 */
export function sortedOrder(keys: ArrayLike<number>, lo: number, n: number): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (n < 512) {
    return idx.sort((a, b) => {
      const x = keys[lo + a];
      const y = keys[lo + b];
      return x < y ? -1 : x > y ? 1 : a - b;
    });
  }
  const f = new Float64Array(n);
  for (let i = 0; i < n; i++) f[i] = keys[lo + i];
  const u = new Int32Array(f.buffer, 0, 2 * n);
  const cnt = new Int32Array(6 * RADIX);
  toOrderedBits(u, n, cnt);
  const r = radixPasses(u, new Int32Array(idx.buffer, idx.byteOffset, n), n, cnt).idx;
  return r === null ? idx : new Uint32Array(r.buffer, r.byteOffset, n);
}

// ---------------------------------------------------------------------------------------------
// Runs

/**
 * Two ascending sorted arrays of scores (positives, negatives) → a run with the count of
 * each at every distinct score. Two passes (count, fill) so the output is allocated exactly.
 */
export function runFromSortedSplit(P: Float64Array, N: Float64Array): Run {
  const np = P.length;
  const nn = N.length;
  let i = 0;
  let j = 0;
  let m = 0;
  while (i < np || j < nn) {
    const v = j >= nn || (i < np && P[i] <= N[j]) ? P[i] : N[j];
    while (i < np && P[i] === v) i++;
    while (j < nn && N[j] === v) j++;
    m++;
  }
  const keys = new Float64Array(m);
  const pos = new Float64Array(m);
  const neg = new Float64Array(m);
  i = 0;
  j = 0;
  for (let k = 0; k < m; k++) {
    const v = j >= nn || (i < np && P[i] <= N[j]) ? P[i] : N[j];
    const i0 = i;
    const j0 = j;
    while (i < np && P[i] === v) i++;
    while (j < nn && N[j] === v) j++;
    keys[k] = v;
    pos[k] = i - i0;
    neg[k] = j - j0;
  }
  return { keys, pos, neg };
}

/**
 * Weighted triples `(key, posWeight, negWeight)` in `[lo, hi)` (any order, repeats allowed)
 * → a run. Entries with zero total weight are dropped. One sort of (key, index) pairs, then
 * the weights of equal keys summed in that order.
 */
export function runFromTriples(
  k: ArrayLike<number>,
  p: ArrayLike<number>,
  n: ArrayLike<number>,
  lo: number,
  hi: number,
): Run {
  const order = sortedOrder(k, lo, hi - lo);
  let m = 0;
  let prev = 0;
  for (let t = 0; t < order.length; t++) {
    const i = lo + order[t];
    if (p[i] === 0 && n[i] === 0) continue;
    const v = k[i];
    if (m === 0 || v !== prev) m++;
    prev = v;
  }
  if (m === 0) return EMPTY_RUN;
  const keys = new Float64Array(m);
  const pos = new Float64Array(m);
  const neg = new Float64Array(m);
  let j = -1;
  for (let t = 0; t < order.length; t++) {
    const i = lo + order[t];
    const pi = p[i];
    const ni = n[i];
    if (pi === 0 && ni === 0) continue;
    const v = k[i];
    if (j < 0 || v !== keys[j]) keys[++j] = v;
    pos[j] += pi;
    neg[j] += ni;
  }
  return { keys, pos, neg };
}

/**
 * Scores `k[0..n)` with signed weights `w` (+w positive, −w negative, never 0) → a run.
 */
function runFromSigned(k: Float64Array, w: Float64Array, n: number): Run {
  const order = sortedOrder(k, 0, n);
  let m = 0;
  for (let t = 0; t < n; t++) if (t === 0 || k[order[t]] !== k[order[t - 1]]) m++;
  const keys = new Float64Array(m);
  const pos = new Float64Array(m);
  const neg = new Float64Array(m);
  let j = -1;
  for (let t = 0; t < n; t++) {
    const i = order[t];
    const v = k[i];
    if (j < 0 || v !== keys[j]) keys[++j] = v;
    const wi = w[i];
    if (wi > 0) pos[j] += wi;
    else neg[j] -= wi;
  }
  return { keys, pos, neg };
}

/**
 * One batch for one histogram: entry `i` has score `scores[offset + i * stride]`, is positive
 * when `isPos[i]` is 1, and weighs `w[i]` (or 1 when `w` is null).
 */
export function runFromBatch(
  scores: FloatArray,
  offset: number,
  stride: number,
  n: number,
  isPos: Uint8Array,
  w: Float64Array | null,
): Run {
  if (w === null) {
    let np = 0;
    for (let i = 0; i < n; i++) np += isPos[i];
    const P = new Float64Array(np);
    const N = new Float64Array(n - np);
    for (let i = 0, a = 0, b = 0, q = offset; i < n; i++, q += stride) {
      if (isPos[i] === 1) P[a++] = scores[q];
      else N[b++] = scores[q];
    }
    sortScores(P);
    sortScores(N);
    return runFromSortedSplit(P, N);
  }
  const k = new Float64Array(n);
  const p = new Float64Array(n);
  const ng = new Float64Array(n);
  for (let i = 0, q = offset; i < n; i++, q += stride) {
    k[i] = scores[q];
    if (isPos[i] === 1) p[i] = w[i];
    else ng[i] = w[i];
  }
  return runFromTriples(k, p, ng, 0, n);
}

/** Sorted merge of two runs, summing the weights of equal keys. */
export function mergeRuns(a: Run, b: Run): Run {
  const la = a.keys.length;
  const lb = b.keys.length;
  if (lb === 0) return a;
  if (la === 0) return b;
  const ak = a.keys;
  const bk = b.keys;
  let i = 0;
  let j = 0;
  let m = 0;
  while (i < la && j < lb) {
    const x = ak[i];
    const y = bk[j];
    if (x < y) i++;
    else if (y < x) j++;
    else {
      i++;
      j++;
    }
    m++;
  }
  m += la - i + (lb - j);
  const keys = new Float64Array(m);
  const pos = new Float64Array(m);
  const neg = new Float64Array(m);
  i = 0;
  j = 0;
  let k = 0;
  while (i < la && j < lb) {
    const x = ak[i];
    const y = bk[j];
    if (x < y) {
      keys[k] = x;
      pos[k] = a.pos[i];
      neg[k++] = a.neg[i++];
    } else if (y < x) {
      keys[k] = y;
      pos[k] = b.pos[j];
      neg[k++] = b.neg[j++];
    } else {
      keys[k] = x;
      pos[k] = a.pos[i] + b.pos[j];
      neg[k++] = a.neg[i++] + b.neg[j++];
    }
  }
  for (; i < la; i++, k++) {
    keys[k] = ak[i];
    pos[k] = a.pos[i];
    neg[k] = a.neg[i];
  }
  for (; j < lb; j++, k++) {
    keys[k] = bk[j];
    pos[k] = b.pos[j];
    neg[k] = b.neg[j];
  }
  return { keys, pos, neg };
}

// ---------------------------------------------------------------------------------------------
// Histogram updates

function storeRun(h: Histogram, r: Run): void {
  h.k = F64List.wrap(r.keys);
  h.p = F64List.wrap(r.pos);
  h.n = F64List.wrap(r.neg);
  h.s = r.keys.length;
}

/** The compacted prefix as a run (views, no copy). */
function prefixRun(h: Histogram): Run {
  return { keys: h.k.data.subarray(0, h.s), pos: h.p.data.subarray(0, h.s), neg: h.n.data.subarray(0, h.s) };
}

function tailRun(h: Histogram): Run {
  return runFromTriples(h.k.data, h.p.data, h.n.data, h.s, h.k.length);
}

/** Folds the tail into the sorted prefix (a change of representation only); pending buffers untouched. */
function compactFields(h: Histogram): Run {
  if (h.k.length === h.s) return prefixRun(h);
  const merged = mergeRuns(prefixRun(h), tailRun(h));
  storeRun(h, merged);
  return merged;
}

/** Merges a run (owned by the histogram from now on) into the compacted histogram. */
function absorb(h: Histogram, run: Run): void {
  if (run.keys.length === 0) return;
  const base = compactFields(h);
  storeRun(h, base.keys.length === 0 ? run : mergeRuns(base, run));
}

/** Folds the pending unit-weight scores in: each side sorted once, counted, merged. */
function foldUnit(h: Histogram): void {
  const { up, un, u } = h;
  if (up + un === 0) return;
  h.up = 0;
  h.un = 0;
  const P = u.subarray(0, up);
  const N = u.subarray(u.length - un);
  sortScores(P);
  sortScores(N);
  storeRun(h, mergeSplit(compactFields(h), P, N));
}

/**
 * A run merged with two ascending sorted arrays of unit-weight scores (positives, negatives):
 * one three-way merge, counting equal scores. Two passes (count, fill) so the output is
 * allocated exactly; when no score is new, the second pass adds the counts into `a` itself
 * (which must be owned by the histogram being folded). Finite keys only (+Infinity marks an
 * exhausted input).
 */
function mergeSplit(a: Run, P: Float64Array, N: Float64Array): Run {
  // Each pass is a function of its own: compiled once (inside one function, on-stack
  // replacement of the first loop and later the second deoptimised it again and again).
  const m = mergedLength(a.keys, P, N);
  if (m === a.keys.length) {
    // Every pending score is a key already (the usual case once most scores have been seen):
    // the counts are added in place, no new arrays. `a` is the histogram's own prefix.
    addSortedCounts(a.keys, a.pos, P);
    addSortedCounts(a.keys, a.neg, N);
    return a;
  }
  const out = { keys: new Float64Array(m), pos: new Float64Array(m), neg: new Float64Array(m) };
  fillMerged(a, P, N, out);
  return out;
}

/** The number of distinct keys of `ak` ∪ `P` ∪ `N` (all ascending). */
function mergedLength(ak: Float64Array, P: Float64Array, N: Float64Array): number {
  const la = ak.length;
  const np = P.length;
  const nn = N.length;
  let i = 0;
  let j = 0;
  let l = 0;
  let m = 0;
  while (i < la || j < np || l < nn) {
    const x = i < la ? ak[i] : Infinity;
    const y = j < np ? P[j] : Infinity;
    const z = l < nn ? N[l] : Infinity;
    let v = x < y ? x : y;
    if (z < v) v = z;
    if (x === v) i++;
    while (j < np && P[j] === v) j++;
    while (l < nn && N[l] === v) l++;
    m++;
  }
  return m;
}

/** The merge of {@link mergeSplit} into `out` (allocated to the merged length). */
function fillMerged(a: Run, P: Float64Array, N: Float64Array, out: Run): void {
  const { keys, pos, neg } = out;
  const m = keys.length;
  const ak = a.keys;
  const la = ak.length;
  const np = P.length;
  const nn = N.length;
  let i = 0;
  let j = 0;
  let l = 0;
  for (let k = 0; k < m; k++) {
    const x = i < la ? ak[i] : Infinity;
    const y = j < np ? P[j] : Infinity;
    const z = l < nn ? N[l] : Infinity;
    let v = x < y ? x : y;
    if (z < v) v = z;
    let cp = 0;
    let cn = 0;
    if (x === v) {
      cp = a.pos[i];
      cn = a.neg[i];
      i++;
    }
    const j0 = j;
    const l0 = l;
    while (j < np && P[j] === v) j++;
    while (l < nn && N[l] === v) l++;
    keys[k] = x === v ? x : v;
    pos[k] = cp + (j - j0);
    neg[k] = cn + (l - l0);
  }
}

/** Adds to `counts[i]` how many of the ascending `sorted` scores equal `keys[i]` (every score is a key). */
function addSortedCounts(keys: Float64Array, counts: Float64Array, sorted: Float64Array): void {
  const n = sorted.length;
  let i = 0;
  for (let j = 0; j < n;) {
    const v = sorted[j];
    const j0 = j;
    while (j < n && sorted[j] === v) j++;
    while (keys[i] !== v) i++;
    counts[i] += j - j0;
  }
}

/** Folds the pending weighted samples in. */
function foldWeighted(h: Histogram): void {
  const wn = h.wn;
  if (wn === 0) return;
  h.wn = 0;
  absorb(h, runFromSigned(h.wk, h.ww, wn));
}

/**
 * Folds every pending entry in (a change of representation only) and releases the pending
 * buffers (a histogram that is read is usually done: merged, sent or computed; a later update
 * allocates again); returns `h`.
 */
export function settle(h: Histogram): Histogram {
  foldUnit(h);
  foldWeighted(h);
  h.u = NO_PENDING;
  h.wk = NO_PENDING;
  h.ww = NO_PENDING;
  return h;
}

/** How many entries may be pending: as many as the histogram has keys, at least its budget. */
function pendingLimit(h: Histogram): number {
  return Math.max(h.budget, h.k.length);
}

/** A capacity for `need` entries: doubling, at most `max(need, limit)`. */
function grownCapacity(have: number, need: number, limit: number): number {
  let cap = Math.max(16, have * 2);
  while (cap < need) cap *= 2;
  return Math.min(cap, Math.max(need, limit));
}

/**
 * Adds unit-weight entries to histogram `h`: entry `i` (`0 <= i < n`) has score
 * `scores[offset + i·stride]` and is positive when `isPos[posOff + i·posStride]` is 1 (every
 * entry is positive when `isPos` is null). Scores must be finite (the callers check).
 */
export function addScores(
  h: Histogram,
  scores: FloatArray,
  at: { offset: number; stride: number; n: number },
  isPos: Uint8Array | null,
  posAt: { offset: number; stride: number },
): void {
  foldWeighted(h);
  const { offset, stride, n } = at;
  let i = 0;
  while (i < n) {
    const limit = pendingLimit(h);
    const used = h.up + h.un;
    if (used >= limit) {
      foldUnit(h);
      continue;
    }
    const m = Math.min(n - i, limit - used);
    if (used + m > h.u.length) {
      const u = new Float64Array(grownCapacity(h.u.length, used + m, limit));
      u.set(h.u.subarray(0, h.up));
      u.set(h.u.subarray(h.u.length - h.un), u.length - h.un);
      h.u = u;
    }
    const u = h.u;
    let a = h.up;
    let b = u.length - 1 - h.un;
    let q = offset + i * stride;
    // `+ 0`: −0 is stored as +0, so the key of a score 0 does not depend on which sign came first
    // (states merged in any order, e.g. one per thread, stay the same bits)
    if (isPos === null) for (let t = 0; t < m; t++, q += stride) u[a++] = scores[q] + 0;
    else
      for (let t = 0, r = posAt.offset + i * posAt.stride; t < m; t++, q += stride, r += posAt.stride) {
        if (isPos[r] === 1) u[a++] = scores[q] + 0;
        else u[b--] = scores[q] + 0;
      }
    h.up = a;
    h.un = u.length - 1 - b;
    i += m;
  }
}

/**
 * Adds weighted entries to histogram `h`, as {@link addScores} with entry `i` weighing `w[i]`
 * (finite, >= 0; entries of weight 0 are dropped).
 */
export function addWeighted(
  h: Histogram,
  scores: FloatArray,
  at: { offset: number; stride: number; n: number },
  isPos: Uint8Array,
  posAt: { offset: number; stride: number },
  w: Float64Array,
): void {
  foldUnit(h);
  const { offset, stride, n } = at;
  let i = 0;
  while (i < n) {
    const limit = pendingLimit(h);
    if (h.wn >= limit) {
      foldWeighted(h);
      continue;
    }
    const m = Math.min(n - i, limit - h.wn);
    if (h.wn + m > h.wk.length) {
      const cap = grownCapacity(h.wk.length, h.wn + m, limit);
      const wk = new Float64Array(cap);
      const ww = new Float64Array(cap);
      wk.set(h.wk.subarray(0, h.wn));
      ww.set(h.ww.subarray(0, h.wn));
      h.wk = wk;
      h.ww = ww;
    }
    const { wk, ww } = h;
    let c = h.wn;
    for (
      let t = 0, q = offset + i * stride, r = posAt.offset + i * posAt.stride;
      t < m;
      t++, q += stride, r += posAt.stride
    ) {
      const wi = w[i + t];
      if (wi === 0) continue;
      wk[c] = scores[q] + 0; // −0 stored as +0 (see addScores)
      ww[c++] = isPos[r] === 1 ? wi : -wi;
    }
    h.wn = c;
    i += m;
  }
}

/** Adds a run (e.g. of one batch) to histogram `h`. */
export function addRun(h: Histogram, run: Run): void {
  settle(h);
  absorb(h, run);
}

/** The exact histogram (folding the pending entries and the tail in first). */
export function readRun(h: Histogram): Run {
  settle(h);
  return compactFields(h);
}

/** Alias of {@link readRun}: folds everything into the sorted prefix. */
export const compact = readRun;

function copyRun(r: Run): Run {
  return { keys: r.keys.slice(), pos: r.pos.slice(), neg: r.neg.slice() };
}

/** Merges histogram `b` into `a` (`b`'s value is unchanged; its pending entries are folded in). */
export function mergeHistogram(a: Histogram, b: Histogram): void {
  settle(b);
  let bRun = prefixRun(b);
  if (b.k.length !== b.s) bRun = mergeRuns(copyRun(bRun), tailRun(b));
  if (bRun.keys.length === 0) return;
  const base = readRun(a);
  storeRun(a, base.keys.length === 0 ? copyRun(bRun) : mergeRuns(base, bRun));
}
