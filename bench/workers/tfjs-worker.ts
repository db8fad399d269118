/**
 * A tfjs engine under test (see ../lib/protocol.ts), on the backend named by argv[2]. Training
 * calls the project's own `train()` (src/train/trainer.ts), so a round costs exactly what a real
 * epoch costs: shuffling, gathering batches, the optimizer step, reading back loss and accuracy.
 * Inference and latency go through `predictProbs` (src/evaluate/predict.ts), as `fmnist predict` does.
 *
 *   node --import tsx bench/workers/tfjs-worker.ts native|wasm|cpu   (answers on fd 3)
 */
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, parseBackendChoice } from '../../src/engine/index.ts';
import { buildModel } from '../../src/models/build.ts';
import { INPUT_SHAPES } from '../../src/models/shapes.ts';
import type { ModelSpec } from '../../src/models/types.ts';
import { mulberry32 } from '../../src/data/random.ts';
import { defaultConfig } from '../../src/train/config.ts';
import { train, type Examples } from '../../src/train/trainer.ts';
import { predictProbs } from '../../src/evaluate/predict.ts';
import { POOL_BATCHES, splitRound } from '../lib/rounds.ts';
import type { LatencyReply, LoadReply, Request, TfjsInfo, TimedReply } from '../lib/protocol.ts';

const ANSWERS_FD = 3;

interface Loaded {
  spec: ModelSpec;
  model: tfl.LayersModel;
  batchSize: number;
  inputShape: number[];
  imageSize: number;
  classes: number;
  /** POOL_BATCHES batches of random pixels in [0, 1) and random labels: speed does not depend on values. */
  pool: Examples;
}

let loaded: Loaded | undefined;

function current(): Loaded {
  if (!loaded) throw new Error("no model loaded: send 'load' first");
  return loaded;
}

function load(spec: ModelSpec, batchSize: number, seed: number): LoadReply {
  if (loaded) {
    loaded.model.dispose();
    loaded = undefined;
  }
  const model = buildModel(spec);
  const inputShape = [...INPUT_SHAPES[spec.input]];
  const imageSize = inputShape.reduce((a, b) => a * b, 1);
  const classes = spec.classes ?? 10;
  const count = POOL_BATCHES * batchSize;
  const rand = mulberry32(seed);
  const x = Float32Array.from({ length: count * imageSize }, rand);
  const y = Uint8Array.from({ length: count }, () => Math.floor(rand() * classes));
  loaded = { spec, model, batchSize, inputShape, imageSize, classes, pool: { x, y, count } };
  return { params: model.countParams() };
}

async function trainRound(batches: number): Promise<TimedReply> {
  const l = current();
  const { epochs, batchesPerEpoch } = splitRound(batches);
  const count = batchesPerEpoch * l.batchSize;
  const examples: Examples = { x: l.pool.x.subarray(0, count * l.imageSize), y: l.pool.y.subarray(0, count), count };
  const config = { ...defaultConfig(l.spec.name), epochs, batchSize: l.batchSize, validation: { kind: 'none' as const } };
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  await train(l.model, config, { train: examples, inputShape: l.inputShape, numClasses: l.classes });
  const seconds = (performance.now() - t0) / 1000;
  return { images: epochs * count, seconds, leakedTensors: tf.memory().numTensors - before };
}

/** A window of `n` pool images starting at image `i` (wrapping to stay inside the pool). */
function poolSlice(l: Loaded, i: number, n: number): Float32Array {
  const start = (i * n) % (l.pool.count - n + 1);
  return l.pool.x.subarray(start * l.imageSize, (start + n) * l.imageSize);
}

function inferRound(batchSize: number, batches: number): TimedReply {
  const l = current();
  if (batchSize > l.pool.count) throw new Error(`batchSize ${batchSize} exceeds the pool of ${l.pool.count} images`);
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) predictProbs(l.model, poolSlice(l, b, batchSize), batchSize, l.inputShape, batchSize);
  const seconds = (performance.now() - t0) / 1000;
  return { images: batches * batchSize, seconds, leakedTensors: tf.memory().numTensors - before };
}

function latencyRound(count: number, maxSeconds = Infinity): LatencyReply {
  const l = current();
  const ms: number[] = [];
  const deadline = performance.now() + maxSeconds * 1000;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    predictProbs(l.model, poolSlice(l, i, 1), 1, l.inputShape, 1);
    const t1 = performance.now();
    ms.push(t1 - t0);
    if (t1 > deadline) break;
  }
  return { ms };
}

async function handle(req: Request, info: TfjsInfo): Promise<unknown> {
  switch (req.op) {
    case 'info': return info;
    case 'load': return load(req.spec, req.batchSize, req.seed);
    case 'train': return trainRound(req.batches);
    case 'infer': return inferRound(req.batchSize, req.batches);
    case 'latency': return latencyRound(req.count, req.maxSeconds);
    default: throw new Error(`unknown op '${(req as { op: string }).op}'`);
  }
}

async function main(): Promise<void> {
  const choice = parseBackendChoice(process.argv[2], 'tfjs-worker backend argument');
  const backend = await initBackend(choice);
  const info: TfjsInfo = { engine: 'tfjs', backend: backend.name, threads: backend.threads, detail: backend.detail, versions: backend.versions, node: process.version };
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    const req = JSON.parse(line) as Request;
    if (req.op === 'quit') break;
    let reply: unknown;
    try {
      reply = await handle(req, info);
    } catch (err) {
      reply = { error: (err as Error).message };
    }
    writeSync(ANSWERS_FD, `${JSON.stringify(reply)}\n`);
  }
  loaded?.model.dispose();
}

await main();
