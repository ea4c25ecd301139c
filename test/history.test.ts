/**
 * LossHistory. The EMA reference is numpy-free arithmetic written out from Lightning's
 * `_LRCallback` formula (avg = β·avg + (1−β)·x; out = avg / (1 − β^t)), so the checks below
 * are independent recomputations, not calls into the code under test.
 */
import { describe, expect, it } from 'vitest';
import { LossHistory, smoothEma } from '../src/index.js';
import { HISTORY_CSV_COLUMNS } from '../src/history.js';
import { expectClose } from './helpers.js';
import { expectLosskitError as expectError } from './helpers.js';

function clock(start = 1_700_000_000_000, stepMs = 250) {
  let t = start - stepMs;
  return () => (t += stepMs);
}

describe('smoothEma', () => {
  it('is the bias-corrected EMA', () => {
    const x = [4, 2, 3, 1];
    const b = 0.9;
    // a1 = .4, a2 = .36+.2 = .56, a3 = .504+.3 = .804, a4 = .7236+.1 = .8236
    const expected = [0.4 / 0.1, 0.56 / 0.19, 0.804 / 0.271, 0.8236 / 0.3439];
    expectClose(smoothEma(x, b), expected, 1e-12);
    expectClose(smoothEma([5, 5, 5, 5]), [5, 5, 5, 5], 1e-12);
  });
  it('passes non-finite values through without poisoning the average', () => {
    const s = smoothEma([1, NaN, 1, Infinity, 1], 0.5);
    expect(Number.isNaN(s[1])).toBe(true);
    expect(s[3]).toBe(Infinity);
    expectClose([s[0], s[2], s[4]], [1, 1, 1], 1e-12);
  });
});

describe('LossHistory', () => {
  function run(): LossHistory {
    const h = new LossHistory({ now: clock() });
    for (let e = 0; e < 3; e++) {
      for (let b = 0; b < 4; b++) h.logBatch({ epoch: e, batch: b, loss: 1 / (1 + e * 4 + b), lr: 0.1 });
      h.logEpoch({
        epoch: e,
        loss: 1 / (1 + e),
        valLoss: [0.9, 0.5, 0.6][e],
        lr: 0.1,
        metrics: { mae: 0.3 - e * 0.1, 'val,mae': 0.4 },
      });
    }
    return h;
  }

  it('records batches and epochs with step, wall time and elapsed seconds', () => {
    const h = run();
    expect(h.batches.length).toBe(12);
    expect(h.epochs.length).toBe(3);
    expect(h.batches[5]).toMatchObject({ kind: 'batch', epoch: 1, batch: 1, step: 5, lr: 0.1 });
    expect(h.epochs[1].step).toBe(8);
    // First record at start + 250 ms (clock ticks 250 ms per call; the constructor read one).
    expect(h.batches[0].elapsed).toBeCloseTo(0.25, 12);
    expect(h.epochs[2].elapsed).toBeCloseTo(15 * 0.25, 12);
    expect(
      h
        .records()
        .map((r) => r.kind)
        .join(''),
    ).toBe('batchbatchbatchbatchepoch'.repeat(3));
  });

  it('summary: best epoch by validation loss, last values, no divergence', () => {
    const s = run().summary();
    expect(s.monitor).toBe('valLoss');
    expect(s.bestEpoch).toBe(1);
    expect(s.bestLoss).toBe(0.5);
    expect(s.last).toMatchObject({ epoch: 2, loss: 1 / 3, valLoss: 0.6, lr: 0.1 });
    expect(s.diverged).toBe(false);
    expect(s.divergence).toBeNull();
    expect(s.elapsedSeconds).toBeCloseTo(15 * 0.25, 12);
  });

  it('summary: best epoch by training loss when validation is missing', () => {
    const h = new LossHistory();
    [3, 1, 2].forEach((loss, epoch) => h.logEpoch({ epoch, loss }));
    expect(h.summary()).toMatchObject({ monitor: 'loss', bestEpoch: 1, bestLoss: 1, diverged: false });
  });

  it('detects a NaN loss as divergence', () => {
    const h = new LossHistory();
    h.logBatch({ epoch: 0, batch: 0, loss: 1 });
    h.logBatch({ epoch: 0, batch: 1, loss: NaN });
    const d = h.summary().divergence;
    expect(d).toMatchObject({ kind: 'batch', epoch: 0, batch: 1, step: 1, reason: 'non-finite' });
  });

  it('detects a smoothed batch loss above 4x the best', () => {
    const h = new LossHistory({ beta: 0.5 });
    const losses = [1, 1, 1, 1, 100];
    losses.forEach((loss, batch) => h.logBatch({ epoch: 0, batch, loss }));
    const d = h.summary().divergence!;
    // smoothed after the spike: (0.5·a4 + 50)/(1 − 0.5⁵) with a4 = 1 − 0.5⁴ → ≈ 52.1 > 4·1
    const a4 = 1 - 0.5 ** 4;
    expect(d.reason).toBe('exploded');
    expect(d.step).toBe(4);
    expectClose(d.value, (0.5 * a4 + 50) / (1 - 0.5 ** 5), 1e-12);
    expectClose(d.best, 1, 1e-12);
    // 3x the best is not a divergence.
    const ok = new LossHistory({ beta: 0 });
    [1, 1, 3].forEach((loss, batch) => ok.logBatch({ epoch: 0, batch, loss }));
    expect(ok.summary().diverged).toBe(false);
  });

  it('detects an epoch loss above divergeFactor x best', () => {
    const h = new LossHistory({ divergeFactor: 2 });
    [1, 0.5, 0.9, 1.1].forEach((loss, epoch) => h.logEpoch({ epoch, loss }));
    expect(h.summary().divergence).toMatchObject({
      kind: 'epoch',
      epoch: 3,
      reason: 'exploded',
      value: 1.1,
      best: 0.5,
    });
  });

  it('smoothed() matches smoothEma of the batch losses', () => {
    const h = run();
    expect(h.smoothed()).toEqual(
      smoothEma(
        h.batches.map((b) => b.loss),
        0.98,
      ),
    );
  });

  it('curve() extracts x/y pairs', () => {
    const h = run();
    expect(h.curve('valLoss')).toEqual({ x: [0, 1, 2], y: [0.9, 0.5, 0.6] });
    expect(h.curve('mae').y.length).toBe(3);
    expect(h.curve('loss', 'batch').x).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('toCSV has a stable header, quoted names and one row per record', () => {
    const h = run();
    const csv = h.toCSV();
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe([...HISTORY_CSV_COLUMNS, 'mae', '"val,mae"'].join(','));
    expect(lines.length).toBe(1 + 15);
    expect(lines[5]).toBe(`epoch,0,,4,${h.epochs[0].time},${h.epochs[0].elapsed},1,0.9,0.1,0.3,0.4`);
    expect(lines[1]).toBe(`batch,0,0,0,${h.batches[0].time},0.25,1,,0.1,,`);
    expect(h.toCSV('epoch').trimEnd().split('\n').length).toBe(4);
    const nan = new LossHistory();
    nan.logEpoch({ epoch: 0, loss: NaN, valLoss: -Infinity });
    expect(nan.toCSV().split('\n')[1]).toMatch(/^epoch,0,,0,\d+,[\d.e-]+,NaN,-Infinity,$/);
  });

  it('toJSON / fromJSON round-trip exactly, including NaN and Infinity', () => {
    const h = run();
    h.logBatch({ epoch: 3, batch: 0, loss: NaN, metrics: { mae: Infinity } });
    const text = JSON.stringify(h.toJSON());
    const back = LossHistory.fromJSON(JSON.parse(text));
    expect(back.toCSV()).toBe(h.toCSV());
    expect(back.records()).toEqual(h.records());
    expect(back.summary()).toEqual(h.summary());
    expect(back.metricNames).toEqual(h.metricNames);
  });

  it('fromJSON keeps the logging order when records share a timestamp', () => {
    const h = new LossHistory({ now: () => 1000 });
    for (let e = 0; e < 2; e++) {
      for (let b = 0; b < 2; b++) h.logBatch({ epoch: e, batch: b, loss: 1 });
      h.logEpoch({ epoch: e, loss: 1 });
    }
    const back = LossHistory.fromJSON(h.toJSON());
    expect(back.records().map((r) => r.kind)).toEqual(['batch', 'batch', 'epoch', 'batch', 'batch', 'epoch']);
    expect(back.toCSV()).toBe(h.toCSV());
  });

  it('notifies listeners, which can unsubscribe', () => {
    const h = new LossHistory();
    const seen: string[] = [];
    const off = h.onRecord((r) => seen.push(r.kind));
    h.logBatch({ epoch: 0, batch: 0, loss: 1 });
    off();
    h.logEpoch({ epoch: 0, loss: 1 });
    expect(seen).toEqual(['batch']);
  });

  it('rejects bad input with LosskitError naming the argument', () => {
    const h = new LossHistory();
    expectError(
      () => h.logBatch({ epoch: -1, batch: 0, loss: 1 }),
      'INVALID_INPUT',
      /LossHistory.logBatch: 'epoch' must be a non-negative integer; received -1/,
    );
    expectError(
      () => h.logBatch({ epoch: 0, batch: 0.5, loss: 1 }),
      'INVALID_INPUT',
      /'batch' must be a non-negative integer; received 0.5/,
    );
    expectError(
      // @ts-expect-error: loss must be a number
      () => h.logBatch({ epoch: 0, batch: 0, loss: '1' }),
      'INVALID_INPUT',
      /'loss' must be a number .*received "1"/,
    );
    expectError(
      () => h.logEpoch({ epoch: 0, loss: 1, lr: NaN }),
      'INVALID_INPUT',
      /LossHistory.logEpoch: 'lr' must be a finite number >= 0; received NaN/,
    );
    expectError(
      // @ts-expect-error: metric values must be numbers
      () => h.logEpoch({ epoch: 0, loss: 1, metrics: { acc: 'high' } }),
      'INVALID_INPUT',
      /'metrics.acc' must be a number; received "high"/,
    );
    expectError(
      () => h.logEpoch({ epoch: 0, loss: 1, metrics: { val_loss: 1 } }),
      'INVALID_INPUT',
      /metric name "val_loss" is reserved/,
    );
    expectError(
      // @ts-expect-error: typo in a field name
      () => h.logEpoch({ epoch: 0, loss: 1, val_loss: 1 }),
      'INVALID_OPTION',
      /unknown option 'val_loss' \(did you mean 'valLoss'\?\)/,
    );
    expectError(
      () => new LossHistory({ divergeFactor: 1 }),
      'INVALID_OPTION',
      /LossHistory: option 'divergeFactor' must be a finite number > 1; received 1/,
    );
    expectError(
      // @ts-expect-error: not a history JSON
      () => LossHistory.fromJSON({ a: 1 }),
      'INVALID_INPUT',
      /LossHistory.fromJSON: 'json' must be the output of LossHistory.toJSON\(\)/,
    );
  });
});

describe('metric names and decoded numbers (every history path)', () => {
  it('a metric named __proto__ is kept as an own value through logging, JSON and CSV', () => {
    const h = new LossHistory({ now: clock() });
    const metrics = JSON.parse('{"__proto__": 0.25, "mae": 1}') as Record<string, number>;
    h.logEpoch({ epoch: 0, loss: 1, metrics });
    expect(h.metricNames).toEqual(['__proto__', 'mae']);
    expect(Object.getOwnPropertyDescriptor(h.epochs[0].metrics, '__proto__')?.value).toBe(0.25);
    expect(h.curve('__proto__').y).toEqual([0.25]);
    const back = LossHistory.fromJSON(JSON.parse(JSON.stringify(h.toJSON())));
    expect(Object.getOwnPropertyDescriptor(back.epochs[0].metrics, '__proto__')?.value).toBe(0.25);
    expect(h.toCSV().split('\n')[0]).toContain('__proto__');
  });

  it('a metric name with a line break is refused (history files keep one record per line)', () => {
    const h = new LossHistory({ now: clock() });
    for (const name of ['a\nb', 'a\rb'])
      expectError(
        () => h.logBatch({ epoch: 0, batch: 0, loss: 1, metrics: { [name]: 1 } }),
        'INVALID_INPUT',
        'line break',
      );
  });

  it('a JSON number that is not a number or "NaN"/"Infinity"/"-Infinity" is refused, not read as NaN', () => {
    const h = new LossHistory({ now: clock() });
    h.logEpoch({ epoch: 0, loss: NaN, valLoss: Infinity, metrics: { m: -Infinity } });
    const j = JSON.parse(JSON.stringify(h.toJSON()));
    expect(LossHistory.fromJSON(j).epochs[0].loss).toBeNaN(); // "NaN" is a divergence, kept
    for (const [field, path] of [
      ['loss', "'loss'"],
      ['valLoss', "'valLoss'"],
      ['elapsed', "'elapsed'"],
    ] as const) {
      const k = JSON.parse(JSON.stringify(j));
      k.epochs[0][field] = 'abc';
      expectError(() => LossHistory.fromJSON(k), 'INVALID_INPUT', "'json.epochs[0]'", path, '"abc"');
    }
    const m = JSON.parse(JSON.stringify(j));
    m.epochs[0].metrics.m = 'abc';
    expectError(() => LossHistory.fromJSON(m), 'INVALID_INPUT', "'metrics.m'");
  });

  it('a snapshot with null or non-object records is INVALID_INPUT naming the record', () => {
    const h = new LossHistory({ now: clock() });
    h.logBatch({ epoch: 0, batch: 0, loss: 1 });
    const j = JSON.parse(JSON.stringify(h.toJSON()));
    for (const bad of [null, 5, 'x', []]) {
      expectError(() => LossHistory.fromJSON({ ...j, batches: [bad] }), 'INVALID_INPUT', "'json.batches[0]'");
      expectError(() => LossHistory.fromJSON({ ...j, epochs: [bad] }), 'INVALID_INPUT', "'json.epochs[0]'");
    }
  });
});
