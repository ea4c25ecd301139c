/** Shared test helpers: fixture loading and tolerance comparisons. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { LosskitError, type Tensor } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface FixtureFile<C> {
  generator: string;
  source: string;
  versions: Record<string, string>;
  cases: C[];
}

/** Decodes the generators' JSON-safe non-finite numbers ("NaN", "Infinity", "-Infinity"). */
export function decode<T>(v: T): T {
  if (v === 'NaN') return NaN as T;
  if (v === 'Infinity') return Infinity as T;
  if (v === '-Infinity') return -Infinity as T;
  if (Array.isArray(v)) return v.map(decode) as T;
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = decode(x);
    return o as T;
  }
  return v;
}

export function loadFixture<C>(name: string): FixtureFile<C> {
  const raw = JSON.parse(readFileSync(join(here, 'fixtures', `${name}.json`), 'utf8')) as FixtureFile<C>;
  return { ...raw, cases: decode(raw.cases) };
}

export function flatten(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.flatMap(flatten);
  if (v !== null && typeof v === 'object' && 'data' in v) return Array.from((v as Tensor).data);
  throw new Error(`flatten: unsupported ${String(v)}`);
}

/**
 * Asserts |actual − expected| <= atol + rtol·|expected| element-wise (NaN equals NaN,
 * infinities must match exactly).
 */
export function expectClose(actual: unknown, expected: unknown, rtol = 1e-6, atol = 1e-12, label = ''): void {
  const a = flatten(actual);
  const e = flatten(expected);
  expect(a.length, `${label} length`).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    const ok = Number.isNaN(e[i])
      ? Number.isNaN(a[i])
      : !Number.isFinite(e[i])
        ? a[i] === e[i]
        : Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
    if (!ok) expect.fail(`${label} element ${i}: got ${a[i]}, expected ${e[i]} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Deterministic PRNG for reproducible random inputs in tests: losskit's one RNG (mulberry32). */
export { seededRandom as rng } from '../src/random.js';

export function randn(r: () => number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(r(), 1e-12);
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  }
  return out;
}

/**
 * Asserts that `f()` throws a `LosskitError` with `code` whose message contains every string
 * part and matches every RegExp part. Shared by all bad-input tests.
 */
export function expectLosskitError(f: () => unknown, code: string, ...parts: (string | RegExp)[]): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) expect.fail(`expected a LosskitError ${code}, but nothing was thrown`);
  expect(thrown).toBeInstanceOf(LosskitError);
  const err = thrown as LosskitError;
  expect(err.code, err.message).toBe(code);
  for (const p of parts) {
    if (typeof p === 'string') expect(err.message).toContain(p);
    else expect(err.message).toMatch(p);
  }
}
