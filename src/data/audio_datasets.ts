import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Generator } from '../tensor/random.js';
import type { NoiseSpec } from '../augment/noise.js';

/** One recording of a labelled dataset. */
export interface Recording {
  path: string;
  label: number;
  speaker: string;
  /** Repetition index within (speaker, label), when the layout has one. */
  repetition: number;
  /** Set on a noisy copy of the file (augment/noise.ts): the noise added to its samples before the features. */
  noise?: NoiseSpec;
}

export interface AudioDataset {
  layout: 'audiomnist' | 'fsdd' | 'folders';
  root: string;
  recordings: Recording[];
  /** Class names by label index (digits '0'…'9' for the digit layouts). */
  classes: string[];
  /** Files that were skipped, with the reason (names outside the layout). */
  skipped: { path: string; reason: string }[];
  /** Speaker metadata (AudioMNIST's audioMNIST_meta.txt: gender, age, accent …) when present. */
  speakers: Record<string, Record<string, string>>;
}

/** A dataset folder that cannot be used: names the folder and what is wrong. */
export class DatasetError extends Error {
  constructor(message: string) { super(message); this.name = 'DatasetError'; }
}

const DIGIT_NAME = /^(\d)_([A-Za-z0-9-]+)_(\d+)\.wav$/i;

function listWavs(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.wav')).sort();
}

/**
 * Find and scan a dataset folder. Layouts, tried in this order:
 * - AudioMNIST: `data/NN/{digit}_{speaker}_{rep}.wav` (root = the folder holding `data/`, or `data/` itself),
 *   optional `audioMNIST_meta.txt`;
 * - FSDD: `recordings/{digit}_{speaker}_{rep}.wav` (root = the folder holding `recordings/`, or it);
 * - label folders: `{label}/{file}.wav`, one sub-folder per class; the speaker is the part of the
 *   file name before the first '_' (or the whole name, so every file is its own speaker).
 * Files whose names do not fit the layout are skipped and listed in `skipped`.
 */
export function scanDataset(root: string): AudioDataset {
  if (!existsSync(root)) throw new DatasetError(`${root}: no such folder`);
  if (!statSync(root).isDirectory()) throw new DatasetError(`${root}: not a folder`);
  const dataDir = existsSync(join(root, 'data')) && statSync(join(root, 'data')).isDirectory() ? join(root, 'data') : root;
  const speakerDirs = readdirSync(dataDir).filter((d) => /^\d+$/.test(d) && statSync(join(dataDir, d)).isDirectory());
  if (speakerDirs.length > 0 && speakerDirs.some((d) => listWavs(join(dataDir, d)).some((f) => DIGIT_NAME.test(f)))) {
    return scanDigits('audiomnist', root, speakerDirs.sort().map((d) => join(dataDir, d)), readMeta(root, dataDir));
  }
  const rec = existsSync(join(root, 'recordings')) ? join(root, 'recordings') : root;
  if (listWavs(rec).some((f) => DIGIT_NAME.test(f))) return scanDigits('fsdd', root, [rec], {});
  const classDirs = readdirSync(root).filter((d) => statSync(join(root, d)).isDirectory() && listWavs(join(root, d)).length > 0).sort();
  if (classDirs.length > 0) return scanFolders(root, classDirs);
  throw new DatasetError(`${root}: no WAV files found (expected AudioMNIST data/NN/*.wav, FSDD recordings/*.wav, or one sub-folder of WAVs per class)`);
}

function scanDigits(layout: 'audiomnist' | 'fsdd', root: string, dirs: string[], speakers: AudioDataset['speakers']): AudioDataset {
  const recordings: Recording[] = [];
  const skipped: AudioDataset['skipped'] = [];
  for (const dir of dirs) {
    for (const f of listWavs(dir)) {
      const m = DIGIT_NAME.exec(f);
      if (!m) { skipped.push({ path: join(dir, f), reason: 'name is not {digit}_{speaker}_{repetition}.wav' }); continue; }
      recordings.push({ path: join(dir, f), label: Number(m[1]), speaker: m[2], repetition: Number(m[3]) });
    }
  }
  return { layout, root, recordings, classes: Array.from({ length: 10 }, (_, i) => String(i)), skipped, speakers };
}

function scanFolders(root: string, classDirs: string[]): AudioDataset {
  const recordings: Recording[] = [];
  classDirs.forEach((c, label) => {
    listWavs(join(root, c)).forEach((f, i) => {
      const stem = basename(f, '.wav');
      recordings.push({ path: join(root, c, f), label, speaker: stem.includes('_') ? stem.split('_')[0] : stem, repetition: i });
    });
  });
  return { layout: 'folders', root, recordings, classes: classDirs, skipped: [], speakers: {} };
}

/** AudioMNIST's audioMNIST_meta.txt: a JSON object of speaker id → {gender, age, accent, …}. */
function readMeta(root: string, dataDir: string): AudioDataset['speakers'] {
  for (const p of [join(dataDir, 'audioMNIST_meta.txt'), join(root, 'audioMNIST_meta.txt')]) {
    if (!existsSync(p)) continue;
    try {
      const raw = JSON.parse(readFileSync(p, 'utf8')) as Record<string, Record<string, unknown>>;
      return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([a, b]) => [a, String(b)]))]));
    } catch (e) { throw new DatasetError(`${p}: not valid JSON (${(e as Error).message})`); }
  }
  return {};
}

export interface Split {
  train: Recording[];
  validation: Recording[];
  test: Recording[];
  /** Which speakers went where. */
  speakers: { train: string[]; validation: string[]; test: string[] };
}

/**
 * Speaker-disjoint split: whole speakers go to train, validation or test, so a model is
 * judged on voices it never heard. Seeded; when speaker metadata has a gender, speakers are
 * dealt per gender so each part keeps the mix. Every part must contain every class.
 */
export function speakerDisjointSplit(ds: AudioDataset, fractions: { validation: number; test: number }, seed = 0): Split {
  const speakers = [...new Set(ds.recordings.map((r) => r.speaker))].sort();
  if (speakers.length < 3) throw new DatasetError(`${ds.root}: a speaker-disjoint split needs at least 3 speakers, found ${speakers.length}`);
  const g = new Generator(seed);
  const groups = new Map<string, string[]>();
  for (const s of speakers) {
    const key = ds.speakers[s]?.gender ?? '';
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const nTest = Math.max(1, Math.round(fractions.test * speakers.length));
  const nVal = Math.max(1, Math.round(fractions.validation * speakers.length));
  if (nTest + nVal >= speakers.length) throw new DatasetError(`${ds.root}: ${speakers.length} speakers are too few for ${nVal} validation and ${nTest} test speakers`);
  // shuffle within each gender, then deal the groups round-robin so every part gets the mix
  const byGroup = [...groups.values()].map((l) => g.shuffle([...l]) as string[]);
  const interleaved: string[] = [];
  for (let i = 0; interleaved.length < speakers.length; i++) for (const l of byGroup) if (i < l.length) interleaved.push(l[i]);
  const parts = { train: [] as string[], validation: [] as string[], test: [] as string[] };
  interleaved.forEach((s, i) => { (i < nTest ? parts.test : i < nTest + nVal ? parts.validation : parts.train).push(s); });
  const pick = (list: string[]) => ds.recordings.filter((r) => list.includes(r.speaker));
  const split: Split = { train: pick(parts.train), validation: pick(parts.validation), test: pick(parts.test), speakers: { train: parts.train.sort(), validation: parts.validation.sort(), test: parts.test.sort() } };
  for (const [name, recs] of Object.entries({ train: split.train, validation: split.validation, test: split.test })) {
    const have = new Set(recs.map((r) => r.label));
    const missing = ds.classes.filter((_, i) => !have.has(i));
    if (missing.length) throw new DatasetError(`${ds.root}: the ${name} speakers (${split.speakers[name as keyof Split['speakers']].join(', ')}) have no recordings of class ${missing.join(', ')}`);
  }
  return split;
}

/** Leave-one-speaker-out folds: for each speaker, test on them and train on everyone else. */
export function leaveOneSpeakerOut(ds: AudioDataset): { speaker: string; train: Recording[]; test: Recording[] }[] {
  const speakers = [...new Set(ds.recordings.map((r) => r.speaker))].sort();
  return speakers.map((s) => ({ speaker: s, train: ds.recordings.filter((r) => r.speaker !== s), test: ds.recordings.filter((r) => r.speaker === s) }));
}
