/** The train benchmark's report: its JSON shape and the text tables printed from it. */
import { table } from './table.ts';
import type { TfjsInfo, TorchInfo } from './protocol.ts';
import type { Spread } from './stats.ts';

/** Images/s, one per round, and how many batches each round took. */
export interface Series { rates: number[]; median: number; units: number }
export interface TorchSeries extends Series { setting: string }
export interface Ratio extends Spread { perRound: number[] }

export interface Section {
  /** By backend. */
  ours: Record<string, Series>;
  torch?: {
    /** Each setting's score in the screening round (images/s). */
    screening: { setting: string; value: number }[];
    /** Every setting timed in the rounds (the screening's two best and the default). */
    timed: TorchSeries[];
    best: TorchSeries;
    default: TorchSeries;
    /** Our first backend ÷ PyTorch, round by round. */
    ratioVsBest: Ratio;
    ratioVsDefault: Ratio;
  };
  target?: { ratio: number; met: boolean };
}

export interface LatencyStats { p50: number; p99: number; samples: number; setting?: string }
export interface LatencySection {
  ours: Record<string, LatencyStats>;
  torch?: { timed: LatencyStats[]; best: LatencyStats; default: LatencyStats };
  /** On our first backend's median. */
  target?: { ms: number; met: boolean };
}

export interface ModelResult {
  name: string;
  params: number;
  batchSize: number;
  train: Section;
  infer?: Section;
  latency?: LatencySection;
}

export interface Report {
  benchmark: 'train';
  startedAt: string;
  machine: { cpus: number; cpuModel: string; loadAverageStart: number; loadAverageEnd: number };
  options: object;
  ours: Record<string, TfjsInfo>;
  torch?: TorchInfo;
  /** Threading variables in the harness's environment that the PyTorch peer was run without. */
  strippedVars: string[];
  targets: object;
  models: ModelResult[];
  seconds: number;
}

/** A 1-minute load average from which the run counts as shared with other work. */
const BUSY_LOAD = 0.5;

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const times = (x: number) => `${x.toFixed(2)}x`;
const ratioText = (r: Ratio) => (r.perRound.length > 1 ? `${times(r.median)} [${r.min.toFixed(2)}-${r.max.toFixed(2)}]` : times(r.median));
const ms = (x: number) => x.toFixed(2);

function rateTable(models: ModelResult[], pick: (m: ModelResult) => Section | undefined, backends: string[], withTarget: boolean): string {
  const sections = models.flatMap((m) => (pick(m) ? [{ m, s: pick(m)! }] : []));
  const torch = sections.some(({ s }) => s.torch);
  const rows = sections.map(({ m, s }) => {
    const t = s.torch;
    const target = s.target ? `>=${s.target.ratio.toFixed(1)}x ${s.target.met ? 'met' : 'NOT met'}` : '';
    return [
      m.name, int(m.params), ...backends.map((b) => (s.ours[b] ? int(s.ours[b].median) : '')),
      ...(torch ? [
        t ? int(t.best.median) : '', t?.best.setting ?? '', t ? int(t.default.median) : '',
        t ? ratioText(t.ratioVsBest) : '', t ? ratioText(t.ratioVsDefault) : '', ...(withTarget ? [target] : []),
      ] : []),
    ];
  });
  const first = backends[0];
  return table([
    'model', 'params', ...backends.map((b) => `ours ${b}`),
    ...(torch ? ['PyTorch best', 'best setting', 'PyTorch default', `${first} / best`, `${first} / default`, ...(withTarget ? ['target'] : [])] : []),
  ], rows);
}

function latencyTable(models: ModelResult[], backends: string[]): string {
  const measured = models.filter((m) => m.latency);
  const torch = measured.some((m) => m.latency!.torch);
  const rows = measured.map((m) => {
    const l = m.latency!;
    return [
      m.name, ...backends.flatMap((b) => (l.ours[b] ? [ms(l.ours[b].p50), ms(l.ours[b].p99)] : ['', ''])),
      ...(torch ? [
        l.torch ? ms(l.torch.best.p50) : '', l.torch ? ms(l.torch.best.p99) : '', l.torch?.best.setting ?? '',
        l.torch ? ms(l.torch.default.p50) : '', l.torch ? ms(l.torch.default.p99) : '',
      ] : []),
      l.target ? `p50 <=${l.target.ms} ms ${l.target.met ? 'met' : 'NOT met'}` : '',
    ];
  });
  return table([
    'model', ...backends.flatMap((b) => [`${b} p50`, `${b} p99`]),
    ...(torch ? ['PyTorch best p50', 'p99', 'best setting', 'PyTorch default p50', 'p99'] : []), 'target',
  ], rows);
}

function describeTorch(t: TorchInfo, stripped: string[]): string[] {
  const lines = [
    `PyTorch ${t.torch} (Python ${t.python}): BLAS ${t.blas.kind} (${t.blas.path || 'none mapped'}), ` +
      `convolutions ${t.mkldnn ? 'by oneDNN (mkldnn)' : 'without oneDNN'}; its own thread default ${t.defaultThreads} ` +
      `(physical cores); "default" setting = default environment with torch.set_num_threads(${t.cpus}).`,
  ];
  const alt = t.blas.alternatives;
  if (alt) {
    const choices = alt.choices.map((c) => `${c.path} (priority ${c.priority ?? '?'})`).join(', ');
    lines.push(`libblas.so.3 by update-alternatives (${alt.status} mode): ${alt.value}; installed: ${choices}.`);
  }
  if (t.blas.kind.startsWith('reference')) {
    lines.push('WARNING: PyTorch runs on the reference BLAS; with OpenBLAS (libopenblas0-openmp) it is about 1.5x faster, so this comparison flatters us.');
  }
  if (stripped.length) lines.push(`PyTorch ran without these variables from our environment: ${stripped.join(', ')}.`);
  return lines;
}

export function formatReport(r: Report): string {
  const backends = Object.keys(r.ours);
  const m0 = r.models[0];
  const rounds = (r.options as { rounds?: number }).rounds;
  const out: string[] = [];
  // The benchmark itself keeps about one CPU busy, so only the load before it says the machine was shared.
  const busy = r.machine.loadAverageStart >= BUSY_LOAD ? ': the machine was busy before the run, so the figures are noisy' : '';
  out.push(`bench train, ${r.startedAt}: ${r.machine.cpus} CPUs (${r.machine.cpuModel}), load average ` +
    `${r.machine.loadAverageStart.toFixed(1)} at start, ${r.machine.loadAverageEnd.toFixed(1)} at end${busy}; ${r.seconds.toFixed(0)} s in all.`);
  for (const b of backends) out.push(`ours ${b}: ${r.ours[b].detail}`);
  if (r.torch) out.push(...describeTorch(r.torch, r.strippedVars));
  if (!m0) return out.join('\n');
  out.push('');
  const ratios = r.torch ? '; ratios are ours / PyTorch round by round: median [min-max]' : '';
  out.push(`Training, images/s (batch ${m0.batchSize}, median of ${rounds} round${rounds === 1 ? '' : 's'}${ratios}):`);
  out.push(rateTable(r.models, (m) => m.train, backends, true));
  if (r.models.some((m) => m.infer)) {
    out.push('');
    out.push('Inference, images/s (batch 256, probabilities read back):');
    out.push(rateTable(r.models, (m) => m.infer, backends, false));
  }
  if (r.models.some((m) => m.latency)) {
    out.push('');
    out.push('Single-image latency, ms (one image in, probabilities out):');
    out.push(latencyTable(r.models, backends));
  }
  const cpu = r.models.find((m) => m.train.ours.cpu);
  if (cpu) out.push('', `The cpu backend ran one round per model (${cpu.train.ours.cpu.units} training batches, one inference batch): it is very slow.`);
  return out.join('\n');
}
