import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Generator } from '../../src/tensor/random.js';
import { DEFAULT_TRAIN, train, type ImageData, type TrainData } from '../../src/train/trainer.js';

/** Three classes of 16×16 images: a bright blob in one of three places, plus noise. */
function blobs(n: number, seed: number): ImageData {
  const g = new Generator(seed);
  const images = new Float32Array(n * 256), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    for (let p = 0; p < 256; p++) {
      const r = Math.floor(p / 16), col = p % 16;
      const inBlob = c === 0 ? r < 6 && col < 6 : c === 1 ? r > 9 && col > 9 : r > 9 && col < 6;
      images[i * 256 + p] = (inBlob ? 1 : 0) + 0.3 * g.normal();
    }
  }
  return { images, labels };
}
const data: TrainData = { train: blobs(96, 1), validation: blobs(30, 2), test: blobs(30, 3), height: 16, width: 16, numClasses: 3 };
const cfg = { ...DEFAULT_TRAIN, model: 'lenet5', modelOptions: { padding: 2 }, epochs: 4, batchSize: 16, lr: 3e-3 };

test('a run learns, keeps best and last checkpoints, and reports the best model on the test split', async () => {
  const out = mkdtempSync(join(tmpdir(), 'specnet-train-'));
  const epochs: number[] = [];
  const r = await train(cfg, data, { outDir: out, callbacks: { onEpoch: (e) => epochs.push(e.epoch) } });
  assert.equal(r.status, 'completed');
  assert.deepEqual(epochs, [1, 2, 3, 4]);
  assert.ok(existsSync(r.checkpoints.last) && existsSync(r.checkpoints.best));
  assert.ok(r.history[3].trainLoss < r.history[0].trainLoss, 'the loss falls');
  assert.ok(r.bestValMacroF1 > 0.9, `validation macro F1 ${r.bestValMacroF1}`);
  assert.ok(r.test && r.test.macroF1 > 0.9, `test macro F1 ${r.test?.macroF1}`);
  assert.ok(r.imagesPerSecond > 0 && r.parameters > 0);
});

test('stopping mid-run and resuming ends exactly where an uninterrupted run ends', async () => {
  const a = mkdtempSync(join(tmpdir(), 'specnet-train-a-')), b = mkdtempSync(join(tmpdir(), 'specnet-train-b-'));
  const augCfg = { ...cfg, augment: 'light' };
  const full = await train(augCfg, data, { outDir: a });
  let batches = 0;
  const first = await train(augCfg, data, { outDir: b, callbacks: { onBatch: () => { batches++; }, shouldStop: () => batches >= 9 } });
  assert.equal(first.status, 'stopped');
  assert.match(first.message!, /stopped during epoch 2 after batch 3; resume continues from there/);
  const resumed = await train(augCfg, data, { outDir: b, resume: true });
  assert.equal(resumed.status, 'completed');
  assert.deepEqual(resumed.history.map((e) => e.trainLoss), full.history.map((e) => e.trainLoss));
  assert.equal(resumed.test?.macroF1, full.test?.macroF1);
});

test('mixup trains on mixed batches, still learns, and resumes exactly (its random draws are in the checkpoint)', async () => {
  const mixCfg = { ...cfg, mixup: 0.4, epochs: 6 };
  const plain = await train({ ...cfg, epochs: 6 }, data, { outDir: mkdtempSync(join(tmpdir(), 'specnet-mix-0-')) });
  const a = mkdtempSync(join(tmpdir(), 'specnet-mix-a-')), b = mkdtempSync(join(tmpdir(), 'specnet-mix-b-'));
  const full = await train(mixCfg, data, { outDir: a });
  assert.notDeepEqual(full.history.map((e) => e.trainLoss), plain.history.map((e) => e.trainLoss), 'mixup changes what is trained on');
  assert.ok(full.test && full.test.macroF1 > 0.9, `test macro F1 ${full.test?.macroF1}`);
  let batches = 0;
  await train(mixCfg, data, { outDir: b, callbacks: { onBatch: () => { batches++; }, shouldStop: () => batches >= 9 } });
  const resumed = await train(mixCfg, data, { outDir: b, resume: true });
  assert.deepEqual(resumed.history.map((e) => e.trainLoss), full.history.map((e) => e.trainLoss));
});

test('a diverging loss stops the run with a clear message and keeps the last good checkpoint', async () => {
  const out = mkdtempSync(join(tmpdir(), 'specnet-train-nan-'));
  const r = await train({ ...cfg, optimizer: 'sgd', momentum: 0, lr: 1e6, schedule: 'none' }, data, { outDir: out });
  assert.equal(r.status, 'diverged');
  assert.match(r.message!, /the training loss became (NaN|Infinity|[0-9.e+]+) at epoch \d+, batch \d+ \(learning rate 1000000\); training stopped/);
  await assert.rejects(() => train({ ...cfg, model: 'resnet9000' }, data, { outDir: out }), /unknown model 'resnet9000'/);
  await assert.rejects(() => train(cfg, { ...data, validation: { images: new Float32Array(0), labels: new Int32Array(0) } }, { outDir: out }), /the validation split is empty/);
});
