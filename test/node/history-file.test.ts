/**
 * Crash safety of the history files: streamed CSV / JSON Lines survive a SIGKILL mid-run and a
 * torn last line; snapshots are atomic; corrupt complete lines are refused, not skipped.
 */
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LossHistory } from '../../src/index.js';
import { HistoryFileWriter, readHistoryFile, saveHistory, writeFileAtomic } from '../../src/node/index.js';
import { transpileSrc } from './transpile.js';
import { expectLosskitError as expectError } from '../helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'losskit-history-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lossAt(step: number): number {
  return 1 / (1 + step) + (step % 7) * 1e-3;
}

function logRun(h: LossHistory, epochs: number, batches: number): void {
  for (let e = 0; e < epochs; e++) {
    for (let b = 0; b < batches; b++) h.logBatch({ epoch: e, batch: b, loss: lossAt(e * batches + b), lr: 0.01 });
    h.logEpoch({
      epoch: e,
      loss: lossAt(e),
      valLoss: e === 1 ? NaN : lossAt(e) * 1.1,
      lr: 0.01,
      metrics: { mae: 0.5 / (e + 1) },
    });
  }
}

describe('HistoryFileWriter + readHistoryFile', () => {
  it('streams CSV and JSON Lines that read back to the same history', () => {
    const csv = join(dir, 'a.csv');
    const jsonl = join(dir, 'a.jsonl');
    const h = new LossHistory();
    const w = new HistoryFileWriter(h, { csv, jsonl });
    logRun(h, 3, 5);
    w.close();
    const expected = h.toCSV();
    h.logBatch({ epoch: 9, batch: 0, loss: 1 }); // after close: not written
    for (const path of [csv, jsonl]) {
      const r = readHistoryFile(path);
      expect(r.complete).toBe(true);
      expect(r.records).toBe(18);
      expect(r.history.toCSV()).toBe(expected);
      expect(Number.isNaN(r.history.epochs[1].valLoss)).toBe(true);
    }
    // The streamed CSV is byte-identical to a snapshot of the same records.
    expect(readFileSync(csv, 'utf8')).toBe(expected);
  });

  it("fsync: 'epoch' and false write the same complete lines", () => {
    for (const fsync of ['epoch', false] as const) {
      const csv = join(dir, `mode-${fsync}.csv`);
      const h = new LossHistory();
      const w = new HistoryFileWriter(h, { csv, fsync });
      logRun(h, 2, 3);
      expect(readFileSync(csv, 'utf8')).toBe(h.toCSV()); // visible before close: lines are written immediately
      w.close();
    }
  });

  it('rewrites the CSV atomically when a new metric column appears', () => {
    const csv = join(dir, 'grow.csv');
    const h = new LossHistory();
    const w = new HistoryFileWriter(h, { csv });
    h.logBatch({ epoch: 0, batch: 0, loss: 1 });
    h.logEpoch({ epoch: 0, loss: 1, metrics: { acc: 0.5 } });
    h.logEpoch({ epoch: 1, loss: 0.5, metrics: { acc: 0.6, f1: 0.4 } });
    w.close();
    const text = readFileSync(csv, 'utf8');
    expect(text.split('\n')[0]).toBe('kind,epoch,batch,step,time,elapsed,loss,val_loss,lr,acc,f1');
    expect(text).toBe(h.toCSV());
    expect(readHistoryFile(csv).history.epochs[1].metrics).toEqual({ acc: 0.6, f1: 0.4 });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('drops a torn last line and reports it; every complete record is kept', () => {
    const h = new LossHistory();
    logRun(h, 2, 4);
    for (const [name, torn] of [
      ['torn.csv', 'batch,2,0,10,17000'],
      ['torn.jsonl', '{"kind":"batch","epoch":2,"batch":0,"st'],
    ] as const) {
      const path = join(dir, name);
      saveHistory(h, path);
      appendFileSync(path, torn);
      const r = readHistoryFile(path);
      expect(r.complete).toBe(false);
      expect(r.droppedTail).toBe(torn);
      expect(r.records).toBe(10);
      expect(r.history.records().map((x) => x.loss)).toEqual(h.records().map((x) => x.loss));
    }
  });

  it('resumes into the same file after a crash', () => {
    const path = join(dir, 'resume.csv');
    const h = new LossHistory();
    const w = new HistoryFileWriter(h, { csv: path });
    logRun(h, 1, 3);
    w.close();
    appendFileSync(path, 'batch,1,0,3,'); // the crash
    const { history } = readHistoryFile(path);
    const w2 = new HistoryFileWriter(history, { csv: path });
    history.logBatch({ epoch: 1, batch: 0, loss: 0.25 });
    w2.close();
    const r = readHistoryFile(path);
    expect(r.complete).toBe(true);
    expect(r.records).toBe(5);
    expect(r.history.batches.map((b) => b.step)).toEqual([0, 1, 2, 3]);
  });

  it('refuses corrupt complete lines, naming file and line', () => {
    const path = join(dir, 'bad.csv');
    const h = new LossHistory();
    logRun(h, 1, 2);
    saveHistory(h, path);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[2] = lines[2].replace(/,0\.5,/, ',zero point five,').replace(/^batch,0,1,1,/, 'batch,0,1,1,');
    lines[2] = lines[2]
      .split(',')
      .map((c, i) => (i === 6 ? 'oops' : c))
      .join(',');
    writeFileSync(path, lines.join('\n'));
    expectError(
      () => readHistoryFile(path),
      'INVALID_INPUT',
      new RegExp(
        `readHistoryFile: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, line 3: column 'loss' must be a number; received "oops"`,
      ),
    );
    writeFileSync(path, 'a,b\n1,2\n');
    expectError(
      () => readHistoryFile(path),
      'INVALID_INPUT',
      /line 1: expected a losskit history header starting with kind,epoch,batch/,
    );
    expectError(
      () => readHistoryFile(join(dir, 'x.txt')),
      'INVALID_OPTION',
      /cannot tell the format of .*x\.txt.* from its extension; expected \.csv, \.json or \.jsonl/,
    );
    expectError(
      // @ts-expect-error: not a LossHistory
      () => new HistoryFileWriter({}, { csv: path }),
      'INVALID_INPUT',
      /HistoryFileWriter: 'history' must be a LossHistory; received an object/,
    );
    expectError(
      () => new HistoryFileWriter(new LossHistory(), {}),
      'INVALID_OPTION',
      /give at least one of 'csv' or 'jsonl'/,
    );
    expectError(
      // @ts-expect-error: bad fsync mode
      () => new HistoryFileWriter(new LossHistory(), { csv: path, fsync: 'batch' }),
      'INVALID_OPTION',
      /option 'fsync' must be true, false or 'epoch'; received "batch"/,
    );
  });

  it('JSON snapshots round-trip; writeFileAtomic leaves no temp file and keeps the old file on failure', () => {
    const path = join(dir, 'snap.json');
    const h = new LossHistory();
    logRun(h, 2, 2);
    saveHistory(h, path);
    expect(readHistoryFile(path).history.toCSV()).toBe(h.toCSV());
    writeFileAtomic(join(dir, 'keep.txt'), 'old');
    expect(() => writeFileAtomic(join(dir, 'no-such-dir', 'keep.txt'), 'new')).toThrow();
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('writeFileAtomic: a path that is not one, or data that is not text or bytes, is an error (an empty file was written)', () => {
    const path = join(dir, 'atomic-bad.txt');
    expectError(
      () => writeFileAtomic(path, 5 as unknown as string),
      'INVALID_INPUT',
      "'data' must be a string or a Uint8Array",
    );
    expectError(() => writeFileAtomic(path, { a: 1 } as unknown as string), 'INVALID_INPUT', "'data' must be");
    expectError(() => writeFileAtomic(5 as unknown as string, 'x'), 'INVALID_INPUT', "'path' must be a file path");
    expectError(() => writeFileAtomic('', 'x'), 'INVALID_INPUT', "'path' must be a file path");
    expect(existsSync(path)).toBe(false);
    writeFileAtomic(path, new Uint8Array([104, 105]));
    expect(readFileSync(path, 'utf8')).toBe('hi');
  });
});

describe('a writer killed mid-run (SIGKILL)', () => {
  let src: ReturnType<typeof transpileSrc>;
  beforeAll(() => {
    src = transpileSrc();
  });
  afterAll(() => src?.cleanup());

  /** Runs `script` in a child and SIGKILLs it once the file at `path` has more than `minLines`
   * newline-separated parts (or, with a string, once the file ends with it). */
  async function runAndKill(script: string, path: string, minLines: number | string): Promise<void> {
    const file = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`);
    writeFileSync(file, script);
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | number | null>((res) =>
      child.on('exit', (code, sig) => res(sig ?? code)),
    );
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
      if (typeof minLines === 'string' ? text.endsWith(minLines) : text.split('\n').length > minLines) break;
      if (child.exitCode !== null) throw new Error(`child exited early: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
  }

  it('leaves CSV and JSONL files whose complete records are all intact and consecutive', async () => {
    const csv = join(dir, 'killed.csv');
    const jsonl = join(dir, 'killed.jsonl');
    const script = `
      import { LossHistory } from ${JSON.stringify(join(src.src, 'index.js'))};
      import { HistoryFileWriter } from ${JSON.stringify(join(src.src, 'node', 'index.js'))};
      const h = new LossHistory();
      new HistoryFileWriter(h, { csv: ${JSON.stringify(csv)}, jsonl: ${JSON.stringify(jsonl)} });
      const loss = (s) => 1 / (1 + s) + (s % 7) * 1e-3;
      for (let s = 0; ; s++) {
        h.logBatch({ epoch: Math.floor(s / 10), batch: s % 10, loss: loss(s), lr: 0.01, metrics: { m: s } });
        if (s % 10 === 9) h.logEpoch({ epoch: Math.floor(s / 10), loss: loss(s), valLoss: loss(s) * 2 });
      }`;
    await runAndKill(script, csv, 200);
    for (const path of [csv, jsonl]) {
      const r = readHistoryFile(path);
      expect(r.records).toBeGreaterThan(100);
      const b = r.history.batches;
      b.forEach((rec, s) => {
        expect(rec.step).toBe(s);
        expect(rec.loss).toBe(lossAt(s));
        expect(rec.metrics).toEqual({ m: s });
      });
      for (const e of r.history.epochs) expect(e.valLoss).toBe(lossAt(e.epoch * 10 + 9) * 2);
      // A torn tail (if the kill hit mid-write) is reported, never parsed.
      if (!r.complete) expect(r.droppedTail.length).toBeGreaterThan(0);
    }
  });

  it('recovers from a kill in the middle of writing a line', async () => {
    const csv = join(dir, 'torn-kill.csv');
    const script = `
      import { appendFileSync } from 'node:fs';
      import { LossHistory } from ${JSON.stringify(join(src.src, 'index.js'))};
      import { HistoryFileWriter } from ${JSON.stringify(join(src.src, 'node', 'index.js'))};
      const h = new LossHistory();
      const w = new HistoryFileWriter(h, { csv: ${JSON.stringify(csv)} });
      for (let s = 0; s < 50; s++) h.logBatch({ epoch: 0, batch: s, loss: 1 / (1 + s) });
      // Half a record reaches the disk, then the process hangs until killed.
      appendFileSync(${JSON.stringify(csv)}, 'batch,0,50,50,1700000000000,0.5,0.01');
      setInterval(() => {}, 1000);`;
    // Kill only once the torn half-record is on disk (waiting for a line count raced with it).
    await runAndKill(script, csv, 'batch,0,50,50,1700000000000,0.5,0.01');
    const r = readHistoryFile(csv);
    expect(r.complete).toBe(false);
    expect(r.droppedTail).toBe('batch,0,50,50,1700000000000,0.5,0.01');
    expect(r.records).toBe(50);
    expect(r.history.batches.map((b) => b.loss)).toEqual(Array.from({ length: 50 }, (_, s) => 1 / (1 + s)));
  });
});

describe('history files: what arrives from outside', () => {
  it('a metric named __proto__ survives CSV and JSON Lines streaming and reading', () => {
    const h = new LossHistory();
    const csv = join(dir, 'proto', 'h.csv');
    const jsonl = join(dir, 'proto', 'h.jsonl');
    const w = new HistoryFileWriter(h, { csv, jsonl, fsync: false });
    h.logEpoch({ epoch: 0, loss: 1, metrics: JSON.parse('{"__proto__": 0.5}') as Record<string, number> });
    w.close();
    for (const p of [csv, jsonl]) {
      const r = readHistoryFile(p);
      expect(r.history.metricNames, p).toEqual(['__proto__']);
      expect(Object.getOwnPropertyDescriptor(r.history.epochs[0].metrics, '__proto__')?.value, p).toBe(0.5);
    }
  });

  it('HistoryFileWriter and saveHistory create a folder that does not exist yet', () => {
    const h = new LossHistory();
    h.logBatch({ epoch: 0, batch: 0, loss: 2 });
    const csv = join(dir, 'new', 'deeper', 'run.csv');
    const w = new HistoryFileWriter(h, { csv, fsync: false });
    h.logBatch({ epoch: 0, batch: 1, loss: 1 });
    w.close();
    expect(readHistoryFile(csv).records).toBe(2);
    const json = join(dir, 'other', 'snap.json');
    saveHistory(h, json);
    expect(readHistoryFile(json).records).toBe(2);
  });

  it('a missing path or a directory is INVALID_INPUT naming the path, not a raw ENOENT / EISDIR', () => {
    expectError(() => readHistoryFile(join(dir, 'nope.csv')), 'INVALID_INPUT', 'no such file', '(ENOENT)');
    const folder = join(dir, 'folder.jsonl');
    mkdirSync(folder, { recursive: true });
    expectError(() => readHistoryFile(folder), 'INVALID_INPUT', 'directory', '(EISDIR)');
  });

  it('a JSON Lines record with "loss": "abc", or a null record, is refused with file and line', () => {
    const p = join(dir, 'abc.jsonl');
    writeFileSync(
      p,
      '{"format":"losskit-history","version":1,"startTime":0}\n' +
        '{"kind":"batch","epoch":0,"batch":0,"step":0,"time":1,"elapsed":0.001,"loss":"abc"}\n',
    );
    expectError(() => readHistoryFile(p), 'INVALID_INPUT', 'abc.jsonl, line 2', "'loss'", '"abc"');
    const q = join(dir, 'snap-null.json');
    writeFileSync(
      q,
      JSON.stringify({ format: 'losskit-history', version: 1, startTime: 0, batches: [null], epochs: [] }),
    );
    expectError(() => readHistoryFile(q), 'INVALID_INPUT', "'json.batches[0]'");
  });
});
