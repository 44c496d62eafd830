import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { synthesizeCorpus } from '../../src/data/synth.js';
import { runMatrix } from '../../src/train/matrix.js';
import { resolveConfig } from '../../src/config.js';

test('the 2 × 2 × 2 matrix trains 8 runs on one speaker-disjoint split and writes the comparison', async () => {
  const data = mkdtempSync(join(tmpdir(), 'specnet-matrix-data-'));
  await synthesizeCorpus({ out: data, speakers: 4, repetitions: 1, sampleRate: 8000, seed: 2, femaleFraction: 0.25 });
  const out = mkdtempSync(join(tmpdir(), 'specnet-matrix-'));
  const started: string[] = [];
  const c = resolveConfig({ overrides: [{ models: ['mlp', 'lenet5'], epochs: [1, 1], train: { batchSize: 8 }, seed: 0 }] });
  const r = await runMatrix(c, { data, out, onRunStart: (run) => started.push(run.name) });
  assert.equal(r.runs.length, 8);
  assert.deepEqual(started, [
    'mlp-raw-noaug', 'mlp-raw-specaugment', 'lenet5-raw-noaug', 'lenet5-raw-specaugment',
    'mlp-bilateral-noaug', 'mlp-bilateral-specaugment', 'lenet5-bilateral-noaug', 'lenet5-bilateral-specaugment',
  ]);
  for (const run of r.runs) {
    assert.ok(run.result.test && run.result.test.macroF1 >= 0 && run.result.test.macroF1 <= 1, run.name);
    assert.ok(existsSync(join(out, run.name, 'best.safetensors')), `${run.name} has a checkpoint`);
  }
  assert.equal(r.split.speakers.test.length, 1);
  const report = readFileSync(join(out, 'report.md'), 'utf8');
  assert.equal(report.split('\n').filter((l) => /^\| (mlp|lenet5)-/.test(l)).length, 8);
  assert.match(report, /\| lenet5 \| [+-]\d\.\d{4} \/ [+-]\d\.\d{4} \| [+-]\d\.\d{4} \/ [+-]\d\.\d{4} \|/);
  assert.ok(existsSync(join(out, 'cache')), 'features are cached once per filter');
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.equal((html.match(/<table class="cm">/g) ?? []).length, 8, 'a confusion matrix per run');
  assert.match(html, /uPlot/);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).models, ['mlp', 'lenet5']);
});
