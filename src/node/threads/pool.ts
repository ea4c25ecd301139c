/**
 * Two (or more) cores for large loss calls: `enableThreads()` installs a parallel executor into
 * the core's slot (src/wasm/parallel.ts). See docs/threads.md for the design and the threshold.
 *
 * The executor owns its own instance of the WASM SIMD kernels, built on a shared
 * `WebAssembly.Memory` (scripts/build-wasm-threads.mjs); each worker instantiates the same module
 * on the same memory. A call copies its inputs into that memory once (as the single-thread path
 * copies them into its own), publishes a job, and the main thread and the workers claim the
 * call's fixed chunks (`CHUNK` elements, or rows for cross-entropy) one at a time; each chunk's
 * sum goes to its own slot and the main thread adds the slots in chunk order, exactly as the
 * single-thread loop does. Results are therefore bit-identical for any number of threads.
 */
import { Worker } from 'node:worker_threads';
import { LosskitError, describe } from '../../errors.js';
import { checkOptionNames } from '../../validate.js';
import type { FloatArray } from '../../tensor.js';
import { CHUNK, KIND, MEMORY_BOUND } from '../../wasm/kernels.js';
import type { CrossEntropyCall, CtcCall, ElementwiseCall } from '../../wasm/kernels.js';
import type { ParallelExecutor } from '../../wasm/parallel.js';
import { parallelExecutor, setParallelExecutor } from '../../wasm/parallel.js';
import { getBackend } from '../../wasm/runtime.js';
import { align16 as align, bumpArena, checkArenaBytes } from '../../wasm/arena.js';
import { SHARED_WASM_BASE64 } from './binary.js';
import type { ChunkExports } from './protocol.js';
import {
  COPIED,
  CTRL_WORDS,
  DESC_WORDS,
  DONE,
  D_ARGS,
  D_BASE,
  D_CHUNKS,
  D_G32,
  D_PARTIALS,
  D_TYPE,
  ERR,
  JOB_CE,
  JOB_CTC,
  JOB_EW,
  MSG_BYTES,
  QUIT,
  READY,
  SEQ,
  WCHUNKS,
  CTC_ROW,
  runChunk,
  workerSource,
} from './protocol.js';

/** Options of {@link enableThreads}. */
export interface ThreadsOptions {
  /** Threads computing a call, the main thread included (≥ 2; default 2). */
  threads?: number;
  /**
   * Calls with fewer elements (logits for cross-entropy, recursion cells Σ Tₙ·(2Lₙ + 1) for CTC)
   * stay on one thread. Default
   * {@link DEFAULT_MIN_ELEMENTS}; below a few chunks the wake-up of a worker costs more than it
   * saves.
   */
  minElements?: number;
  /** A call whose workers make no progress for this long fails (default 10,000 ms). */
  timeoutMs?: number;
}

/** What {@link threadsInfo} reports. */
export interface ThreadsInfo {
  /** Threads per call (1 when disabled). */
  threads: number;
  /** Workers instantiated and waiting for work. */
  ready: boolean;
  minElements: number;
  /** Calls the executor split since it was enabled, and chunks computed by workers. */
  calls: number;
  workerChunks: number;
}

/**
 * Default threshold: 2^17 = 131,072 elements (2 chunks; logits for cross-entropy; recursion cells
 * for CTC). `node bench/threads.mjs --sweep` measures the crossover (2^17…2^21, BCE, cross-entropy
 * and CTC): on the quiet development VM (2026-12-01 04:07 UTC, load average 1.2–1.4 with the sweep
 * itself running) every case gained already at 2^17 — BCE-with-logits ×1.47, cross-entropy
 * 8192×16 ×1.36, 128×1024 ×1.19, CTC ×1.52 — and ×1.48–1.84 from 2^19 up, every result
 * bit-identical. Sizes below 2^17 were not measured, so the default stops there. On a loaded
 * machine (load average near or above the core count) a woken worker waits for a core and no
 * size gains (0.5–1.05× measured at load 1.8–16): `disableThreads()` there.
 */
export const DEFAULT_MIN_ELEMENTS = 1 << 17;

interface WasmMemoryShared {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemoryShared;
}
// Typed locally: the `lib` of the build has no WebAssembly declarations.
const wasmGlobal: unknown = Reflect.get(globalThis, 'WebAssembly');
const WA = wasmGlobal as WasmApi;

let compiled: object | null = null;
function sharedModule(): object {
  if (compiled === null) compiled = new WA.Module(Buffer.from(SHARED_WASM_BASE64, 'base64'));
  return compiled;
}

class ThreadPool implements ParallelExecutor {
  readonly threads: number;
  readonly minElements: number;
  readonly timeoutMs: number;
  calls = 0;
  private readonly memory: WasmMemoryShared;
  private readonly ex: ChunkExports;
  private readonly heapBase: number;
  private readonly ctrl: Int32Array;
  private readonly claim: BigInt64Array;
  private readonly desc: Float64Array;
  private readonly msg: Uint8Array;
  private readonly workers: Worker[] = [];
  /** Set by a worker's asynchronous 'error' / 'exit' event, reported at the next call. */
  private lost: string | null = null;
  private closed = false;
  /** Test hook: the main thread claims no chunk (the workers compute all of them). */
  mainClaims = true;
  readonly ready: Promise<void>;

  constructor(threads: number, minElements: number, timeoutMs: number) {
    this.threads = threads;
    this.minElements = minElements;
    this.timeoutMs = timeoutMs;
    const module = sharedModule();
    this.memory = new WA.Memory({ initial: 17, maximum: 65536, shared: true });
    const abort = (): never => {
      throw new Error('losskit wasm: abort');
    };
    const inst = new WA.Instance(module, { env: { memory: this.memory, abort } }).exports;
    this.ex = inst as ChunkExports;
    this.heapBase = align((inst.heapBase as () => number)());
    this.scratchBase = this.heapBase;
    this.buffers.add(this.memory.buffer);
    const ctrl = new SharedArrayBuffer(4 * CTRL_WORDS);
    const claim = new SharedArrayBuffer(8);
    const desc = new SharedArrayBuffer(8 * DESC_WORDS);
    const msg = new SharedArrayBuffer(MSG_BYTES);
    this.ctrl = new Int32Array(ctrl);
    this.claim = new BigInt64Array(claim);
    this.desc = new Float64Array(desc);
    this.msg = new Uint8Array(msg);
    const src = workerSource();
    const started: Promise<void>[] = [];
    for (let t = 1; t < threads; t++) {
      const w = new Worker(src, {
        eval: true,
        workerData: { module, memory: this.memory, ctrl, claim, desc, msg, index: t },
      });
      // Referenced until it is ready (an awaited enableThreads() keeps the process alive), then
      // unreferenced: an idle pool never keeps the process alive.
      w.on('error', (e: unknown) => {
        this.lost ??= `a worker failed: ${e instanceof Error ? e.message : String(e)}`;
      });
      w.on('exit', (code: number) => {
        if (!this.closed) this.lost ??= `a worker exited (code ${code})`;
      });
      this.workers.push(w);
      started.push(
        new Promise<void>((resolve, reject) => {
          w.once('online', () => resolve());
          w.once('error', reject);
        }),
      );
    }
    const unref = (): void => {
      for (const w of this.workers) w.unref();
    };
    this.ready = Promise.all(started)
      .then(() => this.waitInstantiated())
      .finally(unref);
  }

  /** Resolves once every worker instantiated the module (polls the READY word, briefly). */
  private async waitInstantiated(): Promise<void> {
    for (let i = 0; i < 2000; i++) {
      const r = Atomics.load(this.ctrl, READY);
      if (r < 0 || this.lost !== null) break;
      if (r === this.workers.length) return;
      await new Promise((res) => setTimeout(res, 5));
    }
    throw this.failure('enableThreads', this.lost ?? this.workerMessage() ?? 'the workers did not start');
  }

  get isReady(): boolean {
    return !this.closed && Atomics.load(this.ctrl, READY) === this.workers.length;
  }

  get workerChunks(): number {
    return Atomics.load(this.ctrl, WCHUNKS);
  }

  private workerMessage(): string | null {
    const end = this.msg.indexOf(0);
    const text = new TextDecoder().decode(this.msg.slice(0, end < 0 ? this.msg.length : end));
    return text === '' ? null : text;
  }

  private failure(fn: string, what: string): LosskitError {
    return new LosskitError(
      'THREAD_FAILED',
      fn,
      `${what}; threads are now disabled (the call can be repeated on one thread, or enableThreads() called again)`,
    );
  }

  /** Terminates the workers (idempotent). */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    Atomics.store(this.ctrl, QUIT, 1);
    Atomics.add(this.ctrl, SEQ, 2);
    Atomics.notify(this.ctrl, SEQ);
    return Promise.all(this.workers.map((w) => w.terminate())).then(() => undefined);
  }

  private usable(size: number): boolean {
    if (this.closed || size < this.minElements || getBackend().backend === 'js') return false;
    if (this.lost !== null) {
      const why = this.lost;
      this.shutDown();
      throw this.failure('enableThreads', why);
    }
    return this.isReady;
  }

  private shutDown(): void {
    if (parallelExecutor() === this) setParallelExecutor(null);
    void this.close();
  }

  // ---- memory ------------------------------------------------------------------------------

  private top = 0;
  /** Start of the per-call scratch area (above every arena). */
  private scratchBase = 0;
  /** Inputs to copy in: [offset, array, bytes per unit (0: whole, before the job starts)]. */
  private copies: [number, ArrayBufferView, number][] = [];
  /** Outputs to copy out: [offset, array, bytes per unit]. */
  private outs: [number, FloatArray, number][] = [];
  /** Units (elements or rows) per chunk and in all, for the per-chunk copies. */
  private unit = { perChunk: 1, total: 0 };
  /** Every buffer object the shared memory had (a growth gives a new one; old views stay valid). */
  private readonly buffers = new Set<ArrayBufferLike>();

  private buffer(): SharedArrayBuffer {
    const b = this.memory.buffer;
    this.buffers.add(b);
    return b;
  }
  /** True when `a` is a view of the shared memory (an arena array): no copy needed. */
  resident(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }
  private begin(perChunk: number, total: number): void {
    this.top = this.scratchBase;
    this.copies = [];
    this.outs = [];
    this.unit = { perChunk, total };
  }
  private alloc(bytes: number): number {
    const p = this.top;
    this.top = align(p + bytes + 32); // slack: kernels may touch a vector past the end
    return p;
  }
  /** An input's offset: itself if resident, else scratch filled chunk by chunk (`unitBytes` per
   * element or row; 0: all of it before the job starts). */
  private place(a: ArrayBufferView, unitBytes: number): number {
    if (this.resident(a)) return a.byteOffset;
    const p = this.alloc(a.byteLength);
    this.copies.push([p, a, unitBytes]);
    return p;
  }
  /** An output's offset: the caller's array if resident, else scratch copied out chunk by chunk. */
  private output(a: FloatArray, unitBytes: number): number {
    if (this.resident(a)) return a.byteOffset;
    const p = this.alloc(a.byteLength);
    this.outs.push([p, a, unitBytes]);
    return p;
  }
  /** The byte range of chunk `k` for an array of `unitBytes` per unit. */
  private range(k: number, unitBytes: number): [number, number] {
    const { perChunk, total } = this.unit;
    const first = k * perChunk;
    return [first * unitBytes, Math.min(perChunk, total - first) * unitBytes];
  }
  /** Copies chunk `k` of every per-chunk input into the shared memory. */
  private copyInChunk(buf: SharedArrayBuffer, k: number): void {
    for (const [p, a, ub] of this.copies) {
      if (ub === 0) continue;
      const [off, len] = this.range(k, ub);
      new Uint8Array(buf, p + off, len).set(new Uint8Array(a.buffer, a.byteOffset + off, len));
    }
  }
  /** Copies chunk `k` of every output out of the shared memory. */
  private copyOutChunk(buf: SharedArrayBuffer, k: number): void {
    for (const [p, a, ub] of this.outs) {
      const [off, len] = this.range(k, ub);
      new Uint8Array(a.buffer, a.byteOffset + off, len).set(new Uint8Array(buf, p + off, len));
    }
  }
  /** Grows the memory to `end` bytes; false when it cannot. */
  grow(end: number): boolean {
    const have = this.buffer().byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / 65536));
      } catch {
        return false;
      }
    }
    return true;
  }
  /** Grows the memory and copies the whole-array inputs in; false when it cannot grow (the
   * per-chunk inputs are copied by {@link run}, overlapping the workers' first chunks). */
  private commit(): boolean {
    if (!this.grow(this.top)) return false;
    const buf = this.buffer();
    for (const [p, a, ub] of this.copies) {
      if (ub !== 0) continue;
      new Uint8Array(buf, p, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    }
    return true;
  }

  /** Reserves `bytes` of the shared memory for an arena (below the scratch area). */
  reserve(bytes: number): { base: number; end: number; buffer: () => SharedArrayBuffer } {
    const base = this.scratchBase;
    const end = align(base + bytes);
    // The arena plus 1 MiB of scratch, so that small calls do not grow the memory.
    if (!this.grow(end + (1 << 20))) {
      throw new LosskitError(
        'INVALID_OPTION',
        'createThreadsArena',
        `cannot reserve ${bytes} bytes of shared memory (4 GiB at most, minus what is reserved)`,
        'bytes',
      );
    }
    this.scratchBase = end;
    return { base, end, buffer: () => this.buffer() };
  }

  // ---- executor ----------------------------------------------------------------------------

  elementwise(c: ElementwiseCall): number | undefined {
    const { n, w, out, grad } = c;
    if (!(c.yPred instanceof Float32Array) || !(c.yTrue instanceof Float32Array)) return undefined;
    // Memory-bound losses split only when both inputs are already in the shared memory (a
    // createThreadsArena): otherwise the main thread's copy into it (the workers cannot read the
    // caller's ordinary ArrayBuffers) costs as much as the whole one-thread JS loop (MSE 4M: 8 ms
    // on one thread, 17 ms split with the copy, bench/threads.mjs). Their arena calls compute what
    // the core's WASM kernel computes on a createWasmArena (the same chunks, in order).
    if (MEMORY_BOUND.has(c.kind) && !(this.resident(c.yPred) && this.resident(c.yTrue))) return undefined;
    const nChunks = Math.ceil(n / CHUNK);
    if (nChunks < 2 || !this.usable(n)) return undefined;
    const g32 = grad instanceof Float32Array;
    if ((g32 ? this.ex.ew_g32 : this.ex.ew_g64) === undefined) return undefined;
    this.begin(CHUNK, n);
    const yt = this.place(c.yTrue, 4);
    const yp = this.place(c.yPred, 4);
    const pw = w === null ? 0 : this.place(w, 8);
    const po = out === null ? 0 : this.output(out, 8);
    const gb = grad === null ? 8 : grad.BYTES_PER_ELEMENT;
    const pg = grad === null ? 0 : this.output(grad, gb);
    const parts = this.alloc(nChunks * 8);
    if (!this.commit()) return undefined;
    const p = c.params ?? [];
    const kind = KIND[c.kind];
    // d[5..] = kind, n, yt, yp, w, scale, out, grad, gradBytes, chunk, p0, p1, p2, p3 (see runChunk)
    const args = [kind, n, yt, yp, pw, c.scale, po, pg, gb, CHUNK, p[0] ?? 0, p[1] ?? 1, p[2] ?? 0, p[3] ?? -1];
    return this.run(JOB_EW, g32, nChunks, parts, args);
  }

  crossEntropy(c: CrossEntropyCall): number | undefined {
    const { N, C, labels, probs, w, out, grad } = c;
    if (!(c.z instanceof Float32Array)) return undefined;
    if (probs !== null && !(probs instanceof Float32Array)) return undefined;
    if (labels !== null && !(labels instanceof Float32Array || labels instanceof Float64Array)) return undefined;
    const rows = Math.max(1, Math.floor(CHUNK / C));
    const nChunks = Math.ceil(N / rows);
    if (nChunks < 2 || !this.usable(N * C)) return undefined;
    const g32 = grad instanceof Float32Array;
    if ((g32 ? this.ex.ce_g32 : this.ex.ce_g64) === undefined) return undefined;
    this.begin(rows, N);
    const pz = this.place(c.z, 4 * C);
    const pl = labels === null ? 0 : this.place(labels, labels.BYTES_PER_ELEMENT);
    const pp = probs === null ? 0 : this.place(probs, 4 * C);
    const cw = c.cw === null ? null : c.cw instanceof Float64Array ? c.cw : Float64Array.from(c.cw);
    const pcw = cw === null ? 0 : this.place(cw, 0);
    const pw = w === null ? 0 : this.place(w, 8);
    const po = out === null ? 0 : this.output(out, 8);
    const gb = grad === null ? 8 : grad.BYTES_PER_ELEMENT;
    const pg = grad === null ? 0 : this.output(grad, gb * C);
    const parts = this.alloc(nChunks * 8);
    if (!this.commit()) return undefined;
    const lb = labels === null ? 8 : labels.BYTES_PER_ELEMENT;
    // d[5..] = N, C, z, labels, labelBytes, probs, cw, ls, ignoreIndex, w, scale, out, grad, gradBytes, rows
    const args = [N, C, pz, pl, lb, pp, pcw, c.ls, c.ignoreIndex, pw, c.scale, po, pg, gb, rows];
    return this.run(JOB_CE, g32, nChunks, parts, args);
  }

  /**
   * CTC: one chunk per sequence (the sequence kernel of the single-thread path, on the thread
   * that claims it, in that thread's own α/β/work area), so each sequence's nll and gradient
   * rows are the one-thread ones bit for bit. The size compared with `minElements` is the
   * recursion's cells, Σ Tₙ·(2Lₙ + 1).
   */
  ctc(c: CtcCall): Float64Array | undefined {
    const { lp, T, N, C, grad } = c;
    if (!(lp instanceof Float32Array)) return undefined;
    const nll = new Float64Array(N);
    const seqs: number[] = [];
    let cells = 0;
    for (let n = 0; n < N; n++) {
      if (!c.active(n)) continue;
      const Tn = c.inputLengths === null ? T : c.inputLengths[n];
      if (c.tl[n] > Tn) nll[n] = Infinity;
      else {
        seqs.push(n);
        cells += Tn * (2 * c.tl[n] + 1);
      }
    }
    if (seqs.length < 2 || !this.usable(cells)) return undefined;
    const g32 = grad instanceof Float32Array;
    if ((g32 ? this.ex.ctc_g32 : this.ex.ctc_g64) === undefined) return undefined;
    this.begin(1, seqs.length);
    const plp = this.place(lp, 0);
    const resident = grad !== null && this.resident(grad);
    const pg = grad === null ? 0 : resident ? grad.byteOffset : this.alloc(grad.byteLength);
    const table = this.alloc(seqs.length * 8 * CTC_ROW);
    const ext = this.alloc(seqs.length * c.maxS * 4);
    const cellBytes = align(c.maxCells * 8 + 32);
    const betaAt = grad === null ? 0 : cellBytes;
    const workAt = grad === null ? cellBytes : 2 * cellBytes;
    const per = workAt + align((4 * (c.maxS + 8) + C + 8) * 8 + 32);
    const scratch = this.alloc(per * this.threads);
    const parts = this.alloc(seqs.length * 8);
    if (!this.commit()) return undefined;
    const buf = this.buffer();
    const tStride = c.timeMajor ? N * C : C;
    const rowOf = (n: number, t: number): number => (c.timeMajor ? t * N + n : n * T + t) * C;
    const gview =
      grad === null ? null : g32 ? new Float32Array(buf, pg, grad.length) : new Float64Array(buf, pg, grad.length);
    // Rows no kernel call writes are 0: frames t ≥ Tₙ, and every frame of a skipped sequence.
    const zero = (n: number, from: number, to: number): void => {
      if (gview !== null) for (let t = from; t < to; t++) gview.fill(0, rowOf(n, t), rowOf(n, t) + C);
    };
    const tab = new Float64Array(buf, table, seqs.length * CTC_ROW);
    const ev = new Int32Array(buf, ext, seqs.length * c.maxS);
    let k = 0;
    for (let n = 0; n < N; n++) {
      const Tn = c.inputLengths === null ? T : c.inputLengths[n];
      if (seqs[k] !== n) {
        zero(n, 0, T);
        continue;
      }
      zero(n, Tn, T);
      const S = 2 * c.tl[n] + 1;
      const o = c.tOff[n];
      for (let i = 0; i < S; i++) ev[k * c.maxS + i] = i % 2 === 0 ? c.blank : c.target[o + ((i - 1) >> 1)];
      tab.set([n, c.timeMajor ? n * C : n * T * C, Tn, S, ext + 4 * k * c.maxS, c.g[n]], k * CTC_ROW);
      k++;
    }
    // d[5..] = lp, tStride, C, blank, table, grad, pyt, scratch, per, betaAt, workAt (see runChunk)
    const args = [plp, tStride, C, c.blank, table, pg, c.pytorchGrad ? 1 : 0, scratch, per, betaAt, workAt];
    this.run(JOB_CTC, g32, seqs.length, parts, args);
    const partials = new Float64Array(this.buffer(), parts, seqs.length);
    seqs.forEach((n, i) => {
      nll[n] = partials[i];
      // no alignment: the kernel returned before writing its gradient rows
      if (partials[i] === Infinity) zero(n, 0, c.inputLengths === null ? T : c.inputLengths[n]);
    });
    if (grad !== null && gview !== null && !resident) grad.set(gview);
    return nll;
  }

  /** Test hook: a job of a test type over two chunks, nothing to copy. */
  testJob(type: number): void {
    this.begin(1, 2);
    this.run(type, false, 2, this.alloc(16), []);
  }

  /** Publishes a job, computes chunks until none is left, waits for the workers, sums in order. */
  run(type: number, g32: boolean, nChunks: number, parts: number, args: readonly number[]): number {
    const { ctrl, claim, desc } = this;
    const base = Atomics.load(claim, 0);
    const end = base + BigInt(nChunks);
    // Publish under the odd/even lock (see protocol.ts).
    Atomics.add(ctrl, SEQ, 1);
    desc[D_TYPE] = type;
    desc[D_BASE] = Number(base);
    desc[D_CHUNKS] = nChunks;
    desc[D_G32] = g32 ? 1 : 0;
    desc[D_PARTIALS] = parts;
    for (let i = 0; i < args.length; i++) desc[D_ARGS + i] = args[i];
    Atomics.store(ctrl, DONE, 0);
    const perChunkCopies = this.copies.some((x) => x[2] !== 0);
    Atomics.store(ctrl, COPIED, perChunkCopies ? 0 : nChunks);
    Atomics.add(ctrl, SEQ, 1);
    Atomics.notify(ctrl, SEQ);
    this.calls++;
    const d = desc.slice();
    const buf = this.buffer();
    const partials = new Float64Array(buf, parts, nChunks);
    // Copy the inputs in chunk order; the workers start on chunk k as soon as it is in place.
    if (perChunkCopies) {
      for (let k = 0; k < nChunks; k++) {
        this.copyInChunk(buf, k);
        Atomics.store(ctrl, COPIED, k + 1);
        Atomics.notify(ctrl, COPIED);
      }
    }
    const mine: number[] = [];
    while (this.mainClaims) {
      const v = Atomics.load(claim, 0);
      if (v >= end) break;
      if (Atomics.compareExchange(claim, 0, v, v + 1n) !== v) continue;
      const ci = Number(v - base);
      try {
        partials[ci] = runChunk(this.ex, d, ci, 0, buf);
        this.copyOutChunk(buf, ci); // while the chunk's outputs are in the cache
        mine.push(ci);
      } catch (e) {
        this.shutDown();
        throw this.failure('enableThreads', `a chunk failed on the main thread: ${String(e)}`);
      }
      Atomics.add(ctrl, DONE, 1);
    }
    // Wait for the chunks the workers claimed; fail (never hang) on an error or no progress.
    let last = Atomics.load(ctrl, DONE);
    let deadline = Date.now() + this.timeoutMs;
    while (last < nChunks) {
      if (Atomics.load(ctrl, ERR) !== 0) {
        const why = this.workerMessage() ?? 'unknown error';
        this.shutDown();
        throw this.failure('enableThreads', `a worker failed: ${why}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        this.shutDown();
        throw this.failure(
          'enableThreads',
          `no progress from the workers for ${this.timeoutMs} ms (${last} of ${nChunks} chunks done)`,
        );
      }
      Atomics.wait(ctrl, DONE, last, left);
      const now = Atomics.load(ctrl, DONE);
      if (now !== last) deadline = Date.now() + this.timeoutMs;
      last = now;
    }
    // The workers' chunks' outputs.
    if (this.outs.length > 0) {
      const done = new Uint8Array(nChunks);
      for (const k of mine) done[k] = 1;
      for (let k = 0; k < nChunks; k++) if (done[k] === 0) this.copyOutChunk(buf, k);
    }
    // Chunk order, as the single-thread loop: `sum += f(chunk)`.
    let sum = 0;
    for (let i = 0; i < nChunks; i++) sum += partials[i];
    return sum;
  }
}

let pool: ThreadPool | null = null;

function intOption(name: string, v: unknown, min: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new LosskitError(
      'INVALID_OPTION',
      'enableThreads',
      `option '${name}' must be an integer >= ${min}; received ${describe(v)}`,
      name,
    );
  }
  return v;
}

/**
 * Splits large loss calls across `threads` threads (the main thread and `threads − 1`
 * `worker_threads`), for float32 inputs on the WASM kernels. Results are bit-identical to one
 * thread. Resolves when the workers are ready (calls made before run on one thread). Calling it
 * again replaces the previous pool. See docs/threads.md.
 */
export async function enableThreads(options: ThreadsOptions = {}): Promise<ThreadsInfo> {
  checkOptionNames('enableThreads', options, ['threads', 'minElements', 'timeoutMs']); // also a non-object
  const o = options as Record<string, unknown>;
  const threads = intOption('threads', o.threads, 2, 2);
  const minElements = intOption('minElements', o.minElements, 0, DEFAULT_MIN_ELEMENTS);
  const timeoutMs = intOption('timeoutMs', o.timeoutMs, 1, 10_000);
  await disableThreads();
  const p = new ThreadPool(threads, minElements, timeoutMs);
  pool = p;
  setParallelExecutor(p);
  try {
    await p.ready;
  } catch (e) {
    if (pool === p) pool = null;
    if (parallelExecutor() === p) setParallelExecutor(null);
    await p.close();
    throw e;
  }
  return threadsInfo();
}

/** Stops the workers; loss calls run on one thread again. */
export async function disableThreads(): Promise<void> {
  const p = pool;
  pool = null;
  if (p === null) return;
  if (parallelExecutor() === p) setParallelExecutor(null);
  await p.close();
}

/** The current threads setting. */
export function threadsInfo(): ThreadsInfo {
  const p = pool !== null && parallelExecutor() === pool ? pool : null;
  if (p === null) {
    return {
      threads: 1,
      ready: false,
      minElements: DEFAULT_MIN_ELEMENTS,
      calls: 0,
      workerChunks: 0,
    };
  }
  return {
    threads: p.threads,
    ready: p.isReady,
    minElements: p.minElements,
    calls: p.calls,
    workerChunks: p.workerChunks,
  };
}

/**
 * Typed arrays in the threads' shared memory, for training loops that reuse their buffers: a
 * loss called with arena inputs and an arena `gradOut` copies nothing in or out, on any number
 * of threads (the two-thread twin of the core's `createWasmArena`). Views never detach (shared
 * memory). Null when threads are not enabled; an arena belongs to the pool it was made in
 * (after `disableThreads` / a new `enableThreads`, its arrays are ordinary arrays again).
 */
export interface ThreadsArena {
  float32(n: number): Float32Array;
  float64(n: number): Float64Array;
  int32(n: number): Int32Array;
  /** Bytes still free in the arena. */
  readonly free: number;
  /** Frees every allocation (earlier views then alias later ones). */
  reset(): void;
}

/** Reserves `bytes` of the threads' shared memory for a {@link ThreadsArena}; null without threads. */
export function createThreadsArena(bytes: number): ThreadsArena | null {
  checkArenaBytes('createThreadsArena', bytes); // with threads on or off: a bad call fails the same way
  if (pool === null || parallelExecutor() !== pool) return null;
  const { base, end, buffer } = pool.reserve(bytes);
  return bumpArena('ThreadsArena', base, end, buffer);
}

/** Test hook (not exported by losskit/node): whether the main thread computes chunks too. */
export function setMainClaimsForTest(on: boolean): void {
  if (pool !== null) pool.mainClaims = on;
}

/** Test hook: publishes a job of a test type (a worker that throws or hangs). */
export function runTestJobForTest(type: number): void {
  if (pool === null) throw new Error('no pool');
  pool.testJob(type);
}
