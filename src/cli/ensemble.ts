/**
 * `fmnist ensemble`: stored runs (`--runs 3,5,7`) or N new ones (`--model NAME --members N`) voted
 * together on the test set, with and without test-time augmentation. Members are the runs' stored
 * final models; nothing is chosen by test accuracy, and members are not weighted (a weighting
 * would have to be fitted on validation data).
 */
import { Command, InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import { EnsembleError } from '../evaluate/ensemble.ts';
import { pct, table } from '../evaluate/format.ts';
import type { TtaView } from '../evaluate/tta.ts';
import { ENSEMBLES_DIR, evaluateEnsemble, trainEnsemble, type EnsembleResult } from '../pipeline/ensemble-run.ts';
import { openStore } from '../store/index.ts';
import { addConfigOptions, configFromFlags, type TrainFlags } from './train.ts';
import { backend, int, progressFor, runId, ttaOption } from './options.ts';

interface EnsembleFlags extends Omit<TrainFlags, 'model' | 'resume'> {
  runs?: number[];
  model?: string;
  members?: number;
  tta?: TtaView[];
}

function runList(v: string): number[] {
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    try {
      return runId(s);
    } catch {
      throw new InvalidArgumentError(`expected run ids separated by commas (e.g. 3,5,7), got '${s}' in '${v}'`);
    }
  });
}

const TRAIN_ONLY: (keyof EnsembleFlags)[] = ['config', 'epochs', 'batchSize', 'lr', 'optimizer', 'momentum', 'nesterov', 'labelSmoothing', 'ema', 'seed',
  'val', 'scaling', 'schedule', 'earlyStopping', 'reduceLr', 'limitTrain', 'limitTest', 'augment', 'augmentClasses', 'augmentCopies', 'members'];
const flagName = (k: string) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

const signed = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}`;

/** The printed report: one row per member, then mean ± std and the two votes; a TTA column when there is TTA. */
export function ensembleTable(r: EnsembleResult): string {
  const tta = r.tta;
  const header = ['', 'run', 'model', 'seed', 'test acc', ...(tta ? ['with TTA'] : [])];
  const pm = (s: { mean: number; std: number }) => `${pct(s.mean)} ± ${(100 * s.std).toFixed(2)}`;
  const rows: (string | number)[][] = r.members.map((m, i) => [`member ${i + 1}`, m.run, m.model, m.seed, pct(m.accuracy),
    ...(tta ? [pct(m.ttaAccuracy!)] : [])]);
  rows.push(['mean ± std', '', '', '', pm(r.plain.accuracy), ...(tta ? [pm(tta.accuracy)] : [])]);
  rows.push(['hard vote', '', '', '', pct(r.plain.hard.accuracy), ...(tta ? [pct(tta.hard.accuracy)] : [])]);
  rows.push(['soft vote', '', '', '', pct(r.plain.soft.accuracy), ...(tta ? [pct(tta.soft.accuracy)] : [])]);
  const best = Math.max(...r.members.map((m) => m.accuracy));
  const lines = [
    `ensemble of ${r.members.length} runs on ${r.testCount} test images` + (tta ? `; TTA averages ${tta.views.length + 1} views: ${tta.description}` : ''),
    '',
    table(header, rows),
    '',
    `soft vote ${signed(r.plain.soft.accuracy - r.plain.accuracy.mean)} points over the members' mean, ` +
      `${signed(r.plain.soft.accuracy - best)} over the best member; soft-vote loss ${r.plain.soft.loss.toFixed(4)}`,
  ];
  return lines.join('\n');
}

async function action(f: EnsembleFlags): Promise<void> {
  const training = f.model !== undefined;
  if (training === (f.runs !== undefined)) {
    throw new EnsembleError('give either --runs 3,5,7 (stored runs) or --model NAME --members N (train new ones), not ' + (training ? 'both' : 'neither'));
  }
  if (!training) {
    const stray = TRAIN_ONLY.filter((k) => f[k] !== undefined);
    if (stray.length) throw new EnsembleError(`${stray.map(flagName).join(', ')}: only for training new members (--model NAME --members N); --runs uses stored runs as they are`);
  } else if (f.members === undefined) {
    throw new EnsembleError('--model needs --members N: how many runs to train (with seeds S, S+1, …)');
  }
  const store = openStore(f.store);
  try {
    let r: EnsembleResult;
    if (training) {
      const config = configFromFlags({ ...f, model: f.model!, seed: undefined });
      r = await trainEnsemble({
        store, config, members: f.members!, baseSeed: f.seed, dataDir: f.dataDir, backend: f.backend, tta: f.tta,
        progress: progressFor(f), evaluateTrain: f.trainEval,
      });
    } else {
      r = await evaluateEnsemble({ store, runs: f.runs!, dataDir: f.dataDir, backend: f.backend, tta: f.tta });
    }
    const dir = join(store.root, ENSEMBLES_DIR, r.id);
    if (f.json) {
      process.stdout.write(JSON.stringify({ event: 'result', ...r, dir }) + '\n');
      return;
    }
    process.stdout.write(`\n${ensembleTable(r)}\n\nstored in ${dir}:\n  ${r.files.join('\n  ')}\n`);
  } finally {
    await store.close();
  }
}

export function ensembleCommand(): Command {
  const c = new Command('ensemble')
    .description('vote several runs together on the test set (hard and soft voting, optionally with test-time augmentation): ' +
      'stored runs, or N new runs of one model with different seeds')
    .option('--runs <ids>', 'stored runs to combine, e.g. 3,5,7 (same data and classes)', runList)
    .option('-m, --model <name|file>', 'train new members: zoo model name or spec file')
    .option('--members <n>', 'with --model: how many runs to train', int(2))
    .option('--seed <n>', 'with --model: member i trains with seed S + i (default: the config\'s seed, 42)', int(0));
  return addConfigOptions(c)
    .option('--tta <views>', 'test-time augmentation: average over the image and these views: flip, shift:N (N pixels right, left, down, up), ' +
      "comma-separated (e.g. flip,shift:1); 'none'", ttaOption)
    .option('--data-dir <dir>', 'folder with the four IDX files (default for --runs: where the runs were trained)')
    .option('--store <dir>', 'run store folder (default ./fmnist-runs or $FMNIST_STORE)')
    .option('--backend <name>', 'native, wasm, cpu or auto (default: $FMNIST_BACKEND or auto)', backend)
    .option('--no-train-eval', 'with --model: skip evaluating each member on the training split')
    .option('--json', 'JSON lines on stdout (training progress, then the result)')
    .option('-q, --quiet', 'no progress display')
    .action(action);
}
