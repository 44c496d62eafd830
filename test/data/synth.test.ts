import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readWav } from '../../src/audio/wav.js';
import { scanDataset } from '../../src/data/audio_datasets.js';
import createEspeak from '@echogarden/espeak-ng-emscripten';
import { L2_DIGITS, speakerSpec, synthesizeCorpus } from '../../src/data/synth.js';

const digest = (dir: string): string => {
  const h = createHash('sha256');
  for (const s of readdirSync(join(dir, 'data')).sort()) for (const f of readdirSync(join(dir, 'data', s)).sort()) h.update(readFileSync(join(dir, 'data', s, f)));
  return h.digest('hex');
};

test('the synthetic corpus: AudioMNIST layout, metadata, one rate, reproducible from its seed', async () => {
  const a = mkdtempSync(join(tmpdir(), 'specnet-synth-a-')), b = mkdtempSync(join(tmpdir(), 'specnet-synth-b-'));
  const o = { speakers: 2, repetitions: 1, sampleRate: 8000, seed: 5, femaleFraction: 0.5 };
  await synthesizeCorpus({ ...o, out: a });
  await synthesizeCorpus({ ...o, out: b });
  assert.equal(digest(a), digest(b), 'same seed, same bytes');
  const ds = scanDataset(a);
  assert.equal(ds.layout, 'audiomnist');
  assert.equal(ds.recordings.length, 20);
  assert.deepEqual(Object.keys(ds.speakers), ['01', '02']);
  const w = readWav(ds.recordings[0].path);
  assert.equal(w.sampleRate, 8000);
  assert.ok(w.samples.length > 2000 && Math.max(...w.samples.map(Math.abs)) > 0.1, 'a clip with sound in it');
  const c = mkdtempSync(join(tmpdir(), 'specnet-synth-c-'));
  await synthesizeCorpus({ ...o, seed: 6, out: c });
  assert.notEqual(digest(c), digest(a), 'another seed, other voices');
});

test('speakers differ in voice and channel, and the gender mix follows the fraction', () => {
  const specs = Array.from({ length: 60 }, (_, i) => speakerSpec(0, i, 0.2));
  const females = specs.filter((s) => s.gender === 'female').length;
  assert.ok(females >= 6 && females <= 20, `${females} female of 60`);
  assert.equal(new Set(specs.map((s) => `${s.pitchBase}|${s.formants.join(',')}|${s.accent}`)).size, 60, 'every voice is distinct');
  assert.ok(new Set(specs.map((s) => s.accent)).size >= 6, 'most accents are used');
  for (const s of specs) assert.ok(s.gender === 'female' ? s.pitchBase >= 150 : s.pitchBase <= 120);
});

test('Flite speakers: its voices with pitch and vocal-tract scale, taking turns with eSpeak, reproducible', async () => {
  const a = mkdtempSync(join(tmpdir(), 'specnet-synth-f-')), b = mkdtempSync(join(tmpdir(), 'specnet-synth-g-'));
  const o = { speakers: 2, repetitions: 1, sampleRate: 8000, seed: 3, femaleFraction: 0.5, engines: ['espeak', 'flite'] as const };
  const specs = await synthesizeCorpus({ ...o, engines: [...o.engines], out: a });
  await synthesizeCorpus({ ...o, engines: [...o.engines], out: b });
  assert.deepEqual(specs.map((s) => s.engine), ['espeak', 'flite']);
  assert.equal(digest(a), digest(b), 'same seed, same bytes');
  const meta = JSON.parse(readFileSync(join(a, 'audioMNIST_meta.txt'), 'utf8')) as Record<string, { origin: string }>;
  assert.match(meta['02'].origin, /^Flite voice (slt|awb|rms|kal16|kal), vocal tract ×\d\.\d\d/);
  for (let d = 0; d < 10; d++) {
    const w = readWav(join(a, 'data', '02', `${d}_02_0.wav`));
    assert.equal(w.sampleRate, 8000);
    assert.ok(w.samples.length > 0.3 * 8000 && Math.max(...w.samples.map(Math.abs)) > 0.1, `digit ${d}: a clip with sound in it`);
  }
  // flite voices: a woman's voice is slt or a man's voice moved up; every voice of 40 is distinct
  const fl = Array.from({ length: 40 }, (_, i) => speakerSpec(1, i, 0.3, 'flite'));
  assert.equal(new Set(fl.map((s) => `${s.accent}|${s.pitchBase}|${s.formants[0]}`)).size, 40);
  assert.ok(new Set(fl.map((s) => s.accent)).size >= 4, 'most Flite voices are used');
  for (const s of fl) {
    if (s.gender === 'female' && s.accent !== 'slt') assert.ok(s.formants[0] >= 110, `${s.id}: a man's voice made female has a shorter tract`);
    if (s.gender === 'male' && s.accent === 'slt') assert.ok(s.formants[0] <= 90, `${s.id}: slt made male has a longer tract`);
  }
});

test('non-native speakers (espeak-l2): each language\'s voice reads the respelt digits as ten distinct words with the English onsets', async () => {
  const m = await createEspeak();
  const w = new m.eSpeakNGWorker();
  for (const [voice, words] of Object.entries(L2_DIGITS)) {
    assert.equal(words.length, 10, voice);
    assert.equal(w.set_voice(voice, '', 0, 0, 0), 0, `eSpeak has ${voice}`);
    const ipa = words.map((x) => w.synthesize_ipa(x).ipa.trim().replace(/[ˈˌ_]/g, ''));
    assert.equal(new Set(ipa).size, 10, `${voice}: ${ipa.join(' ')}`);
    // two, four, five, nine begin as in English (Hindi's retroflex ʈ for /t/, as Indian English has it)
    assert.match(ipa[2], /^[tʈ]/, `${voice} two: ${ipa[2]}`);
    assert.match(ipa[4], /^f/, `${voice} four: ${ipa[4]}`);
    assert.match(ipa[5], /^f/, `${voice} five: ${ipa[5]}`);
    assert.match(ipa[9], /^n/, `${voice} nine: ${ipa[9]}`);
  }
  const out = mkdtempSync(join(tmpdir(), 'specnet-synth-l2-'));
  const specs = await synthesizeCorpus({ speakers: 2, repetitions: 1, sampleRate: 8000, seed: 4, femaleFraction: 0.5, engines: ['espeak-l2'], out });
  for (const s of specs) {
    assert.ok(s.accent in L2_DIGITS, s.accent);
    for (let d = 0; d < 10; d++) {
      const x = readWav(join(out, 'data', s.id, `${d}_${s.id}_0.wav`)).samples;
      assert.ok(x.length > 0.3 * 8000 && Math.max(...x.map(Math.abs)) > 0.1, `${s.accent} digit ${d}: a clip with sound in it`);
    }
  }
});
