/** Worker thread of `--workers N`: evaluates its blocks of a CSV / TSV file and posts the tree nodes' states. */
import { parentPort } from 'node:worker_threads';
import { runWorkerJob, type WorkerJob, type WorkerMessage } from './parallel.js';
import { RangeCellError } from './readers.js';
import { EvalInputError } from './source.js';

const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => parentPort?.postMessage(m, transfer);

const run = (job: WorkerJob) =>
  runWorkerJob(job, (bytes, rows) => post({ progress: { bytes, rows } })).then(
    ({ nodes, free, transfer, trace }) => post({ ok: nodes, free, trace }, transfer),
    (e: unknown) => {
      if (e instanceof RangeCellError)
        post({ error: { message: e.message, byteOffset: e.byteOffset, column: e.column, detail: e.detail } });
      else if (e instanceof EvalInputError)
        post({ error: { message: e.message, place: e.place, detail: e.message.replace(/^evaluate: [^:]*: /, '') } });
      else post({ error: { message: e instanceof Error ? e.message : String(e) } });
    },
  );

// Modules loaded: say so, then take the job (blocks are given to a thread only once it is ready).
parentPort?.once('message', (job: WorkerJob) => {
  void run(job);
});
post({ ready: true });
