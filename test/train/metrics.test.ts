import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { classificationReport, confusionMatrix } from '../../src/train/metrics.js';
import { assertClose } from '../helpers.js';

test('a hand-computed case', () => {
  // truth 0 0 1 1 1 2, predicted 0 1 1 1 0 2
  const r = classificationReport([0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 0, 2], 3);
  assert.deepEqual(r.confusion, [[1, 1, 0], [1, 2, 0], [0, 0, 1]]);
  assert.equal(r.accuracy, 4 / 6);
  assertClose(r.precision, [1 / 2, 2 / 3, 1]);
  assertClose(r.recall, [1 / 2, 2 / 3, 1]);
  assertClose(r.f1, [1 / 2, 2 / 3, 1]);
  assertClose([r.macroF1], [(1 / 2 + 2 / 3 + 1) / 3]);
  assertClose([r.weightedF1], [(2 * 0.5 + 3 * (2 / 3) + 1) / 6]);
  assert.deepEqual(r.support, [2, 3, 1]);
});

test('matches scikit-learn (zero_division=0), including a never-predicted and a never-occurring class', () => {
  const path = fileURLToPath(new URL('../../../test/fixtures/metrics.json', import.meta.url));
  const cases = JSON.parse(readFileSync(path, 'utf8')).cases as Record<string, never>[];
  assert.equal(cases.length, 4);
  for (const c of cases as unknown as { numClasses: number; truth: number[]; predicted: number[]; accuracy: number; precision: number[]; recall: number[]; f1: number[]; support: number[]; macroF1: number; weightedF1: number; confusion: number[][] }[]) {
    const r = classificationReport(c.truth, c.predicted, c.numClasses);
    assertClose([r.accuracy, r.macroF1, r.weightedF1], [c.accuracy, c.macroF1, c.weightedF1], { rtol: 1e-12, atol: 1e-12 }, 'summary');
    assertClose(r.precision, c.precision, { rtol: 1e-12, atol: 1e-12 }, 'precision');
    assertClose(r.recall, c.recall, { rtol: 1e-12, atol: 1e-12 }, 'recall');
    assertClose(r.f1, c.f1, { rtol: 1e-12, atol: 1e-12 }, 'f1');
    assert.deepEqual(r.support, c.support);
    assert.deepEqual(r.confusion, c.confusion);
  }
});

test('bad input names the problem', () => {
  assert.throws(() => confusionMatrix([0, 1], [0], 2), /2 labels but 1 predictions/);
  assert.throws(() => confusionMatrix([0, 5], [0, 1], 3), /label 5 or prediction 1 at index 1 is not a class in \[0, 3\)/);
});
