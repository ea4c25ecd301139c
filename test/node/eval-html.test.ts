/**
 * `losskit eval FILE --html report.html` (the built CLI) writes the self-contained evaluation page
 * for a binary file (with sample weights) and a multiclass file (digits, 10 score columns): the
 * ROC, PR, reliability, confusion (counts and normalized) and histogram SVGs are there, and in
 * headless Chromium the page has ink and every chart a box, drawn paths and ink. Also: the row
 * bound (exit 2, one line, nothing written), --workers > 1 refused, the input file refused, the
 * output directory created. Set LOSSKIT_SHOTS=dir to keep full-page screenshots.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectReport, launchChromium } from './chromium.js';

const CLI = 'dist/esm/node/cli.js';
const cli = (...args: string[]) => spawnSync('node', [CLI, 'eval', ...args, '-q'], { encoding: 'utf8' });

describe('losskit eval --html', () => {
  let dir = '';
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  const shots = process.env.LOSSKIT_SHOTS;
  beforeAll(async () => {
    expect(existsSync(CLI), 'run npm run build first').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'losskit-evalhtml-'));
    chrome = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await chrome?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cases: [string, string, string[]][] = [
    ['binary', 'examples/data/predictions-binary.csv', []],
    ['multiclass', 'examples/data/digits-predictions.csv', []],
    ['binary-threshold', 'examples/data/predictions-binary.csv', ['--threshold', '0.3']],
  ];
  for (const [name, input, extra] of cases) {
    it(`${name}: the page has the charts and renders with ink`, async () => {
      const file = join(dir, 'sub', `${name}.html`);
      const r = cli(input, '--html', file, ...extra);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const html = readFileSync(file, 'utf8');
      expect(html).not.toMatch(/<script|<link|src=|@import/i);
      expect(html.match(/<svg/g)?.length).toBe(6);
      for (const title of [
        '>ROC',
        '>Precision–recall',
        '>Reliability',
        name === 'multiclass' ? '>Score of each class' : '>Score distribution',
        '>Confusion matrix (counts)',
        '>Confusion matrix, row-normalised',
      ])
        expect(html).toContain(title);
      expect(html).toContain(input);
      const page = await inspectReport(chrome.context, file);
      expect(page.pageInk).toBeGreaterThan(0.01);
      expect(page.charts.length).toBe(6);
      page.charts.forEach((c, i) => {
        expect(c.width, `svg ${i} width`).toBeGreaterThan(300);
        expect(c.height, `svg ${i} height`).toBeGreaterThan(200);
        expect(c.paths, `svg ${i} data paths`).toBeGreaterThanOrEqual(2);
        expect(c.inkRatio, `svg ${i} ink`).toBeGreaterThan(0.02);
      });
      expect(page.requests).toEqual([]);
      expect(page.errors).toEqual([]);
      if (shots) {
        const p = await chrome.context.newPage();
        await p.goto(`file://${file}`);
        await p.screenshot({ path: join(shots, `cli-${name}.png`), fullPage: true });
        await p.close();
      }
    }, 60_000);
  }

  it('the threshold changes the binary confusion matrix', () => {
    const a = readFileSync(join(dir, 'sub', 'binary.html'), 'utf8');
    const b = readFileSync(join(dir, 'sub', 'binary-threshold.html'), 'utf8');
    expect(a).not.toBe(b);
    expect(b).toContain('0.3');
  });

  it('--pos-label 0: the page names the classes by their labels (negative 1, positive 0)', () => {
    const file = join(dir, 'pos0.html');
    expect(cli('examples/data/predictions-binary.csv', '--html', file, '--pos-label', '0').status).toBe(0);
    const rows = [...readFileSync(file, 'utf8').matchAll(/<th scope="row">([^<]*)</g)].map((m) => m[1]);
    expect(rows.slice(0, 2)).toEqual(['1', '0']);
    const def = [...readFileSync(join(dir, 'sub', 'binary.html'), 'utf8').matchAll(/<th scope="row">([^<]*)</g)];
    expect(def.slice(0, 2).map((m) => m[1])).toEqual(['0', '1']);
  });

  it('more rows than --html-max-rows: exit 2, one line naming the limit, nothing written', () => {
    const file = join(dir, 'big.html');
    const out = join(dir, 'big.json');
    const r = cli('examples/data/digits-predictions.csv', '--html', file, '--html-max-rows', '100', '--out', out);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/more than 100 rows.*--html-max-rows/);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect(cli('examples/data/digits-predictions.csv', '--html', file, '--html-max-rows', '450').status).toBe(0);
  });

  it('--workers > 1 is refused with a clear message', () => {
    const file = join(dir, 'w.html');
    const r = cli('examples/data/digits-predictions.csv', '--html', file, '--workers', '2');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--html .* --workers > 1/);
    expect(existsSync(file)).toBe(false);
  });

  it('the input file is refused as --html', () => {
    const r = cli('examples/data/digits-predictions.csv', '--html', 'examples/data/digits-predictions.csv');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/refusing to overwrite the input/);
  });
});
