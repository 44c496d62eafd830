/** Worker thread of extractAll(): features for a list of files, sent back in small batches. */
import { parentPort, workerData } from 'node:worker_threads';
import { extractFeatures, type FeatureConfig } from '../audio/features.js';
import { readWav } from '../audio/wav.js';

const { paths, config } = workerData as { paths: string[]; config: FeatureConfig };
const size = config.height * config.width;
let batch: { index: number; image?: Float32Array; error?: string }[] = [];
const flush = (): void => {
  const buffers = batch.filter((b) => b.image).map((b) => b.image!.buffer as ArrayBuffer);
  parentPort!.postMessage(batch, buffers);
  batch = [];
};
for (const [index, p] of paths.entries()) {
  try {
    const a = readWav(p);
    const image = await extractFeatures(a.samples, a.sampleRate, config);
    if (image.length !== size) throw new Error(`feature size ${image.length} ≠ ${size}`);
    batch.push({ index, image });
  } catch (e) {
    batch.push({ index, error: (e as Error).message });
  }
  if (batch.length >= 32) flush();
}
flush();
