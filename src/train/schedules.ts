/** Learning-rate schedules, evaluated per training step so one-cycle can rise and fall within epochs. */
import type { ScheduleConfig } from './config.ts';

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
