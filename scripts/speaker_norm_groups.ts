/**
 * The group-size measurement of docs/EXPERIMENTS.md ("Speaker normalisation"): how many of a
 * speaker's recordings does a speaker-normalised checkpoint need at predict time? The speaker's
 * files are split into interleaved groups of n (group g holds files g, g+G, g+2G… of the sorted
 * list, so every group mixes the digits), each group is predicted as one call of predictFiles
 * (normalised together, as `specnet predict` does), and the accuracy over all files is printed per n.
 *
 *   node dist/scripts/speaker_norm_groups.js <checkpoint trained without the speaker> <dataset folder> <speaker>
 */
import { resolve } from 'node:path';
import { scanDataset } from '../src/data/audio_datasets.js';
import { loadTrainedModel, predictFiles } from '../src/train/predict.js';

const [checkpoint, data, speaker] = process.argv.slice(2);
if (!checkpoint || !data || !speaker) {
  console.error('usage: node dist/scripts/speaker_norm_groups.js <checkpoint> <dataset folder> <speaker>');
  process.exit(2);
}
const ds = scanDataset(resolve(data));
const recs = ds.recordings.filter((r) => r.speaker === speaker).sort((a, b) => a.path.localeCompare(b.path));
if (recs.length === 0) {
  console.error(`${data}: no recordings of speaker '${speaker}'`);
  process.exit(1);
}
const m = loadTrainedModel(resolve(checkpoint));
for (const n of [1, 5, 10, 50, recs.length]) {
  const groups = Math.ceil(recs.length / n);
  let right = 0;
  for (let g = 0; g < groups; g++) {
    const group = recs.filter((_, k) => k % groups === g);
    const predictions = await predictFiles(m, group.map((r) => r.path));
    predictions.forEach((p, k) => { if (p.index === group[k].label) right++; });
  }
  console.log(`${speaker}: groups of ${n} files: accuracy ${(right / recs.length).toFixed(4)}`);
}
