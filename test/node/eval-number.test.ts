/** The byte-level decimal parser of the evaluation engine: the same float64 as Number(), fuzzed with fast-check. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateFileWithState } from '../../src/node/eval/engine.js';
import { parseDecimal } from '../../src/node/eval/number.js';

const bytes = (s: string) => Buffer.from(s, 'latin1');
const parse = (s: string) => {
  const b = bytes(s);
  return parseDecimal(b, 0, b.length);
};
const DECIMAL = /^[ \t]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[ \t]*$/;

describe('parseDecimal', () => {
  it('every double printed by String / toExponential / toPrecision / toFixed parses to Number() of the text', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 20 }), (x, d) => {
        for (const s of [
          String(x),
          x.toExponential(),
          x.toExponential(Math.min(d, 20)),
          x.toPrecision(Math.max(1, d)),
          Math.abs(x) < 1e21 ? x.toFixed(d) : String(x),
        ]) {
          expect(Object.is(parse(s), Number(s)), s).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
  it('decimal texts of the grammar (long mantissas, big exponents, leading zeros, signs, spaces) equal Number()', () => {
    const digits = (min: number, max: number) =>
      fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
    const text = fc
      .tuple(
        fc.constantFrom('', '+', '-'),
        digits(0, 30),
        fc.boolean(),
        digits(0, 30),
        fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 4))),
        fc.constantFrom('', ' ', '\t', '  '),
      )
      .map(([sign, a, dot, b, e, sp]) => `${sp}${sign}${a}${dot ? '.' : ''}${dot ? b : ''}${e ? e.join('') : ''}${sp}`);
    fc.assert(
      fc.property(text, (s) => {
        const v = parse(s);
        if (DECIMAL.test(s)) expect(Object.is(v, Number(s)), JSON.stringify(s)).toBe(true);
        else expect(v, JSON.stringify(s)).toBeNaN();
      }),
      { numRuns: 5000 },
    );
  });
  it('any text: a number only when it is a decimal of the grammar, and then exactly Number()', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'0123456789.eE+-xXbBoOaAfFnNiI_ \t\u0000'), maxLength: 12 }),
        (s) => {
          const v = parse(s);
          if (DECIMAL.test(s)) expect(Object.is(v, Number(s)), JSON.stringify(s)).toBe(true);
          else expect(v, JSON.stringify(s)).toBeNaN();
        },
      ),
      { numRuns: 5000 },
    );
  });
  it('rejects hexadecimal, binary, octal, Infinity, NaN, empty and separators', () => {
    for (const s of [
      '0x1',
      '0X1F',
      '0b1',
      '0o7',
      'Infinity',
      '-Infinity',
      'inf',
      'NaN',
      'nan',
      '',
      ' ',
      '.',
      '-',
      'e5',
      '1e',
      '1_000',
      '1,5',
      '--1',
      '1.2.3',
    ])
      expect(parse(s), JSON.stringify(s)).toBeNaN();
  });
  it('edge values', () => {
    for (const s of [
      '0',
      '-0',
      '5.',
      '.5',
      '1e308',
      '1e309',
      '-1e309',
      '4.9e-324',
      '2e-324',
      '9007199254740993',
      '0.1',
      '123456789012345678901234567890',
      '1e-400',
    ])
      expect(Object.is(parse(s), Number(s)), s).toBe(true);
  });
});

describe('the CSV pass (fast row scan, then the general tokenizer and parseDecimal)', () => {
  it('every cell, plain or not, becomes Number() of its text, in batches of 1 to 5000 rows', async () => {
    const r = fc.sample(fc.double({ min: 0, max: 1, noNaN: true }), 3000);
    const forms = [
      (x: number) => String(x),
      (x: number, d: number) => x.toFixed(d % 26),
      (x: number, d: number) => x.toPrecision(1 + (d % 21)),
      (x: number) => x.toExponential(),
      (x: number, d: number) => '00' + x.toFixed(d % 8),
      (x: number, d: number) => '+' + x.toFixed(d % 8),
      (x: number, d: number) => ' ' + x.toFixed(d % 8) + ' ',
      (x: number, d: number) => x.toFixed(1 + (d % 8)).replace(/^0\./, '.'),
      (x: number) => (x < 0.5 ? '-0' : '1.'),
      (x: number) => x.toFixed(17), // 17 significant digits or more: the slow path
      (x: number) => '0.' + '0'.repeat(21) + String(Math.floor(x * 9) + 1), // 23 decimals
    ];
    const cells: string[] = [];
    const labels: string[] = [];
    let text = 'y_true,prob,note\n';
    r.forEach((x, i) => {
      const cell = forms[i % forms.length](x, i);
      const y = i % 3 === 0 ? '1' : i % 7 === 0 ? '1.0' : '0';
      cells.push(cell);
      labels.push(y);
      text += `${y},${cell},n${i}${i % 5 === 0 ? '\r\n' : '\n'}`;
    });
    const dir = mkdtempSync(join(tmpdir(), 'losskit-fastrow-'));
    const file = join(dir, 'cells.csv');
    writeFileSync(file, text);
    for (const batchRows of [1, 7, 1000, 5000]) {
      const { collected } = await evaluateFileWithState(
        file,
        { metrics: ['accuracy'], collect: { maxRows: 10000 }, batchRows },
        false,
      );
      if (collected === undefined) throw new Error('no rows collected');
      expect(collected.rows).toBe(cells.length);
      cells.forEach((c, i) => {
        if (!Object.is(collected.yPred[i], Number(c.trim())))
          expect.fail(`row ${i}: ${JSON.stringify(c)} → ${collected.yPred[i]}, Number() gives ${Number(c)}`);
        if (collected.yTrue[i] !== Number(labels[i])) expect.fail(`row ${i}: label ${labels[i]}`);
      });
    }
  });
});
