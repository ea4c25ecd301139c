/**
 * Domains checked inside the kernels (`kernelFlags` in src/losses/define.ts): the inputs are not
 * scanned before the kernel, whose sum turns NaN on a bad value, and the constructor explains it
 * after — so the errors are exactly those of an up-front check. These are the cases a flag could
 * miss: values the loss's flat side or max-subtraction would hide (a −∞ logit away from the
 * target, +∞ on a hinge's flat side), values in rows the loss ignores, and the WASM kernels
 * (which flag less: the constructor checks after them).
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  binaryCrossEntropyWithLogits,
  crossEntropy,
  hingeEmbedding,
  marginRanking,
  meanSquaredError,
  setBackend,
} from '../../src/index.js';
import type { LossFunction } from '../../src/losses/core.js';
import { wasmCallCount } from '../../src/wasm/kernels.js';
import { expectLosskitError } from '../helpers.js';

afterAll(() => setBackend('auto'));

/** Both the value and valueAndGrad reject with `code` naming `arg`. */
function rejects(fn: LossFunction, yTrue: unknown, yPred: unknown, options: object, code: string, arg: string): void {
  const call = fn as unknown as (a: unknown, b: unknown, o: object) => unknown;
  expectLosskitError(() => call(yTrue, yPred, options), code);
  expectLosskitError(() => fn.valueAndGrad(yTrue as never, yPred as never, options), code);
  try {
    fn.valueAndGrad(yTrue as never, yPred as never, options);
  } catch (e) {
    expect((e as { argument?: string }).argument).toBe(arg);
  }
}

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
/** An array of `ctor` with `f(i)` at index i. */
function fill(ctor: Ctor, n: number, f: (i: number) => number): Float32Array | Float64Array {
  const a = new ctor(n);
  for (let i = 0; i < n; i++) a[i] = f(i);
  return a;
}

const N = 64;
const C = 16; // N·C = 1024 logits: above the WASM threshold for float32
const logits = (ctor: Ctor) => fill(ctor, N * C, (i) => Math.cos(i * 0.37) * 2);
const labels = Float64Array.from({ length: N }, (_, i) => (i * 5) % C);

describe.each(['js', 'auto'] as const)('backend %s', (backend) => {
  for (const ctor of [Float64Array, Float32Array]) {
    it(`crossEntropy (${ctor.name}): −∞ / NaN / +∞ away from the target, and in an ignored row → NON_FINITE`, () => {
      setBackend(backend);
      for (const v of [-Infinity, NaN, Infinity]) {
        const z = logits(ctor);
        z[3 * C + ((labels[3] + 1) % C)] = v;
        rejects(crossEntropy, labels, { data: z, shape: [N, C] }, {}, 'NON_FINITE', 'yPred');
        const y = Float64Array.from(labels);
        y[5] = -100;
        const z2 = logits(ctor);
        z2[5 * C + 2] = v;
        rejects(crossEntropy, y, { data: z2, shape: [N, C] }, {}, 'NON_FINITE', 'yPred');
        // the general kernel (label smoothing) too
        rejects(crossEntropy, labels, { data: z, shape: [N, C] }, { labelSmoothing: 0.1 }, 'NON_FINITE', 'yPred');
      }
    });

    it(`binaryCrossEntropyWithLogits (${ctor.name}): targets outside [0, 1] → OUT_OF_RANGE, NaN → NON_FINITE`, () => {
      setBackend(backend);
      const x = fill(ctor, 1000, (i) => Math.sin(i));
      for (const [v, code] of [
        [1.5, 'OUT_OF_RANGE'],
        [-0.25, 'OUT_OF_RANGE'],
        [NaN, 'NON_FINITE'],
      ] as const) {
        const y = fill(ctor, 1000, (i) => i % 2);
        y[700] = v;
        rejects(binaryCrossEntropyWithLogits, y, x, {}, code, 'yTrue');
        rejects(binaryCrossEntropyWithLogits, y, x, { posWeight: 2 }, code, 'yTrue');
      }
    });

    it(`hingeEmbedding / marginRanking (${ctor.name}): labels other than ±1 → INVALID_LABEL; +∞ on the flat side → NON_FINITE`, () => {
      setBackend(backend);
      const y = fill(ctor, 100, (i) => (i % 3 === 0 ? 1 : -1));
      const x = fill(ctor, 100, (i) => Math.cos(i));
      for (const bad of [0, 0.5, 2]) {
        const yb = ctor.from(y);
        yb[40] = bad;
        rejects(hingeEmbedding, yb, x, {}, 'INVALID_LABEL', 'yTrue');
        rejects(marginRanking, yb, x, { input2: ctor.from(x).reverse() }, 'INVALID_LABEL', 'yTrue');
      }
      const xb = ctor.from(x);
      xb[41] = Infinity; // y = −1 there: max(0, margin − ∞) would be 0
      rejects(hingeEmbedding, y, xb, {}, 'NON_FINITE', 'yPred');
      rejects(marginRanking, y, xb, { input2: x }, 'NON_FINITE', 'yPred');
      // sample weight 0 does not hide a bad label
      const yb = ctor.from(y);
      yb[0] = 0.5;
      const sw = Float64Array.from({ length: 100 }, (_, i) => (i === 0 ? 0 : 1));
      rejects(hingeEmbedding, yb, x, { sampleWeight: sw }, 'INVALID_LABEL', 'yTrue');
    });
  }
});

it('the WASM path really ran for float32 inputs in the cases above (flags checked after it)', () => {
  setBackend('auto');
  const before = wasmCallCount();
  const z = logits(Float32Array);
  z[7] = -Infinity;
  rejects(crossEntropy, labels, { data: z, shape: [N, C] }, {}, 'NON_FINITE', 'yPred');
  const x = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
  const y = Float32Array.from({ length: 1000 }, (_, i) => i % 2);
  y[3] = 2;
  rejects(binaryCrossEntropyWithLogits, y, x, {}, 'OUT_OF_RANGE', 'yTrue');
  expect(wasmCallCount()).toBeGreaterThan(before);
  // and the finite case still computes
  expect(Number.isFinite(meanSquaredError(x, x))).toBe(true);
});
