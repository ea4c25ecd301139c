/**
 * CTC on the WASM kernel and on two threads.
 *
 * - The forward alone (asm/kernels.ts ctcForwardScaled: scaled probability space, continued in
 *   log space from the frame where a state leaves its range) agrees with the JS kernel's log-space
 *   recursion to 1e-11 relative on inputs that stay in range, that leave it mid-sequence, that
 *   leave it at once, with log 0 entries, a label more than 700 nats below the frame's largest,
 *   unnormalised (positive) log-probabilities, repeated labels, input and target lengths, an
 *   empty target and impossible alignments.
 * - enableThreads: every loss name whose loss is `ctc` (canonical and alias, from listLosses())
 *   gives bit-identical values and gradients on one and two (and three) threads, value alone and
 *   value + gradient, with the main thread sharing the sequences and with the workers computing
 *   all of them (one chunk per sequence that has an alignment to compute).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getLoss, listLosses } from '../../src/index.js';
import type { LossOptions } from '../../src/losses/core.js';
import { disableThreads, enableThreads, threadsInfo } from '../../src/node/index.js';
import { setMainClaimsForTest } from '../../src/node/threads/pool.js';
import type { Tensor } from '../../src/tensor.js';
import { wasmCallCount } from '../../src/wasm/kernels.js';
import { setBackend } from '../../src/wasm/runtime.js';
import { rng } from '../helpers.js';

const R = rng(29);
const ctc = getLoss('ctc');

/** (T, N, C) log-softmax of uniform logits in ±spread/2, as float32. */
function logProbs(T: number, N: number, C: number, spread: number): Float32Array {
  const x = new Float32Array(T * N * C);
  for (let o = 0; o < x.length; o += C) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, (x[o + c] = (R() - 0.5) * spread));
    let z = 0;
    for (let c = 0; c < C; c++) z += Math.exp(x[o + c] - m);
    const lz = m + Math.log(z);
    for (let c = 0; c < C; c++) x[o + c] = Math.fround(x[o + c] - lz);
  }
  return x;
}
/** Padded targets (N, S), labels in [1, C); every third label repeats its predecessor. */
function targets(N: number, S: number, C: number): { data: Float32Array; shape: number[] } {
  const y = new Float32Array(N * S);
  for (let i = 0; i < y.length; i++) y[i] = i % S > 0 && i % 3 === 0 ? y[i - 1] : 1 + Math.floor(R() * (C - 1));
  return { data: y, shape: [N, S] };
}
const values = (v: number | Tensor): Float64Array =>
  typeof v === 'number' ? Float64Array.of(v) : Float64Array.from(v.data);

afterEach(() => {
  setBackend('auto');
});

describe('CTC forward alone on the WASM kernel (scaled probability space, log space past its range)', () => {
  const T = 400;
  const [N, C, S] = [3, 24, 40];
  const y = targets(N, S, C);
  const cases: [string, Float32Array][] = [
    ['in range throughout', logProbs(T, N, C, 5)],
    ['leaves the range mid-sequence', logProbs(T, N, C, 14)],
    ['leaves it at once', logProbs(T, N, C, 60)],
  ];
  {
    const x = logProbs(T, N, C, 5);
    for (let i = 5; i < x.length; i += 41) x[i] = -Infinity; // log 0
    for (let c = 0; c < C; c++) x[(7 * N + 1) * C + c] += 900; // an unnormalised frame
    x[(9 * N + 2) * C + y.data[2 * S + 4]] = -800; // a label 800 nats below the frame's largest
    cases.push(['log 0, an unnormalised frame, a label 800 nats down', x]);
  }
  const options: LossOptions[] = [
    { reduction: 'none' },
    { reduction: 'none', inputLengths: [T, 300, 50], targetLengths: [S, 0, 30] },
    // sequence 2 (input 20 < target 30) has no alignment: 0 with zeroInfinity
    { reduction: 'none', inputLengths: [T, 301, 20], targetLengths: [17, 40, 30], zeroInfinity: true },
  ];
  for (const [label, x] of cases) {
    it(label, () => {
      const yPred = { data: x, shape: [T, N, C] };
      for (const o of options) {
        setBackend('js');
        const js = values(ctc(y, yPred, o));
        setBackend('auto');
        const before = wasmCallCount();
        const wa = values(ctc(y, yPred, o));
        expect(wasmCallCount() - before, 'the WASM kernel ran').toBe(1);
        for (let n = 0; n < N; n++) {
          const what = `${label} ${JSON.stringify(o)} [${n}]: ${wa[n]} vs ${js[n]}`;
          if (!Number.isFinite(js[n])) expect(wa[n], what).toBe(js[n]);
          else expect(Math.abs(wa[n] - js[n]), what).toBeLessThanOrEqual(1e-11 * Math.abs(js[n]));
        }
        // the forward alone and the forward of value + gradient agree
        const both = values(ctc.valueAndGrad(y, yPred, o).value);
        for (let n = 0; n < N; n++) {
          if (!Number.isFinite(js[n])) continue;
          expect(Math.abs(both[n] - wa[n]), `${label} value+grad [${n}]`).toBeLessThanOrEqual(1e-11 * Math.abs(js[n]));
        }
      }
    });
  }
});

function identical(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) expect.fail(`${what}[${i}]: ${a[i]} with threads, ${b[i]} on one thread`);
  }
}

describe('enableThreads: CTC bit-identical on one and two threads, for every loss name of ctc', () => {
  beforeAll(async () => {
    await enableThreads({ threads: 2, minElements: 0 });
  });
  afterAll(async () => {
    await disableThreads();
  });
  afterEach(() => {
    setMainClaimsForTest(true);
  });
  const [T, N, C, S] = [120, 5, 12, 20];
  const x = logProbs(T, N, C, 8);
  x[(3 * N + 1) * C + 2] = -Infinity;
  const y = targets(N, S, C);
  const il = [120, 90, 120, 15, 60];
  const options: LossOptions[] = [
    {},
    { reduction: 'none' },
    { sampleWeight: [0.5, 0, 2, 1, 1.5] },
    { ctcGrad: 'pytorch', reduction: 'sum' },
    { inputLengths: il, targetLengths: [1, 20, 5, 16, 0], zeroInfinity: true },
    { inputLengths: il, targetLengths: [1, 20, 5, 16, 0], reduction: 'none', zeroInfinity: true },
  ];
  const finite = x.map((v) => (v === -Infinity ? -30 : v));
  const names = listLosses()
    .flatMap((e) => [e.name, ...e.aliases.map((a) => a.name)])
    .filter((name) => getLoss(name).lossName === 'ctc');
  it('the registry names ctc under at least two names', () => {
    expect(names.length).toBeGreaterThanOrEqual(2);
  });
  for (const name of names) {
    it(name, async () => {
      const fn = getLoss(name);
      // Keras's alias takes logits (N, T, C): a float64 log-softmax first, the JS kernel (one thread)
      const logits = fn.defaults.fromLogits === true;
      const data = logits ? finite : x;
      const yPred = { data, shape: logits ? [N, T, C] : [T, N, C] };
      for (const o of options) {
        // sequences with an alignment to compute (weight ≠ 0, target no longer than the input)
        const sw = (o.sampleWeight as number[] | undefined) ?? [1, 1, 1, 1, 1];
        const tl = (o.targetLengths as number[] | undefined) ?? [S, S, S, S, S];
        const ilen = (o.inputLengths as number[] | undefined) ?? [T, T, T, T, T];
        const chunks = sw.filter((w, n) => w !== 0 && tl[n] <= ilen[n]).length;
        for (const gradOut of [undefined, new Float64Array(data.length), new Float32Array(data.length)]) {
          const oo = gradOut === undefined ? o : { ...o, gradOut };
          await disableThreads();
          const ref = fn.valueAndGrad(y, yPred, oo);
          const refGrad = Float64Array.from(ref.grad.data);
          const refValue = values(ref.value);
          const refFwd = values(fn(y, yPred, o));
          await enableThreads({ threads: 2, minElements: 0 });
          for (const mainClaims of [true, false]) {
            setMainClaimsForTest(mainClaims);
            const label = `${name} ${JSON.stringify(o)} gradOut=${gradOut?.constructor.name} mainClaims=${mainClaims}`;
            const before = threadsInfo();
            const got = fn.valueAndGrad(y, yPred, oo);
            const fwd = values(fn(y, yPred, o));
            const after = threadsInfo();
            expect(after.calls - before.calls, `${label}: the pool took both calls`).toBe(logits ? 0 : 2);
            if (!logits && !mainClaims) expect(after.workerChunks - before.workerChunks, label).toBe(2 * chunks);
            identical(values(got.value), refValue, `${label} value`);
            identical(got.grad.data, refGrad, `${label} grad`);
            identical(fwd, refFwd, `${label} value alone`);
          }
        }
      }
    });
  }
  it('three threads, a batch-major layout and the default threshold', async () => {
    const yPred = { data: x, shape: [N, T, C] };
    const o = { timeMajor: false, reduction: 'none' } as LossOptions;
    await disableThreads();
    const ref = ctc.valueAndGrad(y, yPred, o);
    await enableThreads({ threads: 3, minElements: 0 });
    const got = ctc.valueAndGrad(y, yPred, o);
    expect(threadsInfo().calls).toBe(1);
    identical(values(got.value), values(ref.value), 'value');
    identical(got.grad.data, ref.grad.data, 'grad');
    // 5 × 120 × 41 = 24,600 cells: under the default threshold, one thread
    await enableThreads({ threads: 2 });
    ctc.valueAndGrad(y, yPred, o);
    expect(threadsInfo().calls).toBe(0);
  });
});
