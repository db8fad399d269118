/**
 * Heartbeats for a worker's running trial. Training runs its batches synchronously, so a timer on
 * the main thread would only fire between epochs, and an epoch longer than the stale timeout
 * would get a live trial re-queued. So the beats come from a thread with its own connection to
 * the store (opened from `storage.location`); a main-thread timer beats too, as a fallback in
 * case the thread can't start.
 */
import { Worker } from 'node:worker_threads';
import type { StudyStorage } from '../store/study-types.ts';

export interface Heartbeat {
  /** Beats for this trial from now on (undefined: stop beating). */
  beat(trialId: number | undefined): void;
  stop(): Promise<void>;
}

/**
 * The thread's entry is TypeScript, which a worker thread can't load by itself: a small ESM
 * module registers tsx's loader first, then imports it.
 */
function spawnThread(location: string, intervalMs: number): Worker {
  const entry = new URL('./heartbeat-thread.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData: { location, intervalMs } });
}

/** Starts the thread and waits until it is ready to beat (or has failed: then the timer beats alone). */
export async function startHeartbeat(storage: StudyStorage, intervalMs: number): Promise<Heartbeat> {
  let trial: number | undefined;
  const timer = setInterval(() => {
    if (trial !== undefined) storage.heartbeat(trial).catch(() => { /* a missed beat only risks staleness */ });
  }, intervalMs);
  timer.unref();
  let thread: Worker | undefined = spawnThread(storage.location, intervalMs);
  // If the thread fails (now or later), the main-thread timer carries on alone.
  const exited = new Promise<void>((res) => thread!.once('exit', () => { thread = undefined; res(); }));
  thread.on('error', (err) => {
    thread = undefined;
    process.emitWarning(`study heartbeat thread stopped (${err.message}): beating from the main thread only`);
  });
  await Promise.race([new Promise((res) => thread!.once('message', res)), exited]);
  thread?.unref();
  return {
    beat(id) {
      trial = id;
      thread?.postMessage({ trial: id });
    },
    async stop() {
      clearInterval(timer);
      const t = thread;
      if (!t) return;
      t.ref(); // wait for it to close its connection
      t.postMessage({ close: true });
      const timeout = setTimeout(() => void t.terminate(), 5000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
