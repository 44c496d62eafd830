import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_FEATURES } from '../../src/audio/features.js';
import { DatasetError, leaveOneSpeakerOut, scanDataset, speakerDisjointSplit } from '../../src/data/audio_datasets.js';
import { extractAll } from '../../src/data/features.js';
import { fixtureWav } from '../audio/fixtures.js';

/** A tiny dataset in a given layout, made of copies of the fixture recording. */
function makeDataset(layout: 'audiomnist' | 'fsdd' | 'folders', speakers: string[], reps = 2): string {
  const root = mkdtempSync(join(tmpdir(), `specnet-${layout}-`));
  const src = fixtureWav('3_george_7.wav');
  for (const [si, s] of speakers.entries()) {
    for (let d = 0; d < 10; d++) {
      for (let r = 0; r < reps; r++) {
        const dir = layout === 'audiomnist' ? join(root, 'data', String(si + 1).padStart(2, '0')) : layout === 'fsdd' ? join(root, 'recordings') : join(root, `class${d}`);
        mkdirSync(dir, { recursive: true });
        const name = layout === 'folders' ? `${s}_${r}.wav` : `${d}_${layout === 'audiomnist' ? String(si + 1).padStart(2, '0') : s}_${r}.wav`;
        copyFileSync(src, join(dir, name));
      }
    }
  }
  return root;
}

test('scans AudioMNIST (with metadata), FSDD and label-folder layouts', () => {
  const am = makeDataset('audiomnist', ['a', 'b', 'c']);
  writeFileSync(join(am, 'data', 'audioMNIST_meta.txt'), JSON.stringify({ '01': { gender: 'male' }, '02': { gender: 'female' }, '03': { gender: 'male' } }));
  const a = scanDataset(am);
  assert.equal(a.layout, 'audiomnist');
  assert.equal(a.recordings.length, 60);
  assert.equal(a.speakers['02'].gender, 'female');
  const f = scanDataset(makeDataset('fsdd', ['george', 'lucas']));
  assert.equal(f.layout, 'fsdd');
  assert.deepEqual([...new Set(f.recordings.map((r) => r.speaker))], ['george', 'lucas']);
  assert.equal(f.recordings.find((r) => r.path.endsWith('7_lucas_1.wav'))!.label, 7);
  const l = scanDataset(makeDataset('folders', ['x', 'y']));
  assert.equal(l.layout, 'folders');
  assert.equal(l.classes.length, 10);
  assert.equal(l.classes[3], 'class3');
});

test('names outside the layout are skipped and counted; an empty or missing folder is one clear error', () => {
  const root = makeDataset('fsdd', ['george']);
  copyFileSync(fixtureWav('3_george_7.wav'), join(root, 'recordings', 'george-three.wav'));
  const ds = scanDataset(root);
  assert.equal(ds.skipped.length, 1);
  assert.match(ds.skipped[0].reason, /not \{digit\}_\{speaker\}_\{repetition\}\.wav/);
  const empty = mkdtempSync(join(tmpdir(), 'specnet-empty-'));
  assert.throws(() => scanDataset(empty), (e: Error) => e instanceof DatasetError && e.message.includes(`${empty}: no WAV files found`));
  assert.throws(() => scanDataset(join(empty, 'nope')), /nope: no such folder/);
});

test('speaker-disjoint splits: no speaker in two parts, seeded, every class everywhere, genders spread', () => {
  const speakers = Array.from({ length: 10 }, (_, i) => `s${i}`);
  const ds = scanDataset(makeDataset('fsdd', speakers, 1));
  const s1 = speakerDisjointSplit(ds, { validation: 0.2, test: 0.2 }, 1);
  const s2 = speakerDisjointSplit(ds, { validation: 0.2, test: 0.2 }, 1);
  const s3 = speakerDisjointSplit(ds, { validation: 0.2, test: 0.2 }, 2);
  assert.deepEqual(s1.speakers, s2.speakers);
  assert.notDeepEqual(s1.speakers, s3.speakers);
  const { train, validation, test: te } = s1.speakers;
  assert.equal(train.length + validation.length + te.length, 10);
  assert.equal(new Set([...train, ...validation, ...te]).size, 10);
  assert.equal(te.length, 2);
  for (const r of s1.test) assert.ok(te.includes(r.speaker));
  // gender metadata: each part gets both genders when possible
  ds.speakers = Object.fromEntries(speakers.map((s, i) => [s, { gender: i < 4 ? 'female' : 'male' }]));
  const sg = speakerDisjointSplit(ds, { validation: 0.2, test: 0.2 }, 3);
  for (const part of [sg.speakers.test, sg.speakers.validation]) assert.ok(part.some((s) => Number(s.slice(1)) < 4) && part.some((s) => Number(s.slice(1)) >= 4), `genders in ${part}`);
  assert.throws(() => speakerDisjointSplit(scanDataset(makeDataset('fsdd', ['a', 'b'])), { validation: 0.2, test: 0.2 }), /needs at least 3 speakers, found 2/);
  // a class missing for some speakers is named
  const broken = { ...ds, recordings: ds.recordings.filter((r) => !(r.label === 4 && sg.speakers.test.includes(r.speaker))) };
  assert.throws(() => speakerDisjointSplit(broken, { validation: 0.2, test: 0.2 }, 3), /the test speakers \(.*\) have no recordings of class 4/);
  const folds = leaveOneSpeakerOut(ds);
  assert.equal(folds.length, 10);
  for (const f of folds) assert.ok(f.test.every((r) => r.speaker === f.speaker) && f.train.every((r) => r.speaker !== f.speaker));
});

test('features: computed in parallel, cached by settings and files, bad files skipped and reported', async () => {
  const root = makeDataset('fsdd', ['george', 'lucas'], 1);
  writeFileSync(join(root, 'recordings', '5_lucas_9.wav'), 'not audio');
  const ds = scanDataset(root);
  const cacheDir = mkdtempSync(join(tmpdir(), 'specnet-cache-'));
  const cfg = { ...DEFAULT_FEATURES, height: 16, width: 16 };
  const a = await extractAll(ds.recordings, cfg, { cacheDir, jobs: 2 });
  assert.equal(a.fromCache, false);
  assert.equal(a.kept.length, 20);
  assert.equal(a.failed.length, 1);
  assert.match(a.failed[0].reason, /5_lucas_9.wav: not a WAV file/);
  assert.equal(a.images.length, 20 * 16 * 16);
  const b = await extractAll(ds.recordings, cfg, { cacheDir });
  assert.equal(b.fromCache, true);
  assert.deepEqual(b.images, a.images);
  assert.deepEqual(b.failed, a.failed);
  const c = await extractAll(ds.recordings, { ...cfg, nMels: 32 }, { cacheDir });
  assert.equal(c.fromCache, false, 'a changed setting never reuses the cache');
  assert.notEqual(c.key, a.key);
  // one worker or two: the same features (the native kernels keep per-thread state)
  const one = await extractAll(ds.recordings, { ...cfg, nMels: 32 }, { jobs: 1 });
  const two = await extractAll(ds.recordings, { ...cfg, nMels: 32 }, { jobs: 2 });
  assert.deepEqual(two.images, one.images);
  assert.deepEqual(c.images, one.images);
});
