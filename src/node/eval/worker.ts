/** Worker thread of `--workers N`: evaluates one byte range and posts its metric states. */
import { parentPort, workerData } from 'node:worker_threads';
import { packState, runRange, type RangeJob } from './engine.js';
import { RangeCellError } from './readers.js';
import { EvalInputError } from './source.js';

runRange(workerData as RangeJob).then(
  (state) => {
    const { state: ok, transfer } = packState(state);
    parentPort?.postMessage({ ok }, transfer);
  },
  (e: unknown) => {
    if (e instanceof RangeCellError)
      parentPort?.postMessage({
        error: { message: e.message, byteOffset: e.byteOffset, column: e.column, detail: e.detail },
      });
    else if (e instanceof EvalInputError)
      parentPort?.postMessage({
        error: { message: e.message, place: e.place, detail: e.message.replace(/^evaluate: [^:]*: /, '') },
      });
    else parentPort?.postMessage({ error: { message: e instanceof Error ? e.message : String(e) } });
  },
);
