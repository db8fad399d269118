/** Learning-rate schedules, evaluated per training step so one-cycle can rise and fall within epochs. */
import { ConfigError, type ScheduleConfig } from './config.ts';

/**
 * A schedule in the `--schedule` syntax: `constant`, `step:EVERY:GAMMA`, `cosine[:MIN_LR]`,
 * `one-cycle[:MAX_LR]` (also how a model's training settings and a study file write it).
 */
export function parseSchedule(text: string, where = '--schedule'): ScheduleConfig {
  const [kind, ...args] = text.split(':');
  const nums = args.map(Number);
  if (nums.some((n) => !Number.isFinite(n) || n < 0)) throw new ConfigError(`${where}: bad number in schedule '${text}'`);
  if (kind === 'constant' && !args.length) return { kind };
  if (kind === 'step' && nums.length === 2 && Number.isInteger(nums[0]) && nums[0] > 0) return { kind, every: nums[0], gamma: nums[1] };
  if (kind === 'cosine' && nums.length <= 1) return nums.length ? { kind, minLr: nums[0] } : { kind };
  if (kind === 'one-cycle' && nums.length <= 1) return nums.length ? { kind, maxLr: nums[0] } : { kind };
  throw new ConfigError(`${where}: '${text}': expected constant, step:EVERY:GAMMA, cosine[:MIN_LR] or one-cycle[:MAX_LR]`);
}

/** Learning rate at `step` (0-based) of `totalSteps`, for base rate `baseLr`. */
export function scheduledLr(s: ScheduleConfig, baseLr: number, step: number, totalSteps: number, stepsPerEpoch: number): number {
  switch (s.kind) {
    case 'constant':
      return baseLr;
    case 'step':
      return baseLr * s.gamma ** Math.floor(step / stepsPerEpoch / s.every);
    case 'cosine': {
      const min = s.minLr ?? 0;
      return min + (baseLr - min) * 0.5 * (1 + Math.cos((Math.PI * step) / Math.max(1, totalSteps)));
    }
    case 'one-cycle': {
      // Smith & Topin's one-cycle as in PyTorch's OneCycleLR (cosine annealing both ways).
      const maxLr = s.maxLr ?? baseLr;
      const start = maxLr / (s.divFactor ?? 25);
      const end = start / (s.finalDivFactor ?? 1e4);
      const warm = Math.max(1, Math.round((s.pctStart ?? 0.3) * totalSteps));
      const cosBetween = (a: number, b: number, t: number) => b + (a - b) * 0.5 * (1 + Math.cos(Math.PI * t));
      if (step < warm) return cosBetween(start, maxLr, step / warm);
      return cosBetween(maxLr, end, (step - warm) / Math.max(1, totalSteps - warm));
    }
  }
}
