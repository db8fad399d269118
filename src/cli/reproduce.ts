/**
 * `fmnist reproduce <seed...>`: the seed reports' headline configurations, trained here and printed
 * beside the reports' numbers; `--list` shows what would run.
 */
import { Command } from 'commander';
import { pct, table } from '../evaluate/format.ts';
import { HEADLINES, SEEDS, type Headline } from '../pipeline/headlines.ts';
import { headlineConfig, reproduce, ReproduceError, selectHeadlines, type Reproduction } from '../pipeline/reproduce.ts';
import { openStore } from '../store/index.ts';
import { backend, int, progressFor } from './options.ts';

interface ReproduceFlags {
  only?: string; list?: boolean; full?: boolean; epochs?: number; members?: number; seed?: number;
  limitTrain?: number; limitTest?: number; dataDir?: string; store?: string; backend?: 'native' | 'wasm' | 'cpu' | 'auto';
  json?: boolean; quiet?: boolean;
}

const points = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}`;
const minutes = (ms: number) => `${Math.floor(ms / 60000)}m${String(Math.round((ms % 60000) / 1000)).padStart(2, '0')}s`;

function epochsText(epochs: number, theirs: number): string {
  return epochs === theirs ? String(epochs) : `${epochs} (theirs ${theirs})`;
}

export function reproductionTable(results: Reproduction[]): string {
  const rows: string[][] = [];
  for (const r of results) {
    rows.push([r.seed, r.label, r.split, pct(r.theirs), pct(r.ours), points(r.difference), epochsText(r.epochs, r.theirEpochs), minutes(r.wallMs), r.runs.join(',')]);
    if (r.oursVote !== undefined) {
      rows.push(['', `  vote of ${r.runs.length} (hard; soft ${pct(r.oursSoftVote!)})`, r.split, r.theirsVote !== undefined ? pct(r.theirsVote) : '-',
        pct(r.oursVote), r.theirsVote !== undefined ? points(r.oursVote - r.theirsVote) : '-', '', '', '']);
    }
  }
  return table(['seed', 'what', 'split', 'theirs', 'ours', 'points', 'epochs', 'wall', 'runs'], rows);
}

function listTable(headlines: Headline[], f: ReproduceFlags): string {
  const rows = headlines.map((h) => {
    const c = headlineConfig(h, f);
    return [h.seed, h.key, h.model, `${pct(h.theirs)}${h.theirsVote ? ` (vote ${pct(h.theirsVote)})` : ''} ${h.split}`,
      epochsText(c.epochs, h.epochs), h.members ? String(f.members ?? h.members) : '1', h.note];
  });
  return table(['seed', 'key', 'model', 'theirs', 'epochs', 'runs', 'where from, what differs'], rows);
}

async function action(seeds: string[], f: ReproduceFlags): Promise<void> {
  const wanted = seeds.length === 0 || seeds.includes('all') ? [...SEEDS] : seeds.map((s) => s.padStart(3, '0'));
  const only = f.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const headlines = selectHeadlines(wanted, only);
  if (f.members !== undefined && f.members < 2) throw new ReproduceError(`--members: a vote needs at least 2 runs, got ${f.members}`);
  if (f.list) {
    process.stdout.write(listTable(headlines, f) + '\n');
    return;
  }
  const store = openStore(f.store);
  try {
    const progress = progressFor(f);
    const { results, file } = await reproduce(headlines, { ...f, store, progress }, (r) => {
      if (f.json) process.stdout.write(JSON.stringify({ event: 'reproduction', ...r }) + '\n');
      else progress.message(`${r.seed} ${r.key}: ours ${pct(r.ours)}, theirs ${pct(r.theirs)} (${points(r.difference)} points)`);
    });
    if (f.json) {
      process.stdout.write(JSON.stringify({ event: 'result', file, results }) + '\n');
      return;
    }
    const shortened = results.some((r) => r.shortened);
    process.stdout.write(`\n${reproductionTable(results)}\n` +
      (shortened ? '\nepochs (theirs N): a shorter schedule than the report\'s; --full runs the report\'s epochs\n' : '') +
      `\nstored in ${file}\n`);
  } finally {
    await store.close();
  }
}

export function reproduceCommand(): Command {
  return new Command('reproduce')
    .description('train the configurations behind the seed reports\' headline numbers and print ours beside theirs')
    .argument('[seed...]', `seed reports: ${SEEDS.join(', ')} or all (default all)`)
    .option('--only <keys>', `headlines of the seed to run, comma-separated (keys: ${[...new Set(HEADLINES.map((h) => h.key))].join(', ')})`)
    .option('--list', 'show the headlines, their configurations and schedules without training')
    .option('--full', 'the reports\' own epochs instead of the shorter CPU schedules')
    .option('-e, --epochs <n>', 'epochs for every headline (a quick check)', int(1))
    .option('--members <n>', 'runs for a mean-and-vote headline (the report\'s count by default)', int(1))
    .option('--seed <n>', 'random seed (members use S, S+1, …)', int(0))
    .option('--limit-train <n>', 'use only the first N training images', int(1))
    .option('--limit-test <n>', 'use only the first N test images', int(1))
    .option('--data-dir <dir>', 'folder with the four IDX files')
    .option('--store <dir>', 'run store folder (default ./fmnist-runs or $FMNIST_STORE)')
    .option('--backend <name>', 'native, wasm, cpu or auto (default: $FMNIST_BACKEND or auto)', backend)
    .option('--json', 'JSON lines on stdout')
    .option('-q, --quiet', 'no progress display')
    .action(action);
}
