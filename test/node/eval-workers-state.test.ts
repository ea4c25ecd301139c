/**
 * The block path's states: order-free metrics (unweighted counts: stat scores, exact score
 * histograms) keep one state per thread, float sums a state per block merged along the fixed
 * tree, and metrics sharing a state (accuracy / precision / recall / f1; auroc /
 * averagePrecision / curves) update one and copy it. Checked for binary and multiclass,
 * weighted and unweighted, 1, 2 and 3 workers (real worker threads through the built CLI, and
 * shares run in this thread): the same bits for every number of workers, the counts the same
 * bits as one in-order pass (a gzip file is read in order, in one pass), float sums equal to it
 * up to rounding. Metric errors name file-absolute rows whatever the block or worker.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateFile, evaluateFileWithState, type EvalState } from '../../src/node/eval/engine.js';
import { blockBytes } from '../../src/node/eval/parallel.js';
import { binaryData, cliSandbox, csvText, lcg, multiclassData, writeGz } from './eval-helpers.js';

const { cli, tmp, put } = cliSandbox('losskit-workers-state');

interface Out {
  rows: number;
  results: { metric: string; value: unknown; error?: string }[];
}

function evalCli(file: string, workers: number, extra: string[] = []): { status: number | null; out: string } {
  const r = spawnSync(
    process.execPath,
    [cli, 'eval', file, '--json', '--quiet', '--workers', String(workers), ...extra],
    // fixed shares: the work is split over the threads whatever their start-up time
    { encoding: 'utf8', env: { ...process.env, LOSSKIT_EVAL_TRACE: '1', LOSSKIT_EVAL_SPLIT: 'static' } },
  );
  return { status: r.status, out: r.stdout + r.stderr };
}

const N = 50000;
/** Metrics whose unweighted states are integer counts (merged exactly in any order). */
const COUNTS = new Set(['accuracy', 'precision', 'recall', 'f1', 'auroc', 'averagePrecision']);
const METRICS = {
  binary: ['accuracy', 'precision', 'recall', 'f1', 'auroc', 'averagePrecision', 'logLoss', 'calibrationError'],
  multiclass: ['accuracy', 'f1', 'precision', 'recall', 'topKAccuracy', 'auroc', 'logLoss'],
};

const cases = (['binary', 'multiclass'] as const).flatMap((task) =>
  [false, true].map((weighted) => {
    const d = task === 'binary' ? binaryData(N, weighted ? 21 : 22) : multiclassData(N, 5, weighted ? 23 : 24);
    const text = csvText(d, { weight: weighted });
    const name = `${task}-${weighted ? 'weighted' : 'unweighted'}`;
    const gz = join(tmp, `${name}.csv.gz`);
    writeGz(gz, text);
    return { task, weighted, name, csv: put(`${name}.csv`, text), gz, size: Buffer.byteLength(text) };
  }),
);

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
const stateOf = (s: EvalState | null, metric: string) => s?.metrics.find((m) => m.metric === metric)?.state;

describe('block states: 1, 2, 3 workers give the same bits; counts equal one in-order pass', () => {
  for (const c of cases)
    it(`${c.name}: worker threads (CLI)`, () => {
      expect(c.size / blockBytes(c.size)).toBeGreaterThan(5); // several blocks per worker
      const runs = [1, 2, 3].map((w) => evalCli(c.csv, w));
      for (const r of runs) expect(r.status, r.out).toBe(0);
      const outs = runs.map((r) => JSON.parse(r.out.slice(0, r.out.lastIndexOf('}') + 1)) as Out);
      expect(outs[0].rows).toBe(N);
      expect(outs[0].results.map((r) => r.metric)).toEqual(METRICS[c.task]);
      expect(outs[0].results.filter((r) => r.error !== undefined)).toEqual([]);
      // JSON numbers print every float64 bit: equal text is equal bits.
      expect(JSON.stringify(outs[1].results)).toBe(JSON.stringify(outs[0].results));
      expect(JSON.stringify(outs[2].results)).toBe(JSON.stringify(outs[0].results));
      expect(runs[2].out).toMatch(/worker 2 blocks \[\d+, \d+\)/);
    });

  for (const c of cases)
    it(`${c.name}: shares in this thread, states against one in-order pass`, async () => {
      const [one, two, three] = await Promise.all([1, 2, 3].map((w) => evaluateFileWithState(c.csv, { workers: w })));
      const whole = await evaluateFileWithState(c.gz); // gzip: read in order, one pass
      expect(whole.result.format).toBe('csv');
      expect(two.result.results).toEqual(one.result.results);
      expect(three.result.results).toEqual(one.result.results);
      expect(JSON.stringify(two.state)).toBe(JSON.stringify(one.state));
      expect(JSON.stringify(three.state)).toBe(JSON.stringify(one.state));
      one.result.results.forEach((r, i) => {
        const w = whole.result.results[i];
        expect(r.metric).toBe(w.metric);
        if (!c.weighted && COUNTS.has(r.metric)) {
          // one state per thread, exact merges: the very state of one pass
          expect(r.value).toEqual(w.value);
          expect(stateOf(one.state, r.metric)).toEqual(stateOf(whole.state, r.metric));
        } else close(r.value as number, w.value as number);
      });
    });
});

describe('metrics sharing one state', () => {
  it('accuracy, precision, recall, f1 and auroc, averagePrecision, curves: as each alone, states included', async () => {
    const c = cases[1]; // binary, weighted
    const metrics = [
      'auroc',
      'accuracy',
      'averagePrecision',
      'f1',
      'precision',
      'rocCurve',
      'recall',
      'precisionRecallCurve',
    ];
    const all = await evaluateFileWithState(c.csv, { metrics, workers: 2 });
    for (const [i, metric] of metrics.entries()) {
      const alone = await evaluateFileWithState(c.csv, { metrics: [metric], workers: 2 });
      expect(all.result.results[i]).toEqual(alone.result.results[0]);
      expect(all.state?.metrics[i]).toEqual(alone.state?.metrics[0]);
    }
    // multiclass with an average that differs: the state is shared, the values are each metric's own
    const m = cases[2];
    const opts = { metrics: ['f1', 'accuracy', 'recall'], average: 'macro' as const };
    const both = await evaluateFile(m.csv, opts);
    for (const [i, metric] of opts.metrics.entries())
      expect(both.results[i]).toEqual((await evaluateFile(m.csv, { ...opts, metrics: [metric] })).results[0]);
  });
});

describe('metric errors name file-absolute places', () => {
  // Regression rows; one negative target deep in the file (the log error's domain).
  const r = lcg(5);
  const lines = ['y_true,y_pred'];
  const bad = 41234; // data row (1-based): line bad + 1
  for (let i = 1; i <= 60000; i++) lines.push(`${i === bad ? -1 : 1 + Math.floor(r() * 7)},${(1.5 + r()).toFixed(3)}`);
  const text = lines.join('\n') + '\n';
  const f = put('negative.csv', text);
  const gz = join(tmp, 'negative.csv.gz');
  writeGz(gz, text);
  // A negative prediction (column 4 of its line) on another line.
  const lines2 = lines.slice();
  lines2[bad] = '1,2.000';
  lines2[bad + 7] = '12,-2.5';
  const f2 = put('negative-pred.csv', lines2.join('\n') + '\n');
  const rowsOf = (msg: string) => {
    const m = /received -1 at index \[(\d+)\] \(rows (\d+)\.\.(\d+)\)$/.exec(msg);
    expect(m, msg).not.toBeNull();
    const [index, from] = (m ?? []).slice(1).map(Number);
    return { from, row: from + index };
  };
  it('--workers 1 and 2, deep in a multi-block file: file:line:column of the cell, file-absolute rows', () => {
    expect(Buffer.byteLength(text) / blockBytes(Buffer.byteLength(text))).toBeGreaterThan(5);
    const args = ['--task', 'regression', '--metrics', 'meanSquaredLogError,meanAbsoluteError'];
    const msgs = [1, 2].map((w) => {
      const run = evalCli(f, w, args);
      expect(run.status, run.out).toBe(1); // a requested metric could not be computed
      const out = JSON.parse(run.out.slice(0, run.out.lastIndexOf('}') + 1)) as Out;
      expect(out.results[1].error).toBeUndefined();
      return out.results[0].error ?? '';
    });
    expect(msgs[1]).toBe(msgs[0]);
    expect(msgs[0].startsWith(`${f}:${bad + 1}:1: meanSquaredLogError: 'yTrue'`)).toBe(true);
    expect(rowsOf(msgs[0]).row).toBe(bad);
    for (const w of [1, 2]) {
      const run = evalCli(f2, w, ['--task', 'regression', '--metrics', 'meanSquaredLogError']);
      expect(run.out).toContain(`${f2}:${bad + 8}:4: meanSquaredLogError: 'yPred'`);
    }
  });
  it('in this thread (1 and 3 shares) and one in-order pass (gzip: file:line) agree', async () => {
    const o = { task: 'regression' as const, metrics: ['meanSquaredLogError'] };
    for (const workers of [1, 3]) {
      const e = (await evaluateFile(f, { ...o, workers })).results[0].error ?? '';
      expect(e.startsWith(`${f}:${bad + 1}:1: `)).toBe(true);
      expect(rowsOf(e).row).toBe(bad);
    }
    const e = (await evaluateFile(gz, o)).results[0].error ?? '';
    expect(e.startsWith(`${gz}:${bad + 1}: `)).toBe(true);
    expect(rowsOf(e).row).toBe(bad);
  });
});

describe('a worker goes downwards: the bad cell reported is still the first of the file', () => {
  // Two bad cells in the last half of the file (the worker's share with fixed shares, the blocks a
  // worker meets first, from the top): the one reported is the first, as with one thread.
  const r = lcg(11);
  const lines = ['y_true,prob'];
  const [first, second] = [45000, 55000]; // data rows (1-based): lines + 1
  for (let i = 1; i <= 60000; i++)
    lines.push(`${r() < 0.5 ? 1 : 0},${i === first ? 'abc' : i === second ? 'x' : r().toFixed(4)}`);
  const text = lines.join('\n') + '\n';
  const f = put('two-bad-cells.csv', text);
  it('fixed shares and the dynamic split, 1 to 3 workers: file:line:column of the first', () => {
    expect(Buffer.byteLength(text) / blockBytes(Buffer.byteLength(text))).toBeGreaterThan(5);
    const want = `losskit: ${f}:${first + 1}:3: column 'prob' must hold a decimal number; received "abc"`;
    for (const split of ['static', 'dynamic'])
      for (const w of [1, 2, 3]) {
        const run = spawnSync(process.execPath, [cli, 'eval', f, '--json', '--quiet', '--workers', String(w)], {
          encoding: 'utf8',
          env: { ...process.env, LOSSKIT_EVAL_SPLIT: split },
        });
        expect(run.status, `${split} ${w}: ${run.stderr}`).toBe(2);
        expect(run.stderr.trim(), `${split} ${w}`).toBe(want);
      }
  });
});
