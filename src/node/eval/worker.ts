/** Worker thread of `--workers N`: evaluates its blocks of a CSV / TSV file and posts the tree nodes' states. */
import { parentPort } from 'node:worker_threads';
import { runWorkerJob, type WorkerJob, type WorkerMessage } from './parallel.js';
import { RangeCellError } from './readers.js';
import { EvalInputError } from './source.js';

const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => parentPort?.postMessage(m, transfer);

const run = (job: WorkerJob) =>
  runWorkerJob(job, (bytes, rows) => post({ progress: { bytes, rows } })).then(
    (r) =>
      r === null
        ? post({ none: true })
        : post({ ok: r.nodes, first: r.first, last: r.last, free: r.free, trace: r.trace }, r.transfer),
    (e: unknown) => {
      if (e instanceof RangeCellError)
        post({ error: { message: e.message, byteOffset: e.byteOffset, column: e.column, detail: e.detail } });
      else if (e instanceof EvalInputError)
        post({ error: { message: e.message, place: e.place, detail: e.message.replace(/^evaluate: [^:]*: /, '') } });
      else post({ error: { message: e instanceof Error ? e.message : String(e) } });
    },
  );

// The job was posted when the thread started; it is read once the modules are loaded.
parentPort?.once('message', (job: WorkerJob) => {
  void run(job);
});
