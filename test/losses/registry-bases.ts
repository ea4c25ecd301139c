/**
 * A valid base case for EVERY loss under EVERY registry name (`listLosses()` and all aliases),
 * derived from the loss's declared metadata (`meta`: what yPred holds, the target kind, the class
 * axis, per-batch inputs) — shared by the registry-wide property tests (domains, gradient dtype).
 */
import { getLoss, listLosses, type LossFunction, type LossOptions } from '../../src/index.js';
import { inputKindOf } from '../../src/diagnose.js';
import type { Tensor } from '../../src/tensor.js';
import { rng } from '../helpers.js';

export interface Base {
  yTrue: Tensor | null;
  yPred: Tensor;
  options: LossOptions;
}

export const NAMES: string[] = listLosses().flatMap((l) => [l.name, ...l.aliases.map((a) => a.name)]);

function t(data: number[], shape: number[]): Tensor {
  return { data: Float64Array.from(data), shape };
}

/** Candidate valid inputs derived from a loss's metadata; the first one the loss accepts is its base case. */
function candidates(fn: LossFunction): Base[] {
  const r = rng(5);
  const m = fn.meta;
  const kind = inputKindOf(fn);
  const N = 4;
  const D = 3;
  const reals = (n: number): number[] => Array.from({ length: n }, () => 2 * r() - 1);
  const probs = (n: number): number[] => Array.from({ length: n }, () => 0.05 + 0.9 * r());
  const rowsProb = (): number[] => {
    const out: number[] = [];
    for (let i = 0; i < N; i++) {
      const row = probs(D);
      const s = row.reduce((a, b) => a + b, 0);
      out.push(...row.map((v) => v / s));
    }
    return out;
  };
  const pred = (): Tensor =>
    kind === 'probabilities'
      ? t(m.target === 'classes' ? rowsProb() : probs(N * D), [N, D])
      : kind === 'logProbabilities'
        ? t(rowsProb().map(Math.log), [N, D])
        : t(reals(N * D), [N, D]);
  const out: Base[] = [];
  const batch: LossOptions = {};
  for (const b of m.batchInputs ?? []) {
    if (b === 'variance') batch.variance = t(probs(N * D), [N, D]);
    else if (b !== 'inputLengths' && b !== 'targetLengths') {
      (batch as Record<string, unknown>)[b] = t(reals(N * D), [N, D]);
    }
  }
  if (m.batchInputs?.includes('inputLengths')) {
    // CTC: (T, N, C) log-probabilities, targets (N, S) without the blank 0.
    const T = 5;
    const lp: number[] = [];
    for (let i = 0; i < T * 2; i++) {
      const row = probs(3);
      const s = row.reduce((a, b) => a + b, 0);
      lp.push(...row.map((v) => Math.log(v / s)));
    }
    const options = { inputLengths: [T, T], targetLengths: [2, 2] };
    // Time-major (PyTorch) and batch-major (Keras) layouts; the same values serve both.
    out.push({ yTrue: t([1, 2, 2, 1], [2, 2]), yPred: t(lp, [T, 2, 3]), options });
    out.push({ yTrue: t([1, 2, 2, 1], [2, 2]), yPred: t(lp, [2, T, 3]), options });
  }
  if (m.target === 'signs') {
    const p = t(reals(N * D), [N, D]);
    out.push({ yTrue: t([1, -1, -1, 1, 1, -1, 1, 1, -1, -1, 1, -1], [N, D]), yPred: p, options: batch });
    out.push({ yTrue: t([1, -1, -1, 1], [N]), yPred: p, options: batch });
  }
  if (m.target === 'classes') {
    const p = pred();
    const labels = [0, 2, 1, 2];
    const oneHot = labels.flatMap((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0)));
    out.push({ yTrue: t(labels, [N]), yPred: p, options: batch });
    out.push({ yTrue: t(oneHot, [N, D]), yPred: p, options: batch });
  }
  if (m.target === 'binary') {
    out.push({ yTrue: t([1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0], [N, D]), yPred: pred(), options: batch });
  }
  if (m.target === 'other' && m.input === 'embeddings') {
    out.push({ yTrue: null, yPred: t(reals(N * D), [N, D]), options: batch });
    out.push({ yTrue: t([0, 0, 1, 1], [N]), yPred: t(reals(N * D), [N, D]), options: batch });
  }
  // Values / other targets: a same-shape real target (non-negative, so count-like targets work).
  out.push({ yTrue: t(probs(N * D), [N, D]), yPred: pred(), options: batch });
  out.push({ yTrue: t(probs(N * D), [N, D]), yPred: t(probs(N * D), [N, D]), options: batch });
  out.push({ yTrue: t([0, 2, 1, 2], [N]), yPred: pred(), options: batch });
  out.push({ yTrue: t([1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1], [N, D]), yPred: pred(), options: batch });
  return out;
}

const clone = (b: Base): Base => ({
  yTrue: b.yTrue === null ? null : { data: Float64Array.from(b.yTrue.data), shape: b.yTrue.shape },
  yPred: { data: Float64Array.from(b.yPred.data), shape: b.yPred.shape },
  options: { ...b.options },
});

const BASES = new Map<string, Base>();
export function baseOf(name: string): Base {
  const cached = BASES.get(name);
  if (cached) return clone(cached);
  const fn = getLoss(name);
  const errors: string[] = [];
  for (const c of candidates(fn)) {
    try {
      const v = fn.valueAndGrad(c.yTrue, c.yPred, c.options);
      const vals = typeof v.value === 'number' ? [v.value] : Array.from(v.value.data);
      if (vals.every((x) => Number.isFinite(x))) {
        BASES.set(name, c);
        return clone(c);
      }
      errors.push(`value ${vals.join(',')}`);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  throw new Error(`no valid base case derived from the metadata of '${name}': ${errors.join(' | ')}`);
}
