// Exact AUROC / average precision speed and exact-state memory, vs scikit-learn.
//
//   npm run build && node --expose-gc bench/auroc.mjs [--sizes 1e6,1e7] [--skip-sklearn] [--memory-only]
//
// Data (same bytes for both libraries): n scores, labels ~30% positive, either continuous
// (float64 uniform + 0.2·label) or quantised to 10⁴ distinct values. The .mjs writes each data
// set to a temporary binary file (float64 scores, uint8 labels) and runs
// `/usr/bin/python3 bench/sklearn_auroc.py <file>` on it, which times roc_auc_score and
// average_precision_score the same way (best of the repeats, process CPU time on both sides,
// since the machine is shared). Reported: CPU ms per call and the
// ratio sklearn / losskit (> 1 means losskit is faster). Then the memory of the exact AUROC
// state fed 10⁷ scores of 10⁴ distinct values in batches of 10⁵.
// Set LOSSKIT_DIST to benchmark another build directory (default ../dist/esm).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = process.env.LOSSKIT_DIST ?? '../dist/esm/index.js';
const { metrics, getMetric } = await import(dist);

const args = process.argv.slice(2);
const sizesArg = args.includes('--sizes') ? args[args.indexOf('--sizes') + 1] : '1e6,1e7';
const SIZES = sizesArg.split(',').map(Number);
const SKIP_SK = args.includes('--skip-sklearn');
const MEMORY_ONLY = args.includes('--memory-only');
const here = new URL('.', import.meta.url).pathname;

function makeData(n, distinct, seed) {
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const y = new Uint8Array(n);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rand() < 0.3 ? 1 : 0;
    const u = rand() * 0.8 + y[i] * 0.2 + rand() * 2.3283064365386963e-10; // 53-ish random bits
    x[i] = distinct > 0 ? Math.floor(u * distinct) / distinct : u;
  }
  return { y, x };
}

/** Best of `reps` calls, in process CPU time (user + system): stable on a shared, loaded machine. */
function best(fn, reps) {
  let bestMs = Infinity;
  let r;
  for (let k = 0; k < reps; k++) {
    globalThis.gc?.();
    const c0 = process.cpuUsage();
    r = fn();
    const c = process.cpuUsage(c0);
    bestMs = Math.min(bestMs, (c.user + c.system) / 1000);
  }
  return { ms: bestMs, r };
}

const dir = mkdtempSync(join(tmpdir(), 'losskit-auroc-'));
console.log(
  `exact auroc / averagePrecision, node ${process.version}, CPU ms (best of repeats), load average ${(
    await import('node:os')
  )
    .loadavg()
    .map((v) => v.toFixed(1))
    .join(' ')}`,
);
console.log(
  'n      scores        losskit auroc ms  sklearn ms  ratio | losskit AP ms  sklearn ms  ratio | |Δauroc|  |ΔAP|',
);
try {
  for (const n of MEMORY_ONLY ? [] : SIZES) {
    for (const distinct of [0, 1e4]) {
      const { y, x } = makeData(n, distinct, 42 + n + distinct);
      const reps = n >= 1e7 ? 2 : 4;
      const a = best(() => metrics.auroc(y, x), reps);
      const p = best(() => metrics.averagePrecision(y, x), reps);
      let sk = null;
      if (!SKIP_SK) {
        const f = join(dir, `d${n}-${distinct}.bin`);
        const buf = Buffer.alloc(8 + n * 9);
        buf.writeBigUInt64LE(BigInt(n), 0);
        Buffer.from(x.buffer).copy(buf, 8);
        Buffer.from(y.buffer).copy(buf, 8 + n * 8);
        writeFileSync(f, buf);
        const out = execFileSync('/usr/bin/python3', [join(here, 'sklearn_auroc.py'), f, String(reps)], {
          encoding: 'utf8',
        });
        sk = JSON.parse(out);
        rmSync(f);
      }
      const kind = distinct > 0 ? '1e4 distinct' : 'continuous ';
      const fmt = (v) => v.toFixed(0).padStart(8);
      const line = [
        n.toExponential(0).padEnd(6),
        kind,
        fmt(a.ms).padStart(16),
        sk ? fmt(sk.auroc_ms).padStart(11) : '          -',
        sk ? (sk.auroc_ms / a.ms).toFixed(2).padStart(6) : '     -',
        '|',
        fmt(p.ms).padStart(13),
        sk ? fmt(sk.ap_ms).padStart(11) : '          -',
        sk ? (sk.ap_ms / p.ms).toFixed(2).padStart(6) : '     -',
        '|',
        sk ? Math.abs(sk.auroc - a.r).toExponential(1) : '-',
        sk ? Math.abs(sk.ap - p.r).toExponential(1) : '-',
      ];
      console.log(line.join(' '));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// Memory of the exact state: 10⁷ scores with 10⁴ distinct values, streamed in batches of 10⁵.
// Retained size = heap + array buffers with the metric alive minus after dropping it (both after GC).
{
  const B = 1e5;
  const total = 1e7;
  const batches = Array.from({ length: 4 }, (_, k) => makeData(B, 1e4, 7 + k));
  let m = getMetric('auroc');
  const c0 = process.cpuUsage();
  for (let i = 0; i < total / B; i++) m.update(batches[i % 4].y, batches[i % 4].x);
  const v = m.compute();
  const c = process.cpuUsage(c0);
  const keys = m.toJSON().state.h0k.list.length;
  const used = () => {
    globalThis.gc?.();
    const u = process.memoryUsage();
    return u.heapUsed + u.arrayBuffers;
  };
  const withM = used();
  m = null; // eslint-disable-line no-useless-assignment -- drop the reference so gc can reclaim the state
  const retained = withM - used();
  console.log(
    `\nstreamed exact auroc: 1e7 scores (1e4 distinct) in ${total / B} batches of 1e5: ${((c.user + c.system) / 1000).toFixed(0)} CPU ms, auroc ${v.toFixed(6)}; ` +
      `state = ${keys} distinct scores × 3 float64 = ${((3 * 8 * keys) / 1024).toFixed(0)} KiB; retained by the metric after GC: ` +
      `${globalThis.gc ? (retained / 1024).toFixed(0) + ' KiB' : '(run with --expose-gc)'} (the scores themselves: ${((total * 9) / 2 ** 20).toFixed(0)} MiB)`,
  );
}
