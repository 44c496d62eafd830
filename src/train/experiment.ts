import { DEFAULT_BILATERAL, DEFAULT_FEATURES, type FeatureConfig } from '../audio/features.js';
import { scanDataset, speakerDisjointSplit, type AudioDataset, type Recording, type Split } from '../data/audio_datasets.js';
import { extractAll, type FeatureSet } from '../data/features.js';
import type { ImageData, TrainData } from './trainer.js';
import { noisyCopies, recordingKey, type NoiseOptions } from '../augment/noise.js';

export interface PrepareOptions {
  /** 'none' (raw log-mel images) or 'bilateral' (the filtered variant). */
  filter: 'none' | 'bilateral';
  features?: FeatureConfig;
  validation?: number;
  test?: number;
  seed?: number;
  cacheDir?: string;
  /** Noisy copies of the training recordings (none by default); validation and test stay clean. */
  noise?: NoiseOptions;
  onProgress?: (done: number, total: number) => void;
}

export interface PreparedData {
  data: TrainData;
  dataset: AudioDataset;
  split: Split;
  features: FeatureConfig;
  /** Files skipped by the scan (names outside the layout) and files that failed to decode. */
  skipped: { path: string; reason: string }[];
  failed: { path: string; reason: string }[];
}

/**
 * A dataset folder → speaker-disjoint train / validation / test image sets in one
 * feature variant (features computed in parallel, cached).
 * @example const p = await prepareData('data/synth', { filter: 'bilateral', cacheDir: 'runs/cache' });
 */
export async function prepareData(root: string, o: PrepareOptions): Promise<PreparedData> {
  const dataset = scanDataset(root);
  const split = speakerDisjointSplit(dataset, { validation: o.validation ?? 0.15, test: o.test ?? 0.15 }, o.seed ?? 0);
  const base = o.features ?? DEFAULT_FEATURES;
  const features: FeatureConfig = { ...base, bilateral: o.filter === 'bilateral' ? base.bilateral ?? DEFAULT_BILATERAL : null };
  const train = [...split.train, ...(o.noise ? noisyCopies(split.train, o.noise) : [])];
  const all = [...train, ...split.validation, ...split.test];
  const set = await extractAll(all, features, { cacheDir: o.cacheDir, onProgress: o.onProgress });
  const pick = imagesOf(set);
  return {
    data: { train: pick(train), validation: pick(split.validation), test: pick(split.test), height: features.height, width: features.width, numClasses: dataset.classes.length },
    dataset, split, features, skipped: dataset.skipped, failed: set.failed,
  };
}

/**
 * The files an experiment could not use, in words: how many were outside the layout and how many
 * failed (each failed file with its reason, the first `max`); null when there are none.
 */
export function describeUnusable(skipped: readonly { path: string; reason: string }[], failed: readonly { path: string; reason: string }[], max = 10): string | null {
  if (!skipped.length && !failed.length) return null;
  const lines = [`skipped ${skipped.length} file${skipped.length === 1 ? '' : 's'} outside the layout${skipped.length ? ` (first: ${skipped[0].path}: ${skipped[0].reason})` : ''}` +
    ` and ${failed.length} that could not be used${failed.length ? ':' : ''}`];
  for (const f of failed.slice(0, max)) lines.push(`  ${f.reason.startsWith(f.path) ? f.reason : `${f.path}: ${f.reason}`}`);
  if (failed.length > max) lines.push(`  … and ${failed.length - max} more`);
  return lines.join('\n');
}

/** A picker of the images of some recordings out of an extracted set (recordings that failed to decode are left out). */
export function imagesOf(set: FeatureSet): (recs: Recording[]) => ImageData {
  const size = set.height * set.width;
  const index = new Map(set.kept.map((r, i) => [recordingKey(r), i]));
  return (recs) => {
    const found = recs.flatMap((r) => { const k = index.get(recordingKey(r)); return k === undefined ? [] : [{ r, k }]; });
    const images = new Float32Array(found.length * size);
    found.forEach(({ k }, i) => images.set(set.images.subarray(k * size, (k + 1) * size), i * size));
    return { images, labels: Int32Array.from(found, ({ r }) => r.label), groups: found.map(({ r }) => r.speaker) };
  };
}
