// Benchmark of `losskit eval` (the streaming engine) against pandas read_csv + scikit-learn,
// side by side in one run: wall time and peak RSS of each process (GNU time -v), ratios, load.
//
//   npm run build && node bench/eval.mjs [--quick] [--skip-40m] [--dir DIR] [--only LIST] [--cli PATH] [--losskit-only]
//
// --only binary,multiclass,count,40m,workers runs those cases only; --cli PATH measures another
// build's dist/esm/node/cli.js (e.g. the previous commit's, for a before/after in one run);
// --losskit-only skips pandas + scikit-learn.
// CPU time (user + system) is printed beside the wall time: on a shared machine it is the
// steadier figure.
//   node bench/eval.mjs --workers [R] [--rows N] [--count]   only 1 vs 2 workers, alternated R times (default 3)
//   node bench/eval.mjs --halves [R] [--rows N] [--count]    also two processes on the file's halves at once
//
// Generates its data (deterministic) under DIR (default: the OS temp dir), keeps it between
// runs. Needs /usr/bin/time and /usr/bin/python3 with pandas and scikit-learn.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBinary, writeMulticlass } from './eval-gen.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const cli = args.includes('--cli')
  ? resolve(args[args.indexOf('--cli') + 1])
  : resolve(here, '..', 'dist/esm/node/cli.js');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
const want = (name) => only === null || only.includes(name);
const quick = args.includes('--quick');
const skip40 = args.includes('--skip-40m') || quick;
const dir = args.includes('--dir') ? args[args.indexOf('--dir') + 1] : join(tmpdir(), 'losskit-eval-bench');
mkdirSync(dir, { recursive: true });
const scale = quick ? 0.1 : 1;

const load = () =>
  spawnSync('uptime', { encoding: 'utf8' })
    .stdout.trim()
    .replace(/^.*load average:\s*/, '');

/** Runs a command under GNU time -v: wall seconds, CPU seconds (user + system), peak RSS MB, stdout, stderr. */
function measure(cmd, cmdArgs) {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...cmdArgs], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = /Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (r.status !== 0 && r.status !== 1)
    throw new Error(`${cmd} ${cmdArgs.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const user = /User time \(seconds\): (\d+(?:\.\d+)?)/.exec(r.stderr);
  const sys = /System time \(seconds\): (\d+(?:\.\d+)?)/.exec(r.stderr);
  const seconds = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  const cpu = user && sys ? Number(user[1]) + Number(sys[1]) : NaN;
  return { seconds, cpu, rssMB: rss ? Number(rss[1]) / 1024 : NaN, stdout: r.stdout, stderr: r.stderr };
}

async function ensure(name, make) {
  const p = join(dir, name);
  if (!existsSync(p)) {
    process.stderr.write(`generating ${p} …\n`);
    await make(p);
  }
  return p;
}

// The Node flags of the CLI's shebang (`#!/usr/bin/env -S node FLAGS`), as the installed `losskit`
// command runs with them.
const shebangFlags = (() => {
  const first = readFileSync(cli, 'utf8').split('\n', 1)[0];
  const m = /^#!\S*env -S node(.*)$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
})();
const losskit = (file, extra = []) =>
  measure(process.execPath, [...shebangFlags, cli, 'eval', file, '--quiet', '--json', ...extra]);
const losskitOnly = args.includes('--losskit-only');
const sklearn = (kind, file) =>
  losskitOnly ? undefined : measure('/usr/bin/python3', [join(here, 'eval_sklearn.py'), kind, file]);
const mb = (p) => (statSync(p).size / 1e6).toFixed(0);
const fmt = (m) => `${m.seconds.toFixed(2)} s (cpu ${m.cpu.toFixed(2)} s), ${m.rssMB.toFixed(0)} MB`;

const rows = [];
const report = (label, a, b) => {
  const line = {
    case: label,
    losskit: fmt(a),
    ...(b
      ? {
          pandas_sklearn: fmt(b),
          time_ratio: (a.seconds / b.seconds).toFixed(2),
          cpu_ratio: (a.cpu / b.cpu).toFixed(2),
        }
      : {}),
  };
  rows.push(line);
  console.log(JSON.stringify(line));
};

/** The count-based metrics of the 40M case and of `--count`. */
const count = ['--metrics', 'accuracy,precision,recall,f1,logLoss'];

// ---- --workers [R]: only the 1-vs-2-worker comparison (evalpar's part) --------------------
// Alternates 1 and 2 workers R times (default 3) on the 10M-row file (`--rows N`: an N-row file,
// e.g. 40000000), default binary metrics (`--count`: the count-based ones): median wall time, CPU seconds (user + sys) and peak RSS
// of each, the speed-up, the load.
if (args.includes('--workers')) {
  const reps = Number(args[args.indexOf('--workers') + 1]) || 3;
  const n = args.includes('--rows') ? Number(args[args.indexOf('--rows') + 1]) : Math.round(10e6 * scale);
  const file = await ensure(`binary-${n}.csv`, (p) => writeBinary(p, n));
  const cpu = (m) => {
    const u = /User time \(seconds\): ([\d.]+)/.exec(m.stderr);
    const k = /System time \(seconds\): ([\d.]+)/.exec(m.stderr);
    return u && k ? Number(u[1]) + Number(k[1]) : NaN;
  };
  const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const by = { 1: [], 2: [] };
  console.log(`load before: ${load()}`);
  for (let i = 0; i < reps; i++)
    for (const w of [1, 2]) {
      const m = losskit(file, ['--workers', String(w), ...(args.includes('--count') ? count : [])]);
      by[w].push(m);
      console.log(
        JSON.stringify({
          workers: w,
          wall_s: m.seconds,
          cpu_s: Number(cpu(m).toFixed(2)),
          rss_mb: Math.round(m.rssMB),
        }),
      );
    }
  const med = (w, f) => median(by[w].map(f));
  // The two-thread run cannot finish before its CPU time spread over two cores (cores = 2 here): the
  // highest speed-up its CPU time allows, whatever the scheduling.
  const cores = Math.min(2, availableParallelism());
  console.log(
    `--workers 2 speed-up (median of ${reps}): ${(med(1, (m) => m.seconds) / med(2, (m) => m.seconds)).toFixed(2)}x; ` +
      `CPU ${med(1, cpu).toFixed(2)} s → ${med(2, cpu).toFixed(2)} s ` +
      `(on ${cores} cores at most ${(med(1, (m) => m.seconds) / (med(2, cpu) / cores)).toFixed(2)}x); load after: ${load()}`,
  );
  process.exit(0);
}
// ---- end of --workers -----------------------------------------------------------------------

// ---- --halves [R]: what any data-parallel split can reach on this machine -------------------
// The file's two halves (split at the line nearest the middle, header kept in both) are evaluated
// by two independent `losskit eval` processes at once: no shared state, no messages, no merge —
// the best case of any split into two. Alternated R times (default 3) with one process on the
// whole file, with `--workers 2` and with one process on the first half alone: medians and the
// speed-ups over the one-process run.
if (args.includes('--halves')) {
  const reps = Number(args[args.indexOf('--halves') + 1]) || 3;
  const n = args.includes('--rows') ? Number(args[args.indexOf('--rows') + 1]) : Math.round(10e6 * scale);
  const file = await ensure(`binary-${n}.csv`, (p) => writeBinary(p, n));
  const halves = [join(dir, `binary-${n}-half-0.csv`), join(dir, `binary-${n}-half-1.csv`)];
  if (!halves.every((h) => existsSync(h))) splitHalves(file, halves);
  const extra = args.includes('--count') ? count : [];
  const pair = () =>
    measure('/bin/sh', [
      '-c',
      halves
        .map((h) =>
          [process.execPath, ...shebangFlags, cli, 'eval', h, '--quiet', '--json', ...extra]
            .map((a) => `'${a}'`)
            .join(' '),
        )
        .map((c) => `${c} > /dev/null &`)
        .join(' ') + ' wait',
    ]);
  const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const by = { one: [], workers2: [], halves: [], half: [] };
  console.log(`load before: ${load()}`);
  for (let i = 0; i < reps; i++) {
    by.one.push(losskit(file, ['--workers', '1', ...extra]).seconds);
    by.workers2.push(losskit(file, ['--workers', '2', ...extra]).seconds);
    by.halves.push(pair().seconds);
    by.half.push(losskit(halves[0], extra).seconds);
    console.log(JSON.stringify({ one: by.one[i], workers2: by.workers2[i], halves: by.halves[i], half: by.half[i] }));
  }
  const [one, w2, h] = [median(by.one), median(by.workers2), median(by.halves)];
  console.log(
    `median of ${reps}: one process ${one.toFixed(2)} s; --workers 2 ${w2.toFixed(2)} s (${(one / w2).toFixed(2)}x); ` +
      `two processes on the halves ${h.toFixed(2)} s (${(one / h).toFixed(2)}x); ` +
      `one process on the first half alone ${median(by.half).toFixed(2)} s; load after: ${load()}`,
  );
  process.exit(0);
}

/** Writes the header and the first half of the rows of `file` to `out[0]`, the header and the rest to `out[1]`. */
function splitHalves(file, out) {
  const bytes = readFileSync(file);
  const headerEnd = bytes.indexOf(10) + 1;
  const middle = bytes.indexOf(10, headerEnd + ((bytes.length - headerEnd) >> 1)) + 1;
  const header = bytes.subarray(0, headerEnd);
  writeFileSync(out[0], Buffer.concat([header, bytes.subarray(headerEnd, middle)]));
  writeFileSync(out[1], Buffer.concat([header, bytes.subarray(middle)]));
}
// ---- end of --halves ------------------------------------------------------------------------

console.log(`load before: ${load()}`);
console.log(
  `losskit CLI: ${cli}${shebangFlags.length > 0 ? ` (run with its shebang's Node flags: ${shebangFlags.join(' ')})` : ''}`,
);
const n10 = Math.round(10e6 * scale);
const n1 = Math.round(1e6 * scale);
if (want('binary') || want('workers')) {
  const bin10 = await ensure(`binary-${n10}.csv`, (p) => writeBinary(p, n10));
  if (want('binary'))
    report(`binary ${n10} rows (${mb(bin10)} MB), default binary metrics`, losskit(bin10), sklearn('binary', bin10));
  if (want('workers')) {
    const w1 = losskit(bin10, ['--workers', '1']);
    const w2 = losskit(bin10, ['--workers', '2']);
    report(`binary ${n10} rows, --workers 1`, w1);
    report(`binary ${n10} rows, --workers 2`, w2);
    console.log(`--workers 2 speed-up: ${(w1.seconds / w2.seconds).toFixed(2)}x`);
    const w1c = losskit(bin10, ['--workers', '1', ...count]);
    const w2c = losskit(bin10, ['--workers', '2', ...count]);
    console.log(
      `--workers 2 speed-up, count-based metrics: ${(w1c.seconds / w2c.seconds).toFixed(2)}x (${fmt(w1c)} → ${fmt(w2c)})`,
    );
  }
}
if (want('multiclass')) {
  const mc1 = await ensure(`multiclass-${n1}x10.csv`, (p) => writeMulticlass(p, n1, 10));
  report(`multiclass ${n1} x 10 (${mb(mc1)} MB), default multiclass metrics`, losskit(mc1), sklearn('multiclass', mc1));
}
if (want('count') || want('40m')) {
  const bin1 = await ensure(`binary-${n1}.csv`, (p) => writeBinary(p, n1));
  const c1 = losskit(bin1, count);
  report(`count-based metrics, binary ${n1} rows`, c1, want('count') ? sklearn('count', bin1) : undefined);
  if (want('40m') && !skip40) {
    const bin40 = await ensure('binary-40000000.csv', (p) => writeBinary(p, 40e6, 3));
    const c40 = losskit(bin40, count);
    report(`count-based metrics, binary 40000000 rows (${mb(bin40)} MB)`, c40);
    console.log(`peak RSS 40M / 1M: ${(c40.rssMB / c1.rssMB).toFixed(2)}`);
  }
}
console.log(`load after: ${load()}`);
