/**
 * Holes found by running issue 10's adversarial list against the built CLI by hand (the rest of
 * the list is covered by eval-cli.test.ts and eval-formats.test.ts):
 * - a numeric `--pos-label` that is not one of the labels, a third label value with
 *   `--pos-label`, and `--pos-label` of the first class with predict_proba's two columns
 *   (scored on the other class's column: AUROC 0) computed silently; scikit-learn refuses them;
 * - `--out` and `--save-state` (or `--html`) naming one file: the second write replaced the first;
 * - `--threshold` on a multiclass task, `--top-k` without top-k accuracy, …: dropped silently;
 * - the progress line printed cli-progress's own ETA (`ETA INF` on stdin) instead of its own;
 * - EPIPE tested with an output larger than the pipe buffer (a small one never raises it);
 * - an unreadable file tested as root too (a read error, not a permission error).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EvalProgress } from '../../src/node/eval/progress.js';

const root = resolve(__dirname, '..', '..');
const cli = join(root, 'dist/esm/node/cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'losskit-audit-'));
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: tmp, encoding: 'utf8' });
const put = (name: string, content: string) => {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
};

/** Exit 2, one stderr line `losskit: <place>…`, nothing on stdout, no output file. */
function expectBad(args: string[], line: string | RegExp): void {
  const out = join(tmp, `never-${Math.random().toString(36).slice(2)}.json`);
  const r = run([...args, '--out', out]);
  expect(r.status, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  if (typeof line === 'string') expect(lines[0]).toBe(`losskit: ${line}`);
  else expect(lines[0]).toMatch(line);
  expect(existsSync(out)).toBe(false);
}

describe('--pos-label with numeric labels (scikit-learn refuses these)', () => {
  const good = put('g.csv', 'y_true,prob\n0,0.1\n1,0.8\n1,0.6\n0,0.3\n');
  it('a label that is not in the file', () =>
    expectBad(['eval', good, '--pos-label', '7'], `${good}: --pos-label 7 is not one of the labels 0, 1 of 'y_true'`));
  it('three label values in the first rows', () =>
    expectBad(
      ['eval', put('three.csv', 'y_true,prob\n-1,0.1\n1,0.8\n2,0.3\n'), '--pos-label', '1'],
      /three\.csv: task 'binary' but 'y_true' holds more than two label values: -1, 1, 2$/,
    ));
  it('a third label value after the first rows: exit 2 at its line (one thread and workers)', () => {
    const rows = ['y_true,prob'];
    for (let i = 0; i < 1500; i++) rows.push('-1,0.2', '1,0.7');
    rows.push('2,0.5');
    const f = put('late3.csv', rows.join('\n') + '\n');
    const msg = `${f}:3002:1: column 'y_true' must hold one of the two labels -1 and 1 (--pos-label 1; the first rows hold these two); received 2`;
    expectBad(['eval', f, '--pos-label', '1'], msg);
    expectBad(['eval', f, '--pos-label', '1', '--workers', '2'], msg);
  });
  it("predict_proba's two columns with the first class as --pos-label", () =>
    expectBad(
      ['eval', put('pp.csv', 'y_true,p_0,p_1\n0,0.9,0.1\n1,0.2,0.8\n'), '--pos-label', '0'],
      /pp\.csv: --pos-label 0 is the first class: predict_proba's second column p_1 is the score of 1$/,
    ));
  it('labels -1 / 1 with --pos-label 1 still work', () => {
    const r = run([
      'eval',
      put('svm.csv', 'y_true,prob\n-1,0.1\n1,0.8\n1,0.6\n-1,0.3\n'),
      '--pos-label',
      '1',
      '--metrics',
      'auroc,accuracy',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { results: { value: number }[] };
    expect(j.results.map((x) => x.value)).toEqual([1, 1]);
  });
});

describe('an option that reaches none of the requested metrics is an error, not dropped', () => {
  const bin = join(root, 'examples/data/predictions-binary.csv');
  const mc = join(root, 'examples/data/predictions-multiclass.csv');
  it('--threshold on a multiclass task', () =>
    expectBad(
      ['eval', mc, '--threshold', '0.3'],
      /^losskit: --threshold reaches none of the requested metrics \(accuracy, .*; task multiclass\)/,
    ));
  it('--top-k without top-k accuracy', () =>
    expectBad(['eval', bin, '--top-k', '3'], /^losskit: --top-k reaches none of the requested metrics/));
  it('--auroc-bins without AUROC / AP', () =>
    expectBad(
      ['eval', bin, '--metrics', 'f1', '--auroc-bins', '10'],
      /^losskit: --auroc-bins reaches none .*\(f1; task binary\)/,
    ));
  it('--average where no metric averages', () =>
    expectBad(['eval', bin, '--metrics', 'logLoss', '--average', 'macro'], /^losskit: --average reaches none/));
  it('taken by one metric, or by the classification report: accepted', () => {
    expect(run(['eval', bin, '--metrics', 'auroc', '--threshold', '0.3', '--report']).status).toBe(0);
    expect(run(['eval', mc, '--top-k', '2', '--average', 'weighted']).status).toBe(0);
    expect(run(['eval', bin, '--metrics', 'f1,auroc', '--auroc-bins', '10']).status).toBe(0);
  });
});

describe('--average with the default metrics goes where it is accepted', () => {
  // Expected values: scikit-learn 1.2.1 on these rows, thresholded at 0.5 —
  // accuracy_score 0.6666666666666666; precision_score / recall_score / f1_score
  // (average='macro') 0.6666666666666666 / 0.65 / 0.6493506493506493 (binary f1 would be 0.5714…).
  const rows = 'y_true,y_pred\n0,0.2\n1,0.7\n1,0.4\n0,0.1\n1,0.9\n0,0.6\n0,0.3\n0,0.05\n1,0.45\n';
  it('binary --average macro: precision / recall / f1 macro, accuracy plain (it has no macro form)', () => {
    const f = put('avg.csv', rows);
    const r = run(['eval', f, '--average', 'macro', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      results: { metric: string; value: number; settings: { average?: string } }[];
    };
    const by = new Map(out.results.map((m) => [m.metric, m]));
    expect(by.get('accuracy')?.value).toBeCloseTo(0.6666666666666666, 12);
    expect(by.get('accuracy')?.settings.average).not.toBe('macro');
    expect(by.get('precision')?.value).toBeCloseTo(0.6666666666666666, 12);
    expect(by.get('recall')?.value).toBeCloseTo(0.65, 12);
    expect(by.get('f1')?.value).toBeCloseTo(0.6493506493506493, 12);
    for (const m of ['precision', 'recall', 'f1']) expect(by.get(m)?.settings.average).toBe('macro');
  });
  it('a metric named with --metrics that refuses the average is still exit 2', () => {
    const f = put('avg2.csv', rows);
    expectBad(
      ['eval', f, '--metrics', 'accuracy', '--average', 'macro'],
      /^losskit: accuracy: option 'average' must be one of/,
    );
  });
});

describe('output options naming one file', () => {
  it('eval --out and --save-state (or --html) on one file: exit 2, nothing written', () => {
    const inp = put('in.csv', 'y_true,prob\n0,0.1\n1,0.8\n');
    const same = join(tmp, 'same.json');
    const r = run(['eval', inp, '--out', same, '--save-state', './same.json']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      'losskit: ./same.json: --out and --save-state name the same file; give each its own file',
    );
    expect(existsSync(same)).toBe(false);
    const h = run(['eval', inp, '--html', join(tmp, 'p.html'), '--save-state', join(tmp, 'p.html')]);
    expect(h.status).toBe(2);
    expect(h.stderr).toMatch(/--save-state and --html name the same file/);
  });
  it('merge --out and --save-state on one file', () => {
    const inp = put('in2.csv', 'y_true,prob\n0,0.1\n1,0.8\n');
    const st = join(tmp, 'st.json');
    expect(run(['eval', inp, '--save-state', st]).status).toBe(0);
    const r = run(['merge', st, '--out', join(tmp, 'm.json'), '--save-state', join(tmp, 'm.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out and --save-state name the same file/);
  });
});

describe('the progress line', () => {
  const tty = () => {
    const chunks: string[] = [];
    const stream = {
      isTTY: true,
      columns: 200,
      write(s: string) {
        chunks.push(s);
        return true;
      },
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
      on() {
        return this;
      },
      removeListener() {
        return this;
      },
    };
    return { chunks, stream: stream as unknown as NodeJS.WritableStream };
  };
  it('a file: bytes of the total and its own ETA', () => {
    const { chunks, stream } = tty();
    const p = new EvalProgress(stream);
    p.update({ rows: 1000, bytes: 5e6, total: 2e7 });
    p.stop();
    const text = chunks.join('');
    expect(text).toMatch(/5\.0 MB \/ 20\.0 MB \| 1,000 rows \| [\d,]+ rows\/s \| ETA (\d+s|\?)/);
    expect(text).not.toMatch(/INF|NULL/);
  });
  it('a stream of unknown size (stdin): no bar, no ETA', () => {
    const { chunks, stream } = tty();
    const p = new EvalProgress(stream);
    p.update({ rows: 10, bytes: 1e6, total: null });
    p.stop();
    const text = chunks.join('');
    expect(text).toMatch(/eval \| 1\.0 MB \| 10 rows \| [\d,]+ rows\/s/);
    expect(text).not.toMatch(/ETA|INF|█|░/);
  });
});

describe('a closed pipe (| head) with more output than the pipe holds', () => {
  it('exits 0 with nothing on stderr (the EPIPE is really raised: about 240 KB of JSON)', () => {
    const rows = ['y_true,prob'];
    for (let i = 0; i < 30000; i++) rows.push(`${i % 3 === 0 ? 1 : 0},${((i * 7919) % 100003) / 100003}`);
    const f = put('curve.csv', rows.join('\n') + '\n');
    const full = run(['eval', f, '--metrics', 'rocCurve', '--json']);
    expect(full.stdout.length).toBeGreaterThan(1 << 17); // more than a 64 KiB pipe buffer
    const r = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${cli}" eval "${f}" --metrics rocCurve --json | head -c 10; exit \${PIPESTATUS[0]}`,
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stdout).toBe('{\n  "file"');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('unreadable input, also when the tests run as root', () => {
  it.skipIf(process.platform !== 'linux')('a read error (EIO) is exit 2 with one line naming the file', () =>
    expectBad(['eval', '/proc/self/mem'], /^losskit: \/proc\/self\/mem: cannot read: EIO/),
  );
});

describe('the installed command runs through its shebang', () => {
  it.skipIf(process.platform !== 'linux')(
    '`#!/usr/bin/env -S node --max-semi-space-size=4` starts the CLI (npm links the bin to this file, executable)',
    () => {
      const first = readFileSync(cli, 'utf8').split('\n', 1)[0];
      expect(first).toBe('#!/usr/bin/env -S node --max-semi-space-size=4');
      chmodSync(cli, 0o755); // what npm does to a package's bin on install
      const r = spawnSync(cli, ['--version'], { cwd: tmp, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(
        (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
      );
    },
  );
});
