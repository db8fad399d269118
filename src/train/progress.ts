/**
 * Progress of a training run: a live line on a terminal, JSON lines for scripts, or nothing.
 */
import type { EpochRecord } from '../store/types.ts';

export interface BatchInfo {
  epoch: number; epochs: number; batch: number; batches: number;
  loss: number; accuracy: number; imagesPerSec: number; etaSec: number;
}

export interface ProgressReporter {
  start(info: { runId?: number; model: string; params: number; backend: string; trainCount: number; valCount: number; epochs: number }): void;
  batch(b: BatchInfo): void;
  epoch(e: EpochRecord & { epochs: number; etaSec: number; note?: string }): void;
  message(text: string): void;
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Human output on stderr: a self-overwriting batch line on a TTY, one line per epoch always. */
export class ConsoleProgress implements ProgressReporter {
  private lastDraw = 0;
  constructor(private out: NodeJS.WriteStream = process.stderr) {}

  start(i: Parameters<ProgressReporter['start']>[0]): void {
    this.out.write(`training ${i.model} (${i.params.toLocaleString('en-US')} params) on ${i.backend}: ` +
      `${i.trainCount} train / ${i.valCount} validation images, ${i.epochs} epochs\n`);
  }

  batch(b: BatchInfo): void {
    if (!this.out.isTTY) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && b.batch < b.batches) return;
    this.lastDraw = now;
    const width = 24;
    const done = Math.round((width * b.batch) / b.batches);
    const bar = '='.repeat(Math.max(0, done - 1)) + (done ? '>' : '') + '.'.repeat(width - done);
    this.out.write(`\r\x1b[Kepoch ${b.epoch}/${b.epochs} ${b.batch}/${b.batches} [${bar}] loss ${b.loss.toFixed(4)} ` +
      `acc ${b.accuracy.toFixed(4)} ${Math.round(b.imagesPerSec)} img/s ETA ${formatDuration(b.etaSec)}`);
  }

  epoch(e: Parameters<ProgressReporter['epoch']>[0]): void {
    const val = e.valLoss !== undefined ? ` val_loss ${e.valLoss.toFixed(4)} val_acc ${e.valAccuracy!.toFixed(4)}` : '';
    if (this.out.isTTY) this.out.write('\r\x1b[K');
    this.out.write(`epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(4)} acc ${e.accuracy.toFixed(4)}${val} ` +
      `lr ${e.lr.toPrecision(3)} ${(e.wallMs / 1000).toFixed(1)}s ${Math.round(e.imagesPerSec)} img/s ` +
      `ETA ${formatDuration(e.etaSec)}${e.note ? ' ' + e.note : ''}\n`);
  }

  message(text: string): void {
    this.out.write(text + '\n');
  }
}

/** One JSON object per line on stdout: {"event": "batch" | "epoch" | "start" | "message", ...}. */
export class JsonLinesProgress implements ProgressReporter {
  private lastBatch = 0;
  constructor(private write: (line: string) => void = (l) => process.stdout.write(l + '\n')) {}
  start(i: Parameters<ProgressReporter['start']>[0]): void { this.write(JSON.stringify({ event: 'start', ...i })); }
  batch(b: BatchInfo): void {
    const now = Date.now();
    if (now - this.lastBatch < 1000 && b.batch < b.batches) return;
    this.lastBatch = now;
    this.write(JSON.stringify({ event: 'batch', ...b }));
  }
  epoch(e: Parameters<ProgressReporter['epoch']>[0]): void { this.write(JSON.stringify({ event: 'epoch', ...e })); }
  message(text: string): void { this.write(JSON.stringify({ event: 'message', text })); }
}

export class QuietProgress implements ProgressReporter {
  start(): void {}
  batch(): void {}
  epoch(): void {}
  message(): void {}
}
