/**
 * The report charts, each returning a Raster to save with `.writePNG(path)` (atomic) or encode
 * with `.toPNG()`:
 *  - learningCurves:   loss and accuracy per epoch, train vs validation;
 *  - confusionHeatmap: confusion matrix shaded by row share, counts in the cells;
 *  - imageGrid:        captioned image grids (samples, class means, misclassified examples);
 *  - barChart:         grouped bars, e.g. per-class precision / recall / F1;
 *  - optimizationHistory: a study's trial values and the best so far.
 */
export { learningCurves, type EpochRecord, type LearningCurvesOptions } from './learning-curves.ts';
export { confusionHeatmap, rowNormalize, type ConfusionHeatmapOptions } from './confusion-heatmap.ts';
export { imageGrid, type GridImage, type ImageGridOptions } from './image-grid.ts';
export { barChart, type BarChartOptions, type BarSeries } from './bar-chart.ts';
export { optimizationHistory, runningBest, type HistoryPoint, type OptimizationHistoryOptions } from './optimization-history.ts';
