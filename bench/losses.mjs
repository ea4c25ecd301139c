// Loss benchmarks, every contender in ONE run: losskit with the JS kernels, with the WASM SIMD
// kernels (inputs copied in per call, and inputs resident in a WasmArena), with two threads when
// available; PyTorch CPU at 1 and 2 threads (when /usr/bin/python3 has torch, bench/torch_bench.py);
// tfjs with the wasm backend; a fused C reference (bench/fused.c, compiled here when gcc exists).
//
//   npm run bench                       # builds dist/, then runs everything
//   node bench/losses.mjs --quick       # small sizes, a sanity run of a minute or two
//   node bench/losses.mjs --only=ce     # cases whose id contains "ce"
//   node bench/losses.mjs --cpu         # process CPU time instead of wall-clock (shared machines)
//   node bench/losses.mjs --no-torch --no-tfjs --no-c --json=out.json
//   node bench/losses.mjs --no-threads  # skip the two-thread rows (losskit/node enableThreads)
//   node bench/losses.mjs --threads-arena  # and time two threads on createThreadsArena inputs too
//
// Timings: median of several runs after warm-up, in ms, of
//   fwd   the loss value only
//   grad  the value and the gradient w.r.t. the predictions (losskit reuses `gradOut`, as a
//         training loop does; PyTorch runs backward(); tfjs tf.valueAndGrad + dataSync)
// on float32 inputs. The machine's load (`uptime`) is printed at the start and at the end:
// numbers taken at a load average above ~1 per core are not comparable across runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const dist = process.env.LOSSKIT_DIST ?? join(here, '..', 'dist', 'esm', 'index.js');
// Node's default (what `import 'losskit'` resolves to in Node): the WASM kernels enabled.
const wasmEntry = join(dirname(dist), 'wasm', 'index.js');
if (existsSync(wasmEntry)) await import(wasmEntry);
const lk = await import(dist);
// The backend switch and the arena (public in the root entry once the loss layer exports them).
const rt = lk.setBackend ? lk : await import(join(dirname(dist), 'wasm', 'runtime.js'));

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const opt = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const QUICK = flag('quick');
const ONLY = opt('only');
const CPU = flag('cpu');

const uptime = () =>
  `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
const loadStart = uptime();

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
function labelsOf(n, C, seed, lo = 0) {
  const r = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + Math.floor(r() * (C - lo));
  return out;
}
function logSoftmaxRows(x, C) {
  for (let o = 0; o < x.length; o += C) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, x[o + c]);
    let z = 0;
    for (let c = 0; c < C; c++) z += Math.exp(x[o + c] - m);
    const lz = m + Math.log(z);
    for (let c = 0; c < C; c++) x[o + c] -= lz;
  }
  return x;
}

// ------------------------------------------------------------------------------------------
// Timing
// ------------------------------------------------------------------------------------------
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function now() {
  if (!CPU) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
const SLOW_MS = 4000;
/** Median of `runs` timings after warm-up (≥ `warmup` calls, up to 25 calls or 2 s). */
function time(fn, { warmup, runs }) {
  let t0 = now();
  fn();
  const first = now() - t0;
  if (first > SLOW_MS) {
    t0 = now();
    fn();
    return { ms: now() - t0, approx: true };
  }
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
function runsFor(elements, small) {
  if (small) return { warmup: 200, runs: 201, small: true };
  if (QUICK) return { warmup: 2, runs: 5 };
  if (elements >= 3e7) return { warmup: 2, runs: 5 };
  return { warmup: 6, runs: 9 };
}
/** Small cases: time a batch of calls (one call is µs), report per call. */
function timeSmall(fn) {
  const reps = 200;
  const r = time(
    () => {
      for (let i = 0; i < reps; i++) fn();
    },
    { warmup: 20, runs: 31 },
  );
  return { ms: r.ms / reps, approx: r.approx };
}

// ------------------------------------------------------------------------------------------
// Cases
// ------------------------------------------------------------------------------------------
const ELEMS = QUICK ? 1 << 18 : 4 << 20;
const CE = QUICK
  ? [
      [65536, 10],
      [1024, 1000],
      [128, 32000],
    ]
  : [
      [1 << 20, 10],
      [16384, 1000],
      [2048, 32000],
    ];
const CTC = QUICK ? [200, 4, 50, 40] : [1000, 4, 100, 100];
const SMALL = 1000;

function fmtN(n) {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)}M`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return n.toLocaleString('en-US');
}

/**
 * A case: `make()` builds float32 inputs; `call(loss inputs)` returns { fwd, grad } closures for
 * given input arrays (so that the same case runs on plain arrays and on arena arrays).
 */
function elementwiseCase(id, label, n, fn, make, opts = {}, tfLoss = null) {
  return {
    id,
    label,
    elements: n,
    make,
    arrays: (d) => [d.yTrue, d.yPred],
    losskit: ([yTrue, yPred], gradOut) => ({
      fwd: () => fn(yTrue, yPred, opts),
      grad: () => fn.valueAndGrad(yTrue, yPred, { ...opts, gradOut }).value,
    }),
    tfjs: tfLoss
      ? (tf, d) => {
          const y = tf.tensor1d(d.yTrue);
          const p = tf.tensor1d(d.yPred);
          const f = (x) => tfLoss(tf, y, x);
          return { tensors: [y, p], fwd: () => f(p), grad: () => tf.valueAndGrad(f)(p) };
        }
      : null,
  };
}

function ceCase(id, label, N, C, seed) {
  return {
    id,
    label,
    elements: N * C,
    make: () => ({ labels: labelsOf(N, C, seed), logits: randnF32(N * C, seed + 1, 2) }),
    arrays: (d) => [d.labels, d.logits],
    losskit: ([labels, logits], gradOut) => {
      const yPred = { data: logits, shape: [N, C] };
      return {
        fwd: () => lk.crossEntropy(labels, yPred),
        grad: () => lk.crossEntropy.valueAndGrad(labels, yPred, { gradOut }).value,
      };
    },
    tfjs: (tf, d) => {
      const z = tf.tensor2d(d.logits, [N, C]);
      // int32 one-hot then cast: tfjs-wasm ignores oneHot's dtype argument (TFJS-NOTES).
      const oh = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(d.labels), 'int32'), C).toFloat());
      const f = (x) => tf.losses.softmaxCrossEntropy(oh, x);
      return { tensors: [z, oh], fwd: () => f(z), grad: () => tf.valueAndGrad(f)(z) };
    },
  };
}

function makeCases() {
  const n = ELEMS;
  const bce = lk.getLoss('binaryCrossEntropyWithLogits');
  const cases = [
    elementwiseCase(
      'mse',
      `MSE ${fmtN(n)}`,
      n,
      lk.meanSquaredError,
      () => ({ yTrue: randnF32(n, 1), yPred: randnF32(n, 2) }),
      {},
      (tf, y, x) => tf.losses.meanSquaredError(y, x),
    ),
    elementwiseCase(
      'bce-logits',
      `BCE-with-logits ${fmtN(n)}`,
      n,
      bce,
      () => ({ yTrue: bernoulliF32(n, 3), yPred: randnF32(n, 4, 2) }),
      {},
      (tf, y, x) => tf.losses.sigmoidCrossEntropy(y, x),
    ),
    elementwiseCase('focal', `sigmoid focal ${fmtN(n)}`, n, lk.sigmoidFocal, () => ({
      yTrue: bernoulliF32(n, 3),
      yPred: randnF32(n, 4, 2),
    })),
  ];
  for (const [N, C] of CE) cases.push(ceCase(`ce-${N}x${C}`, `crossEntropy ${fmtN(N)}×${fmtN(C)}`, N, C, 5 + C));
  const [T, N, C, S] = CTC;
  cases.push({
    id: 'ctc',
    label: `CTC T=${T} N=${N} C=${C} S=${S}`,
    elements: T * N * C,
    make: () => ({ y: labelsOf(N * S, C, 11, 1), x: logSoftmaxRows(randnF32(T * N * C, 12, 3), C) }),
    arrays: (d) => [d.y, d.x],
    losskit: ([y, x], gradOut) => {
      const yTrue = { data: y, shape: [N, S] };
      const yPred = { data: x, shape: [T, N, C] };
      return { fwd: () => lk.ctc(yTrue, yPred), grad: () => lk.ctc.valueAndGrad(yTrue, yPred, { gradOut }).value };
    },
    tfjs: null,
  });
  cases.push(
    elementwiseCase('small-mse', `MSE ${SMALL}`, SMALL, lk.meanSquaredError, () => ({
      yTrue: randnF32(SMALL, 21),
      yPred: randnF32(SMALL, 22),
    })),
    elementwiseCase('small-bce-logits', `BCE-with-logits ${SMALL}`, SMALL, bce, () => ({
      yTrue: bernoulliF32(SMALL, 23),
      yPred: randnF32(SMALL, 24, 2),
    })),
    ceCase('small-ce', `crossEntropy ${SMALL / 10}×10`, SMALL / 10, 10, 25),
  );
  return ONLY ? cases.filter((c) => c.id.includes(ONLY)) : cases;
}

// ------------------------------------------------------------------------------------------
// Contenders outside this process
// ------------------------------------------------------------------------------------------
function torchTimes(threads) {
  if (flag('no-torch') || !existsSync('/usr/bin/python3')) return null;
  try {
    const out = execFileSync(
      '/usr/bin/python3',
      [join(here, 'torch_bench.py'), `--threads=${threads}`, ...(QUICK ? ['--quick'] : []), ...(CPU ? ['--cpu'] : [])],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
    );
    return JSON.parse(out);
  } catch (e) {
    console.error(`(PyTorch ${threads}-thread timings skipped: ${e.message.split('\n')[0]})`);
    return null;
  }
}

function cTimes() {
  if (flag('no-c')) return null;
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
  } catch {
    console.error('(fused C reference skipped: no gcc)');
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'losskit-bench-'));
  const exe = join(dir, 'fused');
  const flags = ['-O3', '-march=native', '-ffast-math', '-fopenmp-simd'];
  execFileSync('gcc', [...flags, join(here, 'fused.c'), '-lm', '-o', exe], { stdio: 'inherit' });
  const out = execFileSync(exe, [...(QUICK ? ['--quick'] : []), ...(CPU ? ['--cpu'] : [])], { encoding: 'utf8' });
  return { flags: flags.join(' '), ...JSON.parse(out) };
}

async function loadTf() {
  if (flag('no-tfjs')) return null;
  const tf = await import('@tensorflow/tfjs');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  wasm.setWasmPaths(wasmDir + '/');
  await tf.setBackend('wasm');
  await tf.ready();
  tf.tidy(() => tf.losses.meanSquaredError(tf.ones([8]), tf.zeros([8])).dataSync());
  return tf;
}

// ------------------------------------------------------------------------------------------
// Run: losskit first (before tfjs is loaded: tfjs-wasm's memory growth slows typed-array code
// in the whole process), then tfjs-wasm, then PyTorch and C as child processes.
// ------------------------------------------------------------------------------------------
// float32 gradients for float32 inputs (issue 11 item 1), when this build accepts a float32 gradOut
const F32_GRAD = (() => {
  try {
    const x = new Float32Array(4);
    lk.meanSquaredError.valueAndGrad(x, x, { gradOut: new Float32Array(4) });
    return true;
  } catch {
    return false;
  }
})();
const rows = [];
const cases = makeCases();
const arena = rt.createWasmArena ? rt.createWasmArena(1 << 30) : null;
for (const c of cases) {
  const d = c.make();
  const plan = runsFor(c.elements, c.id.startsWith('small-'));
  const tm = plan.small ? (f) => timeSmall(f) : (f) => time(f, plan);
  const row = { id: c.id, label: c.label, lk: {} };
  const gradOut = F32_GRAD ? new Float32Array(c.elements) : new Float64Array(c.elements);
  const run = (key, arrays, g) => {
    const f = c.losskit(arrays, g);
    row.lk[key] = { fwd: tm(f.fwd), grad: tm(f.grad), value: f.fwd() };
  };
  rt.setBackend('js');
  run('js', c.arrays(d), gradOut);
  rt.setBackend('auto');
  run('wasm', c.arrays(d), gradOut);
  if (arena) {
    const resident = c.arrays(d).map((a) => {
      const v = a instanceof Float32Array ? arena.float32(a.length) : arena.float64(a.length);
      v.set(a);
      return v;
    });
    const g = F32_GRAD ? arena.float32(c.elements) : arena.float64(c.elements);
    run('arena', resident, g);
    arena.reset?.();
  }
  const v = row.lk.wasm;
  console.error(
    `${c.label}: js ${row.lk.js.fwd.ms.toFixed(3)} / ${row.lk.js.grad.ms.toFixed(3)} ms, wasm ${v.fwd.ms.toFixed(3)} / ${v.grad.ms.toFixed(3)} ms` +
      (row.lk.arena ? `, arena ${row.lk.arena.fwd.ms.toFixed(3)} / ${row.lk.arena.grad.ms.toFixed(3)} ms` : '') +
      ` (value js ${row.lk.js.value} wasm ${row.lk.wasm.value})`,
  );
  rows.push({ c, d, plan, row });
}

// ------------------------------------------------------------------------------------------
// Two threads (losskit/node enableThreads, docs/threads.md): the WASM column again with the
// worker pool, same inputs, same gradOut; only the calls the pool takes (float32, above its
// threshold, not memory-bound) differ from the one-thread column. Compared with PyTorch 2t.
// ------------------------------------------------------------------------------------------
const lkNode = flag('no-threads') ? null : await import(join(dirname(dist), 'node', 'index.js')).catch(() => null);
const threads = lkNode?.enableThreads && cpus().length >= 2 ? await lkNode.enableThreads({ threads: 2 }) : null;
// --threads-arena: also time two threads with the inputs and gradOut in a createThreadsArena
// (nothing copied: the only two-thread path of the memory-bound losses, docs/threads.md).
const bytesOf = ({ c, d }) => c.arrays(d).reduce((b, a) => b + a.byteLength + 64, 8 * c.elements + 64);
const tarena =
  threads && flag('threads-arena') ? lkNode.createThreadsArena(Math.max(...rows.map(bytesOf)) + 4096) : null;
if (threads) {
  rt.setBackend('auto');
  for (const { c, d, plan, row } of rows) {
    if (plan.small) continue;
    const before = lkNode.threadsInfo().calls;
    const f = c.losskit(c.arrays(d), new Float64Array(c.elements));
    row.lk.wasm2t = { fwd: time(f.fwd, plan), grad: time(f.grad, plan), value: f.fwd() };
    row.lk.wasm2t.split = lkNode.threadsInfo().calls > before;
    if (tarena) {
      tarena.reset();
      const resident = c.arrays(d).map((a) => {
        const v = a instanceof Float32Array ? tarena.float32(a.length) : tarena.float64(a.length);
        v.set(a);
        return v;
      });
      const fa = c.losskit(resident, tarena.float64(c.elements));
      row.lk.arena2t = { fwd: time(fa.fwd, plan), grad: time(fa.grad, plan), value: fa.fwd() };
    }
    console.error(
      `${c.label}: wasm 2 threads ${row.lk.wasm2t.fwd.ms.toFixed(3)} / ${row.lk.wasm2t.grad.ms.toFixed(3)} ms` +
        (row.lk.wasm2t.split ? '' : ' (stayed on one thread)'),
    );
  }
  await lkNode.disableThreads();
}

const tf = await loadTf();
if (tf) {
  for (const { c, d, plan, row } of rows) {
    if (!c.tfjs || plan.small) continue;
    const t = c.tfjs(tf, d);
    const once = (mode) => () =>
      tf.tidy(() => {
        if (mode === 'fwd') t.fwd().dataSync();
        else {
          const { value, grad } = t.grad();
          value.dataSync();
          grad.dataSync();
        }
      });
    row.tfjs = { fwd: time(once('fwd'), plan), grad: time(once('grad'), plan) };
    for (const x of t.tensors) x.dispose();
    console.error(`${c.label}: tfjs-wasm ${row.tfjs.fwd.ms.toFixed(2)} / ${row.tfjs.grad.ms.toFixed(2)} ms`);
  }
}

const torch1 = torchTimes(1);
const torch2 = cpus().length >= 2 ? torchTimes(2) : null;
const cref = cTimes();
const loadEnd = uptime();

// ------------------------------------------------------------------------------------------
// Report
// ------------------------------------------------------------------------------------------
const msOf = (x) => (x === undefined || x === null ? undefined : typeof x === 'number' ? x : x.ms);
const f = (x) => {
  const v = msOf(x);
  if (v === undefined) return '—';
  const s = v < 0.1 ? v.toFixed(4) : v < 10 ? v.toFixed(2) : v.toFixed(1);
  return s + (typeof x === 'object' && x.approx ? '*' : '');
};
const ratio = (other, mine) => {
  const o = msOf(other);
  const m = msOf(mine);
  return o === undefined || m === undefined ? '—' : `${(o / m).toFixed(2)}×`;
};
const best = (r, key) => {
  const xs = ['wasm', 'arena'].map((k) => r.lk[k]?.[key]).filter(Boolean);
  return xs.reduce((a, b) => (msOf(b) < msOf(a) ? b : a), xs[0]);
};
const pkg = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8'));
const lines = [];
lines.push(
  `losskit ${pkg.version}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}` +
    `${tf ? `, tfjs ${tf.version.tfjs} (wasm backend)` : ''}${torch1 ? `, PyTorch ${torch1.version}` : ''}` +
    `${cref ? `, C: gcc ${cref.flags}` : ''}${QUICK ? ' — QUICK sizes' : ''}; ${CPU ? 'process CPU time' : 'wall-clock time'}`,
);
lines.push(
  `${loadStart} at the start, ${loadEnd} at the end; losskit gradients ${F32_GRAD ? 'float32' : 'float64'} (gradOut)`,
);
lines.push('');
lines.push(
  '| case | mode | JS ms | WASM ms | WASM arena ms | PyTorch 1t | PyTorch 2t | tfjs-wasm | C fused | torch1t / lk | torch2t / lk | lk / C |',
);
lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const { row: r } of rows) {
  for (const key of ['fwd', 'grad']) {
    const mine = best(r, key);
    const t1 = torch1?.cases[r.id]?.[key];
    const t2 = torch2?.cases[r.id]?.[key];
    const c = cref?.cases[r.id]?.[key];
    lines.push(
      `| ${r.label} | ${key === 'fwd' ? 'fwd' : 'fwd+grad'} | ${f(r.lk.js?.[key])} | ${f(r.lk.wasm?.[key])} | ${f(r.lk.arena?.[key])} | ${f(t1)} | ${f(t2)} | ${f(r.tfjs?.[key])} | ${f(c)} | ${ratio(t1, mine)} | ${ratio(t2, mine)} | ${c === undefined ? '—' : ratio(mine, c)} |`,
    );
  }
}
lines.push('');
lines.push(
  'losskit ratios use the faster of WASM and WASM-arena; torch/lk > 1× means losskit is faster; lk / C is how many times the fused C reference losskit takes.',
);
lines.push(`* one run after one warm-up run (a single run took over ${SLOW_MS / 1000} s).`);
if (threads) {
  lines.push('');
  lines.push(
    `Two threads (losskit/node \`enableThreads({ threads: 2 })\`, default threshold ${threads.minElements} elements; inputs copied in per call):`,
  );
  lines.push('');
  const ta = tarena ? ' losskit 2t threads arena | torch2t / lk2t arena |' : '';
  lines.push(`| case | mode | losskit WASM 1t | losskit WASM 2t | 1t / 2t | PyTorch 2t | torch2t / lk2t |${ta}`);
  lines.push(`| --- | --- | ---: | ---: | ---: | ---: | ---: |${tarena ? ' ---: | ---: |' : ''}`);
  for (const { row: r } of rows) {
    if (!r.lk.wasm2t) continue;
    for (const key of ['fwd', 'grad']) {
      const one = r.lk.wasm?.[key];
      const two = r.lk.wasm2t[key];
      const t2 = torch2?.cases[r.id]?.[key];
      lines.push(
        `| ${r.label} | ${key === 'fwd' ? 'fwd' : 'fwd+grad'} | ${f(one)} | ${f(two)}${r.lk.wasm2t.split ? '' : ' (1t)'} | ${ratio(one, two)} | ${f(t2)} | ${ratio(t2, two)} |` +
          (tarena ? ` ${f(r.lk.arena2t?.[key])} | ${ratio(t2, r.lk.arena2t?.[key])} |` : ''),
      );
    }
  }
  lines.push('');
  lines.push('(1t): the pool declined the call (memory-bound loss, no WASM kernel, or under the threshold).');
} else {
  lines.push('losskit ran on one thread (no worker pool in this build, or --no-threads).');
}
console.log(lines.join('\n'));
const jsonOut = opt('json');
if (jsonOut) {
  writeFileSync(
    jsonOut,
    JSON.stringify(
      { loadStart, loadEnd, rows: rows.map((x) => x.row), torch1, torch2, c: cref, quick: QUICK, cpu: CPU },
      null,
      2,
    ),
  );
}
