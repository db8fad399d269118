import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../src/store/sqlite.ts';
import type { NewRun } from '../src/store/types.ts';
import { tempDir } from './helpers/data.ts';

const newRun: NewRun = {
  name: 'mlp-s1', model: 'mlp', config: { epochs: 2 }, spec: { name: 'mlp' }, params: 100,
  provenance: { seed: 1, dataChecksum: 'abc', dataDir: '/d', classNames: ['a', 'b'], backend: 'cpu', backendDetail: 'js', versions: { node: '20' }, host: 'h' },
};

test('runs round-trip: create, epochs (upsert), update, list, delete', async () => {
  const root = tempDir();
  const s = new SqliteStore(root);
  const r = await s.createRun(newRun);
  assert.equal(r.status, 'running');
  assert.deepEqual(r.config, { epochs: 2 });
  assert.ok(existsSync(s.runDir(r.id)));
  const e = { epoch: 1, loss: 0.5, accuracy: 0.8, valLoss: 0.6, valAccuracy: 0.75, lr: 0.001, wallMs: 10, cpuMs: 18, imagesPerSec: 100 };
  await s.recordEpoch(r.id, e);
  await s.recordEpoch(r.id, { ...e, loss: 0.4 }); // a resumed run rewrites the epoch
  await s.recordEpoch(r.id, { ...e, epoch: 2, valLoss: undefined, valAccuracy: undefined });
  const eps = await s.epochs(r.id);
  assert.equal(eps.length, 2);
  assert.equal(eps[0].loss, 0.4);
  assert.equal(eps[1].valLoss, undefined);
  await s.updateRun(r.id, { status: 'completed', epochsDone: 2, wallMs: 20 });
  const again = new SqliteStore(root); // a second connection sees the same data
  const got = (await again.getRun(r.id))!;
  assert.equal(got.status, 'completed');
  assert.equal(got.epochsDone, 2);
  assert.equal((await again.listRuns()).length, 1);
  writeFileSync(join(s.runDir(r.id), 'x.png'), 'x');
  await again.deleteRun(r.id);
  assert.equal(await s.getRun(r.id), undefined);
  assert.deepEqual(await s.epochs(r.id), []);
  assert.ok(!existsSync(s.runDir(r.id)));
  await assert.rejects(() => s.deleteRun(r.id), { message: `run ${r.id} not found in ${s.root}` });
  await s.close();
  await again.close();
});
