/**
 * `fmnist tune`: runs (or resumes) a hyperparameter study in the run store. With --workers K it
 * starts K-1 more worker processes of the same command, which share the study through the store;
 * the first process prints the summary once all have finished. Ctrl-C stops every worker at its
 * next batch and re-queues the trials in flight, which the next run of the study takes first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Command, InvalidArgumentError, Option } from 'commander';
import { pct } from '../evaluate/format.ts';
import { openStore, type Store } from '../store/index.ts';
import type { StoredTrial, StudyRecord } from '../store/study-types.ts';
import { studyObjective } from '../tune/objective.ts';
import { presetPath, resolveStudyFile } from '../tune/presets.ts';
import { createPruner } from '../tune/pruners/index.ts';
import { createSampler } from '../tune/samplers/index.ts';
import { definitionChange, formatParams, parseStudy, readStudyFile, StudyFileError, type ComponentConfig, type ParsedStudy, type StudyDefinition } from '../tune/study-file.ts';
import { bestTrial, epochsText, epochsTrained, presetTable, studyRows } from '../tune/study-report.ts';
import type { Pruner, Sampler } from '../tune/types.ts';
import { runWorker } from '../tune/worker.ts';
import { backend, int } from './options.ts';

interface TuneFlags {
  study?: string; space?: string; preset?: string; trials?: number; workers: number; sampler?: string; pruner?: string;
  store?: string; dataDir?: string; backend?: 'native' | 'wasm' | 'cpu' | 'auto'; json?: boolean; verbose?: boolean;
  worker?: boolean; heartbeat?: number;
}

const STUDY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function studyName(v: string): string {
  if (!STUDY_NAME.test(v)) throw new InvalidArgumentError(`expected a name of letters, digits, '_', '.' or '-' (it names a folder), got '${v}'`);
  return v;
}

/** The study to run: from a file or preset, else the stored definition of an existing study. */
async function loadStudy(f: TuneFlags, store: Store): Promise<{ name: string; parsed: ParsedStudy }> {
  const overrides = { trials: f.trials, sampler: f.sampler, pruner: f.pruner };
  const source = f.preset ?? f.space;
  if (f.preset && f.space) throw new StudyFileError(['give either --space FILE or --preset NAME, not both']);
  if (source) {
    const { path, defaultName } = f.preset ? { path: presetPath(f.preset), defaultName: f.preset } : resolveStudyFile(f.space!);
    const raw = readStudyFile(path);
    const fileName = typeof (raw as { name?: unknown })?.name === 'string' ? (raw as { name: string }).name : undefined;
    const name = f.study ?? fileName ?? defaultName;
    studyName(name);
    return { name, parsed: parseStudy(raw, path, { ...overrides, name }) };
  }
  if (!f.study) throw new StudyFileError(['give --space FILE or --preset NAME for a new study, or --study NAME to resume one']);
  const existing = await store.getStudy(f.study);
  if (!existing) {
    const names = (await store.listStudies()).map((s) => s.name);
    throw new StudyFileError([`unknown study '${f.study}' in ${store.root}; give --space FILE or --preset NAME to create it` +
      `${names.length ? ` (studies: ${names.join(', ')})` : ''}`]);
  }
  return { name: f.study, parsed: parseStudy(existing.definition, `study ${f.study}`, { ...overrides, name: f.study }) };
}

/** Creates the study, or checks that the stored one is the same search. */
async function openStudy(store: Store, name: string, def: StudyDefinition): Promise<StudyRecord> {
  const existing = await store.getStudy(name);
  if (existing) {
    const change = definitionChange(existing.definition as StudyDefinition, def);
    if (change) {
      throw new StudyFileError([`study '${name}' in ${store.root} was created with a different definition (${change}); ` +
        'run it with its original file (or just --study NAME), or give the new search another --study name']);
    }
    return existing;
  }
  return store.createStudy(name, def.direction, def);
}

function components(def: StudyDefinition): { sampler: Sampler; pruner: Pruner } {
  const opts = ({ name: _name, ...rest }: ComponentConfig) => rest;
  const sampler = createSampler(def.sampler.name, def.sampler.name === 'grid' ? { seed: def.seed, ...opts(def.sampler) } : opts(def.sampler));
  return { sampler, pruner: createPruner(def.pruner.name, opts(def.pruner)) };
}

/** The same command for a helper worker: this process's arguments plus --worker. */
function spawnWorkers(count: number): ChildProcess[] {
  const args = [...process.execArgv, process.argv[1], ...process.argv.slice(2), '--worker'];
  // Their own process group: a terminal's Ctrl-C reaches this process only, which passes it on once.
  return Array.from({ length: count }, () => spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true }));
}

const exited = (c: ChildProcess) => new Promise<number>((res) => {
  if (c.exitCode !== null || c.signalCode !== null) res(c.exitCode ?? 1);
  else c.once('exit', (code) => res(code ?? 1));
});

function describeTrial(t: StoredTrial, def: StudyDefinition, best: StoredTrial | undefined, took: string): string {
  const value = t.value === undefined ? '' : `  ${def.metric} ${t.value.toFixed(4)}`;
  const state = t.state === 'pruned' ? `pruned at epoch ${Math.max(0, ...t.intermediate.keys())}` : t.state;
  const bestText = best ? `  best ${best.value!.toFixed(4)} (trial ${best.number})` : '';
  const error = t.state === 'failed' && t.error ? `: ${t.error}` : '';
  return `trial ${t.number} ${state}${error}${value}${bestText}  ${formatParams(t.params)}` +
    `${t.runId !== undefined ? `  run ${t.runId}` : ''}${took ? `  ${took}` : ''}`;
}

function elapsed(t: StoredTrial): string {
  return t.startedAt && t.finishedAt ? `${((Date.parse(t.finishedAt) - Date.parse(t.startedAt)) / 1000).toFixed(1)}s` : '';
}

function countsText(trials: readonly StoredTrial[]): string {
  const n = (s: StoredTrial['state']) => trials.filter((t) => t.state === s).length;
  const parts = [`${n('complete')} complete`, `${n('pruned')} pruned`, `${n('failed')} failed`];
  if (n('running') + n('waiting')) parts.push(`${n('running') + n('waiting')} unfinished`);
  return parts.join(', ');
}

async function action(f: TuneFlags): Promise<void> {
  const store = openStore(f.store);
  const children: ChildProcess[] = [];
  let inTrial = false;
  const out = (line: string) => process.stdout.write(line + '\n');
  const quitAfterChildren = async (code: number): Promise<never> => {
    await Promise.all(children.map(exited));
    await store.close().catch(() => undefined);
    process.exit(code);
  };
  // Ctrl-C: the run in flight stops at its next batch (trainRun listens too), its trial is handed
  // back (re-queued) and the process exits. A second Ctrl-C exits at once.
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    for (const c of children) c.kill('SIGINT');
    if (!inTrial) void quitAfterChildren(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { name, parsed } = await loadStudy(f, store);
    const def = parsed.study;
    const study = await openStudy(store, name, def);
    const { sampler, pruner } = components(def);
    const heartbeatMs = f.heartbeat ?? 10_000;
    const staleMs = 6 * heartbeatMs;
    const main = !f.worker;
    if (main) {
      const before = await store.listTrials(study.id);
      if (f.json) out(JSON.stringify({ event: 'study', name, store: store.root, resumed: before.length > 0, trials: def.trials, workers: f.workers }));
      else {
        out(`study ${name}: ${def.trials} trials, ${def.sampler.name} sampler, ${def.pruner.name} pruner; ${def.direction} ${def.metric} ` +
          `(${def.objective} epoch); ${f.workers} worker${f.workers > 1 ? 's' : ''}; store ${store.root}`);
        if (before.length) out(`resuming: ${countsText(before)} so far`);
        for (const t of before.filter((x) => x.state === 'running')) {
          out(`trial ${t.number} is still running (worker ${t.worker ?? '?'}); if that worker is gone it is re-queued once its heartbeat is ${staleMs / 1000} s old`);
        }
      }
      children.push(...spawnWorkers(f.workers - 1));
    }

    let printing = Promise.resolve();
    const objective = studyObjective({
      store, setup: parsed.objectiveConfig, dataDir: f.dataDir, backend: f.backend,
      onEpoch: (trial, e, v) => {
        if (!f.verbose) return;
        const line = f.json
          ? JSON.stringify({ event: 'epoch', trial: trial.number, epoch: e.epoch, value: v })
          : `  trial ${trial.number} epoch ${e.epoch}  ${def.metric} ${v.toFixed(4)}  loss ${e.loss.toFixed(4)}  ${(e.wallMs / 1000).toFixed(1)}s`;
        out(line);
      },
      onInterrupted: async (trial) => {
        const failed = await store.requeueTrial(trial.id, 'interrupted (Ctrl-C)');
        const copy = failed?.retriedAs !== undefined ? ` as trial ${failed.retriedAs}` : '';
        if (!f.json) out(`interrupted: trial ${trial.number} stopped and re-queued${copy}; run the same command to continue the study`);
        return quitAfterChildren(130);
      },
    });
    const { ran } = await runWorker({
      storage: store, study, space: parsed.space, sampler, pruner, trials: def.trials, seed: def.seed, heartbeatMs, staleMs,
      objective: async (params, trial) => {
        // A Ctrl-C that came while the last trial was finishing is only seen now (no event-loop turn
        // in between): hand back the trial just claimed instead of starting it.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (interrupted) {
          await store.requeueTrial(trial.id, 'interrupted (Ctrl-C) before it started');
          return quitAfterChildren(130);
        }
        inTrial = true;
        try {
          return await objective(params, trial);
        } finally {
          inTrial = false;
        }
      },
      onTrial: (t) => {
        printing = printing.then(async () => {
          const best = bestTrial(await store.listTrials(study.id), def.direction);
          if (f.json) {
            out(JSON.stringify({ event: 'trial', number: t.number, state: t.state, value: t.value, params: t.params, run: t.runId, error: t.error,
              best: best && { number: best.number, value: best.value } }));
          } else out(describeTrial(t, def, best, elapsed(t)));
          if (interrupted) await quitAfterChildren(130);
        });
      },
    });
    await printing;
    if (!main) return;
    const codes = await Promise.all(children.map(exited));
    const trials = await store.listTrials(study.id);
    const best = bestTrial(trials, def.direction);
    if (ran === 0 && children.length === 0 && !f.json) out(`nothing to run: the study already has its ${def.trials} trials; raise --trials to run more`);
    if (f.json) {
      out(JSON.stringify({ event: 'result', name, counts: countsText(trials), best: best && { number: best.number, value: best.value, params: best.params, run: best.runId } }));
    } else {
      out(`\nstudy ${name}: ${trials.length} trials (${countsText(trials)})`);
      if (best) {
        const run = best.runId !== undefined ? await store.getRun(best.runId) : undefined;
        const test = run?.metrics.test ? `, test accuracy ${pct(run.metrics.test.accuracy)}` : '';
        out(`best trial ${best.number}: ${def.metric} ${best.value!.toFixed(4)}${test}  ${formatParams(best.params)}  (run ${best.runId ?? '-'})`);
      }
      const rows = await studyRows(store, trials);
      const epochs = epochsTrained(rows);
      if (epochs) out(epochsText(epochs));
      if (def.table) out('\n' + presetTable(def.table, rows, parsed.space));
      out(`\nfmnist study show ${name}${f.store ? ` --store ${f.store}` : ''}: every trial, the search space, history, importance and charts`);
    }
    if (codes.some((c) => c !== 0)) throw new Error(`${codes.filter((c) => c !== 0).length} of ${children.length} helper workers failed (exit codes ${codes.join(', ')})`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await store.close();
  }
}

export function tuneCommand(): Command {
  return new Command('tune')
    .description('run or resume a hyperparameter study: each trial trains and stores one run')
    .option('--study <name>', 'study name (default: the file\'s name field, else the file or preset name); an existing study resumes', studyName)
    .option('--space <file|preset>', 'study file (YAML/JSON: metric, sampler, pruner, trials, base training, params) or a preset name')
    .option('--preset <name>', 'a preset study from studies/ (e.g. seed002-lr, seed003-mlp)')
    .option('--trials <n>', 'the study\'s budget of trials (overrides the file)', int(1))
    .option('--workers <k>', 'worker processes sharing the study', int(1), 1)
    .option('--sampler <name>', 'grid, random, tpe, tpe-mv or gp (overrides the file)')
    .option('--pruner <name>', 'none, median, sh or hyperband (overrides the file)')
    .option('--store <dir|url>', 'run store folder or postgres:// URL (default ./fmnist-runs or $FMNIST_STORE)')
    .option('--data-dir <dir>', 'folder with the four IDX files')
    .option('--backend <name>', 'native, wasm, cpu or auto (default: $FMNIST_BACKEND or auto)', backend)
    .option('-v, --verbose', 'a line per epoch too')
    .option('--json', 'JSON lines on stdout')
    .addOption(new Option('--worker', 'helper worker started by --workers (no summary)').hideHelp())
    .addOption(new Option('--heartbeat <ms>', 'heartbeat period; a trial is re-queued after 6 missed beats').argParser(int(50)).hideHelp())
    .action(action);
}
