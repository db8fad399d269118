/** Pictures for reports: a small RGBA raster with a bitmap font, and the charts drawn on it. */
export * from './charts.ts';
export { Raster, WHITE, BLACK, type Box, type Color, type GrayPixels, type LineOptions, type TextOptions, type BlitOptions } from './raster.ts';
export { textWidth, textHeight, truncateText, wrapText } from './font.ts';
export { heatColor, luminance, PALETTE } from './colors.ts';
export { niceTicks, formatTick, type Ticks } from './ticks.ts';
