/**
 * The end of an Arrow IPC input (issue 10, evalio2):
 * - an IPC *file* (`ARROW1` at the start) that does not end with its footer and `ARROW1` is cut:
 *   exit 2 naming the byte, also when cut exactly after a record batch, from stdin and gzip;
 * - an IPC *stream* must end with its end-of-stream marker (0xFFFFFFFF 00000000): a stream cut
 *   exactly at a record-batch boundary reads like a whole one to the Arrow readers (the marker
 *   is optional in the format), so losskit follows the message framing itself and refuses a stream
 *   without the marker (exit 2, naming the byte and the batches read), on disk, on stdin and in
 *   gzip; bytes after the marker (two streams concatenated) are refused too; appending the marker
 *   to a complete stream makes it readable.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { RecordBatchFileWriter, RecordBatchStreamWriter, tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { evaluateStream } from '../../src/node/eval/engine.js';
import { IpcFraming } from '../../src/node/eval/readers.js';
import { binaryData } from './eval-helpers.js';

const root = resolve(__dirname, '..', '..');
const cli = join(root, 'dist/esm/node/cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'losskit-arrowend-'));
const spoolDir = mkdtempSync(join(tmpdir(), 'losskit-arrowend-spool-'));
const put = (name: string, content: string | Buffer | Uint8Array) => {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
};
const run = (args: string[], input?: Uint8Array) =>
  spawnSync(process.execPath, [cli, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    input,
    env: { ...process.env, TMPDIR: spoolDir },
  });

const ROWS = 1000;
const d = binaryData(3 * ROWS, 31);
/** The stream or file of the first `k` record batches of ROWS rows (the writers end it properly). */
function arrow(kind: 'stream' | 'file', k: number, legacy = false): Uint8Array {
  const w =
    kind === 'file'
      ? new RecordBatchFileWriter()
      : new RecordBatchStreamWriter(legacy ? { writeLegacyIpcFormat: true } : {});
  for (let b = 0; b < k; b++) {
    const at = b * ROWS;
    const t = tableFromArrays({
      y_true: Int32Array.from(d.yTrue.slice(at, at + ROWS)),
      prob: Float64Array.from(d.yPred.slice(at, at + ROWS), (p) => p[0]),
    });
    for (const batch of t.batches) w.write(batch);
  }
  w.finish();
  return w.toUint8Array(true);
}
const EOS = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
const framing = (b: Uint8Array, step = b.length) => {
  const f = new IpcFraming();
  for (let i = 0; i < b.length; i += step) f.push(b.subarray(i, i + step));
  return f;
};

describe('IpcFraming: follows the messages of a stream', () => {
  const full = arrow('stream', 3);
  it('a whole stream ends with its marker, in one piece or in chunks of 1, 7 and 4096 bytes', () => {
    for (const step of [full.length, 1, 7, 4096]) {
      const f = framing(full, step);
      expect(f.end).toBe('eos');
      expect(f.eosEnd).toBe(full.length);
      expect(f.after).toBe(0);
    }
    expect(Buffer.from(full.subarray(full.length - 8))).toEqual(Buffer.from(EOS));
  });
  it('cut after record batch 1 or 2 (the prefix of the 3-batch stream): a boundary; cut elsewhere: inside a message', () => {
    for (const k of [1, 2]) {
      const whole = arrow('stream', k);
      const cut = full.subarray(0, whole.length - 8);
      expect(Buffer.from(cut)).toEqual(Buffer.from(whole.subarray(0, whole.length - 8)));
      expect(framing(cut, 5).end).toBe('boundary');
      expect(framing(full.subarray(0, cut.length + 13), 5).end).toBe('partial');
      expect(framing(full.subarray(0, cut.length - 3), 5).end).toBe('partial');
    }
  });
  it('the pre-1.0 framing (no continuation marker, a 4-byte end marker)', () => {
    const old = arrow('stream', 2, true);
    expect(new DataView(old.buffer, old.byteOffset).getUint32(0, true)).not.toBe(0xffffffff);
    const f = framing(old, 3);
    expect(f.end).toBe('eos');
    expect(f.eosEnd).toBe(old.length);
    expect(f.after).toBe(0);
    expect(framing(old.subarray(0, old.length - 4)).end).toBe('boundary');
  });
  it('bytes after the marker are counted', () => {
    const two = Buffer.concat([full, full]);
    const f = framing(two, 1000);
    expect(f.end).toBe('eos');
    expect(f.eosEnd).toBe(full.length);
    expect(f.after).toBe(full.length);
  });
});

describe('the CLI refuses a cut Arrow input (exit 2, one line, no output)', () => {
  const full = arrow('stream', 3);
  const two = arrow('stream', 2);
  const cut = full.subarray(0, two.length - 8); // exactly after record batch 2
  const expectRefused = (args: string[], input: Uint8Array | undefined, pattern: RegExp) => {
    const out = join(tmp, 'out.json');
    const r = run([...args, '--out', out], input);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  };
  it('a stream cut at a record-batch boundary: on disk, on stdin, gzip, gzip on stdin', () => {
    const msg = new RegExp(
      `: byte ${cut.length}: the Arrow IPC stream ends after record batch 2 \\(2000 rows\\) without its end-of-stream marker`,
    );
    expectRefused(['eval', put('cut.arrows', cut)], undefined, msg);
    expectRefused(['eval', '-'], cut, msg);
    expectRefused(['eval', put('cut.arrows.gz', gzipSync(cut))], undefined, msg);
    expectRefused(['eval', '-'], gzipSync(cut), msg);
  });
  it('the library too (evaluateStream of the bytes)', async () => {
    const chunks = async function* () {
      for (let i = 0; i < cut.length; i += 4096) yield cut.subarray(i, i + 4096);
    };
    await expect(evaluateStream(chunks())).rejects.toThrow(/without its end-of-stream marker/);
  });
  it('two streams concatenated: the bytes after the first marker are refused', () => {
    const cat = Buffer.concat([full, full]);
    const msg = new RegExp(`: byte ${full.length}: more bytes after the Arrow IPC end-of-stream marker`);
    expectRefused(['eval', put('cat.arrows', cat)], undefined, msg);
    expectRefused(['eval', '-'], cat, msg);
  });
  it('an IPC file cut after record batch 2 (its footer gone), or inside a batch: on disk, on stdin, gzip; no temp file left', () => {
    const file = arrow('file', 3);
    // The message boundaries after the 8-byte magic (the framing fed one byte at a time); the
    // last three are those after record batches 1, 2 and 3 (before them: a schema message, if
    // the writer puts one there and not only in the footer).
    const f = new IpcFraming();
    const ends: number[] = [];
    for (let i = 8; i < file.length && !f.done; i++) {
      f.push(file.subarray(i, i + 1));
      if (f.end === 'boundary') ends.push(8 + f.at);
    }
    expect(ends.length).toBeGreaterThanOrEqual(3);
    const at = ends[ends.length - 2];
    expect(at).toBeGreaterThan(file.length / 2);
    for (const n of [at, at - 100, file.length - 1]) {
      const bytes = file.subarray(0, n);
      const msg = new RegExp(`: byte ${n}: truncated Arrow IPC file`);
      expectRefused(['eval', put(`cut${n}.arrow`, bytes)], undefined, msg);
      expectRefused(['eval', '-'], bytes, msg);
      expectRefused(['eval', put(`cut${n}.arrow.gz`, gzipSync(bytes))], undefined, msg);
    }
    expect(readdirSync(spoolDir).filter((n) => n.startsWith('losskit-spool-'))).toEqual([]);
  });
  it('whole inputs still read: stream, file, legacy stream, and a cut stream with the marker appended', () => {
    const rows = (args: string[], input?: Uint8Array) => {
      const r = run([...args, '--json', '--metrics', 'accuracy'], input);
      expect(r.status, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { rows: number }).rows;
    };
    expect(rows(['eval', put('full.arrows', full)])).toBe(3000);
    expect(rows(['eval', '-'], full)).toBe(3000);
    expect(rows(['eval', put('full.arrows.gz', gzipSync(full))])).toBe(3000);
    expect(rows(['eval', put('full.arrow', arrow('file', 3))])).toBe(3000);
    expect(rows(['eval', '-'], arrow('file', 3))).toBe(3000);
    expect(rows(['eval', '-', '--input-format', 'arrow'], arrow('stream', 3, true))).toBe(3000);
    expect(rows(['eval', put('fixed.arrows', Buffer.concat([cut, EOS]))])).toBe(2000);
  });
});
