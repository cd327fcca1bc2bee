/**
 * Deterministic pseudo-random numbers (mulberry32) for fault injection, so a test that
 * sets a seed sees the same sequence of injected faults on every run. Not for secrets.
 */
export type RandomSource = () => number;

export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function unseededRandom(): RandomSource {
  return seededRandom(Math.floor(Math.random() * 0xffffffff));
}
