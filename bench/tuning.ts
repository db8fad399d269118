/**
 * `npm run bench -- tuning`: our samplers next to Optuna's on synthetic objectives with known
 * optima (src/tune/synthetic.ts; peers/optuna_tune.py defines the same spaces and functions).
 *
 * Every sampler runs the same budget (trials per study) on every objective over N seeds; what is
 * compared is the best value each study found: median and interquartile range per objective ×
 * sampler, ours beside Optuna's. This measures search quality, not speed (the seconds per study
 * are shown for information). The Optuna peer runs as a child process at the same time as ours.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/store/files.ts';
import { optimize } from '../src/tune/optimize.ts';
import { createSampler, SAMPLER_NAMES } from '../src/tune/samplers/index.ts';
import { SYNTHETIC } from '../src/tune/synthetic.ts';
import { DEFAULT_PYTHON } from './lib/engines.ts';
import { percentile } from './lib/stats.ts';
import { table } from './lib/table.ts';

/** Our samplers and their Optuna 3.1 counterparts (Optuna 3.1 has no GP sampler). */
const OPTUNA_PEER: Record<string, string | undefined> = { random: 'random', tpe: 'tpe', 'tpe-mv': 'tpe-mv' };

const HELP = `Usage: npm run bench -- tuning [options]

Best value found within the same trial budget by our samplers and by Optuna's (RandomSampler,
TPESampler, TPESampler(multivariate=True)), over several seeds, on synthetic objectives with known
minima. About 7 minutes with the defaults on 2 cores, most of it Optuna's TPE.

Options:
  --objectives a,b   ${Object.keys(SYNTHETIC).join(', ')} (default all)
  --samplers a,b     ours: ${SAMPLER_NAMES.filter((s) => s !== 'grid').join(', ')} (default all of them)
  --seeds N          studies per objective and sampler (default 100)
  --first-seed N     seeds N, N+1, … (default 0; e.g. 1000 for seeds held out from tuning the samplers)
  --trials N         trials per study (default 60)
  --no-local-steps   our TPE without its local steps: Optuna 3.1's algorithm (parity check)
  --no-optuna        ours only
  --python PATH      interpreter with optuna (default ${DEFAULT_PYTHON}; Debian's python3-optuna)
  --json             print the JSON report on stdout (the table goes to stderr)
  --out FILE         where to write the JSON report (default .bench/tuning-<time>.json)
  -h, --help         this text`;

interface Options {
  objectives: string[];
  samplers: string[];
  seeds: number;
  firstSeed: number;
  trials: number;
  localSteps: boolean;
  optuna: boolean;
  python: string;
  json: boolean;
  out?: string;
}

interface Series {
  best: number[];
  median: number;
  q1: number;
  q3: number;
  /** Mean wall seconds per study. */
  seconds: number;
}

interface Cell {
  ours: Series;
  optuna?: Series;
  /** Regret (median best − optimum), ours ÷ Optuna's: below 1 means ours got closer. */
  regretRatio?: number;
  /** P(a study of ours ends better than one of Optuna's), ties counted half, over all pairs. */
  pBetter?: number;
}

interface Report {
  date: string;
  cpus: number;
  load: { start: number[]; end: number[] };
  seeds: number;
  firstSeed: number;
  trials: number;
  /** Whether our TPE took its local steps (false: Optuna 3.1's algorithm). */
  localSteps: boolean;
  optunaVersion?: string;
  results: Record<string, { optimum: number; samplers: Record<string, Cell> }>;
}

function parse(argv: string[]): Options | number {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      objectives: { type: 'string' }, samplers: { type: 'string' }, seeds: { type: 'string' }, 'first-seed': { type: 'string' }, trials: { type: 'string' },
      'no-local-steps': { type: 'boolean' }, 'no-optuna': { type: 'boolean' }, python: { type: 'string' }, json: { type: 'boolean' }, out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const list = (s: string | undefined, all: string[], what: string) => {
    const items = s ? s.split(',').map((x) => x.trim()).filter(Boolean) : all;
    for (const x of items) if (!all.includes(x)) throw new Error(`unknown ${what} '${x}'; expected one of ${all.join(', ')}`);
    return items;
  };
  const count = (s: string | undefined, name: string, dflt: number, min = 1) => {
    if (s === undefined) return dflt;
    const n = Number(s);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected ${min ? 'a positive' : 'a non-negative'} integer, got '${s}'`);
    return n;
  };
  return {
    objectives: list(v.objectives, Object.keys(SYNTHETIC), 'objective'),
    samplers: list(v.samplers, SAMPLER_NAMES.filter((s) => s !== 'grid'), 'sampler'),
    seeds: count(v.seeds, 'seeds', 100),
    firstSeed: count(v['first-seed'], 'first-seed', 0, 0),
    trials: count(v.trials, 'trials', 60),
    localSteps: !v['no-local-steps'],
    optuna: !v['no-optuna'],
    python: v.python ?? DEFAULT_PYTHON,
    json: v.json ?? false,
    out: v.out,
  };
}

function series(best: number[], seconds: number): Series {
  return { best, median: percentile(best, 50), q1: percentile(best, 25), q3: percentile(best, 75), seconds };
}

/** Runs the Optuna peer; resolves to its parsed JSON report. */
function runOptuna(o: Options, samplers: string[]): Promise<{ version: string; results: Record<string, Record<string, { best: number[]; seconds: number }>> }> {
  const script = new URL('./peers/optuna_tune.py', import.meta.url).pathname;
  const args = [script, '--objectives', o.objectives.join(','), '--samplers', samplers.join(','), '--seeds', String(o.seeds), '--first-seed', String(o.firstSeed), '--trials', String(o.trials)];
  return new Promise((resolve, reject) => {
    const child = spawn(o.python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      for (const line of d.toString().split('\n').filter(Boolean)) if (line.startsWith('optuna ')) process.stderr.write(`  ${line}\n`);
    });
    child.on('error', (e) => reject(new Error(`cannot run ${o.python}: ${e.message}`)));
    child.on('close', (code) => {
      if (code !== 0) {
        const hint = /No module named 'optuna'/.test(err) ? ' (install Debian\'s python3-optuna: bash scripts/setup.sh --bench)' : '';
        reject(new Error(`optuna peer exited with ${code}${hint}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`optuna peer printed no JSON report: ${out.slice(0, 200)}`));
      }
    });
  });
}

/** Our side: every objective × sampler × seed, in process. Yields to the event loop between studies. */
async function runOurs(o: Options): Promise<Record<string, Record<string, { best: number[]; seconds: number }>>> {
  const results: Record<string, Record<string, { best: number[]; seconds: number }>> = {};
  for (const name of o.objectives) {
    const objective = SYNTHETIC[name];
    results[name] = {};
    for (const sampler of o.samplers) {
      const best: number[] = [];
      const start = performance.now();
      const options = sampler.startsWith('tpe') && !o.localSteps ? { localSteps: false } : {};
      for (let seed = o.firstSeed; seed < o.firstSeed + o.seeds; seed++) {
        const res = optimize({ space: objective.space, sampler: createSampler(sampler, options), trials: o.trials, seed, objective: objective.fn });
        best.push(res.best!.value!);
        await new Promise((r) => setImmediate(r));
      }
      results[name][sampler] = { best, seconds: (performance.now() - start) / 1000 / o.seeds };
      process.stderr.write(`  ours ${name} ${sampler} done\n`);
    }
  }
  return results;
}

function pBetter(ours: number[], peer: number[]): number {
  let wins = 0;
  for (const a of ours) for (const b of peer) wins += a < b ? 1 : a === b ? 0.5 : 0;
  return wins / (ours.length * peer.length);
}

const fmt = (x: number) => {
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? x.toExponential(2) : x.toFixed(a < 1 ? 4 : 3);
};

export function formatReport(r: Report): string {
  const rows: string[][] = [];
  for (const [name, { optimum, samplers }] of Object.entries(r.results)) {
    for (const [sampler, c] of Object.entries(samplers)) {
      rows.push([
        name, sampler, fmt(optimum),
        `${fmt(c.ours.median)} [${fmt(c.ours.q1)}, ${fmt(c.ours.q3)}]`,
        c.optuna ? `${fmt(c.optuna.median)} [${fmt(c.optuna.q1)}, ${fmt(c.optuna.q3)}]` : '-',
        c.regretRatio !== undefined ? `${c.regretRatio.toFixed(2)}` : '-',
        c.pBetter !== undefined ? c.pBetter.toFixed(2) : '-',
        `${c.ours.seconds.toFixed(3)} / ${c.optuna ? c.optuna.seconds.toFixed(3) : '-'}`,
      ]);
    }
  }
  const seeds = r.firstSeed ? `seeds ${r.firstSeed}–${r.firstSeed + r.seeds - 1}` : `${r.seeds} seeds`;
  const head = `Best value after ${r.trials} trials, ${seeds} per cell: median [25th, 75th percentile]` +
    `${r.optunaVersion ? `; Optuna ${r.optunaVersion}` : ''}${r.localSteps === false ? '; our TPE without local steps' : ''}. regret ratio = (ours − optimum) ÷ (Optuna − optimum), medians; ` +
    'P(ours better) over all pairs of studies (0.5 = even).';
  return [head, '', table(['objective', 'sampler', 'optimum', 'ours', 'optuna', 'regret ours/optuna', 'P(ours better)', 's/study ours / optuna'], rows),
    '', `load average ${r.load.start.map((x) => x.toFixed(1)).join(' ')} at the start, ${r.load.end.map((x) => x.toFixed(1)).join(' ')} at the end; ${r.cpus} CPUs`].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let o: Options;
  try {
    const parsed = parse(argv);
    if (typeof parsed === 'number') return parsed;
    o = parsed;
  } catch (err) {
    console.error(`bench tuning: ${(err as Error).message}`);
    return 2;
  }
  const start = loadavg();
  const peerSamplers = o.samplers.map((s) => OPTUNA_PEER[s]).filter((s): s is string => s !== undefined);
  const optuna = o.optuna && peerSamplers.length > 0 ? runOptuna(o, peerSamplers) : undefined;
  // If the peer fails early, say so at the end rather than as an unhandled rejection now.
  optuna?.catch(() => {});
  const ours = await runOurs(o);
  const peer = optuna ? await optuna : undefined;

  const report: Report = {
    date: new Date().toISOString(), cpus: cpus().length, load: { start, end: loadavg() },
    seeds: o.seeds, firstSeed: o.firstSeed, trials: o.trials, localSteps: o.localSteps, optunaVersion: peer?.version, results: {},
  };
  for (const name of o.objectives) {
    const optimum = SYNTHETIC[name].optimum;
    const cells: Record<string, Cell> = {};
    for (const sampler of o.samplers) {
      const mine = ours[name][sampler];
      const cell: Cell = { ours: series(mine.best, mine.seconds) };
      const theirs = OPTUNA_PEER[sampler] && peer?.results[name]?.[OPTUNA_PEER[sampler]!];
      if (theirs) {
        cell.optuna = series(theirs.best, theirs.seconds / o.seeds);
        cell.regretRatio = (cell.ours.median - optimum) / (cell.optuna.median - optimum);
        cell.pBetter = pBetter(mine.best, theirs.best);
      }
      cells[sampler] = cell;
    }
    report.results[name] = { optimum, samplers: cells };
  }
  const text = formatReport(report);
  const json = JSON.stringify(report, null, 2);
  const out = o.out ?? `.bench/tuning-${report.date.replace(/[:.]/g, '-')}.json`;
  mkdirSync(dirname(out), { recursive: true });
  writeFileAtomic(out, json);
  if (o.json) {
    console.error(text);
    console.log(json);
  } else {
    console.log(text);
    console.log(`\nreport: ${out}`);
  }
  return 0;
}
