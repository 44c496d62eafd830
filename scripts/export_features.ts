/**
 * The images of the FSDD exploration (docs/EXPERIMENTS.md, "A PyTorch harness to rank ideas"):
 * specnet's default spectrogram images (minmax, no bilateral filter, no speaker normalisation) of
 * a real dataset and a synthetic one, for scripts/explore_fsdd.py to apply the variants to.
 *
 *   node dist/scripts/export_features.js <out folder> <fsdd folder> <synthetic data/ folder>
 *
 * Writes images.u16 (count × 64 × 64, value·65535 as little-endian uint16) and meta.json
 * (per image: corpus, speaker, label, repetition).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_FEATURES } from '../src/audio/features.js';
import { scanDataset } from '../src/data/audio_datasets.js';
import { extractAll } from '../src/data/features.js';
import { writeFileAtomic } from '../src/util/fs.js';

const [out, fsdd, synth] = process.argv.slice(2);
if (!out || !fsdd || !synth) {
  process.stderr.write('usage: export_features <out folder> <fsdd folder> <synthetic data/ folder>\n');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const meta: { corpus: string; speaker: string; label: number; rep: number }[] = [];
const parts: Float32Array[] = [];
for (const [corpus, dir] of [['fsdd', fsdd], ['synth', synth]] as const) {
  const set = await extractAll(scanDataset(dir).recordings, DEFAULT_FEATURES);
  for (const r of set.kept) meta.push({ corpus, speaker: `${corpus}:${r.speaker}`, label: r.label, rep: r.repetition });
  parts.push(set.images);
  process.stderr.write(`${corpus}: ${set.kept.length} images, ${set.failed.length} failed\n`);
}
const all = new Uint16Array(parts.reduce((n, p) => n + p.length, 0));
let at = 0;
for (const p of parts) for (const v of p) all[at++] = Math.round(v * 65535);
writeFileAtomic(join(out, 'images.u16'), Buffer.from(all.buffer));
writeFileAtomic(join(out, 'meta.json'), JSON.stringify(meta));
