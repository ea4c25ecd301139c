// Loss benchmarks: losskit vs TensorFlow.js (cpu and wasm backends, same process) and, when
// /usr/bin/python3 has torch, PyTorch CPU with one thread (bench/torch_bench.py).
//
//   npm run bench                      # builds dist/, then runs everything
//   node bench/losses.mjs --quick      # smaller sizes, fewer runs (smoke test)
//   node bench/losses.mjs --only=ce    # cases whose id contains "ce"
//   node bench/losses.mjs --no-torch --no-tfjs --json=out.json
//
// Every timing is the median of several runs after warm-up runs, in milliseconds, of
//   fwd       the loss value only
//   fwd+grad  the value and the gradient w.r.t. the predictions
// on float32 inputs (losskit accumulates in float64; its gradient is a Float64Array, reused
// across runs through `gradOut`, as a training loop would). tfjs computes the same loss with
// tf.losses.* and tf.valueAndGrad; the value is read back (dataSync) inside the timing.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const lk = await import(process.env.LOSSKIT_DIST ?? '../dist/esm/index.js');

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const opt = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const QUICK = flag('quick');
const ONLY = opt('only');

// ------------------------------------------------------------------------------------------
// Inputs (deterministic)
// ------------------------------------------------------------------------------------------
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function randnF32(n, seed, scale = 1) {
  const r = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(r(), 1e-12);
    const v = r();
    const m = Math.sqrt(-2 * Math.log(u)) * scale;
    out[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return out;
}
function bernoulliF32(n, seed) {
  const r = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r() < 0.5 ? 1 : 0;
  return out;
}
function labelsOf(n, C, seed) {
  const r = mulberry32(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * C);
  return out;
}

// ------------------------------------------------------------------------------------------
// Timing
// ------------------------------------------------------------------------------------------
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
// --cpu: process CPU time (user + system, all threads) instead of wall-clock time — steadier on
// a shared, loaded machine (every contender here is single-threaded).
const CPU = flag('cpu');
function now() {
  if (!CPU) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
/**
 * Median of `runs` timings after `warmup` runs. A contender whose single run takes longer than
 * SLOW_MS (tfjs-cpu on the big cross-entropies takes minutes) is timed once after one warm-up run
 * and the result is marked approximate.
 */
const SLOW_MS = 4000;
function time(fn, { warmup, runs }) {
  let t0 = now();
  fn();
  const first = now() - t0;
  if (first > SLOW_MS) {
    t0 = now();
    fn();
    return { ms: now() - t0, approx: true };
  }
  // Warm up until 25 calls or 2 s, at least `warmup` calls: V8 optimises a function after enough
  // calls (a training loop makes thousands), and a few long calls are not enough.
  const w0 = now();
  for (let i = 1; i < warmup || (i < 25 && now() - w0 < 2000); i++) fn();
  const ts = [];
  for (let i = 0; i < runs; i++) {
    t0 = now();
    fn();
    ts.push(now() - t0);
  }
  return { ms: median(ts), approx: false };
}

// ------------------------------------------------------------------------------------------
// Cases
// ------------------------------------------------------------------------------------------
const SIZES = QUICK
  ? {
      elems: 1 << 18,
      ce: [
        [65536, 10],
        [1024, 1000],
        [128, 32000],
      ],
    }
  : {
      elems: 4 * 1024 * 1024,
      ce: [
        [1 << 20, 10],
        [16384, 1000],
        [2048, 32000],
      ],
    };

function makeCases() {
  const n = SIZES.elems;
  const cases = [];
  cases.push({
    id: 'mse',
    label: `MSE ${fmtN(n)}`,
    make: () => ({ yTrue: randnF32(n, 1), yPred: randnF32(n, 2) }),
    losskit: (d) => {
      const fn = lk.meanSquaredError;
      const gradOut = new Float64Array(n);
      return { fwd: () => fn(d.yTrue, d.yPred), grad: () => fn.valueAndGrad(d.yTrue, d.yPred, { gradOut }).value };
    },
    tfjs: (tf, d) => {
      const y = tf.tensor1d(d.yTrue);
      const p = tf.tensor1d(d.yPred);
      const f = (x) => tf.losses.meanSquaredError(y, x);
      return { tensors: [y, p], fwd: () => f(p), grad: () => tf.valueAndGrad(f)(p) };
    },
  });
  let bce = null;
  try {
    bce = lk.getLoss('binaryCrossEntropyWithLogits');
  } catch {
    bce = null;
  }
  cases.push({
    id: 'bce-logits',
    label: `BCE-with-logits ${fmtN(n)}`,
    skip: bce === null ? 'binaryCrossEntropyWithLogits is not registered yet' : null,
    make: () => ({ yTrue: bernoulliF32(n, 3), yPred: randnF32(n, 4, 2) }),
    losskit: (d) => {
      const gradOut = new Float64Array(n);
      return { fwd: () => bce(d.yTrue, d.yPred), grad: () => bce.valueAndGrad(d.yTrue, d.yPred, { gradOut }).value };
    },
    tfjs: (tf, d) => {
      const y = tf.tensor1d(d.yTrue);
      const p = tf.tensor1d(d.yPred);
      const f = (x) => tf.losses.sigmoidCrossEntropy(y, x);
      return { tensors: [y, p], fwd: () => f(p), grad: () => tf.valueAndGrad(f)(p) };
    },
  });
  for (const [N, C] of SIZES.ce) {
    cases.push({
      id: `ce-${N}x${C}`,
      label: `crossEntropy ${fmtN(N)}×${fmtN(C)}`,
      make: () => ({ labels: labelsOf(N, C, 5 + C), logits: randnF32(N * C, 6 + C, 2), N, C }),
      losskit: (d) => {
        const fn = lk.crossEntropy;
        const yPred = { data: d.logits, shape: [N, C] };
        const labels = Float64Array.from(d.labels);
        const gradOut = new Float64Array(N * C);
        return { fwd: () => fn(labels, yPred), grad: () => fn.valueAndGrad(labels, yPred, { gradOut }).value };
      },
      tfjs: (tf, d) => {
        const z = tf.tensor2d(d.logits, [N, C]);
        // int32 one-hot then cast: tfjs-wasm ignores oneHot's dtype argument (TFJS-NOTES).
        const oh = tf.tidy(() => tf.oneHot(tf.tensor1d(d.labels, 'int32'), C).toFloat());
        const f = (x) => tf.losses.softmaxCrossEntropy(oh, x);
        return { tensors: [z, oh], fwd: () => f(z), grad: () => tf.valueAndGrad(f)(z) };
      },
    });
  }
  return ONLY ? cases.filter((c) => c.id.includes(ONLY)) : cases;
}

function fmtN(n) {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)}M`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return n.toLocaleString('en-US');
}

function runsFor(elements) {
  if (QUICK) return { warmup: 2, runs: 3 };
  if (elements >= 3e7) return { warmup: 2, runs: 3 };
  return { warmup: 6, runs: 9 };
}

// ------------------------------------------------------------------------------------------
// Run
// ------------------------------------------------------------------------------------------
async function loadTf() {
  if (flag('no-tfjs')) return null;
  const tf = await import('@tensorflow/tfjs');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  wasm.setWasmPaths(wasmDir + '/');
  return tf;
}

function tfTime(tf, backend, c, d, mode, plan) {
  const t = c.tfjs(tf, d);
  try {
    return time(() => {
      tf.tidy(() => {
        if (mode === 'fwd') {
          t.fwd().dataSync();
        } else {
          const { value, grad } = t.grad();
          value.dataSync();
          grad.dataSync();
        }
      });
    }, plan);
  } finally {
    for (const x of t.tensors) x.dispose();
  }
}

function torchTimes() {
  if (flag('no-torch') || !existsSync('/usr/bin/python3')) return null;
  try {
    const out = execFileSync(
      '/usr/bin/python3',
      [join(here, 'torch_bench.py'), ...(QUICK ? ['--quick'] : []), ...(CPU ? ['--cpu'] : [])],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 20,
      },
    );
    return JSON.parse(out);
  } catch (e) {
    console.error(`(PyTorch timings skipped: ${e.message.split('\n')[0]})`);
    return null;
  }
}

// Phase 1: losskit alone (tfjs not yet loaded). Phase 2: tfjs cpu and wasm, then losskit again
// with tfjs in the process: once tfjs-wasm has run, V8's typed-array fast paths are slower for
// every library in the process (wasm memory growth detaches ArrayBuffers, which invalidates a V8
// protector), so both losskit numbers are reported.
const rows = [];
const cases = makeCases();
const data = new Map();
for (const c of cases) {
  if (c.skip) {
    console.error(`skip ${c.label}: ${c.skip}`);
    rows.push({ id: c.id, label: c.label, skipped: c.skip });
    continue;
  }
  const d = c.make();
  const elements = d.logits ? d.logits.length : d.yPred.length;
  const plan = runsFor(elements);
  const row = { id: c.id, label: c.label, losskit: {}, losskitWithTf: {}, tfjsCpu: {}, tfjsWasm: {}, torch: {} };
  const lkf = c.losskit(d);
  row.losskit.fwd = time(lkf.fwd, plan);
  row.losskit.grad = time(lkf.grad, plan);
  console.error(`${c.label}: losskit ${row.losskit.fwd.ms.toFixed(1)} / ${row.losskit.grad.ms.toFixed(1)} ms`);
  data.set(c.id, { c, d, plan, lkf, row });
  rows.push(row);
}

const tf = await loadTf();
if (tf) {
  // Initialise both backends before any timing (the wasm module compiles on background threads),
  // then let the process settle.
  for (const b of ['wasm', 'cpu']) {
    await tf.setBackend(b);
    await tf.ready();
    tf.tidy(() => tf.losses.meanSquaredError(tf.ones([8]), tf.zeros([8])).dataSync());
  }
  await new Promise((r) => setTimeout(r, 1500));
  for (const { c, d, plan, lkf, row } of data.values()) {
    for (const [backend, key] of [
      ['cpu', 'tfjsCpu'],
      ['wasm', 'tfjsWasm'],
    ]) {
      await tf.setBackend(backend);
      await tf.ready();
      row[key].fwd = tfTime(tf, backend, c, d, 'fwd', plan);
      row[key].grad = tfTime(tf, backend, c, d, 'grad', plan);
      console.error(`${c.label}: tfjs-${backend} ${row[key].fwd.ms.toFixed(1)} / ${row[key].grad.ms.toFixed(1)} ms`);
    }
    row.losskitWithTf.fwd = time(lkf.fwd, plan);
    row.losskitWithTf.grad = time(lkf.grad, plan);
    console.error(
      `${c.label}: losskit with tfjs loaded ${row.losskitWithTf.fwd.ms.toFixed(1)} / ${row.losskitWithTf.grad.ms.toFixed(1)} ms`,
    );
  }
}

const torch = torchTimes();
if (torch) for (const row of rows) if (torch.cases[row.id]) row.torch = torch.cases[row.id];

// ------------------------------------------------------------------------------------------
// Report
// ------------------------------------------------------------------------------------------
// Timings are { ms, approx } (losskit, tfjs) or plain numbers (PyTorch's JSON).
const msOf = (x) => (x === undefined ? undefined : typeof x === 'number' ? x : x.ms);
const f = (x) => {
  const v = msOf(x);
  if (v === undefined) return '—';
  return (v < 10 ? v.toFixed(2) : v.toFixed(1)) + (typeof x === 'object' && x.approx ? '*' : '');
};
const ratio = (other, mine) => {
  const o = msOf(other),
    m = msOf(mine);
  return o === undefined || m === undefined ? '—' : `${(o / m).toFixed(2)}×`;
};
const lines = [];
const { loadavg } = await import('node:os');
lines.push(
  `losskit ${JSON.parse((await import('node:fs')).readFileSync(join(here, '..', 'package.json'), 'utf8')).version}, Node ${process.version}${tf ? `, tfjs ${tf.version.tfjs}` : ''}${torch ? `, PyTorch ${torch.version} (1 thread)` : ''}${QUICK ? ' — QUICK sizes' : ''}; ${CPU ? 'process CPU time' : 'wall-clock time'}; load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} at the end`,
);
lines.push('');
lines.push(
  '| case | mode | losskit ms | losskit, tfjs loaded | tfjs-cpu ms | tfjs-wasm ms | PyTorch-1t ms | cpu / losskit | wasm / losskit | torch / losskit |',
);
lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  if (r.skipped) {
    lines.push(`| ${r.label} | — | skipped: ${r.skipped} | | | | | | | |`);
    continue;
  }
  for (const [mode, key] of [
    ['fwd', 'fwd'],
    ['fwd+grad', 'grad'],
  ]) {
    lines.push(
      `| ${r.label} | ${mode} | ${f(r.losskit[key])} | ${f(r.losskitWithTf[key])} | ${f(r.tfjsCpu[key])} | ${f(r.tfjsWasm[key])} | ${f(r.torch[key])} | ${ratio(r.tfjsCpu[key], r.losskit[key])} | ${ratio(r.tfjsWasm[key], r.losskit[key])} | ${ratio(r.torch[key], r.losskit[key])} |`,
    );
  }
}
lines.push('');
lines.push(
  'Ratios (tfjs or PyTorch time / losskit time, losskit measured before tfjs was loaded) > 1× mean losskit is faster. Median of several runs after warm-up; float32 inputs.',
);
lines.push(`* one run after one warm-up run (a single run took over ${SLOW_MS / 1000} s).`);
console.log(lines.join('\n'));
const jsonOut = opt('json');
if (jsonOut)
  writeFileSync(jsonOut, JSON.stringify({ rows, torch: torch ? { version: torch.version } : null }, null, 2));
