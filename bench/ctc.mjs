// CTC loss speed: losskit (WASM: the forward alone in scaled probability space, value + gradient
// as a log-space forward–backward) vs PyTorch CPU (float32), on one thread, and with --threads on
// two (losskit/node enableThreads: the batch's sequences split; PyTorch set_num_threads(2)).
//
//   npm run build && node bench/ctc.mjs [T=1000] [N=4] [C=100] [L=100] [--threads]
//
// Reports CPU time on one thread (process.cpuUsage, robust on a shared machine) and wall-clock
// time with --threads (CPU time would add both threads), median of 7 runs after 2 warm-ups, for
// the value only and for value + gradient (gradOut reused, as in training).
import { execFileSync } from 'node:child_process';
import '../dist/esm/wasm/index.js'; // Node's default: the WASM kernels enabled
import { ctc } from '../dist/esm/index.js';
import { enableThreads } from '../dist/esm/node/index.js';

const THREADS = process.argv.includes('--threads') ? 2 : 1;
const nums = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const [T, N, C, L] = [1000, 4, 100, 100].map((d, i) => Number(nums[i] ?? d));
if (THREADS > 1) await enableThreads({ threads: THREADS });
let s = 7;
const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
const x = new Float32Array(T * N * C);
for (let o = 0; o < x.length; o += C) {
  let m = -Infinity;
  for (let c = 0; c < C; c++) m = Math.max(m, (x[o + c] = (rand() - 0.5) * 6));
  let z = 0;
  for (let c = 0; c < C; c++) z += Math.exp(x[o + c] - m);
  const lz = m + Math.log(z);
  for (let c = 0; c < C; c++) x[o + c] -= lz;
}
const y = Array.from({ length: N }, () => Array.from({ length: L }, () => 1 + Math.floor(rand() * (C - 1))));
const yPred = { data: x, shape: [T, N, C] };
const gradOut = new Float32Array(x.length);
const cpu = (f) => {
  if (THREADS > 1) {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  }
  const a = process.cpuUsage();
  f();
  const b = process.cpuUsage(a);
  return (b.user + b.system) / 1000;
};
const clock = THREADS > 1 ? 'wall-clock' : 'CPU time';
const median = (f) => {
  for (let i = 0; i < 2; i++) f();
  const t = Array.from({ length: 7 }, () => cpu(f)).sort((a, b) => a - b);
  return t[3];
};
const fwd = median(() => ctc(y, yPred));
const both = median(() => ctc.valueAndGrad(y, yPred, { gradOut }));
console.log(
  `losskit ctc T=${T} N=${N} C=${C} L=${L} (${THREADS} thread${THREADS > 1 ? 's' : ''}): fwd ${fwd.toFixed(1)} ms, fwd+grad ${both.toFixed(1)} ms (${clock})`,
);
try {
  const py = `
import torch, time, torch.nn.functional as F
torch.set_num_threads(${THREADS})
clock = time.perf_counter if ${THREADS} > 1 else time.process_time
T,N,C,L=${T},${N},${C},${L}
lp=(torch.rand(T,N,C)*6-3).log_softmax(2).requires_grad_()
y=torch.randint(1,C,(N,L))
f=[];b=[]
for k in range(9):
    a=clock(); l=F.ctc_loss(lp,y,torch.full((N,),T),torch.full((N,),L)); m=clock(); l.backward(); e=clock()
    f.append(m-a); b.append(e-a)
f=sorted(f[2:])[3]*1e3; b=sorted(b[2:])[3]*1e3
print(f"pytorch {torch.__version__} ctc_loss (float32, ${THREADS} thread(s)): fwd {f:.1f} ms, fwd+grad {b:.1f} ms (${clock})")
`;
  console.log(execFileSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' }).trim());
} catch {
  console.log('(PyTorch not available: skipped)');
}
