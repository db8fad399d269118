/**
 * The StudyStorage contract, as tests any store must pass (SQLite in store-studies.test.ts,
 * PostgreSQL in store-postgres.test.ts), plus runWorker on top of it. `open` returns a new
 * connection to the same store each call, so concurrency is tested across connections.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Store } from '../../src/store/index.ts';
import type { NewRun } from '../../src/store/types.ts';
import type { Direction, Sampler } from '../../src/tune/types.ts';
import { runWorker, type Objective } from '../../src/tune/worker.ts';
import { quadratic, sleep, SPACE, thresholdPruner, uniformSampler } from './study.ts';

const newRun: NewRun = {
  name: 'trial-run', model: 'mlp', config: {}, spec: {}, params: 10,
  provenance: { seed: 1, dataChecksum: 'c', dataDir: '/d', classNames: [], backend: 'cpu', backendDetail: 'js', versions: {}, host: 'h' },
};

let counter = 0;
const uniq = (base: string) => `${base}-${process.pid}-${counter++}`;

export function studyStorageContract(kind: string, open: () => Store): void {
  const withStores = async (n: number, f: (...s: Store[]) => Promise<void>) => {
    const stores = Array.from({ length: n }, open);
    try {
      await f(...stores);
    } finally {
      for (const s of stores) await s.close();
    }
  };

  test(`${kind}: a study is created once by name and listed in creation order`, () => withStores(1, async (s) => {
    const a = await s.createStudy(uniq('a'), 'minimize', { space: 1 });
    const again = await s.createStudy(a.name, 'maximize', { other: true });
    assert.equal(again.id, a.id);
    assert.equal(again.direction, 'minimize');
    assert.deepEqual(again.definition, { space: 1 });
    const b = await s.createStudy(uniq('b'), 'maximize', null);
    assert.deepEqual(await s.getStudy(b.name), b);
    const names = (await s.listStudies()).map((x) => x.name);
    assert.ok(names.indexOf(a.name) >= 0 && names.indexOf(a.name) < names.indexOf(b.name));
    assert.equal(await s.getStudy(uniq('missing')), undefined);
    await assert.rejects(() => s.createStudy(uniq('c'), 'up' as Direction, {}), /direction must be minimize or maximize, got "up"/);
  }));

  test(`${kind}: trial numbers count from 0 per study, unique under concurrent appends`, () => withStores(2, async (s1, s2) => {
    const st = await s1.createStudy(uniq('num'), 'minimize', {});
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? s1 : s2).createTrial(st.id, { i }, i % 3 ? 'waiting' : 'running', `w${i}`)));
    assert.deepEqual(made.map((t) => t.number).sort((a, b) => a - b), [...Array(20).keys()]);
    const listed = await s2.listTrials(st.id);
    assert.deepEqual(listed.map((t) => t.number), [...Array(20).keys()]);
    for (const t of made) {
      const l = listed.find((x) => x.id === t.id)!;
      assert.equal(l.number, t.number);
      assert.equal(l.state, t.params.i as number % 3 ? 'waiting' : 'running');
      assert.equal(l.worker, l.state === 'running' ? `w${t.params.i}` : undefined);
    }
    const other = await s1.createStudy(uniq('num-other'), 'minimize', {});
    assert.equal((await s1.createTrial(other.id, {}, 'waiting')).number, 0);
    await assert.rejects(() => s1.createTrial(987654, {}, 'waiting'), /study id 987654 not found/);
  }));

  test(`${kind}: claims take the oldest waiting trial, each trial once`, () => withStores(2, async (s1, s2) => {
    const st = await s1.createStudy(uniq('claim'), 'minimize', {});
    await s1.createTrial(st.id, { k: 0 }, 'running', 'busy');
    for (let k = 1; k <= 5; k++) await s1.createTrial(st.id, { k }, 'waiting');
    const first = (await s2.claimWaitingTrial(st.id, 'w-first'))!;
    assert.equal(first.number, 1);
    assert.equal(first.state, 'running');
    assert.equal(first.worker, 'w-first');
    assert.ok(first.startedAt && first.heartbeatAt);
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? s1 : s2).claimWaitingTrial(st.id, `w${i}`)));
    const got = claims.filter((c) => c !== undefined);
    assert.deepEqual(got.map((c) => c.number).sort(), [2, 3, 4, 5]);
    assert.equal(new Set(got.map((c) => c.id)).size, 4);
    assert.equal(await s1.claimWaitingTrial(st.id, 'late'), undefined);
    assert.ok((await s1.listTrials(st.id)).every((t) => t.state === 'running'));
  }));

  test(`${kind}: intermediate values, finishing, and the trial's run`, () => withStores(1, async (s) => {
    const st = await s.createStudy(uniq('values'), 'minimize', {});
    const t = await s.createTrial(st.id, { x: 1.5 }, 'running', 'w');
    await s.reportIntermediate(t.id, 1, 3.5);
    await s.reportIntermediate(t.id, 2, 2);
    await s.reportIntermediate(t.id, 2, 1.5); // a step reported again replaces its value
    await s.reportIntermediate(t.id, 3, NaN);
    const run = await s.createRun(newRun);
    await s.setTrialRun(t.id, run.id);
    await s.finishTrial(t.id, 'complete', 0.25);
    let [got] = await s.listTrials(st.id);
    assert.deepEqual(got.intermediate, new Map([[1, 3.5], [2, 1.5], [3, NaN]]));
    assert.equal(got.state, 'complete');
    assert.equal(got.value, 0.25);
    assert.equal(got.runId, run.id);
    assert.ok(got.finishedAt! >= got.startedAt!);
    await assert.rejects(() => s.finishTrial(t.id, 'failed'), new RegExp(`trial 0 \\(id ${t.id}\\) is complete, not running`));
    await assert.rejects(() => s.finishTrial(987654, 'complete', 1), /trial id 987654 not found/);
    await assert.rejects(() => s.setTrialParams(987654, {}), /trial id 987654 not found/);
    await assert.rejects(() => s.finishTrial(t.id, 'waiting' as 'failed'), /finishes as complete, pruned or failed, not "waiting"/);
    const f = await s.createTrial(st.id, { x: 2 }, 'running', 'w');
    await s.finishTrial(f.id, 'failed', undefined, 'diverged');
    await s.deleteRun(run.id); // the trial outlives its run
    [got] = await s.listTrials(st.id);
    assert.equal(got.runId, undefined);
    const failed = (await s.listTrials(st.id))[1];
    assert.equal(failed.state, 'failed');
    assert.equal(failed.error, 'diverged');
    assert.equal(failed.value, undefined);
  }));

  test(`${kind}: reservations stop at the budget; re-queued failures make room, error failures don't`, () => withStores(1, async (s) => {
    const st = await s.createStudy(uniq('budget'), 'minimize', {});
    const r0 = (await s.reserveTrial(st.id, 'w', 3))!;
    assert.deepEqual([r0.number, r0.state, r0.worker, r0.params], [0, 'running', 'w', {}]);
    await s.setTrialParams(r0.id, { x: 1 });
    const r1 = (await s.reserveTrial(st.id, 'w', 3))!;
    const r2 = (await s.reserveTrial(st.id, 'w', 3))!;
    await s.setTrialParams(r2.id, { x: 2 });
    assert.equal(await s.reserveTrial(st.id, 'w', 3), undefined);
    await s.finishTrial(r1.id, 'failed', undefined, 'error');
    assert.equal(await s.reserveTrial(st.id, 'w', 3), undefined);
    await sleep(400);
    await s.heartbeat(r0.id);
    const stale = await s.failStaleTrials(st.id, 300);
    assert.deepEqual(stale.map((t) => [t.id, t.state, t.retriedAs]), [[r2.id, 'failed', 3]]);
    assert.equal(await s.reserveTrial(st.id, 'w', 3), undefined); // the waiting copy holds r2's place
    const list = await s.listTrials(st.id);
    assert.deepEqual(list.map((t) => [t.number, t.state]), [[0, 'running'], [1, 'failed'], [2, 'failed'], [3, 'waiting']]);
    assert.deepEqual(list[0].params, { x: 1 });
    assert.deepEqual(list[3].params, { x: 2 });
    assert.equal((await s.reserveTrial(st.id, 'w', 4))!.number, 4);
  }));

  test(`${kind}: stale trials fail once, each with one waiting copy; live ones stay; requeueTrial hands one back`, () => withStores(2, async (s1, s2) => {
    const st = await s1.createStudy(uniq('stale'), 'minimize', {});
    const dead = await s1.createTrial(st.id, { x: 2 }, 'running', 'host-a:11');
    const live = await s1.createTrial(st.id, { x: 3 }, 'running', 'host-b:22');
    await sleep(400);
    await s2.heartbeat(live.id);
    const [f1, f2] = await Promise.all([s1.failStaleTrials(st.id, 300), s2.failStaleTrials(st.id, 300)]);
    const failed = [...f1, ...f2];
    assert.equal(failed.length, 1);
    assert.equal(failed[0].id, dead.id);
    assert.equal(failed[0].state, 'failed');
    assert.match(failed[0].error!, /worker host-a:11 stopped \(no heartbeat for over 300 ms\); re-queued as trial 2/);
    assert.equal(failed[0].retriedAs, 2);
    const list = await s1.listTrials(st.id);
    assert.deepEqual(list.map((t) => [t.number, t.state]), [[0, 'failed'], [1, 'running'], [2, 'waiting']]);
    assert.deepEqual(list[2].params, { x: 2 });
    assert.equal(list[2].worker, undefined);
    await s2.heartbeat(live.id);
    assert.deepEqual(await s2.failStaleTrials(st.id, 300), []);
    const before = list[0].heartbeatAt;
    await s1.heartbeat(dead.id); // a late beat from the dead worker changes nothing
    assert.equal((await s1.listTrials(st.id))[0].heartbeatAt, before);
    await assert.rejects(() => s1.finishTrial(dead.id, 'complete', 1), /is failed, not running/);
    // A worker stopping on purpose hands its trial back at once.
    const handed = (await s2.requeueTrial(live.id, 'interrupted (SIGINT)'))!;
    assert.deepEqual([handed.state, handed.retriedAs, handed.error], ['failed', 3, 'interrupted (SIGINT); re-queued as trial 3']);
    assert.equal(await s1.requeueTrial(live.id, 'again'), undefined);
    assert.equal(await s1.requeueTrial(dead.id, 'not running'), undefined);
    const after = await s1.listTrials(st.id);
    assert.deepEqual(after.map((t) => [t.number, t.state]), [[0, 'failed'], [1, 'failed'], [2, 'waiting'], [3, 'waiting']]);
    assert.deepEqual(after[3].params, { x: 3 });
  }));

  test(`${kind}: runWorker runs to the budget, and a second one resumes and retries a dead worker's trial`, () => withStores(1, async (s) => {
    const st = await s.createStudy(uniq('resume'), 'minimize', {});
    const asked: number[] = [];
    const base = { storage: s, study: st, space: SPACE, seed: 7, objective: quadratic() };
    assert.deepEqual(await runWorker({ ...base, sampler: uniformSampler(asked), trials: 4 }), { ran: 4 });
    const first = await s.listTrials(st.id);
    assert.deepEqual(first.map((t) => [t.number, t.state]), [[0, 'complete'], [1, 'complete'], [2, 'complete'], [3, 'complete']]);
    for (const t of first) {
      assert.equal(t.value, (Number(t.params.x) - 1) ** 2);
      assert.deepEqual([...t.intermediate.keys()], [1, 2, 3]);
      assert.equal(t.intermediate.get(3), t.value);
    }
    // A worker that dies mid-trial: its trial stays running and its heartbeat stops.
    const dead = (await s.reserveTrial(st.id, 'gone:1', 6))!;
    await s.setTrialParams(dead.id, { x: 0.5 });
    const done: number[] = [];
    const second = await runWorker({
      ...base, sampler: uniformSampler(asked), trials: 6, heartbeatMs: 50, staleMs: 300, onTrial: (t) => done.push(t.number),
    });
    // It runs one new trial and, once the dead one's heartbeat is stale, its copy (in either order:
    // waiting for the dead trial to go stale if the new one finishes first).
    assert.deepEqual(second, { ran: 2 });
    assert.deepEqual(done.sort(), [5, 6]);
    const all = await s.listTrials(st.id);
    assert.deepEqual(all.map((t) => [t.number, t.state]),
      [[0, 'complete'], [1, 'complete'], [2, 'complete'], [3, 'complete'], [4, 'failed'], [5, 'complete'], [6, 'complete']]);
    for (const t of first) assert.equal(all[t.number].finishedAt, t.finishedAt); // not redone
    const copy = all[all[4].retriedAs!];
    const fresh = all[11 - copy.number];
    assert.deepEqual(copy.params, { x: 0.5 });
    assert.equal(copy.value, 0.25);
    assert.deepEqual(asked, [0, 1, 2, 3, fresh.number]);
    // Parameters are seeded by study seed and trial number: a new study with seed 7 asks the same.
    const twin = await s.createStudy(uniq('twin'), 'minimize', {});
    await runWorker({ ...base, study: twin, sampler: uniformSampler(), trials: 2 });
    assert.deepEqual((await s.listTrials(twin.id)).map((t) => t.params), first.slice(0, 2).map((t) => t.params));
  }));

  test(`${kind}: runWorker prunes (never at the last step), fails errors and NaN, and still ends at the budget`, () => withStores(1, async (s) => {
    const st = await s.createStudy(uniq('outcomes'), 'minimize', {});
    const xs = [1, 4, 2, 3, -1, -3];
    const sampler: Sampler = { name: 'fixed', sample: (ctx) => ({ x: xs[ctx.trialNumber] }) };
    const objective: Objective = async (params, trial) => {
      if (params.x === 2) throw new Error('diverged at epoch 1');
      if (params.x === 3) return NaN;
      if (params.x === -1) await trial.report(0.5, 1);
      if (params.x === -3) {
        // above the pruner's limit at step 2, but step 2 is the trial's last: it completes
        await trial.report(1, 30);
        await trial.report(2, 25, true);
        return 25;
      }
      return quadratic()(params, trial);
    };
    const done: string[] = [];
    const res = await runWorker({
      storage: s, study: st, space: SPACE, sampler, pruner: thresholdPruner(5, 2), trials: 6, seed: 1, objective,
      onTrial: (t) => done.push(`${t.number}:${t.state}`),
    });
    assert.deepEqual(res, { ran: 6 });
    assert.deepEqual(done, ['0:complete', '1:pruned', '2:failed', '3:failed', '4:failed', '5:complete']);
    const [ok, pruned, err, nan, badStep, finished] = await s.listTrials(st.id);
    assert.equal(finished.value, 25);
    assert.equal(ok.value, 0);
    // x = 4: step 1 reports 9 + 2 = 11, step 2 reports 10 > 5: pruned there, keeping 10.
    assert.equal(pruned.value, 10);
    assert.deepEqual(pruned.intermediate, new Map([[1, 11], [2, 10]]));
    assert.equal(err.error, 'diverged at epoch 1');
    assert.match(nan.error!, /objective returned NaN/);
    assert.equal(badStep.error, 'trial 4: report step must be a whole number ≥ 0, got 0.5');
    assert.ok([ok, pruned, err, nan].every((t) => t.heartbeatAt && t.finishedAt));
  }));
}
