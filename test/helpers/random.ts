/** Seeded test inputs, drawn from the project's own generator. */
import { mulberry32 } from '../../src/data/random.ts';

/** Deterministic uniform values in [lo, hi). */
export function randomValues(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rand();
  return out;
}

export interface Input { shape: number[]; values: Float32Array }

export function input(shape: number[], seed: number, lo = -1, hi = 1): Input {
  return { shape, values: randomValues(shape.reduce((a, b) => a * b, 1), seed, lo, hi) };
}
