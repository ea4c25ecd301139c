/**
 * Shape audit over the whole metric registry (issue 12): a layout a peer uses must be either
 * accepted with the value of the plain layout or rejected with a LosskitError, never read as
 * something else. Enumerates listMetrics() and every alias, so a new metric is audited too.
 *
 * Rules checked for every name, every input kind it accepts and every task option it takes:
 * 1. `yTrue [N, 1]` with `yPred [N, 1]` (Keras's column layout) gives the value of `[N]` / `[N]`;
 * 2. one side `[N, 1]`, the other as before: the value of the plain layout;
 * 3. `sampleWeight [N, 1]`, which every loss accepts, gives the value of `sampleWeight [N]`;
 * 4. `sampleWeight` of N − 1 or N + 1 values is refused (never cut or padded to fit);
 * 5. class scores with a trailing position axis of 1 (`yPred [N, C, 1]`, `yTrue [N, 1]`, the
 *    PyTorch `[N, C, d]` layout) give the value of `[N, C]` with `[N]`, or are refused.
 */
import { describe, expect, it } from 'vitest';
import { LosskitError, getMetric, listMetrics } from '../../src/index.js';

interface T {
  data: number[];
  shape: number[];
}
interface Input {
  kind: string;
  yTrue: T;
  yPred: T;
}

const vec = (v: number[]): T => ({ data: v, shape: [v.length] });
const col = (t: T): T | null => (t.shape.length === 1 ? { data: t.data, shape: [t.shape[0], 1] } : null);

const INPUTS: Input[] = [
  { kind: 'binary', yTrue: vec([0, 1, 1, 0, 1, 0]), yPred: vec([0.2, 0.7, 0.4, 0.1, 0.9, 0.6]) },
  { kind: 'labels', yTrue: vec([1, 2, 3, 4, 2, 0]), yPred: vec([0, 2, 3, 4, 1, 0]) },
  { kind: 'values', yTrue: vec([1.5, 2, 3.2, 1, 0.5, 4]), yPred: vec([1.2, 2.5, 2.9, 1.5, 0.4, 3.1]) },
  {
    kind: 'scores',
    yTrue: vec([0, 2, 1, 2, 1, 0]),
    yPred: {
      data: [0.5, 0.3, 0.2, 0.1, 0.3, 0.6, 0.2, 0.5, 0.3, 0.3, 0.4, 0.3, 0.1, 0.8, 0.1, 0.4, 0.4, 0.2],
      shape: [6, 3],
    },
  },
  {
    kind: 'multilabel',
    yTrue: { data: [1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0], shape: [6, 3] },
    yPred: {
      data: [0.9, 0.2, 0.6, 0.3, 0.7, 0.4, 0.1, 0.2, 0.8, 0.6, 0.9, 0.3, 0.2, 0.4, 0.1, 0.7, 0.3, 0.2],
      shape: [6, 3],
    },
  },
  {
    kind: 'rows',
    yTrue: { data: [1, 0, 0.5, 0.5, 0, 1, 2, 1, 1, 1, 0, 2], shape: [6, 2] },
    yPred: { data: [0.9, 0.1, 0.4, 0.6, 0.2, 0.8, 1, 1, 1, 0.5, 0.3, 2], shape: [6, 2] },
  },
];
const WEIGHTS = [1, 2, 0.5, 1, 3, 1];
const VARIANTS: Record<string, unknown>[] = [
  {},
  { task: 'binary' },
  { task: 'multiclass' },
  { task: 'multilabel' },
  { topK: 2 },
  // the Keras metrics at a constraint, whose constraint is a required option
  { specificity: 0.5 },
  { sensitivity: 0.5 },
  { recall: 0.5 },
  { precision: 0.5 },
];

type Outcome = { value: string } | { error: unknown };

function attempt(name: string, opts: Record<string, unknown>, yt: T, yp: T, sw?: T): Outcome {
  try {
    const m = getMetric(name, opts);
    m.update(yt, yp, sw === undefined ? {} : { sampleWeight: sw });
    return { value: JSON.stringify(m.compute()) };
  } catch (e) {
    return { error: e };
  }
}

const names = listMetrics().flatMap((m) => [m.name, ...m.aliases.map((a) => a.name)]);

describe('metric shape audit (every metric name)', () => {
  for (const name of names) {
    if (name === 'loss') continue; // takes a loss name; its shapes are the loss's own
    it(name, () => {
      const problems: string[] = [];
      let checked = 0;
      for (const input of INPUTS) {
        for (const opts of VARIANTS) {
          const base = attempt(name, opts, input.yTrue, input.yPred);
          if ('error' in base) continue;
          checked++;
          const where = `${input.kind} ${JSON.stringify(opts)}`;
          const layouts: [string, T | null, T | null][] = [
            ['yTrue [N,1], yPred [N,1]', col(input.yTrue), col(input.yPred)],
            ['yTrue [N,1]', col(input.yTrue), input.yPred],
            ['yPred [N,1]', input.yTrue, col(input.yPred)],
          ];
          for (const [what, yt, yp] of layouts) {
            if (yt === null || yp === null) continue;
            const got = attempt(name, opts, yt, yp);
            if ('error' in got) {
              if (!(got.error instanceof LosskitError)) problems.push(`${where} ${what}: threw ${String(got.error)}`);
            } else if (got.value !== base.value) {
              problems.push(`${where} ${what}: ${got.value}, but ${base.value} for [N]`);
            }
          }
          const weighted = attempt(name, opts, input.yTrue, input.yPred, vec(WEIGHTS));
          if ('value' in weighted) {
            const w2 = attempt(name, opts, input.yTrue, input.yPred, col(vec(WEIGHTS)) as T);
            const got = 'value' in w2 ? w2.value : String(w2.error);
            if (got !== weighted.value) problems.push(`${where} sampleWeight [N,1]: ${got}`);
            for (const wrong of [WEIGHTS.slice(1), [...WEIGHTS, 1]]) {
              const w3 = attempt(name, opts, input.yTrue, input.yPred, vec(wrong));
              if (!('error' in w3 && w3.error instanceof LosskitError))
                problems.push(
                  `${where} sampleWeight of ${wrong.length} values: ${'value' in w3 ? w3.value : String(w3.error)}`,
                );
            }
          }
          if (input.kind === 'scores') {
            const [n, c] = input.yPred.shape;
            const got = attempt(
              name,
              opts,
              { data: input.yTrue.data, shape: [n, 1] },
              { data: input.yPred.data, shape: [n, c, 1] },
            );
            if ('error' in got) {
              if (!(got.error instanceof LosskitError))
                problems.push(`${where} yPred [N,C,1]: threw ${String(got.error)}`);
            } else if (got.value !== base.value)
              problems.push(`${where} yPred [N,C,1], yTrue [N,1]: ${got.value}, but ${base.value}`);
          }
        }
      }
      expect(checked, `no input kind was accepted by '${name}'`).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    });
  }
});
