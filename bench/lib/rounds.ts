/**
 * How a training round of N steps is laid out. Workers hold a pool of at most POOL_BATCHES random
 * batches and run a round as whole shuffled epochs over part of it, as the trainer runs epochs;
 * bench/peers/torch_train.py (split_round) does the same arithmetic so both sides take equal steps.
 */
export const POOL_BATCHES = 32;

export interface RoundLayout { epochs: number; batchesPerEpoch: number; batches: number }

export function splitRound(batches: number): RoundLayout {
  if (!Number.isInteger(batches) || batches < 1) throw new Error(`batches: expected a positive integer, got ${batches}`);
  const epochs = Math.ceil(batches / POOL_BATCHES);
  const batchesPerEpoch = Math.ceil(batches / epochs);
  return { epochs, batchesPerEpoch, batches: epochs * batchesPerEpoch };
}
