/**
 * The evaluation charts and page (src/plot/eval-charts.ts, eval-report.ts): numbers against the
 * metrics they draw, and the page rendered in headless Chromium (Debian's /usr/bin/chromium via
 * playwright-core): a binary file with sample weights, the digits multiclass predictions and a
 * hard-label file. Every chart must have a box, drawn paths and ink. Set LOSSKIT_SHOTS=dir to keep
 * full-page screenshots for a human to look at.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectReport, launchChromium } from './node/chromium.js';
import {
  auroc,
  averagePrecision,
  calibrationError,
  evaluationCharts,
  metrics,
  renderEvaluationReport,
} from '../src/index.js';
import { expectLosskitError } from './helpers.js';

const root = join(__dirname, '..');
function csv(file: string): number[][] {
  return readFileSync(join(root, file), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').map(Number));
}
const bin = csv('examples/data/predictions-binary.csv');
const binary = { yTrue: bin.map((r) => r[0]), yPred: bin.map((r) => r[1]), w: bin.map((r) => r[2]) };
const dig = csv('examples/data/digits-predictions.csv');
const digits = { yTrue: dig.map((r) => r[0]), yPred: dig.map((r) => r.slice(1)) };

describe('evaluationCharts', () => {
  it('binary: the numbers are the metrics', () => {
    const c = evaluationCharts(binary.yTrue, binary.yPred, { sampleWeight: binary.w });
    expect(c.summary.task).toBe('binary');
    expect(c.summary.auc).toEqual([auroc(binary.yTrue, binary.yPred, { sampleWeight: binary.w })]);
    expect(c.summary.ap).toEqual([averagePrecision(binary.yTrue, binary.yPred, { sampleWeight: binary.w })]);
    expect(c.summary.ece).toBe(calibrationError(binary.yTrue, binary.yPred, { nBins: 10, sampleWeight: binary.w }));
    for (const k of ['roc', 'pr', 'reliability', 'histogram', 'confusion', 'confusionNormalized'] as const)
      expect(c[k]?.startsWith('<svg'), k).toBe(true);
    expect(c.roc).toContain(`AUC ${(c.summary.auc as number[])[0].toFixed(3)}`);
    expect(c.roc).toContain('chance (AUC 0.5)');
    expect(c.pr).toContain('prevalence');
    expect(c.reliability).toContain('ECE');
  });
  it('multiclass: one curve per class, the confusion matrix of the argmax', () => {
    const c = evaluationCharts(digits.yTrue, digits.yPred);
    expect(c.summary.numClasses).toBe(10);
    expect(c.summary.auc).toEqual(auroc(digits.yTrue, digits.yPred, { numClasses: 10, average: 'none' }));
    expect(c.roc?.match(/data-series="class \d · AUC/g)?.length).toBe(10);
    const cm = metrics.confusionMatrix(digits.yTrue, digits.yPred, {
      task: 'multiclass',
      numClasses: 10,
    }) as number[][];
    // Every count appears as a cell label.
    expect(c.confusion).toContain(`>${cm[8][8]}</text>`);
    expect(c.confusion.match(/data-series="/g)?.length).toBe(100);
  });
  it('hard labels: confusion matrices only', () => {
    const c = evaluationCharts([0, 1, 2, 2], [0, 2, 2, 1]);
    expect(c.roc).toBeUndefined();
    expect(c.confusion).toContain('<svg');
  });
  it('bad input', () => {
    expectLosskitError(() => evaluationCharts([0, 1], [0.5]), 'SHAPE_MISMATCH', "'yPred'");
    expectLosskitError(
      () =>
        evaluationCharts(
          [0, 3],
          [
            [0.5, 0.5],
            [0.1, 0.9],
          ],
        ),
      'INVALID_LABEL',
      '[0, 1]',
    );
    expectLosskitError(
      () => evaluationCharts([0, 1], [0.2, 0.7], { classNames: ['a'] }),
      'INVALID_OPTION',
      'classNames',
    );
  });
});

describe('the evaluation page in headless Chromium', () => {
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let dir: string;
  const shots = process.env.LOSSKIT_SHOTS;
  beforeAll(async () => {
    chrome = await launchChromium();
    dir = mkdtempSync(join(tmpdir(), 'losskit-eval-'));
    if (shots) mkdirSync(shots, { recursive: true });
  });
  afterAll(async () => {
    await chrome?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const pages: [string, () => string, number][] = [
    [
      'binary',
      () =>
        renderEvaluationReport(binary.yTrue, binary.yPred, {
          sampleWeight: binary.w,
          title: 'Binary <eval>',
          classNames: ['negative', 'positive'],
        }),
      6,
    ],
    ['multiclass', () => renderEvaluationReport(digits.yTrue, digits.yPred, { title: 'digits' }), 6],
    ['labels', () => renderEvaluationReport([0, 1, 2, 2, 1, 0], [0, 2, 2, 2, 1, 1], { title: 'labels' }), 2],
  ];
  for (const [name, make, nCharts] of pages) {
    it(`${name}: every chart has a box, drawn paths and ink`, async () => {
      const html = make();
      expect(html).not.toMatch(/<script|<link|src=|@import/i);
      const file = join(dir, `${name}.html`);
      writeFileSync(file, html);
      const r = await inspectReport(chrome.context, file);
      expect(r.pageInk).toBeGreaterThan(0.01);
      expect(r.charts.length).toBe(nCharts);
      r.charts.forEach((c, i) => {
        expect(c.width, `svg ${i} width`).toBeGreaterThan(300);
        expect(c.height, `svg ${i} height`).toBeGreaterThan(200);
        expect(c.paths, `svg ${i} data paths`).toBeGreaterThanOrEqual(2);
        expect(c.minPathLength, `svg ${i} path length`).toBeGreaterThan(10);
        expect(c.inkRatio, `svg ${i} ink`).toBeGreaterThan(0.02);
      });
      expect(r.requests).toEqual([]);
      expect(r.errors).toEqual([]);
      if (shots) {
        const page = await chrome.context.newPage();
        await page.goto(`file://${file}`);
        await page.screenshot({ path: join(shots, `eval-${name}.png`), fullPage: true });
        await page.close();
      }
    }, 60_000);
  }
});
