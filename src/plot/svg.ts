/**
 * SVG line charts and terminal sparklines, without a browser or a dependency.
 *
 * A small, focused SVG writer: linear or log axes with "nice" ticks (1-2-5 steps, decades on
 * log axes), a legend, vertical markers (e.g. the suggested learning rate), dashed series and
 * point series. Every text is XML-escaped; non-finite points (and non-positive ones on a log
 * axis) break the line instead of corrupting it. Output is deterministic (same input, same
 * bytes), so charts can be snapshot-tested and embedded in HTML reports (see `report.ts`).
 */
import { LosskitError, describe } from '../errors.js';
import { checkArrayArg, checkOptionNames } from '../validate.js';

/** One line (or set of points) of a chart. */
export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** CSS colour; defaults to the palette colour of the series' index. */
  color?: string;
  dashed?: boolean;
  /** `'line'` (default), `'points'` (a scatter) or `'both'`. */
  mode?: 'line' | 'points' | 'both';
  /** Stroke width in px (default 2). */
  strokeWidth?: number;
  /** Point symbol for `'points'` / `'both'`: `'circle'` (default) or `'square'` — tells overlapping series apart. */
  point?: 'circle' | 'square';
}

/** A vertical marker line at `x`, labelled; with `y`, a dot is drawn at (x, y). */
export interface Marker {
  x: number;
  label: string;
  y?: number;
  color?: string;
}

export interface LineChartOptions {
  title?: string;
  series: Series[];
  xLabel?: string;
  yLabel?: string;
  logX?: boolean;
  logY?: boolean;
  markers?: Marker[];
  /** Width and height of the SVG in px (defaults 960 × 400: the width of a report card). */
  width?: number;
  height?: number;
  /** Only integer ticks on the x axis (e.g. epochs). */
  integerX?: boolean;
  /** Fixed axis ranges (default: the data's range, padded; log axes snap to data). */
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** Show the legend (default: when there are 2+ series or a named single series). */
  legend?: boolean;
  /** Accessible description (`<desc>`). */
  description?: string;
}

/** Colour-blind-safe palette (Okabe–Ito), in series order. */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#F0E442',
] as const;

/** Escapes `& < > " '` for XML text and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

/**
 * "Nice" linear ticks covering [min, max]: steps of 1, 2 or 5 × 10ᵏ, about `count` of them.
 *
 * @example niceTicks(0, 0.93) // [0, 0.2, 0.4, 0.6, 0.8, 1] (step 0.2)
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return [];
  if (min === max) {
    const d = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= d;
    max += d;
  }
  if (min > max) [min, max] = [max, min];
  const raw = (max - min) / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / mag;
  const step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
  const lo = Math.floor(min / step + 1e-9);
  const hi = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let i = lo; i <= hi; i++) ticks.push(roundTo(i * step, step));
  return ticks;
}

/** Removes float noise: 0.30000000000000004 → 0.3 given the tick step. */
function roundTo(v: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(Math.min(20, digits)));
}

/**
 * Log-axis ticks for [min, max] (both > 0): every decade 10ᵏ; when the range spans under 2.5 decades, also
 * 2·10ᵏ and 5·10ᵏ; with many decades, every 2nd/3rd… decade so at most ~8 labels remain.
 */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0 && max > 0 && Number.isFinite(min) && Number.isFinite(max))) return [];
  if (min > max) [min, max] = [max, min];
  const lo = Math.floor(Math.log10(min) + 1e-9);
  const hi = Math.ceil(Math.log10(max) - 1e-9);
  const decades = Math.max(1, hi - lo);
  const ticks: number[] = [];
  if (Math.log10(max / min) < 2.5) {
    for (let k = lo; k <= hi; k++) for (const m of [1, 2, 5]) ticks.push(Number((m * Math.pow(10, k)).toPrecision(12)));
  } else {
    const every = Math.ceil(decades / 8);
    for (let k = lo; k <= hi; k++) if ((k - lo) % every === 0) ticks.push(Number(Math.pow(10, k).toPrecision(12)));
  }
  return ticks.filter((t) => t >= min * (1 - 1e-9) && t <= max * (1 + 1e-9));
}

/** Short tick label: 0.001 → "0.001", 1e-5 → "1e-5", 25000 → "25k", 2.5e7 → "2.5e7". */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e4) return String(Number(v.toPrecision(6)));
  if (a >= 1e4 && a < 1e6 && Number.isInteger(v / 1000)) return `${v / 1000}k`;
  const [m, e] = v.toExponential().split('e');
  const mant = String(Number(Number(m).toPrecision(4)));
  return `${mant === '1' ? '1' : mant === '-1' ? '-1' : mant}e${Number(e)}`;
}

function fmt(v: number): string {
  // Two decimals are sub-pixel; trailing zeros dropped to keep paths short.
  return String(Math.round(v * 100) / 100);
}

interface Axis {
  lo: number;
  hi: number;
  log: boolean;
  ticks: number[];
}

function makeAxis(
  values: number[],
  log: boolean,
  domain: [number, number] | undefined,
  fn: string,
  name: string,
  tight = false,
): Axis {
  let lo: number;
  let hi: number;
  if (domain) {
    [lo, hi] = domain;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi) || (log && lo <= 0)) {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option '${name}' must be [lo, hi] with finite lo < hi${log ? ' and lo > 0 (log axis)' : ''}; received [${domain.join(', ')}]`,
        name,
      );
    }
  } else {
    lo = Infinity;
    hi = -Infinity;
    for (const v of values) {
      if (!Number.isFinite(v) || (log && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo === Infinity) {
      lo = log ? 1 : 0;
      hi = log ? 10 : 1;
    }
  }
  if (log) {
    if (lo === hi) {
      lo /= 10;
      hi *= 10;
    }
    const ticks = logTicks(lo, hi);
    if (!domain) {
      // Snap to the enclosing 1-2-5 values so the axis starts and ends on a tick.
      const snapDown = (v: number) => {
        const k = Math.floor(Math.log10(v));
        const m = v / Math.pow(10, k);
        return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * Math.pow(10, k);
      };
      const snapUp = (v: number) => {
        const k = Math.floor(Math.log10(v));
        const m = v / Math.pow(10, k);
        return (m <= 1 + 1e-12 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * Math.pow(10, k);
      };
      lo = snapDown(lo);
      hi = snapUp(hi);
      return { lo, hi, log, ticks: logTicks(lo, hi) };
    }
    return { lo, hi, log, ticks };
  }
  if (!domain) {
    const t = niceTicks(lo, hi, 5);
    // A tight axis ends at the data (ticks inside); otherwise it is padded out to nice ticks.
    if (tight && hi > lo)
      return { lo, hi, log, ticks: t.filter((v) => v >= lo - 1e-9 * (hi - lo) && v <= hi + 1e-9 * (hi - lo)) };
    return { lo: t[0], hi: t[t.length - 1], log, ticks: t };
  }
  return {
    lo,
    hi,
    log,
    ticks: niceTicks(lo, hi, 5).filter(
      (t) => t >= lo - 1e-12 * Math.abs(hi - lo) && t <= hi + 1e-12 * Math.abs(hi - lo),
    ),
  };
}

/** Data → pixel map of an axis onto [p0, p1] (log axes map log10 linearly). */
function projector(a: Axis, p0: number, p1: number): (v: number) => number {
  if (a.log) {
    const l0 = Math.log10(a.lo);
    const k = (p1 - p0) / (Math.log10(a.hi) - l0);
    return (v) => p0 + (Math.log10(v) - l0) * k;
  }
  const k = (p1 - p0) / (a.hi - a.lo);
  const lo = a.lo;
  return (v) => p0 + (v - lo) * k;
}

function checkSeries(fn: string, series: unknown): Series[] {
  if (!Array.isArray(series) || series.length === 0) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'series' must be a non-empty array of { name, x, y }; received ${describe(series)}`,
      'series',
    );
  }
  series.forEach((s: Series, i: number) => {
    if (s === null || typeof s !== 'object' || typeof s.name !== 'string') {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `'series[${i}].name' must be a string; received ${describe(s?.name)}`,
        'series',
      );
    }
    const xl = s.x?.length;
    const yl = s.y?.length;
    if (typeof xl !== 'number' || typeof yl !== 'number') {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `'series[${i}]' (${JSON.stringify(s.name)}) needs array-like 'x' and 'y'; received x: ${describe(s.x)}, y: ${describe(s.y)}`,
        'series',
      );
    }
    if (xl !== yl) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `'series[${i}]' (${JSON.stringify(s.name)}) has ${xl} x values but ${yl} y values; expected the same number`,
        'series',
      );
    }
  });
  return series;
}

const OPTION_NAMES = [
  'title',
  'series',
  'xLabel',
  'yLabel',
  'logX',
  'logY',
  'markers',
  'width',
  'height',
  'xDomain',
  'yDomain',
  'legend',
  'description',
  'integerX',
] as const;

/**
 * A line chart as a standalone SVG string (`<svg xmlns=…>…</svg>`), for HTML reports, files
 * or a browser. Axes with nice ticks (1-2-5 steps; decades on log axes), grid lines, axis
 * labels, a title, a legend, dashed lines, scatter points and labelled vertical markers.
 *
 * - Shapes: each series has `x.length === y.length`; points with a non-finite coordinate (or
 *   ≤ 0 on a log axis) are skipped and break the line.
 * - Defaults: 640 × 360 px, linear axes, domains from the data (padded to nice ticks).
 * - Equivalent: matplotlib `ax.plot(x, y, label=…)` + `ax.set_xscale('log')` + `ax.axvline`.
 *
 * @example
 * ```ts
 * const svg = lineChart({
 *   title: 'Loss', xLabel: 'epoch', yLabel: 'MSE', logY: true,
 *   series: [{ name: 'train', x: [0, 1, 2], y: [1, 0.5, 0.3] }, { name: 'validation', x: [0, 1, 2], y: [1.1, 0.6, 0.4], dashed: true }],
 *   markers: [{ x: 2, label: 'best' }],
 * });
 * ```
 */
export function lineChart(options: LineChartOptions): string {
  const fn = 'lineChart';
  checkOptionNames(fn, options, OPTION_NAMES);
  const series = checkSeries(fn, options?.series);
  const W = options.width ?? 960;
  const H = options.height ?? 400;
  for (const [k, v] of [
    ['width', W],
    ['height', H],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 120) {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `option '${k}' must be a number >= 120 (px); received ${describe(v)}`,
        k,
      );
    }
  }
  const logX = options.logX === true;
  const logY = options.logY === true;
  const markers = options.markers ?? [];
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      xs.push(s.x[i]);
      ys.push(s.y[i]);
    }
  }
  for (const m of markers) {
    xs.push(m.x);
    if (m.y !== undefined) ys.push(m.y);
  }
  const ax = makeAxis(xs, logX, options.xDomain, fn, 'xDomain', true);
  if (options.integerX === true) {
    const ints = ax.ticks.filter((t) => Number.isInteger(t));
    if (ints.length >= 2 || ax.ticks.length < 2) ax.ticks = ints;
    else ax.ticks = [Math.ceil(ax.lo), Math.floor(ax.hi)].filter((t, i, a) => a.indexOf(t) === i);
  }
  const ay = makeAxis(ys, logY, options.yDomain, fn, 'yDomain');

  const hasTitle = !!options.title;
  const m = { top: hasTitle ? 36 : 14, right: 16, bottom: options.xLabel ? 48 : 32, left: options.yLabel ? 68 : 52 };
  const x0 = m.left;
  const x1 = W - m.right;
  const y0 = H - m.bottom; // bottom (y axis grows upwards)
  const y1 = m.top;
  const px = projector(ax, x0, x1);
  const py = projector(ay, y0, y1);
  const inX = (v: number) => Number.isFinite(v) && (!logX || v > 0);
  const inY = (v: number) => Number.isFinite(v) && (!logY || v > 0);
  // Every point projected once (NaN where it cannot be drawn), shared by lines, points and the legend.
  const proj = series.map((s) => {
    const n = s.x.length;
    const X = new Float64Array(n);
    const Y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const xv = s.x[i];
      const yv = s.y[i];
      if (inX(xv) && inY(yv)) {
        X[i] = px(xv);
        Y[i] = py(yv);
      } else X[i] = Y[i] = NaN;
    }
    return { X, Y };
  });

  const out: string[] = [];
  const id = `lk${hash(JSON.stringify([options.title ?? '', series.map((s) => s.name), W, H]))}`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="${id}-t" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="12">`,
  );
  out.push(`<title id="${id}-t">${escapeXml(options.title ?? 'chart')}</title>`);
  if (options.description) out.push(`<desc>${escapeXml(options.description)}</desc>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(
    `<defs><clipPath id="${id}-c"><rect x="${fmt(x0)}" y="${fmt(y1)}" width="${fmt(x1 - x0)}" height="${fmt(y0 - y1)}"/></clipPath></defs>`,
  );
  if (hasTitle)
    out.push(
      `<text x="${fmt(W / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="600" fill="#222">${escapeXml(options.title as string)}</text>`,
    );

  // Grid and ticks.
  const grid: string[] = [];
  const labels: string[] = [];
  for (const t of ax.ticks) {
    const X = px(t);
    if (X < x0 - 0.5 || X > x1 + 0.5) continue;
    grid.push(`M${fmt(X)} ${fmt(y1)}V${fmt(y0)}`);
    labels.push(
      `<text x="${fmt(X)}" y="${fmt(y0 + 16)}" text-anchor="middle" fill="#444">${escapeXml(formatTick(t))}</text>`,
    );
  }
  for (const t of ay.ticks) {
    const Y = py(t);
    if (Y > y0 + 0.5 || Y < y1 - 0.5) continue;
    grid.push(`M${fmt(x0)} ${fmt(Y)}H${fmt(x1)}`);
    labels.push(
      `<text x="${fmt(x0 - 6)}" y="${fmt(Y + 4)}" text-anchor="end" fill="#444">${escapeXml(formatTick(t))}</text>`,
    );
  }
  out.push(`<path d="${grid.join('')}" stroke="#e5e5e5" stroke-width="1" fill="none"/>`);
  out.push(`<path d="M${fmt(x0)} ${fmt(y1)}V${fmt(y0)}H${fmt(x1)}" stroke="#333" stroke-width="1" fill="none"/>`);
  out.push(...labels);
  if (options.xLabel)
    out.push(
      `<text x="${fmt((x0 + x1) / 2)}" y="${fmt(H - 10)}" text-anchor="middle" fill="#222">${escapeXml(options.xLabel)}</text>`,
    );
  if (options.yLabel) {
    out.push(
      `<text transform="translate(16 ${fmt((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" fill="#222">${escapeXml(options.yLabel)}</text>`,
    );
  }

  // Series.
  out.push(`<g clip-path="url(#${id}-c)">`);
  series.forEach((s, si) => {
    const color = s.color ?? PALETTE[si % PALETTE.length];
    const mode = s.mode ?? 'line';
    const sw = s.strokeWidth ?? 2;
    if (mode !== 'points') {
      const d: string[] = [];
      // Dense series are decimated per pixel column (M4: first, min, max, last of each column, in
      // order): the drawn line is the same at this resolution, and the SVG stays small.
      const decimate = s.x.length > 2 * (x1 - x0);
      let pen = false;
      let col = NaN;
      let fX = 0,
        fY = 0,
        fI = 0,
        lX = 0,
        lY = 0,
        lI = 0,
        nX = 0,
        nY = 0,
        nI = 0,
        mX = 0,
        mY = 0,
        mI = 0;
      const flush = () => {
        if (Number.isNaN(col)) return;
        const pts: [number, number, number][] = [[fI, fX, fY]];
        if (nI !== fI) pts.push([nI, nX, nY]);
        if (mI !== fI && mI !== nI) pts.push([mI, mX, mY]);
        if (lI !== fI && lI !== nI && lI !== mI) pts.push([lI, lX, lY]);
        pts.sort((a, b) => a[0] - b[0]);
        for (const [, X, Y] of pts) {
          d.push(`${pen ? 'L' : 'M'}${fmt(X)} ${fmt(Y)}`);
          pen = true;
        }
        col = NaN;
      };
      const PX = proj[si].X;
      const PY = proj[si].Y;
      for (let i = 0; i < PX.length; i++) {
        const X = PX[i];
        const Y = PY[i];
        if (X !== X) {
          flush();
          pen = false;
          continue;
        }
        if (!decimate) {
          d.push(`${pen ? 'L' : 'M'}${fmt(X)} ${fmt(Y)}`);
          pen = true;
          continue;
        }
        const c = Math.floor(X);
        if (c !== col) {
          flush();
          col = c;
          fX = lX = nX = mX = X;
          fY = lY = nY = mY = Y;
          fI = lI = nI = mI = i;
        } else {
          lX = X;
          lY = Y;
          lI = i;
          if (Y < nY) {
            nX = X;
            nY = Y;
            nI = i;
          }
          if (Y > mY) {
            mX = X;
            mY = Y;
            mI = i;
          }
        }
      }
      flush();
      if (d.length > 0) {
        out.push(
          `<path d="${d.join('')}" fill="none" stroke="${escapeXml(color)}" stroke-width="${sw}" stroke-linejoin="round" stroke-linecap="round"${s.dashed ? ' stroke-dasharray="6 4"' : ''} data-series="${escapeXml(s.name)}"/>`,
        );
      }
    }
    if (mode !== 'line') {
      // One path of tiny closed squares-as-circles: cheap for thousands of points.
      const d: string[] = [];
      const r = s.point === 'square' ? 2.6 : 2.2;
      const PX = proj[si].X;
      const PY = proj[si].Y;
      let col = NaN;
      let row = NaN;
      for (let i = 0; i < PX.length; i++) {
        const X = PX[i];
        const Y = PY[i];
        if (X !== X) continue;
        // A dot on the same half-pixel as the previous one adds nothing visible.
        const c = Math.round(2 * X);
        const r2 = Math.round(2 * Y);
        if (c === col && r2 === row) continue;
        col = c;
        row = r2;
        d.push(
          s.point === 'square'
            ? `M${fmt(X - r)} ${fmt(Y - r)}h${fmt(2 * r)}v${fmt(2 * r)}h${fmt(-2 * r)}Z`
            : `M${fmt(X - r)} ${fmt(Y)}a${r} ${r} 0 1 0 ${fmt(2 * r)} 0a${r} ${r} 0 1 0 ${fmt(-2 * r)} 0`,
        );
      }
      if (d.length > 0)
        out.push(
          `<path d="${d.join('')}" fill="${escapeXml(color)}" fill-opacity="0.75" stroke="none" data-series="${escapeXml(s.name)}"/>`,
        );
    }
  });
  out.push('</g>');

  // Markers.
  for (const mk of markers) {
    if (!inX(mk.x)) continue;
    const X = px(mk.x);
    const color = mk.color ?? '#c0392b';
    out.push(
      `<path d="M${fmt(X)} ${fmt(y1)}V${fmt(y0)}" stroke="${escapeXml(color)}" stroke-width="1.5" stroke-dasharray="3 3" fill="none"/>`,
    );
    const anchorRight = X > (x0 + x1) / 2;
    out.push(
      `<text x="${fmt(anchorRight ? X - 5 : X + 5)}" y="${fmt(y1 + 14)}" text-anchor="${anchorRight ? 'end' : 'start'}" fill="${escapeXml(color)}" font-weight="600">${escapeXml(mk.label)}</text>`,
    );
    if (mk.y !== undefined && inY(mk.y)) {
      out.push(
        `<circle cx="${fmt(X)}" cy="${fmt(py(mk.y))}" r="5" fill="${escapeXml(color)}" stroke="#fff" stroke-width="1.5"/>`,
      );
    }
  }

  // Legend (top right, inside the plot).
  // Series with an empty name (guides such as prevalence lines) get no legend row.
  const named = series.map((s, si) => ({ s, si })).filter(({ s }) => s.name !== '');
  const showLegend = (options.legend ?? (series.length > 1 || series[0].name !== '')) && named.length > 0;
  if (showLegend) {
    const rowH = 18;
    const maxName = Math.max(...named.map(({ s }) => s.name.length));
    const lw = Math.min(x1 - x0 - 8, 40 + maxName * 7);
    const lh = named.length * rowH + 8;
    // The corner whose box covers the fewest data points (ties: top right, top left, bottom right, bottom left).
    const top = y1 + (markers.length > 0 ? 22 : 8);
    const corners: [number, number][] = [
      [x1 - lw - 8, top],
      [x0 + 8, top],
      [x1 - lw - 8, y0 - lh - 8],
      [x0 + 8, y0 - lh - 8],
    ];
    let lx = corners[0][0];
    let ly = corners[0][1];
    let fewest = Infinity;
    for (const [cx, cy] of corners) {
      let n = 0;
      const bx0 = cx - 4,
        bx1 = cx + lw + 4,
        by0 = cy - 4,
        by1 = cy + lh + 4;
      series.forEach((sr, si) => {
        const PX = proj[si].X;
        const PY = proj[si].Y;
        for (let i = 0; i < PX.length; i++) {
          const X = PX[i];
          const Y = PY[i];
          if (X >= bx0 && X <= bx1 && Y >= by0 && Y <= by1) n++;
        }
        // Segments crossing the box count too: sample points along them (more for short series).
        if ((sr.mode ?? 'line') === 'points' || PX.length >= 512) return;
        const samples = PX.length < 64 ? 16 : 2;
        for (let i = 1; i < PX.length; i++) {
          const xa = PX[i - 1],
            ya = PY[i - 1],
            xb = PX[i],
            yb = PY[i];
          if (xa !== xa || xb !== xb) continue;
          for (let k = 1; k <= samples; k++) {
            const f = k / (samples + 1);
            const X = xa + f * (xb - xa);
            const Y = ya + f * (yb - ya);
            if (X >= bx0 && X <= bx1 && Y >= by0 && Y <= by1) n++;
          }
        }
      });
      if (n < fewest) {
        fewest = n;
        lx = cx;
        ly = cy;
      }
    }
    out.push(
      `<g data-legend="1"><rect x="${fmt(lx)}" y="${fmt(ly)}" width="${fmt(lw)}" height="${lh}" rx="4" fill="#ffffff" fill-opacity="0.85" stroke="#ccc"/>`,
    );
    named.forEach(({ s, si }, row) => {
      const color = s.color ?? PALETTE[si % PALETTE.length];
      const yy = ly + 4 + rowH * row + rowH / 2;
      const mode = s.mode ?? 'line';
      if (mode !== 'points')
        out.push(
          `<path d="M${fmt(lx + 8)} ${fmt(yy)}H${fmt(lx + 28)}" stroke="${escapeXml(color)}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
        );
      if (mode !== 'line')
        out.push(
          s.point === 'square'
            ? `<rect x="${fmt(lx + 15)}" y="${fmt(yy - 3)}" width="6" height="6" fill="${escapeXml(color)}"/>`
            : `<circle cx="${fmt(lx + 18)}" cy="${fmt(yy)}" r="3" fill="${escapeXml(color)}"/>`,
        );
      out.push(`<text x="${fmt(lx + 34)}" y="${fmt(yy + 4)}" fill="#222">${escapeXml(s.name)}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}

/** FNV-1a, for stable element ids that differ between charts on one page. */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

const BARS = '▁▂▃▄▅▆▇█';

/**
 * A terminal sparkline: one of `▁▂▃▄▅▆▇█` per value, scaled between the finite min and max
 * (or the given `min`/`max`); non-finite values print as a space. With `width`, the values
 * are averaged into that many buckets first.
 *
 * @example sparkline([1, 0.6, 0.4, 0.3, 0.25]) // "█▄▂▁▁"
 */
export function sparkline(
  values: ArrayLike<number>,
  options: { min?: number; max?: number; width?: number } = {},
): string {
  checkArrayArg('sparkline', 'values', values);
  checkOptionNames('sparkline', options, ['min', 'max', 'width']);
  let v: number[] = Array.from(values);
  const width = options.width;
  if (width !== undefined) {
    if (!Number.isInteger(width) || width < 1) {
      throw new LosskitError(
        'INVALID_OPTION',
        'sparkline',
        `option 'width' must be an integer >= 1; received ${describe(width)}`,
        'width',
      );
    }
    if (v.length > width) {
      const b: number[] = [];
      for (let k = 0; k < width; k++) {
        const a = Math.floor((k * v.length) / width);
        const e = Math.floor(((k + 1) * v.length) / width);
        let s = 0;
        let n = 0;
        let bad = false;
        for (let i = a; i < e; i++) {
          if (Number.isFinite(v[i])) {
            s += v[i];
            n++;
          } else bad = true;
        }
        b.push(n > 0 && !bad ? s / n : NaN);
      }
      v = b;
    }
  }
  let lo = options.min ?? Infinity;
  let hi = options.max ?? -Infinity;
  if (options.min === undefined || options.max === undefined) {
    for (const x of v) {
      if (!Number.isFinite(x)) continue;
      if (options.min === undefined && x < lo) lo = x;
      if (options.max === undefined && x > hi) hi = x;
    }
  }
  return v
    .map((x) => {
      if (!Number.isFinite(x)) return ' ';
      if (!(hi > lo)) return BARS[3];
      const t = Math.min(1, Math.max(0, (x - lo) / (hi - lo)));
      return BARS[Math.min(7, Math.floor(t * 8))];
    })
    .join('');
}
