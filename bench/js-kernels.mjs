// The JS kernels against an older build, in one process, A/B interleaved: for the losses whose
// JS path (`setBackend('js')`) was measured slower after the loss-layer redesign than before it.
//
//   git worktree add /tmp/base 8fb6b18 && (cd /tmp/base && ln -s "$PWD/node_modules" . && npm run build)
//   npm run build && node bench/js-kernels.mjs --base=/tmp/base/dist/esm/index.js [--rounds=15] [--only=bce]
//
// Each round times every case once on each build (order alternating between rounds), as process
// CPU time (user + system) per call over `reps` calls after a warm-up: CPU time, not wall-clock,
// because the machine may be shared (the load average is printed at the start and at the end;
// under load, CPU time is still inflated by cache and frequency effects, so compare the ratio,
// taken within one run, rather than the absolute figures). Printed: the median per build and the
// ratio this / base (< 1: this build is faster), with the spread of the per-round ratios.
//
// Inputs are float32 (as in bench/losses.mjs). Gradients go to a caller-owned Float64Array
// `gradOut` on both builds, so both do the same work (the base build had no float32 gradients).
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const basePath = opt('base');
if (basePath === undefined) {
  console.error('usage: node bench/js-kernels.mjs --base=<other build>/dist/esm/index.js [--rounds=N] [--only=id]');
  process.exit(2);
}
const ROUNDS = Number(opt('rounds') ?? 15);
const ONLY = opt('only');

const here_ = await import(join(here, '..', 'dist', 'esm', 'index.js'));
const base = await import(resolve(basePath));
for (const lk of [here_, base]) if (typeof lk.setBackend === 'function') lk.setBackend('js');

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

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
const randF32 = (n, seed, scale = 1) => {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
};

const N4M = 4 << 20;
const CASES = [
  {
    id: 'bceLogits-grad',
    label: 'BCE-with-logits 4M, value + grad',
    reps: 5,
    make: () => ({
      y: Float32Array.from(randF32(N4M, 1), (v) => (v > 0 ? 1 : 0)),
      x: randF32(N4M, 2, 4),
      g: new Float64Array(N4M),
    }),
    run: (lk, d) => () => lk.binaryCrossEntropyWithLogits.valueAndGrad(d.y, d.x, { gradOut: d.g }).value,
  },
  {
    id: 'bceLogits-fwd',
    label: 'BCE-with-logits 4M, value',
    reps: 5,
    make: () => ({ y: Float32Array.from(randF32(N4M, 1), (v) => (v > 0 ? 1 : 0)), x: randF32(N4M, 2, 4) }),
    run: (lk, d) => () => lk.binaryCrossEntropyWithLogits(d.y, d.x),
  },
  {
    id: 'marginRanking-grad',
    label: 'marginRanking 4M, value + grad (both inputs)',
    reps: 5,
    make: () => ({
      y: Float32Array.from(randF32(N4M, 3), (v) => (v > 0 ? 1 : -1)),
      x1: randF32(N4M, 4),
      x2: randF32(N4M, 5),
      g: new Float64Array(N4M),
    }),
    run: (lk, d) => () => lk.marginRanking.valueAndGrad(d.y, d.x1, { input2: d.x2, margin: 0.1, gradOut: d.g }).value,
  },
  {
    id: 'ce16k-fwd',
    label: 'crossEntropy 16,384 × 1,000, value',
    reps: 3,
    make: () => {
      const r = mulberry32(6);
      return {
        y: Float32Array.from({ length: 16384 }, () => Math.floor(r() * 1000)),
        z: { data: randF32(16384 * 1000, 7, 3), shape: [16384, 1000] },
      };
    },
    run: (lk, d) => () => lk.crossEntropy(d.y, d.z),
  },
];

function cpuMsPerCall(f, reps) {
  const t0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) f();
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1000 / reps;
}
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(`js-kernels: this build vs ${basePath}, JS backend, float32 inputs, ${ROUNDS} rounds, CPU time`);
console.log(`load average at start: ${load()}`);
console.log('| case | this ms | base ms | this / base | per-round ratio min – max |');
console.log('|---|---:|---:|---:|---|');
for (const c of CASES) {
  if (ONLY !== undefined && !c.id.includes(ONLY)) continue;
  const d = c.make();
  const fa = c.run(here_, d);
  const fb = c.run(base, d);
  if (Math.abs(fa() - fb()) > 1e-9 * Math.max(1, Math.abs(fb())))
    throw new Error(`${c.id}: the builds disagree (${fa()} vs ${fb()})`);
  for (let i = 0; i < 3; i++) {
    fa();
    fb();
  }
  const ta = [];
  const tb = [];
  const ratios = [];
  for (let r = 0; r < ROUNDS; r++) {
    let a;
    let b;
    if (r % 2 === 0) {
      a = cpuMsPerCall(fa, c.reps);
      b = cpuMsPerCall(fb, c.reps);
    } else {
      b = cpuMsPerCall(fb, c.reps);
      a = cpuMsPerCall(fa, c.reps);
    }
    ta.push(a);
    tb.push(b);
    ratios.push(a / b);
  }
  const lo = Math.min(...ratios);
  const hi = Math.max(...ratios);
  console.log(
    `| ${c.label} | ${median(ta).toFixed(1)} | ${median(tb).toFixed(1)} | ${median(ratios).toFixed(3)} | ${lo.toFixed(2)} – ${hi.toFixed(2)} |`,
  );
}
console.log(`load average at end: ${load()}`);
