import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { describeAugment, hasTransforms, type AugmentConfig } from '../data/augment-config.ts';
import { describeSplit, parseValidationSplit } from '../data/preprocess.ts';
import { classificationReport, confusionText, mostConfusedText, pct } from '../evaluate/format.ts';
import { resolveModel } from '../models/load.ts';
import { DEFAULT_MODEL } from '../models/zoo/index.ts';
import { openStore } from '../store/index.ts';
import { ConfigError, OPTIMIZERS, type OptimizerName, type TrainConfig } from '../train/config.ts';
import { configForModel } from '../train/spec-defaults.ts';
import { trainRun } from '../pipeline/train-run.ts';
import { augment, backend, classList, fraction, int, positiveNumber, progressFor, runId, schedule } from './options.ts';


export interface TrainFlags {
  model: string; config?: string; epochs?: number; batchSize?: number; lr?: number; optimizer?: OptimizerName;
  momentum?: number; nesterov?: boolean; labelSmoothing?: number; seed?: number; val?: string; scaling?: 'unit' | 'standardize';
  schedule?: TrainConfig['schedule']; earlyStopping?: number; reduceLr?: number; limitTrain?: number; limitTest?: number;
  dataDir?: string; store?: string; backend?: 'native' | 'wasm' | 'cpu' | 'auto'; json?: boolean; quiet?: boolean; resume?: number | true; trainEval: boolean;
  augment?: AugmentConfig; augmentClasses?: number[]; augmentCopies?: number; ema?: number;
}

/** --augment replaces the model's augmentation; --augment-classes and --augment-copies refine whichever applies. */
function applyAugmentFlags(c: TrainConfig, f: TrainFlags): void {
  if (f.augment !== undefined) c.augment = f.augment;
  for (const [flag, value] of [['--augment-classes', f.augmentClasses], ['--augment-copies', f.augmentCopies]] as const) {
    if (value !== undefined && !hasTransforms(c.augment)) {
      throw new ConfigError(`${flag}: there is no augmentation to apply it to; add --augment (e.g. --augment shift:2,flip)`);
    }
  }
  if (f.augmentClasses !== undefined) c.augment = { ...c.augment, classes: f.augmentClasses };
  if (f.augmentCopies !== undefined) c.augment = { ...c.augment, copies: f.augmentCopies };
  if (c.augment && !hasTransforms(c.augment)) delete c.augment;
}

/** Config = defaults ← the model spec's stated training settings ← a --config file ← flags. */
export function configFromFlags(f: TrainFlags): TrainConfig {
  const c = configForModel(f.model, resolveModel(f.model));
  if (f.config) {
    let fromFile: Partial<TrainConfig>;
    try {
      fromFile = JSON.parse(readFileSync(f.config, 'utf8'));
    } catch (err) {
      throw new ConfigError(`--config ${f.config}: ${(err as Error).message}`);
    }
    Object.assign(c, fromFile, { optimizer: { ...c.optimizer, ...fromFile.optimizer } });
  }
  if (f.optimizer && f.optimizer !== c.optimizer.name) c.optimizer = { name: f.optimizer };
  const o = c.optimizer;
  if (f.lr !== undefined) o.learningRate = f.lr;
  if (f.momentum !== undefined) o.momentum = f.momentum;
  if (f.nesterov) o.nesterov = true;
  if (f.epochs !== undefined) c.epochs = f.epochs;
  if (f.batchSize !== undefined) c.batchSize = f.batchSize;
  if (f.labelSmoothing !== undefined) c.labelSmoothing = f.labelSmoothing;
  if (f.ema !== undefined) c.ema = { decay: f.ema };
  if (f.seed !== undefined) c.seed = f.seed;
  if (f.val !== undefined) c.validation = parseValidationSplit(f.val);
  if (f.scaling) c.scaling = f.scaling;
  if (f.schedule) c.schedule = f.schedule;
  if (f.earlyStopping !== undefined) c.earlyStopping = { monitor: 'val_loss', patience: f.earlyStopping, restoreBestWeights: true };
  if (f.reduceLr !== undefined) c.reduceLROnPlateau = { monitor: 'val_loss', patience: f.reduceLr, factor: 0.5 };
  if (f.limitTrain !== undefined) c.limitTrain = f.limitTrain;
  if (f.limitTest !== undefined) c.limitTest = f.limitTest;
  applyAugmentFlags(c, f);
  return c;
}

async function latestResumable(storePath?: string): Promise<number> {
  const store = openStore(storePath);
  try {
    const runs = (await store.listRuns()).filter((r) => r.status === 'running' || r.status === 'stopped');
    if (!runs.length) throw new ConfigError(`--resume: no interrupted run in ${store.root}`);
    return runs[runs.length - 1].id;
  } finally {
    await store.close();
  }
}

async function action(f: TrainFlags): Promise<void> {
  const resume = f.resume === true ? await latestResumable(f.store) : f.resume;
  const config = resume === undefined ? configFromFlags(f) : undefined;
  const progress = progressFor(f);
  const store = openStore(f.store);
  try {
    const r = await trainRun({ store, config, resume, dataDir: f.dataDir, backend: f.backend, progress, evaluateTrain: f.trainEval });
    const out = (s: string) => (f.json ? undefined : process.stdout.write(s + '\n'));
    if (f.json) {
      process.stdout.write(JSON.stringify({ event: 'result', run: r.run.id, status: r.run.status, backend: r.backend.name, metrics: r.metrics, files: r.files }) + '\n');
      return;
    }
    if (r.run.status !== 'completed') {
      out(`run ${r.run.id} stopped after epoch ${r.run.epochsDone}; continue it with: fmnist train --resume ${r.run.id}`);
      return;
    }
    const c = r.run.config as TrainConfig;
    const test = r.metrics.test;
    out(`\nrun ${r.run.id}: ${r.run.model}, ${c.epochs} epochs, seed ${c.seed}, validation ${describeSplit(c.validation)}, backend ${r.backend.name}` +
      (c.ema ? `, weight average ${c.ema.decay}` : '') + (c.augment ? `, augmentation ${describeAugment(c.augment)}` : ''));
    out(`test accuracy ${pct(test.accuracy)}  loss ${test.loss.toFixed(4)}  top-3 ${pct(test.top3)}  (${test.count} images)`);
    out('\nclassification report (test)\n' + classificationReport(test, r.dataset.classNames));
    out('\nconfusion matrix (test)\n' + confusionText(test.confusion, r.dataset.classNames));
    out('\nmost confused (true -> predicted)\n' + mostConfusedText(test.confusion, r.dataset.classNames));
    out(`\nstored in ${store.runDir(r.run.id)} (database ${store.root}); pictures:\n  ${r.files.filter((p) => p.endsWith('.png')).join('\n  ')}`);
  } finally {
    await store.close();
  }
}

/** The options that configFromFlags turns into a TrainConfig (besides --model and --seed); `fmnist ensemble` shares them. */
export function addConfigOptions(c: Command): Command {
  return c
    .option('--config <file>', 'training config JSON (fields of TrainConfig); flags override it')
    .option('-e, --epochs <n>', 'epochs', int(1))
    .option('-b, --batch-size <n>', 'batch size', int(1))
    .option('--lr <rate>', 'learning rate', positiveNumber)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(OPTIMIZERS))
    .option('--momentum <m>', 'momentum (sgd, rmsprop)', fraction)
    .option('--nesterov', 'Nesterov momentum (sgd)')
    .option('--label-smoothing <s>', 'label smoothing', fraction)
    .option('--ema <decay>', 'keep an exponential moving average of the weights (e.g. 0.999 per step) and evaluate and save it', fraction)
    .option('--val <split>', 'validation split: fraction (stratified), per-class:N, first:N or none')
    .addOption(new Option('--scaling <how>', 'pixel scaling').choices(['unit', 'standardize']))
    .option('--schedule <s>', 'LR schedule: constant, step:EVERY:GAMMA, cosine[:MIN_LR], one-cycle[:MAX_LR]', schedule)
    .option('--early-stopping <patience>', 'stop when val_loss has not improved for this many epochs (restores best weights)', int(0))
    .option('--reduce-lr <patience>', 'halve the LR when val_loss has not improved for this many epochs', int(1))
    .option('--augment <spec>', 'augment training images: shift:PX[:PY], flip[:P], rotate:DEG, zoom:Z, shear:DEG, erase[:P], ' +
      "fill:constant|nearest, comma-separated (e.g. shift:2,flip,rotate:10); 'none'; or a JSON AugmentConfig", augment)
    .option('--augment-classes <list>', 'augment only these classes (e.g. 2,6)', classList)
    .option('--augment-copies <n>', 'expand the training set once by N augmented copies instead of augmenting each batch', int(1))
    .option('--limit-train <n>', 'use only the first N training images', int(1))
    .option('--limit-test <n>', 'use only the first N test images', int(1));
}

export function trainCommand(): Command {
  const c = new Command('train')
    .description('train a model on Fashion-MNIST, evaluate it on the test set and store the run')
    .option('-m, --model <name|file>', 'zoo model name or spec file (.json/.yaml)', DEFAULT_MODEL);
  return addConfigOptions(c)
    .option('--seed <n>', 'random seed', int(0))
    .option('--data-dir <dir>', 'folder with the four IDX files')
    .option('--store <dir>', 'run store folder (default ./fmnist-runs or $FMNIST_STORE)')
    .option('--backend <name>', 'native, wasm, cpu or auto (default: $FMNIST_BACKEND or auto)', backend)
    .option('--resume [run]', 'continue an interrupted run from its last checkpoint (default: the latest)', runId)
    .option('--no-train-eval', 'skip evaluating the final model on the training split (faster on slow backends)')
    .option('--json', 'JSON lines on stdout instead of the progress display')
    .option('-q, --quiet', 'no progress display')
    .action(action);
}
