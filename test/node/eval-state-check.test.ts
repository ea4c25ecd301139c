/**
 * A state file (`losskit eval --save-state`) is untrusted input (state-check.ts): `losskit merge`
 * and `mergeStates` check its envelope field by field before using it. Over every field of real
 * states (binary with text labels and a report, regression): a value of the wrong kind, a missing
 * field and an unknown field are each an INVALID_INPUT error naming the file and the field — the
 * CLI exits 2 with that one line. Before, `{"losskitEvalState":1}` or a state with `rows: "a"`
 * ended in a TypeError and a stack trace (exit 3).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LosskitError } from '../../src/errors.js';
import { evaluateFileWithState, mergeStates, type EvalState } from '../../src/node/eval/engine.js';
import { cliSandbox } from './eval-helpers.js';

const { cli, tmp, put } = cliSandbox('losskit-state-check');

async function stateOf(name: string, text: string, options: Parameters<typeof evaluateFileWithState>[1]) {
  const { state } = await evaluateFileWithState(put(name, text), options);
  if (state === null) throw new Error('no state');
  return JSON.parse(JSON.stringify(state)) as EvalState;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** Every path of a JSON value, except inside the metric states and the report (checked where restored). */
function paths(v: Json, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = at.length > 0 ? [at] : [];
  const last = at[at.length - 1];
  if (last === 'state' && at.length > 1) return out; // metrics[i].state: restoreMetric checks it
  if (last === 'report') return out;
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}
const show = (p: (string | number)[]) =>
  p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : `${s}.${k}`), 'state');
function edit(
  s: EvalState,
  p: (string | number)[],
  f: (parent: Record<string | number, Json>, key: string | number) => void,
): EvalState {
  const copy = JSON.parse(JSON.stringify(s)) as Record<string | number, Json>;
  let o = copy;
  for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, Json>;
  f(o, p[p.length - 1]);
  return copy as unknown as EvalState;
}
function problem(s: EvalState, where = ''): LosskitError {
  try {
    mergeStates([s], ['shard.json']);
  } catch (e) {
    expect(e).toBeInstanceOf(LosskitError);
    return e as LosskitError;
  }
  throw new Error(`merged: ${where}`);
}

describe('state files: the envelope is checked field by field', async () => {
  const binary = await stateOf(
    'text-labels.csv',
    'label,score\n' +
      Array.from({ length: 40 }, (_, i) => `${i % 3 === 0 ? 'cat' : 'dog'},${((i * 7) % 10) / 10}`).join('\n') +
      '\n',
    { report: true, posLabel: 'dog' },
  );
  const regression = await stateOf(
    'regression.csv',
    'y_true,y_pred,sample_weight\n' +
      Array.from({ length: 20 }, (_, i) => `${i / 3},${i / 3 + 0.1},1`).join('\n') +
      '\n',
    {},
  );

  it('the states as written merge', () => {
    expect(mergeStates([binary, binary], ['a', 'b']).result.rows).toBe(80);
    expect(mergeStates([regression], ['r']).result.rows).toBe(20);
  });

  for (const [kind, st] of [
    ['binary, text labels, report', binary],
    ['regression, weighted', regression],
  ] as const)
    it(`${kind}: every field wrong, missing or joined by an unknown one is named`, () => {
      const all = paths(st as unknown as Json);
      expect(all.length).toBeGreaterThan(30);
      const optional = new Set(['negValue', 'error', 'report']);
      for (const p of all) {
        const where = show(p);
        const last = p[p.length - 1];
        // the wrong kind: an object for a scalar or an array, a number for an object
        const cur = p.reduce<Json>((o, k) => (o as Record<string | number, Json>)[k], st as unknown as Json);
        const wrong: Json = cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? 5 : { bogus: true };
        const e = problem(
          edit(st, p, (o, k) => (o[k] = wrong)),
          where,
        );
        expect(e.code, where).toBe('INVALID_INPUT');
        expect(e.message, where).toContain(`shard.json: not a valid losskit state: ${where}`);
        // (settings is a map of labels for the output: any keys)
        if (typeof last === 'string' && !optional.has(last) && p[p.length - 2] !== 'settings') {
          const m = problem(
            edit(st, p, (o, k) => delete o[k]),
            where,
          );
          expect(m.message, where).toContain(`${where} is missing`);
        }
        if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && last !== 'settings') {
          const u = problem(
            edit(st, p, (o, k) => ((o[k] as Record<string, Json>).zzz = 1)),
            where,
          );
          // a metric's own state: refused by restoreMetric, named with its place in the file
          const i = /^state\.metrics\[(\d+)\]\.state$/.exec(where)?.[1];
          if (where === 'state.report')
            expect(u.message, where).toContain(
              `shard.json: ClassificationReportStream.fromJSON: 'json' .zzz is not a field`,
            );
          else if (i !== undefined)
            expect(u.message, where).toContain(
              `shard.json: restoreMetric: state.metrics[${i}] (${st.metrics[Number(i)].metric}): 'json.zzz' is not a field of metric.toJSON()`,
            );
          else expect(u.message, where).toContain(`${where}.zzz is not a field of a losskit state`);
        }
      }
    });

  it('the arguments of mergeStates, and the CLI: exit 2, one line naming the file and the field', () => {
    expect(() => mergeStates(5 as unknown as EvalState[], [])).toThrow(
      /'states' must be an array of states; received 5/,
    );
    expect(() => mergeStates([binary], [])).toThrow(/'names' must be an array of 1 strings/);
    const files: [string, string, string][] = [
      ['empty-envelope.json', '{"losskitEvalState":1}', 'state.file is missing'],
      [
        'rows-text.json',
        JSON.stringify({ ...binary, rows: 'a' }),
        'state.rows must be an integer in [0, 9007199254740991]; received "a"',
      ],
      ['metric-5.json', JSON.stringify({ ...binary, metrics: [5] }), 'state.metrics[0] must be an object; received 5'],
      ['no-metrics.json', JSON.stringify({ ...binary, metrics: [] }), 'metrics must name at least one metric'],
    ];
    for (const [name, text, why] of files) {
      const f = join(tmp, name);
      writeFileSync(f, text);
      const r = spawnSync(process.execPath, [cli, 'merge', f], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`losskit: ${f}: not a valid losskit state: ${why}`);
    }
  });
});
