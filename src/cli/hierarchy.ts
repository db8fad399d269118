/**
 * `fmnist hierarchy`: a coarse model with T-shirt/top, Pullover and Shirt merged plus a specialist
 * for those three, against the flat model of the same architecture and training.
 */
import { Command } from 'commander';
import { pct, table } from '../evaluate/format.ts';
import { DEFAULT_GROUP, trainHierarchy, type HierarchyResult } from '../pipeline/hierarchy-run.ts';
import { DEFAULT_MODEL } from '../models/zoo/index.ts';
import { openStore } from '../store/index.ts';
import { backend, classList, int, progressFor, runId } from './options.ts';
import { addConfigOptions, configFromFlags, type TrainFlags } from './train.ts';

interface HierarchyFlags extends TrainFlags {
  group?: number[];
  flatRun?: number;
}

const points = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}`;

export function hierarchyTable(r: HierarchyResult): string {
  const names = r.group.names.join(', ');
  const rows = [
    ['flat', String(r.runs.flat), pct(r.flat.accuracy), pct(r.flat.groupAccuracy), r.flat.loss.toFixed(4)],
    ['hierarchical', `${r.runs.coarse} + ${r.runs.specialist}`, pct(r.hierarchical.accuracy), pct(r.hierarchical.groupAccuracy), r.hierarchical.loss.toFixed(4)],
  ];
  return [
    `${r.testCount} test images; group: ${names}`,
    '',
    table(['classifier', 'runs', 'test acc', `on ${names}`, 'test loss'], rows),
    '',
    `hierarchical − flat: ${points(r.hierarchical.accuracy - r.flat.accuracy)} points overall, ` +
      `${points(r.hierarchical.groupAccuracy - r.flat.groupAccuracy)} on the group; ` +
      `coarse model alone ${pct(r.coarseAccuracy)} on the merged classes, specialist alone ${pct(r.specialistAccuracy)} on the group's images`,
  ].join('\n');
}

async function action(f: HierarchyFlags): Promise<void> {
  const store = openStore(f.store);
  try {
    const r = await trainHierarchy({
      store, config: configFromFlags(f), group: f.group, flatRun: f.flatRun, dataDir: f.dataDir, backend: f.backend, progress: progressFor(f),
    });
    if (f.json) process.stdout.write(JSON.stringify({ event: 'result', ...r }) + '\n');
    else process.stdout.write(`\n${hierarchyTable(r)}\n\nstored in:\n  ${r.files.join('\n  ')}\n`);
  } finally {
    await store.close();
  }
}

export function hierarchyCommand(): Command {
  const c = new Command('hierarchy')
    .description('a hierarchical classifier (a coarse model with a group of classes merged, a specialist for the group) ' +
      'against the flat model of the same architecture and training')
    .option('-m, --model <name|file>', 'zoo model name or spec file (its output layer is resized for each problem)', DEFAULT_MODEL)
    .option('--group <classes>', `classes merged for the coarse model and told apart by the specialist (default ${DEFAULT_GROUP.join(',')})`, classList)
    .option('--flat-run <run>', 'a stored run to compare with instead of training the flat model', runId)
    .option('--seed <n>', 'random seed', int(0));
  return addConfigOptions(c)
    .option('--data-dir <dir>', 'folder with the four IDX files')
    .option('--store <dir>', 'run store folder (default ./fmnist-runs or $FMNIST_STORE)')
    .option('--backend <name>', 'native, wasm, cpu or auto (default: $FMNIST_BACKEND or auto)', backend)
    .option('--json', 'JSON lines on stdout (training progress, then the result)')
    .option('-q, --quiet', 'no progress display')
    .action(action);
}
