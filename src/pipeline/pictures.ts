/** The pictures stored with a run: learning curves, confusion heatmaps, misclassified test images. */
import { join } from 'node:path';
import type { Split } from '../data/dataset.ts';
import { argmaxRows, type Metrics } from '../evaluate/metrics.ts';
import { confusionHeatmap, imageGrid, learningCurves } from '../report/index.ts';
import type { EpochRecord } from '../store/types.ts';

export function writeCurves(dir: string, history: EpochRecord[], title: string): string {
  const path = join(dir, 'learning-curves.png');
  learningCurves(history, { title }).writePNG(path);
  return path;
}

export function writeConfusion(dir: string, split: string, m: Metrics, classNames: string[]): string {
  const path = join(dir, `confusion-${split}.png`);
  confusionHeatmap(m.confusion, classNames, { title: `Confusion matrix (${split})` }).writePNG(path);
  return path;
}

export function writeMisclassified(dir: string, split: Split, probs: Float32Array, classNames: string[], limit = 40): string {
  const k = classNames.length;
  const predicted = argmaxRows(probs, k);
  const size = split.images.length / split.count;
  const wrong: { pixels: Uint8Array; caption: string; captionColor: 'bad' }[] = [];
  for (let i = 0; i < split.count && wrong.length < limit; i++) {
    if (predicted[i] === split.labels[i]) continue;
    wrong.push({
      pixels: split.images.subarray(i * size, (i + 1) * size),
      caption: `${classNames[split.labels[i]]} -> ${classNames[predicted[i]]}`,
      captionColor: 'bad',
    });
  }
  const path = join(dir, 'misclassified-test.png');
  imageGrid(wrong, { columns: 8, scale: 3, captionScale: 1, title: `Misclassified test images (first ${wrong.length}; true -> predicted)` }).writePNG(path);
  return path;
}
