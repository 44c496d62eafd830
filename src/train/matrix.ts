import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FeatureConfig } from '../audio/features.js';
import type { SpecnetConfig } from '../config.js';
import { writeFileAtomic } from '../util/fs.js';
import { init } from '../track/tracker.js';
import { describeUnusable, prepareData, type PreparedData } from './experiment.js';
import type { NoiseOptions } from '../augment/noise.js';
import { matrixReport, matrixReportHtml, type MatrixRun } from './report.js';
import { DEFAULT_TRAIN, train, type TrainCallbacks, type TrainConfig, type TrainResult } from './trainer.js';

export type { MatrixRun } from './report.js';

export interface MatrixOptions {
  /** The dataset folder. */
  data: string;
  /** Runs, cache, config.json, report.md and report.html go here. */
  out: string;
  /** Runs trained at once: 1 trains in this process; more start one `specnet train` process per run, sharing the cores. */
  jobs?: number;
  onRunStart?(run: Omit<MatrixRun, 'result'>, index: number, total: number): void;
  onRunEnd?(run: MatrixRun, index: number, total: number): void;
  callbacks?: TrainCallbacks;
  onFeatures?(filter: string, done: number, total: number): void;
  /** Told once, in words, of the dataset's files that could not be used (skipped, or failed to decode), when there are any. */
  onUnusable?(message: string): void;
  /** Track each run in the store under `dir` (specnet's tracker), grouped as `group`; null: no tracking. */
  track?: { dir: string; group: string } | null;
}

export interface MatrixResult { runs: MatrixRun[]; report: string; html: string; split: PreparedData['split']; stopped: boolean; classes: string[] }

/** The 8 runs of the experiment, in training order (the raw features first, then the bilateral ones). */
export function matrixSpecs(models: readonly string[]): Omit<MatrixRun, 'result'>[] {
  const specs: Omit<MatrixRun, 'result'>[] = [];
  for (const filter of ['none', 'bilateral'] as const)
    for (const model of models)
      for (const augment of ['none', 'specaugment'] as const)
        specs.push({ name: `${model}-${filter === 'none' ? 'raw' : 'bilateral'}-${augment === 'none' ? 'noaug' : 'specaugment'}`, model, filter, augment });
  return specs;
}

/** The training settings of one run of the experiment. */
export function runTrainConfig(c: SpecnetConfig, model: string, augment: 'none' | 'specaugment'): TrainConfig {
  const { specaugmentPolicy, ...t } = c.train;
  return {
    ...DEFAULT_TRAIN, ...t, model, seed: c.seed,
    augment: augment === 'none' ? 'none' : specaugmentPolicy,
    epochs: model === c.models[0] ? c.epochs[0] : c.epochs[1],
  };
}

/** The preprocessing of one feature variant: the configuration's features, with its bilateral filter or without. */
export function featuresFor(c: SpecnetConfig, filter: 'none' | 'bilateral'): FeatureConfig {
  const { bilateral, ...features } = c.features;
  return { ...features, bilateral: filter === 'bilateral' ? bilateral : null };
}

/** The data of one feature variant, prepared as the configuration says. */
export function prepareFromConfig(c: SpecnetConfig, data: string, filter: 'none' | 'bilateral', cacheDir: string, onProgress?: (d: number, t: number) => void): Promise<PreparedData> {
  return prepareData(data, { filter, seed: c.seed, validation: c.split.validation, test: c.split.test, cacheDir, onProgress, features: featuresFor(c, filter), noise: noiseFor(c) });
}

/** The configuration's noisy copies of the training recordings, when it asks for any. */
export function noiseFor(c: SpecnetConfig): NoiseOptions | undefined {
  return c.noise.copies > 0 ? { ...c.noise, seed: c.seed } : undefined;
}

/** What the tracker records as a run's config: the training settings, the variant, the data, the preprocessing and who went where. */
export function trackedConfig(cfg: TrainConfig, filter: 'none' | 'bilateral', data: string, features: FeatureConfig, speakers: PreparedData['split']['speakers'], noise?: NoiseOptions): Record<string, unknown> {
  return { ...cfg, filter, data, features, speakers, noise: noise ?? null };
}

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** One run in a child `specnet train --json` process; its result is the JSON line it prints. */
function trainInChild(args: string[], threads: number): Promise<TrainResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'train', ...args, '--json'], {
      env: { ...process.env, SPECNET_NUM_THREADS: String(threads) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => { out += d; });
    child.stderr.on('data', (d: Buffer) => { err = (err + d).slice(-4000); });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop();
      try {
        if (line) return resolve(JSON.parse(line) as TrainResult);
      } catch { /* fall through */ }
      reject(new Error(`specnet train ${args.join(' ')} exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/**
 * The experiment: for each model × {raw, bilateral} × {no augmentation, SpecAugment},
 * train on the same speaker-disjoint split, evaluate on the held-out speakers, and
 * compare by macro F1. Features are computed once per filter (cached). Writes
 * `config.json`, `report.md` and `report.html` in `out` and returns the runs.
 */
export async function runMatrix(c: SpecnetConfig, o: MatrixOptions): Promise<MatrixResult> {
  const cacheDir = join(o.out, 'cache');
  const configPath = join(o.out, 'config.json');
  writeFileAtomic(configPath, JSON.stringify({ ...c, data: o.data, out: o.out }, null, 2) + '\n');
  const specs = matrixSpecs(c.models);

  const prepared = new Map<string, PreparedData>();
  for (const filter of ['none', 'bilateral'] as const) prepared.set(filter, await prepareFromConfig(c, o.data, filter, cacheDir, (d, t) => o.onFeatures?.(filter, d, t)));
  const first = prepared.get('none')!;
  const unusable = describeUnusable(first.skipped, first.failed);
  if (unusable) o.onUnusable?.(unusable);

  const runs: (MatrixRun | undefined)[] = new Array(specs.length);
  let stopped = false, next = 0;
  const jobs = Math.max(1, Math.min(o.jobs ?? 1, specs.length));
  const threads = Math.max(1, Math.floor(availableParallelism() / jobs));
  const worker = async () => {
    while (!stopped && next < specs.length) {
      const i = next++, spec = specs[i];
      o.onRunStart?.(spec, i, specs.length);
      const cfg = runTrainConfig(c, spec.model, spec.augment);
      const outDir = join(o.out, spec.name);
      const p = prepared.get(spec.filter)!;
      const tracked = o.track ? ['--runs-dir', o.track.dir, '--group', o.track.group] : ['--no-track'];
      const result = jobs === 1
        ? await train(cfg, p.data, {
          outDir, callbacks: o.callbacks, meta: { features: p.features, classes: p.dataset.classes, speakers: p.split.speakers },
          run: o.track ? init({ dir: o.track.dir, project: 'specnet', name: spec.name, group: o.track.group, config: trackedConfig(cfg, spec.filter, o.data, p.features, p.split.speakers, noiseFor(c)) }) : undefined,
        })
        : await trainInChild(['--config', configPath, '--data', o.data, '--model', spec.model, '--filter', spec.filter, '--augment', spec.augment, '--out', outDir, '--cache-dir', cacheDir, '--name', spec.name, ...tracked], threads);
      runs[i] = { ...spec, result };
      o.onRunEnd?.(runs[i]!, i, specs.length);
      if (result.status === 'stopped' || o.callbacks?.shouldStop?.()) stopped = true;
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  const done = runs.filter((r): r is MatrixRun => r !== undefined);
  const report = matrixReport(done, first.split);
  const html = matrixReportHtml(done, first.split, first.dataset.classes, { dataset: o.data });
  writeFileAtomic(join(o.out, 'report.md'), report);
  writeFileAtomic(join(o.out, 'report.html'), html);
  return { runs: done, report, html, split: first.split, stopped, classes: first.dataset.classes };
}
