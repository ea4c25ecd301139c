/**
 * `losskit eval` / `losskit merge` through the built CLI (npm test builds dist/ first): the
 * bad-input matrix (exit 2, one line naming the file and the place, no output), the adversarial
 * cases of issue 10, --out safety, exit 1 when a metric cannot be computed, workers, merge.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { binaryData, csvText, multiclassData, npyBytes } from './eval-helpers.js';

const root = resolve(__dirname, '..', '..');
const cli = join(root, 'dist/esm/node/cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'losskit-evalcli-'));
const run = (args: string[], input?: string | Buffer) =>
  spawnSync(process.execPath, [cli, ...args], { cwd: tmp, encoding: 'utf8', input });
const put = (name: string, content: string | Buffer) => {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
};
const good = put('good.csv', csvText(binaryData(200)));

/** Exit 2, exactly one stderr line starting with `losskit: <place>`, nothing on stdout, no --out file. */
function expectBad(args: string[], place: string | RegExp, input?: string | Buffer) {
  const out = join(tmp, `never-${Math.random().toString(36).slice(2)}.json`);
  const r = run([...args, '--out', out], input);
  expect(r.status, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  if (typeof place === 'string') expect(lines[0].startsWith(`losskit: ${place}`), lines[0]).toBe(true);
  else expect(lines[0]).toMatch(place);
  expect(lines[0]).not.toMatch(/\n\s+at /);
  expect(existsSync(out)).toBe(false);
  return lines[0];
}

describe('bad-input matrix: exit 2, one line naming file and place', () => {
  it('missing file', () => expectBad(['eval', 'missing.csv'], 'missing.csv: cannot read: no such file'));
  it('directory', () => {
    mkdirSync(join(tmp, 'adir'), { recursive: true });
    expectBad(['eval', 'adir'], 'adir: cannot read: is a directory');
  });
  it.skipIf(process.getuid?.() === 0)('unreadable file (not testable as root)', () => {
    const p = put('secret.csv', 'y_true,prob\n1,0.5\n');
    chmodSync(p, 0o000);
    expectBad(['eval', 'secret.csv'], 'secret.csv: cannot read: permission denied');
  });
  it('empty file', () => expectBad(['eval', put('empty.csv', '')], `${tmp}/empty.csv:1:1: the file is empty`));
  it('header only', () =>
    expectBad(
      ['eval', 'ho.csv'].map((x, i) => (i === 1 ? put(x, 'y_true,prob\n') : x)),
      `${tmp}/ho.csv:2:1: no data rows`,
    ));
  it('ragged row', () =>
    expectBad(
      ['eval', put('rag.csv', 'y_true,prob\n0,0.1\n1,0.2,7\n')],
      `${tmp}/rag.csv:3:6: row has 3 fields; expected 2`,
    ));
  it('non-numeric cell', () =>
    expectBad(
      ['eval', put('nn.csv', 'y_true,prob\n0,0.1\n1,abc\n')],
      `${tmp}/nn.csv:3:3: column 'prob' must hold a decimal number; received "abc"`,
    ));
  it('NUL bytes', () =>
    expectBad(
      ['eval', put('nul.csv', 'y_true,prob\n0,0.1\n1,0.\u00002\n')],
      `${tmp}/nul.csv:3:3: column 'prob' must hold a decimal number; received "0.\\u00002"`,
    ));
  it('binary garbage shows escaped, not raw, bytes', () => {
    const line = expectBad(
      ['eval', put('garbage.csv', Buffer.from([1, 2, 3, 0, 255, 10, 9, 8, 10]))],
      /garbage\.csv:1:1: /,
    );
    expect([...line].some((c) => c.charCodeAt(0) < 9)).toBe(false);
  });
  it('truncated gzip', () => {
    const gz = gzipSync(Buffer.from(csvText(binaryData(5000))));
    expectBad(
      ['eval', put('t.csv.gz', gz.subarray(0, gz.length >> 1))],
      `${tmp}/t.csv.gz: corrupt or truncated gzip data`,
    );
  });
  it('wrong .npy dtype', () => {
    const t = put('t.npy', npyBytes([0, 1, 1], [3], '<i8'));
    const p = put('c.npy', npyBytes([0.1, 0.9, 0.7], [3], '<c16'));
    expectBad(['eval', '--y-true', t, '--y-pred', p], `${p}: unsupported dtype '<c16'`);
  });
  it('mismatched .npy lengths', () => {
    const t = put('t3.npy', npyBytes([0, 1, 1], [3], '<i8'));
    const p = put('p4.npy', npyBytes([0.1, 0.9, 0.7, 0.2], [4], '<f8'));
    expectBad(['eval', '--y-true', t, '--y-pred', p], `${p}: has 4 rows`);
  });
  it('invalid JSON names line:column', () =>
    expectBad(['eval', put('bad.json', '{"yTrue": [0, 1],\n "yPred": [0.1, }')], `${tmp}/bad.json:2:`));
});

describe('adversarial cases (issue 10, section 6)', () => {
  it('one label outside {0,1} with one score column: no silent regression; ambiguous → exit 2 with advice', () => {
    const f = put('amb.json', '{"yTrue":[0,1,2,0],"yPred":[0.2,0.8,0.6,0.4]}');
    expectBad(['eval', f], /cannot infer the task.*--task regression/);
    const r = run(['eval', f, '--task', 'regression']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/task regression \(given\)/);
  });
  it('the inferred task is printed', () => {
    const r = run(['eval', good]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/task binary \(inferred: labels 0\/1 and scores in \[0, 1\]/);
  });
  it('a label outside {0,1} after the first rows: exit 2 at its line', () => {
    const lines = csvText(binaryData(1500)).split('\n');
    lines[1400] = '2,0.5';
    expectBad(
      ['eval', put('late.csv', lines.join('\n'))],
      `${tmp}/late.csv:1401:1: column 'y_true' must hold a binary label 0 or 1`,
    );
  });
  it('hexadecimal cells are rejected', () => {
    expectBad(['eval', put('hex.csv', 'y_true,prob\n1,0.5\n0,0x1\n')], /hex\.csv:3:3: .*hexadecimal/);
    expectBad(['eval', put('hex2.csv', 'y_true,prob\n0x1,0.5\n0,0.2\n')], /hex2\.csv:2:1: .*hexadecimal/);
  });
  it('unknown JSON / NDJSON keys are errors (a misspelt sample_weight is not dropped)', () => {
    expectBad(
      ['eval', put('k.json', '{"yTrue":[0,1],"yPred":[0.2,0.8],"sample_wieght":[1,2]}')],
      /k\.json:1:1: unknown key "sample_wieght"/,
    );
    expectBad(
      ['eval', put('k.jsonl', '{"y_true":0,"y_pred":0.2}\n{"y_true":1,"y_pred":0.7,"wieght":3}\n')],
      /k\.jsonl:2:1: unknown key "wieght"/,
    );
  });
  it('--threshold goes only to metrics that take one (averagePrecision keeps working)', () => {
    const r = run(['eval', good, '--threshold', '0.3', '--metrics', 'averagePrecision,f1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      results: { metric: string; value: number; settings: Record<string, unknown> }[];
    };
    expect(j.results[0].value).toBeGreaterThan(0.5);
    expect(j.results[0].settings.threshold).toBeUndefined();
    expect(j.results[1].settings.threshold).toBe(0.3);
  });
  it('--threshold 5, NaN cells, probability 1.5, negative weights: exit 2, no output', () => {
    expectBad(['eval', good, '--threshold', '5'], /threshold' must be a probability in \[0, 1\]; received 5/);
    expectBad(
      ['eval', put('nan.csv', 'y_true,prob\n0,0.1\n1,NaN\n')],
      `${tmp}/nan.csv:3:3: column 'prob' must hold a decimal number; received "NaN"`,
    );
    expectBad(
      ['eval', put('p15.csv', 'y_true,prob\n0,0.1\n1,1.5\n'), '--task', 'binary'],
      `${tmp}/p15.csv:3:3: column 'prob' must hold a probability in [0, 1]`,
    );
    expectBad(
      ['eval', put('nw.csv', 'y_true,prob,weight\n0,0.1,1\n1,0.5,-1\n')],
      `${tmp}/nw.csv:3:7: column 'weight' must hold a finite sample weight >= 0; received -1`,
    );
  });
  it('--out: the input refused; a FIFO refused (no blocking); a directory → exit 2; missing directories created', () => {
    const inp = put('in.csv', csvText(binaryData(20)));
    const before = readFileSync(inp, 'utf8');
    const r = run(['eval', inp, '--out', inp]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out is the input file/);
    expect(readFileSync(inp, 'utf8')).toBe(before);
    const fifo = join(tmp, 'fifo');
    if (spawnSync('mkfifo', [fifo]).status === 0) {
      const f = run(['eval', inp, '--out', fifo]);
      expect(f.status).toBe(2);
      expect(f.stderr).toMatch(/not a regular file/);
    }
    mkdirSync(join(tmp, 'outdir'), { recursive: true });
    const d = run(['eval', inp, '--out', join(tmp, 'outdir')]);
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/outdir: --out is a directory/);
    expect(d.stderr).not.toMatch(/\n\s+at /);
    const deep = join(tmp, 'new', 'deeper', 'r.json');
    expect(run(['eval', inp, '--out', deep]).status).toBe(0);
    expect(JSON.parse(readFileSync(deep, 'utf8')).rows).toBe(20);
  });
  it('temp files of a killed run are found and removed by the next run', () => {
    const out = join(tmp, 'atomic.json');
    const stale = join(tmp, '.atomic.json.losskit-999999.tmp'); // pid 999999: not running
    writeFileSync(stale, 'partial');
    expect(run(['eval', good, '--out', out]).status).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(tmp).filter((n) => n.includes('.losskit-'))).toEqual([]);
  });
});

describe('CLI behaviour', () => {
  it('--version', () => {
    const r = run(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    );
  });
  it('no progress line when stderr is not a TTY', () => {
    const r = run(['eval', good]);
    expect(r.stderr).toBe('');
  });
  it('exit 1 when a requested metric cannot be computed, the reason said once', () => {
    const one = put('oneclass.csv', 'y_true,prob\n0,0.1\n0,0.4\n0,0.3\n');
    const r = run(['eval', one, '--metrics', 'accuracy,auroc,averagePrecision']);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/accuracy\s+1/);
    const notes = r.stdout.split('\n').filter((l) => /^\s+\(\d\) not computed/.test(l));
    expect(notes.length).toBeGreaterThanOrEqual(1);
    const reasons = notes.map((l) => l.replace(/^.*\): /, ''));
    expect(new Set(reasons).size).toBe(reasons.length);
  });
  it('stdin as -, gzip, output formats', () => {
    const text = csvText(binaryData(50));
    const a = run(['eval', '-', '--format', 'json'], text);
    const b = run(['eval', '-', '--format', 'json'], gzipSync(Buffer.from(text)));
    expect(a.status).toBe(0);
    const ja = JSON.parse(a.stdout) as { file: string; results: unknown };
    expect(ja.file).toBe('<stdin>');
    expect(ja.results).toEqual((JSON.parse(b.stdout) as { results: unknown }).results);
    expect(run(['eval', '-', '--format', 'csv'], text).stdout.split('\n')[0]).toBe('metric,value,settings,error');
    expect(run(['eval', '-', '--format', 'markdown'], text).stdout).toMatch(/\| metric \| value \| settings \|/);
  });
  it('no stack trace on EPIPE (| head)', () => {
    const big = put('many.csv', csvText(multiclassData(3000, 12)));
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${cli}" eval "${big}" --format json | head -c 10`], {
      encoding: 'utf8',
    });
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });
  it('--report appends the classification report; --report on regression is exit 2', () => {
    const r = run(['eval', good, '--report', '--metrics', 'f1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/precision {4}recall {2}f1-score {3}support/);
    expect(r.stdout).toMatch(/weighted avg/);
    const j = JSON.parse(run(['eval', good, '--report', '--json']).stdout) as { report: Record<string, unknown> };
    expect(Object.keys(j.report)).toEqual(['0', '1', 'accuracy', 'macro avg', 'weighted avg']);
    expectBad(
      ['eval', put('regr.json', '{"yTrue":[0.5,1.5],"yPred":[0.4,1.6]}'), '--report'],
      /'report' applies to tasks binary and multiclass/,
    );
  });
  it('text labels are printed with their index', () => {
    const r = run([
      'eval',
      put('spam.csv', 'label,score\nspam,0.9\nham,0.2\nspam,0.4\nham,0.6\n'),
      '--pos-label',
      'spam',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/labels \(sorted, as scikit-learn classes_\): 0=ham 1=spam/);
    expect(r.stdout).toMatch(/positive label: spam/);
  });
});

describe('workers, --save-state and merge', () => {
  const d = binaryData(30000, 21);
  const whole = put('big.csv', csvText(d));
  it('--workers 3 (worker threads) equals one worker', () => {
    const a = JSON.parse(run(['eval', whole, '--json']).stdout) as { results: { value: number }[]; rows: number };
    const r = run(['eval', whole, '--json', '--workers', '3']);
    expect(r.status, r.stderr).toBe(0);
    const b = JSON.parse(r.stdout) as { results: { value: number }[]; rows: number };
    expect(b.rows).toBe(30000);
    a.results.forEach((x, i) => expect(b.results[i].value).toBeCloseTo(x.value, 12));
  });
  it('--workers auto (-wauto, --workers=auto) takes one thread per core, with the same results; other values are refused', () => {
    const a = JSON.parse(run(['eval', whole, '--json']).stdout) as { results: { value: number }[] };
    for (const flag of [['--workers', 'auto'], ['-wauto'], ['--workers=auto']]) {
      const r = spawnSync(process.execPath, [cli, 'eval', whole, '--json', '--quiet', ...flag], {
        encoding: 'utf8',
        env: { ...process.env, LOSSKIT_EVAL_TRACE: '1', LOSSKIT_EVAL_SPLIT: 'static' },
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`${availableParallelism()} worker(s)`);
      const b = JSON.parse(r.stdout) as { results: { value: number }[] };
      a.results.forEach((x, i) => expect(b.results[i].value).toBeCloseTo(x.value, 12));
    }
    for (const v of ['0', '257', 'two', 'Auto', '-1']) {
      const r = run(['eval', whole, '--workers', v]);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`workers must be an integer in [1, 256] or 'auto'; received "${v}"`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
  it('a bad cell found by a worker is reported with its line', () => {
    const lines = csvText(d).split('\n');
    lines[25000] = '1,oops';
    const f = put('bigbad.csv', lines.join('\n'));
    expectBad(['eval', f, '--workers', '2'], `${f}:25001:3: column 'prob' must hold a decimal number; received "oops"`);
  });
  it('shards: eval --save-state each, losskit merge = one pass', () => {
    const text = csvText(d).trimEnd().split('\n');
    const header = text[0];
    const states: string[] = [];
    for (let s = 0; s < 3; s++) {
      const part = put(`part${s}.csv`, [header, ...text.slice(1).filter((_, i) => i % 3 === s)].join('\n') + '\n');
      const st = join(tmp, 'states', `part${s}.json`);
      expect(run(['eval', part, '--save-state', st, '--quiet']).status).toBe(0);
      states.push(st);
    }
    const m = run(['merge', ...states, '--json']);
    expect(m.status, m.stderr).toBe(0);
    const merged = JSON.parse(m.stdout) as { rows: number; results: { metric: string; value: number }[] };
    const one = JSON.parse(run(['eval', whole, '--json']).stdout) as { results: { metric: string; value: number }[] };
    expect(merged.rows).toBe(30000);
    merged.results.forEach((x, i) => {
      if (['accuracy', 'precision', 'recall', 'f1', 'auroc', 'averagePrecision'].includes(x.metric))
        expect(x.value).toBe(one.results[i].value);
      else expect(x.value).toBeCloseTo(one.results[i].value, 12);
    });
    expectBad(['merge', states[0], put('notstate.json', '{"a":1}')], /notstate\.json: not a losskit state file/);
  });
});
