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
import { setBackend, getBackend } from '../backend/index.js';
import { modelNames } from '../models/registry.js';
import { SPECAUGMENT_POLICIES } from '../augment/specaugment.js';
import { prepareData } from '../train/experiment.js';
import { DEFAULT_TRAIN, train, type TrainConfig } from '../train/trainer.js';
import { runMatrix } from '../train/matrix.js';
import { evaluateDataset, loadTrainedModel, predictFiles } from '../train/predict.js';

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

/** A progress bar per epoch, with the running loss, fed by the trainer's onBatch callback. */
function epochProgress(): (step: number, loss: number, batch: number, batches: number) => void {
  let bar: Progress | null = null;
  return (_step, loss, b, total) => {
    if (b === 1) bar = new Progress('  epoch', total, { unit: 'batches' });
    bar?.tick(1, { loss: loss.toFixed(3) });
    if (b === total) bar?.stop();
  };
}

const num = (v: string): number => { const n = Number(v); if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number'); return n; };
const choice = (name: string, known: string[]) => (v: string): string => {
  if (!known.includes(v)) throw new InvalidArgumentError(`unknown ${name} '${v}' (known: ${known.join(', ')})`);
  return v;
};

program.command('train')
  .description('train one model on a dataset folder (AudioMNIST, FSDD or label folders), speaker-disjoint split')
  .requiredOption('--data <dir>', 'dataset folder')
  .option('--model <name>', `model (${modelNames().join(', ')})`, choice('model', modelNames()), DEFAULT_TRAIN.model)
  .option('--filter <name>', 'spectrogram variant: none or bilateral', choice('filter', ['none', 'bilateral']), 'none')
  .option('--augment <policy>', `SpecAugment on training batches: none, specaugment (= LD), ${Object.keys(SPECAUGMENT_POLICIES).join(', ')}`, 'none')
  .option('--epochs <n>', 'epochs', int, DEFAULT_TRAIN.epochs)
  .option('--batch-size <n>', 'batch size', int, DEFAULT_TRAIN.batchSize)
  .option('--optimizer <name>', 'adam, adamw, sgd, rmsprop, adagrad', choice('optimizer', ['adam', 'adamw', 'sgd', 'rmsprop', 'adagrad']), DEFAULT_TRAIN.optimizer)
  .option('--lr <x>', 'learning rate', num, DEFAULT_TRAIN.lr)
  .option('--schedule <name>', 'none, cosine, step, exponential', choice('schedule', ['none', 'cosine', 'step', 'exponential']), DEFAULT_TRAIN.schedule)
  .option('--patience <n>', 'early stopping patience in epochs (0: off)', (v) => Number(v), DEFAULT_TRAIN.patience)
  .option('--seed <n>', 'seed of the split, initialisation, order and augmentation', (v) => Number(v), 0)
  .option('--out <dir>', 'run folder (checkpoints)', '')
  .option('--resume', 'continue from <out>/last.safetensors')
  .option('--backend <name>', 'reference or native')
  .option('--json', 'print the result as one JSON object')
  .action(async (o: { data: string; model: string; filter: 'none' | 'bilateral'; augment: string; epochs: number; batchSize: number; optimizer: TrainConfig['optimizer']; lr: number; schedule: TrainConfig['schedule']; patience: number; seed: number; out: string; resume?: boolean; backend?: string; json?: boolean }) => {
    if (o.backend) setBackend(o.backend);
    const augment = o.augment === 'specaugment' ? 'LD' : o.augment;
    if (augment !== 'none' && !(augment in SPECAUGMENT_POLICIES)) throw new Error(`unknown augmentation '${o.augment}' (known: none, specaugment, ${Object.keys(SPECAUGMENT_POLICIES).join(', ')})`);
    const out = resolve(o.out || `runs/${o.model}-${o.filter}-${o.augment}`);
    const log = (s: string) => { if (!o.json) process.stderr.write(s + '\n'); };
    let bar: Progress | null = null;
    const prepared = await prepareData(resolve(o.data), {
      filter: o.filter, seed: o.seed, cacheDir: resolve('runs/cache'),
      onProgress: (done, total) => { bar ??= new Progress('features', total, { unit: 'files' }); bar.update(done); },
    });
    (bar as Progress | null)?.stop();
    const { data, split } = prepared;
    log(`${prepared.dataset.layout} dataset: ${data.train.labels.length} train / ${data.validation.labels.length} validation / ${data.test!.labels.length} test images; ` +
      `speakers train ${split.speakers.train.length}, validation ${split.speakers.validation.join(',')}, test ${split.speakers.test.join(',')}; backend ${getBackend().name}`);
    if (prepared.skipped.length || prepared.failed.length) log(`skipped ${prepared.skipped.length} files outside the layout and ${prepared.failed.length} that failed to decode (first: ${[...prepared.skipped, ...prepared.failed][0].path}: ${[...prepared.skipped, ...prepared.failed][0].reason})`);
    const stop = onInterrupt('stopping after this batch and saving a resumable checkpoint (Ctrl-C again to quit now)');
    const r = await train({ ...DEFAULT_TRAIN, model: o.model, epochs: o.epochs, batchSize: o.batchSize, optimizer: o.optimizer, lr: o.lr, schedule: o.schedule, patience: o.patience, augment, seed: o.seed }, data, {
      outDir: out, resume: o.resume, meta: { features: prepared.features, classes: prepared.dataset.classes, speakers: split.speakers },
      callbacks: {
        shouldStop: stop.stopRequested,
        onBatch: epochProgress(),
        onEpoch: (e) => log(`epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)} acc ${(100 * e.trainAccuracy).toFixed(1)}%, validation loss ${e.valLoss.toFixed(4)} acc ${(100 * e.valAccuracy).toFixed(1)}% macro F1 ${e.valMacroF1.toFixed(4)}, ${e.seconds.toFixed(1)} s, ${Math.round(e.imagesPerSecond)} img/s`),
      },
    });
    stop.dispose();
    if (o.json) process.stdout.write(JSON.stringify({ ...r, run: out, speakers: split.speakers }) + '\n');
    else {
      if (r.message) log(r.message);
      if (r.test) log(`best epoch ${r.bestEpoch} (validation macro F1 ${r.bestValMacroF1.toFixed(4)}): test macro F1 ${r.test.macroF1.toFixed(4)}, accuracy ${(100 * r.test.accuracy).toFixed(2)}% on speakers ${split.speakers.test.join(', ')}`);
      log(`checkpoints: ${r.checkpoints.best}, ${r.checkpoints.last}`);
    }
    if (r.status === 'diverged') process.exitCode = 1;
    if (r.status === 'stopped') process.exitCode = 130;
  });

program.command('matrix')
  .description('the experiment: 2 models × raw/bilateral × without/with SpecAugment, compared by macro F1 on held-out speakers')
  .requiredOption('--data <dir>', 'dataset folder')
  .option('--models <a,b>', 'Model A and Model B', 'lenet5,resnet_small')
  .option('--epochs <n>', 'epochs per run (or a,b for each model)', '20,8')
  .option('--out <dir>', 'output folder (runs, cache, report.md)', 'runs/matrix')
  .option('--seed <n>', 'seed', (v) => Number(v), 0)
  .option('--backend <name>', 'reference or native')
  .option('--json', 'print the runs as JSON')
  .action(async (o: { data: string; models: string; epochs: string; out: string; seed: number; backend?: string; json?: boolean }) => {
    if (o.backend) setBackend(o.backend);
    const models = o.models.split(',');
    if (models.length !== 2 || models[0] === models[1]) throw new Error(`--models needs two different names (Model A,Model B), got '${o.models}'`);
    for (const m of models) choice('model', modelNames())(m);
    const ep = o.epochs.split(',').map(Number);
    if (ep.some((e) => !Number.isInteger(e) || e < 1)) throw new Error(`--epochs: '${o.epochs}' is not a positive integer or a pair`);
    const log = (s: string) => { if (!o.json) process.stderr.write(s + '\n'); };
    const stop = onInterrupt('stopping after this batch and saving a resumable checkpoint (Ctrl-C again to quit now)');
    let fbar: Progress | null = null;
    const t0 = performance.now();
    const r = await runMatrix({
      data: resolve(o.data), out: resolve(o.out), models: [models[0], models[1]], seed: o.seed,
      epochs: { [models[0]]: ep[0], [models[1]]: ep[1] ?? ep[0] },
      onFeatures: (filter, done, total) => { fbar ??= new Progress(`features (${filter})`, total, { unit: 'files' }); fbar.update(done); if (done === total) { fbar.stop(); fbar = null; } },
      onRunStart: (run, i, n) => log(`run ${i + 1}/${n}: ${run.name}`),
      onRunEnd: (run) => log(`  ${run.name}: test macro F1 ${(run.result.test?.macroF1 ?? NaN).toFixed(4)}, ${run.result.history.length} epochs in ${run.result.trainSeconds.toFixed(1)} s`),
      callbacks: {
        shouldStop: stop.stopRequested,
        onBatch: epochProgress(),
      },
    });
    stop.dispose();
    if (o.json) process.stdout.write(JSON.stringify(r.runs.map((x) => ({ name: x.name, model: x.model, filter: x.filter, augment: x.augment, testMacroF1: x.result.test?.macroF1, testAccuracy: x.result.test?.accuracy, epochs: x.result.history.length, trainSeconds: x.result.trainSeconds, parameters: x.result.parameters }))) + '\n');
    else process.stdout.write('\n' + r.report + `\nreport: ${resolve(o.out, 'report.md')} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
    if (r.stopped) process.exitCode = 130;
  });

program.command('predict')
  .description('classify WAV files with a trained checkpoint (using its own preprocessing)')
  .requiredOption('--checkpoint <file>', 'a best.safetensors or last.safetensors from specnet train')
  .argument('<wav...>', 'WAV files')
  .option('--json', 'one JSON object per file')
  .action(async (files: string[], o: { checkpoint: string; json?: boolean }) => {
    const m = loadTrainedModel(resolve(o.checkpoint));
    for (const p of await predictFiles(m, files)) {
      if (o.json) { process.stdout.write(JSON.stringify(p) + '\n'); continue; }
      const top = Object.entries(p.probabilities).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([c, v]) => `${c} ${(100 * v).toFixed(1)}%`).join(', ');
      console.log(`${p.file}: ${p.label}   (${top})`);
    }
  });

program.command('eval')
  .description('evaluate a checkpoint on a dataset folder (all recordings, or some speakers)')
  .requiredOption('--checkpoint <file>', 'a checkpoint from specnet train')
  .requiredOption('--data <dir>', 'dataset folder')
  .option('--speakers <list>', 'comma-separated speakers to evaluate on')
  .option('--json', 'print the report as JSON')
  .action(async (o: { checkpoint: string; data: string; speakers?: string; json?: boolean }) => {
    const m = loadTrainedModel(resolve(o.checkpoint));
    const r = await evaluateDataset(m, resolve(o.data), { speakers: o.speakers?.split(','), cacheDir: resolve('runs/cache') });
    if (o.json) { process.stdout.write(JSON.stringify(r) + '\n'); return; }
    console.log(`${r.count} recordings${r.failed ? ` (${r.failed} failed to decode)` : ''}: macro F1 ${r.macroF1.toFixed(4)}, accuracy ${(100 * r.accuracy).toFixed(2)}%, loss ${r.loss.toFixed(4)}`);
    console.log(`per-class F1: ${m.classes.map((c, i) => `${c} ${r.f1[i].toFixed(2)}`).join(', ')}`);
  });

program.parseAsync().catch((e: Error) => {
  process.stderr.write(`specnet: ${e.message}\n`);
  process.exit(1);
});
