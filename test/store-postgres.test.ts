/**
 * The PostgreSQL store against a real server started here from Debian's packages: the StudyStorage
 * contract, bad URLs and unreachable servers, and the kill test (three worker processes, one
 * SIGKILLed mid-trial; its heartbeat stops, its trial fails and a copy is run by a survivor).
 * Without the server binaries this fails in CI (CI=true) and is skipped elsewhere.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openStore } from '../src/store/index.ts';
import { PostgresStore } from '../src/store/postgres.ts';
import { StoreError } from '../src/store/types.ts';
import { tempDir } from './helpers/data.ts';
import { pgUnavailable, startPostgres, type PgServer } from './helpers/postgres.ts';
import { parseLog, sleep, spawnWorker } from './helpers/study.ts';
import { studyStorageContract } from './helpers/study-contract.ts';

const missing = pgUnavailable();
if (missing && process.env.CI === 'true') {
  test('postgresql server available', () => assert.fail(missing));
} else if (missing) {
  test('postgresql store', { skip: missing }, () => {});
} else {
  let server: PgServer;
  const files = tempDir('fmnist-pg-files-');
  before(async () => { server = await startPostgres(); });
  after(() => server?.stop());

  studyStorageContract('postgres', () => new PostgresStore(server.url, { filesRoot: files }));

  test('postgres: openStore picks it for a URL; runs round-trip with files in FMNIST_STORE_DIR', async () => {
    const saved = process.env.FMNIST_STORE_DIR;
    process.env.FMNIST_STORE_DIR = files;
    const s = openStore(server.url);
    try {
      assert.ok(s instanceof PostgresStore);
      assert.equal(s.root, files);
      const r = await s.createRun({
        name: 'r', model: 'mlp', config: { epochs: 2 }, spec: { name: 'mlp' }, params: 5,
        provenance: { seed: 1, dataChecksum: 'c', dataDir: '/d', classNames: ['a'], backend: 'cpu', backendDetail: 'js', versions: {}, host: 'h' },
      });
      assert.equal(s.runDir(r.id), join(files, 'runs', String(r.id)));
      const e = { epoch: 1, loss: 0.5, accuracy: 0.8, valLoss: 0.6, valAccuracy: 0.7, lr: 0.01, wallMs: 10, cpuMs: 12, imagesPerSec: 99.5 };
      await s.recordEpoch(r.id, e);
      await s.recordEpoch(r.id, { ...e, loss: 0.4 });
      await s.recordEpoch(r.id, { ...e, epoch: 2, valLoss: undefined, valAccuracy: undefined });
      assert.deepEqual(await s.epochs(r.id), [{ ...e, loss: 0.4 }, { ...e, epoch: 2, valLoss: undefined, valAccuracy: undefined }]
        .map((x) => JSON.parse(JSON.stringify(x))));
      await s.updateRun(r.id, { status: 'completed', epochsDone: 2, metrics: { test: { accuracy: 0.9 } as never } });
      const got = (await s.getRun(r.id))!;
      assert.deepEqual([got.status, got.epochsDone, got.config, got.metrics], ['completed', 2, { epochs: 2 }, { test: { accuracy: 0.9 } }]);
      assert.ok((await s.listRuns()).some((x) => x.id === r.id));
      await s.deleteRun(r.id);
      assert.equal(await s.getRun(r.id), undefined);
      await assert.rejects(() => s.updateRun(r.id, { status: 'failed' }), /run \d+ not found in postgres:\/\/fmnist@127\.0\.0\.1/);
    } finally {
      await s.close();
      if (saved === undefined) delete process.env.FMNIST_STORE_DIR;
      else process.env.FMNIST_STORE_DIR = saved;
    }
  });

  test('postgres: bad URLs and unreachable servers are one-line errors naming the server', async () => {
    assert.throws(() => openStore('postgres://u:secret@/db'), /^StoreError: store postgres:\/\/u:\*\*\*@\/db: not a valid URL \(expected postgres:\/\/user\[:password\]@host\[:port\]\/database\)$/);
    assert.throws(() => new PostgresStore('mysql://h/db'), /store mysql:\/\/h\/db: not a PostgreSQL URL/);
    const port = new URL(server.url).port;
    const wrongPort = new PostgresStore(`postgres://fmnist:pw@127.0.0.1:${Number(port) === 1 ? 2 : 1}/postgres`, { filesRoot: files });
    const err = await wrongPort.listStudies().then(() => undefined, (e: unknown) => e);
    await wrongPort.close();
    assert.ok(err instanceof StoreError);
    assert.match(err.message, /^store postgres:\/\/fmnist:\*\*\*@127\.0\.0\.1:[12]\/postgres: cannot connect \(connect ECONNREFUSED 127\.0\.0\.1:[12]\)$/);
    const noDb = new PostgresStore(server.url.replace(/\/postgres$/, '/nosuchdb'), { filesRoot: files });
    await assert.rejects(() => noDb.listRuns(), /cannot connect \(database "nosuchdb" does not exist\)/);
    await noDb.close();
  });

  test('postgres: 3 workers, one SIGKILLed mid-trial: its trial fails, a survivor runs its copy, the study completes', { timeout: 60_000 }, async (t) => {
    const dir = tempDir('fmnist-pgkill-');
    const log = join(dir, 'trials.log');
    const budget = 12;
    const args = { store: server.url, study: 'kill', trials: budget, seed: 5, log, steps: 5, stepMs: 80, heartbeatMs: 200, staleMs: 1000 };
    const env = { FMNIST_STORE_DIR: files };
    const workers = [0, 1, 2].map((k) => spawnWorker({ ...args, worker: `w${k}` }, env));
    t.after(() => { for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL'); });
    // Wait until the victim has started a trial it hasn't finished, then kill it mid-trial.
    let victimTrial: number | undefined;
    for (let waited = 0; victimTrial === undefined; waited += 20) {
      assert.ok(waited < 30_000, 'worker w0 never started a trial');
      await sleep(20);
      let text = '';
      try { text = readFileSync(log, 'utf8'); } catch { continue; }
      const lines = text.split('\n');
      const open = lines.filter((l) => l.startsWith('start ') && l.endsWith(' w0')).map((l) => Number(l.split(' ')[1]))
        .filter((id) => !lines.some((l) => l.startsWith(`end ${id} `)));
      victimTrial = open[0];
    }
    workers[0].child.kill('SIGKILL');
    const [killed, ...survivors] = await Promise.all(workers.map((w) => w.done));
    assert.equal(killed.signal, 'SIGKILL');
    for (const r of survivors) assert.equal(r.code, 0, r.out);

    const s = new PostgresStore(server.url, { filesRoot: files });
    const study = (await s.getStudy('kill'))!;
    const trials = await s.listTrials(study.id);
    await s.close();
    const { started, ended } = parseLog(readFileSync(log, 'utf8'));
    const byId = new Map(trials.map((t) => [t.id, t]));
    const dead = byId.get(victimTrial)!;
    // The killed trial: failed by the heartbeat sweep, with a copy of the same params that completed.
    assert.equal(dead.state, 'failed');
    assert.match(dead.error!, /worker w0 stopped \(no heartbeat for over 1000 ms\); re-queued as trial \d+/);
    const copy = trials.find((t) => t.number === dead.retriedAs)!;
    assert.equal(copy.state, 'complete');
    assert.deepEqual(copy.params, dead.params);
    assert.notEqual(copy.worker, 'w0');
    // Every trial accounted for: numbers contiguous, the budget complete, failures all re-queued.
    assert.deepEqual(trials.map((t) => t.number), [...Array(trials.length).keys()]);
    assert.equal(trials.filter((t) => t.state === 'complete').length, budget);
    const failed = trials.filter((t) => t.state === 'failed');
    assert.equal(failed.length + budget, trials.length);
    assert.ok(failed.every((t) => t.retriedAs !== undefined && trials[t.retriedAs].state === 'complete'));
    // Nothing ran twice: each started id once; only killed (re-queued) trials started without ending.
    assert.equal(new Set(started).size, started.length, 'a trial was run twice');
    assert.deepEqual([...ended].sort((a, b) => a - b), trials.filter((t) => t.state === 'complete').map((t) => t.id));
    assert.ok(started.filter((id) => !ended.includes(id)).every((id) => byId.get(id)!.state === 'failed'));
  });
}
