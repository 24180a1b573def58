/**
 * A small seeded pseudo-random generator, so that every resampling (bootstrap) and every
 * simulation gives the same figures for the same seed. Not for cryptography.
 *
 * mulberry32: a 32-bit state, one multiply-xorshift round per draw. Period 2^32, which is
 * plenty for a few hundred thousand bootstrap draws; it passes the usual quick checks
 * (uniform mean, no short cycles) and is tiny enough to audit.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (mean 0, standard deviation 1), by Box–Muller. */
  normal(): number;
}

/** The default seed: fixed, so that two runs over the same samples print the same intervals. */
export const DEFAULT_SEED = 0x5eed_cafe;

export function createRandom(seed: number = DEFAULT_SEED): Random {
  let state = seed >>> 0;
  let spareNormal: number | undefined;

  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      if (spareNormal !== undefined) {
        const value = spareNormal;
        spareNormal = undefined;
        return value;
      }
      // 1 - next() is in (0, 1], so the logarithm is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - next()));
      const angle = 2 * Math.PI * next();
      spareNormal = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
  };
}
