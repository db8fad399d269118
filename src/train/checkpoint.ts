/**
 * Per-epoch checkpoints: model weights, optimizer state and the trainer's own state in one file,
 * written atomically, so `--resume` after a kill continues exactly where the last epoch ended.
 * Layout: 4-byte little-endian header length, JSON header, then float32 arrays back to back.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../store/files.ts';
import type { EpochRecord } from '../store/types.ts';
import type { EarlyStoppingState, PlateauState } from './callbacks.ts';

export interface TrainerState {
  /** Epochs completed. */
  epoch: number;
  step: number;
  /** Base learning rate now (reduce-on-plateau lowers it). */
  baseLr: number;
  history: EpochRecord[];
  earlyStopping?: EarlyStoppingState;
  plateau?: PlateauState;
  /** Best value of the monitored metric so far (undefined before the first epoch). */
  best?: number;
  bestEpoch: number;
}

interface ArrayEntry { name: string; shape: number[]; offset: number; length: number }

export interface Checkpoint {
  state: TrainerState;
  model: Float32Array[];
  optimizer: { name: string; values: Float32Array }[];
  /** Scalar variables an optimizer keeps besides getWeights() (Adam's running beta powers). */
  optimizerExtras: { field: string; value: number }[];
  /** The moving average of the weights, when the run keeps one (same order and shapes as `model`). */
  ema?: Float32Array[];
  shapes: { model: number[][]; optimizer: number[][] };
}

function optimizerExtraVariables(opt: tf.Optimizer): [string, tf.Variable][] {
  return Object.entries(opt).filter((e): e is [string, tf.Variable] => e[1] instanceof tf.Variable && e[1].rank === 0);
}

export async function captureCheckpoint(state: TrainerState, model: tfl.LayersModel, opt: tf.Optimizer, ema?: Float32Array[]): Promise<Checkpoint> {
  const weights = model.getWeights();
  const optWeights = await opt.getWeights();
  return {
    state: structuredClone(state),
    model: weights.map((w) => w.dataSync().slice() as Float32Array),
    optimizer: optWeights.map((w) => ({ name: w.name, values: Float32Array.from(w.tensor.dataSync()) })),
    optimizerExtras: optimizerExtraVariables(opt).map(([field, v]) => ({ field, value: v.dataSync()[0] })),
    shapes: { model: weights.map((w) => w.shape), optimizer: optWeights.map((w) => w.tensor.shape) },
    ...(ema ? { ema } : {}),
  };
}

export function writeCheckpoint(path: string, c: Checkpoint): void {
  const entries: ArrayEntry[] = [];
  const arrays: Float32Array[] = [];
  let offset = 0;
  const add = (name: string, shape: number[], a: Float32Array) => {
    entries.push({ name, shape, offset, length: a.length });
    arrays.push(a);
    offset += a.length;
  };
  c.model.forEach((a, i) => add(`model/${i}`, c.shapes.model[i], a));
  c.optimizer.forEach((o, i) => add(`optimizer/${o.name}`, c.shapes.optimizer[i], o.values));
  c.ema?.forEach((a, i) => add(`ema/${i}`, c.shapes.model[i], a));
  const header = Buffer.from(JSON.stringify({ version: 1, state: c.state, optimizerExtras: c.optimizerExtras, entries }));
  const out = new Uint8Array(4 + header.length + 4 * offset + 4);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, header.length, true);
  out.set(header, 4);
  // float data starts at a 4-byte-aligned offset
  const dataStart = 4 + header.length + ((4 - (header.length % 4)) % 4);
  const floats = new Float32Array(out.buffer, dataStart, offset);
  for (let i = 0; i < arrays.length; i++) floats.set(arrays[i], entries[i].offset);
  writeFileAtomic(path, out.subarray(0, dataStart + 4 * offset));
}

export function readCheckpoint(path: string): Checkpoint | undefined {
  if (!existsSync(path)) return undefined;
  const buf = readFileSync(path);
  const bytes = new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const len = new DataView(bytes.buffer).getUint32(0, true);
  let header: { version: number; state: TrainerState; optimizerExtras: Checkpoint['optimizerExtras']; entries: ArrayEntry[] };
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(4, 4 + len)).toString('utf8'));
  } catch {
    throw new Error(`${path}: corrupt checkpoint header`);
  }
  const dataStart = 4 + len + ((4 - (len % 4)) % 4);
  const total = header.entries.reduce((a, e) => a + e.length, 0);
  if (bytes.length < dataStart + 4 * total) throw new Error(`${path}: truncated checkpoint`);
  const floats = new Float32Array(bytes.buffer, dataStart, total);
  const model = header.entries.filter((e) => e.name.startsWith('model/'));
  const optimizer = header.entries.filter((e) => e.name.startsWith('optimizer/'));
  const ema = header.entries.filter((e) => e.name.startsWith('ema/'));
  const slice = (e: ArrayEntry) => floats.slice(e.offset, e.offset + e.length);
  return {
    state: header.state,
    model: model.map(slice),
    optimizer: optimizer.map((e) => ({ name: e.name.slice('optimizer/'.length), values: slice(e) })),
    optimizerExtras: header.optimizerExtras,
    shapes: { model: model.map((e) => e.shape), optimizer: optimizer.map((e) => e.shape) },
    ...(ema.length ? { ema: ema.map(slice) } : {}),
  };
}

export async function restoreCheckpoint(c: Checkpoint, model: tfl.LayersModel, opt: tf.Optimizer): Promise<void> {
  const ws = c.model.map((a, i) => tf.tensor(a, c.shapes.model[i]));
  model.setWeights(ws);
  tf.dispose(ws);
  if (c.optimizer.length > 0) {
    const named = c.optimizer.map((o, i) => ({ name: o.name, tensor: tf.tensor(o.values, c.shapes.optimizer[i]) }));
    await opt.setWeights(named); // the optimizer copies them into its own variables
    tf.dispose(named.map((n) => n.tensor));
  }
  const extras = new Map(optimizerExtraVariables(opt));
  for (const { field, value } of c.optimizerExtras) tf.tidy(() => extras.get(field)?.assign(tf.scalar(value)));
}
