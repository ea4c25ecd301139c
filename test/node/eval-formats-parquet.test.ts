/**
 * Parquet read column by column (issue 10, evalio2):
 * - every physical type the reader meets (required and optional columns, int32, int64, float32,
 *   float64, booleans, text labels) gives the CSV result of the same values, bit for bit when both
 *   are read in order (stdin), and the same bits for `--workers 1` and `--workers 2`;
 * - a null cell is an error naming its row (in any row group);
 * - text labels with numbered score columns take their label pass over a Parquet (or JSON) input
 *   from stdin or gzip too (the temp file, or the in-memory document, is read twice), with the
 *   result of the same file given by path.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { evaluateStream } from '../../src/node/eval/engine.js';
import { binaryData, cliSandbox, csvText, multiclassData } from './eval-helpers.js';

/** Inputs, and the CLI's temp directory (TMPDIR of the child processes): spool files are looked for there. */
const { tmp, spoolDir, put, run } = cliSandbox('losskit-pqcol');
interface CliResult {
  rows: number;
  format: string;
  labels: string[] | null;
  results: { metric: string; settings: unknown; value: unknown }[];
}
const cliJson = (args: string[], input?: Buffer): CliResult => {
  const r = run([...args, '--json', '--quiet'], input);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as CliResult;
};
const spools = () => readdirSync(spoolDir).filter((n) => n.startsWith('losskit-spool-'));

type PqColumn = Parameters<typeof parquetWriteBuffer>[0]['columnData'][number];
const parquet = (columnData: PqColumn[], rowGroupSize: number) =>
  Buffer.from(parquetWriteBuffer({ columnData, rowGroupSize }));

describe('Parquet column by column: every physical type gives the CSV result', () => {
  const d = binaryData(5000, 21);
  const prob = Float64Array.from(d.yPred, (p) => p[0]);
  const weight = Float64Array.from(d.weight);
  const csv = readFileSync(put('types.csv', csvText(d, { weight: true })));
  const want = cliJson(['eval', '-'], csv);
  const cases: [string, PqColumn[]][] = [
    [
      'required int32 / float64 (typed arrays, the float64 group used as it is)',
      [
        { name: 'y_true', data: Int32Array.from(d.yTrue), type: 'INT32', nullable: false },
        { name: 'prob', data: prob, type: 'DOUBLE', nullable: false },
        { name: 'sample_weight', data: weight, type: 'DOUBLE', nullable: false },
      ],
    ],
    [
      'optional int64 / float64 (plain arrays of bigint and numbers)',
      [
        { name: 'y_true', data: BigInt64Array.from(d.yTrue, (y) => BigInt(y)), type: 'INT64' },
        { name: 'prob', data: prob, type: 'DOUBLE' },
        { name: 'sample_weight', data: weight, type: 'DOUBLE' },
      ],
    ],
    [
      'boolean labels',
      [
        { name: 'y_true', data: d.yTrue.map((y) => y === 1), type: 'BOOLEAN' },
        { name: 'prob', data: prob, type: 'DOUBLE', nullable: false },
        { name: 'sample_weight', data: weight, type: 'DOUBLE' },
      ],
    ],
  ];
  for (const [what, cols] of cases)
    it(what, () => {
      const pq = parquet(cols, 700);
      const inOrder = cliJson(['eval', '-'], pq);
      expect(inOrder.format).toBe('parquet');
      expect(inOrder.rows).toBe(5000);
      expect(inOrder.results).toEqual(want.results);
      const f = put('types.parquet', pq);
      const one = cliJson(['eval', f, '--workers', '1']);
      const two = cliJson(['eval', f, '--workers', '2']);
      expect(JSON.stringify(two.results)).toBe(JSON.stringify(one.results));
      // Row-group blocks merged along a tree: the CSV result up to summation order.
      one.results.forEach((r, i) => expect(r.value as number).toBeCloseTo(want.results[i].value as number, 12));
    });
  it('float32 scores: the float32 values, as the CSV of those values', () => {
    const p32 = Float32Array.from(prob);
    const d32 = { ...d, yPred: Array.from(p32, (p) => [p]) };
    const want32 = cliJson(['eval', '-'], Buffer.from(csvText(d32, { weight: true })));
    const pq = parquet(
      [
        { name: 'y_true', data: Int32Array.from(d.yTrue), type: 'INT32' },
        { name: 'prob', data: p32, type: 'FLOAT' },
        { name: 'sample_weight', data: weight, type: 'DOUBLE' },
      ],
      1000,
    );
    expect(cliJson(['eval', '-'], pq).results).toEqual(want32.results);
  });
  it('multiclass, 4 probability columns, groups of 333 rows', () => {
    const m = multiclassData(3000, 4, 22);
    const wantM = cliJson(['eval', '-'], Buffer.from(csvText(m, { weight: true })));
    const pq = parquet(
      [
        { name: 'y_true', data: Int32Array.from(m.yTrue), type: 'INT32' },
        ...m.predNames.map((name, j): PqColumn => ({
          name,
          data: Float64Array.from(m.yPred, (p) => p[j]),
          type: 'DOUBLE',
        })),
        { name: 'sample_weight', data: Float64Array.from(m.weight), type: 'DOUBLE' },
      ],
      333,
    );
    expect(cliJson(['eval', '-'], pq).results).toEqual(wantM.results);
    const f = put('mc.parquet', pq);
    expect(JSON.stringify(cliJson(['eval', f, '--workers', '2']).results)).toBe(
      JSON.stringify(cliJson(['eval', f, '--workers', '1']).results),
    );
  });
  it('a null cell names its row, in the first and in a later row group; exit 2, one line, no output', () => {
    for (const at of [3, 1234]) {
      const p: (number | null)[] = Array.from(prob);
      p[at] = null;
      const f = put(
        `null${at}.parquet`,
        parquet(
          [
            { name: 'y_true', data: d.yTrue, type: 'INT32' },
            { name: 'prob', data: p, type: 'DOUBLE' },
          ],
          700,
        ),
      );
      const out = join(tmp, `null${at}.json`);
      for (const w of ['1', '2']) {
        const r = run(['eval', f, '--workers', w, '--out', out]);
        expect(r.status).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(
          new RegExp(`null${at}\\.parquet: row ${at}: column 'prob' must hold numbers; received null`),
        );
        expect(readdirSync(tmp)).not.toContain(`null${at}.json`);
      }
    }
  });
});

describe('text labels with numbered score columns from stdin and gzip (two passes)', () => {
  const labs = ['dog', 'cat', 'eel'];
  const m = multiclassData(2500, 3, 23);
  const y = m.yTrue.map((k) => labs[k]);
  const cols: PqColumn[] = [
    { name: 'y_true', data: y, type: 'STRING' },
    ...m.predNames.map((name, j): PqColumn => ({
      name,
      data: Float64Array.from(m.yPred, (p) => p[j]),
      type: 'DOUBLE',
    })),
  ];
  const pq = parquet(cols, 400);
  const json = Buffer.from(
    JSON.stringify({ y_true: y, ...Object.fromEntries(m.predNames.map((n, j) => [n, m.yPred.map((p) => p[j])])) }),
  );
  it('Parquet: stdin, .parquet.gz, gzip on stdin and a byte stream give the result of the file by path', async () => {
    const want = cliJson(['eval', put('labels.parquet', pq)]);
    expect(want.labels).toEqual(['cat', 'dog', 'eel']);
    expect(want.rows).toBe(2500);
    for (const [what, args, input] of [
      ['stdin', ['eval', '-'], pq],
      ['gzip', ['eval', put('labels.parquet.gz', gzipSync(pq))]],
      ['gzip on stdin', ['eval', '-'], gzipSync(pq)],
    ] as [string, string[], Buffer?][]) {
      const got = cliJson(args, input);
      expect(got.labels, what).toEqual(want.labels);
      expect(got.results, what).toEqual(want.results);
    }
    expect(spools()).toEqual([]);
    const chunks = async function* () {
      for (let i = 0; i < pq.length; i += 8192) yield pq.subarray(i, i + 8192);
    };
    const s = await evaluateStream(chunks());
    expect(s.labels).toEqual(want.labels);
    expect(s.results.map((r) => r.value)).toEqual(want.results.map((r) => r.value));
  });
  it('JSON on stdin: the result of the file by path (not "the file is empty")', () => {
    const want = cliJson(['eval', put('labels.json', json)]);
    const got = cliJson(['eval', '-'], json);
    expect(got.labels).toEqual(['cat', 'dog', 'eel']);
    expect(got.results).toEqual(want.results);
  });
  it('a label pass over a stream that cannot be read twice still says so (CSV on stdin)', () => {
    const text = ['y_true,p_0,p_1,p_2', ...y.map((l, i) => [l, ...m.yPred[i]].join(','))].join('\n') + '\n';
    const r = run(['eval', '-'], Buffer.from(text));
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^losskit: <stdin>: text labels with numbered score columns need two passes/);
  });
});
