// Generates the benchmark files of bench/eval.mjs (deterministic; a fixed-seed LCG).
import { createWriteStream } from 'node:fs';

function rng(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** Binary file: y_true,prob with scores rounded to 6 decimals (about 12 bytes a row). */
export async function writeBinary(path, rows, seed = 1) {
  const r = rng(seed);
  const out = createWriteStream(path);
  out.write('y_true,prob\n');
  let buf = '';
  for (let i = 0; i < rows; i++) {
    const y = r() < 0.3 ? 1 : 0;
    const p = Math.min(1, Math.max(0, (y ? 0.65 : 0.35) + (r() - 0.5) * 0.9));
    buf += `${y},${p.toFixed(6)}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise((res) => out.once('drain', res));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise((res) => out.end(res));
}

/** Multiclass file: y_true,p_0..p_{C-1}, rows summing to 1. */
export async function writeMulticlass(path, rows, classes = 10, seed = 2) {
  const r = rng(seed);
  const out = createWriteStream(path);
  out.write(['y_true', ...Array.from({ length: classes }, (_, j) => `p_${j}`)].join(',') + '\n');
  let buf = '';
  const e = new Float64Array(classes);
  for (let i = 0; i < rows; i++) {
    const y = Math.floor(r() * classes);
    let s = 0;
    for (let j = 0; j < classes; j++) s += e[j] = Math.exp((j === y ? 1.5 : 0) + r() * 2);
    let line = String(y);
    let acc = 0;
    for (let j = 0; j < classes - 1; j++) {
      const p = Number((e[j] / s).toFixed(6));
      acc += p;
      line += ',' + p;
    }
    line += ',' + Math.max(0, 1 - acc).toFixed(6);
    buf += line + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise((res) => out.once('drain', res));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise((res) => out.end(res));
}
