import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { synthesizeCorpus } from '../../src/data/synth.js';
import { scanDataset } from '../../src/data/audio_datasets.js';
import { losoFolds, runLoso } from '../../src/train/loso.js';
import { parseVariation, resolveConfig } from '../../src/config.js';
import { extractAll } from '../../src/data/features.js';
import { classificationReport } from '../../src/train/metrics.js';
import { loadTrainedModel } from '../../src/train/predict.js';
import { readCheckpointMeta } from '../../src/train/checkpoint.js';
import { evaluate } from '../../src/train/trainer.js';

test('leave-one-speaker-out: each fold tests one speaker it never trained or validated on; extra data only trains', async () => {
  const data = mkdtempSync(join(tmpdir(), 'specnet-loso-data-'));
  await synthesizeCorpus({ out: data, speakers: 3, repetitions: 2, sampleRate: 8000, seed: 4, femaleFraction: 0.34 });
  const extra = mkdtempSync(join(tmpdir(), 'specnet-loso-extra-'));
  await synthesizeCorpus({ out: extra, speakers: 1, repetitions: 1, sampleRate: 8000, seed: 9, femaleFraction: 0 });
  const ds = scanDataset(data);
  const extraRecs = scanDataset(extra).recordings.map((r) => ({ ...r, speaker: `x${r.speaker}` }));
  const folds = losoFolds(ds, extraRecs);
  assert.deepEqual(folds.map((f) => f.speaker), ['01', '02', '03']);
  for (const f of folds) {
    assert.equal(f.test.length, 20, 'all of the speaker\'s recordings are tested');
    assert.ok(f.test.every((r) => r.speaker === f.speaker));
    assert.ok([...f.train, ...f.validation].every((r) => r.speaker !== f.speaker), `${f.speaker} never trains or validates`);
    assert.ok(f.validation.every((r) => r.repetition % 10 === 0) && f.validation.length === 20, 'repetition 0 of the 2 other speakers validates');
    assert.equal(f.train.length, 20 + 10, 'the other speakers\' repetition 1 and every extra recording train');
    assert.ok(extraRecs.every((r) => f.train.includes(r)));
  }

  const out = mkdtempSync(join(tmpdir(), 'specnet-loso-'));
  const c = resolveConfig({ overrides: [{ models: ['mlp', 'lenet5'], epochs: [1, 1], train: { batchSize: 8 }, seed: 0 }] });
  const seen: string[] = [];
  const r = await runLoso(c, { data, extra, out, speakers: ['01', '03'], runs: ['mlp-raw-noaug', 'lenet5-bilateral-specaugment'], onRunStart: (s, run) => seen.push(`${s}:${run}`) });
  assert.deepEqual(seen, ['01:mlp-raw-noaug', '01:lenet5-bilateral-specaugment', '03:mlp-raw-noaug', '03:lenet5-bilateral-specaugment']);
  assert.deepEqual(r.speakers, ['01', '03']);
  for (const run of r.runs) for (const s of ['01', '03']) {
    const f1 = run.folds[s].test?.macroF1;
    assert.ok(f1 !== undefined && f1 >= 0 && f1 <= 1, `${run.name} on ${s}`);
    assert.ok(existsSync(join(out, s, run.name, 'best.safetensors')));
  }
  const md = readFileSync(join(out, 'loso.md'), 'utf8');
  assert.match(md, /\| run \| 01 \| 03 \| mean \| worst \|/);
  assert.equal(md.split('\n').filter((l) => /^\| (mlp|lenet5)-/.test(l)).length, 2);
  const json = JSON.parse(readFileSync(join(out, 'loso.json'), 'utf8'));
  assert.equal(json.runs[0].folds['01'].testMacroF1, r.runs[0].folds['01'].test?.macroF1);
  // the fold's confusion matrix (rows: true digit) and per-class F1 are kept, to see which digits a voice loses
  const fold = json.runs[0].folds['01'];
  assert.deepEqual(fold.testConfusion, r.runs[0].folds['01'].test?.confusion);
  assert.equal(fold.testConfusion.flat().reduce((a: number, b: number) => a + b, 0), 20, 'one count per test recording of speaker 01 (10 digits × 2 repetitions)');
  assert.deepEqual(fold.testF1PerClass, r.runs[0].folds['01'].test?.f1);

  await assert.rejects(runLoso(c, { data, out, speakers: ['nobody'] }), /no speaker 'nobody' \(speakers: 01, 02, 03\)/);
  await assert.rejects(runLoso(c, { data, out, runs: ['lenet5-raw'] }), /unknown run 'lenet5-raw'/);
});

test('leave-one-speaker-out with several seeds judges the mean of their probabilities', async () => {
  const data = mkdtempSync(join(tmpdir(), 'specnet-loso-seeds-data-'));
  await synthesizeCorpus({ out: data, speakers: 3, repetitions: 2, sampleRate: 8000, seed: 5, femaleFraction: 0.34 });
  const out = mkdtempSync(join(tmpdir(), 'specnet-loso-seeds-'));
  const c = resolveConfig({ overrides: [{ models: ['mlp', 'lenet5'], epochs: [2, 1], train: { batchSize: 8 }, seed: 0 }] });
  const seen: string[] = [];
  const r = await runLoso(c, { data, out, speakers: ['02'], runs: ['mlp-raw-noaug'], seeds: [3, 4], onRunStart: (s, run, i, n) => seen.push(`${s}:${run}:${i}/${n}`) });
  assert.deepEqual(seen, ['02:mlp-raw-noaug, seed 3:0/2', '02:mlp-raw-noaug, seed 4:1/2']);
  const paths = [3, 4].map((s) => join(out, '02', 'mlp-raw-noaug', `seed${s}`, 'best.safetensors'));
  assert.ok(paths.every((p) => existsSync(p)));
  const fold = r.runs[0].folds['02'];
  assert.equal(fold.test?.macroF1, await ensembleF1(data, '02', paths), 'the mean of the two checkpoints\' probabilities');
  const json = JSON.parse(readFileSync(join(out, 'loso.json'), 'utf8'));
  assert.deepEqual(json.runs[0].folds['02'].members, ['seed 3', 'seed 4']);
  assert.equal(json.runs[0].folds['02'].memberMacroF1.length, 2);
  assert.match(readFileSync(join(out, 'loso.md'), 'utf8'), /mean of 2 models' class probabilities \(seeds 3, 4\)/);
});

/** The macro F1 on one speaker of the mean of some checkpoints' class probabilities, computed here from the files. */
async function ensembleF1(data: string, speaker: string, paths: string[]): Promise<number> {
  const recs = scanDataset(data).recordings.filter((x) => x.speaker === speaker);
  const models = paths.map((p) => loadTrainedModel(p));
  const set = await extractAll(recs, models[0].features);
  const d = { images: set.images, labels: set.labels };
  const probs = models.map((m) => evaluate(m.model, d, 64, 64, 10).probabilities);
  assert.notDeepEqual(probs[0], probs[1], 'different members, different models');
  const predictions = Int32Array.from(set.labels, (_, i) => {
    const p = Array.from({ length: 10 }, (_, k) => probs.reduce((t, q) => t + q[i * 10 + k], 0));
    return p.indexOf(Math.max(...p));
  });
  return classificationReport(set.labels, predictions, 10).macroF1;
}

test('leave-one-speaker-out with --vary: one ensemble of models trained with each value of a setting', async () => {
  const data = mkdtempSync(join(tmpdir(), 'specnet-loso-vary-data-'));
  await synthesizeCorpus({ out: data, speakers: 3, repetitions: 2, sampleRate: 8000, seed: 6, femaleFraction: 0.34 });
  const out = mkdtempSync(join(tmpdir(), 'specnet-loso-vary-'));
  const c = resolveConfig({ overrides: [{ models: ['mlp', 'lenet5'], epochs: [2, 1], train: { batchSize: 8 }, seed: 0 }] });
  const vary = parseVariation('noise.copies=[0,1]');
  assert.deepEqual(vary, { key: 'noise.copies', values: [0, 1] });
  const seen: string[] = [];
  const r = await runLoso(c, { data, out, speakers: ['03'], runs: ['mlp-raw-noaug'], vary, onRunStart: (s, run, i, n) => seen.push(`${s}:${run}:${i}/${n}`) });
  assert.deepEqual(seen, ['03:mlp-raw-noaug, noise.copies=0:0/2', '03:mlp-raw-noaug, noise.copies=1:1/2']);
  const paths = ['noise.copies=0', 'noise.copies=1'].map((v) => join(out, '03', 'mlp-raw-noaug', v, 'best.safetensors'));
  // the member with noise.copies=1 trained on a noisy copy of each training recording as well, the other did not
  const trainSpeakers = paths.map((p) => (readCheckpointMeta(p).speakers as { train: string[] }).train);
  assert.deepEqual(trainSpeakers[0], ['01', '02']);
  assert.deepEqual(trainSpeakers[1], ['01', '01~noise1', '02', '02~noise1']);
  const fold = r.runs[0].folds['03'];
  assert.deepEqual(fold.members, ['noise.copies=0', 'noise.copies=1']);
  assert.equal(fold.test?.macroF1, await ensembleF1(data, '03', paths));
  assert.match(readFileSync(join(out, 'loso.md'), 'utf8'), /mean of 2 models' class probabilities \(noise\.copies 0, 1\)/);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'loso.json'), 'utf8')).vary, vary);

  assert.throws(() => parseVariation('noise.copies=1'), /expected a list of at least 2 values, e.g. noise\.copies=\[0,1\]/);
  assert.throws(() => parseVariation('models=[[mlp,lenet5],[mlp,resnet14]]'), /only settings under train, features, noise, epochs can vary, not 'models'/);
  assert.throws(() => parseVariation('noise.copies=[0,-1]'), /--vary noise\.copies: noise\.copies:/);
  assert.throws(() => parseVariation('noise.copies=[1,1]'), /the values repeat/);
});
