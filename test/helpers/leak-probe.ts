/**
 * Trains in one process and prints, as one JSON line, tf.memory().numTensors and the process RSS
 * (after a full GC) at each epoch of one 20-epoch run and after each of 10 models trained in turn.
 *   node --expose-gc --import tsx test/helpers/leak-probe.ts [backend]
 */
import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '../../src/data/random.ts';
import { initBackend, parseBackendChoice } from '../../src/engine/index.ts';
import { buildModel } from '../../src/models/build.ts';
import type { ModelSpec } from '../../src/models/types.ts';
import { predictProbs } from '../../src/evaluate/predict.ts';
import { defaultConfig } from '../../src/train/config.ts';
import { train, type Examples } from '../../src/train/trainer.ts';

// Conv, batch-norm, pooling, dropout and dense: every kind of kernel and gradient a run uses.
const SPEC: ModelSpec = {
  name: 'leak-probe', input: 'image',
  layers: [
    { type: 'conv', filters: 8, kernel: 3, activation: 'relu' }, { type: 'batchNorm' }, { type: 'maxPool' },
    { type: 'conv', filters: 16, kernel: 3, activation: 'relu' }, { type: 'maxPool' },
    { type: 'dropout', rate: 0.25 }, { type: 'flatten' },
    { type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' },
  ],
};
const INPUT = [28, 28, 1];

function examples(count: number, seed: number): Examples {
  const r = mulberry32(seed);
  return { x: Float32Array.from({ length: count * 784 }, r), y: Uint8Array.from({ length: count }, () => Math.floor(r() * 10)), count };
}

function sample(): { tensors: number; rssMB: number } {
  (globalThis as { gc?: () => void }).gc?.();
  return { tensors: tf.memory().numTensors, rssMB: process.memoryUsage().rss / 2 ** 20 };
}

const backend = await initBackend(parseBackendChoice(process.argv[2] ?? 'auto', 'backend'));
const data = { train: examples(512, 1), val: examples(128, 2), inputShape: INPUT, numClasses: 10 };
const config = { ...defaultConfig(SPEC.name), epochs: 20, batchSize: 64 };

const before = sample();
const epochs: { tensors: number; rssMB: number }[] = [];
const model = buildModel(SPEC);
await train(model, config, data, { onEpoch: () => { epochs.push(sample()); } });
model.dispose();
const afterRun = sample();

const models: { tensors: number; rssMB: number }[] = [];
for (let i = 0; i < 10; i++) {
  const m = buildModel(SPEC);
  await train(m, { ...config, epochs: 1, seed: i }, data);
  predictProbs(m, data.val.x, data.val.count, INPUT);
  m.dispose();
  models.push(sample());
}
console.log(JSON.stringify({ backend: backend.name, before, epochs, afterRun, models }));
