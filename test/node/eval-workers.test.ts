/**
 * `--workers N`: a CSV file is evaluated block by block along one fixed merge tree, so 1, 2 and 3
 * workers give the same bits for every metric — float sums (log loss, calibration error,
 * weighted histograms, regression moments) included. Through the built CLI (real worker
 * threads; npm test builds dist/ first) and in this thread (the TypeScript source); plus the
 * tree and the block cuts themselves.
 */
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { evaluateFile } from '../../src/node/eval/engine.js';
import { BlockClaims, BlockTree, blockBytes, blockCuts, endsInQuotes } from '../../src/node/eval/parallel.js';
import { binaryData, cliSandbox, csvText, lcg, multiclassData } from './eval-helpers.js';

const { cli, put } = cliSandbox('losskit-workers');

interface Out {
  rows: number;
  results: { metric: string; value: unknown; error?: string }[];
  report?: unknown;
}

/**
 * The CLI on `file`. The split of the blocks is static (`LOSSKIT_EVAL_SPLIT=static`: every worker
 * takes its fixed share, so the work is split over the threads whatever their start-up time)
 * unless `split` is 'dynamic' (the default of the CLI: a worker takes blocks once it is ready).
 */
function evalCli(
  file: string,
  workers: number,
  extra: string[] = [],
  split: 'static' | 'dynamic' = 'static',
): { out: Out; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [cli, 'eval', file, '--json', '--quiet', '--workers', String(workers), ...extra],
    {
      encoding: 'utf8',
      env: { ...process.env, LOSSKIT_EVAL_TRACE: '1', LOSSKIT_EVAL_SPLIT: split },
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

/** The largest nodes of the fixed tree over [lo, hi) inside [a, b), left to right: what BlockTree must hold. */
function treeNodes(lo: number, hi: number, a: number, b: number, out: [number, number][] = []): [number, number][] {
  if (b <= lo || hi <= a) return out;
  if (a <= lo && hi <= b) {
    out.push([lo, hi]);
    return out;
  }
  const mid = (lo + hi) >>> 1;
  treeNodes(lo, mid, a, b, out);
  treeNodes(mid, hi, a, b, out);
  return out;
}

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

  it('BlockTree: blocks a … b−1 upwards, downwards or shuffled leave the nodes of treeNodes(0, K, a, b), each merged in the tree order', () => {
    /** The merge order as text: the same as completing the fixed tree recursively. */
    const treeText = (lo: number, hi: number): string =>
      hi - lo === 1 ? String(lo) : `(${treeText(lo, (lo + hi) >>> 1)}+${treeText((lo + hi) >>> 1, hi)})`;
    const r = lcg(17);
    for (let K = 1; K <= 24; K++)
      for (let a = 0; a <= K; a++)
        for (let b = a; b <= K; b++) {
          const up = Array.from({ length: b - a }, (_, j) => a + j);
          const shuffled = up.slice();
          for (let j = shuffled.length - 1; j > 0; j--) {
            const k = Math.floor(r() * (j + 1));
            [shuffled[j], shuffled[k]] = [shuffled[k], shuffled[j]];
          }
          for (const order of [up, up.slice().reverse(), shuffled]) {
            const t = new BlockTree<{ s: string }>(K, (x, y) => {
              x.s = `(${x.s}+${y.s})`;
            });
            for (const i of order) t.add(i, { s: String(i) });
            const want = treeNodes(0, K, a, b);
            expect(t.nodes().map(([lo, hi]) => [lo, hi])).toEqual(want);
            for (const [lo, hi, v] of t.nodes()) expect(v.s).toBe(treeText(lo, hi));
          }
        }
  });

  it('BlockClaims: for any start times, pace and early stops of the threads, the runs partition the blocks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 4 }),
        // 0: the main thread's step; w in 1..W: worker w's step; W + w: worker w stops (an error)
        fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 200 }),
        (K, W, steps) => {
          const c = BlockClaims.create(K, W);
          const claimed: number[][] = Array.from({ length: W + 1 }, () => []);
          const started = new Array<boolean>(W).fill(false);
          const done = new Array<boolean>(W + 1).fill(false);
          const stopped = new Array<boolean>(W).fill(false);
          let nextMain = 0;
          const stepMain = () => {
            if (done[0]) return;
            if (!c.claim(nextMain)) {
              done[0] = true;
              return;
            }
            claimed[0].push(nextMain);
            nextMain++;
          };
          const stepWorker = (w: number) => {
            if (done[w + 1]) return;
            if (!started[w]) {
              started[w] = true;
              if (!c.take(w)) done[w + 1] = true;
              return;
            }
            const b = c.next(w);
            if (b < 0) done[w + 1] = true;
            else claimed[w + 1].push(b);
          };
          const stop = (w: number) => {
            if (!started[w] || done[w + 1]) return;
            stopped[w] = done[w + 1] = true;
          };
          // the schedule drawn, then every thread runs to its end (the main thread first)
          for (const s of steps) {
            if (s === 0) stepMain();
            else if (s <= W) stepWorker(s - 1);
            else if (s - W <= W) stop(s - W - 1);
          }
          while (!done[0]) stepMain();
          const took = c.close();
          for (let w = 0; w < W; w++) if (started[w]) while (!done[w + 1]) stepWorker(w);
          // The main thread: 0, 1, … upwards. A worker: downwards from the top of its range, which is
          // exactly its blocks if it ran to its end; the ranges and the main thread's blocks partition
          // [0, K) (what a stopped worker left unclaimed stays in its range: evaluated again).
          expect(claimed[0]).toEqual(claimed[0].map((_, j) => j));
          const owner = new Array<number>(K).fill(-1);
          for (const b of claimed[0]) owner[b] = 0;
          for (let w = 0; w < W; w++) {
            const mine = claimed[w + 1];
            if (mine.length > 0) expect(took).toContain(w);
            if (!took.includes(w)) continue;
            const [first, last] = c.range(w);
            expect(mine).toEqual(mine.map((_, j) => last - 1 - j));
            if (!stopped[w]) expect(first).toBe(last - mine.length);
            for (let b = first; b < last; b++) {
              expect(owner[b]).toBe(-1);
              owner[b] = w + 1;
            }
          }
          expect(owner.every((t) => t >= 0)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('blockCuts: every cut is a line start, found without reading the file; endsInQuotes finds a cut inside a quoted field', () => {
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
    /** The blocks of a file that end inside a quoted field (endsInQuotes of each), and its cuts. */
    const inQuotes = (name: string, content: string, from: number) => {
      const p = put(name, content);
      const cs = blockCuts(p, from, content.length);
      return { cuts: cs, ends: cs.slice(0, -1).flatMap((_, k) => (endsInQuotes(p, cs, k, 44) ? [k] : [])) };
    };
    /** The block holding byte `offset`. */
    const blockAt = (cs: number[], offset: number) => cs.findIndex((c, i) => c <= offset && offset < cs[i + 1]);
    expect(inQuotes('cuts.csv', text, start).ends).toEqual([]);
    // A quoted field with line breaks across the place of the second cut: the block before it ends
    // in quotes, and none before it (the blocks after it start inside the quotes: not asked).
    const mid = text.indexOf('\n', cuts[1] - 5000) + 1;
    const quoted = text.slice(0, mid) + '1,"0.5' + '\n'.repeat(20000) + '"\n' + text.slice(mid);
    const open = quoted.indexOf('"');
    const q = inQuotes('quoted.csv', quoted, start);
    expect(q.cuts[blockAt(q.cuts, open) + 1]).toBeLessThan(open + 20000); // a cut among the quoted line breaks
    expect(q.ends[0]).toBe(blockAt(q.cuts, open));
    // Quoted fields closed on their line: no block ends in quotes.
    expect(inQuotes('quoted2.csv', text.replace(/\n0,/g, '\n"0",'), start).ends).toEqual([]);
    // A literal quote inside an unquoted field (12" as text) is not a quoting quote: an odd number
    // of quote bytes in a block, and still no block ends in quotes; with a quoted line break across
    // a cut as well, that block does.
    const notes = ['y_true,prob,note'];
    for (let i = 0; i < 30000; i++)
      notes.push(`${i % 2},0.${String(i).padStart(5, '0')},${i % 997 === 0 ? '12"' : 'x'}`);
    const stray = notes.join('\n') + '\n';
    const s0 = stray.indexOf('\n') + 1;
    const sq = inQuotes('stray.csv', stray, s0);
    const odd = sq.cuts.slice(0, -1).filter((c, i) => (stray.slice(c, sq.cuts[i + 1]).split('"').length - 1) % 2 === 1);
    expect(odd.length).toBeGreaterThan(0);
    expect(sq.ends).toEqual([]);
    const at = stray.indexOf('\n', sq.cuts[1] - 3000) + 1;
    const both = stray.slice(0, at) + '1,0.5,"a' + '\nb'.repeat(20000) + '"\n' + stray.slice(at);
    const bq = inQuotes('stray-quoted.csv', both, s0);
    expect(bq.ends[0]).toBe(blockAt(bq.cuts, both.indexOf('"a')));
  });
});

describe('a cut inside a quoted line break: the file again as one block', () => {
  // A text column (not evaluated) with a quoted note of 40,000 lines in the middle of the file.
  const lines = ['y_true,prob,note'];
  for (let i = 0; i < 30000; i++)
    lines.push(
      `${i % 2},0.${String(i).padStart(5, '0')},${i === 14000 ? '"multi' + '\nline'.repeat(40000) + '"' : 'x'}`,
    );
  const text = lines.join('\n') + '\n';
  const f = put('quoted-note.csv', text);
  it('CLI, 1 and 2 workers: the same bits; the values of one batch of the whole file; the trace says why', () => {
    const whole = evalCli(f, 1, ['--batch-rows', '100000']);
    const one = evalCli(f, 1);
    const two = evalCli(f, 2);
    expect(one.out.rows).toBe(30000);
    for (const r of [one, two])
      expect(r.stderr).toMatch(/a cut fell inside a quoted field: the file again as one block/);
    expect(JSON.stringify(two.out.results)).toBe(JSON.stringify(one.out.results));
    whole.out.results.forEach((r, i) => expect(one.out.results[i].value as number).toBeCloseTo(r.value as number, 12));
  });
  it('in this thread', async () => {
    const a = await evaluateFile(f, { workers: 1 });
    const b = await evaluateFile(f, { workers: 3 });
    expect(b.results).toEqual(a.results);
    expect(a.rows).toBe(30000);
  });
  it('a genuine error in a block before the quoted one is reported with its place, not re-read as one block', () => {
    const bad = text.replace('\n1,0.00101,x\n', '\n1,0.0x101,x\n');
    const g = put('quoted-note-bad.csv', bad);
    const line = bad.slice(0, bad.indexOf('0.0x101')).split('\n').length;
    const r = spawnSync(process.execPath, [cli, 'eval', g, '--json', '--quiet', '--workers', '2'], {
      encoding: 'utf8',
      env: { ...process.env, LOSSKIT_EVAL_TRACE: '1', LOSSKIT_EVAL_SPLIT: 'static' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${g}:${line}:3`);
    expect(r.stderr).not.toMatch(/again as one block/);
  });
});

describe('the default (dynamic) split: a worker takes the blocks left when it is ready', () => {
  it('binary, weighted, 400k rows: 1, 2 and 3 workers give the same bits', () => {
    const file = put('dynamic.csv', csvText(binaryData(400000, 21), { weight: true }));
    const runs = [1, 2, 3].map((w) => evalCli(file, w, [], 'dynamic'));
    expect(runs[0].out.rows).toBe(400000);
    expect(JSON.stringify(runs[1].out.results)).toBe(JSON.stringify(runs[0].out.results));
    expect(JSON.stringify(runs[2].out.results)).toBe(JSON.stringify(runs[0].out.results));
    expect(runs[1].stderr).toMatch(/2 worker\(s\)/);
  });
});

describe('--workers N on an input it cannot split says so once, and the results are those of one thread', () => {
  const { run: runIn, put: putIn } = cliSandbox('losskit-workers-serial');
  const text = csvText(binaryData(3000, 31));
  const csv = putIn('split.csv', text);
  const rows = text.trim().split('\n').slice(1);
  const ndjson = putIn(
    'serial.ndjson',
    rows.map((l) => `{"y_true":${l.split(',')[0]},"y_pred":${l.split(',')[1]}}`).join('\n') + '\n',
  );
  const gz = putIn('serial.csv.gz', gzipSync(text));
  const one = runIn(['eval', csv, '--json', '--quiet']);
  const note =
    /^losskit eval: note: --workers 2 was not used: (.*) \(CSV \/ TSV and Parquet files on disk are split into blocks\)$/;
  it.each([
    ['an NDJSON file', [ndjson], undefined, 'ndjson input is read in order by one thread'],
    ['a gzip CSV file', [gz], undefined, 'csv input from stdin or gzip is read in order by one thread'],
    ['CSV on stdin', ['-'], Buffer.from(text), 'csv input from stdin or gzip is read in order by one thread'],
  ] as const)('%s', (_, input, stdin, why) => {
    const r = runIn(['eval', ...input, '--json', '--workers', '2'], stdin);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(note.exec(lines[0])?.[1]).toBe(why);
    const out = JSON.parse(r.stdout) as Out;
    expect(JSON.stringify(out.results)).toBe(JSON.stringify((JSON.parse(one.stdout) as Out).results));
    // --quiet: nothing on stderr.
    expect(runIn(['eval', ...input, '--json', '--quiet', '--workers', '2'], stdin).stderr).toBe('');
  });
  it('a CSV file on disk is split: no note', () => {
    const r = runIn(['eval', csv, '--json', '--workers', '2']);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/note/);
  });
});
