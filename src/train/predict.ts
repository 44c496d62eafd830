import { DEFAULT_FEATURES, fileFeatures, normalizeBySpeaker, type FeatureConfig } from '../audio/features.js';
import { scanDataset } from '../data/audio_datasets.js';
import { extractAll } from '../data/features.js';
import { createModel, type ModelOptions } from '../models/registry.js';
import type { Module } from '../nn/module.js';
import { tensor } from '../tensor/create.js';
import { loadCheckpoint, readCheckpointMeta } from './checkpoint.js';
import { CheckpointError } from './safetensors.js';
import { errorMessage } from '../util/fs.js';
import { adaptToSpeaker } from './adapt.js';
import { evaluate } from './trainer.js';
import { argmaxRows, type ClassificationReport } from './metrics.js';

export interface LoadedModel {
  model: Module; features: FeatureConfig; classes: string[]; name: string;
  /** Trained with train.adaptBatchNorm: batch norm is adapted to the recordings being predicted (AdaBN). */
  adaptBatchNorm: boolean;
  /** Trained with train.adaptWarp: the recordings being predicted are frequency-warped by the factor chosen for them (test-time VTLN). */
  adaptWarp: boolean;
}

/** A trained model with the preprocessing it was trained on, from a checkpoint. */
export function loadTrainedModel(path: string): LoadedModel {
  const meta = readCheckpointMeta(path);
  const features = meta.features as FeatureConfig | undefined;
  const classes = meta.classes as string[] | undefined;
  if (!features || !classes) throw new CheckpointError(`${path}: the checkpoint has no preprocessing settings or class names (not made by specnet train)`);
  const full = { ...DEFAULT_FEATURES, ...features };
  const o = (meta.modelOptions ?? {}) as ModelOptions;
  // what the model was built for must be what the preprocessing makes
  if (o.numClasses !== undefined && o.numClasses !== classes.length) throw new CheckpointError(`${path}: checkpoint metadata: modelOptions.numClasses is ${o.numClasses}, but it names ${classes.length} classes`);
  const size = typeof o.inputSize === 'number' ? [o.inputSize, o.inputSize] : o.inputSize;
  if (size && (size[0] !== full.height || size[1] !== full.width)) throw new CheckpointError(`${path}: checkpoint metadata: modelOptions.inputSize is [${size.join(', ')}], but features make ${full.height}×${full.width} images`);
  let model: Module;
  try { model = createModel(meta.model, o); } catch (e) {
    throw new CheckpointError(`${path}: checkpoint metadata: modelOptions ${JSON.stringify(o)} do not build a ${meta.model} (${errorMessage(e)})`);
  }
  loadCheckpoint(path, model, meta.model);
  model.eval();
  // settings added since the checkpoint was written take their defaults (each new one is off by default)
  const config = meta.config as { adaptBatchNorm?: boolean; adaptWarp?: boolean } | undefined;
  return { model, features: full, classes, name: meta.model, adaptBatchNorm: config?.adaptBatchNorm === true, adaptWarp: config?.adaptWarp === true };
}

export interface Prediction { file: string; label: string; index: number; probabilities: Record<string, number> }

/**
 * Class probabilities of WAV files with the checkpoint's own preprocessing. A checkpoint trained
 * with features.speakerNorm normalises the files of one call together, as one speaker's: give
 * several recordings of the speaker (with one file, its own band means are subtracted). One
 * trained with train.adaptBatchNorm likewise adapts its batch norm to the files of one call,
 * and one trained with train.adaptWarp chooses one frequency warp for them.
 * A file that cannot be used throws (its message names it), or with `onUnusable` is reported there and left out.
 */
export async function predictFiles(m: LoadedModel, paths: string[], o: { onUnusable?: (file: string, message: string) => void } = {}): Promise<Prediction[]> {
  const { height, width } = m.features;
  // with onUnusable, a file that cannot be read is reported there and left out; without it, it throws
  const done: { file: string; image: Float32Array }[] = [];
  for (const file of paths) {
    try { done.push({ file, image: await fileFeatures(file, m.features) }); } catch (e) {
      if (!o.onUnusable) throw e;
      o.onUnusable(file, errorMessage(e));
    }
  }
  if (!done.length) return [];
  const files = done.map((d) => d.file);
  const images = new Float32Array(files.length * height * width);
  done.forEach((d, i) => images.set(d.image, i * height * width));
  if (m.features.speakerNorm) normalizeBySpeaker(images, height, width, files.map(() => 'speaker'));
  const x = adaptToSpeaker(m.model, images, height, width, m).images;
  const k = m.classes.length;
  const p = m.model.predict(tensor(x, [files.length, height, width, 1])).softmax(-1).toArray() as Float32Array;
  const best = argmaxRows(p, k);
  return files.map((file, i) => ({ file, label: m.classes[best[i]], index: best[i], probabilities: Object.fromEntries(m.classes.map((c, j) => [c, p[i * k + j]])) }));
}

/** Evaluate a checkpoint on every recording of a dataset folder (or only some speakers). */
export async function evaluateDataset(m: LoadedModel, root: string, o: { speakers?: string[]; cacheDir?: string } = {}): Promise<ClassificationReport & { loss: number; count: number; failed: number; failedFiles: { path: string; reason: string }[] }> {
  const ds = scanDataset(root);
  if (ds.classes.length !== m.classes.length) throw new CheckpointError(`${root}: ${ds.classes.length} classes, but the checkpoint was trained on ${m.classes.length}`);
  const recs = o.speakers ? ds.recordings.filter((r) => o.speakers!.includes(r.speaker)) : ds.recordings;
  if (recs.length === 0) throw new CheckpointError(`${root}: no recordings${o.speakers ? ` of speakers ${o.speakers.join(', ')}` : ''}`);
  const set = await extractAll(recs, m.features, { cacheDir: o.cacheDir });
  const d = { images: set.images, labels: set.labels, groups: set.kept.map((r) => r.speaker) };
  const { predictions: _p, probabilities: _q, ...r } = evaluate(m.model, d, m.features.height, m.features.width, m.classes.length, { adaptBatchNorm: m.adaptBatchNorm, adaptWarp: m.adaptWarp });
  void _p; void _q;
  return { ...r, count: set.labels.length, failed: set.failed.length, failedFiles: set.failed };
}
