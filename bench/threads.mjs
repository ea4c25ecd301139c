// Two threads vs one for losskit's WASM kernels (losskit/node enableThreads), in ONE process,
// the two settings interleaved call by call (so machine load hits both alike), value + gradient,
// float32 inputs, gradOut reused.
//
//   npm run build && node bench/threads.mjs            # the issue-11 workloads
//   node bench/threads.mjs --sweep                     # sizes around the threshold
//   node bench/threads.mjs --json=out.json
//
// A third column times two threads with inputs and gradOut in a createThreadsArena (nothing
// copied), as a training loop that reuses its buffers would. Memory-bound losses (MSE) split only
// there; their arena results are compared with the core's WASM kernel on a createWasmArena.
//
// Prints per case the median ms on 1 and 2 threads, the speedup, and whether the results were
// bit-identical; the load average at the start and the end (a shared machine: compare the
// ratio, not the absolute times, and retake figures on a quiet machine).
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist', 'esm');
const lk = await import(join(dist, 'index.js'));
const node = await import(join(dist, 'node', 'index.js'));
const slot = await import(join(dist, 'wasm', 'parallel.js'));
const rt = await import(join(dist, 'wasm', 'runtime.js'));

const args = process.argv.slice(2);
const opt = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const SWEEP = args.includes('--sweep');
const REPS = Number(opt('reps') ?? 9);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const loadStart = load();

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const randn = (n, seed, s = 2) => {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() + r() + r() - 1.5) * s;
  return out;
};
const bits = (n, seed) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
};
const labels = (N, C, seed) => {
  const r = rng(seed);
  return Float32Array.from({ length: N }, () => Math.floor(r() * C));
};

function elementwise(name, loss, n, target) {
  const yt = target === 'bits' ? bits(n, 1) : randn(n, 1);
  const yp = randn(n, 2);
  const g = new Float32Array(n);
  const g64 = new Float64Array(n);
  // gradOut: float32 when the loss layer accepts it (float32 gradients), else float64.
  let gradOut = g;
  try {
    loss.valueAndGrad(yt.subarray(0, 8), yp.subarray(0, 8), { gradOut: g.subarray(0, 8) });
  } catch {
    gradOut = g64;
  }
  const arena = {
    bytes: 8 * n + gradOut.byteLength + 4096,
    make: (a) => {
      const at = a.float32(n);
      at.set(yt);
      const ap = a.float32(n);
      ap.set(yp);
      const ag = gradOut instanceof Float32Array ? a.float32(n) : a.float64(n);
      return () => loss.valueAndGrad(at, ap, { gradOut: ag });
    },
  };
  // Memory-bound losses: copied inputs stay on one thread (the JS kernel); arena inputs split,
  // and compute what the core's WASM kernel computes on a createWasmArena (the arena reference).
  const arenaRef = MEMORY_BOUND.has(name)
    ? () => {
        const a = rt.createWasmArena(8 * n + gradOut.byteLength + 4096);
        if (a === null) throw new Error(`no wasm arena: ${JSON.stringify(rt.getBackend())}`);
        const r = arena.make(a)();
        return { value: r.value, grad: { data: r.grad.data.slice() } };
      }
    : null;
  return { name, elements: n, arena, arenaRef, run: () => loss.valueAndGrad(yt, yp, { gradOut }) };
}
const MEMORY_BOUND = new Set(['MSE 4M (copied: 1 thread)']);
function ce(N, C) {
  const y = labels(N, C, 3);
  const z = { data: randn(N * C, 4), shape: [N, C] };
  let gradOut = new Float32Array(N * C);
  try {
    lk.crossEntropy.valueAndGrad(
      [0],
      { data: new Float32Array(C), shape: [1, C] },
      { gradOut: gradOut.subarray(0, C) },
    );
  } catch {
    gradOut = new Float64Array(N * C);
  }
  const arena = {
    bytes: 4 * N + 4 * N * C + gradOut.byteLength + 4096,
    make: (a) => {
      const ay = a.float32(N);
      ay.set(y);
      const az = a.float32(N * C);
      az.set(z.data);
      const ag = gradOut instanceof Float32Array ? a.float32(N * C) : a.float64(N * C);
      const yPred = { data: az, shape: [N, C] };
      return () => lk.crossEntropy.valueAndGrad(ay, yPred, { gradOut: ag });
    },
  };
  return {
    name: `crossEntropy ${N}×${C}`,
    elements: N * C,
    arena,
    run: () => lk.crossEntropy.valueAndGrad(y, z, { gradOut }),
  };
}

/** CTC (T, N, C) log-probabilities, N targets of L labels: value + gradient, or the value alone. */
function ctc(T, N, C, L, withGrad) {
  const x = randn(T * N * C, 5, 3);
  for (let o = 0; o < x.length; o += C) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, x[o + c]);
    let z = 0;
    for (let c = 0; c < C; c++) z += Math.exp(x[o + c] - m);
    const lz = m + Math.log(z);
    for (let c = 0; c < C; c++) x[o + c] = Math.fround(x[o + c] - lz);
  }
  const y = { data: labels(N * L, C - 1, 6).map((v) => v + 1), shape: [N, L] };
  const yPred = { data: x, shape: [T, N, C] };
  const gradOut = new Float32Array(x.length);
  const name = `CTC T=${T} N=${N} C=${C} S=${L}${withGrad ? '' : ' fwd'}`;
  const cells = T * N * (2 * L + 1);
  const arena = withGrad && {
    bytes: 8 * x.length + 4 * N * L + 4096,
    make: (a) => {
      const ax = a.float32(x.length);
      ax.set(x);
      const ag = a.float32(x.length);
      return () => lk.ctc.valueAndGrad(y, { data: ax, shape: [T, N, C] }, { gradOut: ag });
    },
  };
  const run = withGrad
    ? () => lk.ctc.valueAndGrad(y, yPred, { gradOut })
    : () => ({ value: lk.ctc(y, yPred), grad: { data: [] } });
  return { name, elements: cells, arena, run };
}

const bce = lk.getLoss('binaryCrossEntropyWithLogits');
const cases = SWEEP
  ? [1 << 17, 1 << 18, 1 << 19, 1 << 20, 1 << 21].flatMap((n) => [
      elementwise(`BCE-logits ${n}`, bce, n, 'bits'),
      ce(n / 16, 16),
      ce(n / 1024, 1024),
      // CTC's size is its recursion cells, T·N·(2L + 1) = n
      ctc(Math.round(n / 404), 4, 100, 50, true),
    ])
  : [
      elementwise('MSE 4M (copied: 1 thread)', lk.meanSquaredError, 4 << 20, 'values'),
      elementwise('BCE-with-logits 4M', bce, 4 << 20, 'bits'),
      elementwise('sigmoid focal 4M', lk.sigmoidFocal, 4 << 20, 'bits'),
      ce(1 << 20, 10),
      ce(16384, 1000),
      ce(2048, 32000),
      ctc(1000, 4, 100, 100, true),
      ctc(1000, 4, 100, 100, false),
    ];

const info = await node.enableThreads({ threads: 2, minElements: SWEEP ? 0 : undefined });
const pool = slot.parallelExecutor();
const same = (a, b) =>
  Object.is(a.value, b.value) &&
  a.grad.data.length === b.grad.data.length &&
  a.grad.data.every((v, i) => Object.is(v, b.grad.data[i]));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rows = [];
for (const c of cases) {
  const t1 = [];
  const t2 = [];
  slot.setParallelExecutor(null);
  const r1 = c.run();
  const ref = { value: r1.value, grad: { data: r1.grad.data.slice() } };
  slot.setParallelExecutor(pool);
  const r2 = c.run();
  const identical = same(ref, r2);
  for (let i = 0; i < REPS + 2; i++) {
    for (const [exec, ts] of [
      [null, t1],
      [pool, t2],
    ]) {
      slot.setParallelExecutor(exec);
      const t0 = performance.now();
      c.run();
      if (i >= 2) ts.push(performance.now() - t0);
    }
  }
  const row = { case: c.name, elements: c.elements, ms1: median(t1), ms2: median(t2), identical };
  row.speedup = row.ms1 / row.ms2;
  // Inputs and gradOut in a threads arena (createThreadsArena): nothing copied in or out.
  if (c.arena && !SWEEP) {
    slot.setParallelExecutor(null);
    const aref = c.arenaRef ? c.arenaRef() : ref;
    slot.setParallelExecutor(pool);
    const arena = node.createThreadsArena(c.arena.bytes);
    const runA = c.arena.make(arena);
    slot.setParallelExecutor(pool);
    const ra = runA();
    row.arenaIdentical = same(aref, { value: ra.value, grad: { data: ra.grad.data } });
    const ta = [];
    for (let i = 0; i < REPS + 2; i++) {
      const t0 = performance.now();
      runA();
      if (i >= 2) ta.push(performance.now() - t0);
    }
    row.ms2arena = median(ta);
    arena.reset();
  }
  rows.push(row);
  console.log(
    `${c.name.padEnd(28)} 1 thread ${row.ms1.toFixed(2).padStart(8)} ms   2 threads ${row.ms2.toFixed(2).padStart(8)} ms   ×${row.speedup.toFixed(2)}   ${identical ? 'bit-identical' : 'DIFFERENT'}` +
      (row.ms2arena === undefined
        ? ''
        : `   | 2 threads, arena ${row.ms2arena.toFixed(2).padStart(8)} ms ×${(row.ms1 / row.ms2arena).toFixed(2)} ${row.arenaIdentical ? 'bit-identical' : 'DIFFERENT'}`),
  );
}
slot.setParallelExecutor(pool);
await node.disableThreads();
console.log(`threads ${info.threads}; load average ${loadStart} at the start, ${load()} at the end (2 cores)`);
const jsonOut = opt('json');
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ loadStart, loadEnd: load(), rows }, null, 2));
