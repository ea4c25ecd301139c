/** SVG writer and sparkline. Expected values are worked out by hand in the comments. */
import { describe, expect, it } from 'vitest';
import { expectLosskitError as expectError } from './helpers.js';
import {
  LossHistory,
  lineChart,
  lossCurveChart,
  lrFinderChart,
  lrRangeTestSync,
  predictionChart,
  sparkline,
} from '../src/index.js';
import { escapeXml, formatTick, logTicks, niceTicks } from '../src/plot/svg.js';

/** The `d` attributes of the data paths (those carrying data-series). */
function seriesPaths(svg: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of svg.matchAll(/<path d="([^"]*)"[^>]*data-series="([^"]*)"/g)) out[m[2]] = m[1];
  return out;
}

describe('ticks', () => {
  it('niceTicks uses 1-2-5 steps and covers the range', () => {
    expect(niceTicks(0, 0.93)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]); // raw step 0.186 → 0.2
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]); // raw 2 → 2
    expect(niceTicks(0.1, 0.35)).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35]); // raw 0.05 → 0.05
    expect(niceTicks(-3, 7)).toEqual([-4, -2, 0, 2, 4, 6, 8]);
    expect(niceTicks(0, 130, 5)).toEqual([0, 50, 100, 150]); // raw 26 → 50
    expect(niceTicks(5, 5)).toEqual([4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6]); // widened to [4.5, 5.5] → raw step 0.2
  });
  it('logTicks gives decades, with 2 and 5 on short ranges, thinned on long ones', () => {
    expect(logTicks(1e-7, 10)).toEqual([1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10]);
    expect(logTicks(0.01, 1)).toEqual([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]);
    expect(logTicks(1e-12, 1e8)).toEqual([1e-12, 1e-9, 1e-6, 1e-3, 1, 1e3, 1e6]); // 20 decades → every 3rd
    expect(logTicks(0, 1)).toEqual([]);
  });
  it('formatTick is short', () => {
    expect([0, 0.001, 0.25, 1e-5, 2e-7, 25000, 2.5e7, -0.5, 1234.5].map(formatTick)).toEqual([
      '0',
      '0.001',
      '0.25',
      '1e-5',
      '2e-7',
      '25k',
      '2.5e7',
      '-0.5',
      '1234.5',
    ]);
  });
});

describe('lineChart', () => {
  const base = { series: [{ name: 'train', x: [0, 1, 2, 3, 4], y: [1, 0.5, 0.25, 0.2, 0.1] }] };

  it('is a standalone SVG with axes, ticks, labels, title and legend', () => {
    const svg = lineChart({ ...base, title: 'Loss', xLabel: 'epoch', yLabel: 'MSE', width: 400, height: 300 });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300"')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svg).toContain('>Loss</text>');
    expect(svg).toContain('>epoch</text>');
    expect(svg).toContain('>MSE</text>');
    expect(svg).toContain('data-legend="1"');
    // x ticks 0..4 step 1; y ticks 0..1 step 0.2.
    for (const t of ['0', '1', '2', '3', '4', '0.2', '0.4', '0.6', '0.8']) expect(svg).toContain(`>${t}</text>`);
    // Balanced tags (a cheap well-formedness check; the browser test parses it for real).
    const open = (svg.match(/<(?!\/)[a-zA-Z][^>]*[^/]>/g) ?? []).length;
    const close = (svg.match(/<\/[a-zA-Z]+>/g) ?? []).length;
    expect(open).toBe(close);
  });

  it('maps data to pixels on linear axes', () => {
    // Margins: left 52, right 16, top 14, bottom 32 (no title/labels) → plot [52, 384] × [14, 268].
    const svg = lineChart({ series: [{ name: 's', x: [0, 1], y: [0, 1] }], width: 400, height: 300 });
    expect(seriesPaths(svg).s).toBe('M52 268L384 14');
  });

  it('maps log axes by decades', () => {
    // x in [1e-3, 1e1] → 4 decades over 332 px: 1e-1 sits at 52 + 332·2/4 = 218.
    const svg = lineChart({
      series: [{ name: 's', x: [1e-3, 1e-1, 10], y: [1, 1, 1] }],
      logX: true,
      width: 400,
      height: 300,
    });
    expect(seriesPaths(svg).s).toMatch(/^M52 [\d.]+L218 [\d.]+L384 [\d.]+$/);
  });

  it('breaks the line at non-finite values and at y <= 0 on a log axis', () => {
    const svg = lineChart({ series: [{ name: 's', x: [0, 1, 2, 3, 4], y: [1, NaN, 2, 0, 3] }], logY: true });
    const d = seriesPaths(svg).s;
    expect(d.match(/M/g)?.length).toBe(3); // three pieces: [0], [2], [4]
    expect(d).not.toContain('L');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('escapes every text', () => {
    const svg = lineChart({
      title: '<b>&"x"</b>',
      series: [{ name: "a<'b'>", x: [0, 1], y: [0, 1] }],
      markers: [{ x: 0.5, label: '</svg>' }],
    });
    expect(svg).toContain('&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;');
    expect(svg).toContain('a&lt;&#39;b&#39;&gt;');
    expect(svg.match(/<\/svg>/g)?.length).toBe(1);
    expect(escapeXml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&#39;');
  });

  it('draws dashed series, point series and markers', () => {
    const svg = lineChart({
      series: [
        { name: 'a', x: [0, 1], y: [0, 1], dashed: true },
        { name: 'b', x: [0, 1], y: [1, 0], mode: 'points' },
      ],
      markers: [{ x: 0.5, y: 0.5, label: 'here' }],
    });
    expect(svg).toMatch(/stroke-dasharray="6 4" data-series="a"/);
    expect(svg).toMatch(/fill="#D55E00" fill-opacity="0.75" stroke="none" data-series="b"/);
    expect(svg).toContain('>here</text>');
    expect(svg).toContain('<circle');
  });

  it('is deterministic', () => {
    expect(lineChart(base)).toBe(lineChart(base));
  });

  it('rejects bad options', () => {
    expectError(
      () => lineChart({ series: [] }),
      'INVALID_OPTION',
      /lineChart: option 'series' must be a non-empty array/,
    );
    expectError(
      () => lineChart({ series: [{ name: 'a', x: [1, 2], y: [1] }] }),
      'SHAPE_MISMATCH',
      /'series\[0\]' \("a"\) has 2 x values but 1 y values/,
    );
    expectError(
      () => lineChart({ ...base, width: 10 }),
      'INVALID_OPTION',
      /option 'width' must be a number >= 120 \(px\); received 10/,
    );
    expectError(
      () => lineChart({ ...base, logY: true, yDomain: [0, 1] }),
      'INVALID_OPTION',
      /'yDomain' must be \[lo, hi\] with finite lo < hi and lo > 0 \(log axis\); received \[0, 1\]/,
    );
    expectError(
      // @ts-expect-error: typo
      () => lineChart({ ...base, logx: true }),
      'INVALID_OPTION',
      /unknown option 'logx' \(did you mean 'logX'\?\)/,
    );
  });
});

describe('chart helpers', () => {
  it('lossCurveChart draws train and validation and marks the best epoch', () => {
    const h = new LossHistory();
    [1, 0.5, 0.3, 0.35].forEach((loss, epoch) => h.logEpoch({ epoch, loss, valLoss: loss * 1.2 }));
    const svg = lossCurveChart(h);
    expect(Object.keys(seriesPaths(svg))).toEqual(['train', 'validation']);
    // Epochs numbered 1…N (the history's epoch 2 is the console's "epoch 3/4"), integer ticks only,
    // a circle per train epoch and a square per validation epoch (tells overlapping series apart).
    expect(svg).toContain('best val 0.36 @ epoch 3');
    const xTicks = [...svg.matchAll(/<text x="[\d.]+" y="368" text-anchor="middle" fill="#444">([^<]+)<\/text>/g)].map(
      (m) => m[1],
    );
    expect(xTicks).toEqual(['1', '2', '3', '4']);
    expect(svg).toMatch(/data-series="validation"[^>]*\/>/);
    expect(svg).toMatch(/<path d="M[\d.]+ [\d.]+h[\d.]+v/); // squares
  });
  it('lossCurveChart labels read rounded (3 significant digits)', () => {
    const h = new LossHistory();
    [0.5, 0.0183905123].forEach((loss, epoch) => h.logEpoch({ epoch, loss }));
    expect(lossCurveChart(h)).toContain('best train 0.0184 @ epoch 2');
  });

  it('lrFinderChart uses a log x axis and marks the suggestion', () => {
    let w = 5;
    const r = lrRangeTestSync(
      (lr) => {
        const l = 0.5 * w * w;
        w -= lr * w;
        return l;
      },
      { minLr: 1e-4, maxLr: 100, numSteps: 80 },
    );
    const svg = lrFinderChart(r);
    expect(svg).toContain(`suggested lr ${formatTick(Number((r.suggestion as number).toPrecision(3)))}`);
    expect(svg).toContain('>1e-4</text>');
    expect(Object.keys(seriesPaths(svg))).toEqual(['loss', 'smoothed']);
  });

  it('predictionChart draws target and prediction', () => {
    const svg = predictionChart({ x: [0, 1, 2], yTrue: [1, 0, -1], yPred: [0.9, 0.1, -0.8] }, { yLabel: 'cos(t)' });
    expect(Object.keys(seriesPaths(svg))).toEqual(['target', 'prediction']);
  });
});

describe('sparkline', () => {
  it('maps values to the 8 block characters', () => {
    expect(sparkline([1, 0.6, 0.4, 0.3, 0.25])).toBe('█▄▂▁▁');
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([2, NaN, 4])).toBe('▁ █');
    expect(sparkline([3, 3])).toBe('▄▄');
    expect(sparkline([0, 10], { min: 0, max: 20 })).toBe('▁▅');
  });
  it('buckets to a width by averaging', () => {
    expect(sparkline([0, 0, 10, 10], { width: 2 })).toBe('▁█');
    expect(
      sparkline(
        Array.from({ length: 100 }, (_, i) => i),
        { width: 10 },
      ).length,
    ).toBe(10);
  });
});

describe('legend placement', () => {
  it('moves the legend to the corner the data leaves empty', () => {
    // A line from top-left to mid-right crosses the top-right corner; the bottom-right is empty.
    const svg = lineChart({
      series: [
        { name: 'falling', x: [0, 2], y: [1, 0.6] },
        { name: 'flat', x: [0, 2], y: [0.8, 0.8] },
      ],
      yDomain: [0, 1],
      width: 400,
      height: 300,
    });
    const m = svg.match(/<g data-legend="1"><rect x="([\d.]+)" y="([\d.]+)"/);
    expect(m).not.toBeNull();
    // Plot area [52, 384] × [14, 268]: the legend sits in the lower half.
    expect(Number(m![2])).toBeGreaterThan(141);
  });
});

describe('dense series', () => {
  it('decimates per pixel column but keeps every column extreme (M4)', () => {
    const n = 200_000;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    // A fast oscillation: every pixel column spans the full range [-1, 1].
    const y = Float64Array.from(x, (v) => Math.sin(v / 3));
    const svg = lineChart({ series: [{ name: 's', x, y }], yDomain: [-1, 1], width: 400, height: 300 });
    const d = seriesPaths(svg).s;
    const pts = d
      .split(/[ML]/)
      .filter(Boolean)
      .map((p) => p.split(' ').map(Number));
    expect(pts.length).toBeLessThanOrEqual(4 * (332 + 1)); // plot width 332 px
    expect(pts.length).toBeGreaterThan(332);
    // y = 1 maps to the top (14), y = −1 to the bottom (268): both reached in the first columns.
    const ys = pts.slice(0, 8).map((p) => p[1]);
    expect(Math.min(...ys)).toBeCloseTo(14, 0);
    expect(Math.max(...ys)).toBeCloseTo(268, 0);
    expect(svg.length).toBeLessThan(40_000);
  });
});
