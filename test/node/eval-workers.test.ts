/**
 * `--workers N`: a CSV file is evaluated block by block along one fixed merge tree, so 1, 2 and 3
 * workers give the same bits for every metric — float sums (log loss, calibration error,
 * weighted histograms, regression moments) included. Through the built CLI (real worker
 * threads; npm test builds dist/ first) and in this thread (the TypeScript source); plus the
 * tree and the block cuts themselves.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { evaluateFile } from '../../src/node/eval/engine.js';
import { blockBytes, blockCuts, treeNodes } from '../../src/node/eval/parallel.js';
import { binaryData, csvText, lcg, multiclassData } from './eval-helpers.js';

const root = resolve(__dirname, '..', '..');
const cli = join(root, 'dist/esm/node/cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'losskit-workers-'));
const put = (name: string, content: string | Buffer) => {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
};

interface Out {
  rows: number;
  results: { metric: string; value: unknown; error?: string }[];
  report?: unknown;
}

function evalCli(file: string, workers: number, extra: string[] = []): { out: Out; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [cli, 'eval', file, '--json', '--quiet', '--workers', String(workers), ...extra],
    {
      encoding: 'utf8',
      env: { ...process.env, LOSSKIT_EVAL_TRACE: '1' },
    },
  );
  expect(r.status, r.stderr).toBe(0);
  return { out: JSON.parse(r.stdout) as Out, stderr: r.stderr };
}

/** Regression rows: y_true, y_pred, weight with full-precision floats. */
function regressionCsv(n: number): string {
  const r = lcg(11);
  const lines = ['y_true,y_pred,sample_weight'];
  for (let i = 0; i < n; i++) {
    const y = (r() - 0.5) * 1e3;
    lines.push(`${y},${y + (r() - 0.5) * 37.1},${0.25 + r()}`);
  }
  return lines.join('\n') + '\n';
}

const N = 60000;
const cases: [string, string, string[]][] = [
  ['binary, weighted (default metrics)', csvText(binaryData(N, 5), { weight: true }), []],
  ['binary, unweighted, with the classification report', csvText(binaryData(N, 6)), ['--report']],
  ['multiclass (4 classes), weighted', csvText(multiclassData(N, 4, 8), { weight: true }), []],
  ['regression, weighted', regressionCsv(N), ['--task', 'regression']],
];

describe('--workers 1, 2, 3 (worker threads): the same bits', () => {
  for (const [name, text, extra] of cases)
    it(name, () => {
      const file = put(`${name.replace(/\W+/g, '-')}.csv`, text);
      const size = Buffer.byteLength(text);
      expect(size / blockBytes(size)).toBeGreaterThan(6); // several blocks per worker
      const runs = [1, 2, 3].map((w) => evalCli(file, w, extra));
      const [one, two, three] = runs.map((r) => r.out);
      expect(one.rows).toBe(N);
      expect(one.results.filter((r) => r.error !== undefined)).toEqual([]);
      // JSON numbers print every float64 bit: equal text is equal bits.
      expect(JSON.stringify(two.results)).toBe(JSON.stringify(one.results));
      expect(JSON.stringify(three.results)).toBe(JSON.stringify(one.results));
      expect(JSON.stringify(three.report)).toBe(JSON.stringify(one.report));
      // The work really was split over threads (the trace names each worker's blocks).
      expect(runs[2].stderr).toMatch(/worker 2 blocks \[\d+, \d+\)/);
      expect(runs[0].stderr).not.toMatch(/worker \d blocks/);
    });
});

describe('Parquet: row groups are the blocks', () => {
  const d = binaryData(N, 17);
  const pq = put(
    'groups.parquet',
    Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: 'y_true', data: Int32Array.from(d.yTrue), type: 'INT32' },
          { name: 'prob', data: Float64Array.from(d.yPred, (p) => p[0]), type: 'DOUBLE' },
          { name: 'sample_weight', data: Float64Array.from(d.weight), type: 'DOUBLE' },
        ],
        rowGroupSize: 5000,
      }),
    ),
  );
  it('--workers 1, 2, 3: the same bits, the work split over threads, equal to the CSV up to summation order', () => {
    const runs = [1, 2, 3].map((w) => evalCli(pq, w));
    const [one, two, three] = runs.map((r) => r.out);
    expect(one.rows).toBe(N);
    expect(runs[0].stderr).toMatch(/12 blocks of 12 row groups, 1 worker/);
    expect(runs[2].stderr).toMatch(/worker 2 blocks \[9, 12\)/);
    expect(JSON.stringify(two.results)).toBe(JSON.stringify(one.results));
    expect(JSON.stringify(three.results)).toBe(JSON.stringify(one.results));
    const csv = evalCli(put('groups.csv', csvText(d, { weight: true })), 1).out;
    csv.results.forEach((r, i) => expect(one.results[i].value as number).toBeCloseTo(r.value as number, 12));
  });
  it('in this thread: workers 1 and 5 give the same bits', async () => {
    const a = await evaluateFile(pq, { workers: 1 });
    const b = await evaluateFile(pq, { workers: 5 });
    expect(a.rows).toBe(N);
    expect(b.results).toEqual(a.results);
  });
});

describe('block evaluation in this thread', () => {
  it('workers 1 and 4 give the same bits; equal to the reference values up to summation order', async () => {
    const d = binaryData(20000, 9);
    const f = put('inthread.csv', csvText(d, { weight: true }));
    const a = await evaluateFile(f, { workers: 1 });
    const b = await evaluateFile(f, { workers: 4 });
    expect(b.results).toEqual(a.results);
    // One batch of everything, in order (a single block): the same values up to rounding.
    const whole = await evaluateFile(f, { workers: 1, batchRows: 1 << 20, format: 'csv' });
    whole.results.forEach((r, i) => expect(a.results[i].value as number).toBeCloseTo(r.value as number, 12));
  });

  it('treeNodes: the largest nodes of the fixed tree inside [a, b), covering it exactly', () => {
    const K = 37;
    const nodesOf = (lo: number, hi: number): [number, number][] => {
      if (hi - lo === 1) return [[lo, hi]];
      const mid = (lo + hi) >>> 1;
      return [[lo, hi], ...nodesOf(lo, mid), ...nodesOf(mid, hi)];
    };
    const all = new Set(nodesOf(0, K).map((n) => n.join()));
    for (let a = 0; a < K; a++)
      for (let b = a + 1; b <= K; b++) {
        const got = treeNodes(0, K, a, b);
        let at = a;
        for (const [lo, hi] of got) {
          expect(lo).toBe(at); // contiguous, left to right
          expect(all.has(`${lo},${hi}`)).toBe(true);
          at = hi;
        }
        expect(at).toBe(b);
      }
    expect(treeNodes(0, 8, 0, 8)).toEqual([[0, 8]]);
    expect(treeNodes(0, 8, 1, 7)).toEqual([
      [1, 2],
      [2, 4],
      [4, 6],
      [6, 7],
    ]);
  });

  it('blockCuts: every cut is a line start; a cut inside a quoted line break makes the file one block', () => {
    const lines = ['y_true,prob'];
    for (let i = 0; i < 30000; i++) lines.push(`${i % 2},0.${String(i).padStart(5, '0')}`);
    const text = lines.join('\n') + '\n';
    const f = put('cuts.csv', text);
    const start = text.indexOf('\n') + 1;
    const cuts = blockCuts(f, start, text.length);
    expect(cuts.length).toBeGreaterThan(3);
    expect(cuts[0]).toBe(start);
    expect(cuts[cuts.length - 1]).toBe(text.length);
    for (const c of cuts.slice(1, -1)) expect(text[c - 1]).toBe('\n');
    // A quoted field with line breaks spanning the place of every cut: one block.
    const quoted = text.slice(0, start) + '1,"0.5' + '\n'.repeat(text.length) + '"\n';
    const g = put('quoted.csv', quoted);
    expect(blockCuts(g, start, quoted.length)).toEqual([start, quoted.length]);
    // Balanced quotes before the cuts: cuts stay.
    const q2 = text.replace(/\n0,/g, '\n"0",');
    const h = put('quoted2.csv', q2);
    expect(blockCuts(h, start, q2.length).length).toBeGreaterThan(3);
  });
});
