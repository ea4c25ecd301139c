/**
 * Losses as streaming metrics. Reference values: the PyTorch 1.13 `reduction='mean'` values of
 * the loss fixtures (test/fixtures/<family>.json, made by scripts/fixtures/gen_*.py) — the metric
 * fed the same data in batches, shards and JSON round trips must give PyTorch's mean over all
 * of it.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LosskitError, getLoss, getMetric, metrics, restoreMetric, type MetricOptions } from '../../src/index.js';
import { expectClose, loadFixture } from '../helpers.js';
import { runHarness } from './harness.js';

interface LossCase {
  loss: string;
  yTrue: number[] | number[][] | null;
  yPred: number[] | number[][];
  options: Record<string, unknown>;
  value: number | number[];
  note?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
/** Families checked so far (embedding's cases all need per-batch inputs; others join when verified). */
const FAMILIES = ['regression', 'classification', 'binary', 'multilabel', 'divergence', 'ranking'].filter((f) =>
  existsSync(join(here, '..', 'fixtures', `${f}.json`)),
);
/** Options that a loss metric refuses (per-batch inputs) or that change what 'mean' divides by. */
const PER_BATCH = ['input2', 'positive', 'negative', 'variance', 'inputLengths', 'targetLengths'];
/**
 * Losses whose 'mean' is not the mean of independent per-sample values, so a streamed mean cannot
 * equal it: crossEntropyWithPriorKL (the KL term of 'batch-mean' couples the batch).
 */
const NOT_PER_SAMPLE = new Set(['crossEntropyWithPriorKL']);

function usable(c: LossCase): boolean {
  if (c.options.reduction !== 'mean' || c.yTrue === null) return false;
  if (NOT_PER_SAMPLE.has(c.loss)) return false;
  if (Object.keys(c.options).some((k) => PER_BATCH.includes(k))) return false;
  const sw = c.options.sampleWeight;
  // Per-sample weights only ([N]); element-wise weight tensors have no per-sample meaning.
  if (
    sw !== undefined &&
    !(Array.isArray(sw) && sw.every((v) => typeof v === 'number') && sw.length === c.yPred.length)
  )
    return false;
  // Option tensors with one row per sample (BCE `weight` of shape [N, 1]) belong to one batch.
  if (Object.values(c.options).some((v) => Array.isArray(v) && Array.isArray(v[0]) && v.length === c.yPred.length))
    return false;
  if (!(Array.isArray(c.yTrue) && c.yTrue.length === c.yPred.length)) return false;
  // Unbatched inputs (`yPred` [C] for a class-axis loss): 'none' is a scalar, there is no sample axis.
  const none = getLoss(c.loss)(c.yTrue, c.yPred, { ...c.options, sampleWeight: undefined, reduction: 'none' });
  return none.shape.length > 0;
}

describe('loss metrics = PyTorch reduction="mean" over all the data (loss fixtures through the streaming harness)', () => {
  for (const family of FAMILIES) {
    const cases = loadFixture<LossCase>(family).cases.filter(usable);
    if (cases.length === 0) continue;
    it(`${family}: ${cases.length} cases`, () => {
      for (const c of cases) {
        const { reduction: _r, sampleWeight, ...lossOptions } = c.options;
        try {
          runHarness({
            metric: 'loss',
            options: { loss: c.loss, lossOptions },
            yTrue: c.yTrue as number[],
            yPred: c.yPred,
            sampleWeight: sampleWeight as number[] | undefined,
            expected: c.value,
            rtol: 1e-9,
            atol: 1e-12,
          });
        } catch (e) {
          throw new Error(`${c.loss} ${JSON.stringify(lossOptions)} ${c.note ?? ''}: ${(e as Error).message}`, {
            cause: e,
          });
        }
      }
    });
  }
});

describe('lossMetric', () => {
  const yt = [
    [0.5, 1],
    [-1, 1],
    [7, -6],
  ];
  const yp = [
    [0, 2],
    [-1, 2],
    [8, -5],
  ];
  it('lossMetric(name, options) is getMetric("loss", { loss, lossOptions })', () => {
    const a = metrics.lossMetric('meanSquaredError').update(yt, yp);
    const b = getMetric('loss', { loss: 'meanSquaredError' }).update(yt, yp);
    expect(a.compute()).toBe(b.compute());
    expect(a.fingerprint).toBe(b.fingerprint);
    // PyTorch mse_loss(reduction='mean') of these = (0.25+1+0+1+1+1)/6
    expectClose(a.compute(), 4.25 / 6, 1e-15);
  });
  it('the fingerprint includes the loss and its options: different ones refuse to merge', () => {
    const a = metrics.lossMetric('huber', { delta: 1 });
    for (const other of [
      metrics.lossMetric('huber', { delta: 2 }),
      metrics.lossMetric('meanAbsoluteError'),
      metrics.lossMetric('mse'),
    ]) {
      try {
        a.merge(other);
        expect.fail('merge should throw');
      } catch (e) {
        expect(e).toBeInstanceOf(LosskitError);
        expect((e as LosskitError).code).toBe('INCOMPATIBLE_STATE');
      }
    }
  });
  it('typed-array loss options are stored as plain arrays and survive toJSON / restoreMetric', () => {
    const logits = [
      [1, 2, 0.5],
      [0.1, -1, 2],
      [3, 0, 0],
      [0, 0, 1],
    ];
    const labels = [1, 2, 0, 2];
    const m = metrics.lossMetric('crossEntropy', { weight: new Float64Array([0.2, 1, 3]), labelSmoothing: 0.1 });
    m.update(labels.slice(0, 2), logits.slice(0, 2)).update(labels.slice(2), logits.slice(2));
    const back = restoreMetric(JSON.parse(JSON.stringify(m.toJSON())));
    expect(back.compute()).toBe(m.compute());
    expect(back.options.lossOptions).toEqual({ weight: [0.2, 1, 3], labelSmoothing: 0.1 });
    expect(back.fingerprint).toBe(m.fingerprint);
  });
  it('zero-weight samples are left out; no data gives NaN', () => {
    const m = metrics.lossMetric('meanAbsoluteError');
    expect(m.compute()).toBeNaN();
    m.update([1, 2, 3], [2, 2, 100], { sampleWeight: [1, 1, 0] });
    expectClose(m.compute(), 0.5, 1e-15);
  });
  it('bad options and inputs', () => {
    const cases: [() => unknown, string, RegExp][] = [
      [
        () => getMetric('loss'),
        'INVALID_OPTION',
        /loss: option 'loss' must be a loss name such as 'crossEntropy' .*received undefined/,
      ],
      [
        () => metrics.lossMetric('crossEntropi'),
        'UNKNOWN_NAME',
        /loss: option 'loss': 'name' must be a known loss name; received "crossEntropi" \(did you mean 'crossEntropy'\?\)/,
      ],
      [
        () => metrics.lossMetric('huber', { reduction: 'sum' }),
        'INVALID_OPTION',
        /'lossOptions.reduction' is not accepted by a loss metric/,
      ],
      [() => metrics.lossMetric('huber', { sampleWeight: [1] }), 'INVALID_OPTION', /pass per-sample weights to update/],
      [
        () => metrics.lossMetric('huber', { margin: 1 }),
        'INVALID_OPTION',
        /'lossOptions.margin' is not an option of loss 'huber'; valid options are .*'delta'/,
      ],
      [
        () => getMetric('loss', { loss: 'huber', lossOptions: 3 } as unknown as MetricOptions),
        'INVALID_OPTION',
        /option 'lossOptions' must be an object/,
      ],
      [() => metrics.lossMetric('meanSquaredError').update([1, 2], [1, 2, 3]), 'SHAPE_MISMATCH', /meanSquaredError/],
    ];
    for (const [f, code, re] of cases) {
      try {
        f();
        expect.fail(`expected ${code}`);
      } catch (e) {
        expect(e).toBeInstanceOf(LosskitError);
        expect((e as LosskitError).code).toBe(code);
        expect((e as LosskitError).message).toMatch(re);
      }
    }
  });
});
