import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../src/store/sqlite.ts';
import { tempDir } from './helpers/data.ts';
import { parseLog, sleep, spawnWorker } from './helpers/study.ts';
import { studyStorageContract } from './helpers/study-contract.ts';

const root = tempDir('fmnist-studies-');
studyStorageContract('sqlite', () => new SqliteStore(root));

test('sqlite: 3 worker processes share a study of 24 trials, numbered 0..23, none run twice', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('fmnist-mp-');
  const store = join(dir, 'store');
  const log = join(dir, 'trials.log');
  const args = { store, study: 'shared', trials: 24, seed: 3, log, steps: 3, stepMs: 15, heartbeatMs: 500, staleMs: 10_000 };
  const workers = [0, 1, 2].map((k) => spawnWorker({ ...args, worker: `w${k}` }));
  t.after(() => { for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL'); });
  const results = await Promise.all(workers.map((w) => w.done));
  for (const r of results) assert.equal(r.code, 0, r.out);
  const ran = results.map((r) => Number(/ran (\d+)/.exec(r.out)![1]));
  assert.equal(ran.reduce((a, b) => a + b, 0), 24);

  const s = new SqliteStore(store);
  const study = (await s.getStudy('shared'))!;
  const trials = await s.listTrials(study.id);
  await s.close();
  assert.deepEqual(trials.map((t) => t.number), [...Array(24).keys()]);
  assert.ok(trials.every((t) => t.state === 'complete' && t.value === (Number(t.params.x) - 1) ** 2));
  const { started, ended, startedBy } = parseLog(readFileSync(log, 'utf8'));
  assert.equal(started.length, 24);
  assert.equal(new Set(started).size, 24, 'a trial was run twice');
  assert.deepEqual([...ended].sort((a, b) => a - b), trials.map((t) => t.id));
  for (const t of trials) assert.equal(t.worker, startedBy.get(t.id));
});

test('sqlite: a worker whose main thread is busy for longer than the stale timeout still beats', { timeout: 60_000 }, async (t) => {
  // Training epochs run synchronously: the heartbeat comes from a thread of its own.
  const dir = tempDir('fmnist-busy-');
  const store = join(dir, 'store');
  const staleMs = 500;
  const w = spawnWorker({
    store, study: 'busy', trials: 2, seed: 1, log: join(dir, 'trials.log'), worker: 'busy',
    steps: 1, stepMs: 0, blockMs: 1500, heartbeatMs: 100, staleMs,
  });
  t.after(() => { if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL'); });
  const s = new SqliteStore(store);
  try {
    let exited = false;
    void w.done.then(() => { exited = true; });
    let swept = 0;
    while (!exited) {
      await sleep(100);
      const study = await s.getStudy('busy');
      if (!study) continue;
      assert.deepEqual(await s.failStaleTrials(study.id, staleMs), [], 'a busy worker\'s trial was taken for dead');
      swept++;
    }
    const r = await w.done;
    assert.equal(r.code, 0, r.out);
    assert.ok(swept >= 10, `swept only ${swept} times`);
    const trials = await s.listTrials((await s.getStudy('busy'))!.id);
    assert.deepEqual(trials.map((x) => x.state), ['complete', 'complete']);
  } finally {
    await s.close();
  }
});
