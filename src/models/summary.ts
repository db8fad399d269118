/** A Keras-style model summary: one row per layer with its output shape and parameter count. */
import type * as tfl from '@tensorflow/tfjs-layers';

export interface SummaryRow {
  name: string;
  /** The layer's class, e.g. Conv2D, BatchNormalization. */
  type: string;
  /** Output shape with the batch axis as null, e.g. [null, 28, 28, 32]. */
  outputShape: (number | null)[];
  params: number;
}

export interface ModelSummary {
  name: string;
  rows: SummaryRow[];
  total: number;
  trainable: number;
  /** Batch-norm moving means and variances. */
  nonTrainable: number;
}

function weightCount(weights: tfl.LayerVariable[]): number {
  return weights.reduce((sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
}

export function summarize(model: tfl.LayersModel): ModelSummary {
  const rows = model.layers.map((layer) => {
    // Every layer here has a single output, so outputShape is one shape.
    const shape = layer.outputShape as (number | null)[];
    return { name: layer.name, type: layer.getClassName(), outputShape: [...shape], params: layer.countParams() };
  });
  const trainable = weightCount(model.trainableWeights);
  const nonTrainable = weightCount(model.nonTrainableWeights);
  return { name: model.name, rows, total: trainable + nonTrainable, trainable, nonTrainable };
}

const int = (n: number) => n.toLocaleString('en-US');
const shapeText = (s: (number | null)[]) => `(${s.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;

/** Renders the summary as Keras prints it (name (Type) | Output Shape | Param #, then totals). */
export function formatSummary(summary: ModelSummary): string {
  const cells = summary.rows.map((r) => [`${r.name} (${r.type})`, shapeText(r.outputShape), int(r.params)]);
  const header = ['Layer (type)', 'Output Shape', 'Param #'];
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)) + 2);
  const width = widths.reduce((a, b) => a + b, 0);
  const line = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c])).join('').trimEnd();
  return [
    `Model: "${summary.name}"`,
    '_'.repeat(width),
    line(header),
    '='.repeat(width),
    ...cells.flatMap((row, i) => (i === 0 ? [line(row)] : ['_'.repeat(width), line(row)])),
    '='.repeat(width),
    `Total params: ${int(summary.total)}`,
    `Trainable params: ${int(summary.trainable)}`,
    `Non-trainable params: ${int(summary.nonTrainable)}`,
    '_'.repeat(width),
  ].join('\n');
}
