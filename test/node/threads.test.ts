/**
 * losskit/node enableThreads: results bit-identical to one thread for every loss name (canonical
 * and alias, from listLosses()) whose calls go parallel, under each option set, on inputs of
 * several chunks with a ragged tail — with the main thread sharing the chunks and with the
 * workers computing all of them; the pool declines what it must (float64 inputs, backend 'js',
 * memory-bound losses whose inputs are not in a threads arena, calls under the threshold); the
 * memory-bound losses on arena inputs split, bit-identical to the core's WASM kernel on a WasmArena; a failing or hung worker surfaces as a
 * LosskitError (never a hang) and disables the threads; an idle pool does not keep the process
 * alive.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getLoss, listLosses } from '../../src/index.js';
import type { LossFunction, LossOptions } from '../../src/losses/core.js';
import { createThreadsArena, disableThreads, enableThreads, threadsInfo } from '../../src/node/index.js';
import { runTestJobForTest, setMainClaimsForTest } from '../../src/node/threads/pool.js';
import { JOB_TEST_HANG, JOB_TEST_THROW } from '../../src/node/threads/protocol.js';
import type { Tensor } from '../../src/tensor.js';
import { createWasmArena, setBackend } from '../../src/wasm/runtime.js';
import { expectLosskitError, rng } from '../helpers.js';
import { transpileSrc } from './transpile.js';

const R = rng(11);
const f32 = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
// 4099 × 61 = 250,039 elements: 4 chunks of 65,536 (rows: 4 chunks of 1,074), a ragged tail.
const SHAPE = [4099, 61];
const n = SHAPE[0] * SHAPE[1];
const real = () => ({ data: f32(n, () => (R() - 0.5) * 6), shape: SHAPE });
const prob = () => ({ data: f32(n, () => Math.min(1, Math.max(0, R() * 1.1 - 0.05))), shape: SHAPE });
const bits = () => ({ data: f32(n, () => (R() < 0.4 ? 1 : 0)), shape: SHAPE });
const soft = () => ({ data: f32(n, () => R()), shape: SHAPE });
const sw = Array.from({ length: SHAPE[0] }, () => R() * 2).map((v) => [v]);
const common: LossOptions[] = [{}, { reduction: 'sum' }, { reduction: 'none' }, { sampleWeight: sw }];

interface Case {
  yTrue: Float32Array | { data: Float32Array; shape: number[] };
  yPred: { data: Float32Array; shape: number[] };
  options: LossOptions[];
  /** false: this name's defaults select a variant without a WASM kernel (one thread). */
  parallel?: boolean;
}
/** The canonical losses whose float32 calls go parallel, with inputs and option sets. */
const CASES: Record<string, (fn: LossFunction) => Case> = {
  klDivergence: () => ({ yTrue: soft(), yPred: real(), options: [...common, { reduction: 'batchmean' }] }),
  binaryCrossEntropy: () => ({
    yTrue: soft(),
    yPred: prob(),
    options: [...common, { eps: 1e-7 }, { labelSmoothing: 0.1 }],
  }),
  binaryCrossEntropyWithLogits: () => ({ yTrue: bits(), yPred: real(), options: [...common, { labelSmoothing: 0.2 }] }),
  sigmoidFocal: (fn) =>
    fn.defaults.fromLogits === false
      ? { yTrue: bits(), yPred: prob(), options: [{}], parallel: false }
      : { yTrue: bits(), yPred: real(), options: [...common, { gamma: 1.5, alpha: -1 }, { labelSmoothing: 0.1 }] },
  crossEntropy: () => {
    const C = SHAPE[1];
    const labels = f32(SHAPE[0], (i) => (i % 9 === 4 ? -100 : Math.floor(R() * C)));
    const cw = Array.from({ length: C }, () => 0.5 + R());
    return {
      yTrue: labels,
      yPred: real(),
      options: [...common, { weight: cw }, { labelSmoothing: 0.15 }, { reduction: 'none', weight: cw }],
    };
  },
};

const flat = (v: number | Tensor): Float64Array =>
  typeof v === 'number' ? Float64Array.of(v) : Float64Array.from(v.data);
function identical(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) expect.fail(`${what}[${i}]: ${a[i]} with threads, ${b[i]} on one thread`);
  }
}

afterEach(() => {
  setBackend('auto');
  setMainClaimsForTest(true);
});

describe('enableThreads: bit-identical results for every loss name that goes parallel', () => {
  beforeAll(async () => {
    await enableThreads({ threads: 2, minElements: 0 });
  });
  afterAll(async () => {
    await disableThreads();
  });
  const names = listLosses().flatMap((e) => [e.name, ...e.aliases.map((a) => a.name)]);
  const covered = new Set<string>();
  for (const name of names) {
    const fn = getLoss(name);
    const make = CASES[fn.lossName];
    if (make === undefined) continue;
    covered.add(fn.lossName);
    it(`${name} (${fn.lossName})`, async () => {
      const c = make(fn);
      for (const o of c.options) {
        // The reference: one thread.
        await disableThreads();
        const ref = fn.valueAndGrad(c.yTrue, c.yPred, o);
        await enableThreads({ threads: 2, minElements: 0 });
        for (const mainClaims of [true, false]) {
          setMainClaimsForTest(mainClaims);
          const before = threadsInfo();
          const got = fn.valueAndGrad(c.yTrue, c.yPred, o);
          const after = threadsInfo();
          const label = `${name} ${JSON.stringify(o)} mainClaims=${mainClaims}`;
          if (c.parallel === false) {
            expect(after.calls - before.calls, label).toBe(0);
          } else {
            expect(after.calls - before.calls, `${label}: the pool took the call`).toBe(1);
            if (!mainClaims) expect(after.workerChunks - before.workerChunks, label).toBe(4);
          }
          identical(flat(got.value), flat(ref.value), `${label} value`);
          identical(got.grad.data, ref.grad.data, `${label} grad`);
        }
      }
    });
  }
  it('covers every loss the pool is written for', () => {
    expect([...covered].sort()).toEqual(Object.keys(CASES).sort());
  });
  it('crossEntropy with probability targets and three threads', async () => {
    await enableThreads({ threads: 3, minElements: 0 });
    const z = real();
    const t = soft().data;
    for (let r = 0; r < SHAPE[0]; r++) {
      let s = 0;
      for (let c = 0; c < SHAPE[1]; c++) s += t[r * SHAPE[1] + c];
      for (let c = 0; c < SHAPE[1]; c++) t[r * SHAPE[1] + c] /= s;
    }
    const yTrue = { data: t, shape: SHAPE };
    const got = getLoss('crossEntropy').valueAndGrad(yTrue, z, { labelSmoothing: 0.05 });
    expect(threadsInfo().calls).toBe(1);
    await disableThreads();
    const ref = getLoss('crossEntropy').valueAndGrad(yTrue, z, { labelSmoothing: 0.05 });
    identical(flat(got.value), flat(ref.value), 'value');
    identical(got.grad.data, ref.grad.data, 'grad');
    await enableThreads({ threads: 2, minElements: 0 });
  });
});

describe('createThreadsArena: inputs and gradOut in the shared memory, nothing copied', () => {
  afterEach(async () => {
    await disableThreads();
  });
  it('null without threads; arena calls are bit-identical to one thread and write gradOut in place', async () => {
    expect(createThreadsArena(1024)).toBeNull();
    // a bad size is an error with threads off too (it returned null)
    expectLosskitError(() => createThreadsArena(-1), 'INVALID_OPTION', "'bytes' must be a positive integer");
    await enableThreads({ threads: 2, minElements: 0 });
    expectLosskitError(() => createThreadsArena(0), 'INVALID_OPTION', "'bytes' must be a positive integer");
    const arena = createThreadsArena(24 * n + 4096);
    if (arena === null) throw new Error('arena');
    const put = (a: Float32Array) => {
      const v = arena.float32(a.length);
      v.set(a);
      return v;
    };
    const y = bits().data;
    const x = real().data;
    const labels = f32(SHAPE[0], (i) => (i * 7) % SHAPE[1]);
    const cases: [
      LossFunction,
      Float32Array | { data: Float32Array; shape: number[] },
      { data: Float32Array; shape: number[] },
    ][] = [
      [getLoss('binaryCrossEntropyWithLogits'), put(y), { data: put(x), shape: [n] }],
      [getLoss('crossEntropy'), put(labels), { data: put(x), shape: SHAPE }],
    ];
    const gradOut = arena.float64(n);
    const refs: { value: number | Tensor; grad: Float64Array }[] = [];
    for (const [fn, yt, yp] of cases) {
      const before = threadsInfo().calls;
      const got = fn.valueAndGrad(yt, yp, { gradOut });
      expect(threadsInfo().calls - before).toBe(1);
      expect(got.grad.data).toBe(gradOut);
      refs.push({ value: got.value, grad: Float64Array.from(gradOut) });
    }
    await disableThreads();
    const plain = [
      [y, { data: x, shape: [n] }],
      [labels, { data: x, shape: SHAPE }],
    ] as const;
    cases.forEach(([fn], i) => {
      // the same gradient dtype as the arena call (a float64 gradOut; without one a float32 yPred gets float32)
      const ref = fn.valueAndGrad(plain[i][0], plain[i][1], { gradOut: new Float64Array(n) });
      identical(flat(refs[i].value), flat(ref.value), `${fn.lossName} value`);
      identical(refs[i].grad, ref.grad.data, `${fn.lossName} grad`);
    });
    expect(arena.free).toBeGreaterThanOrEqual(0);
  });
});

describe('createThreadsArena: memory-bound losses split when their inputs are in the arena', () => {
  afterEach(async () => {
    await disableThreads();
  });
  it('MSE, MAE, Huber, smooth L1: bit-identical to the core WASM kernel on a createWasmArena, any number of threads', async () => {
    const y = real().data;
    const x = real().data;
    const core = createWasmArena(16 * n + 4096);
    if (core === null) throw new Error('wasm arena');
    const cy = core.float32(n);
    cy.set(y);
    const cx = core.float32(n);
    cx.set(x);
    const losses = ['meanSquaredError', 'meanAbsoluteError', 'huber', 'smoothL1'].map((k) => getLoss(k));
    const opts: LossOptions[] = [{}, { reduction: 'none' }, { sampleWeight: sw }];
    // the reference: one thread, the core's WASM kernel on resident inputs
    const refs = losses.flatMap((fn) =>
      opts.map((o) => fn.valueAndGrad({ data: cy, shape: SHAPE }, { data: cx, shape: SHAPE }, o)),
    );
    for (const threads of [2, 3]) {
      await enableThreads({ threads, minElements: 0 });
      const arena = createThreadsArena(16 * n + 4096);
      if (arena === null) throw new Error('arena');
      const ay = arena.float32(n);
      ay.set(y);
      const ax = arena.float32(n);
      ax.set(x);
      let i = 0;
      for (const fn of losses) {
        for (const o of opts) {
          for (const mainClaims of [true, false]) {
            setMainClaimsForTest(mainClaims);
            const before = threadsInfo().calls;
            const got = fn.valueAndGrad({ data: ay, shape: SHAPE }, { data: ax, shape: SHAPE }, o);
            const label = `${fn.lossName} ${JSON.stringify(o)} threads=${threads} mainClaims=${mainClaims}`;
            expect(threadsInfo().calls - before, `${label}: the pool took the call`).toBe(1);
            identical(flat(got.value), flat(refs[i].value), `${label} value`);
            identical(got.grad.data, refs[i].grad.data, `${label} grad`);
          }
          i++;
        }
      }
      setMainClaimsForTest(true);
      // copied inputs stay on one thread (the JS kernel)
      getLoss('meanSquaredError').valueAndGrad(y, x);
      expect(threadsInfo().calls).toBe(4 * opts.length * 2);
    }
  });
});

describe('enableThreads: what stays on one thread', () => {
  afterEach(async () => {
    await disableThreads();
  });
  const bce = getLoss('binaryCrossEntropyWithLogits');
  it('float64 inputs, backend js, memory-bound losses, calls under minElements or of one chunk', async () => {
    await enableThreads({ threads: 2, minElements: 200_000 });
    const y = bits();
    const x = real();
    const calls = () => threadsInfo().calls;
    bce.valueAndGrad(Float64Array.from(y.data), Float64Array.from(x.data));
    expect(calls()).toBe(0);
    setBackend('js');
    bce.valueAndGrad(y, x);
    expect(calls()).toBe(0);
    setBackend('auto');
    getLoss('meanSquaredError').valueAndGrad(y, x);
    expect(calls()).toBe(0);
    const m = 150_000;
    bce.valueAndGrad(y.data.subarray(0, m), x.data.subarray(0, m));
    expect(calls()).toBe(0);
    await enableThreads({ threads: 2, minElements: 0 });
    bce.valueAndGrad(y.data.subarray(0, 65_536), x.data.subarray(0, 65_536));
    expect(threadsInfo().calls).toBe(0);
    bce.valueAndGrad(y, x);
    expect(threadsInfo().calls).toBe(1);
  });
  it('threadsInfo and the options', async () => {
    expect(threadsInfo()).toMatchObject({ threads: 1, ready: false });
    const info = await enableThreads();
    expect(info).toMatchObject({ threads: 2, ready: true, minElements: 1 << 17, calls: 0 });
    await expect(enableThreads({ threads: 1 })).rejects.toMatchObject({ code: 'INVALID_OPTION', argument: 'threads' });
    await expect(enableThreads({ threads: 2.5 })).rejects.toThrow(/'threads' must be an integer >= 2; received 2.5/);
    await expect(enableThreads({ minElements: -1 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(enableThreads({ thread: 2 } as never)).rejects.toThrow(/unknown option 'thread'/);
    await disableThreads();
    expect(threadsInfo().threads).toBe(1);
  });
});

describe('enableThreads: failures surface as LosskitError, never a hang', () => {
  afterEach(async () => {
    await disableThreads();
  });
  it('a worker that throws: THREAD_FAILED with its message, threads disabled', async () => {
    await enableThreads({ threads: 2, minElements: 0 });
    setMainClaimsForTest(false);
    expectLosskitError(() => runTestJobForTest(JOB_TEST_THROW), 'THREAD_FAILED', 'test failure injected into a worker');
    expect(threadsInfo().threads).toBe(1);
    // The next call runs on one thread.
    const r = getLoss('binaryCrossEntropyWithLogits').valueAndGrad(bits(), real());
    expect(Number.isFinite(r.value)).toBe(true);
  });
  it('a worker that hangs: THREAD_FAILED after timeoutMs without progress', async () => {
    await enableThreads({ threads: 2, minElements: 0, timeoutMs: 300 });
    setMainClaimsForTest(false);
    const t0 = Date.now();
    expectLosskitError(() => runTestJobForTest(JOB_TEST_HANG), 'THREAD_FAILED', 'no progress', '300 ms');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(threadsInfo().threads).toBe(1);
  });
});

describe('enableThreads: process lifetime', () => {
  it('an enabled pool does not keep the process alive', () => {
    const t = transpileSrc();
    try {
      const script = join(t.root, 'run.mjs');
      writeFileSync(
        script,
        `import { enableThreads } from './src/node/index.js';\n` +
          `import { getLoss } from './src/index.js';\n` +
          `const info = await enableThreads({ threads: 2, minElements: 0 });\n` +
          `const n = 300000;\n` +
          `const y = new Float32Array(n).fill(1), x = new Float32Array(n).fill(0.5);\n` +
          `const r = getLoss('binaryCrossEntropyWithLogits').valueAndGrad(y, x);\n` +
          `console.log(JSON.stringify({ ready: info.ready, value: r.value }));\n`,
      );
      const out = execFileSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
      const res = JSON.parse(out) as { ready: boolean; value: number };
      expect(res.ready).toBe(true);
      expect(res.value).toBeCloseTo(Math.log1p(Math.exp(-0.5)), 6);
    } finally {
      t.cleanup();
    }
  });
});
