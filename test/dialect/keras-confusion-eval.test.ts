/**
 * The Keras confusion metrics through `losskit eval` (evaluateFile): a binary file gets the
 * value of one batch — no top-k filter the user did not ask for (the eval default k is for
 * multiclass top-k accuracy), whatever the batch size.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { getMetric } from '../../src/index.js';
import { evaluateFile } from '../../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'losskit-keras-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const yTrue = [0, 1, 1, 0, 1, 0, 0, 1];
const yPred = [0.2, 0.8, 0.4, 0.7, 0.9, 0.1, 0.55, 0.3];
const file = join(dir, 'preds.csv');
writeFileSync(file, 'y_true,y_pred\n' + yTrue.map((t, i) => `${t},${yPred[i]}`).join('\n') + '\n');

const NAMES = ['TruePositives', 'FalsePositives', 'precisionAtThresholds', 'recallAtThresholds'];

it.each([2, 3, 1000])('binary file, %i rows per batch: the one-batch value of each metric', async (batchRows) => {
  const r = await evaluateFile(file, { metrics: NAMES, batchRows });
  for (const name of NAMES) {
    const want = getMetric(name).update(yTrue, yPred).compute();
    expect(r.results.find((x) => x.metric === name)?.value, name).toBe(want);
  }
});

it('with --top-k the filter applies (per batch row layout: the whole 1-D batch is one row)', async () => {
  const r = await evaluateFile(file, { metrics: ['precisionAtThresholds'], topK: 8, batchRows: 1000 });
  expect(r.results[0].value).toBe(getMetric('precisionAtThresholds', { topK: 8 }).update(yTrue, yPred).compute());
});
