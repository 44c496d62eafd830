/** Worker thread of extractAll(): features for a list of files, sent back in small batches. */
import { parentPort, workerData } from 'node:worker_threads';
import { fileFeatures, type FeatureConfig } from '../audio/features.js';
import type { NoiseSpec } from '../augment/noise.js';
import { errorMessage } from '../util/fs.js';

const { items, config } = workerData as { items: { path: string; noise?: NoiseSpec }[]; config: FeatureConfig };
const size = config.height * config.width;
let batch: { index: number; image?: Float32Array; error?: string }[] = [];
const flush = (): void => {
  const buffers = batch.filter((b) => b.image).map((b) => b.image!.buffer as ArrayBuffer);
  parentPort!.postMessage(batch, buffers);
  batch = [];
};
for (const [index, { path, noise }] of items.entries()) {
  try {
    const image = await fileFeatures(path, config, { noise });
    if (image.length !== size) throw new Error(`feature size ${image.length} ≠ ${size}`);
    batch.push({ index, image });
  } catch (e) {
    batch.push({ index, error: errorMessage(e) });   // names the file (WavError, FeatureError)
  }
  if (batch.length >= 32) flush();
}
flush();
