import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { prepareData, type PreparedData } from './experiment.js';
import { DEFAULT_TRAIN, train, type TrainCallbacks, type TrainConfig, type TrainResult } from './trainer.js';

/** One cell of the 2 × 2 × 2 experiment. */
export interface MatrixRun {
  name: string;
  model: string;
  filter: 'none' | 'bilateral';
  augment: 'none' | 'specaugment';
  result: TrainResult;
}

export interface MatrixOptions {
  data: string;
  out: string;
  /** Model A and Model B. */
  models: [string, string];
  /** Training settings shared by every run (model and augmentation are set per run). */
  train?: Partial<TrainConfig>;
  /** Epochs per model, when they should differ (e.g. fewer for the heavier Model B). */
  epochs?: Record<string, number>;
  seed?: number;
  onRunStart?(run: Omit<MatrixRun, 'result'>, index: number, total: number): void;
  onRunEnd?(run: MatrixRun, index: number, total: number): void;
  callbacks?: TrainCallbacks;
  onFeatures?(filter: string, done: number, total: number): void;
}

export interface MatrixResult { runs: MatrixRun[]; report: string; split: PreparedData['split']; stopped: boolean }

/**
 * The experiment: for each model × {raw, bilateral} × {no augmentation, SpecAugment},
 * train on the same speaker-disjoint split, evaluate on the held-out speakers, and
 * compare by macro F1. Features are computed once per filter (cached). Writes
 * `report.md` in `out` and returns the runs.
 */
export async function runMatrix(o: MatrixOptions): Promise<MatrixResult> {
  const runs: MatrixRun[] = [];
  const total = 8;
  let split: PreparedData['split'] | undefined;
  let stopped = false;
  for (const filter of ['none', 'bilateral'] as const) {
    const prepared = await prepareData(o.data, { filter, seed: o.seed ?? 0, cacheDir: join(o.out, 'cache'), onProgress: (d, t) => o.onFeatures?.(filter, d, t) });
    split = prepared.split;
    for (const model of o.models) {
      for (const augment of ['none', 'specaugment'] as const) {
        const name = `${model}-${filter === 'none' ? 'raw' : 'bilateral'}-${augment === 'none' ? 'noaug' : 'specaugment'}`;
        const spec = { name, model, filter, augment };
        o.onRunStart?.(spec, runs.length, total);
        const result = await train({
          ...DEFAULT_TRAIN, ...o.train, model, augment: augment === 'none' ? 'none' : 'LD', seed: o.seed ?? 0,
          epochs: o.epochs?.[model] ?? o.train?.epochs ?? DEFAULT_TRAIN.epochs,
        }, prepared.data, { outDir: join(o.out, name), callbacks: o.callbacks, meta: { features: prepared.features, classes: prepared.dataset.classes, speakers: prepared.split.speakers } });
        const run = { ...spec, result };
        runs.push(run);
        o.onRunEnd?.(run, runs.length - 1, total);
        if (result.status === 'stopped') { stopped = true; break; }
      }
      if (stopped) break;
    }
    if (stopped) break;
  }
  const report = matrixReport(runs, split!);
  writeFileAtomic(join(o.out, 'report.md'), report);
  return { runs, report, split: split!, stopped };
}

const f1 = (r: MatrixRun) => r.result.test?.macroF1 ?? NaN;

/** The comparison table and the 2 × 2 × 2 effects, as Markdown. */
export function matrixReport(runs: MatrixRun[], split: PreparedData['split']): string {
  const rows = [...runs].sort((a, b) => f1(b) - f1(a));
  const lines = [
    '# specnet matrix', '',
    `Test speakers (never heard in training): ${split.speakers.test.join(', ')}; validation: ${split.speakers.validation.join(', ')}; training: ${split.speakers.train.length} speakers.`, '',
    '| run | model | filter | augmentation | test macro F1 | test accuracy | params | epochs (best) | train time |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.model} | ${r.filter === 'none' ? 'raw' : 'bilateral'} | ${r.augment} | ${f1(r).toFixed(4)} | ${((r.result.test?.accuracy ?? NaN) * 100).toFixed(2)}% | ${r.result.parameters.toLocaleString('en-US')} | ${r.result.history.length} (${r.result.bestEpoch}) | ${r.result.trainSeconds.toFixed(1)} s |`),
    '', '## Effects (change in test macro F1)', '',
    '| model | bilateral filter (no aug / SpecAugment) | SpecAugment (raw / bilateral) |', '|---|---|---|',
  ];
  for (const model of [...new Set(runs.map((r) => r.model))]) {
    const get = (filter: string, augment: string) => runs.find((r) => r.model === model && r.filter === filter && r.augment === augment);
    const d = (a?: MatrixRun, b?: MatrixRun) => (a && b ? (f1(b) - f1(a) >= 0 ? '+' : '') + (f1(b) - f1(a)).toFixed(4) : 'n/a');
    lines.push(`| ${model} | ${d(get('none', 'none'), get('bilateral', 'none'))} / ${d(get('none', 'specaugment'), get('bilateral', 'specaugment'))} | ${d(get('none', 'none'), get('none', 'specaugment'))} / ${d(get('bilateral', 'none'), get('bilateral', 'specaugment'))} |`);
  }
  return lines.join('\n') + '\n';
}
