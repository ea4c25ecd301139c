/**
 * The WASM SIMD backend's runtime: one module instance per process (or page), its memory, a
 * per-call scratch area and the arena for training loops. Browser-safe and dependency-free.
 *
 * It holds no module bytes: they come either from `losskit/wasm` (src/wasm/index.ts, which
 * inlines them and registers them with {@link provideWasmBytes}; Node's resolution of `losskit`
 * imports it) or from the application (`initWasm(fetch(url))`, the `.wasm` file shipped as
 * `losskit/kernels.wasm`). A bundle that does neither carries no kernel bytes.
 *
 * - With inlined bytes the module is compiled synchronously on the first call of a loss that can
 *   use it (Node, workers, browsers that allow it).
 * - Browsers refuse synchronous compiles of modules over 4 KB on the main thread: the first
 *   call starts an asynchronous compile and computes with the JS kernels until it is done.
 *   `await initWasm()` (or `wasmReady()`) waits for it.
 * - `setBackend('js')` turns the kernels off; `'wasm'` / `'auto'` (default) use them where they
 *   apply (float32 inputs; see `src/wasm/kernels.ts` for which losses and options).
 */
import { LosskitError, describe } from '../errors.js';
import { checkOneOf } from '../validate.js';
import { align16 as align, bumpArena, checkArenaBytes } from './arena.js';

/** The part of the `WebAssembly` global used here (typed locally: the core's `lib` is ES2022). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: WasmInstance }>;
}

/** What `fetch()` resolves to, as far as {@link initWasm} uses it. */
export interface WasmResponse {
  readonly ok?: boolean;
  readonly status?: number;
  readonly url?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}
/**
 * The kernels' module for {@link initWasm}: its bytes (the file `losskit/kernels.wasm`), a
 * `fetch()` response, or a promise of either (`initWasm(fetch(url))`).
 */
export type WasmModuleSource =
  ArrayBuffer | ArrayBufferView | WasmResponse | PromiseLike<ArrayBuffer | ArrayBufferView | WasmResponse>;
const WA: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** The module's exports (pointers are byte offsets into its memory; 0 means "absent"). */
export interface WasmExports {
  memory: WasmMemory;
  heapBase(): number;
  /** Float32-gradient variants: absent from builds that do not export them. */
  ew_g32: ElementwiseExport | null;
  ew_g64: ElementwiseExport;
  ce_g32: CrossEntropyExport | null;
  ce_g64: CrossEntropyExport;
  expArray(n: number, src: number, dst: number): void;
  logArray(n: number, src: number, dst: number): void;
  log1pArray(n: number, src: number, dst: number): void;
  softplusNegArray(n: number, src: number, dst: number): void;
  /** Every export of the instance (kernels look up the ones this interface does not list). */
  raw: Readonly<Record<string, unknown>>;
}
// WebAssembly exports take scalars only: the JS wrappers (kernels.ts) take one arguments object.
/* eslint-disable max-params */
export type ElementwiseExport = (
  kind: number,
  n: number,
  yt: number,
  yp: number,
  w: number,
  scale: number,
  out: number,
  grad: number,
  p0: number,
  p1: number,
  p2: number,
  p3: number,
) => number;
export type CrossEntropyExport = (
  N: number,
  C: number,
  z: number,
  labels: number,
  labelBytes: number,
  probs: number,
  cw: number,
  ls: number,
  ignoreIndex: number,
  w: number,
  scale: number,
  out: number,
  grad: number,
) => number;
/* eslint-enable max-params */

const BACKENDS = ['auto', 'js', 'wasm'] as const;
export type Backend = (typeof BACKENDS)[number];

let backend: Backend = 'auto';
let exportsRef: WasmExports | null = null;
let syncTried = false;
let pending: Promise<boolean> | null = null;
let failure: unknown = null;
/** The inlined module's bytes, registered by `losskit/wasm` (null: the application passes them). */
let bundled: (() => Uint8Array) | null = null;
/** Start of the per-call scratch area (above every arena). */
let scratchBase = 0;
let scratchTop = 0;

/** Base64 text → bytes (for the inlined module). */
export function decodeBase64(text: string): Uint8Array {
  const s = atob(text);
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

/**
 * Registers the inlined module (called by `losskit/wasm` when it is imported): from then on the
 * first loss call that can use the kernels compiles it, and `initWasm()` needs no argument.
 */
export function provideWasmBytes(get: () => Uint8Array): void {
  bundled = get;
  // A compile that failed only because no bytes were known may now succeed.
  if (exportsRef === null && failure === NO_SOURCE) {
    failure = null;
    syncTried = false;
  }
}

const NO_SOURCE =
  "losskit: the WASM kernels are not in this bundle: import 'losskit/wasm' (the module inlined), " +
  'or pass the module to initWasm(), e.g. initWasm(fetch(url of losskit/kernels.wasm))';

type Awaited1 = ArrayBuffer | ArrayBufferView | WasmResponse;

function isModuleSource(s: unknown, thenable: boolean): boolean {
  if (s instanceof ArrayBuffer || ArrayBuffer.isView(s)) return true;
  if (typeof s !== 'object' || s === null) return false;
  if (typeof (s as WasmResponse).arrayBuffer === 'function') return true;
  return thenable && typeof (s as PromiseLike<unknown>).then === 'function';
}

function badSource(s: unknown): LosskitError {
  return new LosskitError(
    'INVALID_INPUT',
    'initWasm',
    `'source' must be the module's bytes (ArrayBuffer or typed array), a fetch() Response or a promise of either; received ${describe(s)}`,
    'source',
  );
}

/** The bytes of a {@link WasmModuleSource}. */
async function bytesOf(source: WasmModuleSource): Promise<Uint8Array> {
  const s: unknown = await source;
  if (!isModuleSource(s, false)) throw badSource(s);
  const v = s as Awaited1;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v.ok === false)
    throw new Error(`losskit: fetching the WASM kernels failed: HTTP ${String(v.status)} for ${v.url ?? '?'}`);
  return new Uint8Array(await v.arrayBuffer());
}

function adopt(instance: WasmInstance): void {
  const e = instance.exports;
  const fn = <F>(name: string): F => {
    const f = e[name];
    if (typeof f !== 'function') throw new Error(`losskit wasm: export '${name}' missing`);
    return f as F;
  };
  const optional = <F>(name: string): F | null => (typeof e[name] === 'function' ? fn<F>(name) : null);
  const memory = e.memory;
  if (typeof memory !== 'object' || memory === null || !('buffer' in memory) || !('grow' in memory))
    throw new Error(`losskit wasm: export 'memory' missing`);
  exportsRef = {
    memory: memory as WasmMemory,
    heapBase: fn('heapBase'),
    ew_g32: optional('ew_g32'),
    ew_g64: fn('ew_g64'),
    ce_g32: optional('ce_g32'),
    ce_g64: fn('ce_g64'),
    expArray: fn('expArray'),
    logArray: fn('logArray'),
    log1pArray: fn('log1pArray'),
    softplusNegArray: fn('softplusNegArray'),
    raw: e,
  };
  scratchBase = scratchTop = align(exportsRef.heapBase());
}

const IMPORTS = {
  env: {
    abort: (): never => {
      throw new Error('losskit wasm: abort');
    },
  },
};

/**
 * Compiles and instantiates the kernels asynchronously (the only way on a browser's main
 * thread), from `source` when given, else from the bytes `losskit/wasm` inlined. Resolves to
 * true when the WASM backend is usable, false when it is not (no bytes known, no WebAssembly
 * SIMD, a Content-Security-Policy refusal, a failed fetch): `getBackend().error` says why, and
 * the JS kernels compute every loss.
 */
export function compileWasm(source?: WasmModuleSource): Promise<boolean> {
  if (source !== undefined && !isModuleSource(source, true)) throw badSource(source);
  if (exportsRef !== null) return Promise.resolve(true);
  if (source === undefined && pending !== null) return pending;
  if (source === undefined && bundled === null) {
    failure = NO_SOURCE;
    return Promise.resolve(false);
  }
  const get = bundled;
  const bytes = source !== undefined ? bytesOf(source) : Promise.resolve().then(() => (get as () => Uint8Array)());
  const run = bytes
    .then((b) => {
      if (WA === undefined) throw new Error('losskit: this platform has no WebAssembly');
      return WA.instantiate(b, IMPORTS);
    })
    .then((r) => {
      if (exportsRef === null) adopt(r.instance);
      failure = null; // an earlier refused synchronous compile is no longer the state
      return true;
    })
    .catch((e: unknown) => {
      if (exportsRef !== null) return true; // another compile (sync or async) won the race
      failure = e;
      return false;
    });
  pending = run;
  return run;
}

/**
 * The module's exports, or null when the JS kernels must be used (backend `'js'`, no
 * WebAssembly SIMD, or an asynchronous compile still running).
 */
export function wasm(): WasmExports | null {
  if (backend === 'js') return null;
  if (exportsRef !== null || syncTried || bundled === null) return exportsRef;
  syncTried = true;
  if (WA === undefined) return null;
  try {
    adopt(new WA.Instance(new WA.Module(bundled()), IMPORTS));
  } catch (e) {
    // Browser main thread (sync compile > 4 KB refused) or no SIMD: compile in the background.
    failure = e;
    if (pending === null) void compileWasm();
  }
  return exportsRef;
}

/**
 * Chooses the loss kernels: `'auto'` (default) and `'wasm'` use the WASM SIMD kernels for the
 * calls they cover (float32 inputs), `'js'` always uses the JS kernels. Returns the previous
 * setting.
 */
export function setBackend(b: Backend): Backend {
  const next = checkOneOf('setBackend', 'backend', b, BACKENDS);
  const prev = backend;
  backend = next;
  return prev;
}

/** The current backend setting, whether the kernels are loaded, and why not when they failed. */
export function getBackend(): { backend: Backend; wasmLoaded: boolean; error: string | null } {
  return { backend, wasmLoaded: exportsRef !== null, error: failure === null ? null : String(failure) };
}

// ---------------------------------------------------------------------------------------------
// Memory: [static data | arenas ... | per-call scratch →]
// ---------------------------------------------------------------------------------------------

/** Grows the memory to at least `end` bytes; false when it cannot (4 GiB limit, out of memory). */
function ensure(ex: WasmExports, end: number): boolean {
  const have = ex.memory.buffer.byteLength;
  if (end <= have) return true;
  try {
    ex.memory.grow(Math.ceil((end - have) / 65536));
    return true;
  } catch {
    return false;
  }
}

/** True when `a` is a view of the module's memory (no copy needed). */
export function resident(ex: WasmExports, a: ArrayBufferView): boolean {
  return a.buffer === ex.memory.buffer;
}

/** A pending placement: where an array goes in wasm memory and what to copy there. */
export interface Slot {
  ptr: number;
  src: ArrayBufferView | null;
}

/** Per-call scratch allocation; all `reserve` calls first, then {@link commit} (memory may grow). */
export class Scratch {
  private top: number;
  private slots: Slot[] = [];
  constructor() {
    this.top = scratchTop;
  }
  /** Room for `bytes` (16-aligned), returns the offset. */
  alloc(bytes: number): number {
    const p = this.top;
    this.top = align(p + bytes + 32); // 32 bytes of slack: kernels may touch a vector past the end
    return p;
  }
  /** The array's offset: itself if resident, else a scratch copy made at {@link commit}. */
  place(ex: WasmExports, a: ArrayBufferView): number {
    if (resident(ex, a)) return a.byteOffset;
    const ptr = this.alloc(a.byteLength);
    this.slots.push({ ptr, src: a });
    return ptr;
  }
  /** Grows memory if needed and copies the placed arrays in; false if the memory cannot grow
   * (the caller then runs the JS kernel). */
  commit(ex: WasmExports): boolean {
    if (!ensure(ex, this.top)) return false;
    const buf = ex.memory.buffer;
    for (const s of this.slots) {
      const src = s.src as ArrayBufferView;
      new Uint8Array(buf, s.ptr, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    }
    return true;
  }
}

/** Copies `n` elements of type `T` from wasm memory at `ptr` into `dst` (unless resident). */
export function copyOut(ex: WasmExports, ptr: number, dst: Float32Array | Float64Array): void {
  if (resident(ex, dst) && dst.byteOffset === ptr) return;
  const src =
    dst instanceof Float32Array
      ? new Float32Array(ex.memory.buffer, ptr, dst.length)
      : new Float64Array(ex.memory.buffer, ptr, dst.length);
  dst.set(src);
}

/**
 * Typed arrays that live in the kernels' memory, for training loops that reuse their buffers:
 * a loss called with arena arrays (inputs, `gradOut`) copies nothing in or out.
 *
 * Views stay valid until the memory grows: create the arena once, before the loop, with room
 * for everything the loop keeps (`bytes`). A call whose non-arena inputs do not fit the
 * remaining memory grows it, which detaches every view (`arena.valid(view)` tells).
 */
export interface WasmArena {
  float32(n: number): Float32Array;
  float64(n: number): Float64Array;
  int32(n: number): Int32Array;
  /** Bytes still free in the arena. */
  readonly free: number;
  /** False once `view` was detached by a memory growth. */
  valid(view: ArrayBufferView): boolean;
  /** Frees every allocation (earlier views then alias later ones). */
  reset(): void;
}

/** Reserves `bytes` of the kernels' memory for a {@link WasmArena}; null without WebAssembly. */
export function createWasmArena(bytes: number): WasmArena | null {
  checkArenaBytes('createWasmArena', bytes); // with or without WebAssembly: a bad call fails the same way
  const ex = wasm();
  if (ex === null) return null;
  const base = scratchTop;
  const end = align(base + bytes);
  // Reserve the arena plus 1 MiB of scratch, so that small calls do not grow the memory.
  if (!ensure(ex, end + (1 << 20))) throw new RangeError(`createWasmArena: cannot reserve ${bytes} bytes`);
  scratchTop = end;
  return Object.assign(
    bumpArena('WasmArena', base, end, () => ex.memory.buffer),
    {
      valid: (view: ArrayBufferView) => view.buffer === ex.memory.buffer,
    },
  );
}

/** Scratch base, for tests. */
export function scratchStart(): number {
  return scratchBase;
}
