/**
 * Readers on inputs past their first read (found trying `losskit eval` on 5M-row files, issue 10):
 * - NDJSON longer than one 1 MB read of a file on disk equals the CSV result, from a file and
 *   from stdin (its lines are queued by index: `shift()` on the lines of a 1 MB chunk made a
 *   5M-row file take 63 s instead of 7 s);
 * - a bad NDJSON value after the sample is reported on its own line when blank lines come
 *   before it (it was reported as row + 1);
 * - a Fortran-ordered 2-D `.npy` (what pandas' `df.to_numpy()` saves) is read column by column
 *   and equals its C-ordered twin, as a pair of `.npy` files and inside an `.npz`, across the
 *   reader's 65,536-row chunks (it was refused);
 * - Arrow IPC from a file on disk in record batches of a few rows (each message read through a
 *   1 MB read-ahead window: 5M rows in 100-row batches took 24 s from a file, 4.7 s from stdin)
 *   equals the CSV result, file and stream format, and counts each byte read once (progress);
 * - the progress of inputs read whole (JSON, `.npz`) or by position (`.npy` files) follows the
 *   rows evaluated (it showed the whole input done, ETA 0 s, from the first batch on; `.npy`
 *   files showed 0 bytes of no total).
 */
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RecordBatchFileWriter, RecordBatchStreamWriter, tableFromArrays } from 'apache-arrow';
import { evaluateFile } from '../../src/node/eval/engine.js';
import {
  binaryData,
  cliSandbox,
  csvText,
  jsonText,
  multiclassData,
  ndjsonText,
  npyBytes,
  zipBytes,
  type Data,
} from './eval-helpers.js';

const { put, run } = cliSandbox('losskit-scale');

interface Result {
  rows: number;
  task: string;
  results: { metric: string; value: unknown }[];
}

function evalJson(args: string[], input?: Buffer): Result {
  const r = run(['eval', ...args, '--quiet', '--json'], input);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Result;
}

const summary = (r: Result) => ({ rows: r.rows, task: r.task, results: r.results });

/** The .npy of a row-major [n, c] matrix written in Fortran (column-major) order. */
function fortranNpy(d: Data): Buffer {
  const n = d.yTrue.length;
  const c = d.yPred[0].length;
  const colMajor = new Float64Array(n * c);
  for (let j = 0; j < c; j++) for (let i = 0; i < n; i++) colMajor[j * n + i] = d.yPred[i][j];
  const b = npyBytes(colMajor, [n, c], '<f8');
  const header = b.toString('latin1', 10, 10 + b.readUInt16LE(8));
  const flipped = header.replace("'fortran_order': False", "'fortran_order': True ");
  expect(flipped).not.toBe(header);
  b.write(flipped, 10, 'latin1');
  return b;
}

describe('NDJSON longer than one read', () => {
  const d = binaryData(70_000, 7);
  const text = ndjsonText(d, true);
  // Several 1 MB reads of the file (the bug was per read), and many 64 KB pipe chunks.
  expect(text.length).toBeGreaterThan(3 << 20);
  const csv = put('long.csv', csvText({ ...d }, { weight: true }));
  const nd = put('long.ndjson', text);

  it('equals the CSV result from a file and from stdin', () => {
    // The CSV twin from stdin: read in order as these are (a CSV file on disk is read in blocks
    // whose states are merged, which may change the last bits of summed floats).
    const ref = summary(evalJson(['-', '--input-format', 'csv'], readFileSync(csv)));
    expect(ref.rows).toBe(70_000);
    expect(summary(evalJson([nd]))).toEqual(ref);
    expect(summary(evalJson(['-', '--input-format', 'ndjson'], Buffer.from(text)))).toEqual(ref);
  });

  it('names the line of a bad value after the sample when blank lines come before it', () => {
    const lines = text.split('\n');
    const badLine = '{"y_true": 1, "y_pred": 1.5, "sample_weight": 1}';
    lines[50_000] = badLine;
    // Blank lines inside the sample and after it, before the bad line.
    lines.splice(40_000, 0, '', '   ');
    lines.splice(10, 0, '');
    const bad = lines.join('\n');
    const line = bad.split('\n').indexOf(badLine) + 1;
    expect(line).toBe(50_004);
    const file = put('blank.ndjson', bad);
    for (const [args, input, name] of [
      [[file], undefined, 'blank.ndjson'],
      [['-', '--input-format', 'ndjson'], Buffer.from(bad), '<stdin>'],
    ] as const) {
      const r = run(['eval', ...args, '--quiet', '--json'], input);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`${name}:${line}:1: column 'y_pred' must hold a probability`);
    }
  });
});

describe('Fortran-ordered .npy', () => {
  // More rows than one 65,536-row chunk of the reader, so later chunks start inside each column.
  const d = multiclassData(70_001, 3, 11);
  const yTrue = npyBytes(d.yTrue, [d.yTrue.length], '<i8');
  const cOrder = npyBytes(d.yPred.flat(), [d.yTrue.length, 3], '<f8');
  const fOrder = fortranNpy(d);
  const yt = put('yt.npy', yTrue);
  const pc = put('pc.npy', cOrder);
  const pf = put('pf.npy', fOrder);

  it('equals its C-ordered twin and the CSV result, as .npy files and in an .npz', () => {
    const csv = summary(evalJson(['-', '--input-format', 'csv'], Buffer.from(csvText(d))));
    const c = summary(evalJson(['--y-true', yt, '--y-pred', pc]));
    expect(c).toEqual(csv);
    expect(summary(evalJson(['--y-true', yt, '--y-pred', pf]))).toEqual(c);
    const npz = put('f.npz', zipBytes({ 'y_true.npy': yTrue, 'y_pred.npy': fOrder }));
    expect(summary(evalJson([npz]))).toEqual(c);
  });

  it('reads a bad value of a later column at its row', () => {
    const bad: Data = { ...d, yPred: d.yPred.map((p) => [...p]) };
    bad.yPred[69_000][2] = Number.NaN;
    const r = run(['eval', '--y-true', yt, '--y-pred', put('bad.npy', fortranNpy(bad)), '--quiet', '--json']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/bad\.npy: row 69000: column 'y_pred'\[2\] must hold .*; received NaN/);
  });
});

describe('progress of inputs read whole or by position', () => {
  const d = binaryData(10_000, 5);
  const yt = put('p-yt.npy', npyBytes(d.yTrue, [d.yTrue.length], '<i8'));
  const yp = put('p-yp.npy', npyBytes(d.yPred.flat(), [d.yTrue.length], '<f8'));
  const inputs: [string, Parameters<typeof evaluateFile>[0], number][] = [
    ['JSON', put('p.json', jsonText(d, false)), 0],
    ['.npz', put('p.npz', zipBytes({ 'y_true.npy': readFileSync(yt), 'y_pred.npy': readFileSync(yp) })), 0],
    ['.npy files', { yTrue: yt, yPred: yp }, statSync(yt).size + statSync(yp).size],
  ];
  for (const [name, input, size] of inputs)
    it(`${name}: the bytes done grow with the rows, to the input's size`, async () => {
      const seen: { rows: number; bytes: number; total: number | null }[] = [];
      const r = await evaluateFile(input, { metrics: ['accuracy'], batchRows: 1024, onProgress: (p) => seen.push(p) });
      expect(r.rows).toBe(10_000);
      const total = size || statSync(input as string).size;
      expect(seen.length).toBeGreaterThan(5);
      for (const p of seen) expect(p.total).toBe(total);
      expect(seen[0].bytes).toBeGreaterThan(0);
      expect(seen[0].bytes).toBeLessThan(total / 4);
      for (let i = 1; i < seen.length; i++) expect(seen[i].bytes).toBeGreaterThanOrEqual(seen[i - 1].bytes);
      expect(seen[seen.length - 1].bytes).toBe(total);
    });
});

describe('Arrow IPC in small record batches from a file', () => {
  const d = binaryData(60_000, 13);
  const tiny = (kind: 'file' | 'stream'): Uint8Array => {
    const w = kind === 'file' ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
    for (let at = 0; at < d.yTrue.length; at += 7) {
      const end = Math.min(d.yTrue.length, at + 7);
      const t = tableFromArrays({
        y_true: Int32Array.from(d.yTrue.slice(at, end)),
        prob: Float64Array.from(d.yPred.slice(at, end), (p) => p[0]),
      });
      for (const b of t.batches) w.write(b);
    }
    w.finish();
    return w.toUint8Array(true);
  };
  for (const kind of ['file', 'stream'] as const)
    it(`${kind} format: equals the CSV result; each byte read counted once`, async () => {
      const bytes = tiny(kind);
      // Messages much smaller than the read-ahead window, and more than one window of them.
      expect(bytes.length).toBeGreaterThan(2 << 20);
      const f = put(`tiny-${kind}.arrow${kind === 'stream' ? 's' : ''}`, bytes);
      const ref = summary(evalJson(['-', '--input-format', 'csv'], Buffer.from(csvText(d))));
      expect(summary(evalJson([f]))).toEqual(ref);
      const seen: number[] = [];
      const r = await evaluateFile(f, { metrics: ['accuracy'], onProgress: (p) => seen.push(p.bytes) });
      expect(r.rows).toBe(60_000);
      expect(seen.length).toBeGreaterThan(0);
      expect(Math.max(...seen)).toBeLessThanOrEqual(bytes.length);
      expect(seen[seen.length - 1]).toBeGreaterThan(bytes.length * 0.9);
    });
});
