/**
 * LR range test. Reference curves: test/fixtures/lr_finder.json, written by
 * scripts/fixtures/gen_lr_finder.py (real torch.optim.SGD steps; Lightning 2.x's smoothing,
 * early stop and suggestion ported to numpy, np.gradient for the slope).
 */
import { describe, expect, it } from 'vitest';
import {
  LosskitError,
  lrRangeTest,
  lrRangeTestSync,
  lrSchedule,
  suggestLr,
  type LrRangeTestOptions,
} from '../src/index.js';
import { expectClose, loadFixture, rng, randn } from './helpers.js';

interface Case {
  h: number[];
  w0: number[];
  c: number[];
  eps: number[][];
  options: Required<Omit<LrRangeTestOptions, 'onStep'>>;
  lrs: number[];
  losses: number[];
  smoothed: number[];
  stopReason: string;
  suggestionIndex: number | null;
  lightningSuggestionIndex: number | null;
  bestLoss: number;
}

/** One SGD step on L(w) = ½Σ hⱼ(wⱼ − cⱼ − εⱼ)²; returns the loss before the update. */
function quadraticStepper(h: number[], w0: number[], c: number[], eps: (i: number) => number[]) {
  const w = w0.slice();
  return (lr: number, i: number): number => {
    const e = eps(i);
    let loss = 0;
    for (let j = 0; j < w.length; j++) {
      const d = w[j] - c[j] - e[j];
      loss += 0.5 * h[j] * d * d;
      w[j] -= lr * h[j] * d;
    }
    return loss;
  };
}

describe('lrRangeTest vs the Lightning-port fixtures (torch.optim.SGD steps)', () => {
  const fx = loadFixture<Case>('lr_finder');
  it('has cases', () => expect(fx.cases.length).toBeGreaterThanOrEqual(4));
  fx.cases.forEach((k, n) => {
    it(`case ${n}: ${k.options.mode}, ${k.lrs.length} steps, ${k.stopReason}`, async () => {
      const r = await lrRangeTest(
        quadraticStepper(k.h, k.w0, k.c, (i) => k.eps[i]),
        k.options,
      );
      expect(r.lrs.length).toBe(k.lrs.length);
      expectClose(r.lrs, k.lrs, 1e-12, 0, 'lrs');
      expectClose(r.losses, k.losses, 1e-9, 1e-300, 'losses');
      expectClose(r.smoothed, k.smoothed, 1e-9, 1e-300, 'smoothed');
      expect(r.stopReason).toBe(k.stopReason);
      expect(r.stoppedEarly).toBe(k.stopReason !== 'completed');
      expect(r.suggestionIndex).toBe(k.suggestionIndex);
      // On an exponential sweep the slope w.r.t. ln(lr) picks Lightning's index.
      if (k.options.mode === 'exponential') expect(r.suggestionIndex).toBe(k.lightningSuggestionIndex);
      expect(r.suggestion).toBe(r.lrs[r.suggestionIndex as number]);
      expectClose(r.bestLoss, k.bestLoss, 1e-9, 0, 'bestLoss');
      // The sync driver gives the same curve.
      const s = lrRangeTestSync(
        quadraticStepper(k.h, k.w0, k.c, (i) => k.eps[i]),
        k.options,
      );
      expect(s.smoothed).toEqual(r.smoothed);
      expect(s.suggestion).toBe(r.suggestion);
    });
  });
});

describe('lrRangeTest on a convex quadratic finds the known good region', () => {
  // SGD on curvature h contracts by |1 − lr·h|: fastest at lr = 1/h, divergent for lr > 2/h.
  // Documented region (docs/training.md): the suggestion lies in [1/(10h), 1/h] (measured: 0.26/h-0.31/h);
  // the smoothed minimum (bestLr) lags behind, at ~4-5/h, past divergence: never use it directly.
  for (const h of [0.1, 1, 10, 1000]) {
    for (const seed of [1, 2, 3]) {
      it(`h = ${h}, seed ${seed}: suggestion in [1/(10h), 1/h], below divergence at 2/h`, async () => {
        const r0 = rng(seed);
        const dim = 8;
        const hs = Array.from({ length: dim }, () => h);
        const w0 = Array.from(randn(r0, dim), (v) => 5 * v);
        const c = new Array<number>(dim).fill(0);
        const eps = (): number[] => Array.from(randn(r0, dim), (v) => 0.05 * v);
        const r = await lrRangeTest(quadraticStepper(hs, w0, c, eps), {
          minLr: 1e-6 / h,
          maxLr: 100 / h,
          numSteps: 100,
        });
        expect(r.suggestion).not.toBeNull();
        const s = r.suggestion as number;
        expect(s).toBeGreaterThanOrEqual(1 / (10 * h));
        expect(s).toBeLessThanOrEqual(1 / h);
        expect(s).toBeLessThan(2 / h);
        // The sweep ran into the divergent region and stopped there.
        expect(r.stoppedEarly).toBe(true);
        expect(r.lrs[r.lrs.length - 1]).toBeGreaterThan(2 / h);
      });
    }
  }
});

describe('lrRangeTest behaviour', () => {
  it('stops at the first non-finite loss', async () => {
    const r = await lrRangeTest((lr) => (lr > 1e-3 ? NaN : 1 / (1 + lr)), { minLr: 1e-6, maxLr: 1, numSteps: 50 });
    expect(r.stopReason).toBe('non-finite');
    expect(r.stoppedEarly).toBe(true);
    expect(Number.isNaN(r.losses[r.losses.length - 1])).toBe(true);
    expect(r.lrs.filter((lr) => lr > 1e-3).length).toBe(1);
  });

  it('awaits asynchronous steps in order', async () => {
    const seen: number[] = [];
    const r = await lrRangeTest(
      async (lr, i) => {
        await new Promise((res) => setTimeout(res, 0));
        seen.push(i);
        return 1 - i / 100;
      },
      { numSteps: 20, divergeFactor: Infinity },
    );
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(r.stopReason).toBe('completed');
  });

  it('calls onStep with the smoothed loss', async () => {
    const infos: number[] = [];
    const r = await lrRangeTest(() => 2, { numSteps: 5, onStep: (s) => infos.push(s.smoothed) });
    // Bias correction: a constant loss is smoothed to itself from the first step.
    expectClose(infos, [2, 2, 2, 2, 2], 1e-12);
    expect(r.suggestion).toBeNull(); // 5 steps < skipBegin 10 + 2
  });

  it('schedules exponential and linear sweeps with both ends included', () => {
    const e = lrSchedule(1e-4, 1, 5);
    expectClose(e, [1e-4, 1e-3, 1e-2, 1e-1, 1], 1e-12);
    expectClose(lrSchedule(0.1, 0.5, 5, 'linear'), [0.1, 0.2, 0.3, 0.4, 0.5], 1e-12);
  });

  it('suggestLr uses only the finite prefix', () => {
    const lrs = lrSchedule(1e-3, 1, 20);
    const sm = lrs.map((_, i) => (i < 15 ? 10 - i * (i < 8 ? 1 : 0.1) : NaN));
    const s = suggestLr(lrs, sm, 2, 1);
    expect(s).not.toBeNull();
    expect(s!.index).toBeGreaterThanOrEqual(2);
    expect(s!.index).toBeLessThan(8);
    expect(
      suggestLr(
        lrs,
        sm.map(() => NaN),
      ),
    ).toBeNull();
  });

  it('rejects bad arguments with LosskitError', async () => {
    const bad = async (f: () => Promise<unknown> | unknown, code: string, text: RegExp) => {
      let err: unknown;
      try {
        await f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LosskitError);
      expect((err as LosskitError).code).toBe(code);
      expect((err as LosskitError).message).toMatch(text);
    };
    // @ts-expect-error: not a function
    await bad(() => lrRangeTest(3), 'INVALID_INPUT', /lrRangeTest: 'step' must be a function.*received 3/);
    await bad(
      () => lrRangeTest(() => 1, { minLr: 1, maxLr: 0.5 }),
      'INVALID_OPTION',
      /'maxLr' must be greater than 'minLr' \(1\); received 0.5/,
    );
    await bad(
      () => lrRangeTest(() => 1, { minLr: 0 }),
      'INVALID_OPTION',
      /'minLr' must be a finite number > 0; received 0/,
    );
    await bad(
      () => lrRangeTest(() => 1, { numSteps: 1 }),
      'INVALID_OPTION',
      /'numSteps' must be an integer >= 2; received 1/,
    );
    await bad(
      // @ts-expect-error: bad mode
      () => lrRangeTest(() => 1, { mode: 'cosine' }),
      'INVALID_OPTION',
      /'mode' must be one of 'exponential', 'linear'; received "cosine"/,
    );
    await bad(
      // @ts-expect-error: typo
      () => lrRangeTest(() => 1, { maxLR: 1 }),
      'INVALID_OPTION',
      /unknown option 'maxLR' \(did you mean 'maxLr'\?\)/,
    );
    await bad(
      // @ts-expect-error: returns a string
      () => lrRangeTest(() => 'x'),
      'INVALID_INPUT',
      /'step' must return the batch loss as a number; step 0 returned "x"/,
    );
    await bad(
      () => lrRangeTestSync(() => Promise.resolve(1) as unknown as number),
      'INVALID_INPUT',
      /returned a Promise; use lrRangeTest/,
    );
  });
});
