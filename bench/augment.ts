/**
 * `npm run bench -- augment`: what on-the-fly augmentation costs in training throughput. The same
 * network trains on the same real images with and without augmentation, in alternating rounds
 * (order reversed every other round) so that load from elsewhere on the machine hits both alike;
 * each pair of rounds gives one ratio, and the report gives their median and range. Right after
 * each pair the augmentation alone is timed on the same batches: since it runs serially on the main
 * thread before each step, its time over a plain step's time estimates the cost too, and is much
 * less disturbed by other load than the difference of two training rounds.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { describeAugment, hasTransforms, parseAugment, type AugmentConfig } from '../src/data/augment-config.ts';
import { Augmenter, batchRandom } from '../src/data/augment.ts';
import { loadDataset } from '../src/data/dataset.ts';
import { normalize } from '../src/data/preprocess.ts';
import { initBackend } from '../src/engine/index.ts';
import { resolveModel } from '../src/models/load.ts';
import { buildSeeded } from '../src/pipeline/train-run.ts';
import { inputShapeOf } from '../src/pipeline/examples.ts';
import { defaultConfig, type TrainConfig } from '../src/train/config.ts';
import { train, type TrainInput } from '../src/train/trainer.ts';
import { spread } from './lib/stats.ts';
import { table } from './lib/table.ts';

export const DEFAULT_AUGMENT = 'shift:2,flip,rotate:10';
/** The target: augmentation costs less than this fraction of training throughput. */
export const TARGET_COST = 0.1;

const HELP = `Usage: npm run bench -- augment [options]

Training images/s of one network with and without on-the-fly augmentation, in alternating rounds
on the real training images (the first --batches × --batch-size), and the augmentation's own time
per batch. Takes about a minute with the defaults on 2 idle cores.

Options:
  --model NAME       zoo model or spec file (default small-cnn)
  --augment SPEC     as for fmnist train --augment (default ${DEFAULT_AUGMENT})
  --rounds N         timed rounds of each kind (default 10)
  --batches N        training batches per round (default 30)
  --batch-size N     (default 128)
  --json             print the result as JSON on stdout
  -h, --help         this text`;

interface Options { model: string; augment: AugmentConfig; rounds: number; batches: number; batchSize: number; json: boolean }

function positiveInt(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got '${v}'`);
  return n;
}

function options(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv, strict: true,
    options: {
      model: { type: 'string' }, augment: { type: 'string' }, rounds: { type: 'string' }, batches: { type: 'string' },
      'batch-size': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const augment = parseAugment(values.augment ?? DEFAULT_AUGMENT);
  if (!hasTransforms(augment)) throw new Error('--augment: no transform to measure');
  if (augment.copies) throw new Error('--augment: copies are made once before training, not per batch; nothing to measure here');
  return {
    model: values.model ?? 'small-cnn', augment, json: values.json ?? false,
    rounds: positiveInt(values.rounds, 'rounds', 10), batches: positiveInt(values.batches, 'batches', 30),
    batchSize: positiveInt(values['batch-size'], 'batch-size', 128),
  };
}

export async function main(argv: string[]): Promise<number> {
  const o = options(argv);
  if (!o) { console.log(HELP); return 0; }
  tf.enableProdMode(); // no debug checks, no console banner
  const backend = await initBackend('auto');
  const spec = resolveModel(o.model);
  const count = o.batches * o.batchSize;
  const ds = loadDataset({ limitTrain: count, limitTest: 1 });
  if (ds.train.count < count) throw new Error(`--batches ${o.batches} × --batch-size ${o.batchSize} needs ${count} training images; the data has ${ds.train.count}`);
  const unit = { scaling: 'unit' as const, mean: 0, std: 1 };
  const input: TrainInput = {
    train: { x: normalize(ds.train.images, unit), y: ds.train.labels, count }, inputShape: inputShapeOf(spec, ds),
    numClasses: ds.classNames.length, image: { rows: ds.rows, cols: ds.cols, norm: unit },
  };
  const base: TrainConfig = { ...defaultConfig(o.model), epochs: 1, batchSize: o.batchSize, validation: { kind: 'none' } };
  const rate = async (augment: boolean): Promise<number> => {
    const model = buildSeeded(spec, base.seed);
    try {
      const r = await train(model, augment ? { ...base, augment: o.augment } : base, input);
      return count / (r.history[0].wallMs / 1000);
    } finally {
      model.dispose();
    }
  };

  // The augmentation alone, on the same batches and with the same draws as a training round.
  const aug = new Augmenter(o.augment, input.image!, input.numClasses);
  const size = ds.rows * ds.cols;
  const batch = new Float32Array(o.batchSize * size);
  const labels = new Uint8Array(o.batchSize);
  const augmentMs = (): number => {
    const t0 = performance.now();
    for (let b = 0; b < o.batches; b++) {
      batch.set(input.train.x.subarray(b * o.batchSize * size, (b + 1) * o.batchSize * size));
      labels.set(input.train.y.subarray(b * o.batchSize, (b + 1) * o.batchSize));
      aug.augmentBatch(batch, labels, batchRandom(base.seed, 0, b));
    }
    return (performance.now() - t0) / o.batches;
  };

  const load0 = loadavg()[0];
  log(o, `${spec.name}, ${o.batches} batches of ${o.batchSize} per round, ${o.rounds} rounds each, augmentation ${describeAugment(o.augment)}; ` +
    `backend ${backend.name}; load average ${load0.toFixed(2)}`);
  await rate(false); // warm-up: kernels, buffers, JIT
  await rate(true);
  const rows: { plain: number; augmented: number; augmentMs: number; share: number }[] = [];
  for (let r = 0; r < o.rounds; r++) {
    const first = r % 2 === 0;
    const a = await rate(!first);
    const b = await rate(first);
    const plain = first ? b : a, ms = augmentMs();
    const row = { plain, augmented: first ? a : b, augmentMs: ms, share: ms / (1000 * o.batchSize / plain) };
    rows.push(row);
    log(o, `round ${r + 1}: ${Math.round(row.plain)} images/s plain, ${Math.round(row.augmented)} augmented (${(row.augmented / row.plain).toFixed(3)}x); ` +
      `augmentation alone ${ms.toFixed(2)} ms per batch, ${(100 * row.share).toFixed(1)} % of a plain step`);
  }

  const ratios = rows.map((r) => r.augmented / r.plain);
  const ratio = spread(ratios);
  const plain = spread(rows.map((r) => r.plain)), augmented = spread(rows.map((r) => r.augmented));
  const share = spread(rows.map((r) => r.share));
  const load1 = loadavg()[0];
  const result = {
    model: spec.name, augment: describeAugment(o.augment), backend: backend.name, batchSize: o.batchSize, batchesPerRound: o.batches,
    rounds: rows, ratio, cost: 1 - ratio.median, target: TARGET_COST, plainImagesPerSec: plain, augmentedImagesPerSec: augmented,
    augmentMsPerBatch: spread(rows.map((r) => r.augmentMs)), augmentShareOfPlainStep: share, loadAverage: [load0, load1],
  };
  if (o.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return 0;
  }
  const f = (x: number) => Math.round(x).toLocaleString('en-US');
  const pctRange = (s: { median: number; min: number; max: number }) => `${(100 * s.median).toFixed(1)} [${(100 * s.min).toFixed(1)}-${(100 * s.max).toFixed(1)}]`;
  console.log(table(['', 'plain img/s', 'augmented img/s', 'augmented / plain', 'augment ms/batch', '% of plain step'], [
    ...rows.map((r, i) => [`round ${i + 1}`, f(r.plain), f(r.augmented), `${(r.augmented / r.plain).toFixed(3)}x`, r.augmentMs.toFixed(2), (100 * r.share).toFixed(1)]),
    ['median', f(plain.median), f(augmented.median), `${ratio.median.toFixed(3)}x [${ratio.min.toFixed(3)}-${ratio.max.toFixed(3)}]`,
      result.augmentMsPerBatch.median.toFixed(2), pctRange(share)],
  ]));
  console.log(`\nthroughput cost of augmentation: ${(100 * result.cost).toFixed(1)} % (median of ${rows.length} alternating pairs; ` +
    `range ${(100 * (1 - ratio.max)).toFixed(1)} to ${(100 * (1 - ratio.min)).toFixed(1)} %); target < ${100 * TARGET_COST} %`);
  console.log(`augmentation alone: ${result.augmentMsPerBatch.median.toFixed(2)} ms per batch of ${o.batchSize}, ` +
    `${pctRange(share)} % of a plain training step (median [range] over the rounds)`);
  console.log(`load average ${load0.toFixed(2)} at the start, ${load1.toFixed(2)} at the end`);
  return 0;
}

function log(o: Options, line: string): void {
  (o.json ? process.stderr : process.stdout).write(line + '\n');
}
