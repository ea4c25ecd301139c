/**
 * The bump allocator behind `createWasmArena` (the kernels' memory) and losskit/node's
 * `createThreadsArena` (the threads' shared memory): typed arrays carved out of [base, end) of
 * one buffer, each 16-byte aligned and 32 bytes apart, freed all at once by `reset()`.
 * Browser-safe and dependency-free.
 */
import { LosskitError, describe } from '../errors.js';

/** Rounds a byte offset up to 16 (the alignment of the kernels' pointers). */
export function align16(x: number): number {
  return (x + 15) & ~15;
}

/** The `bytes` argument of an arena's creation: a positive integer, whether the arena can be made or not. */
export function checkArenaBytes(fn: string, bytes: unknown): void {
  if (!(typeof bytes === 'number' && Number.isInteger(bytes) && bytes > 0))
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `'bytes' must be a positive integer; received ${describe(bytes)}`,
      'bytes',
    );
}

/** Typed arrays in an arena (see {@link bumpArena}). */
export interface BumpArena {
  float32(n: number): Float32Array;
  float64(n: number): Float64Array;
  int32(n: number): Int32Array;
  /** Bytes left. */
  readonly free: number;
  /** Frees every allocation (earlier views then alias later ones). */
  reset(): void;
}

/** An arena over bytes [base, end) of `buffer()` (read at each allocation: a memory may grow); `name` for errors. */
export function bumpArena(name: string, base: number, end: number, buffer: () => ArrayBufferLike): BumpArena {
  let top = base;
  const take = (n: number, size: number): number => {
    if (!(Number.isInteger(n) && n >= 0))
      throw new LosskitError(
        'INVALID_OPTION',
        name,
        `'n' (the length) must be an integer >= 0; received ${describe(n)}`,
        'n',
      );
    const p = top;
    const next = align16(p + n * size + 32);
    if (next > end) throw new LosskitError('INVALID_OPTION', name, `${n * size} bytes requested, ${end - p} free`, 'n');
    top = next;
    return p;
  };
  return {
    float32: (n) => new Float32Array(buffer(), take(n, 4), n),
    float64: (n) => new Float64Array(buffer(), take(n, 8), n),
    int32: (n) => new Int32Array(buffer(), take(n, 4), n),
    get free() {
      return end - top;
    },
    reset: () => {
      top = base;
    },
  };
}
