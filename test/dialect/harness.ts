/**
 * Runs peer test cases (ported from Keras, TensorFlow.js and scikit-learn's own test suites, see
 * scripts/port/) through losskit under the peer's name, and compares with the peer's literal
 * expected value at the peer's own tolerance.
 *
 * Each source has a fixture `test/fixtures/dialect/<source>.json` and a mapper from the peer's
 * call to a losskit call. Cases that differ today are listed, with a reason, in
 * `test/fixtures/dialect/known-differences.json`; a listed case must still differ (so the list
 * only shrinks on purpose) and every other case must pass.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

export interface Encoded {
  array: unknown[];
  shape: number[];
  dtype?: string;
}
export type Value = number | string | boolean | null | Encoded | { result: unknown } | Value[] | { [k: string]: Value };

export interface Tolerance {
  atol?: number;
  rtol?: number;
  decimal?: number;
}

export interface PeerCase {
  id: string;
  assert: string;
  tolerance: Tolerance;
  expected: Value;
  [k: string]: unknown;
}

/** What the mapper gives back: losskit's value (number or nested numbers). */
export type Computed = number | boolean | Computed[];

/** The peer call has no losskit counterpart (yet): the reason is the message. */
export class NoCounterpart extends Error {}

const FIX = new URL('../fixtures/dialect/', import.meta.url);

export function isEncoded(v: unknown): v is Encoded {
  return typeof v === 'object' && v !== null && 'array' in v && 'shape' in v;
}

const num = (v: unknown): number => {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === 'nan' || v === 'NaN') return NaN;
  if (v === 'inf' || v === 'Infinity') return Infinity;
  if (v === '-inf' || v === '-Infinity') return -Infinity;
  throw new NoCounterpart(`non-numeric value ${JSON.stringify(v)}`);
};

export function flat(v: unknown): number[] {
  if (Array.isArray(v)) return v.flatMap(flat);
  if (isEncoded(v)) return flat(v.array);
  return [num(v)];
}

/** A peer literal as a losskit tensor `{ data, shape }` (numbers only). */
export function tensorOf(v: unknown): { data: number[]; shape: number[] } {
  if (isEncoded(v)) {
    if (v.dtype === 'str') throw new NoCounterpart('string labels (losskit labels are numbers)');
    return { data: flat(v.array), shape: v.shape };
  }
  if (typeof v === 'number' || typeof v === 'boolean') return { data: [num(v)], shape: [] };
  if (Array.isArray(v)) {
    const shape: number[] = [];
    let x: unknown = v;
    while (Array.isArray(x)) {
      shape.push(x.length);
      x = x[0];
    }
    return { data: flat(v), shape };
  }
  throw new NoCounterpart(`unsupported input ${JSON.stringify(v)?.slice(0, 80)}`);
}

function closeTo(a: number, e: number, tol: Tolerance, mode: 'tfjs' | 'numpy'): boolean {
  if (mode === 'tfjs' && !Number.isFinite(a) && !Number.isFinite(e)) return true; // tfjs areClose
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (!Number.isFinite(e)) return a === e;
  if (tol.decimal !== undefined) return Math.abs(a - e) < 1.5 * 10 ** -tol.decimal;
  return Math.abs(a - e) <= (tol.atol ?? 0) + (tol.rtol ?? 0) * Math.abs(e);
}

export function compare(actual: Computed, expected: Value, tol: Tolerance, mode: 'tfjs' | 'numpy'): string | null {
  const a = flat(actual);
  const e = flat(expected);
  // numpy's assert_* broadcast a scalar expected value; so does tfjs's expectArraysClose for length 1
  const ee = e.length === 1 && a.length > 1 ? a.map(() => e[0]) : e;
  if (a.length !== ee.length) return `length ${a.length} ≠ expected ${ee.length}: got ${fmt(a)}, expected ${fmt(ee)}`;
  for (let i = 0; i < a.length; i++) {
    if (!closeTo(a[i], ee[i], tol, mode)) return `got ${fmt(a)}, expected ${fmt(ee)} (${JSON.stringify(tol)})`;
  }
  return null;
}

const fmt = (a: number[]): string =>
  '[' +
  a
    .slice(0, 12)
    .map((x) => (Number.isInteger(x) ? String(x) : x.toPrecision(8)))
    .join(', ') +
  (a.length > 12 ? ', …' : '') +
  ']';

export interface KnownDifference {
  id: string;
  reason: string;
  /** 'deliberate' (documented in docs/dialects.md) or 'todo' (a gap still to close). */
  kind: 'deliberate' | 'todo';
}

function loadKnown(): Map<string, KnownDifference> {
  const j = JSON.parse(readFileSync(new URL('known-differences.json', FIX), 'utf8')) as {
    differences: KnownDifference[];
  };
  return new Map(j.differences.map((d) => [d.id, d]));
}

export interface Outcome {
  id: string;
  ok: boolean;
  message: string;
}

export function evaluate<C extends PeerCase>(c: C, run: (c: C) => Computed, mode: 'tfjs' | 'numpy'): Outcome {
  try {
    const got = run(c);
    // an assertion between two peer calls (e.g. two weightings that must agree): run both
    const ex = c.expected;
    const expected =
      typeof ex === 'object' && ex !== null && 'result' in ex ? run({ ...c, actual: ex.result, expected: 0 }) : ex;
    const msg = compare(got, expected as Value, c.tolerance, mode);
    return { id: c.id, ok: msg === null, message: msg ?? '' };
  } catch (e) {
    const err = e as Error;
    const tag = e instanceof NoCounterpart ? 'no counterpart: ' : `${(e as { code?: string }).code ?? err.name}: `;
    return { id: c.id, ok: false, message: tag + err.message };
  }
}

const allOutcomes = new Map<string, Outcome[]>();

/** Registers one vitest test per case of `fixture` (a file in test/fixtures/dialect). */
export function runSource<C extends PeerCase>(
  source: string,
  fixture: string,
  run: (c: C) => Computed,
  mode: 'tfjs' | 'numpy',
): void {
  const fx = JSON.parse(readFileSync(new URL(fixture, FIX), 'utf8')) as { cases: C[] };
  const known = loadKnown();
  const outcomes = fx.cases.map((c) => evaluate(c, run, mode));
  allOutcomes.set(source, outcomes);
  describe(source, () => {
    it.each(outcomes.map((o) => [o.id, o] as const))('%s', (_id, o) => {
      const k = known.get(o.id);
      if (k === undefined) {
        expect(o.message, 'fails but is not listed in known-differences.json').toBe('');
      } else {
        expect(o.ok, `listed in known-differences.json (${k.reason}) but now passes: remove it`).toBe(false);
      }
    });
    it('every listed difference of these files is a ported case', () => {
      const files = new Set(outcomes.map((o) => o.id.split('::')[0]));
      const ids = new Set(outcomes.map((o) => o.id));
      const stale = [...known.keys()].filter((id) => files.has(id.split('::')[0]) && !ids.has(id));
      expect(stale).toEqual([]);
    });
    it('summary', () => {
      const pass = outcomes.filter((o) => o.ok).length;
      const listed = outcomes.filter((o) => !o.ok && known.has(o.id));
      const deliberate = listed.filter((o) => known.get(o.id)?.kind === 'deliberate').length;
      const absent = outcomes.filter((o) => o.message.startsWith('no counterpart')).length;
      console.log(
        `dialect ${source}: ${outcomes.length} cases, ${pass} pass, ${outcomes.length - pass} differ ` +
          `(${deliberate} deliberate, ${listed.length - deliberate} still to close; ` +
          `${absent} of the differing cases call something losskit lacks)`,
      );
      if (process.env.DIALECT_WRITE_KNOWN) writeKnown(source, outcomes);
    });
  });
}

/** Maintenance: DIALECT_WRITE_KNOWN=1 rewrites this source's entries (keeping written reasons). */
function writeKnown(source: string, outcomes: Outcome[]): void {
  const file = new URL('known-differences.json', FIX);
  const j = JSON.parse(readFileSync(file, 'utf8')) as { note?: string; differences: KnownDifference[] };
  const old = new Map(j.differences.map((d) => [d.id, d]));
  const mine = new Set(outcomes.map((o) => o.id));
  // this source's entries are rewritten whole (cases that no longer exist drop out)
  const fixture = new Set(outcomes.map((o) => o.id.split('::')[0]));
  const rest = j.differences.filter((d) => !mine.has(d.id) && !fixture.has(d.id.split('::')[0]));
  const now = outcomes
    .filter((o) => !o.ok)
    .map((o) => {
      const k = old.get(o.id);
      return k?.kind === 'deliberate' ? k : { id: o.id, reason: o.message.slice(0, 300), kind: 'todo' as const };
    });
  j.differences = [...rest, ...now];
  writeFileSync(file, JSON.stringify(j, null, 1) + '\n');
}

/** Keys of an object-valued fixture field, typed. */
export function kwargs(v: unknown): Record<string, Value> {
  return (v ?? {}) as Record<string, Value>;
}
