/**
 * One comparison (training, inference or latency on one model): PyTorch's settings are screened,
 * then timed rounds alternate between our backends and PyTorch's two best and default settings, in
 * an order reversed every other round, so outside load falls on every engine alike. PyTorch's best
 * is the timed setting with the best score over all its rounds.
 */
import {
  describeSetting, settingId, type OursEngine, type TorchEngine, type TorchEnv, type TorchSetting,
} from './engines.ts';

export interface Engines {
  ours: OursEngine[];
  torch: Map<TorchEnv, TorchEngine>;
  /** Threading settings to screen (lib/engines.ts torchSettings). */
  settings: TorchSetting[];
  defaultSetting: TorchSetting;
}

/** What one kind of measurement does on each engine; S is one round's sample. */
export interface Measurement<S> {
  /** A round on one of our backends, and how many rounds that backend takes part in. */
  ours(x: OursEngine): { rounds: number; run(): Promise<S> };
  /** A round on PyTorch at a setting; `screening` asks for a shorter one. */
  torch(t: TorchEngine, s: TorchSetting, screening: boolean): Promise<S>;
  /** Higher is better: picks PyTorch's best setting from one sample or from all of a setting's rounds. */
  score(samples: S[]): number;
  show(s: S): string;
  /** Whether channels-last is worth trying (image models). */
  channelsLast: boolean;
}

export interface Comparison<S> {
  ours: Map<string, S[]>;
  torch?: {
    screening: { setting: TorchSetting; sample: S }[];
    /** Every timed setting; best and default are among them. */
    timed: { setting: TorchSetting; samples: S[] }[];
    best: { setting: TorchSetting; samples: S[] };
    default: { setting: TorchSetting; samples: S[] };
  };
}

export const log = (msg: string) => process.stderr.write(`${msg}\n`);

interface Participant<S> { id: string; label: string; rounds: number; run(): Promise<S> }

async function alternate<S>(parts: Participant<S>[], rounds: number, show: (s: S) => string): Promise<Map<string, S[]>> {
  const samples = new Map<string, S[]>(parts.map((p) => [p.id, []]));
  for (let r = 0; r < rounds; r++) {
    const order = parts.filter((p) => r < p.rounds);
    if (r % 2 === 1) order.reverse();
    const shown: string[] = [];
    for (const p of order) {
      const s = await p.run();
      samples.get(p.id)!.push(s);
      shown.push(`${p.label} ${show(s)}`);
    }
    log(`    round ${r + 1}/${rounds}: ${shown.join(', ')}`);
  }
  return samples;
}

/**
 * Tries every threading setting once, then the fastest in channels-last when that applies
 * (a greedy search: memory format and threading are close to independent).
 */
async function screen<S>(e: Engines, m: Measurement<S>): Promise<{ setting: TorchSetting; sample: S }[]> {
  const tried: { setting: TorchSetting; sample: S }[] = [];
  const attempt = async (setting: TorchSetting) => {
    tried.push({ setting, sample: await m.torch(e.torch.get(setting.env)!, setting, true) });
  };
  for (const s of e.settings) await attempt(s);
  if (m.channelsLast) await attempt({ ...bestOf(tried, m).setting, channelsLast: true });
  log(`    PyTorch screening: ${tried.map((t) => `${describeSetting(t.setting)} ${m.show(t.sample)}`).join(', ')}`);
  return tried;
}

function bestOf<S>(tried: { setting: TorchSetting; sample: S }[], m: Measurement<S>) {
  return tried.reduce((a, b) => (m.score([b.sample]) > m.score([a.sample]) ? b : a));
}

export async function compare<S>(e: Engines, rounds: number, m: Measurement<S>): Promise<Comparison<S>> {
  const parts: Participant<S>[] = e.ours.map((x) => ({ id: x.backend, label: `ours ${x.backend}`, ...m.ours(x) }));
  let timed: TorchSetting[] = [];
  let screening: { setting: TorchSetting; sample: S }[] = [];
  if (e.torch.size) {
    screening = await screen(e, m);
    // The two best of a short screening round and the default are timed: one screening sample can
    // be lucky (a spinning OpenMP pool is fast until another process wants the CPU).
    const ranked = [...screening].sort((a, b) => m.score([b.sample]) - m.score([a.sample])).map((t) => t.setting);
    timed = [...new Map([...ranked.slice(0, 2), e.defaultSetting].map((s) => [settingId(s), s])).values()];
    for (const s of timed) {
      parts.push({ id: settingId(s), label: `PyTorch ${describeSetting(s)}`, rounds, run: () => m.torch(e.torch.get(s.env)!, s, false) });
    }
  }
  const samples = await alternate(parts, rounds, (s) => m.show(s));
  const result: Comparison<S> = { ours: new Map(e.ours.map((x) => [x.backend, samples.get(x.backend)!])) };
  if (timed.length) {
    // The best is decided again on the timed rounds, which are longer than the screening's.
    const series = timed.map((setting) => ({ setting, samples: samples.get(settingId(setting))! }));
    const best = series.reduce((a, b) => (m.score(b.samples) > m.score(a.samples) ? b : a));
    const dflt = series.find((t) => settingId(t.setting) === settingId(e.defaultSetting)) ?? best;
    result.torch = { screening, timed: series, best, default: dflt };
  }
  return result;
}
