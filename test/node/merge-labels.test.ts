/**
 * `merge` of shards whose text labels differ: each shard indexes its own sorted labels; the
 * merge moves the states to the sorted union (scikit-learn's `classes_` of the concatenated
 * data) when that is exact — equal, bit for bit, to evaluating the concatenated file — and
 * refuses with one clear `INVALID_INPUT` naming the shard otherwise.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LosskitError } from '../../src/errors.js';
import { evaluateFile, evaluateFileWithState, mergeStates, type EvalState } from '../../src/node/eval/engine.js';
import { lcg } from './eval-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'losskit-mergelabels-'));
const put = (name: string, content: string) => {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
};

/** Hard-prediction rows over `classes`, integer weights (exact sums, so bit-for-bit comparisons hold). */
function hardRows(n: number, classes: string[], seed: number): string[] {
  const r = lcg(seed);
  const pick = () => classes[Math.floor(r() * classes.length)];
  return Array.from({ length: n }, () => {
    const t = pick();
    const p = r() < 0.6 ? t : pick();
    return `${t},${p},${1 + Math.floor(r() * 3)}`;
  });
}

const HEAD = 'y_true,y_pred,sample_weight';
const METRICS = ['accuracy', 'f1', 'precision', 'recall', 'confusionMatrix', 'cohenKappa', 'matthewsCorrcoef'];

async function stateOf(name: string, rows: string[], o: Parameters<typeof evaluateFileWithState>[1] = {}) {
  const r = await evaluateFileWithState(put(name, [HEAD, ...rows].join('\n') + '\n'), o);
  return r.state as EvalState;
}

describe('merge with different text label sets', () => {
  it('multiclass hard predictions: moved to the sorted union, equal to one pass over the concatenation', async () => {
    const shards = [
      hardRows(300, ['dog', 'cat'], 1),
      hardRows(200, ['emu', 'cat', 'dog'], 2),
      hardRows(250, ['ant', 'dog', 'cat'], 3),
    ];
    for (const average of ['macro', 'weighted', 'micro'] as const) {
      const o = { metrics: METRICS, average, report: true };
      const states = await Promise.all(shards.map((rows, i) => stateOf(`h${i}-${average}.csv`, rows, o)));
      expect(states.map((s) => s.plan.labels)).toEqual([
        ['cat', 'dog'],
        ['cat', 'dog', 'emu'],
        ['ant', 'cat', 'dog'],
      ]);
      const merged = mergeStates(states, ['a.json', 'b.json', 'c.json']).result;
      const whole = await evaluateFile(put(`whole-${average}.csv`, [HEAD, ...shards.flat()].join('\n') + '\n'), o);
      expect(merged.labels).toEqual(['ant', 'cat', 'dog', 'emu']);
      expect(merged.labels).toEqual(whole.labels);
      expect(merged.rows).toBe(750);
      expect(merged.results.filter((r) => r.error !== undefined)).toEqual([]);
      expect(merged.results).toEqual(whole.results);
      expect(merged.report).toEqual(whole.report);
    }
  });

  it('binary: label maps whose union has two labels merge as they are', async () => {
    const a = await stateOf('b1.csv', ['spam,0.9,1', 'ham,0.6,2', 'ham,0.2,1'], { task: 'binary' });
    const b = await stateOf('b2.csv', ['spam,0.8,1', 'spam,0.3,0.5'], { task: 'binary', posLabel: 'spam' });
    expect(b.plan.labels).toEqual(['spam']);
    const merged = mergeStates([a, b], ['a.json', 'b.json']).result;
    const whole = await evaluateFile(
      put('bw.csv', [HEAD, 'spam,0.9,1', 'ham,0.6,2', 'ham,0.2,1', 'spam,0.8,1', 'spam,0.3,0.5'].join('\n') + '\n'),
      { task: 'binary' },
    );
    expect(merged.labels).toEqual(['ham', 'spam']);
    expect(merged.results).toEqual(whole.results);
  });

  it('refused with a clear message when it cannot be exact', async () => {
    const expectRefusal = (states: EvalState[], re: RegExp) => {
      let err: unknown = null;
      try {
        mergeStates(states, ['a.json', 'b.json']);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LosskitError);
      expect((err as LosskitError).code).toBe('INVALID_INPUT');
      expect((err as Error).message).toMatch(re);
    };
    // Binary shards with three labels in all.
    const b1 = await stateOf('r1.csv', ['spam,0.9,1', 'ham,0.1,1'], { task: 'binary', posLabel: 'spam' });
    const b2 = await stateOf('r2.csv', ['spam,0.9,1', 'eggs,0.1,1'], { task: 'binary', posLabel: 'spam' });
    expectRefusal([b1, b2], /b\.json: cannot be merged with a\.json: binary shards .* have 3 labels in all/);
    // Score columns per class that differ between shards.
    const s1 = put('s1.csv', 'y_true,p_cat,p_dog\ncat,0.7,0.3\ndog,0.4,0.6\n');
    const s2 = put('s2.csv', 'y_true,p_cat,p_dog,p_emu\ncat,0.5,0.3,0.2\nemu,0.1,0.2,0.7\n');
    const c1 = (await evaluateFileWithState(s1, { task: 'multiclass' })).state as EvalState;
    const c2 = (await evaluateFileWithState(s2, { task: 'multiclass' })).state as EvalState;
    expectRefusal(
      [c1, c2],
      /b\.json: cannot be merged with a\.json: the class labels differ .* score columns are per class/,
    );
    // Numeric labels against text labels.
    const n1 = await stateOf('n1.csv', ['0,1,1', '2,2,1', '1,1,1'], { task: 'multiclass', numClasses: 3 });
    const n2 = await stateOf('n2.csv', ['x,y,1', 'y,y,1', 'z,z,1']);
    expectRefusal([n1, n2], /numeric labels and the other text labels/);
  });
});
