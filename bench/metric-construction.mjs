// Construction time of an exact multiclass AUROC (one score histogram per class) and of the
// other per-class metric states, at 1,000, 4,000 and 16,000 classes: it must grow linearly with
// the number of classes (issue 13: it used to be quadratic — 0.9 s at 1,000 classes, 19.9 s at
// 4,000). Also: the first toJSON (which declares the 4·C state fields), a restore of that JSON,
// and one-vs-one AUROC at 60 classes (3,600 histograms).
//
//   npm run build && node bench/metric-construction.mjs [--classes 1000,4000,16000] [--repeats 5]
//
// Reported: the best (minimum) wall time of the repeats in ms, and ms per 1,000 classes (flat
// when linear). Run on a quiet machine (`uptime` load < 1) for figures; the load is printed.
// Set LOSSKIT_DIST to benchmark another build (default ../dist/esm/index.js).
import { loadavg } from 'node:os';

const dist = process.env.LOSSKIT_DIST ?? '../dist/esm/index.js';
const { getMetric, restoreMetric } = await import(dist);

const args = process.argv.slice(2);
const arg = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const CLASSES = arg('--classes', '1000,4000,16000').split(',').map(Number);
const REPEATS = Number(arg('--repeats', '5'));

function best(f) {
  let min = Infinity;
  let out;
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    out = f();
    min = Math.min(min, performance.now() - t0);
  }
  return { ms: min, out };
}

const fmt = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1)).padStart(9);

console.log(
  `load average (1, 5, 15 min): ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')}`,
);
console.log(`best of ${REPEATS} runs, ms\n`);
console.log('case                                   classes   total ms   ms / 1k classes');
const rows = [
  ['auroc exact (construct)', (C) => getMetric('auroc', { numClasses: C })],
  ['averagePrecision exact (construct)', (C) => getMetric('averagePrecision', { numClasses: C })],
  ['rocCurve exact (construct)', (C) => getMetric('rocCurve', { numClasses: C })],
  ['auroc exact (construct + toJSON)', (C) => getMetric('auroc', { numClasses: C }).toJSON()],
  ['f1 multiclass (construct)', (C) => getMetric('f1', { numClasses: C })],
];
for (const [label, make] of rows) {
  for (const C of CLASSES) {
    const { ms } = best(() => make(C));
    console.log(`${label.padEnd(38)} ${String(C).padStart(7)} ${fmt(ms)} ${fmt((ms / C) * 1000)}`);
  }
}
for (const C of CLASSES) {
  const json = JSON.stringify(getMetric('auroc', { numClasses: C }).toJSON());
  const { ms } = best(() => restoreMetric(json));
  console.log(
    `${'auroc exact (restoreMetric of JSON)'.padEnd(38)} ${String(C).padStart(7)} ${fmt(ms)} ${fmt((ms / C) * 1000)}`,
  );
}
const ovo = best(() => getMetric('auroc', { numClasses: 60, multiClass: 'ovo' }));
console.log(`${'auroc one-vs-one (construct)'.padEnd(38)} ${String(60).padStart(7)} ${fmt(ovo.ms)}`);
console.log(
  `\nload average after: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')}`,
);
