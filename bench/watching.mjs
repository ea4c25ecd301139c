// Benchmarks of the "watching the loss" tools: the cost a training loop pays per logged batch,
// per fsynced history line, and the time to draw charts and reports.
//
//   npm run build && node bench/watching.mjs          (LOSSKIT_DIST=<dir>/esm to use another build)
//
// Every timing is the median of several runs after a warm-up, in milliseconds (per-record costs
// in microseconds). Numbers depend on the disk for the fsync line (tmpfs vs ext4 vs network).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = process.env.LOSSKIT_DIST ?? '../dist/esm';
const lk = await import(`${dist}/index.js`);
const node = await import(`${dist}/node/index.js`);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function time(fn, runs = 7) {
  fn();
  const ts = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

const rows = [];
const N = 100_000;
let h;
const tLog = time(() => {
  h = new lk.LossHistory();
  for (let i = 0; i < N; i++) h.logBatch({ epoch: i >> 10, batch: i & 1023, loss: 1 / (1 + i), lr: 0.01 });
});
rows.push(['LossHistory.logBatch', `${N} records`, `${((tLog / N) * 1000).toFixed(2)} µs/record`]);
rows.push(['LossHistory.summary', `${N} batches`, `${time(() => h.summary()).toFixed(2)} ms`]);
rows.push(['LossHistory.smoothed', `${N} batches`, `${time(() => h.smoothed()).toFixed(2)} ms`]);
rows.push(['LossHistory.toCSV', `${N} rows`, `${time(() => h.toCSV()).toFixed(2)} ms`]);

const dir = mkdtempSync(join(tmpdir(), 'losskit-bench-'));
for (const fsync of [true, false]) {
  const M = fsync ? 500 : 20_000;
  const t = time(() => {
    const hist = new lk.LossHistory();
    const w = new node.HistoryFileWriter(hist, { csv: join(dir, 'h.csv'), jsonl: join(dir, 'h.jsonl'), fsync });
    for (let i = 0; i < M; i++) hist.logBatch({ epoch: 0, batch: i, loss: 1 / (1 + i) });
    w.close();
  }, 3);
  rows.push([
    `HistoryFileWriter csv+jsonl, fsync ${fsync}`,
    `${M} records`,
    `${((t / M) * 1000).toFixed(1)} µs/record`,
  ]);
}
rows.push([
  'readHistoryFile (csv)',
  '20000 records',
  `${time(() => node.readHistoryFile(join(dir, 'h.csv'))).toFixed(2)} ms`,
]);
rmSync(dir, { recursive: true, force: true });

for (const n of [100, 10_000, 1_000_000]) {
  const x = Float64Array.from({ length: n }, (_, i) => i);
  const y = Float64Array.from(x, (v) => Math.sin(v / 100) + 1.5);
  rows.push([
    'lineChart, 2 series',
    `${n} points`,
    `${time(
      () =>
        lk.lineChart({
          series: [
            { name: 'a', x, y },
            { name: 'b', x, y, dashed: true },
          ],
          logY: true,
        }),
      n > 1e5 ? 3 : 7,
    ).toFixed(2)} ms`,
  ]);
}
const html = () =>
  lk.renderReport({
    title: 'bench',
    sections: [
      { heading: 'loss', svg: lk.lossCurveChart(h) },
      {
        heading: 'lr',
        svg: lk.sparkline(h.smoothed()) && lk.lineChart({ series: [{ name: 's', x: [1, 2], y: [1, 2] }] }),
      },
    ],
  });
rows.push(['renderReport (2 charts, 100k-batch history)', '', `${time(html, 3).toFixed(2)} ms`]);

const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(...rows.map((r) => r[1].length));
for (const r of rows) console.log(`${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`);
