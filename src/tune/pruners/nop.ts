import type { Pruner } from '../types.ts';

/** Never prunes: every trial runs to the end (Optuna's NopPruner). */
export class NopPruner implements Pruner {
  readonly name = 'none';

  shouldPrune(): boolean {
    return false;
  }
}
