/**
 * The one seedable random-number generator of losskit (browser-safe, no dependencies): the
 * shuffles of `losskit/tfjs` and the demo's synthetic data all draw from it, so a seed
 * reproduces a run.
 */

/**
 * mulberry32: a small, fast, seedable PRNG with a 2³² period, returning uniform numbers in
 * [0, 1) (multiples of 2⁻³²). The same seed gives the same sequence on every platform.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fresh seed (an integer in [0, 2³²)) for when the caller gave none; report it so the run can be repeated. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}

/** Fisher–Yates shuffle of `a` in place, drawing from `rand`. */
export function shuffleInPlace(a: Int32Array, rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/** A standard normal draw (Box–Muller, cosine branch) from two uniforms of `rand`. */
export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}
