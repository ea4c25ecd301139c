/**
 * The shape of an evaluation state (`losskit eval --save-state`, {@link EvalState}) from outside:
 * a state file is untrusted input. {@link checkEvalState} checks the envelope (the plan, the list of
 * metrics, the counts) field by field against {@link STATE}, before anything uses it; the metric
 * states themselves are checked by `restoreMetric` and the report by
 * `ClassificationReportStream.fromJSON`. A failure names the field: `plan.columns.roles[1].dest must
 * be one of …; received …`.
 */
import { describe } from '../../errors.js';
import type { EvalState } from './engine.js';
import { FORMATS } from './formats.js';
import { CHECK } from './plan.js';

/** A check of one value: null when it holds, else the expectation and the path it failed at. */
type Check = (v: unknown, path: string) => { path: string; expected: string; value: unknown } | null;

const fail = (path: string, expected: string, value: unknown) => ({ path, expected, value });
/** The expectations of a missing field and of a field the state does not have. */
const MISSING = '(present)';
const UNKNOWN = '(absent)';
const is =
  (expected: string, ok: (v: unknown) => boolean): Check =>
  (v, path) =>
    ok(v) ? null : fail(path, expected, v);
const text = is('a string', (v) => typeof v === 'string');
const flag = is('true or false', (v) => typeof v === 'boolean');
const finite = is('a finite number', (v) => typeof v === 'number' && Number.isFinite(v));
const count = (max: number) =>
  is(`an integer in [0, ${max}]`, (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max);
const oneOf = (choices: readonly (string | number)[]) =>
  is(`one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, (v) => choices.includes(v as string | number));
const nullable =
  (c: Check): Check =>
  (v, path) =>
    v === null ? null : c(v, path);
const either =
  (a: Check, b: Check, expected: string): Check =>
  (v, path) =>
    a(v, path) === null || b(v, path) === null ? null : fail(path, expected, v);
const list =
  (item: Check): Check =>
  (v, path) => {
    if (!Array.isArray(v)) return fail(path, 'an array', v);
    for (let i = 0; i < v.length; i++) {
      const r = item(v[i], `${path}[${i}]`);
      if (r !== null) return r;
    }
    return null;
  };
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
/** An object with these fields (those in `optional` may be absent) and no others. */
const record =
  (fields: Record<string, Check>, optional: readonly string[] = []): Check =>
  (v, path) => {
    if (!isObject(v)) return fail(path, 'an object', v);
    for (const k of Object.keys(v)) if (!(k in fields)) return fail(`${path}.${k}`, UNKNOWN, v[k]);
    for (const [k, c] of Object.entries(fields)) {
      if (!(k in v)) {
        if (optional.includes(k)) continue;
        return fail(`${path}.${k}`, MISSING, undefined);
      }
      const r = c(v[k], `${path}.${k}`);
      if (r !== null) return r;
    }
    return null;
  };
/** An object of any keys, each value passing `c`. */
const map =
  (c: Check): Check =>
  (v, path) => {
    if (!isObject(v)) return fail(path, 'an object', v);
    for (const [k, x] of Object.entries(v)) {
      const r = c(x, `${path}.${k}`);
      if (r !== null) return r;
    }
    return null;
  };

const MAX_WIDTH = 1 << 24;
const label = either(text, finite, 'a label (a string or a finite number)');

const PLAN = record(
  {
    task: oneOf(['binary', 'multiclass', 'multilabel', 'regression']),
    taskNote: text,
    trueWidth: count(MAX_WIDTH),
    predWidth: count(MAX_WIDTH),
    numClasses: count(MAX_WIDTH),
    hardPredictions: flag,
    labels: nullable(list(text)),
    posLabel: nullable(label),
    posValue: nullable(finite),
    negValue: nullable(finite),
    fromLogits: flag,
    columns: record({
      names: list(text),
      roles: list(
        record({
          dest: oneOf(['true', 'pred', 'weight', 'check', 'skip']),
          k: count(MAX_WIDTH),
          width: count(MAX_WIDTH),
          check: oneOf(Object.values(CHECK)),
          strings: flag,
        }),
      ),
    }),
    used: record({ target: list(text), predictions: list(text), weight: nullable(text), ignored: list(text) }),
  },
  ['negValue'],
);

/** The envelope of a state file (`state` of each metric and `report` checked where they are restored). */
const STATE = record(
  {
    losskitEvalState: oneOf([1]),
    file: text,
    format: oneOf([...FORMATS, 'batches']),
    plan: PLAN,
    rows: count(Number.MAX_SAFE_INTEGER),
    metrics: list(
      record(
        {
          metric: text,
          settings: map(
            is(
              'a string, a finite number or true / false',
              (v) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)),
            ),
          ),
          state: nullable(is('an object (a metric state)', isObject)),
          error: text,
        },
        ['error'],
      ),
    ),
    report: is('an object (a classification report state)', isObject),
  },
  ['report'],
);

/** Why `s` is not an evaluation state (the first field that fails), or null when its shape holds. */
export function evalStateProblem(s: unknown): string | null {
  const r = STATE(s, 'state');
  if (r === null) return null;
  if (r.path === 'state') return `the state must be an object; received ${describe(r.value)}`;
  if (r.expected === MISSING) return `${r.path} is missing`;
  if (r.expected === UNKNOWN) return `${r.path} is not a field of a losskit state (received ${describe(r.value)})`;
  return `${r.path} must be ${r.expected}; received ${describe(r.value)}`;
}

/** Asserts the shape of an evaluation state ({@link evalStateProblem}); `bad` builds the error. */
export function checkEvalState(s: unknown, bad: (why: string) => Error): asserts s is EvalState {
  const why = evalStateProblem(s);
  if (why !== null) throw bad(why);
  const st = s as EvalState;
  const { names, roles } = st.plan.columns;
  if (names.length !== roles.length)
    throw bad(
      `plan.columns.names and plan.columns.roles must have equal lengths; received ${names.length} and ${roles.length}`,
    );
  if (st.metrics.length === 0) throw bad('metrics must name at least one metric; received an empty array');
}
