/**
 * Entry bundled (esbuild) into one script for test/wasm/browser.test.ts: the core with its WASM
 * kernels, run in headless Chromium and in Node on the same inputs.
 */
import {
  binaryCrossEntropy,
  crossEntropy,
  getLoss,
  klDivergence,
  meanSquaredError,
  huber,
  sigmoidFocal,
  metrics,
} from '../../src/index.js';
import { getBackend, initWasm } from '../../src/wasm/runtime.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Loss values and gradient checksums on fixed float32 inputs, plus a few metrics. */
export function compute(): Record<string, number> {
  const r = mulberry32(7);
  const n = 4099;
  const y = Float32Array.from({ length: n }, () => (r() < 0.4 ? 1 : 0));
  const x = Float32Array.from({ length: n }, () => (r() - 0.5) * 12);
  const p = Float32Array.from({ length: n }, () => r());
  const N = 257;
  const C = 11;
  const z = Float32Array.from({ length: N * C }, () => (r() - 0.5) * 8);
  const labels = Float32Array.from({ length: N }, (_, i) => (i % 13 === 5 ? -100 : Math.floor(r() * C)));
  const cw = Array.from({ length: C }, () => 0.5 + r());
  const out: Record<string, number> = {};
  const sum = (a: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] * ((i % 7) + 1);
    return s;
  };
  const vg = (name: string, f: () => { value: number | unknown; grad: { data: ArrayLike<number> } }) => {
    const res = f();
    out[name] = Number(res.value);
    out[`${name}.grad`] = sum(res.grad.data);
  };
  const bceLogits = getLoss('binaryCrossEntropyWithLogits');
  vg('mse', () => meanSquaredError.valueAndGrad(p, x));
  vg('huber', () => huber.valueAndGrad(p, x, { delta: 0.7 }));
  vg('bceLogits', () => bceLogits.valueAndGrad(y, x));
  vg('bce', () => binaryCrossEntropy.valueAndGrad(y, p));
  vg('focal', () => sigmoidFocal.valueAndGrad(y, x));
  vg('kl', () => klDivergence.valueAndGrad(p, x));
  const zp = { data: z, shape: [N, C] };
  vg('ce', () => crossEntropy.valueAndGrad(labels, zp));
  vg('ceFull', () => crossEntropy.valueAndGrad(labels, zp, { weight: cw, labelSmoothing: 0.1 }));
  out.auroc = Number(metrics.auroc(y, p));
  out.accuracy = Number(metrics.accuracy(y, p));
  return out;
}

export { getBackend, initWasm };
