/**
 * The NDJSON reader's byte-level fast path (src/node/eval/ndjson-fast.ts) against the general
 * path (`JSON.parse` of each line), fuzzed with fast-check: the numbers it reads are the float64
 * JSON.parse gives, bit for bit, in every spelling; a line it takes is one JSON.parse reads as
 * the same object; and the reader with the fast path gives the same schema, sample, rows (values
 * bit for bit, line numbers of errors) and the same error as the reader without it, on files of
 * fast lines mixed with lines of every other kind, cut into chunks anywhere.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastNdjsonLine, ndjsonShape } from '../../src/node/eval/ndjson-fast.js';
import { ndjsonReader } from '../../src/node/eval/readers.js';
import { resolvePlan, type PlanOptions } from '../../src/node/eval/plan.js';
import { openBytes } from '../../src/node/eval/source.js';
import { binaryData, cliSandbox, csvText, lcg, multiclassData } from './eval-helpers.js';

const enc = new TextEncoder();
const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

/** JSON numbers in many spellings: long mantissas, leading-zero fractions, exponents of every size. */
const jsonNumberText: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('', '-'),
      fc.oneof(
        fc.constant('0'),
        fc.tuple(fc.constantFrom(...'123456789'), digits(0, 25)).map(([a, b]) => a + b),
      ),
      fc.oneof(
        fc.constant(''),
        digits(1, 30).map((d) => '.' + d),
      ),
      fc.oneof(
        fc.constant(''),
        fc
          .tuple(
            fc.constantFrom('e', 'E'),
            fc.constantFrom('', '+', '-'),
            fc.oneof(digits(1, 4), fc.integer({ min: 300, max: 330 }).map(String)),
          )
          .map(([e, s, d]) => e + s + d),
      ),
    )
    .map(([s, i, f, e]) => s + i + f + e),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? '-0' : String(x))),
  fc
    .tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 20 }))
    .map(([x, d]) => x.toExponential(d).replace('e+', 'e')),
  fc
    .tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 20 }))
    .map(([x, d]) => x.toFixed(d)),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.constantFrom(
    '-0',
    '-0.0',
    '0e-999',
    '-0.000e+999',
    '9007199254740993',
    '9007199254740992.5',
    '1e400',
    '-1e400',
    '5e-324',
    '2.4703282292062328e-324',
    '2.2250738585072011e-308',
    '1.7976931348623157e308',
    '1.7976931348623158e308',
    '0.1',
    '123456789012345678901234567890',
    '0.000000000000000000000000000001',
    '1e22',
    '1e23',
    '999999999999999e22',
    '1234567890123456e-22',
  ),
);

/** Texts that are not JSON numbers (the fast path must refuse them; JSON.parse does). */
const notJsonNumber = fc.constantFrom(
  '+1',
  '01',
  '-01',
  '00',
  '.5',
  '-.5',
  '5.',
  '5.e3',
  '1e',
  '1e+',
  '-',
  '',
  'Infinity',
  '-Infinity',
  'NaN',
  '0x10',
  '1_0',
  '1.5.2',
  '--1',
  '1E+-2',
  '1 2',
  '1,',
  'true',
  'null',
  '"1"',
);

/** JSON whitespace, and characters that are not (but that `trim()` or a sloppy parser might take). */
const jsonWs = fc.string({ unit: fc.constantFrom(' ', '\t', '\r'), maxLength: 3 });
const anyWs = fc.string({ unit: fc.constantFrom(' ', '\t', '\r', '\u000b', '\f', '\u00a0'), maxLength: 2 });

function fastValues(keys: string[], first: Record<string, unknown>, line: string): Record<string, unknown> | null {
  const shape = ndjsonShape(first, keys);
  if (shape === null) throw new Error('no shape');
  const out = Array.from(shape.widths, (w) => new Float64Array(Math.max(1, w)));
  const b = enc.encode(line);
  if (!fastNdjsonLine(shape, b, 0, b.length, out, 0)) return null;
  const o: Record<string, unknown> = {};
  keys.forEach((k, c) => (o[k] = shape.widths[c] === 0 ? out[c][0] : Array.from(out[c])));
  return o;
}

/** Values compared bit for bit (−0 is not 0). */
function bits(v: unknown): unknown {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (Array.isArray(v)) return v.map(bits);
  if (ArrayBuffer.isView(v)) return Array.from(v as Float64Array, bits);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, bits(x)]));
  return v;
}

describe('NDJSON fast path: one line', () => {
  it('reads every JSON number spelling as JSON.parse does, bit for bit, with any JSON whitespace', () => {
    fc.assert(
      fc.property(jsonNumberText, jsonNumberText, fc.array(jsonWs, { minLength: 10, maxLength: 10 }), (a, p, w) => {
        const line = `${w[0]}{${w[1]}"y_true"${w[2]}:${w[3]}${a}${w[4]},${w[5]}"prob"${w[6]}:${w[7]}${p}${w[8]}}${w[9]}`;
        const got = fastValues(['y_true', 'prob'], { y_true: 0, prob: 0 }, line);
        expect(got).not.toBeNull();
        expect(bits(got)).toEqual(bits(JSON.parse(line)));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads arrays of numbers of the first row’s width', () => {
    fc.assert(
      fc.property(fc.array(jsonNumberText, { minLength: 3, maxLength: 3 }), jsonWs, (ps, w) => {
        const line = `{"y_true":1,${w}"y_pred":${w}[${w}${ps.join(`${w},${w}`)}${w}]${w}}`;
        const got = fastValues(['y_true', 'y_pred'], { y_true: 0, y_pred: [0, 0, 0] }, line);
        expect(got).not.toBeNull();
        expect(bits(got)).toEqual(bits(JSON.parse(line)));
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses what is not a JSON number, and JSON.parse rejects it too', () => {
    fc.assert(
      fc.property(notJsonNumber, (t) => {
        const line = `{"y_true":${t},"prob":0.5}`;
        expect(fastValues(['y_true', 'prob'], { y_true: 0, prob: 0 }, line)).toBeNull();
        if (t !== 'true' && t !== 'null' && t !== '"1"') expect(() => JSON.parse(line)).toThrow();
      }),
    );
  });

  it('takes a line only when JSON.parse reads it as the same object (random lines of every kind)', () => {
    const token = fc.oneof(
      jsonNumberText,
      notJsonNumber,
      fc.constantFrom(
        '"y_true"',
        '"prob"',
        '"y_\\u0074rue"',
        '"sample_weight"',
        '{',
        '}',
        '[',
        ']',
        ':',
        ',',
        '"a"',
        'null',
      ),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(anyWs, token), { maxLength: 12 }), (parts) => {
        const line = parts.map(([w, t]) => w + t).join('');
        const got = fastValues(['y_true', 'prob'], { y_true: 0, prob: 0 }, line);
        if (got === null) return;
        const o = JSON.parse(line) as Record<string, unknown>;
        expect(Object.keys(o)).toEqual(['y_true', 'prob']);
        expect(bits(got)).toEqual(bits(o));
      }),
      { numRuns: 3000 },
    );
    // Lines near the fast path's shape, each a small change away from it.
    const near = fc.tuple(
      fc.constantFrom('{', ' {', '\uFEFF{', '[{', '{{'),
      fc.constantFrom(
        '"y_true"',
        '"y_true" ',
        '"y_tru"',
        '"y_truee"',
        '"Y_TRUE"',
        '"y_\\u0074rue"',
        '"prob"',
        "'y_true'",
      ),
      fc.constantFrom(':', ' : ', '::', ''),
      fc.oneof(jsonNumberText, notJsonNumber),
      fc.constantFrom(',"prob":', ', "prob" :', ',"prob":"', ',"y_true":', ',"prob":-', ',"prob":[', ','),
      fc.oneof(jsonNumberText, notJsonNumber),
      fc.constantFrom('}', ' }', '}}', '},', ',}', ',"x":1}', ',"prob":1}', '', '}\u000b', '} \t\r'),
    );
    fc.assert(
      fc.property(near, (p) => {
        const line = p.join('');
        const got = fastValues(['y_true', 'prob'], { y_true: 0, prob: 0 }, line);
        let o: unknown = undefined;
        try {
          o = JSON.parse(line);
        } catch {
          /* not JSON */
        }
        if (got === null) return;
        expect(o).toBeDefined();
        expect(Object.keys(o as object)).toEqual(['y_true', 'prob']);
        expect(bits(got)).toEqual(bits(o));
      }),
      { numRuns: 3000 },
    );
  });

  it('has no shape (no fast path) for a first row of text, booleans, null, nested values or non-ASCII keys', () => {
    expect(ndjsonShape({ y_true: 'cat', prob: 0.5 }, ['y_true', 'prob'])).toBeNull();
    expect(ndjsonShape({ y_true: true, prob: 0.5 }, ['y_true', 'prob'])).toBeNull();
    expect(ndjsonShape({ y_true: null, prob: 0.5 }, ['y_true', 'prob'])).toBeNull();
    expect(ndjsonShape({ y_true: 1, prob: [0.5] }, ['y_true', 'prob'])).toBeNull();
    expect(ndjsonShape({ y_true: 1, prob: [[0.5, 1]] }, ['y_true', 'prob'])).toBeNull();
    expect(ndjsonShape({ y_true: 1, pröb: 0.5 }, ['y_true', 'pröb'])).toBeNull();
    expect(ndjsonShape({ y_true: 1, prob: [0.5, 0.5] }, ['y_true', 'prob'])?.widths).toEqual(new Int32Array([0, 2]));
  });
});

// ---------------------------------------------------------------- whole files

interface Outcome {
  schema?: unknown;
  sample?: unknown;
  rows?: unknown[];
  error?: string;
}

async function* chunked(b: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const c of cuts) {
    const end = Math.min(b.length, at + c);
    if (end > at) yield b.slice(at, end);
    at = end;
  }
  if (at < b.length) yield b.slice(at);
}

/** Everything a reader gives of `b` (cut into chunks of the sizes `cuts`): schema, sample, batches, or the error. */
async function readAllOf(
  b: Uint8Array,
  cuts: number[],
  fast: boolean,
  options: PlanOptions,
  batchRows: number,
): Promise<Outcome> {
  const out: Outcome = {};
  try {
    const input = await openBytes(chunked(b, cuts), 'f.ndjson');
    const r = await ndjsonReader(input, 'f.ndjson', fast);
    out.schema = r.schema;
    out.sample = bits(r.sample.map((s) => ({ nums: s.nums, strs: s.strs })));
    const { plan } = resolvePlan(r.schema, r.sample, options, ['a', 'b']);
    out.rows = [];
    for await (const batch of r.batches(plan, batchRows))
      out.rows.push(bits({ n: batch.n, t: batch.yTrue, p: batch.yPred, w: batch.weight }));
  } catch (e) {
    out.error = `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
  return out;
}

/** Number spellings for the filler lines (the fast path's; some with exponents, −0, long mantissas). */
function fillerNumber(r: () => number): string {
  const k = Math.floor(r() * 8);
  const x = r();
  if (k === 0) return x.toFixed(6);
  if (k === 1) return String(x);
  if (k === 2) return x.toExponential(Math.floor(r() * 18));
  if (k === 3) return '-0';
  if (k === 4) return (x * 1e-5).toPrecision(17);
  if (k === 5) return String(Math.floor(x * 2 ** 60));
  if (k === 6) return `${Math.floor(x * 1000)}e-3`;
  return x.toFixed(Math.floor(r() * 30));
}

/** Spellings of the labels 0 and 1 (−0 and exponents included). */
const LABELS = ['0', '1', '1.0', '1e0', '-0', '0.0e5', '10e-1', '0.00', '100E-2'];

/** Column sets, their widths (1: a number, w > 1: an array) and the tasks that take them. */
const KEYSETS: { keys: string[]; widths: number[]; labels: boolean[]; tasks: PlanOptions['task'][] }[] = [
  { keys: ['y_true', 'prob'], widths: [1, 1], labels: [true, false], tasks: [undefined, 'binary', 'regression'] },
  {
    keys: ['y_true', 'y_pred', 'sample_weight'],
    widths: [1, 1, 1],
    labels: [true, false, false],
    tasks: [undefined, 'binary', 'regression'],
  },
  { keys: ['y_true', 'y_pred'], widths: [3, 3], labels: [true, false], tasks: [undefined, 'multilabel', 'regression'] },
  { keys: ['y_pred', 'y_true'], widths: [2, 2], labels: [false, false], tasks: ['regression'] },
];

function valueText(r: () => number, w: number, label: boolean, ws: string): string {
  const one = () => (label ? LABELS[Math.floor(r() * LABELS.length)] : fillerNumber(r));
  if (w === 1) return one();
  return `[${Array.from({ length: w }, () => ws + one() + ws).join(',')}]`;
}

function fastLineText(r: () => number, ks: (typeof KEYSETS)[number], ws: string): string {
  return `${ws}{${ks.keys.map((k, c) => `${ws}"${k}"${ws}:${ws}${valueText(r, ks.widths[c], ks.labels[c], ws)}${ws}`).join(',')}}${ws}`;
}

/** Lines of every other kind (and fast lines); `v` is a JSON number text. */
function oddLine(kind: number, ks: (typeof KEYSETS)[number], v: string, r: () => number): string {
  const vals = ks.keys.map((_, c) => valueText(r, ks.widths[c], ks.labels[c], ''));
  const obj = (pairs: [string, string][]) => `{${pairs.map(([k, x]) => `"${k}":${x}`).join(',')}}`;
  const pairs: [string, string][] = ks.keys.map((k, c) => [k, vals[c]]);
  switch (kind) {
    case 0:
      return obj(pairs.map(([k, x], c) => [k, c === ks.keys.length - 1 && ks.widths[c] === 1 ? v : x]));
    case 1:
      return obj([...pairs].reverse());
    case 2:
      return obj(pairs.slice(1));
    case 3:
      return obj([...pairs, ['sample_weight', '1']]);
    case 4:
      return obj([...pairs, ['colour', '1']]);
    case 5:
      return obj(pairs.map(([k, x], c) => [k, c === 0 ? '"a"' : x]));
    case 6:
      return obj(pairs.map(([k, x], c) => [k, c === 0 ? 'null' : x]));
    case 7:
      return obj(pairs.map(([k, x], c) => [k, c === 0 ? 'true' : x]));
    case 8:
      return obj(pairs.map(([k, x], c) => [k, c === 0 ? '[1,2]' : x]));
    case 9:
      return obj(pairs.map(([k, x], c) => [k, c === 0 ? '{"a":1}' : x]));
    case 10:
      return obj([...pairs, pairs[0]]); // a duplicate key (JSON.parse keeps the last)
    case 11:
      return obj(pairs).slice(0, -3); // cut short
    case 12:
      return obj(pairs).replace('"y_', '"y\\u005f'); // an escape in a key (the same key)
    case 13:
      return '';
    case 14:
      return ' \t\r';
    case 15:
      return '\uFEFF' + obj(pairs);
    case 16:
      return obj(pairs) + '\r';
    case 17:
      return obj(pairs.map(([k, x], c) => [k, c === ks.keys.length - 1 ? `${v}x` : x]));
    case 18:
      return '[1,2]';
    case 19:
      return obj(pairs.map(([k, x], c) => [k, c === ks.keys.length - 1 && ks.widths[c] === 1 ? `-${v}` : x]));
    case 20:
      return obj(pairs).replace(':', ' \u00a0:');
    case 21:
      return obj(pairs.map(([k, x], c) => [k, c === 0 ? '"\\u00e9"' : x]));
    case 22:
      return obj(pairs) + ' é';
    default:
      return obj(pairs.map(([k, x], c) => [k, c === ks.keys.length - 1 && ks.widths[c] === 1 ? v : x]));
  }
}

describe('NDJSON fast path: whole files, the same as the general path', () => {
  it('the same schema, sample, rows bit for bit, or the same error, whatever lines and chunks', async () => {
    const file = fc.record({
      keyset: fc.integer({ min: 0, max: KEYSETS.length - 1 }),
      seed: fc.integer(),
      fillers: fc.oneof(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 990, max: 1010 }),
        fc.integer({ min: 4000, max: 9000 }),
      ),
      odd: fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: 30 }),
          fc.oneof({ weight: 4, arbitrary: jsonNumberText }, { weight: 1, arbitrary: notJsonNumber }),
          fc.nat(),
          fc.integer({ min: 0, max: 1 }),
        ),
        { maxLength: 4 },
      ),
      firstOdd: fc.option(fc.integer({ min: 12, max: 30 }), { freq: 4 }),
      ws: jsonWs,
      crlf: fc.boolean(),
      bom: fc.boolean(),
      endNewline: fc.boolean(),
      cuts: fc.array(fc.integer({ min: 1, max: 70000 }), { maxLength: 8 }),
      batchRows: fc.constantFrom(1, 7, 1000, 4096, 65536),
      task: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(file, async (f) => {
        const r = lcg(f.seed);
        const ks = KEYSETS[f.keyset];
        const lines: string[] = [];
        for (let i = 0; i < f.fillers; i++) lines.push(fastLineText(r, ks, r() < 0.05 ? f.ws : ''));
        for (const [kind, v, at, twice] of f.odd) {
          const t = oddLine(kind, ks, v, r);
          const pos = lines.length === 0 ? 0 : at % (lines.length + 1);
          lines.splice(pos, 0, ...(twice ? [t, t] : [t]));
        }
        if (f.firstOdd !== null) lines.unshift(oddLine(f.firstOdd, ks, '0.5', r));
        else lines.unshift(fastLineText(r, ks, ''));
        let text = lines.join(f.crlf ? '\r\n' : '\n') + (f.endNewline ? '\n' : '');
        if (f.bom) text = '\uFEFF' + text;
        const b = enc.encode(text);
        const task = ks.tasks[f.task % ks.tasks.length];
        const options: PlanOptions = task === undefined ? {} : { task };
        const fast = await readAllOf(b, f.cuts, true, options, f.batchRows);
        const general = await readAllOf(b, f.cuts, false, options, f.batchRows);
        expect(fast).toEqual(general);
      }),
      { numRuns: 250 },
    );
  }, 120_000);

  it('the same for invalid UTF-8 and BOMs on any line (text decoded as the whole input would be)', async () => {
    const pieces = [
      '{"y_true":1,"prob":0.25}\n',
      '{"y_true":0,"prob":0.75}',
      '\n',
      '\uFEFF',
      '\uFEFF{"y_true":1,"prob":0.5}',
      '{"y_true":1,"prob":"é"}',
      '  ',
    ];
    const raw = [[0xff], [0xc3], [0xe2, 0x82], [0xef, 0xbb, 0xbf], [0xc3, 0xa9], [0x0a]];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.constantFrom(...pieces).map((s) => Array.from(enc.encode(s))),
            fc.constantFrom(...raw),
          ),
          { maxLength: 12 },
        ),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 6 }),
        async (parts, cuts) => {
          const b = new Uint8Array(parts.flat());
          const fast = await readAllOf(b, cuts, true, {}, 1000);
          const general = await readAllOf(b, cuts, false, {}, 1000);
          expect(fast).toEqual(general);
          // And the lines are the ones of the whole input decoded at once (a BOM at its start
          // dropped) and split at '\n', a BOM dropped at the start of a line ended by '\n' —
          // the reader's lines before the fast path: its first bad line and its rows.
          const parts2 = new TextDecoder().decode(b).split('\n');
          const last = parts2.pop() ?? '';
          const lines = parts2.map((t, i) => ({ no: i + 1, text: t.trim() === '' ? null : t.replace(/^\uFEFF/, '') }));
          lines.push({ no: parts2.length + 1, text: last.trim() === '' ? null : last });
          const objs: Record<string, unknown>[] = [];
          let want: string | null = null;
          for (const l of lines) {
            if (l.text === null) continue;
            let o: unknown;
            try {
              o = JSON.parse(l.text);
            } catch (e) {
              want = `f.ndjson:${l.no}:1: not a JSON object (${(e as Error).message.split('\n')[0]})`;
              break;
            }
            if (o === null || typeof o !== 'object' || Array.isArray(o)) {
              want = `f.ndjson:${l.no}:1: each line must be a JSON object`;
              break;
            }
            objs.push(o as Record<string, unknown>);
          }
          if (want !== null) expect(fast.error).toContain(want);
          else if (objs.length === 0) expect(fast.error).toContain('f.ndjson:1:1: the file is empty');
          else if (objs.every((o) => typeof o.y_true === 'number' && typeof o.prob === 'number'))
            expect(fast.rows).toEqual([
              bits({ n: objs.length, t: objs.map((o) => o.y_true), p: objs.map((o) => o.prob), w: null }),
            ]);
        },
      ),
      { numRuns: 400 },
    );
  });
});

// ---------------------------------------------------------------- the CLI

describe('losskit eval on NDJSON: the CSV twin’s result, and bad lines named', () => {
  const { put, run } = cliSandbox('losskit-ndjson-fast');
  const evalOut = (args: string[], input?: Buffer): { rows: number; task: string; results: unknown } => {
    const r = run(['eval', ...args, '--quiet', '--json'], input);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { rows: number; task: string; results: unknown };
    return { rows: j.rows, task: j.task, results: j.results };
  };
  /** The same doubles spelled in many JSON ways (each spelling reads back as the double). */
  const spell = (x: number, r: () => number): string => {
    const k = Math.floor(r() * 5);
    if (k === 0) return x.toExponential(16);
    if (k === 1) return x.toExponential(16).replace('e', 'E').replace('+', '');
    if (k === 2) return ` ${String(x)}\t`;
    if (k === 3 && x === Math.trunc(x)) return `${x}.000e0`;
    return String(x);
  };

  it('multiclass with weights (arrays of numbers), spelled many ways, with odd lines between: the CSV result', () => {
    const d = multiclassData(9000, 3, 5);
    const r = lcg(9);
    const lines = d.yTrue.map((y, i) => {
      const p = d.yPred[i].map((v) => spell(v, r)).join(',');
      if (i % 997 === 5) return `{"sample_weight":${d.weight[i]},"y_pred":[${p}],"y_true":${y}}`; // another key order
      if (i % 1009 === 7)
        return `{"y_true":${y},"y_pred":[${p}],"sample_weight":"${d.weight[i]}"}`
          .replace(`"${d.weight[i]}"`, String(d.weight[i]))
          .replace('"y_true"', '"y\\u005ftrue"'); // an escape
      return `{"y_true":${spell(y, r)},"y_pred":[${p}],"sample_weight":${spell(d.weight[i], r)}}`;
    });
    const text = lines.join('\r\n') + '\r\n\n';
    const csv = csvText(d, { weight: true });
    const ref = evalOut(['-', '--input-format', 'csv'], Buffer.from(csv));
    expect(ref.rows).toBe(9000);
    expect(ref.task).toBe('multiclass');
    expect(evalOut([put('mc.ndjson', text)])).toEqual(ref);
    expect(evalOut(['-', '--input-format', 'ndjson'], Buffer.from(text))).toEqual(ref);
  });

  it('binary with weights and text labels: the CSV result', () => {
    const d = binaryData(6000, 3);
    const nd = d.yTrue
      .map((y, i) => `{"y_true":${y},"prob":${d.yPred[i][0]},"sample_weight":${d.weight[i]}}`)
      .join('\n');
    const csv = csvText({ ...d, predNames: ['prob'] }, { weight: true });
    const ref = evalOut(['-', '--input-format', 'csv'], Buffer.from(csv));
    expect(evalOut([put('bin.ndjson', nd)])).toEqual(ref);
    const names = ['dog', 'cat'];
    const ndText = d.yTrue.map((y, i) => `{"y_true":"${names[y]}","prob":${d.yPred[i][0]}}`).join('\n') + '\n';
    const csvLabels = 'y_true,prob\n' + d.yTrue.map((y, i) => `${names[y]},${d.yPred[i][0]}`).join('\n') + '\n';
    // Text labels need two passes: the CSV twin from a file (default --workers 1: read in order).
    const refLabels = evalOut([put('labels.csv', csvLabels), '--pos-label', 'dog']);
    expect(refLabels.rows).toBe(6000);
    expect(evalOut([put('labels.ndjson', ndText), '--pos-label', 'dog'])).toEqual(refLabels);
  });

  it('a bad line after fast lines: exit 2, one line naming the file and line, as before', () => {
    const d = binaryData(7000, 4);
    const good = d.yTrue.map((y, i) => `{"y_true":${y},"prob":${d.yPred[i][0]}}`);
    const cases: [string, number, string][] = [
      ['{"y_true":1,"prob":0.5', 5000, 'not a JSON object ('],
      ['{"y_true":1,"prob":01}', 1200, 'not a JSON object ('],
      ['{"y_true":1,"prob":"0.5"}', 6500, 'column \'prob\' must hold numbers; received "0.5"'],
      ['{"y_true":1}', 4500, 'key "prob" is missing (the first row has y_true, prob)'],
      ['{"y_true":1,"prob":0.5,"weight":1}', 3000, 'key "weight" is not in the first row'],
      ['{"y_true":1,"prob":1.5}', 1800, "column 'prob' must hold a probability"],
      ['[0.5]', 2000, 'each line must be a JSON object'],
    ];
    for (const [bad, at, msg] of cases) {
      const lines = [...good];
      lines[at] = bad;
      const text = lines.join('\n') + '\n';
      const file = put('bad.ndjson', text);
      for (const [args, input, name] of [
        [[file], undefined, 'bad.ndjson'],
        [['-', '--input-format', 'ndjson'], Buffer.from(text), '<stdin>'],
      ] as const) {
        const r = run(['eval', ...args, '--quiet', '--json'], input);
        expect(r.status).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toContain(`${name}:${at + 1}:1: ${msg}`);
      }
    }
  });
});
