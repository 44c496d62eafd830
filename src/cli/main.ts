#!/usr/bin/env node
/**
 * The `specnet` command: thin, each subcommand one call into the library.
 * (The training commands arrive with the training system.)
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { showSpectrograms } from '../audio/show.js';
import { SYNTH_DEFAULTS, SYNTH_ENGINES, synthesizeCorpus, type SynthEngine } from '../data/synth.js';
import { onInterrupt, Progress } from '../util/progress.js';
import { errorMessage } from '../util/fs.js';
import { setBackend, getBackend } from '../backend/index.js';
import { modelNames } from '../models/registry.js';
import { SPECAUGMENT_POLICIES } from '../augment/specaugment.js';
import { describeNoise } from '../augment/noise.js';
import { train, type TrainConfig } from '../train/trainer.js';
import { noiseFor, prepareFromConfig, runMatrix, runTrainConfig, trackedConfig, type MatrixResult } from '../train/matrix.js';
import { defaultRunsDir, init } from '../track/tracker.js';
import { bestRun } from '../train/report.js';
import { describeUnusable } from '../train/experiment.js';
import { ensembleOf, runLoso, sharedNoise } from '../train/loso.js';
import { MIN_TOKEN_LENGTH, startDashboard, type Dashboard } from '../track/server.js';
import { parseOverrides, parseVariation, resolveConfig, type ConfigInput, type SpecnetConfig } from '../config.js';
import { evaluateDataset, loadTrainedModel, predictFiles } from '../train/predict.js';

const int = (v: string): number => { const n = Number(v); if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer'); return n; };

const program = new Command('specnet').description('Spectrogram CNNs in TypeScript: data, training, tracking').showHelpAfterError('(add --help for usage)');

program.command('synth')
  .description('synthesize a spoken-digit corpus (AudioMNIST layout) from eSpeak NG and Flite voices')
  .option('--out <dir>', 'output folder', 'data/synth')
  .option('--speakers <n>', 'number of synthetic speakers', int, SYNTH_DEFAULTS.speakers)
  .option('--repetitions <n>', 'repetitions of each digit per speaker', int, SYNTH_DEFAULTS.repetitions)
  .option('--sample-rate <hz>', 'sample rate of the files', int, SYNTH_DEFAULTS.sampleRate)
  .option('--seed <n>', 'seed (fixes every voice and every variation)', (v) => Number(v), SYNTH_DEFAULTS.seed)
  .option('--engines <list>', `synthesizers, comma-separated; speakers take turns (${SYNTH_ENGINES.join(', ')})`, 'espeak')
  .option('--full', 'the AudioMNIST size: 60 speakers × 10 digits × 50 repetitions')
  .action(async (o: { out: string; speakers: number; repetitions: number; sampleRate: number; seed: number; engines: string; full?: boolean }) => {
    const full = resolveConfig({ profile: 'full' }).synth;
    const engines = o.engines.split(',').map((e) => e.trim()).filter(Boolean);
    const unknown = engines.filter((e) => !(SYNTH_ENGINES as readonly string[]).includes(e));
    if (unknown.length || !engines.length) throw new Error(`unknown synthesizer ${unknown.length ? `'${unknown.join("', '")}'` : '(none given)'} in --engines (known: ${SYNTH_ENGINES.join(', ')})`);
    await synthCommand({ out: resolve(o.out), speakers: o.full ? full.speakers : o.speakers, repetitions: o.full ? full.repetitions : o.repetitions, sampleRate: o.sampleRate, seed: o.seed, engines: engines as SynthEngine[] });
  });

/** Synthesize a corpus with a progress bar; Ctrl-C stops after the current speaker (exit code 130). */
async function synthCommand(o: { out: string; speakers: number; repetitions: number; sampleRate: number; seed: number; engines?: SynthEngine[]; quiet?: boolean }): Promise<void> {
  const bar = o.quiet ? null : new Progress('synth', o.speakers * 10 * o.repetitions, { unit: 'files' });
  const stop = onInterrupt('stopping after this speaker (Ctrl-C again to quit now)');
  let last = 0;
  const t0 = performance.now();
  const specs = await synthesizeCorpus({
    out: o.out, speakers: o.speakers, repetitions: o.repetitions, sampleRate: o.sampleRate, seed: o.seed, femaleFraction: SYNTH_DEFAULTS.femaleFraction, engines: o.engines,
    onProgress: (done) => { bar?.tick(done - last); last = done; }, shouldStop: stop.stopRequested,
  });
  bar?.stop();
  stop.dispose();
  const females = specs.filter((s) => s.gender === 'female').length;
  if (!o.quiet) process.stderr.write(`${stop.stopRequested() ? 'stopped: ' : ''}${last} files in ${o.out} (${specs.length} speakers, ${females} female), ${(last / ((performance.now() - t0) / 1000)).toFixed(0)} files/s\n`);
  if (stop.stopRequested()) process.exitCode = 130;
}

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

/** --config, --profile and --set: the settings file and overrides every experiment command takes. */
function withConfig(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'settings file, JSON or YAML (see docs/CONFIG.md); flags override it')
    .option('--profile <name>', 'quick (default) or full', choice('profile', ['quick', 'full']))
    .option('--set <key=value...>', 'override any setting, e.g. train.lr=0.003 features.nMels=40 (repeatable)');
}
interface TrackFlags { track: boolean; runsDir: string }
interface ConfigFlags { config?: string; profile?: 'quick' | 'full'; set?: string[] }
/** Profile ← file ← --set ← the command's own flags. */
function loadConfig(o: ConfigFlags, flags: ConfigInput): SpecnetConfig {
  const clean = JSON.parse(JSON.stringify(flags)) as ConfigInput;   // drop flags not given
  return resolveConfig({ file: o.config && resolve(o.config), profile: o.profile, overrides: [o.set ? parseOverrides(o.set) : {}, clean] });
}

withConfig(program.command('train')
  .description('train one model on a dataset folder (AudioMNIST, FSDD or label folders), speaker-disjoint split')
  .option('--data <dir>', 'dataset folder (or `data` in the config)')
  .option('--model <name>', `model (${modelNames().join(', ')}); default: the config's Model A`, choice('model', modelNames()))
  .option('--filter <name>', 'spectrogram variant: none or bilateral', choice('filter', ['none', 'bilateral']), 'none')
  .option('--augment <policy>', `SpecAugment on training batches: none, specaugment (the config's policy, LD by default), or a policy: ${Object.keys(SPECAUGMENT_POLICIES).filter((k) => k !== 'none').join(', ')}`, 'none')
  .option('--epochs <n>', 'epochs (default: the config\'s epochs for this model)', int)
  .option('--batch-size <n>', 'batch size', int)
  .option('--optimizer <name>', 'adam, adamw, sgd, rmsprop, adagrad', choice('optimizer', ['adam', 'adamw', 'sgd', 'rmsprop', 'adagrad']))
  .option('--lr <x>', 'learning rate', num)
  .option('--schedule <name>', 'none, cosine, step, exponential', choice('schedule', ['none', 'cosine', 'step', 'exponential']))
  .option('--patience <n>', 'early stopping patience in epochs (0: off)', (v) => Number(v))
  .option('--seed <n>', 'seed of the split, initialisation, order and augmentation', (v) => Number(v))
  .option('--out <dir>', 'run folder (checkpoints)', '')
  .option('--resume', 'continue from <out>/last.safetensors')
  .option('--cache-dir <dir>', 'the feature cache', 'runs/cache')
  .option('--backend <name>', 'reference or native')
  .option('--name <name>', 'run name in the tracker (default: model-filter-augment)')
  .option('--group <name>', 'run group in the tracker')
  .option('--runs-dir <dir>', 'the tracker\'s runs folder (specnet.db)', defaultRunsDir())
  .option('--no-track', 'do not record the run in the tracker')
  .option('--json', 'print the result as one JSON object'))
  .action(async (o: ConfigFlags & TrackFlags & { name?: string; group?: string; data?: string; model?: string; filter: 'none' | 'bilateral'; augment: string; epochs?: number; batchSize?: number; optimizer?: TrainConfig['optimizer']; lr?: number; schedule?: TrainConfig['schedule']; patience?: number; seed?: number; out: string; cacheDir: string; resume?: boolean; backend?: string; json?: boolean }) => {
    if (o.backend) setBackend(o.backend);
    const c = loadConfig(o, { data: o.data, seed: o.seed, train: { batchSize: o.batchSize, optimizer: o.optimizer, lr: o.lr, schedule: o.schedule, patience: o.patience } });
    if (!c.data) throw new Error('no dataset: give --data <dir> or set `data` in the config file');
    const model = o.model ?? c.models[0];
    const augName = o.augment === 'specaugment' ? c.train.specaugmentPolicy : o.augment;
    if (augName !== 'none' && !(augName in SPECAUGMENT_POLICIES)) throw new Error(`unknown augmentation '${o.augment}' (known: none, specaugment, ${Object.keys(SPECAUGMENT_POLICIES).join(', ')})`);
    const cfg = { ...runTrainConfig(c, model, 'none'), augment: augName, ...(o.epochs ? { epochs: o.epochs } : {}) };
    const out = resolve(o.out || `runs/${model}-${o.filter}-${o.augment}`);
    const log = (s: string) => { if (!o.json) process.stderr.write(s + '\n'); };
    const features = featureProgress(o.json);
    const prepared = await prepareFromConfig(c, resolve(c.data), o.filter, resolve(o.cacheDir), (done, total) => features(o.filter, done, total));
    const { data, split } = prepared;
    const noise = noiseFor(c);
    log(`${prepared.dataset.layout} dataset: ${data.train.labels.length} train${noise ? ` (with ${describeNoise(noise)})` : ''} / ${data.validation.labels.length} validation / ${data.test!.labels.length} test images; ` +
      `speakers train ${split.speakers.train.length}, validation ${split.speakers.validation.join(',')}, test ${split.speakers.test.join(',')}; backend ${getBackend().name}`);
    const unusable = describeUnusable(prepared.skipped, prepared.failed);
    if (unusable) log(unusable);
    const stop = onInterrupt('stopping after this batch and saving a resumable checkpoint (Ctrl-C again to quit now)');
    const run = o.track ? init({ dir: resolve(o.runsDir), name: o.name ?? `${model}-${o.filter}-${o.augment}`, group: o.group, config: trackedConfig(cfg, o.filter, resolve(c.data), prepared.features, split.speakers, noise) }) : undefined;
    if (run) log(`tracking as run ${run.id} in ${resolve(o.runsDir)} (specnet dashboard --runs-dir ${o.runsDir})`);
    const r = await train(cfg, data, {
      outDir: out, resume: o.resume, meta: { features: prepared.features, classes: prepared.dataset.classes, speakers: split.speakers }, run,
      callbacks: {
        shouldStop: stop.stopRequested,
        onBatch: o.json ? undefined : epochProgress(),
        onEpoch: (e) => log(`epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)} acc ${(100 * e.trainAccuracy).toFixed(1)}%, validation loss ${e.valLoss.toFixed(4)} acc ${(100 * e.valAccuracy).toFixed(1)}% macro F1 ${e.valMacroF1.toFixed(4)}, ${e.seconds.toFixed(1)} s, ${Math.round(e.imagesPerSecond)} img/s`),
      },
    });
    stop.dispose();
    const { testProbabilities: _q, ...figures } = r;
    void _q;
    if (o.json) process.stdout.write(JSON.stringify({ ...figures, run: out, speakers: split.speakers }) + '\n');
    else {
      if (r.message) log(r.message);
      if (r.test) log(`best epoch ${r.bestEpoch} (validation macro F1 ${r.bestValMacroF1.toFixed(4)}): test macro F1 ${r.test.macroF1.toFixed(4)}, accuracy ${(100 * r.test.accuracy).toFixed(2)}% on speakers ${split.speakers.test.join(', ')}`);
      const saved = [r.checkpoints.best, r.checkpoints.last].filter((f) => existsSync(f));
      log(saved.length ? `checkpoints: ${saved.join(', ')}` : 'no checkpoint was saved (no epoch finished)');
    }
    if (r.status === 'diverged') process.exitCode = 1;
    if (r.status === 'stopped') process.exitCode = 130;
  });

/** A tracker group named after the kind of experiment and the time it started, e.g. matrix-20261122-111009. */
const groupName = (kind: string) => `${kind}-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`;

/** A progress bar per feature variant, fed by the experiments' onFeatures callback (none with --json). */
function featureProgress(json?: boolean): (filter: string, done: number, total: number) => void {
  let bar: Progress | null = null;
  return (filter, done, total) => {
    if (json) return;
    bar ??= new Progress(`features (${filter})`, total, { unit: 'files' });
    bar.update(done);
    if (done === total) { bar.stop(); bar = null; }
  };
}

/** The matrix with progress on stderr; returns the result, prints the report (or JSON). */
async function matrixCommand(c: SpecnetConfig, data: string, o: { jobs: number; json?: boolean } & TrackFlags): Promise<MatrixResult> {
  const log = (s: string) => { if (!o.json) process.stderr.write(s + '\n'); };
  const stop = onInterrupt('stopping after this batch and saving a resumable checkpoint (Ctrl-C again to quit now)');
  const t0 = performance.now();
  log(`matrix: ${c.models.join(' and ')} × raw/bilateral × without/with SpecAugment (${c.train.specaugmentPolicy}), epochs ${c.epochs.join('/')}, data ${data}, ${o.jobs} job${o.jobs > 1 ? 's' : ''}, backend ${getBackend().name}`);
  const r = await runMatrix(c, {
    data, out: resolve(c.out), jobs: o.jobs,
    track: o.track ? { dir: resolve(o.runsDir), group: groupName('matrix') } : null,
    onFeatures: featureProgress(o.json),
    onUnusable: log,
    onRunStart: (run, i, n) => log(`run ${i + 1}/${n}: ${run.name}`),
    onRunEnd: (run) => log(`  ${run.name}: ${run.result.status}, test macro F1 ${(run.result.test?.macroF1 ?? NaN).toFixed(4)}, ${run.result.history.length} epochs in ${run.result.trainSeconds.toFixed(1)} s (${Math.round(run.result.imagesPerSecond)} img/s)`),
    callbacks: { shouldStop: stop.stopRequested, onBatch: o.json || o.jobs > 1 ? undefined : epochProgress() },
  });
  stop.dispose();
  const seconds = (performance.now() - t0) / 1000;
  if (o.json) process.stdout.write(JSON.stringify({
    seconds, split: r.split.speakers, report: { md: resolve(c.out, 'report.md'), html: resolve(c.out, 'report.html') },
    runs: r.runs.map((x) => ({ name: x.name, model: x.model, filter: x.filter, augment: x.augment, status: x.result.status, testMacroF1: x.result.test?.macroF1, testAccuracy: x.result.test?.accuracy, epochs: x.result.history.length, bestEpoch: x.result.bestEpoch, trainSeconds: x.result.trainSeconds, imagesPerSecond: x.result.imagesPerSecond, parameters: x.result.parameters, checkpoint: x.result.checkpoints.best })),
  }) + '\n');
  else process.stdout.write('\n' + r.report + `\nreport: ${resolve(c.out, 'report.md')} and ${resolve(c.out, 'report.html')} (${seconds.toFixed(0)} s)\n`);
  if (r.stopped) process.exitCode = 130;
  return r;
}

const matrixFlags = (cmd: Command) => withConfig(cmd
  .option('--models <a,b>', 'Model A and Model B (default: lenet5,resnet14)')
  .option('--epochs <n>', 'epochs per run, or a,b for Model A and Model B')
  .option('--out <dir>', 'output folder (runs, cache, report.md, report.html)')
  .option('--seed <n>', 'seed', (v) => Number(v))
  .option('--jobs <n>', 'runs trained at once (each in its own process, sharing the cores)', int, 1)
  .option('--backend <name>', 'reference or native')
  .option('--runs-dir <dir>', 'the tracker\'s runs folder (specnet.db)', defaultRunsDir())
  .option('--no-track', 'do not record the runs in the tracker')
  .option('--json', 'print the result as one JSON object'));
type MatrixFlags = ConfigFlags & TrackFlags & { data?: string; models?: string; epochs?: string; out?: string; seed?: number; jobs: number; backend?: string; json?: boolean };
function matrixConfig(o: MatrixFlags): SpecnetConfig {
  if (o.backend) setBackend(o.backend);
  const models = o.models?.split(',');
  if (models && models.length !== 2) throw new Error(`--models needs two names (Model A,Model B), got '${o.models}'`);
  const ep = o.epochs?.split(',').map(Number);
  if (ep && (ep.length > 2 || ep.some((e) => !Number.isInteger(e) || e < 1))) throw new Error(`--epochs: '${o.epochs}' is not a positive integer or a pair`);
  const c = loadConfig(o, { data: o.data, out: o.out, seed: o.seed, models: models as [string, string] | undefined, epochs: ep && [ep[0], ep[1] ?? ep[0]] });
  for (const m of c.models) if (!modelNames().includes(m)) throw new Error(`unknown model '${m}' (known: ${modelNames().join(', ')})`);
  return c;
}

matrixFlags(program.command('matrix')
  .description('the experiment: 2 models × raw/bilateral × without/with SpecAugment, compared by macro F1 on held-out speakers')
  .option('--data <dir>', 'dataset folder (or `data` in the config)'))
  .action(async (o: MatrixFlags) => {
    const c = matrixConfig(o);
    if (!c.data) throw new Error('no dataset: give --data <dir> or set `data` in the config file (specnet run synthesizes one)');
    await matrixCommand(c, resolve(c.data), o);
  });

matrixFlags(program.command('run')
  .description('the main job: synthesize the default corpus if it is missing, run the 8-run matrix on it, write the report')
  .option('--data <dir>', 'a real AudioMNIST, FSDD or label-folder dataset instead of the synthetic corpus')
  .option('--no-dashboard', 'do not serve the dashboard while the runs train'))
  .action(async (o: MatrixFlags & { dashboard: boolean }) => {
    const c = matrixConfig(o);
    let dash: Dashboard | null = null;
    if (o.dashboard && c.dashboard.enabled && o.track) {
      try {
        dash = await startDashboard({ dir: resolve(o.runsDir), host: c.dashboard.host, port: c.dashboard.port });
        if (!o.json) process.stderr.write(`dashboard: ${dashUrl(dash)} (live charts; stop a run from its page)\n`);
      } catch (e) {
        if (!o.json) process.stderr.write(`dashboard not started (${(e as Error).message}); train on, and run \`specnet dashboard\` later\n`);
      }
    }
    let data = c.data;
    if (!data) {
      data = resolve(c.synth.out);
      const want = c.synth.speakers * 10 * c.synth.repetitions;
      if (countWavs(data) < want) {
        if (!o.json) process.stderr.write(`synthesizing the default corpus (${c.synth.speakers} speakers × 10 digits × ${c.synth.repetitions} repetitions) into ${data}\n`);
        await synthCommand({ out: data, speakers: c.synth.speakers, repetitions: c.synth.repetitions, seed: c.synth.seed, sampleRate: SYNTH_DEFAULTS.sampleRate, quiet: o.json });
        if (process.exitCode) return;
      } else if (!o.json) process.stderr.write(`using the corpus in ${data}\n`);
    }
    const r = await matrixCommand(c, resolve(data), o);
    if (!o.json && r.runs.length) {
      const best = bestRun(r.runs)!;
      process.stdout.write(`best: ${best.name}, test macro F1 ${(best.result.test?.macroF1 ?? NaN).toFixed(4)}; checkpoint ${best.result.checkpoints.best}\n`);
    }
    if (dash) {
      if (process.stdout.isTTY && !o.json && !process.exitCode) {
        process.stdout.write(`dashboard: ${dashUrl(dash)} (still serving; Ctrl-C to quit)\n`);
        await new Promise<void>((ok) => process.once('SIGINT', ok));
      } else if (!o.json) process.stdout.write(`dashboard: run \`specnet dashboard --runs-dir ${o.runsDir}\` to browse these runs\n`);
      await dash.close();
    }
  });

withConfig(program.command('loso')
  .description('leave-one-speaker-out: the 8 configurations, each trained without one speaker and tested on that speaker, for every speaker')
  .requiredOption('--data <dir>', 'dataset folder (e.g. ../shared/data/fsdd-dev)')
  .option('--extra <dir>', 'a second dataset added to every fold\'s training set (e.g. data/synth: synthetic speakers)')
  .option('--models <a,b>', 'Model A and Model B (default: lenet5,resnet14)')
  .option('--epochs <n>', 'epochs per run, or a,b for Model A and Model B')
  .option('--speakers <list>', 'only these left-out speakers, comma-separated')
  .option('--runs <list>', 'only these configurations, e.g. resnet14-bilateral-specaugment (comma-separated)')
  .option('--out <dir>', 'output folder (checkpoints, loso.md, loso.json)', 'runs/loso')
  .option('--seed <n>', 'seed', (v) => Number(v))
  .option('--seeds <list>', 'train each configuration once per seed and judge the mean of their probabilities (an ensemble), e.g. 0,1,2')
  .option('--vary <key=[values]>', 'train each configuration once per value of one setting as well (× seeds) and judge the mean of all their probabilities, e.g. "noise.copies=[0,1]"')
  .option('--backend <name>', 'reference or native')
  .option('--runs-dir <dir>', 'the tracker\'s runs folder (specnet.db)', defaultRunsDir())
  .option('--no-track', 'do not record the runs in the tracker')
  .option('--json', 'print the result as one JSON object'))
  .action(async (o: MatrixFlags & { data: string; extra?: string; speakers?: string; runs?: string; out: string; seeds?: string; vary?: string }) => {
    const c = matrixConfig(o);
    const vary = o.vary === undefined ? undefined : parseVariation(o.vary);
    const seeds = o.seeds?.split(',').map((v) => Number(v.trim()));
    if (seeds && (seeds.length === 0 || seeds.some((v) => !Number.isInteger(v)) || new Set(seeds).size !== seeds.length)) throw new Error(`--seeds wants distinct integers separated by commas, got '${o.seeds}'`);
    const log = (s: string) => { if (!o.json) process.stderr.write(s + '\n'); };
    const stop = onInterrupt('stopping after this batch and saving a resumable checkpoint (Ctrl-C again to quit now)');
    const t0 = performance.now();
    const out = resolve(o.out);
    const noise = sharedNoise(c, vary), ens = ensembleOf(seeds ?? [], vary);
    log(`leave-one-speaker-out on ${o.data}${noise ? ` (+ ${describeNoise(noise)})` : ''}${o.extra ? ` (+ ${o.extra} in training)` : ''}: ${c.models.join(' and ')}, epochs ${c.epochs.join('/')}, backend ${getBackend().name}` +
      (ens.n > 1 ? `; each configuration the mean of ${ens.n} models (${ens.what})` : ''));
    const r = await runLoso(c, {
      data: resolve(o.data), extra: o.extra && resolve(o.extra), out, speakers: o.speakers?.split(','), runs: o.runs?.split(','), seeds, vary,
      track: o.track ? { dir: resolve(o.runsDir), group: groupName('loso') } : null,
      onFeatures: featureProgress(o.json),
      onUnusable: log,
      onRunStart: (speaker, run, i, n) => log(`run ${i + 1}/${n}: ${run}, test speaker ${speaker}`),
      onRunEnd: (_s, run) => log(`  ${run.result.status}, test macro F1 ${(run.result.test?.macroF1 ?? NaN).toFixed(4)}` +
        (run.result.memberMacroF1 ? ` (mean of ${run.result.memberMacroF1.length} models' probabilities; each alone ${run.result.memberMacroF1.map((v) => v.toFixed(4)).join(', ')})` : `, ${run.result.history.length} epochs`) +
        ` in ${run.result.trainSeconds.toFixed(1)} s`),
      callbacks: { shouldStop: stop.stopRequested, onBatch: o.json ? undefined : epochProgress() },
    });
    stop.dispose();
    const seconds = (performance.now() - t0) / 1000;
    if (o.json) process.stdout.write(JSON.stringify({ seconds, ...r.summary }) + '\n');
    else process.stdout.write('\n' + r.report + `\nreport: ${join(out, 'loso.md')} (${seconds.toFixed(0)} s)\n`);
    if (r.stopped) process.exitCode = 130;
  });

const dashUrl = (d: Dashboard) => d.url + (d.token ? `?token=${d.token}` : '');

program.command('dashboard')
  .description('serve the live dashboard of the runs folder: runs table, live charts, the matrix, per-run details, stop buttons')
  .option('--runs-dir <dir>', 'the runs folder (specnet.db)', defaultRunsDir())
  .option('--host <addr>', '127.0.0.1 (this computer only) or e.g. 0.0.0.0 (any computer; needs the access token)', '127.0.0.1')
  .option('--port <n>', 'port (0: any free one)', (v) => Number(v), 6006)
  .option('--token <t>', `the access token (at least ${MIN_TOKEN_LENGTH} characters; default for a non-loopback address: a new random one, printed once)`)
  .option('--allowed-hosts <names>', 'host names besides localhost that the page may be reached by, comma-separated (e.g. the name of a reverse proxy in front of it)')
  .action(async (o: { runsDir: string; host: string; port: number; token?: string; allowedHosts?: string }) => {
    const dir = resolve(o.runsDir);
    const d = await startDashboard({ dir, host: o.host, port: o.port, token: o.token, allowedHosts: o.allowedHosts?.split(',').map((h) => h.trim()).filter(Boolean) });
    if (d.created) console.error(`specnet dashboard: ${dir} held no runs database: a new, empty one was created there (is --runs-dir right? runs are recorded in ./runs by default)`);
    if (d.readonly) console.error(`specnet dashboard: ${dir} is read-only here: showing its runs without the Stop button's effect (stop requests are refused)`);
    console.log(`specnet dashboard on ${dashUrl(d)}`);
    if (d.token && !o.token) console.log(`access token (shown once): ${d.token}`);
    await new Promise<void>((ok) => process.once('SIGINT', ok));
    await d.close();
  });

/** WAV files under a folder (0 when it does not exist). */
function countWavs(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true }).filter((f) => String(f).toLowerCase().endsWith('.wav')).length;
}

/** Recordings of one speaker that speaker normalisation or AdaBN needs at predict time (measured: docs/EXPERIMENTS.md). */
const SPEAKER_MIN_FILES = 5;

program.command('predict')
  .description('classify WAV files with a trained checkpoint (using its own preprocessing)')
  .requiredOption('--checkpoint <file>', 'a best.safetensors or last.safetensors from specnet train')
  .argument('<wav...>', 'WAV files')
  .option('--json', 'one JSON object per file')
  .action(async (files: string[], o: { checkpoint: string; json?: boolean }) => {
    const m = loadTrainedModel(resolve(o.checkpoint));
    if ((m.features.speakerNorm || m.adaptBatchNorm || m.adaptWarp) && files.length < SPEAKER_MIN_FILES) {
      const how = m.features.speakerNorm ? 'normalises per speaker (features.speakerNorm)'
        : m.adaptBatchNorm ? 'adapts its batch norm to the speaker (train.adaptBatchNorm)' : 'chooses a frequency warp for the speaker (train.adaptWarp)';
      console.error(`specnet predict: warning: this checkpoint ${how}, and the ${files.length} file(s) given are taken as one speaker's; ` +
        `with fewer than ${SPEAKER_MIN_FILES} recordings of the speaker it is much less accurate${m.features.speakerNorm ? ' (FSDD george: 38% with 1 file, 84% with 5; docs/EXPERIMENTS.md)' : ''}`);
    }
    // a file that cannot be used is named and left out; the others are still predicted (exit code 1)
    const predictions = await predictFiles(m, files, { onUnusable: (_f, message) => { console.error(`specnet predict: ${message}`); process.exitCode = 1; } });
    for (const p of predictions) {
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
    const unusable = describeUnusable([], r.failedFiles);
    if (unusable) console.error(unusable);
    console.log(`${r.count} recordings${r.failed ? ` (${r.failed} could not be used)` : ''}: macro F1 ${r.macroF1.toFixed(4)}, accuracy ${(100 * r.accuracy).toFixed(2)}%, loss ${r.loss.toFixed(4)}`);
    console.log(`per-class F1: ${m.classes.map((c, i) => `${c} ${r.f1[i].toFixed(2)}`).join(', ')}`);
  });

program.parseAsync().catch((e: unknown) => {
  process.stderr.write(`specnet: ${errorMessage(e)}\n`);
  process.exit(1);
});
