/**
 * The training loop. Deterministic for a seed on a given backend: the shuffle order comes from a
 * seeded generator per epoch, and Math.random (which tfjs uses for dropout masks and for
 * initializers given no seed) is replaced by a seeded generator re-seeded at every epoch start,
 * so a run resumed from an epoch checkpoint continues exactly as it would have.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { AugmentError, describeAugment, hasTransforms } from '../data/augment-config.ts';
import { Augmenter, batchRandom, expandExamples, type ImageFormat } from '../data/augment.ts';
import { deriveSeed, mulberry32, permutation } from '../data/random.ts';
import { crossEntropyInTraining } from '../engine/index.ts';
import type { EpochRecord } from '../store/types.ts';
import { EarlyStopping, improves, monitored, ReduceLROnPlateau, type EpochLogs } from './callbacks.ts';
import { captureCheckpoint, restoreCheckpoint, type Checkpoint, type TrainerState } from './checkpoint.ts';
import { DEFAULT_LR, type Monitor, type TrainConfig } from './config.ts';
import { WeightAverage } from './ema.ts';
import { createOptimizer, setLearningRate } from './optimizers.ts';
import { predictProbs } from '../evaluate/predict.ts';
import { QuietProgress, type ProgressReporter } from './progress.ts';
import { scheduledLr } from './schedules.ts';

/** Preprocessed examples: `x` is count × featureSize floats, `y` integer labels. */
export interface Examples { x: Float32Array; y: Uint8Array; count: number }

export interface TrainInput {
  train: Examples;
  val?: Examples;
  /** Model input shape without the batch dimension, e.g. [784] or [28, 28, 1]. */
  inputShape: number[];
  numClasses: number;
  /** How examples hold images, for augmentation: needed for flat inputs; image inputs [rows, cols, 1] default to unit scaling. */
  image?: ImageFormat;
}

export interface TrainHooks {
  progress?: ProgressReporter;
  /** After each epoch, before the checkpoint is written (e.g. store the epoch record). */
  onEpoch?(record: EpochRecord): Promise<void> | void;
  /** After each epoch with the checkpoint to persist. */
  onCheckpoint?(c: Checkpoint): Promise<void> | void;
  /** When validation loss reaches a new best (save the best model). */
  onBest?(model: tfl.LayersModel, epoch: number): Promise<void> | void;
  /** Continue from this checkpoint instead of from scratch. */
  resume?: Checkpoint;
  /** With `resume`: the best weights so far (saved by onBest), for restoreBestWeights. */
  resumeBestWeights?: tf.Tensor[];
  /** Checked between batches; true stops after the current epoch's bookkeeping. */
  shouldStop?(): boolean;
}

export interface TrainResult {
  history: EpochRecord[];
  /** Early stopping ended the run. */
  stoppedEarly: boolean;
  /** shouldStop() ended it before its last epoch (a signal); resume continues it. */
  interrupted: boolean;
  bestEpoch: number;
  wallMs: number;
}

/** Makes Math.random a seeded generator until the returned function is called. */
export function seedMathRandom(seed: number): () => void {
  const original = Math.random;
  Math.random = mulberry32(seed);
  return () => { Math.random = original; };
}

const EPS = 1e-7;

/** Keras's categorical cross-entropy on probabilities (label smoothing is in yTrue). */
export function crossEntropyLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return crossEntropyInTraining(yTrue, yPred, EPS) ??
    tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(yTrue, tf.log(tf.clipByValue(yPred, EPS, 1 - EPS))), -1))) as tf.Scalar);
}

function batchLabels(y: Uint8Array, idx: ArrayLike<number>, k: number, smoothing: number): Float32Array {
  const out = new Float32Array(idx.length * k).fill(smoothing / k);
  const on = 1 - smoothing + smoothing / k;
  for (let i = 0; i < idx.length; i++) out[i * k + y[idx[i]]] = on;
  return out;
}

function gather(x: Float32Array, size: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * size);
  for (let i = 0; i < idx.length; i++) out.set(x.subarray(idx[i] * size, (idx[i] + 1) * size), i * size);
  return out;
}

function countCorrect(probs: Float32Array | Int32Array | Uint8Array, y: Uint8Array, idx: ArrayLike<number>, k: number): number {
  let correct = 0;
  for (let i = 0; i < idx.length; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probs[i * k + j] > probs[i * k + best]) best = j;
    if (best === y[idx[i]]) correct++;
  }
  return correct;
}

function evaluateLoss(model: tfl.LayersModel, ex: Examples, inputShape: number[], k: number): { loss: number; accuracy: number } {
  const probs = predictProbs(model, ex.x, ex.count, inputShape);
  let loss = 0;
  for (let i = 0; i < ex.count; i++) loss -= Math.log(Math.min(1 - EPS, Math.max(EPS, probs[i * k + ex.y[i]])));
  const all = Int32Array.from({ length: ex.count }, (_, i) => i);
  return { loss: loss / ex.count, accuracy: countCorrect(probs, ex.y, all, k) / ex.count };
}

function imageFormat(input: TrainInput): ImageFormat {
  if (input.image) return input.image;
  const s = input.inputShape;
  if (s.length === 3 && s[2] === 1) return { rows: s[0], cols: s[1] };
  throw new AugmentError(`augment: inputs shaped [${s.join(', ')}] are not single-channel images; the training input must say its image size`);
}

/**
 * The training examples (with offline copies appended when the config asks for them) and the
 * augmenter for batches, when augmentation is on the fly. Validation data is never augmented.
 */
function augmentation(config: TrainConfig, input: TrainInput, progress: ProgressReporter): { train: Examples; perBatch?: Augmenter } {
  const c = config.augment;
  if (!c || !hasTransforms(c)) return { train: input.train };
  const augmenter = new Augmenter(c, imageFormat(input), input.numClasses);
  if (!c.copies) {
    progress.message(`augmentation: ${describeAugment(c)}, on the fly`);
    return { train: input.train, perBatch: augmenter };
  }
  const train = expandExamples(input.train, augmenter, c.copies, config.seed);
  progress.message(`augmentation: ${describeAugment(c)}; ${input.train.count} training images expanded to ${train.count}`);
  return { train };
}

/** How often the batch loop lets the event loop run (signals, timers). */
const PAUSE_EVERY_MS = 200;

export async function train(model: tfl.LayersModel, config: TrainConfig, input: TrainInput, hooks: TrainHooks = {}): Promise<TrainResult> {
  const progress = hooks.progress ?? new QuietProgress();
  const { val, inputShape, numClasses: k } = input;
  const { train: tr, perBatch } = augmentation(config, input, progress);
  const size = inputShape.reduce((a, b) => a * b, 1);
  const bs = config.batchSize;
  const stepsPerEpoch = Math.ceil(tr.count / bs);
  const totalSteps = stepsPerEpoch * config.epochs;
  const optimizer = createOptimizer(config.optimizer);
  const early = config.earlyStopping && new EarlyStopping(config.earlyStopping);
  const plateau = config.reduceLROnPlateau && new ReduceLROnPlateau(config.reduceLROnPlateau);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);

  let state: TrainerState = {
    epoch: 0, step: 0, baseLr: config.optimizer.learningRate ?? DEFAULT_LR[config.optimizer.name],
    history: [], bestEpoch: -1,
  };
  // "Best" is judged by early stopping's monitor when there is one, else by validation loss.
  const bestMonitor: Monitor | undefined = early?.monitor ?? (val && val.count > 0 ? 'val_loss' : undefined);
  let bestWeights: tf.Tensor[] | undefined;
  if (hooks.resume) {
    bestWeights = hooks.resumeBestWeights;
    await restoreCheckpoint(hooks.resume, model, optimizer);
    state = structuredClone(hooks.resume.state);
    if (early && state.earlyStopping) early.state = state.earlyStopping;
    if (plateau && state.plateau) plateau.state = state.plateau;
    progress.message(`resumed after epoch ${state.epoch} of ${config.epochs}`);
  }
  // With a weight average, validation, the best model and the final model use the averaged weights.
  const ema = config.ema ? new WeightAverage(model, config.ema.decay, hooks.resume?.ema) : undefined;
  const evaluated = <T>(f: () => T | Promise<T>): Promise<T> => (ema ? ema.withAveraged(model, f) : Promise.resolve().then(f));

  const t0 = performance.now();
  let lastPause = t0;
  let stoppedEarly = false;
  let interrupted = false;
  const restoreRandom = seedMathRandom(deriveSeed(config.seed, 'math-random', state.epoch));
  try {
    while (state.epoch < config.epochs && !stoppedEarly) {
      const epoch = state.epoch;
      Math.random = mulberry32(deriveSeed(config.seed, 'math-random', epoch));
      const order = permutation(tr.count, mulberry32(deriveSeed(config.seed, 'shuffle', epoch)));
      const e0 = performance.now();
      const c0 = process.cpuUsage();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < stepsPerEpoch; b++) {
        const idx = order.subarray(b * bs, Math.min((b + 1) * bs, tr.count));
        setLearningRate(optimizer, scheduledLr(config.schedule, state.baseLr, state.step, totalSteps, stepsPerEpoch));
        const xb = gather(tr.x, size, idx);
        if (perBatch) perBatch.augmentBatch(xb, Uint8Array.from(idx, (i) => tr.y[i]), batchRandom(config.seed, epoch, b));
        const xs = tf.tensor(xb, [idx.length, ...inputShape]);
        const ys = tf.tensor(batchLabels(tr.y, idx, k, config.labelSmoothing), [idx.length, k]);
        let probs: tf.Tensor | undefined;
        const cost = optimizer.minimize(() => {
          const p = model.apply(xs, { training: true }) as tf.Tensor;
          probs = tf.keep(p);
          const reg = model.calculateLosses();
          const ce = crossEntropyLoss(ys, p);
          return reg.length ? tf.add(ce, tf.addN(reg)) as tf.Scalar : ce;
        }, true, vars)!;
        ema?.update(state.step);
        const batchLoss = cost.dataSync()[0];
        if (!Number.isFinite(batchLoss)) {
          tf.dispose([xs, ys, cost, probs!]);
          throw new Error(`loss became ${batchLoss} at epoch ${epoch + 1}, batch ${b + 1}: lower the learning rate`);
        }
        correct += countCorrect(probs!.dataSync() as Float32Array, tr.y, idx, k);
        lossSum += batchLoss * idx.length;
        seen += idx.length;
        tf.dispose([xs, ys, cost, probs!]);
        state.step++;
        const elapsed = (performance.now() - e0) / 1000;
        const rate = seen / elapsed;
        progress.batch({
          epoch: epoch + 1, epochs: config.epochs, batch: b + 1, batches: stepsPerEpoch,
          loss: lossSum / seen, accuracy: correct / seen, imagesPerSec: rate,
          etaSec: (tr.count - seen) / rate + (config.epochs - epoch - 1) * (tr.count / rate),
        });
        // The batches run synchronously: without a pause now and then, signal handlers (Ctrl-C,
        // which shouldStop watches) and timers would only run once training is over.
        if (performance.now() - lastPause > PAUSE_EVERY_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastPause = performance.now();
        }
        if (hooks.shouldStop?.()) throw new StopRequested();
      }
      const wallMs = performance.now() - e0;
      const cpu = process.cpuUsage(c0);
      const logs: EpochLogs = { loss: lossSum / seen, accuracy: correct / seen };
      if (val && val.count > 0) {
        const v = await evaluated(() => evaluateLoss(model, val, inputShape, k));
        logs.val_loss = v.loss;
        logs.val_accuracy = v.accuracy;
      }
      const record: EpochRecord = {
        epoch: epoch + 1, loss: logs.loss, accuracy: logs.accuracy,
        ...(logs.val_loss !== undefined ? { valLoss: logs.val_loss, valAccuracy: logs.val_accuracy } : {}),
        lr: scheduledLr(config.schedule, state.baseLr, Math.max(0, state.step - 1), totalSteps, stepsPerEpoch),
        wallMs, cpuMs: (cpu.user + cpu.system) / 1000, imagesPerSec: tr.count / (wallMs / 1000),
      };
      const notes: string[] = [];
      if (bestMonitor && improves(bestMonitor, monitored(logs, bestMonitor), state.best ?? (bestMonitor.endsWith('loss') ? Infinity : -Infinity), 0)) {
        state.best = monitored(logs, bestMonitor);
        state.bestEpoch = epoch + 1;
        notes.push('best');
        await evaluated(async () => {
          if (early?.restoreBestWeights) {
            tf.dispose(bestWeights ?? []);
            bestWeights = model.getWeights().map((w) => w.clone());
          }
          await hooks.onBest?.(model, epoch + 1);
        });
      }
      if (early) {
        stoppedEarly = early.onEpochEnd(epoch + 1, logs);
        state.earlyStopping = early.state;
      }
      if (plateau) {
        const lr = plateau.onEpochEnd(logs, state.baseLr);
        if (lr !== state.baseLr) notes.push(`lr -> ${lr.toPrecision(3)}`);
        state.baseLr = lr;
        state.plateau = plateau.state;
      }
      state.history.push(record);
      state.epoch++;
      await hooks.onEpoch?.(record);
      if (hooks.onCheckpoint) await hooks.onCheckpoint(await captureCheckpoint(state, model, optimizer, ema?.values()));
      const perEpoch = (performance.now() - t0) / 1000 / Math.max(1, state.history.length - (hooks.resume?.state.epoch ?? 0));
      if (stoppedEarly) notes.push(`early stop (best epoch ${early!.state.bestEpoch})`);
      progress.epoch({ ...record, epochs: config.epochs, etaSec: stoppedEarly ? 0 : perEpoch * (config.epochs - state.epoch), note: notes.join(', ') });
      if (!stoppedEarly && state.epoch < config.epochs && hooks.shouldStop?.()) throw new StopRequested();
    }
  } catch (err) {
    if (!(err instanceof StopRequested)) {
      // A failed run (diverged, or a hook ended it: a pruned search trial) must not leak its optimizer state.
      tf.dispose(bestWeights ?? []);
      ema?.dispose();
      optimizer.dispose();
      throw err;
    }
    progress.message(`stopped on request after epoch ${state.epoch}; resume continues from there`);
    interrupted = true;
  } finally {
    restoreRandom();
  }
  if (early?.restoreBestWeights && bestWeights) model.setWeights(bestWeights);
  else if (ema && !interrupted) ema.apply(model);
  tf.dispose(bestWeights ?? []);
  ema?.dispose();
  optimizer.dispose();
  return { history: state.history, stoppedEarly, interrupted, bestEpoch: state.bestEpoch, wallMs: performance.now() - t0 };
}

export class StopRequested extends Error {
  override name = 'StopRequested';
}
