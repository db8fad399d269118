/** `fmnist study list | show NAME`: the studies in the run store and one study's results. */
import { Command, Option } from 'commander';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { deriveSeed, mulberry32 } from '../data/random.ts';
import { pct, table } from '../evaluate/format.ts';
import { int } from './options.ts';
import { openStore, type Store } from '../store/index.ts';
import type { StoredTrial, StudyRecord } from '../store/study-types.ts';
import { parameterImportance } from '../tune/importance.ts';
import { bestCurve, parsePrunerSpec, replayOrders, type Curve } from '../tune/pruner-replay.ts';
import { spaceSummary } from '../tune/space.ts';
import { parseStudy, StudyFileError, type StudyDefinition } from '../tune/study-file.ts';
import {
  bestTrial, epochsText, epochsTrained, formatValue, historyText, importanceText, presetTable, studyRows, trialsTable, writeStudyReport,
} from '../tune/study-report.ts';
import type { SearchSpace } from '../tune/types.ts';
import { finishedCount } from '../tune/worker.ts';

async function withStore<T>(path: string | undefined, f: (s: Store) => Promise<T>): Promise<T> {
  const store = openStore(path);
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

/** fANOVA importance shares by parameter (seeded by the study); none before two trials complete. */
function importance(space: SearchSpace, trials: readonly StoredTrial[], seed: number): Record<string, number> {
  if (trials.filter((t) => t.state === 'complete' && t.value !== undefined).length < 2) return {};
  const ranked = parameterImportance(space, trials, { random: mulberry32(deriveSeed(seed, 'importance')) });
  return Object.fromEntries(ranked.map((p) => [p.name, p.importance]));
}

async function requireStudy(store: Store, name: string): Promise<StudyRecord> {
  const study = await store.getStudy(name);
  if (study) return study;
  const names = (await store.listStudies()).map((s) => s.name);
  throw new StudyFileError([`unknown study '${name}' in ${store.root}; ${names.length ? `studies: ${names.join(', ')}` : 'it has no studies (fmnist tune creates them)'}`]);
}

async function list(o: { store?: string; json?: boolean }): Promise<void> {
  await withStore(o.store, async (store) => {
    const rows = await Promise.all((await store.listStudies()).map(async (s) => {
      const def = s.definition as StudyDefinition;
      const trials = await store.listTrials(s.id);
      return { s, def, trials, best: bestTrial(trials, s.direction) };
    }));
    if (o.json) {
      process.stdout.write(JSON.stringify(rows.map(({ s, def, trials, best }) => ({
        name: s.name, direction: s.direction, metric: def.metric, trials: trials.length, finished: finishedCount(trials), budget: def.trials,
        best: best && { number: best.number, value: best.value, params: best.params },
      }))) + '\n');
      return;
    }
    if (!rows.length) return void process.stdout.write(`no studies in ${store.root}\n`);
    process.stdout.write(table(
      ['study', 'metric', 'direction', 'sampler', 'pruner', 'finished', 'complete', 'pruned', 'failed', 'best', 'best trial', 'created'],
      rows.map(({ s, def, trials, best }) => [
        s.name, def.metric, s.direction, def.sampler.name, def.pruner.name, finishedCount(trials),
        trials.filter((t) => t.state === 'complete').length, trials.filter((t) => t.state === 'pruned').length,
        trials.filter((t) => t.state === 'failed').length, best ? best.value!.toFixed(4) : '-', best ? best.number : '-', s.createdAt.slice(0, 19),
      ])) + '\n');
  });
}

async function show(name: string, o: { store?: string; out?: string; json?: boolean }): Promise<void> {
  await withStore(o.store, async (store) => {
    const study = await requireStudy(store, name);
    const def = study.definition as StudyDefinition;
    const { space } = parseStudy(def, `study ${name}`, { name });
    const trials = await store.listTrials(study.id);
    const rows = await studyRows(store, trials);
    const best = bestTrial(trials, def.direction);
    const shares = importance(space, trials, def.seed);
    const dir = o.out ?? join(store.root, 'studies', name);
    mkdirSync(dir, { recursive: true });
    const bestRun = best && rows.find((r) => r.trial.id === best.id)?.run;
    const epochs = epochsTrained(rows);
    const sections: { title: string; text: string }[] = [
      {
        title: 'Summary',
        text: [
          `study ${name}: ${def.direction} ${def.metric} (${def.objective} epoch), ${def.sampler.name} sampler, ${def.pruner.name} pruner, seed ${def.seed}`,
          `${trials.length} trials, ${finishedCount(trials)} finished (the budget it was created with: ${def.trials}; tune --trials raises it): ` +
            ['complete', 'pruned', 'failed', 'running', 'waiting'].map((s) => `${trials.filter((t) => t.state === s).length} ${s}`).join(', '),
          ...(epochs ? [epochsText(epochs)] : []),
          ...(def.description ? [def.description] : []),
        ].join('\n'),
      },
      {
        title: 'Best trial',
        text: best
          ? [`trial ${best.number}: ${def.metric} ${best.value!.toFixed(4)}${bestRun?.metrics.test ? `, test accuracy ${pct(bestRun.metrics.test.accuracy)}` : ''} (run ${best.runId ?? '-'})`,
            ...Object.entries(best.params).map(([k, v]) => `  ${k} = ${formatValue(v)}`)].join('\n')
          : 'no complete trial yet',
      },
      { title: 'Trials (best first)', text: trialsTable(rows, space, def) },
      ...(def.table ? [{ title: def.table.title ?? 'Result table', text: presetTable({ ...def.table, title: undefined }, rows, space) }] : []),
      { title: 'Search space', text: spaceSummary(space) },
      { title: 'Optimisation history', text: historyText(trials, def.direction) },
      { title: 'Parameter importance', text: Object.keys(shares).length ? importanceText(shares) : 'needs at least two complete trials' },
    ];
    const files = writeStudyReport(dir, { name, def, trials, importance: shares, sections });
    if (o.json) {
      process.stdout.write(JSON.stringify({
        name, direction: def.direction, metric: def.metric, best: best && { number: best.number, value: best.value, params: best.params, run: best.runId },
        trials: rows.map(({ trial: t, run }) => ({ number: t.number, state: t.state, value: t.value, params: t.params, run: t.runId, test: run?.metrics.test?.accuracy })),
        importance: shares, files,
      }) + '\n');
      return;
    }
    const text = sections.map((s) => `${s.title.toLowerCase()}\n${s.text}`).join('\n\n');
    const written = [files.history, files.importance, files.html].filter(Boolean).join('\n  ');
    process.stdout.write(`${text}\n\nwritten:\n  ${written}\n`);
  });
}

/** A finished unpruned study's learning curves, in trial order; failed trials are left out. */
function studyCurves(name: string, trials: readonly StoredTrial[]): { curves: Curve[]; failed: number } {
  const pruned = trials.find((t) => t.state === 'pruned');
  if (pruned) throw new StudyFileError([`study ${name}: trial ${pruned.number} was pruned; a replay needs a study run without a pruner (--pruner none)`]);
  const unfinished = trials.find((t) => t.state === 'running' || t.state === 'waiting');
  if (unfinished) throw new StudyFileError([`study ${name}: trial ${unfinished.number} is ${unfinished.state}; finish the study first (fmnist tune --study ${name})`]);
  const curves = trials.filter((t) => t.state === 'complete').sort((a, b) => a.number - b.number).map((t) => ({
    number: t.number, values: [...t.intermediate.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v),
  }));
  const silent = curves.find((c) => c.values.length === 0);
  if (silent) throw new StudyFileError([`study ${name}: trial ${silent.number} reported no per-epoch values to replay`]);
  if (curves.length < 2) throw new StudyFileError([`study ${name}: a replay needs at least 2 complete trials, it has ${curves.length}`]);
  return { curves, failed: trials.filter((t) => t.state === 'failed').length };
}

async function replay(name: string, o: { store?: string; pruners?: string; orders: number; json?: boolean }): Promise<void> {
  await withStore(o.store, async (store) => {
    const study = await requireStudy(store, name);
    const def = study.definition as StudyDefinition;
    const { curves, failed } = studyCurves(name, await store.listTrials(study.id));
    const epochs = Math.max(...curves.map((c) => c.values.length));
    const specs = (o.pruners ?? `median,median:nWarmupSteps=${Math.floor(epochs / 2)},sh,hyperband`).split(',').filter(Boolean).map(parsePrunerSpec);
    // Every pruner sees the same random orders.
    const results = specs.map((p) => ({ label: p.label, ...replayOrders(p.make, curves, {
      objective: def.objective, direction: def.direction, orders: o.orders, random: mulberry32(deriveSeed(def.seed, 'pruner-replay')),
    }) }));
    if (o.json) return void process.stdout.write(JSON.stringify({ study: name, trials: curves.length, failed, epochs, orders: o.orders, results }) + '\n');
    const best = curves[bestCurve(curves, def.objective, def.direction)];
    process.stdout.write(`study ${name}: ${curves.length} complete trials of up to ${epochs} epochs${failed ? ` (${failed} failed, left out)` : ''}, ` +
      `${def.direction} ${def.metric} (${def.objective} epoch), best trial ${best.number}; each pruner replayed in the study's order and in ${o.orders} random orders\n\n`);
    process.stdout.write(table(['pruner', 'saved (study order)', 'best kept (study order)', 'best found', 'saved (mean of orders)', 'best kept (share of orders)', 'mean shortfall'],
      results.map((r) => [r.label, pct(1 - r.inOrder.steps / r.inOrder.fullSteps, 0), r.inOrder.bestKept ? 'yes' : 'no', r.inOrder.bestValue.toFixed(4),
        pct(r.savedShare, 0), pct(r.bestKeptShare, 0), r.meanShortfall.toFixed(4)])) + '\n');
  });
}

export function studyCommand(): Command {
  const study = new Command('study').description('the hyperparameter studies in the run store');
  const storeOpt = () => new Option('--store <dir|url>', 'run store folder or postgres:// URL (default ./fmnist-runs or $FMNIST_STORE)');
  study.command('list').description('one line per study').addOption(storeOpt()).option('--json', 'JSON output').action(list);
  study.command('show').description('trials sorted by value, best parameters, search space, history, importance; writes PNG charts and an HTML page')
    .argument('<name>', 'study name').addOption(storeOpt())
    .option('--out <dir>', 'where to write the charts and page (default STORE/studies/NAME)')
    .option('--json', 'JSON output')
    .action(show);
  study.command('replay').description('what pruners would have saved on a study run without one: its learning curves replayed through each pruner, ' +
    'in the study\'s order and in random orders (exact for random or grid sampling)')
    .argument('<name>', 'study name (run with --pruner none)').addOption(storeOpt())
    .option('--pruners <list>', 'comma-separated pruners with options, e.g. median,median:nWarmupSteps=3,sh:minResource=2,hyperband ' +
      '(default: median, median with nWarmupSteps = half the epochs, sh, hyperband)')
    .option('--orders <n>', 'random orders to replay', int(1), 1000)
    .option('--json', 'JSON output')
    .action(replay);
  return study;
}
