/**
 * The rule over the whole public surface — `losskit`, `losskit/node`, `losskit/tfjs`: every
 * exported function (and class), called with arguments of the wrong kind, fails with a
 * LosskitError (thrown or as a rejected promise) if it fails: never a TypeError from inside or a
 * crash. (Silent successes on garbage are caught by each function's own tests.) Found by this probe when it was written: in the core, `toNested`,
 * `registerLoss`, `classificationReportDict` / `Html`, `formatClassificationReport`,
 * `lossCurveChart`, `predictionChart`, `sparkline`, `smoothEma`, `suggestLr`, `checkGradient`,
 * `diagnoseLoss`, `new Metric` and `new LossHistory(null)` (TypeErrors); in losskit/node,
 * `enableThreads(5)` (threads enabled) and `(null)`, `evaluateFile(5)`, `evaluateStream(5)`,
 * `mergeStates(5, [])`, `writeFileAtomic(path, 5)` (an empty file written) and
 * `createThreadsArena(-1)` with threads off (null); in losskit/tfjs, `learningRateOf(5)`,
 * `setLearningRate(5)` and `new StreamingMetricsCallback()`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LosskitError } from '../../src/errors.js';
import * as core from '../../src/index.js';
import * as node from '../../src/node/index.js';
import * as tfjs from '../../src/tfjs/index.js';

/** Argument lists that no public function accepts (paths that do not exist, wrong kinds). */
const GARBAGE: unknown[][] = [
  [5],
  [{ bogus: 1 }],
  [[1, 2]],
  ['/nonexistent-losskit-dir/x', 5],
  [5, 5, 5],
  [Symbol('s')],
  [NaN],
  [() => 1],
  [null, null],
];
/** Functions that take no argument, or only optional ones that garbage may not reach. */
const NO_ARGUMENTS = new Set([
  'disableThreads',
  'threadsInfo',
  'LosskitError', // the error class itself
]);
/** Argument lists of GARBAGE that a function rightly accepts, not to run (they would enable threads). */
const VALID: Record<string, unknown[][]> = {};

for (const [entry, mod, least] of [
  ['losskit', core, 60],
  ['losskit/node', node, 12],
  ['losskit/tfjs', tfjs, 6],
] as const)
  describe(`${entry}: garbage arguments are LosskitErrors, for every export`, () => {
    afterAll(async () => {
      await node.disableThreads();
    });
    const exports = Object.entries(mod).filter(([, v]) => typeof v === 'function');

    it('the surface is what this test covers', () => {
      expect(exports.length).toBeGreaterThanOrEqual(least);
    });

    for (const [name, f] of exports) {
      if (NO_ARGUMENTS.has(name)) continue;
      it(name, async () => {
        for (const args of GARBAGE) {
          if (VALID[name]?.some((v) => v.length === args.length && v.every((x, i) => Object.is(x, args[i])))) continue;
          const what = `${name}(${args.map((a) => (typeof a === 'symbol' ? 'Symbol' : (JSON.stringify(a) ?? String(a)))).join(', ')})`;
          // Succeeding is allowed (tensor(5) is a scalar, listLosses takes no argument): what is
          // not is any other error than a LosskitError.
          let outcome: unknown = null;
          try {
            const r: unknown = /^[A-Z]/.test(name)
              ? new (f as new (...a: unknown[]) => unknown)(...args)
              : (f as (...a: unknown[]) => unknown)(...args);
            if (r !== null && typeof (r as Promise<unknown>)?.then === 'function') await r;
          } catch (e) {
            outcome = e;
          }
          if (outcome !== null) expect(outcome, `${what}: ${String(outcome)}`).toBeInstanceOf(LosskitError);
        }
      });
    }
  });
