/**
 * The parallel-executor slot of the WASM kernels: empty in the core (browser-safe, no threads),
 * filled by `losskit/node`'s `enableThreads()` (src/node/threads), which splits a call's chunks
 * (see `CHUNK` in `kernels.ts`) between the main thread and `worker_threads` over shared memory.
 *
 * Contract of an executor: it computes exactly what `wasmElementwise` / `wasmCrossEntropy` /
 * `wasmCtc` compute (the same kernels, the same fixed chunks — CTC: one sequence per chunk — the
 * per-chunk sums added in chunk order, so the result does not depend on the number of threads), or returns `undefined` to decline the
 * call (too small, not float32, backend `'js'`, threads not ready), and the single-thread path
 * runs. It may throw a `LosskitError` (a worker failed); it never hangs.
 */
import type { CrossEntropyCall, CtcCall, ElementwiseCall } from './kernels.js';

export interface ParallelExecutor {
  elementwise(call: ElementwiseCall): number | undefined;
  crossEntropy(call: CrossEntropyCall): number | undefined;
  /** CTC: the batch's sequences spread over the threads (each sequence on one thread). */
  ctc(call: CtcCall): Float64Array | undefined;
}

let executor: ParallelExecutor | null = null;

/** Installs `next` (null: none) and returns the previous executor. */
export function setParallelExecutor(next: ParallelExecutor | null): ParallelExecutor | null {
  const prev = executor;
  executor = next;
  return prev;
}

/** The installed executor, or null. */
export function parallelExecutor(): ParallelExecutor | null {
  return executor;
}
