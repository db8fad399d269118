/**
 * `fmnist tune` and `fmnist study` end to end on a small slice of the real data: a 4-trial study
 * of a template MLP, its runs in the store, `study show` (sorted table, best parameters, PNG and
 * HTML), Ctrl-C and resume, helper worker processes, and the errors for unknown or changed studies.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { openStore, type Store } from '../src/store/index.ts';
import type { StoredTrial } from '../src/store/study-types.ts';
import type { TrainConfig } from '../src/train/config.ts';
import { fmnist, fmnistLive } from './helpers/cli.ts';
import { realSlice, tempDir } from './helpers/data.ts';

let data: string;
let root: string;
const store = () => join(root, 'store');

before(() => {
  data = realSlice(1000, 500);
  root = tempDir('fmnist-tune-');
  // A template MLP: the first layer's width and an optional second layer are searched, with the learning rate.
  writeFileSync(join(root, 'study.yaml'), `
metric: val_accuracy
sampler: random
trials: 4
seed: 3
base:
  model:
    input: flat
    layers:
      - {type: dense, units: $units, activation: relu}
      - {type: dense, units: 32, activation: relu, when: {param: second_layer, equals: true}}
      - {type: dense, units: 10, activation: softmax}
  epochs: 2
  batchSize: 64
  val: 0.2
params:
  lr: {type: float, low: 1.0e-3, high: 3.0e-2, log: true}
  units: {type: int, low: 16, high: 96, step: 16}
  second_layer: {type: bool}
`);
});
after(() => {
  rmSync(data, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

const jsonLines = (stdout: string) => stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

async function withStore<T>(f: (s: Store) => Promise<T>): Promise<T> {
  const s = openStore(store());
  try {
    return await f(s);
  } finally {
    await s.close();
  }
}

async function trialsOf(name: string): Promise<StoredTrial[]> {
  return withStore(async (s) => s.listTrials((await s.getStudy(name))!.id));
}

const tune = (name: string, extra: string[] = []) =>
  ['tune', '--space', join(root, 'study.yaml'), '--study', name, '--store', store(), '--data-dir', data, '--json', ...extra];

test('a 4-trial study: every trial trains a stored run with its parameters; study show sorts, names the best and draws it', async () => {
  const r = fmnist(tune('tiny'));
  assert.equal(r.status, 0, r.stderr);
  const events = jsonLines(r.stdout);
  const trialEvents = events.filter((e) => e.event === 'trial');
  assert.equal(trialEvents.length, 4);
  assert.deepEqual(trialEvents.map((e) => e.number).sort(), [0, 1, 2, 3]);

  const trials = await trialsOf('tiny');
  assert.equal(trials.length, 4);
  await withStore(async (s) => {
    for (const t of trials) {
      assert.equal(t.state, 'complete');
      assert.equal(t.intermediate.size, 2, 'one value per epoch');
      assert.ok(t.runId !== undefined, `trial ${t.number} has a run`);
      const run = (await s.getRun(t.runId!))!;
      assert.equal(run.status, 'completed');
      // The parameters reached the training config and the model.
      const config = run.config as TrainConfig;
      assert.equal(config.optimizer.learningRate, t.params.lr);
      const dense = (run.spec as { layers: { units: number }[] }).layers.map((l) => l.units);
      assert.deepEqual(dense, t.params.second_layer ? [t.params.units, 32, 10] : [t.params.units, 10]);
      // The trial's value is the last epoch's validation accuracy (objective: last).
      const epochs = await s.epochs(run.id);
      assert.equal(t.value, epochs.at(-1)!.valAccuracy);
      assert.equal(t.intermediate.get(2), epochs[1].valAccuracy);
    }
  });
  const best = trials.reduce((a, b) => (b.value! > a.value! ? b : a));

  const show = fmnist(['study', 'show', 'tiny', '--store', store()]);
  assert.equal(show.status, 0, show.stderr);
  const lines = show.stdout.split('\n');
  const start = lines.indexOf('trials (best first)');
  assert.ok(start >= 0, show.stdout);
  const rows = lines.slice(start + 3, start + 7).map((l) => l.trim().split(/\s+/));
  assert.deepEqual(rows.map((c) => Number(c[0])), [...trials].sort((a, b) => b.value! - a.value! || a.number - b.number).map((t) => t.number));
  const shown = rows.map((c) => Number(c[2]));
  assert.deepEqual(shown, [...shown].sort((a, b) => b - a), 'values best first');
  const bestSection = show.stdout.slice(show.stdout.indexOf('best trial\n'));
  assert.ok(bestSection.startsWith(`best trial\ntrial ${best.number}: val_accuracy ${best.value!.toFixed(4)}`), bestSection);
  const bestParams = Object.fromEntries([...bestSection.matchAll(/^ {2}(\w+) = (\S+)$/gm)].map((m) => [m[1], m[2]]));
  assert.deepEqual(Object.keys(bestParams), Object.keys(best.params));
  assert.equal(Number(bestParams.lr), Number(Number(best.params.lr).toPrecision(4)));
  assert.equal(Number(bestParams.units), best.params.units);
  assert.equal(bestParams.second_layer, String(best.params.second_layer));
  assert.match(show.stdout, /search space\nSearch space summary\nDefault search space size: 3\nlr \(Float\)/);
  assert.match(show.stdout, /optimisation history\ntrial {2}state {6}value {2}best so far/);
  assert.match(show.stdout, /parameter importance\n/);
  assert.match(show.stdout, /\nepochs trained: 8 of 8\n/, 'no pruner: every trial trained its 2 epochs');

  const dir = join(store(), 'studies', 'tiny');
  for (const name of ['history.png', 'importance.png']) {
    const png = PNG.sync.read(readFileSync(join(dir, name)));
    assert.ok(png.width >= 400 && png.height >= 100, `${name} is ${png.width}x${png.height}`);
  }
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  assert.match(html, /^<!doctype html>/);
  const images = [...html.matchAll(/src="data:image\/png;base64,([^"]+)"/g)].map((m) => PNG.sync.read(Buffer.from(m[1], 'base64')));
  assert.equal(images.length, 2, 'history and importance embedded');
  assert.match(html, /Trials \(best first\)/);

  const json = JSON.parse(fmnist(['study', 'show', 'tiny', '--store', store(), '--json']).stdout);
  assert.deepEqual(json.best.params, best.params);
  assert.equal(json.best.number, best.number);

  const list = fmnist(['study', 'list', '--store', store()]);
  assert.match(list.stdout, new RegExp(`^tiny +val_accuracy +maximize +random +none +4 +4 +0 +0 +${best.value!.toFixed(4)} +${best.number} `, 'm'));

  // The unpruned study's curves replayed: a pruner that never starts saves nothing and keeps the best.
  const replay = JSON.parse(fmnist(['study', 'replay', 'tiny', '--store', store(), '--json', '--orders', '50',
    '--pruners', 'median:nStartupTrials=10,median:nStartupTrials=1']).stdout);
  assert.equal(replay.trials, 4);
  assert.equal(replay.epochs, 2);
  const [never, eager] = replay.results;
  assert.deepEqual([never.savedShare, never.bestKeptShare, never.inOrder.steps, never.inOrder.bestValue], [0, 1, 8, best.value]);
  assert.ok(eager.inOrder.steps <= 8 && eager.inOrder.steps >= 5, `median from trial 2 on trains 5..8 epochs, got ${eager.inOrder.steps}`);
  const bad = fmnist(['study', 'replay', 'tiny', '--store', store(), '--pruners', 'median:warmup=2']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /median pruner: unknown option "warmup"/);
});

test('Ctrl-C hands the trial in flight back; the same command resumes without redoing a finished trial', async () => {
  // Three epochs, so that a Ctrl-C sent after a trial's first epoch always lands before its last.
  const file = join(root, 'resume.yaml');
  writeFileSync(file, readFileSync(join(root, 'study.yaml'), 'utf8').replace('epochs: 2', 'epochs: 3'));
  const cmd = tune('resume').map((a) => (a === join(root, 'study.yaml') ? file : a));
  let finishedBefore = 0;
  const first = await fmnistLive([...cmd, '-v'], (line, kill) => {
    const e = JSON.parse(line);
    if (e.event === 'trial') finishedBefore++;
    if (e.event === 'epoch' && finishedBefore >= 1 && e.epoch === 1) kill('SIGINT');
  });
  assert.equal(first.status, 130, first.stderr);
  const interrupted = await trialsOf('resume');
  const done = interrupted.filter((t) => t.state === 'complete');
  assert.equal(done.length, finishedBefore);
  const requeued = interrupted.find((t) => t.state === 'failed')!;
  assert.match(requeued.error!, /^interrupted \(Ctrl-C\)/);
  const copy = interrupted.find((t) => t.number === requeued.retriedAs)!;
  assert.equal(copy.state, 'waiting');
  assert.deepEqual(copy.params, requeued.params);

  const second = fmnist(cmd);
  assert.equal(second.status, 0, second.stderr);
  const ran = jsonLines(second.stdout).filter((e) => e.event === 'trial').map((e) => e.number);
  for (const t of done) assert.ok(!ran.includes(t.number), `trial ${t.number} was run again`);
  assert.ok(ran.includes(copy.number), 'the re-queued copy ran');
  const final = await trialsOf('resume');
  assert.equal(final.filter((t) => t.state === 'complete').length, 4, 'the budget, no more');
  assert.equal(final.length, 5, '4 complete and the interrupted one');
  // The finished trials are untouched: same runs, same values.
  for (const t of done) assert.deepEqual(final.find((x) => x.id === t.id), t);
});

test('--workers 2: a helper process shares the study; every trial is run once', async () => {
  const r = fmnist([...tune('pair', ['--workers', '2', '--trials', '6'])]);
  assert.equal(r.status, 0, r.stderr);
  const trials = await trialsOf('pair');
  assert.deepEqual(trials.map((t) => t.number), [0, 1, 2, 3, 4, 5]);
  assert.ok(trials.every((t) => t.state === 'complete' && t.runId !== undefined));
  assert.equal(new Set(trials.map((t) => t.runId)).size, 6, 'one run per trial');
  const numbers = jsonLines(r.stdout).filter((e) => e.event === 'trial').map((e) => e.number);
  assert.deepEqual([...numbers].sort(), [0, 1, 2, 3, 4, 5], 'each trial reported once, by the worker that ran it');
  assert.equal(new Set(trials.map((t) => t.worker)).size, 2, `workers: ${trials.map((t) => t.worker).join(', ')}`);
});

test('clear errors: unknown study, changed definition, no study file', () => {
  const unknown = fmnist(['study', 'show', 'nope', '--store', store()]);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /^error: unknown study 'nope' in .*; studies: tiny/);
  const changed = join(root, 'changed.yaml');
  writeFileSync(changed, readFileSync(join(root, 'study.yaml'), 'utf8').replace('epochs: 2', 'epochs: 3'));
  const r = fmnist(['tune', '--space', changed, '--study', 'tiny', '--store', store(), '--data-dir', data]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^error: study 'tiny' in .* was created with a different definition \(base\.epochs: 2 → 3\); run it with its original file/);
  const none = fmnist(['tune', '--store', store()]);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /^error: give --space FILE or --preset NAME for a new study, or --study NAME to resume one/);
  const preset = fmnist(['tune', '--preset', 'seed002-lrr', '--store', store()]);
  assert.match(preset.stderr, /^error: unknown preset 'seed002-lrr'; did you mean seed002-lr/);
  assert.ok(!existsSync(join(store(), 'studies', 'nope')));
});
