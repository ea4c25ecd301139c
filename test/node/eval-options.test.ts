/**
 * The options of evaluateFile / evaluateStream are untrusted input, checked before anything is
 * read (engine.ts OPTION_RULES, one rule per option): over every option, a value of the wrong kind
 * is an INVALID_OPTION error naming it, and a valid value is accepted; an unknown option is an
 * error with a suggestion; options that are not an object are an error. Before, `workers: NaN` and `targetCol: 5`
 * crashed with a TypeError, `batchRows: -5` with a RangeError, and `workers: 0`, `numClasses: -3`
 * or a misspelt `worker: 2` were silently accepted.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LosskitError } from '../../src/errors.js';
import {
  EVALUATE_OPTION_NAMES,
  checkEvaluateOptions,
  evaluateFile,
  evaluateStream,
  type EvaluateOptions,
} from '../../src/node/eval/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'losskit-eval-options-'));
const file = join(dir, 'binary.csv');
writeFileSync(file, 'y_true,prob,sample_weight\n1,0.9,1\n0,0.2,2\n1,0.6,1\n0,0.4,1\n');

/** A valid value of every option, for this binary file (the test fails if an option is missing here). */
const VALID: { [K in keyof Required<EvaluateOptions>]: EvaluateOptions[K] } = {
  task: 'binary',
  targetCol: 'y_true',
  predCol: 'prob',
  predPrefix: 'p_',
  weightCol: 'sample_weight',
  fromLogits: false,
  posLabel: 1,
  numClasses: 2,
  metrics: ['accuracy'],
  average: 'binary',
  threshold: 0.5,
  topK: 1,
  aurocBins: 200,
  format: 'csv',
  report: false,
  collect: { maxRows: 100 },
  batchRows: 2,
  workers: 1,
  onProgress: () => undefined,
  name: 'preds',
};

/** Values of the wrong kind for every option (each option gets each one that is wrong for it). */
const WRONG: unknown[] = [Symbol('x'), NaN, -1, 0, 2.5, 'nope', '', [], {}, () => 1, true, 1e9];

async function rejection(p: Promise<unknown>): Promise<LosskitError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LosskitError);
    return e as LosskitError;
  }
  throw new Error('resolved');
}

describe('evaluate options: one rule per option, checked first', () => {
  it('the valid values cover every option', () => {
    expect(Object.keys(VALID).sort()).toEqual([...EVALUATE_OPTION_NAMES].sort());
  });

  it('every option: a value of another kind or out of range is INVALID_OPTION naming it', async () => {
    let rejected = 0;
    for (const name of EVALUATE_OPTION_NAMES) {
      const valid = VALID[name as keyof EvaluateOptions];
      expect(() => checkEvaluateOptions({ [name]: valid }), name).not.toThrow();
      for (const value of WRONG) {
        try {
          checkEvaluateOptions({ [name]: value });
        } catch (e) {
          expect(e).toBeInstanceOf(LosskitError);
          const err = e as LosskitError;
          expect(err.code).toBe('INVALID_OPTION');
          expect(err.argument === name || err.argument?.startsWith(`${name}.`), `${name}: ${err.message}`).toBe(true);
          expect(err.message.startsWith('evaluate: '), err.message).toBe(true);
          rejected++;
          continue;
        }
        // accepted: then it is of the valid value's kind (a string for a string option, …)
        expect(
          name === 'posLabel' ? ['number', 'string'] : [typeof valid],
          `${name} accepted ${String(value)}`,
        ).toContain(typeof value);
      }
      // both entry points check them first
      const f = await rejection(evaluateFile(file, { [name]: Symbol('x') } as EvaluateOptions));
      const st = await rejection(evaluateStream((async function* () {})(), { [name]: Symbol('x') } as EvaluateOptions));
      for (const e of [f, st]) {
        expect(e.code).toBe('INVALID_OPTION');
        expect(e.argument === name || e.argument?.startsWith(`${name}.`)).toBe(true);
      }
    }
    expect(rejected).toBeGreaterThan(EVALUATE_OPTION_NAMES.length * 7);
  });

  it('the messages name the option, the expectation and the value', async () => {
    const cases: [EvaluateOptions | Record<string, unknown>, string][] = [
      [{ workers: 0 }, "evaluate: option 'workers' must be an integer >= 1 <= 256; received 0"],
      [{ workers: NaN }, "evaluate: option 'workers' must be an integer >= 1 <= 256; received NaN"],
      [{ batchRows: -5 }, "evaluate: option 'batchRows' must be an integer >= 1 <= 16777216; received -5"],
      [{ targetCol: 5 }, "evaluate: option 'targetCol' must be a non-empty string; received 5"],
      [{ onProgress: 5 }, "evaluate: option 'onProgress' must be a function; received 5"],
      [{ numClasses: -3 }, "evaluate: option 'numClasses' must be an integer >= 2 <= 1000000; received -3"],
      [{ threshold: 2 }, "evaluate: 'threshold' must be a probability in [0, 1]; received 2"],
      [
        { collect: { maxRows: 0 } },
        "evaluate: option 'collect.maxRows' must be an integer >= 1 <= 1073741824; received 0",
      ],
      [{ collect: { rows: 5 } }, "evaluate: unknown option 'rows'; valid options are 'maxRows'"],
    ];
    for (const [o, want] of cases)
      expect((await rejection(evaluateFile(file, o as EvaluateOptions))).message).toBe(want);
  });

  it('an unknown option is an error, with a suggestion', async () => {
    const e = await rejection(evaluateFile(file, { worker: 2 } as EvaluateOptions));
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.argument).toBe('worker');
    expect(e.message).toMatch(
      /^evaluate: unknown option 'worker' \(did you mean 'workers'\?\); valid options are 'task', /,
    );
  });

  it("evaluateFile's path and evaluateStream's source: checked, named", async () => {
    for (const path of [
      5,
      '',
      null,
      [],
      {},
      { yTrue: 'a.npy' },
      { yTrue: 'a.npy', yPred: 5 },
      { yTrue: 'a', yPred: 'b', w: 'c' },
    ]) {
      const e = await rejection(evaluateFile(path as unknown as string));
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.argument).toBe('path');
      expect(e.message).toMatch(
        /^evaluate: 'path' must be a file path \('-' for stdin\) or \{ yTrue, yPred, sampleWeight\? \} \.npy paths; received /,
      );
    }
    for (const source of [5, null, 'text', [new Uint8Array(1)], {}]) {
      const e = await rejection(evaluateStream(source as unknown as AsyncIterable<Uint8Array>));
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.argument).toBe('source');
      expect(e.message).toMatch(/^evaluateStream: 'source' must be an async iterable/);
    }
  });

  it('options that are not an object (null, a number, text, an array) are an error', async () => {
    for (const o of [null, 5, 'x', [1]])
      expect((await rejection(evaluateFile(file, o as unknown as EvaluateOptions))).code).toBe('INVALID_OPTION');
  });

  it('the valid values are accepted (together)', async () => {
    // (predPrefix would name other columns; the others apply to other tasks or metrics)
    const { predPrefix: _prefix, aurocBins: _bins, topK: _k, numClasses: _c, ...o } = VALID;
    void [_prefix, _bins, _k, _c];
    const r = await evaluateFile(file, { ...o, metrics: ['f1'] });
    expect(r.rows).toBe(4);
    expect(r.results[0].value).toBe(1);
  });
});
