/**
 * renderReport, plus the real thing: the report opened in headless Chromium (Debian's
 * /usr/bin/chromium driven by playwright-core), screenshotted, and every chart checked to be
 * rendered (non-zero box, paths with length, non-white pixels). Chromium is required: when it is
 * missing this test FAILS (CI installs it in .ci/run), it never skips silently.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectReport, launchChromium } from './node/chromium.js';
import {
  LossHistory,
  LosskitError,
  lossCurveChart,
  lrFinderChart,
  lrRangeTestSync,
  predictionChart,
  renderReport,
} from '../src/index.js';

function sampleReport(): string {
  const h = new LossHistory();
  for (let e = 0; e < 20; e++) {
    for (let b = 0; b < 5; b++) h.logBatch({ epoch: e, batch: b, loss: 1 / (1 + e + b / 5) });
    h.logEpoch({ epoch: e, loss: 1 / (1 + e), valLoss: 1.1 / (1 + e) + 0.01 * e });
  }
  let w = 4;
  const lr = lrRangeTestSync(
    (l) => {
      const loss = 0.5 * w * w;
      w -= l * w;
      return loss;
    },
    { minLr: 1e-4, maxLr: 100, numSteps: 80 },
  );
  const t = Array.from({ length: 200 }, (_, i) => i * 0.05);
  return renderReport({
    title: 'Test <report> & charts',
    subtitle: 'three charts and a table',
    meta: { epochs: 20, backend: 'none' },
    sections: [
      { heading: 'Loss', svg: lossCurveChart(h), text: 'Training & validation.' },
      { heading: 'LR finder', svg: lrFinderChart(lr) },
      {
        heading: 'Predictions',
        svg: predictionChart({
          x: t,
          yTrue: t.map(Math.cos),
          yPred: t.map((v) => Math.cos(v) + 0.05 * Math.sin(7 * v)),
        }),
      },
      {
        heading: 'Numbers',
        table: {
          columns: ['λ', 'share'],
          rows: [
            [0, 0.123456],
            [0.5, null],
            [2, 'n/a'],
          ],
          caption: 'a table',
        },
      },
    ],
    footer: 'losskit test',
  });
}

describe('renderReport (string)', () => {
  it('is one self-contained HTML document', () => {
    const html = sampleReport();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<title>Test &lt;report&gt; &amp; charts</title>');
    expect(html.match(/<svg /g)?.length).toBe(3);
    expect(html).toContain('<td class="num">0.1235</td>');
    expect(html).toContain('<td class="na">—</td>');
    expect(html).toContain('<caption>a table</caption>');
    // No external resources, no scripts.
    expect(html).not.toMatch(/<script|<link|src=|@import|url\((?!#)/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('rejects bad sections', () => {
    const bad = (f: () => unknown, code: string, re: RegExp) => {
      try {
        f();
        expect.fail('no error');
      } catch (e) {
        expect(e).toBeInstanceOf(LosskitError);
        expect((e as LosskitError).code).toBe(code);
        expect((e as LosskitError).message).toMatch(re);
      }
    };
    bad(
      // @ts-expect-error: title missing
      () => renderReport({ sections: [] }),
      'INVALID_OPTION',
      /renderReport: option 'title' must be a string; received undefined/,
    );
    bad(
      () => renderReport({ title: 't', sections: [{ heading: 'x', svg: '<div>' }] }),
      'INVALID_OPTION',
      /'sections\[0\].svg' must be SVG markup starting with <svg; received "<div>"/,
    );
    bad(
      () => renderReport({ title: 't', sections: [{ heading: 'x', table: { columns: ['a', 'b'], rows: [[1]] } }] }),
      'SHAPE_MISMATCH',
      /row 0 has 1 cells; expected 2 \(one per column\)/,
    );
  });
});

describe('the HTML report in headless Chromium', () => {
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let dir: string;

  beforeAll(async () => {
    chrome = await launchChromium();
    dir = mkdtempSync(join(tmpdir(), 'losskit-report-'));
  });

  afterAll(async () => {
    await chrome?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('renders every chart: non-blank screenshot, non-empty SVG boxes with drawn paths', async () => {
    const file = join(dir, 'index.html');
    writeFileSync(file, sampleReport());
    const r = await inspectReport(chrome.context, file);
    expect(r.title).toBe('Test <report> & charts');
    // The page background is #f6f7f9 (counts as white here); text, borders and charts are not.
    expect(r.pageInk).toBeGreaterThan(0.005);
    expect(r.charts.length).toBe(3);
    r.charts.forEach((c, i) => {
      expect(c.width, `svg ${i} width`).toBeGreaterThan(100);
      expect(c.height, `svg ${i} height`).toBeGreaterThan(100);
      expect(c.paths, `svg ${i} data paths`).toBeGreaterThanOrEqual(2);
      expect(c.minPathLength, `svg ${i} path length`).toBeGreaterThan(10);
      expect(c.inkRatio, `svg ${i} ink`).toBeGreaterThan(0.01);
    });
    expect(r.requests).toEqual([]);
    expect(r.errors).toEqual([]);
  });

  it('a blank page is detected as blank (the check can fail)', async () => {
    const file = join(dir, 'blank.html');
    writeFileSync(file, renderReport({ title: 'empty', sections: [] }).replace(/<h1>.*<\/h1>/, ''));
    const r = await inspectReport(chrome.context, file);
    expect(r.charts.length).toBe(0);
    expect(r.pageInk).toBeLessThan(0.005);
  });
});
