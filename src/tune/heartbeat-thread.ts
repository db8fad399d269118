/**
 * The heartbeat thread's entry (see heartbeat.ts): its own connection to the store, beating for
 * the trial the main thread names, so a main thread busy in a synchronous training epoch still
 * shows its worker alive.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/index.ts';

const { location, intervalMs } = workerData as { location: string; intervalMs: number };
const store = openStore(location);
let trial: number | undefined;
let beating: Promise<void> = Promise.resolve();

function beat(): void {
  if (trial === undefined) return;
  const id = trial;
  beating = beating.then(() => store.heartbeat(id)).catch(() => { /* a missed beat only risks staleness */ });
}
const timer = setInterval(beat, intervalMs);

parentPort!.on('message', (m: { trial?: number; close?: boolean }) => {
  if (!m.close) {
    trial = m.trial;
    beat();
    return;
  }
  clearInterval(timer);
  void beating.then(() => store.close()).finally(() => parentPort!.close());
});
parentPort!.postMessage('ready');
