import { Command, Option } from 'commander';
import { classificationReport, confusionText, pct, table } from '../evaluate/format.ts';
import { evaluateRun, requireRun, type SplitName } from '../pipeline/evaluate-run.ts';
import { openStore, type RunRecord, type RunStore } from '../store/index.ts';
import type { TrainConfig } from '../train/config.ts';
import { describeSplit } from '../data/preprocess.ts';
import { describeAugment } from '../data/augment-config.ts';
import { backend, runId, ttaOption } from './options.ts';
import { describeTta, type TtaView } from '../evaluate/tta.ts';

async function withStore<T>(path: string | undefined, f: (s: RunStore) => Promise<T>): Promise<T> {
  const store = openStore(path);
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

const fmt = (x: number | undefined, digits = 4) => (x === undefined ? '-' : x.toFixed(digits));

function summaryRow(r: RunRecord): (string | number)[] {
  const t = r.metrics.test;
  const c = r.config as TrainConfig;
  return [r.id, r.model, r.status, t ? pct(t.accuracy) : '-', fmt(t?.loss), fmt(t?.macro.precision), fmt(t?.macro.recall), fmt(t?.macro.f1),
    r.params, `${r.epochsDone}/${c.epochs}`, `${(r.wallMs / 1000).toFixed(1)}s`, r.provenance.backend, c.seed];
}
const SUMMARY_HEADER = ['id', 'model', 'status', 'test acc', 'loss', 'precision', 'recall', 'f1', 'params', 'epochs', 'time', 'backend', 'seed'];

function showRun(r: RunRecord, dir: string, epochs: Awaited<ReturnType<RunStore['epochs']>>): string {
  const c = r.config as TrainConfig;
  const p = r.provenance;
  const lines = [
    `run ${r.id}: ${r.name} (${r.status})${r.error ? ' — ' + r.error : ''}`,
    `model ${r.model}, ${r.params.toLocaleString('en-US')} params; created ${r.createdAt}`,
    `config: ${c.epochs} epochs, batch ${c.batchSize}, ${c.optimizer.name} lr ${c.optimizer.learningRate ?? 'default'}, ` +
      `validation ${describeSplit(c.validation)}, scaling ${c.scaling}, schedule ${c.schedule.kind}, seed ${c.seed}` +
      (c.labelSmoothing ? `, label smoothing ${c.labelSmoothing}` : '') + (c.ema ? `, weight average ${c.ema.decay}` : '') +
      (c.augment ? `, augmentation ${describeAugment(c.augment)}` : ''),
    `backend ${p.backend} (${p.backendDetail}); data ${p.dataDir} sha256 ${p.dataChecksum.slice(0, 16)}…`,
    `versions: ${Object.entries(p.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `files: ${dir}`,
    '',
    table(['epoch', 'loss', 'acc', 'val_loss', 'val_acc', 'lr', 'time', 'img/s'],
      epochs.map((e) => [e.epoch, fmt(e.loss), fmt(e.accuracy), fmt(e.valLoss), fmt(e.valAccuracy), e.lr.toPrecision(3),
        `${(e.wallMs / 1000).toFixed(1)}s`, Math.round(e.imagesPerSec)])),
  ];
  const names = r.provenance.classNames;
  for (const [split, m] of Object.entries(r.metrics)) {
    lines.push('', `${split}: accuracy ${pct(m.accuracy)}, loss ${m.loss.toFixed(4)}, top-3 ${pct(m.top3)}`);
    if (split === 'test') lines.push(classificationReport(m, names));
    if (split !== 'val') lines.push(`confusion matrix (${split})`, confusionText(m.confusion, names));
  }
  return lines.join('\n');
}

export function runsCommand(): Command {
  const runs = new Command('runs').description('list, show, compare and remove stored runs');
  const storeOpt = () => new Option('--store <dir>', 'run store folder (default ./fmnist-runs or $FMNIST_STORE)');
  runs.command('list').description('one line per run').addOption(storeOpt()).option('--json', 'JSON output')
    .action(async (o) => withStore(o.store, async (s) => {
      const all = await s.listRuns();
      if (o.json) return void process.stdout.write(JSON.stringify(all.map((r) => ({ id: r.id, model: r.model, status: r.status, test: r.metrics.test?.accuracy }))) + '\n');
      process.stdout.write(all.length ? table(SUMMARY_HEADER, all.map(summaryRow)) + '\n' : `no runs in ${s.root}\n`);
    }));
  runs.command('show').description('config, provenance, history and metrics of a run').argument('<run>', 'run id', runId).addOption(storeOpt())
    .action(async (id: number, o) => withStore(o.store, async (s) => {
      process.stdout.write(showRun(await requireRun(s, id), s.runDir(id), await s.epochs(id)) + '\n');
    }));
  runs.command('compare').description('runs side by side: accuracy, loss, P/R/F1, params, time, backend').argument('<runs...>', 'run ids')
    .addOption(storeOpt())
    .action(async (ids: string[], o) => withStore(o.store, async (s) => {
      const rs = await Promise.all(ids.map((i) => requireRun(s, runId(i))));
      process.stdout.write(table(SUMMARY_HEADER, rs.map(summaryRow)) + '\n');
      const withTest = rs.filter((r) => r.metrics.test);
      if (withTest.length) {
        const names = withTest[0].provenance.classNames;
        process.stdout.write('\nper-class F1 (test)\n' + table(['class', ...withTest.map((r) => `run ${r.id}`)],
          names.map((n, c) => [n, ...withTest.map((r) => fmt(r.metrics.test.perClass[c]?.f1, 3))])) + '\n');
      }
    }));
  runs.command('rm').description('delete runs and their files').argument('<runs...>', 'run ids').addOption(storeOpt())
    .action(async (ids: string[], o) => withStore(o.store, async (s) => {
      for (const i of ids) {
        await s.deleteRun(runId(i));
        process.stdout.write(`removed run ${i}\n`);
      }
    }));
  return runs;
}

export function evalCommand(): Command {
  return new Command('eval').description("evaluate a stored run's model: metrics, classification report, confusion matrix")
    .argument('<run>', 'run id', runId)
    .addOption(new Option('--split <split>', 'which data').choices(['test', 'train', 'val']).default('test'))
    .option('--data-dir <dir>', 'folder with the four IDX files')
    .option('--store <dir>', 'run store folder')
    .option('--backend <name>', 'native, wasm, cpu or auto', backend)
    .option('--tta <views>', 'test-time augmentation: average over the image and these views: flip, shift:N, comma-separated', ttaOption)
    .option('--json', 'metrics as JSON')
    .action(async (id: number, o: { split: SplitName; dataDir?: string; store?: string; backend?: 'auto'; tta?: TtaView[]; json?: boolean }) => withStore(o.store, async (s) => {
      const { metrics: m, dataset } = await evaluateRun(s, id, o.split, o);
      if (o.json) return void process.stdout.write(JSON.stringify(m) + '\n');
      const tta = o.tta?.length ? `, test-time augmentation: ${describeTta(o.tta)}` : '';
      process.stdout.write(`run ${id} on ${o.split} (${m.count} images${tta}): accuracy ${pct(m.accuracy)}, loss ${m.loss.toFixed(4)}, top-3 ${pct(m.top3)}\n\n` +
        classificationReport(m, dataset.classNames) + '\n\n' + confusionText(m.confusion, dataset.classNames) + '\n');
    }));
}
