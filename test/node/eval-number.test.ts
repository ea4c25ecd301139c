/** The byte-level decimal parser of the evaluation engine: the same float64 as Number(), fuzzed with fast-check. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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
