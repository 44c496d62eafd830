/**
 * `npm run bench:audio`: the front end against torchaudio and OpenCV, side by side in one run.
 * - clips/s of WAV bytes → log-mel (n_fft 512, hop 128, 64 mels, 1 s at 16 kHz) → 64×64 image,
 *   one clip per call; ours on one thread and on all cores (worker threads), torchaudio in its best thread setting;
 * - images/s of the bilateral filter (d 9, σc 75, σs 75, float32, 0–255) at 224×224 and 64×64, against cv2.bilateralFilter.
 *   npm run bench:audio [-- --json] [-- --seconds 3]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { decodeWav, writeWav } from '../src/audio/wav.js';
import { DEFAULT_FEATURES, extractFeatures, melSpectrogram } from '../src/audio/features.js';
import { extractAll } from '../src/data/features.js';
import { bilateralFilter } from '../src/vision/bilateral.js';
import { Generator } from '../src/tensor/random.js';
import { readFileSync } from 'node:fs';
import { timed } from './timing.js';

const o = new Command('bench:audio').option('--json').option('--seconds <s>', 'time per measurement', (v) => Number(v), 2).parse().opts<{ json?: boolean; seconds: number }>();
const say = (s: string) => { if (!o.json) process.stderr.write(s + '\n'); };

const rate = (step: () => unknown) => timed(step, { seconds: o.seconds, warmupMs: 500 });

// a 1 s, 16 kHz test clip: a vowel-like harmonic tone with noise
const dir = mkdtempSync(join(tmpdir(), 'specnet-bench-'));
const wavPath = join(dir, 'clip16k.wav');
const g = new Generator(1);
writeWav(wavPath, Float32Array.from({ length: 16000 }, (_, i) => 0.3 * Math.sin(i * 0.05) * (0.5 + 0.5 * Math.sin(i * 0.0007)) + 0.2 * Math.sin(i * 0.15) + 0.01 * g.normal()), 16000);
const bytes = readFileSync(wavPath);
const cfg = { ...DEFAULT_FEATURES, sampleRate: 16000, nFft: 512, hopLength: 128, nMels: 64, trimDb: null, height: 64, width: 64 };

async function main(): Promise<void> {
  say('bench:audio: specnet…');
  const ours: Record<string, number> = {};
  ours.wav_mel_db_resize = await rate(async () => { const a = decodeWav(bytes); await extractFeatures(a.samples, a.sampleRate, cfg); });
  const samples = decodeWav(bytes).samples;
  ours.mel_only = await rate(() => melSpectrogram(samples, cfg));
  // all cores: worker threads over 12,000 copies of the clip (worker start-up included), a dataset-sized job
  const recs = Array.from({ length: 12000 }, (_, i) => ({ path: wavPath, label: 0, speaker: String(i), repetition: 0 }));
  const t0 = performance.now();
  await extractAll(recs, cfg, { jobs: availableParallelism() });
  ours.wav_mel_db_resize_all_cores = recs.length / ((performance.now() - t0) / 1000);
  const rng = new Generator(0);
  const i224 = Float32Array.from({ length: 224 * 224 }, () => rng.random() * 255), i64 = Float32Array.from({ length: 64 * 64 }, () => rng.random() * 255);
  ours.bilateral_224 = await rate(() => bilateralFilter(i224, 224, 224, { d: 9, sigmaColor: 75, sigmaSpace: 75 }));
  ours.bilateral_64 = await rate(() => bilateralFilter(i64, 64, 64, { d: 9, sigmaColor: 75, sigmaSpace: 75 }));

  const peer = new Map<string, { value: number; threads: number }>();
  for (const threads of [1, availableParallelism()]) {
    say(`bench:audio: torchaudio / OpenCV, ${threads} thread(s)…`);
    const r = spawnSync('/usr/bin/python3', [new URL('../../bench/audio_peer.py', import.meta.url).pathname, '--threads', String(threads), '--wav', wavPath, '--seconds', String(o.seconds)],
      { env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(threads) }, encoding: 'utf8' });
    if (r.status !== 0) { say(`bench:audio: peer failed (apt-get install python3-torchaudio python3-opencv): ${r.stderr.trim().split('\n').pop()}`); continue; }
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const row = JSON.parse(line) as { task: string; value: number; threads: number };
      if ((peer.get(row.task)?.value ?? 0) < row.value) peer.set(row.task, { value: row.value, threads: row.threads });
    }
  }
  const rows = Object.entries(ours).map(([task, v]) => {
    const p = peer.get(task.replace('_all_cores', ''));
    const peerName = task.startsWith('bilateral') ? 'OpenCV' : 'torchaudio';
    return { model: task, mode: task.startsWith('bilateral') ? 'images/s' : 'clips/s', ours: v, peer: p?.value ?? null, peer_name: p ? `${peerName} (${p.threads} thread${p.threads > 1 ? 's' : ''})` : null, ratio: p ? v / p.value : null };
  });
  if (o.json) { for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n'); return; }
  console.log(`\n${'task'.padEnd(30)} ${'unit'.padEnd(9)} ${'specnet'.padStart(9)} ${'peer'.padStart(9)} ${'ratio'.padStart(7)}  peer`);
  for (const r of rows) console.log(`${r.model.padEnd(30)} ${r.mode.padEnd(9)} ${r.ours.toFixed(0).padStart(9)} ${(r.peer?.toFixed(0) ?? '-').padStart(9)} ${(r.ratio ? r.ratio.toFixed(2) + '×' : '-').padStart(7)}  ${r.peer_name ?? ''}`);
}
main().catch((e: Error) => { process.stderr.write(`bench:audio: ${e.message}\n`); process.exit(1); });
