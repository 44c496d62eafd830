/**
 * The seed ensembles of docs/EXPERIMENTS.md: for each left-out speaker, the class
 * probabilities of the same configuration's best checkpoints from several
 * `specnet loso` runs (e.g. seeds 0, 1, 2) are averaged, each model with its own
 * preprocessing (and AdaBN when it was trained with train.adaptBatchNorm), and the
 * averaged prediction is scored by macro F1 on that speaker's recordings.
 *
 *   node dist/scripts/ensemble_loso.js [--checkpoint best|last] [--warp] <dataset folder> <run name> <loso out folder>...
 *
 * `--warp` applies test-time VTLN (train.adaptWarp, src/train/adapt.ts) to every model, each
 * choosing its own factor per speaker; a model trained with train.adaptWarp always does.
 * `--checkpoint last` scores each run's last epoch instead of its best-on-validation one. The run name
 * may be a comma-separated list, one per folder in order, to average different configurations
 * (e.g. `vgg9bn-raw-specaugment,vgg9bn-bilateral-specaugment /tmp/L_raw /tmp/L_bilateral`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scanDataset } from '../src/data/audio_datasets.js';
import { extractAll } from '../src/data/features.js';
import { tensor } from '../src/tensor/create.js';
import { adaptToSpeaker } from '../src/train/adapt.js';
import { meanProbabilityReport } from '../src/train/metrics.js';
import { loadTrainedModel } from '../src/train/predict.js';

const usage = (): never => {
  process.stderr.write('usage: ensemble_loso [--checkpoint best|last] [--warp] <dataset folder> <run name, e.g. lenet5bn-bilateral-specaugment, or one per folder, comma-separated> <loso out folder>...\n');
  process.exit(2);
};
const { values: { checkpoint, warp }, positionals: [data, run, ...outs] } = (() => {
  try { return parseArgs({ options: { checkpoint: { type: 'string', default: 'best' }, warp: { type: 'boolean', default: false } }, allowPositionals: true }); } catch { return usage(); }
})();
if (!data || !run || outs.length === 0 || (checkpoint !== 'best' && checkpoint !== 'last')) usage();
const runs = run.split(',');
if (runs.length !== 1 && runs.length !== outs.length) usage();
const ds = scanDataset(data);
const speakers = [...new Set(ds.recordings.map((r) => r.speaker))].sort();
const f1s: number[] = [];
for (const speaker of speakers) {
  const recs = ds.recordings.filter((r) => r.speaker === speaker);
  const probabilities: Float32Array[] = [];
  const alphas: number[] = [];
  let labels: Int32Array = new Int32Array(0);
  for (const [i, out] of outs.entries()) {
    const name = runs.length === 1 ? runs[0] : runs[i];
    const path = join(out, speaker, name, `${checkpoint}.safetensors`);
    if (!existsSync(path)) throw new Error(`${path}: no checkpoint (was ${out} made by specnet loso with --runs ${name}?)`);
    const m = loadTrainedModel(path);
    const { height: h, width: w } = m.features;
    const set = await extractAll(recs, m.features);
    labels = set.labels;
    const { images, alpha } = adaptToSpeaker(m.model, set.images, h, w, { adaptBatchNorm: m.adaptBatchNorm, adaptWarp: warp || m.adaptWarp });
    if (alpha !== null) alphas.push(alpha);
    probabilities.push(m.model.predict(tensor(images, [labels.length, h, w, 1])).softmax(-1).toArray() as Float32Array);
  }
  const f1 = meanProbabilityReport(labels, probabilities, ds.classes.length).macroF1;
  f1s.push(f1);
  process.stdout.write(`${speaker}\t${f1.toFixed(4)}${alphas.length ? `\twarps ${alphas.join(' ')}` : ''}\n`);
}
process.stdout.write(`mean\t${(f1s.reduce((a, b) => a + b, 0) / f1s.length).toFixed(4)}\n`);
