/**
 * Output of `losskit eval` / `losskit merge`: the result rendered as a table, JSON, CSV or
 * Markdown (one renderer per format: add more in {@link RENDERERS}), and files written
 * atomically (a temp file in the target directory, then a rename). Temp files are named
 * `.<name>.losskit-<pid>.tmp`, so a later run removes those left by a killed process.
 */
import { mkdirSync, readdirSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { MetricValue } from '../../metrics/core.js';
import { classificationReportDict, formatClassificationReport } from '../../metrics/report.js';
import type { EvaluationResult, MetricResult } from './engine.js';
import { EvalInputError } from './source.js';

import type { OutputFormat } from './formats.js';
export { OUTPUT_FORMATS, type OutputFormat } from './formats.js';

/** A metric value for a terminal table. */
export function formatValue(v: MetricValue | null): string {
  if (v === null) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(6);
  if (Array.isArray(v))
    return `[${(v as unknown[]).map((x) => (typeof x === 'number' ? x.toPrecision(4) : Array.isArray(x) ? `[${x.join(',')}]` : String(x))).join(', ')}]`;
  return `{ ${Object.keys(v).join(', ')} }`;
}

function settingsText(s: MetricResult['settings']): string {
  return Object.entries(s)
    .map(([k, v]) => `${k === 'posLabel' ? 'pos_label' : k}=${v}`)
    .join(', ');
}

/** The distinct failure reasons, each once, with the metrics it applies to. */
export function failureNotes(r: EvaluationResult): { reason: string; metrics: string[] }[] {
  const notes: { reason: string; metrics: string[] }[] = [];
  for (const x of r.results) {
    if (x.error === undefined) continue;
    const reason = x.error.replace(/^[A-Za-z_]+: /, '');
    const n = notes.find((y) => y.reason === reason);
    if (n) n.metrics.push(x.metric);
    else notes.push({ reason, metrics: [x.metric] });
  }
  return notes;
}

function headerLines(r: EvaluationResult): string[] {
  const c = r.columns;
  const lines = [
    `${r.file}: ${r.rows} rows (${r.format}), task ${r.task} (${r.taskNote})${r.fromLogits ? ', scores from logits' : ''}`,
    `  columns: target ${c.target.join(', ')}; predictions ${c.predictions.length > 4 ? `${c.predictions[0]}..${c.predictions[c.predictions.length - 1]}` : c.predictions.join(', ')}; weight ${c.weight ?? 'none'}${c.ignored.length ? `; ignored ${c.ignored.join(', ')}` : ''}`,
  ];
  if (r.labels !== null)
    lines.push(`  labels (sorted, as scikit-learn classes_): ${r.labels.map((l, i) => `${i}=${l}`).join(' ')}`);
  if (r.task === 'binary') lines.push(`  positive label: ${r.posLabel}`);
  return lines;
}

function table(r: EvaluationResult): string {
  const notes = failureNotes(r);
  const rows = r.results.map((x) => {
    const k =
      x.error !== undefined ? notes.findIndex((n) => n.reason === x.error?.replace(/^[A-Za-z_]+: /, '')) + 1 : 0;
    return [x.metric, x.error !== undefined ? `— (${k})` : formatValue(x.value), settingsText(x.settings)];
  });
  const w0 = Math.max(6, ...rows.map((x) => x[0].length));
  const w1 = Math.max(5, ...rows.map((x) => x[1].length));
  const out = headerLines(r);
  out.push(`  ${'metric'.padEnd(w0)}  ${'value'.padEnd(w1)}  settings`);
  for (const x of rows) out.push(`  ${x[0].padEnd(w0)}  ${x[1].padEnd(w1)}  ${x[2]}`.trimEnd());
  notes.forEach((n, i) => out.push(`  (${i + 1}) not computed (${n.metrics.join(', ')}): ${n.reason}`));
  return out.join('\n') + '\n';
}

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

const withReport = (r: EvaluationResult, fmt: 'table' | 'csv' | 'markdown', text: string): string =>
  r.report === undefined ? text : `${text}\n${formatClassificationReport(r.report, fmt)}`;

/** The renderers by output format (the classification report is appended when computed). */
export const RENDERERS: Record<OutputFormat, (r: EvaluationResult) => string> = {
  table: (r) => withReport(r, 'table', table(r)),
  json: (r) =>
    JSON.stringify(r.report === undefined ? r : { ...r, report: classificationReportDict(r.report) }, null, 2) + '\n',
  csv: (r) => withReport(r, 'csv', csvTable(r)),
  markdown: (r) => withReport(r, 'markdown', markdownTable(r)),
};

function csvTable(r: EvaluationResult): string {
  return (
    ['metric,value,settings,error']
      .concat(
        r.results.map((x) =>
          [
            x.metric,
            typeof x.value === 'number' ? String(x.value) : x.value === null ? '' : JSON.stringify(x.value),
            settingsText(x.settings),
            x.error ?? '',
          ]
            .map(csvCell)
            .join(','),
        ),
      )
      .join('\n') + '\n'
  );
}

function markdownTable(r: EvaluationResult): string {
  return (
    [
      `**${r.file}**: ${r.rows} rows, task ${r.task} (${r.taskNote})`,
      '',
      '| metric | value | settings |',
      '|---|---|---|',
    ]
      .concat(
        r.results.map(
          (x) =>
            `| ${x.metric} | ${x.error !== undefined ? `— ${x.error.replace(/\|/g, '\\|')}` : formatValue(x.value)} | ${settingsText(x.settings)} |`,
        ),
      )
      .join('\n') + '\n'
  );
}

const TMP = (base: string, pid: number) => `.${base}.losskit-${pid}.tmp`;

/** Whether a process with this pid exists (a temp file named by it may still be in use). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the files of `dir` whose name matches `re` (group 1: the pid of the run that made them)
 * when that process is gone: temp files of killed runs. Returns the names removed.
 */
export function removeDeadPidFiles(dir: string, re: RegExp): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const n of names) {
    const m = re.exec(n);
    if (m && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) {
      try {
        unlinkSync(join(dir, n));
        removed.push(n);
      } catch {
        /* another run removed it */
      }
    }
  }
  return removed;
}

/** Removes temp files of `target` left by killed runs (their process is gone). */
export function removeStaleTemps(target: string): string[] {
  const base = basename(target);
  const re = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.losskit-(\\d+)\\.tmp$`);
  return removeDeadPidFiles(dirname(resolve(target)), re);
}

/**
 * Checks an output path before any work: not one of the inputs, not a directory or a FIFO
 * (a FIFO without a reader would block forever); creates missing directories.
 */
export function checkOutputPath(out: string, inputs: string[], what: string): void {
  let st: ReturnType<typeof statSync> | null;
  try {
    st = statSync(out);
  } catch {
    st = null;
  }
  if (st !== null) {
    if (st.isDirectory()) throw new EvalInputError(out, `${what} is a directory; give a file name`);
    if (!st.isFile())
      throw new EvalInputError(
        out,
        `${what} exists and is not a regular file (a FIFO or device); refusing to write to it`,
      );
    const real = realpathSync(out);
    for (const i of inputs) {
      let ri: string;
      try {
        ri = realpathSync(i);
      } catch {
        continue;
      }
      if (ri === real) throw new EvalInputError(out, `${what} is the input file ${i}; refusing to overwrite the input`);
    }
  }
  try {
    mkdirSync(dirname(resolve(out)), { recursive: true });
  } catch (e) {
    throw new EvalInputError(out, `cannot create the directory of ${what}: ${(e as Error).message}`);
  }
}

/**
 * Refuses two output options naming one file (`--out r.json --save-state r.json`: the second
 * write would silently replace the first). `outs`: [path or undefined, option name].
 */
export function checkDistinctOutputs(outs: [string | undefined, string][]): void {
  const key = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  const given = outs.filter((o): o is [string, string] => o[0] !== undefined).map(([p, what]) => [key(p), p, what]);
  for (let i = 0; i < given.length; i++)
    for (let j = 0; j < i; j++)
      if (given[i][0] === given[j][0])
        throw new EvalInputError(
          given[i][1],
          `${given[j][2]} and ${given[i][2]} name the same file; give each its own file`,
        );
}

/** Writes `text` to `out` atomically (temp file + rename; stale temps of killed runs removed first). */
export function writeAtomic(out: string, text: string): void {
  removeStaleTemps(out);
  const tmp = join(dirname(resolve(out)), TMP(basename(out), process.pid));
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, out);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
    throw new EvalInputError(out, `cannot write: ${(e as Error).message}`);
  }
}
