/**
 * The streaming evaluation engine (src/node/eval): every format gives the CSV result, the CSV
 * result equals the metrics run directly on the arrays, shards merged equal one pass, text
 * labels, predict_proba layout, logits, int64 batches, empty batches.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { getMetric } from '../../src/metrics/registry.js';
import { classificationReport } from '../../src/metrics/report.js';
import {
  evaluateFile,
  evaluateFileWithState,
  evaluateStream,
  mergeStates,
  type EvalState,
  type EvaluationResult,
} from '../../src/node/eval/engine.js';
import {
  binaryData,
  csvText,
  jsonText,
  multiclassData,
  ndjsonText,
  npyBytes,
  writeGz,
  zipBytes,
  type Data,
} from './eval-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'losskit-eval-'));
const file = (name: string, content: string | Buffer | ArrayBuffer) => {
  const p = join(tmp, name);
  writeFileSync(p, content instanceof ArrayBuffer ? Buffer.from(content) : content);
  return p;
};
const values = (r: EvaluationResult) => Object.fromEntries(r.results.map((x) => [x.metric, x.value]));

function writeAll(
  prefix: string,
  d: Data,
): Record<string, string | { yTrue: string; yPred: string; sampleWeight: string }> {
  const c = d.yPred[0].length;
  const flatPred = d.yPred.flat();
  const cols: Record<string, number[]> = { y_true: d.yTrue };
  d.predNames.forEach((name, j) => (cols[name] = d.yPred.map((p) => p[j])));
  cols.sample_weight = d.weight;
  const predShape = c === 1 ? [d.yTrue.length] : [d.yTrue.length, c];
  const npz = zipBytes({
    'y_true.npy': npyBytes(d.yTrue, [d.yTrue.length], '<i8'),
    'y_pred.npy': npyBytes(flatPred, predShape, '<f8'),
    'sample_weight.npy': npyBytes(d.weight, [d.weight.length], '<f8'),
  });
  const gz = join(tmp, `${prefix}.csv.gz`);
  writeGz(gz, csvText(d, { weight: true }));
  return {
    csv: file(`${prefix}.csv`, csvText(d, { weight: true })),
    'tsv quoted BOM CRLF': file(
      `${prefix}.tsv`,
      csvText(d, { weight: true, delim: '\t', crlf: true, bom: true, quote: true }),
    ),
    'semicolon, no extension': file(`${prefix}-semi`, csvText(d, { weight: true, delim: ';' })),
    gzip: gz,
    ndjson: file(`${prefix}.jsonl`, ndjsonText(d, true)),
    json: file(`${prefix}.json`, jsonText(d, true)),
    parquet: file(
      `${prefix}.parquet`,
      parquetWriteBuffer({
        columnData: [
          { name: 'y_true', data: Int32Array.from(d.yTrue), type: 'INT32' },
          ...d.predNames.map((name) => ({ name, data: Float64Array.from(cols[name]), type: 'DOUBLE' as const })),
          { name: 'sample_weight', data: Float64Array.from(d.weight), type: 'DOUBLE' },
        ],
        rowGroupSize: 64,
      }),
    ),
    arrow: file(
      `${prefix}.arrow`,
      Buffer.from(
        tableToIPC(
          tableFromArrays({
            y_true: BigInt64Array.from(d.yTrue, (v) => BigInt(v)),
            ...Object.fromEntries(d.predNames.map((name) => [name, Float64Array.from(cols[name])])),
            sample_weight: Float64Array.from(d.weight),
          }),
          'file',
        ),
      ),
    ),
    npz: file(`${prefix}.npz`, npz),
    'npy pair': {
      yTrue: file(`${prefix}-true.npy`, npyBytes(d.yTrue, [d.yTrue.length], '<i4')),
      yPred: file(`${prefix}-pred.npy`, npyBytes(flatPred, predShape, '<f8')),
      sampleWeight: file(`${prefix}-w.npy`, npyBytes(d.weight, [d.weight.length], '<f8')),
    },
  };
}

describe('every format gives the CSV result', () => {
  for (const [kind, d] of [
    ['binary', binaryData(300)],
    ['multiclass', multiclassData(240, 4)],
  ] as const) {
    const files = writeAll(kind, d);
    it(`${kind}: the CSV result equals the metrics run on the arrays`, async () => {
      const r = await evaluateFile(files.csv as string);
      expect(r.rows).toBe(d.yTrue.length);
      expect(r.task).toBe(kind);
      const c = d.yPred[0].length;
      for (const x of r.results) {
        const opts =
          kind === 'binary'
            ? x.metric === 'logLoss' || x.metric === 'calibrationError'
              ? {}
              : { task: 'binary' as const }
            : x.metric === 'topKAccuracy'
              ? { task: 'multiclass' as const, numClasses: c, topK: 3 }
              : x.metric === 'logLoss'
                ? { task: 'multiclass' as const, numClasses: c }
                : { task: 'multiclass' as const, numClasses: c };
        const m = getMetric(x.metric, opts);
        m.update(d.yTrue, c === 1 ? d.yPred.map((p) => p[0]) : d.yPred, { sampleWeight: d.weight });
        expect(x.value, x.metric).toEqual(m.compute());
      }
    });
    for (const [fmt, path] of Object.entries(files)) {
      if (fmt === 'csv') continue;
      it(`${kind}: ${fmt}`, async () => {
        const want = await evaluateFile(files.csv as string);
        const got = await evaluateFile(path);
        expect(got.rows).toBe(want.rows);
        expect(got.task).toBe(want.task);
        expect(got.columns.weight).not.toBeNull();
        expect(values(got)).toEqual(values(want));
      });
    }
  }
});

describe('column choice in columnar formats', () => {
  it('Parquet and Arrow: explicit column names outside the known ones, extra columns ignored', async () => {
    const d = binaryData(150, 17);
    const opts = { targetCol: 'Outcome', predCol: 'model_v2', metrics: ['auroc', 'f1'] };
    const pq = file(
      'named.parquet',
      parquetWriteBuffer({
        columnData: [
          { name: 'id', data: Int32Array.from(d.yTrue, (_, i) => i), type: 'INT32' },
          { name: 'Outcome', data: Int32Array.from(d.yTrue), type: 'INT32' },
          { name: 'model_v2', data: Float64Array.from(d.yPred.map((p) => p[0])), type: 'DOUBLE' },
        ],
        rowGroupSize: 40,
      }),
    );
    const ar = file(
      'named.arrow',
      Buffer.from(
        tableToIPC(
          tableFromArrays({
            id: Int32Array.from(d.yTrue, (_, i) => i),
            Outcome: Int32Array.from(d.yTrue),
            model_v2: Float64Array.from(d.yPred.map((p) => p[0])),
          }),
          'stream',
        ),
      ),
    );
    const want = values(await evaluateFile(file('named.csv', csvText(d)), { metrics: ['auroc', 'f1'] }));
    const a = await evaluateFile(pq, opts);
    expect(a.columns.ignored).toEqual(['id']);
    expect(values(a)).toEqual(want);
    expect(values(await evaluateFile(ar, opts))).toEqual(want);
  });
});

describe('shards merged equal one pass', () => {
  const d = binaryData(1000, 7);
  const whole = file('whole.csv', csvText(d));
  const wholeW = file('whole-w.csv', csvText(d, { weight: true }));
  const COUNTS = ['accuracy', 'precision', 'recall', 'f1', 'auroc', 'averagePrecision'];
  const shard = async (weight: boolean) => {
    const states: EvalState[] = [];
    for (let s = 0; s < 3; s++) {
      const part: Data = {
        ...d,
        yTrue: d.yTrue.filter((_, i) => i % 3 === s),
        yPred: d.yPred.filter((_, i) => i % 3 === s),
        weight: d.weight.filter((_, i) => i % 3 === s),
      };
      const st = (await evaluateFileWithState(file(`shard${s}${weight}.csv`, csvText(part, { weight })), {})).state;
      states.push(st as EvalState);
    }
    return mergeStates(states, ['a', 'b', 'c']).result;
  };
  it('merge of 3 shard states equals the whole file: bit for bit for counts', async () => {
    const merged = await shard(false);
    expect(merged.rows).toBe(1000);
    const a = values(merged);
    const b = values(await evaluateFile(whole));
    for (const k of COUNTS) expect(a[k], k).toBe(b[k]);
    for (const k of ['logLoss', 'calibrationError']) expect(a[k] as number).toBeCloseTo(b[k] as number, 12);
  });
  it('with float weights: equal up to the float sums order', async () => {
    const a = values(await shard(true));
    const b = values(await evaluateFile(wholeW));
    for (const k of Object.keys(b)) expect(a[k] as number, k).toBeCloseTo(b[k] as number, 12);
  });
  it('--workers (byte ranges, here run in this thread) equals one pass', async () => {
    const one = values(await evaluateFile(whole));
    const four = values(await evaluateFile(whole, { workers: 4 }));
    for (const k of COUNTS) expect(four[k], k).toBe(one[k]);
    expect(four.logLoss as number).toBeCloseTo(one.logLoss as number, 12);
  });
  it('states of different settings do not merge', async () => {
    const a = (await evaluateFileWithState(whole, { threshold: 0.3 })).state as EvalState;
    const b = (await evaluateFileWithState(whole, {})).state as EvalState;
    expect(() => mergeStates([a, b], ['a.json', 'b.json'])).toThrow(/b.json: this state was made with other settings/);
  });
});

describe('inputs people have', () => {
  it('text class labels: sorted label map (scikit-learn classes_), same values as the indices', async () => {
    const d = multiclassData(120, 3, 5);
    const names = ['emu', 'cat', 'dog'];
    const sorted = [...names].sort();
    // Class j of the numeric data is named sorted[j].
    const text = csvText(d).replace(/^(\d),/gm, (_, y: string) => `${sorted[Number(y)]},`);
    const r = await evaluateFile(file('text.csv', text));
    expect(r.labels).toEqual(['cat', 'dog', 'emu']);
    expect(values(r)).toEqual(values(await evaluateFile(file('num.csv', csvText(d)))));
    // Columns named by class need no first pass.
    const named = text.replace('y_true,p_0,p_1,p_2', 'y_true,p_cat,p_dog,p_emu');
    const r2 = await evaluateFile(file('named.csv', named));
    expect(r2.labels).toEqual(['cat', 'dog', 'emu']);
    expect(values(r2)).toEqual(values(r));
  });
  it('predict_proba binary layout p_0,p_1 is binary on p_1, not a 2-class average', async () => {
    const d = binaryData(200, 3);
    const two = { ...d, yPred: d.yPred.map((p) => [Number((1 - p[0]).toFixed(3)), p[0]]), predNames: ['p_0', 'p_1'] };
    const r = await evaluateFile(file('proba.csv', csvText(two)));
    expect(r.task).toBe('binary');
    expect(r.taskNote).toMatch(/predict_proba.*binary on p_1/);
    expect(values(r)).toEqual(values(await evaluateFile(file('single.csv', csvText(d)))));
  });
  it('--from-logits: sigmoid of the logits', async () => {
    const d = binaryData(200, 4);
    const logit = { ...d, yPred: d.yPred.map((p) => [Math.log(Math.max(p[0], 1e-3) / Math.max(1 - p[0], 1e-3))]) };
    const r = values(
      await evaluateFile(file('logit.csv', csvText(logit)), { fromLogits: true, metrics: ['auroc', 'f1'] }),
    );
    const direct = getMetric('auroc', { task: 'binary' })
      .update(
        d.yTrue,
        logit.yPred.map((p) => 1 / (1 + Math.exp(-p[0]))),
      )
      .compute();
    expect(r.auroc).toBe(direct);
  });
  it('--pos-label with text labels; top-k shown in the settings', async () => {
    const r = await evaluateFile(file('spam.csv', 'label,score\nspam,0.9\nham,0.2\nspam,0.4\nham,0.6\n'), {
      posLabel: 'spam',
      metrics: ['auroc', 'accuracy'],
    });
    expect(r.task).toBe('binary');
    expect(r.posLabel).toBe('spam');
    expect(values(r).auroc).toBe(0.75);
    const m = await evaluateFile(file('mc.csv', csvText(multiclassData(50, 6))), {
      topK: 2,
      metrics: ['topKAccuracy'],
    });
    expect(m.results[0].settings.k).toBe(2);
  });
  it('evaluateStream: int64 (BigInt64Array) batches and an empty batch equal the CSV result', async () => {
    const d = binaryData(300, 9);
    async function* batches() {
      for (let s = 0; s < 300; s += 100) {
        yield {
          yTrue: BigInt64Array.from(d.yTrue.slice(s, s + 100), (v) => BigInt(v)),
          yPred: Float32Array.from(d.yPred.slice(s, s + 100).map((p) => p[0])),
        };
        if (s === 100) yield { yTrue: new BigInt64Array(0), yPred: new Float64Array(0) };
      }
    }
    const got = await evaluateStream(batches(), { metrics: ['accuracy', 'auroc'] });
    const want = await evaluateFile(
      file('f32.csv', csvText({ ...d, yPred: d.yPred.map((p) => [Math.fround(p[0])]) })),
      {
        metrics: ['accuracy', 'auroc'],
      },
    );
    expect(got.rows).toBe(300);
    expect(values(got)).toEqual(values(want));
  });
  it('batch and chunk boundaries anywhere: 7-row batches and 5-byte chunks (quotes, CRLF, BOM) equal one batch', async () => {
    const d = multiclassData(500, 3, 23);
    const text = csvText(d, { weight: true, crlf: true, quote: true, bom: true });
    const want = values(await evaluateFile(file('bounds.csv', text)));
    async function* chunks() {
      const b = Buffer.from(text);
      for (let i = 0; i < b.length; i += 5) yield b.subarray(i, i + 5);
    }
    const close = (got: Record<string, unknown>) => {
      expect(Object.keys(got)).toEqual(Object.keys(want));
      for (const k of Object.keys(want)) expect(got[k] as number, k).toBeCloseTo(want[k] as number, 12);
    };
    close(values(await evaluateStream(chunks(), { batchRows: 7 })));
    close(values(await evaluateFile(file('bounds2.csv', text), { batchRows: 7, workers: 3 })));
  });
  it('a header and sample rows (1000) spread over many chunks: the first data row is read whole', async () => {
    // The window moves while the sample is read; the batches must restart at the first data row.
    const d = multiclassData(1500, 12, 29);
    const text = csvText(d, { weight: true });
    const want = values(await evaluateFile(file('wide.csv', text)));
    for (const size of [5, 4096, 65536]) {
      async function* chunks() {
        const b = Buffer.from(text);
        for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
      }
      const got = await evaluateStream(chunks());
      expect(got.rows, `chunks of ${size}`).toBe(1500);
      expect(values(got), `chunks of ${size}`).toEqual(want);
    }
  });
  it.runIf(existsSync('/proc/self/fd'))(
    'a CSV file is read by its descriptor asynchronously and every descriptor is closed after',
    async () => {
      const f = file('fds.csv', csvText(binaryData(150000, 31))); // over 1 MB: the stream is stopped early
      const open = () => readdirSync('/proc/self/fd').length;
      const before = open();
      // Between batches, a callback queued with setImmediate runs only if the event loop turns.
      let turns = 0;
      let queued = false;
      const onProgress = () => {
        if (queued) return;
        queued = true;
        setImmediate(() => {
          turns++;
          queued = false;
        });
      };
      for (let i = 0; i < 4; i++) await evaluateFile(f, { metrics: ['accuracy'], onProgress });
      expect(turns, 'the event loop runs while a file is read').toBeGreaterThanOrEqual(8);
      await new Promise((r) => setTimeout(r, 50));
      expect(open()).toBeLessThanOrEqual(before); // a leak would leave 4 more open
    },
  );
  it('evaluateStream of bytes (any format)', async () => {
    const d = binaryData(100, 11);
    async function* chunks() {
      const t = ndjsonText(d, false);
      for (let i = 0; i < t.length; i += 37) yield t.slice(i, i + 37);
    }
    const got = await evaluateStream(chunks(), { metrics: ['f1'] });
    expect(values(got)).toEqual(values(await evaluateFile(file('b11.csv', csvText(d)), { metrics: ['f1'] })));
  });
  it('--auroc-bins: bounded-memory AUROC within its stated bound of the exact value', async () => {
    const d = binaryData(2000, 13);
    const f = file('bins.csv', csvText(d));
    const exact = values(await evaluateFile(f, { metrics: ['auroc'] })).auroc as number;
    const bins = 50;
    const binned = await evaluateFile(f, { metrics: ['auroc'], aurocBins: bins });
    expect(binned.results[0].settings.thresholds).toBe(bins);
    // Bound (docs/eval.md): half the share of positive-negative pairs that fall in one bin.
    const pos = new Float64Array(bins);
    const neg = new Float64Array(bins);
    d.yTrue.forEach((y, i) => {
      const b = Math.min(bins - 1, Math.floor(d.yPred[i][0] * (bins - 1)));
      (y === 1 ? pos : neg)[b]++;
    });
    const P = pos.reduce((a, b) => a + b, 0);
    const N = neg.reduce((a, b) => a + b, 0);
    let shared = 0;
    for (let b = 0; b < bins; b++) shared += pos[b] * neg[b];
    expect(Math.abs((binned.results[0].value as number) - exact)).toBeLessThanOrEqual((0.5 * shared) / (P * N) + 1e-12);
  });
  it('report: the streamed classification report equals classificationReport on the arrays, text labels named', async () => {
    const d = multiclassData(300, 3, 29);
    const names = ['cat', 'dog', 'emu'];
    const text = csvText(d, { weight: true }).replace(/^(\d),/gm, (_, y: string) => `${names[Number(y)]},`);
    const r = await evaluateFile(file('rep.csv', text), { report: true, batchRows: 50, metrics: ['accuracy'] });
    const want = classificationReport(d.yTrue, d.yPred, { sampleWeight: d.weight, targetNames: names });
    expect(r.report).toEqual(want);
    const w = await evaluateFile(file('rep2.csv', text), { report: true, workers: 3, metrics: ['accuracy'] });
    expect(w.report?.accuracy).toBeCloseTo(want.accuracy as number, 12);
  });
  it('task inference only when unambiguous', async () => {
    await expect(evaluateFile(file('amb.json', '{"yTrue":[0,1,2,0],"yPred":[0.2,0.8,0.6,0.4]}'))).rejects.toThrow(
      /cannot infer the task/,
    );
    const reg = await evaluateFile(file('reg.json', '{"yTrue":[0.5,1.5,2.5],"yPred":[0.4,1.4,2.8]}'));
    expect(reg.task).toBe('regression');
    expect(reg.taskNote).toMatch(/inferred/);
  });
});
