/**
 * `npm run bench -- time-to-accuracy`: wall time from a cold start (this process's start: module
 * loading, backend, data, model) until the test accuracy first reaches each target, training a zoo
 * recipe with its own settings on the full training set (no validation split unless --val asks for
 * one: nothing here would use it), as DAWNBench times it. The test split is
 * scored after every epoch only to time the crossings: training never sees it (no early stopping,
 * no checkpoint choice), and the time spent scoring it is left out of the clock. With --tta the
 * crossings are timed for test-time augmentation's averaged predictions as well.
 */
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/data/dataset.ts';
import { parseValidationSplit } from '../src/data/preprocess.ts';
import { initBackend, parseBackendChoice } from '../src/engine/index.ts';
import { computeMetrics } from '../src/evaluate/metrics.ts';
import { predictProbs } from '../src/evaluate/predict.ts';
import { describeTta, parseTta, ttaProbs } from '../src/evaluate/tta.ts';
import { resolveModel } from '../src/models/load.ts';
import { prepareData } from '../src/pipeline/examples.ts';
import { buildSeeded } from '../src/pipeline/train-run.ts';
import { writeFileAtomic } from '../src/store/files.ts';
import { ConsoleProgress, QuietProgress } from '../src/train/progress.ts';
import { configForModel } from '../src/train/spec-defaults.ts';
import { train } from '../src/train/trainer.ts';
import { table } from './lib/table.ts';

const HELP = `Usage: npm run bench -- time-to-accuracy [options]

Trains a model from a cold start with its zoo training settings and prints the wall time at which
its test accuracy first reached each target (scored after every epoch, not counted in the time).

Options:
  --model NAME        zoo model or spec file (default fast-cnn)
  --epochs N          instead of the model's epochs (the schedule spans them)
  --targets LIST      accuracies to time (default 0.92,0.93,0.94)
  --seed N            (default 42)
  --limit-train N     only the first N training images (a quick check of the harness)
  --val SPLIT         hold out a validation split (the --val syntax of fmnist train) and score it
                      every epoch, inside the clock (default none: train on all 60,000 images)
  --backend NAME      native, wasm, cpu or auto (default auto)
  --tta VIEWS         also time the crossings of test-time augmentation's accuracy (probabilities
                      averaged over the image and these views, e.g. flip or flip,shift:1)
  --json              print the JSON report on stdout
  --out FILE          where to write it (default .bench/time-to-accuracy-<time>.json)
  -h, --help          this text`;

interface EpochPoint { epoch: number; seconds: number; testAccuracy: number; ttaAccuracy?: number; valAccuracy?: number; trainLoss: number }

export interface TimeToAccuracyReport {
  date: string;
  cpus: number;
  load: { start: number[]; end: number[] };
  model: string;
  epochs: number;
  seed: number;
  /** Images trained on per epoch (60,000 unless --val or --limit-train took some away). */
  trainImages: number;
  backend: string;
  /** Seconds from process start to the end of setup (backend, data, model built). */
  setupSeconds: number;
  epochsRun: EpochPoint[];
  /** Per target: the first epoch whose test accuracy reached it, and the seconds since process start. */
  reached: Record<string, { epoch: number; seconds: number } | null>;
  /** With --tta: its views, and the same crossings for the averaged predictions. */
  tta?: { views: string; reached: Record<string, { epoch: number; seconds: number } | null> };
}

const clock = (s: number) => `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;

export async function main(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv, strict: true,
    options: {
      model: { type: 'string' }, epochs: { type: 'string' }, targets: { type: 'string' }, seed: { type: 'string' },
      'limit-train': { type: 'string' }, val: { type: 'string' }, backend: { type: 'string' }, tta: { type: 'string' }, json: { type: 'boolean' }, out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const int = (s: string | undefined, name: string) => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got '${s}'`);
    return n;
  };
  const targets = (v.targets ?? '0.92,0.93,0.94').split(',').map((s) => {
    const t = Number(s);
    if (!(t > 0 && t < 1)) throw new Error(`--targets: expected accuracies in (0, 1) separated by commas, got '${s}'`);
    return t;
  });
  const views = v.tta === undefined ? undefined : parseTta(v.tta);
  const modelName = v.model ?? 'fast-cnn';
  const loadStart = loadavg();
  const backend = await initBackend(v.backend ? parseBackendChoice(v.backend, '--backend') : undefined);
  const spec = resolveModel(modelName);
  const config = configForModel(modelName, spec);
  config.epochs = int(v.epochs, 'epochs') ?? config.epochs;
  config.seed = int(v.seed, 'seed') ?? config.seed;
  config.validation = parseValidationSplit(v.val ?? 'none', '--val');
  const limitTrain = int(v['limit-train'], 'limit-train');
  if (limitTrain !== undefined) config.limitTrain = limitTrain;
  const dataset = loadDataset({ limitTrain: config.limitTrain });
  const data = prepareData(dataset, spec, config);
  const model = buildSeeded(spec, config.seed);
  const setupSeconds = performance.now() / 1000;
  const log = (s: string) => process.stderr.write(s + '\n');
  log(`time-to-accuracy: ${modelName}, ${config.epochs} epochs, seed ${config.seed}, ${backend.name} backend, ` +
    `${data.train.count} training images; setup done at ${setupSeconds.toFixed(1)} s`);

  const epochsRun: EpochPoint[] = [];
  const noneReached = (): TimeToAccuracyReport['reached'] => Object.fromEntries(targets.map((t) => [t.toFixed(4), null]));
  const reached = noneReached();
  const ttaReached = noneReached();
  const format = { rows: dataset.rows, cols: dataset.cols, norm: data.norm };
  let excluded = 0; // seconds spent scoring the test split
  try {
    await train(model, config, { train: data.train, val: data.val, inputShape: data.inputShape, numClasses: dataset.classNames.length,
      image: format }, {
      progress: process.stderr.isTTY && !v.json ? new ConsoleProgress() : new QuietProgress(),
      onEpoch: (e) => {
        const seconds = performance.now() / 1000 - excluded;
        const t0 = performance.now();
        const predict = (x: Float32Array, count: number) => predictProbs(model, x, count, data.inputShape);
        const accuracy = (probs: Float32Array) => computeMetrics(probs, data.test.y, dataset.classNames.length).accuracy;
        const acc = accuracy(predict(data.test.x, data.test.count));
        const tta = views && accuracy(ttaProbs(predict, data.test.x, data.test.count, format, views));
        excluded += (performance.now() - t0) / 1000;
        epochsRun.push({ epoch: e.epoch, seconds, testAccuracy: acc, ttaAccuracy: tta, valAccuracy: e.valAccuracy, trainLoss: e.loss });
        for (const t of targets) {
          const key = t.toFixed(4);
          if (acc >= t && !reached[key]) reached[key] = { epoch: e.epoch, seconds };
          if (tta !== undefined && tta >= t && !ttaReached[key]) ttaReached[key] = { epoch: e.epoch, seconds };
        }
        log(`epoch ${e.epoch}: test accuracy ${(100 * acc).toFixed(2)} %` +
          `${tta === undefined ? '' : `, with TTA ${(100 * tta).toFixed(2)} %`} at ${clock(seconds)}`);
      },
    });
  } finally {
    model.dispose();
  }

  const report: TimeToAccuracyReport = {
    date: new Date().toISOString(), cpus: cpus().length, load: { start: loadStart, end: loadavg() }, model: modelName,
    epochs: config.epochs, seed: config.seed, trainImages: data.train.count, backend: backend.name, setupSeconds, epochsRun, reached,
    ...(views && { tta: { views: describeTta(views), reached: ttaReached } }),
  };
  const out = v.out ?? `.bench/time-to-accuracy-${report.date.replace(/[:.]/g, '-')}.json`;
  mkdirSync(dirname(out), { recursive: true });
  writeFileAtomic(out, JSON.stringify(report, null, 1) + '\n', 'bench');
  if (v.json) process.stdout.write(JSON.stringify(report) + '\n');
  const cells = (r: { epoch: number; seconds: number } | null) => [r ? String(r.epoch) : '-', r ? clock(r.seconds) : 'not reached'];
  const rows = targets.map((t) => [`${(100 * t).toFixed(1)} %`, ...cells(reached[t.toFixed(4)]),
    ...(views ? cells(ttaReached[t.toFixed(4)]) : [])]);
  const header = ['test accuracy', 'first at epoch', 'time from cold start', ...(views ? ['with TTA: epoch', 'time'] : [])];
  const best = Math.max(...epochsRun.map((p) => p.testAccuracy));
  const last = epochsRun[epochsRun.length - 1];
  const text = `\n${table(header, rows)}\n\n` +
    `${modelName}: ${(100 * last.testAccuracy).toFixed(2)} % after ${epochsRun.length} epochs ` +
    `(best epoch ${(100 * best).toFixed(2)} %)` +
    `${last.ttaAccuracy === undefined ? '' : `, ${(100 * last.ttaAccuracy).toFixed(2)} % with TTA (${describeTta(views!)})`}, ` +
    `${clock(last.seconds)} of training from a cold start; ` +
    `${report.cpus} CPUs, load ${loadStart[0].toFixed(1)} → ${report.load.end[0].toFixed(1)}; report ${out}\n`;
  (v.json ? process.stderr : process.stdout).write(text);
  return 0;
}
