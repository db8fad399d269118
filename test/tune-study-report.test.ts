import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { optimizationHistory, runningBest } from '../src/report/index.ts';
import type { StoredTrial } from '../src/store/study-types.ts';
import type { RunRecord } from '../src/store/types.ts';
import { parseSpace } from '../src/tune/space.ts';
import {
  bestTrial, epochsText, epochsTrained, historyText, presetTable, sortTrials, type TrialRow,
} from '../src/tune/study-report.ts';

function trial(number: number, state: StoredTrial['state'], value?: number, params: StoredTrial['params'] = {}, epochs = 0): StoredTrial {
  return {
    id: number + 100, studyId: 1, number, state, params, ...(value !== undefined ? { value } : {}),
    intermediate: new Map(Array.from({ length: epochs }, (_, i) => [i + 1, 0.5])),
  };
}

const run = (epochs: number, test?: number) =>
  ({ config: { epochs }, metrics: test === undefined ? {} : { test: { accuracy: test, loss: 1 - test } } }) as unknown as RunRecord;

test('sortTrials and bestTrial: complete best first, then pruned, then the rest by number; ties by number', () => {
  const trials = [trial(0, 'pruned', 0.9), trial(1, 'complete', 0.7), trial(2, 'failed'), trial(3, 'complete', 0.8), trial(4, 'complete', 0.7), trial(5, 'running')];
  const rows = trials.map((t) => ({ trial: t }));
  assert.deepEqual(sortTrials(rows, 'maximize').map((r) => r.trial.number), [3, 1, 4, 0, 2, 5]);
  assert.deepEqual(sortTrials(rows, 'minimize').map((r) => r.trial.number), [1, 4, 3, 0, 2, 5]);
  assert.equal(bestTrial(trials, 'maximize')!.number, 3, 'a pruned trial is never the best, whatever its last value');
  assert.equal(bestTrial(trials, 'minimize')!.number, 1);
  assert.equal(bestTrial([trial(0, 'pruned', 1)], 'maximize'), undefined);
});

test('runningBest and the history text: the best complete value so far, after each trial', () => {
  const trials = [trial(0, 'complete', 0.5), trial(1, 'pruned', 0.9), trial(2, 'complete', 0.7), trial(3, 'complete', 0.6)];
  assert.deepEqual(runningBest(trials.map((t) => ({ number: t.number, value: t.value!, pruned: t.state === 'pruned' }))), [[0, 0.5], [1, 0.5], [2, 0.7], [3, 0.7]]);
  assert.deepEqual(runningBest([{ number: 0, value: 3 }, { number: 1, value: 1 }, { number: 2, value: 2 }], 'minimize'), [[0, 3], [1, 1], [2, 1]]);
  assert.equal(historyText(trials, 'maximize').split('\n').slice(2).map((l) => l.trim().split(/\s+/).at(-1)).join(' '), '0.5000 0.5000 0.7000 0.7000');
  const png = PNG.sync.read(optimizationHistory(trials.map((t) => ({ number: t.number, value: t.value!, pruned: t.state === 'pruned' }))).toPNG());
  assert.deepEqual([png.width, png.height], [900, 460]);
  assert.throws(() => optimizationHistory([]), /no trials with a value/);
});

test('presetTable: columns, tuples of active parameters, scaling, and rows in the order of the choices', () => {
  const space = parseSpace({ act: ['relu', 'tanh'], opt: ['adam', 'sgd'], n: { type: 'int', low: 1, high: 2 }, u2: { type: 'int', low: 1, high: 9, when: { param: 'n', gte: 2 } } });
  const rows: TrialRow[] = [
    { trial: trial(0, 'complete', 0.8, { act: 'tanh', opt: 'adam', n: 1 }, 3), run: run(3, 0.91) },
    { trial: trial(1, 'complete', 0.7, { act: 'relu', opt: 'sgd', n: 2, u2: 4 }, 3), run: run(3, 0.9) },
    { trial: trial(2, 'pruned', 0.6, { act: 'relu', opt: 'adam', n: 1 }, 1), run: run(3) },
  ];
  const text = presetTable({
    title: 'T', sort: ['act', 'opt'],
    columns: [{ header: '', value: ['act', 'opt'] }, { header: 'layers', value: ['n', 'u2'] }, { header: 'test acc', value: 'test_accuracy', scale: 100, digits: 2 }],
  }, rows, space);
  assert.equal(text, [
    'T',
    '                  layers  test acc',
    '----------------  ------  --------',
    "('relu', 'adam')  (1)     pruned",
    "('relu', 'sgd')   (2, 4)  90.00",
    "('tanh', 'adam')  (1)     91.00",
  ].join('\n'));
  const byValue = presetTable({ columns: [{ header: 'trial', value: 'number' }, { header: 'v', value: 'value', digits: 1 }], sort: ['value'], descending: true }, rows, space);
  assert.deepEqual(byValue.split('\n').slice(2).map((l) => l.trim()), ['0  0.8', '1  0.7', '2  0.6']);
});

test('epochsTrained: the finished trials\' epochs against their runs\' configured epochs', () => {
  const rows: TrialRow[] = [
    { trial: trial(0, 'complete', 0.8, {}, 5), run: run(5) },
    { trial: trial(1, 'pruned', 0.6, {}, 2), run: run(5) },
    { trial: trial(2, 'running', undefined, {}, 1), run: run(5) },
  ];
  assert.deepEqual(epochsTrained(rows), { trained: 7, full: 10 });
  assert.equal(epochsText({ trained: 7, full: 10 }), 'epochs trained: 7 of 10 (pruning saved 30.0 %)');
  assert.equal(epochsText({ trained: 8, full: 8 }), 'epochs trained: 8 of 8');
  assert.equal(epochsTrained([{ trial: trial(0, 'failed') }]), undefined);
});
