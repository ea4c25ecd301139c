// CTC loss speed: losskit (log-space forward–backward) vs PyTorch CPU (1 thread, float32).
//
//   npm run build && node bench/ctc.mjs [T=1000] [N=4] [C=100] [L=100]
//
// Reports CPU time (process.cpuUsage, robust on a shared machine), median of 7 runs after 2
// warm-ups, for the value only and for value + gradient (gradOut reused, as in training).
import { execFileSync } from 'node:child_process';
import '../dist/esm/wasm/index.js'; // Node's default: the WASM kernels enabled
import { ctc } from '../dist/esm/index.js';

const [T, N, C, L] = [1000, 4, 100, 100].map((d, i) => Number(process.argv[2 + i] ?? d));
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
const gradOut = new Float64Array(x.length);
const cpu = (f) => {
  const a = process.cpuUsage();
  f();
  const b = process.cpuUsage(a);
  return (b.user + b.system) / 1000;
};
const median = (f) => {
  for (let i = 0; i < 2; i++) f();
  const t = Array.from({ length: 7 }, () => cpu(f)).sort((a, b) => a - b);
  return t[3];
};
const fwd = median(() => ctc(y, yPred));
const both = median(() => ctc.valueAndGrad(y, yPred, { gradOut }));
console.log(
  `losskit ctc T=${T} N=${N} C=${C} L=${L}: fwd ${fwd.toFixed(1)} ms, fwd+grad ${both.toFixed(1)} ms (CPU time)`,
);
try {
  const py = `
import torch, time, torch.nn.functional as F
torch.set_num_threads(1)
T,N,C,L=${T},${N},${C},${L}
lp=(torch.rand(T,N,C)*6-3).log_softmax(2).requires_grad_()
y=torch.randint(1,C,(N,L))
f=[];b=[]
for k in range(9):
    a=time.process_time(); l=F.ctc_loss(lp,y,torch.full((N,),T),torch.full((N,),L)); m=time.process_time(); l.backward(); e=time.process_time()
    f.append(m-a); b.append(e-a)
f=sorted(f[2:])[3]*1e3; b=sorted(b[2:])[3]*1e3
print(f"pytorch {torch.__version__} ctc_loss (float32, 1 thread): fwd {f:.1f} ms, fwd+grad {b:.1f} ms (CPU time)")
`;
  console.log(execFileSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' }).trim());
} catch {
  console.log('(PyTorch not available: skipped)');
}
