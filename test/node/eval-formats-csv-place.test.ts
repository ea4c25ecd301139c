/**
 * A value a metric rejects is named by its line and column (issue 10, evalio2), also when the
 * rows of its batch do not each take one line: blank lines between rows, rows of several lines
 * (a quoted line break), a quoted field holding the delimiter before the failing field, and a
 * failing field itself on a later line of its row. The reader records, per batch, the rows after
 * a blank line or a row of several lines (`Batch.breaks`); the expected lines below are counted
 * from the text the test writes.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { evaluateFile } from '../../src/node/eval/engine.js';
import { lineOfRow } from '../../src/node/eval/readers.js';
import { cliSandbox } from './eval-helpers.js';

const { put, run } = cliSandbox('losskit-csvplace');

/**
 * A regression CSV `id,y_true,y_pred` of `n` rows; every `blankEvery`-th row is preceded by a blank
 * line (two for every third of those), every `multiEvery`-th row's id is a quoted field with a
 * line break and a comma. Row `bad` gets a negative value in `badCol` (1: y_true, 2: y_pred);
 * `badSplit` also puts a line break in that row's id, so the failing field is on the row's
 * second line. Returns the text, the line and column of the bad field and the line its row starts
 * on (what stdin and gzip name: without the file's text, no column).
 */
function regressionCsv(o: {
  n: number;
  bad: number;
  badCol: 1 | 2;
  blankEvery: number;
  multiEvery: number;
  badSplit?: boolean;
}): { text: string; line: number; column: number; rowLine: number } {
  const lines: string[] = ['id,y_true,y_pred'];
  let line = 0;
  let column = 0;
  let rowLine = 0;
  for (let r = 0; r < o.n; r++) {
    if (o.blankEvery > 0 && r > 0 && r % o.blankEvery === 0) {
      lines.push('');
      if ((r / o.blankEvery) % 3 === 0) lines.push('');
    }
    const multi = o.multiEvery > 0 && r % o.multiEvery === o.multiEvery - 1;
    const split = r === o.bad && o.badSplit === true;
    const id = split ? `"row ${r},\nsecond"` : multi ? `"id ${r},\nmore\nlines"` : `"id,${r}"`;
    const t = r === o.bad && o.badCol === 1 ? -2.5 : (r % 97) + 0.25;
    const p = r === o.bad && o.badCol === 2 ? -1.5 : (r % 89) + 0.5;
    const row = `${id},${t},${p}`;
    if (r === o.bad) {
      // The bad field: after the id and `badCol − 1` more fields, on the last line of the id.
      const before = [id, ...[String(t), String(p)].slice(0, o.badCol - 1)].join(',') + ',';
      const beforeLines = before.split('\n');
      line = lines.join('\n').split('\n').length + beforeLines.length;
      column = beforeLines[beforeLines.length - 1].length + 1;
      rowLine = lines.join('\n').split('\n').length + 1;
    }
    lines.push(row);
  }
  return { text: lines.join('\n') + '\n', line, column, rowLine };
}

const msle = (r: { results: { metric: string; error?: string }[] }) =>
  r.results.find((x) => x.metric === 'meanSquaredLogError')?.error ?? '';

describe('lineOfRow', () => {
  it('counts from the batch line, moved by each break at or before the row', () => {
    expect(lineOfRow(10, undefined, 0)).toBe(10);
    expect(lineOfRow(10, undefined, 5)).toBe(15);
    const breaks = [3, 20, 4, 24];
    expect([0, 1, 2, 3, 4, 5, 9].map((r) => lineOfRow(10, breaks, r))).toEqual([10, 11, 12, 20, 24, 25, 29]);
  });
});

describe('metric errors name file:line:column when rows do not each take one line', () => {
  const cases: [string, Parameters<typeof regressionCsv>[0]][] = [
    ['blank lines, y_true', { n: 300, bad: 211, badCol: 1, blankEvery: 7, multiEvery: 0 }],
    ['rows of several lines, y_pred', { n: 300, bad: 150, badCol: 2, blankEvery: 0, multiEvery: 5 }],
    ['both, y_true', { n: 300, bad: 299, badCol: 1, blankEvery: 11, multiEvery: 13 }],
    [
      'the failing field on the second line of its row',
      { n: 120, bad: 60, badCol: 2, blankEvery: 9, multiEvery: 4, badSplit: true },
    ],
    [
      'one-line rows (unchanged), a quoted comma before the field',
      { n: 200, bad: 77, badCol: 2, blankEvery: 0, multiEvery: 0 },
    ],
  ];
  for (const [what, o] of cases)
    it(`${what}: in batches of 1, 7 and all rows; the CLI on disk, stdin and gzip`, async () => {
      const { text, line, column, rowLine } = regressionCsv(o);
      const f = put(`${what.replace(/\W+/g, '-')}.csv`, text);
      for (const batchRows of [1, 7, 1 << 20]) {
        const r = await evaluateFile(f, { task: 'regression', metrics: ['meanSquaredLogError', 'mae'], batchRows });
        expect(msle(r), `batchRows ${batchRows}`).toMatch(
          new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:${column}: `),
        );
      }
      const args = ['--task', 'regression', '--metrics', 'meanSquaredLogError', '--json'];
      const disk = run(['eval', f, ...args]);
      expect(disk.status).toBe(1);
      expect(msle(JSON.parse(disk.stdout))).toMatch(new RegExp(`:${line}:${column}: meanSquaredLogError`));
      const stdin = run(['eval', '-', ...args], Buffer.from(text));
      expect(msle(JSON.parse(stdin.stdout))).toMatch(new RegExp(`^<stdin>:${rowLine}: meanSquaredLogError`));
      const gz = put(`${what.replace(/\W+/g, '-')}.csv.gz`, gzipSync(text));
      expect(msle(JSON.parse(run(['eval', gz, ...args]).stdout))).toMatch(new RegExp(`\\.csv\\.gz:${rowLine}: `));
    });
  it('blank lines in a file of many blocks, --workers 1 and 2: the same place', () => {
    // About 2.4 MB: blocks of 64 KiB+ (no quoted line break: the file is cut into blocks).
    const rows: string[] = ['y_true,y_pred'];
    const bad = 150_000;
    let badLine = 0;
    for (let r = 0; r < 200_000; r++) {
      if (r % 1000 === 999) rows.push('');
      if (r === bad) badLine = rows.length + 1;
      rows.push(r === bad ? '0.5,-1.25' : `${(r % 97) + 0.25},${(r % 89) + 0.5}`);
    }
    const f = put('blocks.csv', rows.join('\n') + '\n');
    for (const w of ['1', '2']) {
      const r = run(['eval', f, '--task', 'regression', '--metrics', 'meanSquaredLogError', '--workers', w, '--json']);
      expect(r.status).toBe(1);
      expect(msle(JSON.parse(r.stdout)), `workers ${w}`).toMatch(
        new RegExp(`blocks\\.csv:${badLine}:5: meanSquaredLogError`),
      );
    }
  });
});
