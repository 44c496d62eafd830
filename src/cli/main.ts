#!/usr/bin/env node
/**
 * The `specnet` command: thin, each subcommand one call into the library.
 * (The training commands arrive with the training system.)
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { showSpectrograms } from '../audio/show.js';
import { SYNTH_DEFAULTS, synthesizeCorpus } from '../data/synth.js';
import { onInterrupt, Progress } from '../util/progress.js';

const int = (v: string): number => { const n = Number(v); if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer'); return n; };

const program = new Command('specnet').description('Spectrogram CNNs in TypeScript: data, training, tracking').showHelpAfterError();

program.command('synth')
  .description('synthesize a spoken-digit corpus (AudioMNIST layout) from eSpeak NG voices')
  .option('--out <dir>', 'output folder', 'data/synth')
  .option('--speakers <n>', 'number of synthetic speakers', int, SYNTH_DEFAULTS.speakers)
  .option('--repetitions <n>', 'repetitions of each digit per speaker', int, SYNTH_DEFAULTS.repetitions)
  .option('--sample-rate <hz>', 'sample rate of the files', int, SYNTH_DEFAULTS.sampleRate)
  .option('--seed <n>', 'seed (fixes every voice and every variation)', (v) => Number(v), SYNTH_DEFAULTS.seed)
  .option('--full', 'the AudioMNIST size: 60 speakers × 10 digits × 50 repetitions')
  .action(async (o: { out: string; speakers: number; repetitions: number; sampleRate: number; seed: number; full?: boolean }) => {
    const speakers = o.full ? 60 : o.speakers, repetitions = o.full ? 50 : o.repetitions;
    const bar = new Progress('synth', speakers * 10 * repetitions, { unit: 'files' });
    const stop = onInterrupt('stopping after this speaker (Ctrl-C again to quit now)');
    let last = 0;
    const specs = await synthesizeCorpus({
      out: resolve(o.out), speakers, repetitions, sampleRate: o.sampleRate, seed: o.seed, femaleFraction: SYNTH_DEFAULTS.femaleFraction,
      onProgress: (done) => { bar.tick(done - last); last = done; }, shouldStop: stop.stopRequested,
    });
    bar.stop();
    stop.dispose();
    const females = specs.filter((s) => s.gender === 'female').length;
    console.log(`${stop.stopRequested() ? 'stopped: ' : ''}${last} files in ${resolve(o.out)} (${specs.length} speakers, ${females} female), ${bar.rate().toFixed(0)} files/s`);
    if (stop.stopRequested()) process.exitCode = 130;
  });

program.command('show')
  .description('write PNGs of what the network sees for a recording: raw, bilateral and SpecAugment spectrograms')
  .argument('<wav...>', 'WAV files')
  .option('--out <dir>', 'output folder', 'runs/show')
  .option('--policy <name>', 'SpecAugment policy for the augmented picture', 'LD')
  .option('--seed <n>', 'seed of the augmentation', (v) => Number(v), 0)
  .action(async (files: string[], o: { out: string; policy: string; seed: number }) => {
    for (const f of files) {
      const r = await showSpectrograms(f, resolve(o.out), { policy: o.policy, seed: o.seed });
      console.log(`${f}: ${r.panel} (raw | bilateral | SpecAugment), ${r.raw}, ${r.bilateral}, ${r.augmented}`);
    }
  });

program.parseAsync().catch((e: Error) => {
  process.stderr.write(`specnet: ${e.message}\n`);
  process.exit(1);
});
