/**
 * Input-domain rules, one test per rule, each over EVERY loss under EVERY name of the registry
 * (`listLosses()` and all aliases — no hand-typed list of losses). A valid base case for each
 * loss is built from its declared metadata (`meta`: what yPred holds, the target kind, the class
 * axis, per-batch inputs); every rule then breaks the base case in one way and checks that the
 * loss answers with a LosskitError of the rule's code (or, where the issue allows, a correct
 * finite value) — never a silent NaN, a dropped NaN or a made-up limit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LosskitError, getLoss, type LossFunction, type LossOptions } from '../../src/index.js';
import { inputKindOf } from '../../src/diagnose.js';
import type { Tensor } from '../../src/tensor.js';
import { type Base, NAMES, baseOf } from './registry-bases.js';

/** Runs `f` (a call and a valueAndGrad), expecting a LosskitError whose code is one of `codes`. */
function expectRejected(name: string, codes: string[], f: (fn: LossFunction, grad: boolean) => unknown): void {
  const fn = getLoss(name);
  for (const grad of [false, true]) {
    let thrown: unknown;
    let result: unknown;
    try {
      result = f(fn, grad);
    } catch (e) {
      thrown = e;
    }
    if (thrown === undefined) {
      const v = (result as { value?: unknown }).value ?? result;
      expect.fail(
        `${name}${grad ? '.valueAndGrad' : ''}: expected a LosskitError ${codes.join('/')}, got ${String(v)}`,
      );
    }
    expect(thrown, `${name}: ${String(thrown)}`).toBeInstanceOf(LosskitError);
    expect(codes, `${name}: ${(thrown as LosskitError).message}`).toContain((thrown as LosskitError).code);
    // The error names what the caller called.
    expect((thrown as LosskitError).message.startsWith(`${name}: `), (thrown as LosskitError).message).toBe(true);
  }
}

const call = (fn: LossFunction, grad: boolean, b: Base, extra: LossOptions = {}): unknown =>
  grad
    ? fn.valueAndGrad(b.yTrue, b.yPred, { ...b.options, ...extra })
    : fn(b.yTrue, b.yPred, { ...b.options, ...extra });

const NON_FINITE = [NaN, Infinity, -Infinity];

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

describe('input domains: every loss under every registry name', () => {
  it('the registry has names, and every one has a valid base case derived from its metadata', () => {
    expect(NAMES.length).toBeGreaterThan(100);
    forEveryName((name) => baseOf(name));
  });

  it('NaN or ±Infinity anywhere in yPred → NON_FINITE (never dropped, never a finite "limit")', () => {
    forEveryName((name) => {
      const b0 = baseOf(name);
      fc.assert(
        fc.property(fc.nat(b0.yPred.data.length - 1), fc.constantFrom(...NON_FINITE), (i, v) => {
          // −∞ is a valid log-probability (probability 0) where the loss declares it.
          if (v === -Infinity && getLoss(name).meta.logZeroAllowed) return;
          const b = baseOf(name);
          b.yPred.data[i] = v;
          expectRejected(name, ['NON_FINITE'], (fn, g) => call(fn, g, b));
        }),
        { numRuns: 6 },
      );
    });
  });

  it('NaN or ±Infinity anywhere in yTrue → NON_FINITE (INVALID_LABEL for label targets)', () => {
    forEveryName((name) => {
      const b0 = baseOf(name);
      if (b0.yTrue === null) return;
      fc.assert(
        fc.property(fc.nat(b0.yTrue.data.length - 1), fc.constantFrom(...NON_FINITE), (i, v) => {
          const b = baseOf(name);
          (b.yTrue as Tensor).data[i] = v;
          expectRejected(name, ['NON_FINITE', 'INVALID_LABEL'], (fn, g) => call(fn, g, b));
        }),
        { numRuns: 6 },
      );
    });
  });

  it('a negative sample weight → OUT_OF_RANGE', () => {
    forEveryName((name) => {
      const b = baseOf(name);
      expectRejected(name, ['OUT_OF_RANGE'], (fn, g) => call(fn, g, b, { sampleWeight: -1 }));
    });
  });

  it('losses declared on probabilities reject values outside [0, 1] → OUT_OF_RANGE', () => {
    forEveryName((name) => {
      const fn = getLoss(name);
      if (inputKindOf(fn) !== 'probabilities') return;
      for (const v of [1.5, -0.5, 2]) {
        const b = baseOf(name);
        b.yPred.data[1] = v;
        expectRejected(name, ['OUT_OF_RANGE'], (f, g) => call(f, g, b));
      }
    });
  });

  it('class-probability inputs with an all-zero row → OUT_OF_RANGE or a finite value (never NaN)', () => {
    forEveryName((name) => {
      const fn = getLoss(name);
      if (inputKindOf(fn) !== 'probabilities' || fn.meta.target !== 'classes') return;
      const b = baseOf(name);
      const C = b.yPred.shape[b.yPred.shape.length - 1];
      b.yPred.data.fill(0, 0, C);
      let v: number | undefined;
      try {
        v = fn(b.yTrue, b.yPred, { ...b.options, reduction: 'mean' });
      } catch (e) {
        expect((e as LosskitError).code, name).toBe('OUT_OF_RANGE');
      }
      if (v !== undefined) expect(Number.isFinite(v), `${name}: ${String(v)}`).toBe(true);
    });
  });

  it('targets declared as ±1 labels reject 0.5, 2 and 0 (where 0/1 labels are not also accepted) → INVALID_LABEL', () => {
    forEveryName((name) => {
      const fn = getLoss(name);
      if (fn.meta.target !== 'signs') return;
      for (const v of [0.5, 2]) {
        const b = baseOf(name);
        (b.yTrue as Tensor).data[0] = v;
        expectRejected(name, ['INVALID_LABEL'], (f, g) => call(f, g, b));
      }
    });
  });

  it('gradOut sharing memory with yPred gives the same value and gradient as a separate buffer', () => {
    forEveryName((name) => {
      const fn = getLoss(name);
      const b = baseOf(name);
      const ref = fn.valueAndGrad(b.yTrue, b.yPred, b.options);
      const shared = baseOf(name);
      const r = fn.valueAndGrad(shared.yTrue, shared.yPred, {
        ...shared.options,
        gradOut: shared.yPred.data as Float64Array,
      });
      expect(r.value, name).toEqual(ref.value);
      expect(Array.from(r.grad.data), name).toEqual(Array.from(ref.grad.data));
      expect(r.grad.data, name).toBe(shared.yPred.data);
    });
  });

  it('huge finite sample weights → a finite value or NON_FINITE (never a silent NaN)', () => {
    forEveryName((name) => {
      const fn = getLoss(name);
      for (const reduction of ['mean', 'sum'] as const) {
        const b = baseOf(name);
        let v: number | undefined;
        try {
          v = fn(b.yTrue, b.yPred, { ...b.options, reduction, sampleWeight: 1e308 });
        } catch (e) {
          expect(e, name).toBeInstanceOf(LosskitError);
          expect((e as LosskitError).code, `${name}: ${(e as Error).message}`).toBe('NON_FINITE');
        }
        if (v !== undefined) expect(Number.isFinite(v), `${name} ${reduction}: ${String(v)}`).toBe(true);
      }
    });
  });

  it('a batch of one sample (one label) → a finite value or a LosskitError (never NaN)', () => {
    forEveryName((name) => {
      const fn = getLoss(name);
      const b = baseOf(name);
      // The first sample of the batch (axis 0 of yPred, and of yTrue / per-batch inputs when they share it).
      const first = (x: Tensor): Tensor => {
        const n = x.shape[0];
        return { data: x.data.slice(0, x.data.length / n), shape: [1, ...x.shape.slice(1)] };
      };
      const N = b.yPred.shape[0];
      const options: LossOptions = { ...b.options };
      for (const [k, v] of Object.entries(options)) {
        const x = v as Tensor;
        if (x !== null && typeof x === 'object' && 'shape' in x && x.shape[0] === N) {
          (options as Record<string, unknown>)[k] = first(x);
        }
      }
      if (fn.meta.batchInputs?.includes('inputLengths')) return; // CTC: batch axis 1; covered by its own tests
      const yTrue = b.yTrue !== null && b.yTrue.shape[0] === N ? first(b.yTrue) : b.yTrue;
      let v: number | undefined;
      try {
        v = fn(yTrue, first(b.yPred), { ...options, reduction: 'mean' });
      } catch (e) {
        expect(e, `${name}: ${String(e)}`).toBeInstanceOf(LosskitError);
      }
      if (v !== undefined) expect(Number.isFinite(v), `${name}: ${String(v)}`).toBe(true);
    });
  });

  it('absurd finite option values (±1e308 for every option of every loss) → a finite value and gradient, or a LosskitError', () => {
    const COMMON = ['reduction', 'sampleWeight', 'gradOut', 'meanOverLastAxis'];
    forEveryName((name) => {
      const fn = getLoss(name);
      for (const option of fn.optionNames) {
        if (COMMON.includes(option) || fn.meta.batchInputs?.includes(option)) continue;
        for (const huge of [1e308, -1e308]) {
          const b = baseOf(name);
          let r: { value: number | Tensor; grad: Tensor } | undefined;
          try {
            r = fn.valueAndGrad(b.yTrue, b.yPred, { ...b.options, reduction: 'mean', [option]: huge });
          } catch (e) {
            expect(e, `${name} ${option}=${huge}: ${String(e)}`).toBeInstanceOf(LosskitError);
          }
          if (r === undefined) continue;
          const v = r.value as number;
          expect(Number.isFinite(v), `${name} ${option}=${huge}: value ${v}`).toBe(true);
          const bad = Array.from(r.grad.data).findIndex((g) => !Number.isFinite(g));
          expect(bad, `${name} ${option}=${huge}: gradient ${r.grad.data[bad]} at ${bad}`).toBe(-1);
        }
      }
    });
  });

  it('tensors nested 20,000 levels deep → INVALID_INPUT (no stack overflow)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20000; i++) deep = [deep];
    forEveryName((name) => {
      const b = baseOf(name);
      expectRejected(name, ['INVALID_INPUT'], (fn, g) =>
        g ? fn.valueAndGrad(b.yTrue, deep as number[], b.options) : fn(b.yTrue, deep as number[], b.options),
      );
    });
  });
});
