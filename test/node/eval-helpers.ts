/** Small prediction data sets written in every format the evaluation engine reads (tests only). */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';

export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

export interface Data {
  yTrue: number[];
  /** One score per row (binary) or C per row. */
  yPred: number[][];
  weight: number[];
  predNames: string[];
}

/** Binary: labels 0/1, a score with 3 decimals (ties included), weights 0.5..2. */
export function binaryData(n: number, seed = 1): Data {
  const r = lcg(seed);
  const yTrue: number[] = [];
  const yPred: number[][] = [];
  const weight: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = r() < 0.4 ? 1 : 0;
    yTrue.push(y);
    yPred.push([Number(Math.min(1, Math.max(0, (y ? 0.6 : 0.4) + (r() - 0.5) * 0.8)).toFixed(3))]);
    weight.push(Number((0.5 + r() * 1.5).toFixed(2)));
  }
  return { yTrue, yPred, weight, predNames: ['prob'] };
}

/** Multiclass: labels 0..C-1, rows of C probabilities (the last is 1 − the others, 6 decimals). */
export function multiclassData(n: number, c = 3, seed = 2): Data {
  const r = lcg(seed);
  const yTrue: number[] = [];
  const yPred: number[][] = [];
  const weight: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = Math.floor(r() * c);
    const e = Array.from({ length: c }, (_, j) => Math.exp((j === y ? 1 : 0) + r() * 2));
    const s = e.reduce((a, b) => a + b, 0);
    const p = e.map((v) => Number((v / s).toFixed(6)));
    yTrue.push(y);
    yPred.push(p);
    weight.push(Number((0.5 + r()).toFixed(2)));
  }
  return { yTrue, yPred, weight, predNames: Array.from({ length: c }, (_, j) => `p_${j}`) };
}

export function csvText(
  d: Data,
  opts: { delim?: string; crlf?: boolean; bom?: boolean; quote?: boolean; weight?: boolean } = {},
): string {
  const delim = opts.delim ?? ',';
  const nl = opts.crlf ? '\r\n' : '\n';
  const q = (s: string) => (opts.quote ? `"${s}"` : s);
  const head = ['y_true', ...d.predNames, ...(opts.weight ? ['sample_weight'] : [])].map(q).join(delim);
  const rows = d.yTrue.map((y, i) =>
    [String(y), ...d.yPred[i].map(String), ...(opts.weight ? [String(d.weight[i])] : [])].map(q).join(delim),
  );
  return (opts.bom ? '\uFEFF' : '') + [head, ...rows].join(nl) + nl;
}

export function ndjsonText(d: Data, weight: boolean): string {
  return (
    d.yTrue
      .map((y, i) =>
        JSON.stringify({
          y_true: y,
          ...(d.yPred[i].length === 1 ? { y_pred: d.yPred[i][0] } : { y_pred: d.yPred[i] }),
          ...(weight ? { sample_weight: d.weight[i] } : {}),
        }),
      )
      .join('\n') + '\n'
  );
}

export function jsonText(d: Data, weight: boolean): string {
  return JSON.stringify({
    yTrue: d.yTrue,
    yPred: d.yPred[0].length === 1 ? d.yPred.map((p) => p[0]) : d.yPred,
    ...(weight ? { sampleWeight: d.weight } : {}),
  });
}

/** A NumPy .npy file (version 1.0, C order). */
export function npyBytes(data: ArrayLike<number> | BigInt64Array, shape: number[], descr: string): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre[0] = 0x93;
  pre.write('NUMPY', 1, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  let body: Buffer;
  if (data instanceof BigInt64Array) body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  else if (descr === '<f8') body = Buffer.from(Float64Array.from(data).buffer);
  else if (descr === '<i8') body = Buffer.from(BigInt64Array.from(Array.from(data), (v) => BigInt(v)).buffer);
  else if (descr === '<i4') body = Buffer.from(Int32Array.from(data).buffer);
  else if (descr === '<c16') body = Buffer.from(new Float64Array(Array.from(data).flatMap((v) => [v, 0])).buffer);
  else throw new Error(`test helper: dtype ${descr}`);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), body]);
}

/** A zip file (as np.savez_compressed writes: deflate entries). */
export function zipBytes(entries: Record<string, Buffer>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(entries)) {
    const comp = deflateRawSync(data);
    const n = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const l = Buffer.alloc(30);
    l.writeUInt32LE(0x04034b50, 0);
    l.writeUInt16LE(20, 4);
    l.writeUInt16LE(8, 8);
    l.writeUInt32LE(crc, 14);
    l.writeUInt32LE(comp.length, 18);
    l.writeUInt32LE(data.length, 22);
    l.writeUInt16LE(n.length, 26);
    locals.push(l, n, comp);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(comp.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offset, 42);
    centrals.push(c, n);
    offset += 30 + n.length + comp.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export function writeGz(path: string, text: string): void {
  writeFileSync(path, gzipSync(Buffer.from(text)));
}

/**
 * A directory for a test file's inputs and the built CLI run in it: `put` writes a file there,
 * `run` starts `dist/esm/node/cli.js` with the given arguments (and stdin), its TMPDIR
 * `spoolDir` (where its spool files are looked for).
 */
export function cliSandbox(prefix: string): {
  /** The built CLI script. */
  cli: string;
  tmp: string;
  spoolDir: string;
  put: (name: string, content: string | Buffer | Uint8Array) => string;
  run: (args: string[], input?: Buffer) => SpawnSyncReturns<string>;
} {
  const cli = join(resolve(__dirname, '..', '..'), 'dist/esm/node/cli.js');
  const tmp = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const spoolDir = mkdtempSync(join(tmpdir(), `${prefix}-spool-`));
  return {
    cli,
    tmp,
    spoolDir,
    put: (name, content) => {
      const p = join(tmp, name);
      writeFileSync(p, content);
      return p;
    },
    run: (args, input) =>
      spawnSync(process.execPath, [cli, ...args], {
        cwd: tmp,
        encoding: 'utf8',
        input,
        env: { ...process.env, TMPDIR: spoolDir },
      }),
  };
}
