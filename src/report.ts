/**
 * Self-contained HTML reports: one string with inline CSS and inline SVG charts, no scripts,
 * no external resources (it opens from a file, an e-mail attachment or a CI artifact).
 */
import { LosskitError, describe } from './errors.js';
import { checkOptionNames } from './validate.js';
import { escapeXml } from './plot/svg.js';

/** A table: column headers and rows of cells (numbers are formatted with 4 significant digits by default). */
export interface ReportTable {
  columns: string[];
  rows: (string | number | null)[][];
  caption?: string;
  /** Significant digits for numeric cells (default 4). */
  digits?: number;
}

export interface ReportSection {
  heading: string;
  /** Plain text paragraph(s), escaped; blank lines separate paragraphs. */
  text?: string;
  /** Trusted HTML inserted as is (escape user data yourself; see {@link escapeXml}). */
  html?: string;
  /** One SVG chart or several (e.g. from `lineChart`), inlined side by side. */
  svg?: string | string[];
  table?: ReportTable;
}

export interface ReportOptions {
  title: string;
  subtitle?: string;
  sections: ReportSection[];
  /** Key/value facts shown under the title (e.g. `{ backend: 'cpu', epochs: 40 }`). */
  meta?: Record<string, string | number | boolean>;
  /** Footer text (escaped). */
  footer?: string;
}

function cell(v: string | number | null, digits: number): string {
  if (v === null) return '<td class="na">—</td>';
  if (typeof v === 'number') {
    const s =
      Number.isInteger(v) && Math.abs(v) < 1e15 ? String(v) : Number.isFinite(v) ? formatSig(v, digits) : String(v);
    return `<td class="num">${escapeXml(s)}</td>`;
  }
  return `<td>${escapeXml(v)}</td>`;
}

function formatSig(v: number, digits: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e6)) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f6f7f9;color:#1d2330;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1080px;margin:0 auto;padding:28px 20px 40px}
header h1{margin:0 0 4px;font-size:26px}
header p.sub{margin:0 0 12px;color:#555}
dl.meta{display:flex;flex-wrap:wrap;gap:6px 18px;margin:0 0 18px;font-size:13px;color:#444}
dl.meta div{display:flex;gap:6px}dl.meta dt{font-weight:600}dl.meta dd{margin:0}
section{background:#fff;border:1px solid #e2e5ea;border-radius:8px;padding:18px 20px;margin:0 0 18px}
section h2{margin:0 0 10px;font-size:18px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,440px),1fr));gap:12px}
.charts svg{display:block;width:100%;height:auto;border:1px solid #eef0f3;border-radius:4px}
table.report th[scope=row]{text-align:right;background:none;font-weight:600}
table.report tbody.avg tr:first-child th,table.report tbody.avg tr:first-child td{border-top:2px solid #c9ced6}
table.report th{text-align:right}table.report thead th:first-child{text-align:left}
details{margin-top:8px;font-size:13px;color:#444}pre{font-size:12px;background:#f6f7f9;padding:8px;overflow-x:auto}
table{border-collapse:collapse;margin:8px 0;font-size:14px}
caption{caption-side:top;text-align:left;color:#555;padding-bottom:4px}
th,td{border-bottom:1px solid #e7e9ed;padding:4px 12px;text-align:left}
th{background:#f1f3f6}td.num{text-align:right;font-variant-numeric:tabular-nums}td.na{color:#aaa;text-align:center}
footer{color:#777;font-size:12px;margin-top:8px}
`;

/**
 * Renders a report as one self-contained HTML document (UTF-8, inline CSS, inline SVG, no
 * scripts or external URLs). Text, headings, table cells and meta values are escaped; `html`
 * and `svg` are inserted as given.
 *
 * @example
 * ```ts
 * const html = renderReport({
 *   title: 'sin → cos with a SimpleRNN',
 *   meta: { epochs: 40, 'val MSE': 0.0021 },
 *   sections: [
 *     { heading: 'Loss', svg: lossCurveChart(history) },
 *     { heading: 'Numbers', table: { columns: ['epoch', 'loss'], rows: [[0, 0.5], [1, 0.2]] } },
 *   ],
 * });
 * ```
 */
export function renderReport(options: ReportOptions): string {
  const fn = 'renderReport';
  checkOptionNames(fn, options, ['title', 'subtitle', 'sections', 'meta', 'footer']);
  if (typeof options?.title !== 'string') {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'title' must be a string; received ${describe(options?.title)}`,
      'title',
    );
  }
  if (!Array.isArray(options.sections)) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `option 'sections' must be an array of { heading, text?, html?, svg?, table? }; received ${describe(options.sections)}`,
      'sections',
    );
  }
  const parts: string[] = [];
  parts.push('<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">');
  parts.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  parts.push(`<title>${escapeXml(options.title)}</title>`, `<style>${CSS}</style>`, '</head>', '<body>', '<main>');
  parts.push('<header>', `<h1>${escapeXml(options.title)}</h1>`);
  if (options.subtitle) parts.push(`<p class="sub">${escapeXml(options.subtitle)}</p>`);
  if (options.meta) {
    parts.push('<dl class="meta">');
    for (const [k, v] of Object.entries(options.meta))
      parts.push(`<div><dt>${escapeXml(k)}</dt><dd>${escapeXml(String(v))}</dd></div>`);
    parts.push('</dl>');
  }
  parts.push('</header>');
  options.sections.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || typeof s.heading !== 'string') {
      throw new LosskitError(
        'INVALID_OPTION',
        fn,
        `'sections[${i}].heading' must be a string; received ${describe(s?.heading)}`,
        'sections',
      );
    }
    checkOptionNames(`${fn} (sections[${i}])`, s, ['heading', 'text', 'html', 'svg', 'table']);
    parts.push('<section>', `<h2>${escapeXml(s.heading)}</h2>`);
    if (s.text) for (const p of s.text.split(/\n\s*\n/)) parts.push(`<p>${escapeXml(p.trim())}</p>`);
    if (s.svg !== undefined) {
      const svgs = Array.isArray(s.svg) ? s.svg : [s.svg];
      for (const svg of svgs) {
        if (typeof svg !== 'string' || !/^\s*<svg[\s>]/.test(svg)) {
          throw new LosskitError(
            'INVALID_OPTION',
            fn,
            `'sections[${i}].svg' must be SVG markup starting with <svg; received ${describe(svg)}`,
            'sections',
          );
        }
      }
      parts.push(`<div class="charts">${svgs.join('\n')}</div>`);
    }
    if (s.table) parts.push(renderTable(s.table, `${fn} (sections[${i}].table)`));
    if (s.html) parts.push(s.html);
    parts.push('</section>');
  });
  if (options.footer) parts.push(`<footer>${escapeXml(options.footer)}</footer>`);
  parts.push('</main>', '</body>', '</html>');
  return parts.join('\n') + '\n';
}

function renderTable(t: ReportTable, fn: string): string {
  if (!Array.isArray(t.columns) || !Array.isArray(t.rows)) {
    throw new LosskitError(
      'INVALID_OPTION',
      fn,
      `a table needs 'columns' (string[]) and 'rows' (cell[][]); received ${describe(t)}`,
      'table',
    );
  }
  const digits = t.digits ?? 4;
  const out: string[] = ['<table>'];
  if (t.caption) out.push(`<caption>${escapeXml(t.caption)}</caption>`);
  out.push(`<thead><tr>${t.columns.map((c) => `<th>${escapeXml(c)}</th>`).join('')}</tr></thead>`, '<tbody>');
  t.rows.forEach((r, i) => {
    if (!Array.isArray(r) || r.length !== t.columns.length) {
      throw new LosskitError(
        'SHAPE_MISMATCH',
        fn,
        `row ${i} has ${Array.isArray(r) ? r.length : describe(r)} cells; expected ${t.columns.length} (one per column)`,
        'table',
      );
    }
    out.push(`<tr>${r.map((c) => cell(c, digits)).join('')}</tr>`);
  });
  out.push('</tbody>', '</table>');
  return out.join('\n');
}
