/**
 * Epoch-end callbacks with Keras's semantics. Their state is plain data so that a checkpoint can
 * carry it and a resumed run decides exactly as an uninterrupted one would.
 */
import type { EarlyStoppingConfig, Monitor, ReduceLROnPlateauConfig } from './config.ts';

export interface EpochLogs { loss: number; accuracy: number; val_loss?: number; val_accuracy?: number }

export function monitored(logs: EpochLogs, monitor: Monitor): number {
  const v = logs[monitor];
  if (v === undefined) throw new Error(`callback monitors '${monitor}', which this run does not compute (no validation split?)`);
  return v;
}

/** Whether `current` beats `best` by more than minDelta, in the monitor's direction. */
export function improves(monitor: Monitor, current: number, best: number, minDelta: number): boolean {
  return monitor.endsWith('loss') ? current < best - minDelta : current > best + minDelta;
}

function initialBest(monitor: Monitor): number {
  return monitor.endsWith('loss') ? Infinity : -Infinity;
}

export interface EarlyStoppingState { best: number; bestEpoch: number; wait: number }

export class EarlyStopping {
  readonly monitor: Monitor;
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  state: EarlyStoppingState;

  constructor(c: EarlyStoppingConfig) {
    this.monitor = c.monitor ?? 'val_loss';
    this.patience = c.patience ?? 5;
    this.minDelta = c.minDelta ?? 0;
    this.restoreBestWeights = c.restoreBestWeights ?? true;
    this.state = { best: initialBest(this.monitor), bestEpoch: -1, wait: 0 };
  }

  /** Returns true when training should stop after this epoch. */
  onEpochEnd(epoch: number, logs: EpochLogs): boolean {
    const v = monitored(logs, this.monitor);
    if (improves(this.monitor, v, this.state.best, this.minDelta)) {
      this.state = { best: v, bestEpoch: epoch, wait: 0 };
      return false;
    }
    this.state.wait++;
    return this.state.wait >= this.patience;
  }
}

export interface PlateauState { best: number; wait: number; cooldown: number }

export class ReduceLROnPlateau {
  readonly monitor: Monitor;
  readonly factor: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly minLr: number;
  readonly cooldown: number;
  state: PlateauState;

  constructor(c: ReduceLROnPlateauConfig) {
    this.monitor = c.monitor ?? 'val_loss';
    this.factor = c.factor ?? 0.1;
    this.patience = c.patience ?? 10;
    this.minDelta = c.minDelta ?? 1e-4;
    this.minLr = c.minLr ?? 0;
    this.cooldown = c.cooldown ?? 0;
    this.state = { best: initialBest(this.monitor), wait: 0, cooldown: 0 };
  }

  /** Returns the learning rate to use from the next epoch on (Keras 2's algorithm, step for step). */
  onEpochEnd(logs: EpochLogs, lr: number): number {
    const v = monitored(logs, this.monitor);
    const s = this.state;
    if (s.cooldown > 0) {
      s.cooldown--;
      s.wait = 0;
    }
    if (improves(this.monitor, v, s.best, this.minDelta)) {
      s.best = v;
      s.wait = 0;
      return lr;
    }
    if (s.cooldown > 0) return lr;
    s.wait++;
    if (s.wait < this.patience || lr <= this.minLr) return lr;
    s.wait = 0;
    s.cooldown = this.cooldown;
    return Math.max(lr * this.factor, this.minLr);
  }
}
