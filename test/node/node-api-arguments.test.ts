/**
 * The rule over the whole public surface of `losskit/node`: every exported function (and class),
 * called with arguments of the wrong kind, fails with a LosskitError — thrown or as a rejected
 * promise — never a TypeError from inside, a silent success on garbage, or a crash. Found by this
 * test when it was written: `enableThreads(null)` (a TypeError), and before it, by the same
 * probe, `evaluateFile(5)`, `evaluateStream(5)`, `mergeStates(5, [])`, `writeFileAtomic(path, 5)`
 * (which wrote an empty file) and `createThreadsArena(-1)` with threads off (null).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LosskitError } from '../../src/errors.js';
import * as node from '../../src/node/index.js';

/** Argument lists that no function of losskit/node accepts (paths that do not exist, wrong kinds). */
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
const NO_ARGUMENTS = new Set(['disableThreads', 'threadsInfo']);
/** Argument lists of GARBAGE that a function rightly accepts (extra arguments are ignored, as in JavaScript). */
const VALID: Record<string, unknown[][]> = { createThreadsArena: [[5], [5, 5, 5]] };

describe('losskit/node: garbage arguments are LosskitErrors, for every export', () => {
  afterAll(async () => {
    await node.disableThreads();
  });
  const exports = Object.entries(node).filter(([, v]) => typeof v === 'function');

  it('the surface is what this test covers', () => {
    expect(exports.length).toBeGreaterThanOrEqual(12);
  });

  for (const [name, f] of exports) {
    if (NO_ARGUMENTS.has(name)) continue;
    it(name, async () => {
      for (const args of GARBAGE) {
        if (VALID[name]?.some((v) => v.length === args.length && v.every((x, i) => Object.is(x, args[i])))) continue;
        const what = `${name}(${args.map((a) => (typeof a === 'symbol' ? 'Symbol' : (JSON.stringify(a) ?? String(a)))).join(', ')})`;
        let outcome: unknown = 'no error';
        try {
          const call = f as (...a: unknown[]) => unknown;
          const r: unknown = /^[A-Z]/.test(name) ? new (f as new (...a: unknown[]) => unknown)(...args) : call(...args);
          if (r !== null && typeof (r as Promise<unknown>)?.then === 'function') await r;
        } catch (e) {
          outcome = e;
        }
        expect(outcome, what).toBeInstanceOf(LosskitError);
      }
    });
  }
});
