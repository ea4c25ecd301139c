/**
 * Readers that need more than a byte stream, and option plumbing (issue 10):
 * - Arrow IPC is read one record batch at a time (from a file by its handle; from stdin, a pipe
 *   or gzip as it arrives; the IPC *file* format from a stream through a temp file), equal to the
 *   CSV result;
 * - Parquet from stdin or gzip is copied to a temp file and read row group by row group, equal to
 *   the CSV result; the temp file is removed after a run, after an error, on SIGTERM, and a
 *   later run removes those of killed processes;
 * - `--auroc-bins N` reaches only the metrics whose `thresholds` option is a bin count of a
 *   ROC / PR curve or area (every metric name the CLI accepts is tried).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { RecordBatchFileWriter, RecordBatchStreamWriter, tableFromArrays, tableToIPC } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { METRIC_FAMILIES } from '../../src/metrics/catalog.js';
import { evaluateFile, evaluateStream, metricSetups } from '../../src/node/eval/engine.js';
import { resolvePlan, thresholdsMeaning } from '../../src/node/eval/plan.js';
import { removeStaleSpools } from '../../src/node/eval/spool.js';
import { binaryData, cliSandbox, csvText, multiclassData, type Data } from './eval-helpers.js';

const root = resolve(__dirname, '..', '..');
const cli = join(root, 'dist/esm/node/cli.js');
/** Inputs, and the CLI's temp directory (TMPDIR of the child processes): spool files are looked for there. */
const { tmp, spoolDir, put, run } = cliSandbox('losskit-formats');
const spools = () => readdirSync(spoolDir).filter((n) => n.startsWith('losskit-spool-'));
const values = (r: { results: { metric: string; value: unknown }[] }) => r.results.map((x) => [x.metric, x.value]);

function columns(d: Data): Record<string, Float64Array | Int32Array> {
  const cols: Record<string, Float64Array | Int32Array> = { y_true: Int32Array.from(d.yTrue) };
  d.predNames.forEach((name, j) => (cols[name] = Float64Array.from(d.yPred, (p) => p[j])));
  cols.sample_weight = Float64Array.from(d.weight);
  return cols;
}

/** An Arrow IPC stream or file of `d` in record batches of `rows` rows. */
function arrowBytes(d: Data, kind: 'stream' | 'file', rows: number): Uint8Array {
  const w = kind === 'file' ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
  const cols = columns(d);
  for (let at = 0; at < d.yTrue.length; at += rows) {
    const part = Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v.slice(at, at + rows)]));
    for (const b of tableFromArrays(part).batches) w.write(b);
  }
  w.finish();
  return w.toUint8Array(true);
}

function parquetBytes(d: Data, rowGroupSize: number): Buffer {
  const cols = columns(d);
  return Buffer.from(
    parquetWriteBuffer({
      columnData: Object.entries(cols).map(([name, data]) => ({
        name,
        data,
        type: data instanceof Int32Array ? ('INT32' as const) : ('DOUBLE' as const),
      })),
      rowGroupSize,
    }),
  );
}

interface CliResult {
  rows: number;
  format: string;
  results: { metric: string; value: unknown }[];
}
const cliJson = (args: string[], input?: Buffer): CliResult => {
  const r = run([...args, '--json'], input);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as CliResult;
};

describe('Arrow IPC: streamed record batch by record batch', () => {
  for (const [kind, d] of [
    ['binary', binaryData(3000, 5)],
    ['multiclass', multiclassData(2000, 4, 6)],
  ] as const) {
    const csv = put(`${kind}.csv`, csvText(d, { weight: true }));
    const stream = arrowBytes(d, 'stream', 256);
    const fileFmt = arrowBytes(d, 'file', 256);
    it(`${kind}: stream and file format, on disk, on stdin, gzip, as a byte stream: the CSV result`, async () => {
      // The CSV read in order (stdin): the same batches in the same order, so the same bits. The
      // CSV file on disk is evaluated in blocks merged along a tree: weighted sums agree to 1e-12.
      const want = cliJson(['eval', '-'], readFileSync(csv));
      expect(want.rows).toBe(d.yTrue.length);
      const blocks = cliJson(['eval', csv]);
      blocks.results.forEach((x, i) => expect(x.value as number).toBeCloseTo(want.results[i].value as number, 12));
      const cases: [string, string[], Buffer?][] = [
        ['stream on disk', ['eval', put(`${kind}.arrows`, stream)]],
        ['file on disk', ['eval', put(`${kind}.arrow`, fileFmt)]],
        ['stream on stdin', ['eval', '-'], Buffer.from(stream)],
        ['file format on stdin (temp file)', ['eval', '-'], Buffer.from(fileFmt)],
        ['stream, gzip', ['eval', put(`${kind}.arrows.gz`, gzipSync(stream))]],
        ['file format, gzip (temp file)', ['eval', put(`${kind}.arrow.gz`, gzipSync(fileFmt))]],
      ];
      for (const [what, args, input] of cases) {
        const got = cliJson(args, input);
        expect(got.format, what).toBe('arrow');
        expect(got.rows, what).toBe(want.rows);
        expect(values(got), what).toEqual(values(want));
      }
      expect(spools()).toEqual([]);
      const chunks = async function* () {
        for (let i = 0; i < stream.length; i += 4096) yield stream.subarray(i, i + 4096);
      };
      expect(values(await evaluateStream(chunks()))).toEqual(values(want));
    });
  }
  it('the batches are read as they arrive: the first window is evaluated before most of the input is read', async () => {
    const d = binaryData(100_000, 9);
    const bytes = arrowBytes(d, 'stream', 1000);
    const CHUNK = 4096;
    const total = Math.ceil(bytes.length / CHUNK);
    let pulled = 0;
    let pulledAtFirstWindow = -1;
    const chunks = async function* () {
      for (let i = 0; i < bytes.length; i += CHUNK) {
        pulled++;
        yield bytes.subarray(i, i + CHUNK);
      }
    };
    const r = await evaluateStream(chunks(), {
      metrics: ['accuracy', 'logLoss'],
      onProgress: () => {
        if (pulledAtFirstWindow < 0) pulledAtFirstWindow = pulled;
      },
    });
    expect(r.rows).toBe(100_000);
    expect(pulled).toBe(total);
    // The window is about 11k rows (2^15 values / 3 per row): about 11% of the input, not all of it.
    expect(pulledAtFirstWindow).toBeGreaterThan(0);
    expect(pulledAtFirstWindow).toBeLessThan(total / 4);
  });
  it('a file on disk read through its handle still reports the bytes read (progress)', async () => {
    const d = binaryData(50_000, 10);
    const bytes = arrowBytes(d, 'file', 2000);
    const f = put('progress.arrow', bytes);
    const seen: { bytes: number; total: number | null }[] = [];
    await evaluateFile(f, { metrics: ['accuracy'], onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen[0].total).toBe(bytes.length);
    expect(seen[0].bytes).toBeGreaterThan(0);
    expect(seen[0].bytes).toBeLessThan(bytes.length / 2);
    expect(seen[seen.length - 1].bytes).toBeGreaterThan(bytes.length * 0.9);
    expect(seen[seen.length - 1].bytes).toBeLessThanOrEqual(bytes.length);
  });
  it('a null cell is an error naming its row (not read as 0)', async () => {
    const withNull = tableFromArrays({ y_true: [0, 1, null, 0] as (number | null)[], prob: [0.1, 0.9, 0.8, 0.3] });
    const f = put('null.arrows', tableToIPC(withNull, 'stream'));
    await expect(evaluateFile(f)).rejects.toThrow(`${f}: row 2: column 'y_true' holds a null`);
    const r = run(['eval', f]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^losskit: .*null\.arrows: row 2: column 'y_true' holds a null/);
  });
  it('not Arrow after the magic: exit 2, one line, the temp file removed', () => {
    const r = run(['eval', '-', '--input-format', 'arrow'], Buffer.from('ARROW1\0\0' + 'x'.repeat(200)));
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^losskit: <stdin>/);
    expect(spools()).toEqual([]);
  });
});

describe('Parquet from stdin and gzip: a temp file read row group by row group', () => {
  const d = binaryData(5000, 13);
  const pq = parquetBytes(d, 700);
  const csv = put('pq.csv', csvText(d, { weight: true }));
  it('stdin, .parquet.gz and a byte stream give the CSV result; no temp file is left', async () => {
    const want = cliJson(['eval', '-'], readFileSync(csv));
    for (const [what, args, input] of [
      ['file', ['eval', put('x.parquet', pq)]],
      ['stdin', ['eval', '-'], pq],
      ['gzip', ['eval', put('x.parquet.gz', gzipSync(pq))]],
      ['gzip on stdin', ['eval', '-'], gzipSync(pq)],
    ] as [string, string[], Buffer?][]) {
      const got = cliJson(args, input);
      expect(got.format, what).toBe('parquet');
      expect(values(got), what).toEqual(values(want));
    }
    expect(spools()).toEqual([]);
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith(`losskit-spool-${process.pid}-`));
    const chunks = async function* () {
      for (let i = 0; i < pq.length; i += 8192) yield pq.subarray(i, i + 8192);
    };
    expect(values(await evaluateStream(chunks()))).toEqual(values(want));
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith(`losskit-spool-${process.pid}-`))).toEqual(before);
  });
  it('a bad file or a truncated gzip: exit 2, one line, the temp file removed', () => {
    const bad = Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(70000, 7), Buffer.from('PAR1')]);
    const r = run(['eval', '-'], bad);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^losskit: <stdin>: not a valid Parquet file/);
    const gz = gzipSync(pq);
    const t = run(['eval', put('cut.parquet.gz', gz.subarray(0, gz.length - 40))]);
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/cut\.parquet\.gz: corrupt or truncated gzip/);
    expect(spools()).toEqual([]);
  });
  it('SIGTERM while the temp file is being written removes it (and the process still ends by the signal)', async () => {
    const child = spawn(process.execPath, [cli, 'eval', '-', '--quiet'], {
      cwd: tmp,
      env: { ...process.env, TMPDIR: spoolDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
      child.on('exit', (code, signal) => res({ code, signal })),
    );
    // More than the 64 KiB the format is detected from; stdin then stays open (the copy never ends).
    child.stdin.write(Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(100_000, 1)]));
    for (let i = 0; i < 400 && spools().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(spools()).toHaveLength(1);
    child.kill('SIGTERM');
    const { signal } = await ended;
    expect(signal).toBe('SIGTERM');
    expect(spools()).toEqual([]);
  });
  it('temp files of killed runs (their pid gone) are removed by the next run; live ones are kept', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const stale = join(spoolDir, `losskit-spool-${gone.stdout}-0123456789ab.parquet`);
    const mine = join(spoolDir, `losskit-spool-${process.pid}-0123456789ab.parquet`);
    writeFileSync(stale, 'partial');
    writeFileSync(mine, 'in use'); // this test's process: alive
    cliJson(['eval', '-'], pq);
    expect(existsSync(stale)).toBe(false);
    expect(readFileSync(mine, 'utf8')).toBe('in use');
    expect(removeStaleSpools(spoolDir)).toEqual([]); // the caller's own files stay
    expect(existsSync(mine)).toBe(true);
  });
});

describe('--auroc-bins reaches only the metrics whose thresholds are a bin count', () => {
  const names = METRIC_FAMILIES.flat().flatMap((e) => [e.name, ...e.aliases.map((a) => a.name)]);
  const entryOf = (n: string) =>
    METRIC_FAMILIES.flat().find((e) => e.name === n || e.aliases.some((a) => a.name === n));
  const bin = binaryData(400, 3);
  const mc = multiclassData(300, 3, 4);
  const files = { binary: put('bins-b.csv', csvText(bin)), multiclass: put('bins-m.csv', csvText(mc)) };
  // With --auroc-bins, auroc is requested too (an option that reaches no metric is an error).
  const outcome = async (f: string, metric: string, aurocBins?: number) => {
    try {
      const r = await evaluateFile(f, { metrics: aurocBins === undefined ? [metric] : [metric, 'auroc'], aurocBins });
      return { value: r.results[0].value, error: r.results[0].error ?? null };
    } catch (e) {
      return { thrown: (e as Error).message };
    }
  };
  it('the mapping: curves and Keras AUC take it; Keras confusion counts and *AtSpecificity & co. do not', () => {
    for (const n of ['auroc', 'averagePrecision', 'rocCurve', 'precisionRecallCurve', 'binnedAuc', 'AUC'])
      expect(thresholdsMeaning(entryOf(n)!), n).toBe('bins');
    for (const n of ['TruePositives', 'precisionAtThresholds', 'SensitivityAtSpecificity', 'RecallAtPrecision'])
      expect(thresholdsMeaning(entryOf(n)!), n).toBe('other');
    expect(thresholdsMeaning(entryOf('f1')!)).toBeNull();
  });
  for (const task of ['binary', 'multiclass'] as const) {
    it(`${task}: every metric name behaves as without --auroc-bins, except the binned ones`, async () => {
      const f = files[task];
      const d = task === 'binary' ? bin : mc;
      const schema = ['y_true', ...d.predNames].map((name) => ({ name, width: 1 }));
      const sample = [
        Float64Array.from(d.yTrue),
        ...d.predNames.map((_, j) => Float64Array.from(d.yPred, (p) => p[j])),
      ];
      const { plan } = resolvePlan(
        schema,
        sample.map((nums) => ({ nums, strs: null })),
        {},
      );
      let binned = 0;
      for (const n of names) {
        const meaning = thresholdsMeaning(entryOf(n)!);
        const plain = await outcome(f, n);
        const withBins = await outcome(f, n, 16);
        if (meaning === 'bins') {
          const s = metricSetups(plan, { metrics: [n], aurocBins: 16 })[0];
          expect(s.options.thresholds, n).toBe(16);
          expect(s.histogram, n).toBe(false);
          if (!('thrown' in plain) && plain.error === null) {
            expect('thrown' in withBins ? withBins.thrown : withBins.error, n).toBeNull();
            binned++;
          }
        } else {
          expect(withBins, n).toEqual(plain);
          let s;
          try {
            s = metricSetups(plan, { metrics: [n], aurocBins: 16 })[0];
          } catch {
            continue; // the metric rejects this task or needs an option (the same without --auroc-bins)
          }
          expect(s.options.thresholds, n).toBeUndefined();
        }
      }
      expect(binned).toBeGreaterThanOrEqual(task === 'binary' ? 20 : 5);
    });
  }
  it('CLI: --auroc-bins with Keras confusion metrics, AUROC and Keras AUC together: exit 0', () => {
    const j = cliJson([
      'eval',
      files.binary,
      '--auroc-bins',
      '50',
      '--metrics',
      'TruePositives,precisionAtThresholds,auroc,AUC,averagePrecision,f1',
    ]);
    expect(j.results.map((x) => x.metric)).toEqual([
      'TruePositives',
      'precisionAtThresholds',
      'auroc',
      'AUC',
      'averagePrecision',
      'f1',
    ]);
    for (const x of j.results) expect(x.value, x.metric).not.toBeNull();
  });
});
