/** `losskit eval` / `losskit diagnose` through the built CLI (npm test builds dist/ first). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..', '..');
const cli = join(root, 'dist/esm/node/cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'losskit-cli-'));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });

describe('losskit eval', () => {
  it('needs the build', () => expect(existsSync(cli)).toBe(true));
  it('prints a metric table and writes JSON atomically', () => {
    const out = join(tmp, 'res.json');
    const r = run(
      'eval',
      'examples/data/predictions-multiclass.csv',
      '--average',
      'weighted',
      '--metrics',
      'accuracy,f1_score,roc_auc_score',
      '--out',
      out,
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/150 rows \(csv\), task multiclass/);
    const j = JSON.parse(readFileSync(out, 'utf8')) as { results: { metric: string; value: number }[] };
    expect(j.results.map((x) => x.metric)).toEqual(['accuracy', 'f1_score', 'roc_auc_score']);
    for (const x of j.results) expect(x.value).toBeGreaterThan(0.5);
  });
  it('bad input exits 2 with a one-line message and leaves no output file', () => {
    const out = join(tmp, 'never.json');
    const bad = join(tmp, 'bad.csv');
    writeFileSync(bad, 'y_true,prob\n1,0.2\n0,x\n');
    const r = run('eval', bad, '--out', out);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`losskit: ${bad}:3:3: column 'prob' must hold a decimal number; received "x"`);
    expect(existsSync(out)).toBe(false);
    const r2 = run('eval', 'examples/data/predictions-binary.csv', '--metrics', 'f1,bogus', '--out', out);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/known metric name; received "bogus"/);
    expect(existsSync(out)).toBe(false);
    expect(run('eval', 'examples/data/predictions-binary.csv', '--task', 'nope').status).toBe(2);
  });
  it("a metric's own option error (raised by the metric, not by eval) is bad input: exit 2, one line, no output", () => {
    const out = join(tmp, 'never2.json');
    // SensitivityAtSpecificity requires its `specificity` option, which the CLI has no flag for
    const r = run(
      'eval',
      'examples/data/predictions-binary.csv',
      '--metrics',
      'SensitivityAtSpecificity',
      '--out',
      out,
    );
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/the run failed|\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });
});

describe('losskit diagnose', () => {
  it('warns about probabilities passed to crossEntropy (exit 0: a warning)', () => {
    const r = run('diagnose', 'examples/data/predictions-multiclass.csv', '--loss', 'CrossEntropyLoss');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/WARNING PROBABILITIES_AS_LOGITS/);
  });
  it('exits 1 on an error finding (logits given to BCELoss)', () => {
    const f = join(tmp, 'logits.json');
    writeFileSync(f, JSON.stringify({ yTrue: [0, 1, 1], yPred: [-2.1, 3.3, 0.4] }));
    const r = run('diagnose', f, '--loss', 'BCELoss', '--json');
    expect(r.status).toBe(1);
    const d = JSON.parse(r.stdout) as { findings: { code: string }[] };
    expect(d.findings.map((x) => x.code)).toContain('LOGITS_AS_PROBABILITIES');
  });
});
