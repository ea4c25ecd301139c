import { describe, expect, it } from 'vitest';
import { checkGradient, defineLoss, getLoss, listLosses, tensor, type LossOptions } from '../../src/index.js';
import { expectClose, loadFixture, randn, rng } from '../helpers.js';
import { expectLosskitError as expectError } from '../helpers.js';

interface Case {
  loss: string;
  tag?: string;
  yTrue: number[];
  yPred: number[];
  options: LossOptions & { sampleWeight?: number[] };
  value: number | number[];
  grad: number[];
}

// The references are PyTorch's (and Keras-formula) fixtures of the built-in losses: a custom
// loss with the same formula must reproduce them.
const fx = loadFixture<Case>('regression');

const sq = (y: number, p: number): number => (p - y) * (p - y);
const huberOf =
  (delta: number) =>
  (y: number, p: number): number => {
    const a = Math.abs(p - y);
    return a <= delta ? 0.5 * a * a : delta * a - 0.5 * delta * delta;
  };
const huberGradOf =
  (delta: number) =>
  (y: number, p: number): number =>
    Math.max(-delta, Math.min(delta, p - y));

const customMse = defineLoss({ name: 'test.customMse', value: sq, grad: (y, p) => 2 * (p - y) });
const customMseNumeric = defineLoss({ name: 'test.customMseNumeric', value: sq, register: false });
// Registered under its name; the tests below reach it through getLoss('test.customHuber').
defineLoss({ name: 'test.customHuber', value: huberOf(1), grad: huberGradOf(1) });
const customHuber06Numeric = defineLoss({ name: 'test.customHuber06', value: huberOf(0.6), register: false });

describe('defineLoss reproduces the PyTorch / Keras references of the same formula', () => {
  const mse = fx.cases.filter((c) => c.loss === 'meanSquaredError');
  const huber = fx.cases.filter((c) => c.loss === 'huber' && c.options.delta === undefined);
  const kerasHuber = fx.cases.filter((c) => c.loss === 'Huber' && c.options.delta === 0.6);
  it('has cases', () => {
    expect(mse.length).toBeGreaterThan(10);
    expect(huber.length).toBeGreaterThan(5);
    expect(kerasHuber.length).toBe(3);
  });
  for (const [i, c] of mse.entries()) {
    it(`mse #${i} ${c.options.reduction}${c.options.sampleWeight ? ' weighted' : ''}: analytic and numerical gradients`, () => {
      const r = customMse.valueAndGrad(c.yTrue, c.yPred, c.options);
      expectClose(r.value, c.value, 1e-12, 1e-14, 'value');
      expectClose(r.grad, c.grad, 1e-12, 1e-14, 'grad');
      const n = customMseNumeric.valueAndGrad(c.yTrue, c.yPred, c.options);
      expectClose(n.value, c.value, 1e-12, 1e-14, 'value (numeric)');
      expectClose(n.grad, c.grad, 1e-8, 1e-12, 'grad (numeric)');
    });
  }
  for (const [i, c] of huber.entries()) {
    it(`huber #${i} ${c.options.reduction}`, () => {
      const r = getLoss('test.customHuber').valueAndGrad(c.yTrue, c.yPred, c.options);
      expectClose(r.value, c.value, 1e-12, 1e-14, 'value');
      expectClose(r.grad, c.grad, 1e-12, 1e-14, 'grad');
    });
  }
  for (const [i, c] of kerasHuber.entries()) {
    it(`Keras Huber(delta=0.6) #${i} ${c.options.reduction} with meanOverLastAxis (numerical gradient)`, () => {
      const { delta: _delta, ...opts } = c.options;
      const r = customHuber06Numeric.valueAndGrad(c.yTrue, c.yPred, { ...opts, meanOverLastAxis: true });
      expectClose(r.value, c.value, 1e-12, 1e-14, 'value');
      expectClose(r.grad, c.grad, 1e-8, 1e-12, 'grad');
    });
  }
});

describe('defineLoss: gradients, registry, errors', () => {
  it('numerical gradient agrees with float64 central differences for a curved loss', () => {
    const r = rng(5);
    const softLoss = defineLoss({
      name: 'test.soft',
      value: (y, p) => Math.log(Math.cosh(p - y)) + 0.1 * p * p * p,
      register: false,
    });
    for (const reduction of ['mean', 'sum', 'none', 'sumOverBatchSize'] as const) {
      const res = checkGradient(softLoss, tensor(randn(r, 12), [4, 3]), tensor(randn(r, 12), [4, 3]), {
        reduction,
        sampleWeight: [1, 0.5, 0, 2],
      });
      expect(res.maxRelError).toBeLessThan(1e-6);
    }
  });
  it('is registered under its name and aliases, listed with its description', () => {
    defineLoss({
      name: 'test.withAlias',
      value: sq,
      grad: (y, p) => 2 * (p - y),
      description: 'my loss',
      aliases: [{ name: 'test_with_alias', dialect: 'keras' }],
    });
    expect(getLoss('test_with_alias')([1], [3])).toBe(4);
    const info = listLosses().find((l) => l.name === 'test.withAlias');
    expect(info?.description).toBe('my loss');
    expect(info?.aliases).toEqual([{ name: 'test_with_alias', dialect: 'keras' }]);
    expectError(() => getLoss('test.customMseNumeric'), 'UNKNOWN_NAME', 'getLoss');
  });
  it('rejects a duplicate name and bad specs', () => {
    expectError(
      () => defineLoss({ name: 'test.customMse', value: sq }),
      'INVALID_OPTION',
      "'test.customMse' is already registered",
    );
    expectError(() => defineLoss({ name: 'meanSquaredError', value: sq }), 'INVALID_OPTION', 'already registered');
    expectError(
      () => defineLoss({ name: '', value: sq }),
      'INVALID_OPTION',
      'defineLoss',
      "'name' must be a non-empty string",
    );
    expectError(
      () => defineLoss({ name: 'x', value: 3 as unknown as (a: number, b: number) => number }),
      'INVALID_OPTION',
      "'value' must be a function",
      'received 3',
    );
    expectError(
      () => defineLoss({ name: 'x', value: sq, grad: 'no' as unknown as (a: number, b: number) => number }),
      'INVALID_OPTION',
      "'grad' must be a function",
    );
  });
  it('names the element where the user function returned NaN; inputs are checked first', () => {
    const logLossy = defineLoss({ name: 'test.logish', value: (y, p) => -y * Math.log(p), register: false });
    expectError(
      () => logLossy([1, 1, 1], [0.5, -0.5, 0.2]),
      'NON_FINITE',
      'test.logish',
      "'value' function returned NaN",
      'yPred = -0.5',
      'element [1]',
    );
    expectError(() => logLossy([1, 1], [0.5, Number.NaN]), 'NON_FINITE', "'yPred'", 'index [1]');
    expectError(() => logLossy.valueAndGrad([1, 1], [0.5, -1]), 'NON_FINITE', "'value' function returned NaN");
  });
  it('validates options and shapes like a built-in loss', () => {
    expectError(() => customMse([1, 2], [1]), 'SHAPE_MISMATCH', 'test.customMse');
    expectError(() => customMse([1], [1], { delta: 1 }), 'INVALID_OPTION', "unknown option 'delta'");
    const none = customMse(
      [
        [1, 2],
        [3, 4],
      ],
      [
        [1, 3],
        [3, 6],
      ],
      { reduction: 'none', meanOverLastAxis: true },
    );
    expect(none.shape).toEqual([2]);
    expectClose(none, [0.5, 2]);
  });
});
