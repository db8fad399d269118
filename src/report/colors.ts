/** Colours shared by the report charts: a categorical palette, a heat scale and text contrast. */
import type { Color } from './raster.ts';

export const INK: Color = [33, 33, 33];
export const MUTED_INK: Color = [110, 110, 110];
export const GRID: Color = [228, 228, 228];
export const AXIS: Color = [90, 90, 90];
export const OK_GREEN: Color = [24, 128, 56];
export const BAD_RED: Color = [206, 32, 41];

/** Distinct series colours (the Tableau 10 palette), train first, validation second. */
export const PALETTE: readonly Color[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

export function seriesColor(index: number): Color {
  return PALETTE[index % PALETTE.length];
}

// White to dark blue through the light blues of the usual "Blues" scale; luminance falls
// monotonically along it, so a larger value is always a darker cell.
const HEAT_STOPS: readonly (readonly [number, Color])[] = [
  [0, [255, 255, 255]],
  [0.25, [198, 219, 239]],
  [0.5, [107, 174, 214]],
  [0.75, [33, 113, 181]],
  [1, [8, 48, 107]],
];

/** The heat colour of `t` in 0..1 (clamped): white at 0, dark blue at 1. */
export function heatColor(t: number): Color {
  const v = Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t));
  for (let i = 1; i < HEAT_STOPS.length; i++) {
    const [t1, c1] = HEAT_STOPS[i];
    if (v > t1) continue;
    const [t0, c0] = HEAT_STOPS[i - 1];
    const f = (v - t0) / (t1 - t0);
    return [0, 1, 2].map((k) => Math.round(c0[k] + f * (c1[k] - c0[k]))) as unknown as Color;
  }
  return HEAT_STOPS[HEAT_STOPS.length - 1][1];
}

/** Relative luminance (Rec. 709 weights on the 0..255 channels). */
export function luminance(c: Color): number {
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

/** White or near-black, whichever reads better on `background`. */
export function contrastingText(background: Color): Color {
  return luminance(background) < 140 ? [255, 255, 255] : INK;
}
