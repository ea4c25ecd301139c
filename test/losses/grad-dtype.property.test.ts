/**
 * The gradient dtype rule, over EVERY loss under EVERY registry name (`listLosses()` and all
 * aliases): a gradient has the dtype of the input it differentiates (float32 `yPred` →
 * `Float32Array`, anything else → `Float64Array`; PyTorch and tfjs return the input's dtype), or
 * `gradOut`'s dtype when one is given. The JS kernels compute and accumulate in float64 and round
 * once, so on the JS backend a float32 gradient is exactly the float64 gradient of the same
 * values rounded to float32; on the default backend (WASM kernels for float32 inputs) it agrees
 * within the kernels' documented float32 error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LosskitError, getLoss, setBackend, type LossOptions, type LossResult } from '../../src/index.js';
import type { FloatArray, Tensor } from '../../src/tensor.js';
import { wasmCallCount } from '../../src/wasm/kernels.js';
import { type Base, NAMES, baseOf } from './registry-bases.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

const isTensor = (v: unknown): v is Tensor =>
  v !== null && typeof v === 'object' && 'data' in v && 'shape' in v && ArrayBuffer.isView((v as Tensor).data);

/** The base case with every float tensor (yTrue, yPred, tensor options) in `ctor`, values rounded to float32 first. */
function as(b: Base, ctor: Ctor, which: 'all' | 'yPred' = 'all'): Base {
  const conv = (x: Tensor): Tensor => ({ data: ctor.from(Float32Array.from(x.data)), shape: x.shape });
  const keep = (x: Tensor): Tensor => ({ data: Float64Array.from(Float32Array.from(x.data)), shape: x.shape });
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(b.options)) options[k] = isTensor(v) ? (which === 'all' ? conv(v) : keep(v)) : v;
  return {
    yTrue: b.yTrue === null ? null : which === 'all' ? conv(b.yTrue) : keep(b.yTrue),
    yPred: conv(b.yPred),
    options: options as LossOptions,
  };
}

const run = (name: string, b: Base, extra: LossOptions = {}): LossResult =>
  getLoss(name).valueAndGrad(b.yTrue, b.yPred, { ...b.options, ...extra });

/** Every gradient of a result (grad and extraGrads), by name. */
function grads(r: LossResult): [string, FloatArray][] {
  return [
    ['grad', r.grad.data],
    ...Object.entries(r.extraGrads ?? {}).map(([k, t]): [string, FloatArray] => [k, t.data]),
  ];
}

/** Runs `check` for every registry name and reports every name that breaks the rule at once. */
function forEveryName(check: (name: string) => void): void {
  const failures: string[] = [];
  for (const name of NAMES) {
    try {
      check(name);
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message.split('\n')[0].slice(0, 300)}`);
    }
  }
  expect(failures).toEqual([]);
}

const REDUCTIONS = [undefined, 'sum', 'none'] as const;

/** Whether the loss takes this reduction (a few refuse `'none'` with INVALID_OPTION 'reduction'). */
function accepts(name: string, extra: LossOptions): boolean {
  try {
    run(name, baseOf(name), extra);
    return true;
  } catch (e) {
    if (e instanceof LosskitError && e.argument === 'reduction') return false;
    throw e;
  }
}

describe('gradient dtype: every loss under every registry name', () => {
  describe('JS backend: exact (float64 computation rounded once)', () => {
    beforeAll(() => setBackend('js'));
    afterAll(() => setBackend('auto'));

    it('float32 inputs → Float32Array gradients (extra gradients too) equal to the float64 ones rounded', () => {
      forEveryName((name) => {
        for (const reduction of REDUCTIONS) {
          const extra = reduction === undefined ? {} : { reduction };
          if (!accepts(name, extra)) continue;
          const r32 = run(name, as(baseOf(name), Float32Array), extra);
          const r64 = run(name, as(baseOf(name), Float64Array), extra);
          expect(r32.value, `${name} value`).toEqual(r64.value);
          const g32 = grads(r32);
          const g64 = grads(r64);
          expect(g32.map(([k]) => k)).toEqual(g64.map(([k]) => k));
          g32.forEach(([k, g], i) => {
            expect(g, `${name} ${k}`).toBeInstanceOf(Float32Array);
            expect(g64[i][1], `${name} ${k}`).toBeInstanceOf(Float64Array);
            expect(Array.from(g), `${name} ${k}`).toEqual(Array.from(Float32Array.from(g64[i][1])));
          });
        }
      });
    });

    it('float32 yPred with float64 targets and options → the gradient follows yPred, the extra gradients their own inputs', () => {
      forEveryName((name) => {
        const r = run(name, as(baseOf(name), Float32Array, 'yPred'));
        const r64 = run(name, as(baseOf(name), Float64Array));
        expect(r.grad.data, name).toBeInstanceOf(Float32Array);
        expect(Array.from(r.grad.data), name).toEqual(Array.from(Float32Array.from(r64.grad.data)));
        for (const [k, t] of Object.entries(r.extraGrads ?? {}))
          expect(t.data, `${name} ${k}`).toBeInstanceOf(Float64Array);
      });
    });

    it('plain arrays and float64 inputs → Float64Array gradients', () => {
      forEveryName((name) => {
        const b = baseOf(name);
        const plain: Base = {
          yTrue: b.yTrue === null ? null : { data: b.yTrue.data, shape: b.yTrue.shape },
          yPred: { data: Array.from(b.yPred.data) as unknown as Float64Array, shape: b.yPred.shape },
          options: b.options,
        };
        for (const r of [run(name, b), run(name, plain)])
          for (const [k, g] of grads(r)) expect(g, `${name} ${k}`).toBeInstanceOf(Float64Array);
      });
    });

    it('gradOut of either dtype decides the gradient dtype, whatever the inputs (and is the returned array)', () => {
      forEveryName((name) => {
        const ref = run(name, as(baseOf(name), Float64Array)).grad.data;
        for (const inputs of [Float32Array, Float64Array] as const) {
          for (const Out of [Float32Array, Float64Array] as const) {
            const gradOut = new Out(ref.length).fill(NaN); // stale contents must not leak into the result
            const r = run(name, as(baseOf(name), inputs), { gradOut });
            expect(r.grad.data, `${name} ${inputs.name} → ${Out.name}`).toBe(gradOut);
            expect(Array.from(gradOut), `${name} ${inputs.name} → ${Out.name}`).toEqual(Array.from(Out.from(ref)));
          }
        }
      });
    });

    it('a float32 gradOut sharing memory with a float32 yPred gives the same value and gradient', () => {
      forEveryName((name) => {
        const ref = run(name, as(baseOf(name), Float32Array));
        const b = as(baseOf(name), Float32Array);
        const r = run(name, b, { gradOut: b.yPred.data });
        expect(r.value, name).toEqual(ref.value);
        expect(r.grad.data, name).toBe(b.yPred.data);
        expect(Array.from(r.grad.data), name).toEqual(Array.from(ref.grad.data));
      });
    });

    it('gradOut of the wrong length or type → INVALID_OPTION naming gradOut', () => {
      forEveryName((name) => {
        const b = as(baseOf(name), Float32Array);
        const n = b.yPred.data.length;
        for (const gradOut of [new Float32Array(n + 1), new Float64Array(Math.max(0, n - 1)), new Int32Array(n), [0]]) {
          let thrown: unknown;
          try {
            run(name, b, { gradOut: gradOut as Float32Array });
          } catch (e) {
            thrown = e;
          }
          expect(thrown, name).toBeInstanceOf(LosskitError);
          expect((thrown as LosskitError).code, name).toBe('INVALID_OPTION');
          expect((thrown as LosskitError).argument, name).toBe('gradOut');
        }
      });
    });
  });

  describe('default backend (WASM kernels for float32 inputs where they apply)', () => {
    it('float32 inputs → Float32Array gradients within float32 tolerance of the float64 ones', () => {
      setBackend('auto');
      const calls = wasmCallCount();
      forEveryName((name) => {
        const r32 = run(name, as(baseOf(name), Float32Array));
        setBackend('js');
        const r64 = run(name, as(baseOf(name), Float64Array));
        setBackend('auto');
        const g64 = grads(r64);
        grads(r32).forEach(([k, g], i) => {
          expect(g, `${name} ${k}`).toBeInstanceOf(Float32Array);
          const ref = g64[i][1];
          const scale = Math.max(1e-30, ...Array.from(ref, Math.abs));
          for (let j = 0; j < g.length; j++) {
            expect(Math.abs(g[j] - ref[j]), `${name} ${k}[${j}]: ${g[j]} vs ${ref[j]}`).toBeLessThanOrEqual(
              1e-5 * scale,
            );
          }
        });
      });
      // The WASM kernels took part (element-wise losses on float32 inputs).
      expect(wasmCallCount()).toBeGreaterThan(calls);
    });

    it('crossEntropy above the WASM size threshold: Float32Array gradient within float32 tolerance', () => {
      const N = 64;
      const C = 16;
      const z = Float32Array.from({ length: N * C }, (_, i) => Math.sin(i * 1.7) * 3);
      const y = Float32Array.from({ length: N }, (_, i) => (i * 7) % C);
      setBackend('auto');
      const calls = wasmCallCount();
      const r32 = getLoss('crossEntropy').valueAndGrad(y, { data: z, shape: [N, C] });
      expect(wasmCallCount()).toBe(calls + 1);
      setBackend('js');
      const r64 = getLoss('crossEntropy').valueAndGrad(y, { data: Float64Array.from(z), shape: [N, C] });
      setBackend('auto');
      expect(r32.grad.data).toBeInstanceOf(Float32Array);
      for (let j = 0; j < z.length; j++)
        expect(Math.abs(r32.grad.data[j] - r64.grad.data[j])).toBeLessThanOrEqual(1e-7);
    });
  });
});
