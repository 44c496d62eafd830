/**
 * Leave-one-speaker-out: the experiment's 8 configurations judged on every
 * speaker in turn. For each speaker of the dataset, train on all the others
 * (optionally plus the recordings of an extra dataset, e.g. synthetic speakers)
 * and test on the one left out. This is how a small real corpus such as FSDD
 * (4 speakers in fsdd-dev) is judged on voices the model never heard.
 */
import { join } from 'node:path';
import type { SpecnetConfig } from '../config.js';
import { scanDataset, type AudioDataset, type Recording } from '../data/audio_datasets.js';
import { extractAll } from '../data/features.js';
import { writeFileAtomic } from '../util/fs.js';
import { init } from '../track/tracker.js';
import type { FeatureConfig } from '../audio/features.js';
import { imagesOf } from './experiment.js';
import { describeNoise, noisyCopies, recordingKey, type NoiseOptions } from '../augment/noise.js';
import { featuresFor, noiseFor, matrixSpecs, runTrainConfig, trackedConfig, type MatrixRun } from './matrix.js';
import { meanProbabilityReport } from './metrics.js';
import { train, type TrainCallbacks, type TrainData, type TrainResult } from './trainer.js';

export interface LosoOptions {
  /** The dataset whose speakers are left out in turn. */
  data: string;
  /** Another dataset whose recordings are added to every fold's training set (never tested on). */
  extra?: string;
  /** Checkpoints, loso.json and loso.md go here. */
  out: string;
  /** Only these test speakers (default: every speaker). */
  speakers?: string[];
  /** Only these runs, by matrix name (e.g. resnet14-bilateral-specaugment); default: all 8. */
  runs?: string[];
  /**
   * Train each configuration once per seed (default: once, with the config's seed) and judge
   * the mean of the seeds' class probabilities on the test speaker, a deep ensemble
   * (Lakshminarayanan et al. 2017); each seed's run goes to `<run>/seed<N>`.
   */
  seeds?: number[];
  track?: { dir: string; group: string } | null;
  callbacks?: TrainCallbacks;
  onFeatures?(filter: string, done: number, total: number): void;
  onRunStart?(speaker: string, run: string, index: number, total: number): void;
  onRunEnd?(speaker: string, run: Omit<MatrixRun, 'result'> & { result: LosoFoldResult }, index: number, total: number): void;
}

/** One configuration on one fold; with several seeds, the ensemble's, with each seed's own figure. */
export type LosoFoldResult = TrainResult & { seedMacroF1?: number[] };

export interface LosoFold { speaker: string; train: Recording[]; validation: Recording[]; test: Recording[] }

/**
 * The folds: for each speaker, the test set is that speaker's recordings; the
 * other speakers' recordings are training data, except every tenth repetition
 * (repetition % 10 == 0), which is the validation set that picks the best epoch.
 * So validation voices are heard in training, but the test voice never is.
 * With `noise`, the training recordings of the dataset (not the extra ones) also come
 * as noisy copies; a recording's copies are the same in every fold.
 */
export function losoFolds(ds: AudioDataset, extra: Recording[] = [], noise?: NoiseOptions): LosoFold[] {
  const speakers = [...new Set(ds.recordings.map((r) => r.speaker))].sort();
  return speakers.map((speaker) => {
    const others = ds.recordings.filter((r) => r.speaker !== speaker);
    const train = others.filter((r) => r.repetition % 10 !== 0);
    return {
      speaker,
      train: [...train, ...(noise ? noisyCopies(train, noise) : []), ...extra],
      validation: others.filter((r) => r.repetition % 10 === 0),
      test: ds.recordings.filter((r) => r.speaker === speaker),
    };
  });
}

export interface LosoResult {
  /** results[run name][speaker] = the run's result on that fold. */
  runs: { name: string; model: string; filter: string; augment: string; folds: Record<string, LosoFoldResult> }[];
  speakers: string[];
  report: string;
  /** What loso.json holds (and `specnet loso --json` prints): the figures of every run and fold, without histories. */
  summary: LosoSummary;
  stopped: boolean;
}

export interface LosoSummary {
  data: string; extra: string | null; noise: NoiseOptions | null; models: readonly string[]; epochs: readonly number[]; speakers: string[];
  runs: { name: string; model: string; filter: string; augment: string; folds: Record<string, { status: string; testMacroF1?: number; testAccuracy?: number; testF1PerClass?: number[]; testConfusion?: number[][]; seedMacroF1?: number[]; epochs: number; bestEpoch: number; trainSeconds: number }> }[];
}

const f1 = (r?: LosoFoldResult) => r?.test?.macroF1 ?? NaN;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The table: one row per configuration, one column per left-out speaker, then the mean and the worst fold. */
export function losoReport(r: Pick<LosoResult, 'runs' | 'speakers'>, o: { data: string; extra?: string; seeds?: number[]; noise?: NoiseOptions }): string {
  const rows = r.runs.map((run) => {
    const v = r.speakers.map((s) => f1(run.folds[s]));
    return { run, v, mean: mean(v), min: Math.min(...v) };
  }).sort((a, b) => b.mean - a.mean);
  return [
    '# specnet leave-one-speaker-out', '',
    `Dataset ${o.data}: each column trains on the other speakers${o.noise ? ` (and ${describeNoise(o.noise)})` : ''}${o.extra ? ` plus every recording of ${o.extra}` : ''} and tests on that speaker. Test macro F1${(o.seeds?.length ?? 0) > 1 ? ` of the mean of ${o.seeds!.length} seeds' (${o.seeds!.join(', ')}) class probabilities` : ''}.`, '',
    `| run | ${r.speakers.join(' | ')} | mean | worst |`,
    `|---|${r.speakers.map(() => '---|').join('')}---|---|`,
    ...rows.map((x) => `| ${x.run.name} | ${x.v.map((v) => v.toFixed(4)).join(' | ')} | ${x.mean.toFixed(4)} | ${x.min.toFixed(4)} |`),
  ].join('\n') + '\n';
}

/**
 * Run the configurations of the matrix on every leave-one-speaker-out fold.
 * Features are computed once per filter for the dataset and the extra data together (cached).
 */
export async function runLoso(c: SpecnetConfig, o: LosoOptions): Promise<LosoResult> {
  const ds = scanDataset(o.data);
  // extra speakers are named apart, so that a name shared by the two datasets never merges two voices
  const extra = o.extra ? scanDataset(o.extra).recordings.map((r) => ({ ...r, speaker: `extra:${r.speaker}` })) : [];
  const noise = noiseFor(c);
  const allFolds = losoFolds(ds, extra, noise), allSpecs = matrixSpecs(c.models);
  for (const s of o.speakers ?? []) if (!allFolds.some((f) => f.speaker === s)) throw new Error(`${o.data}: no speaker '${s}' (speakers: ${allFolds.map((f) => f.speaker).join(', ')})`);
  for (const n of o.runs ?? []) if (!allSpecs.some((s) => s.name === n)) throw new Error(`unknown run '${n}' (known: ${allSpecs.map((s) => s.name).join(', ')})`);
  const folds = allFolds.filter((f) => !o.speakers || o.speakers.includes(f.speaker));
  const specs = allSpecs.filter((s) => !o.runs || o.runs.includes(s.name));
  // every recording once: the dataset's, the extra ones, and the noisy copies the folds train on
  const all = [...new Map([...ds.recordings, ...extra, ...folds.flatMap((f) => f.train)].map((r) => [recordingKey(r), r])).values()];
  const pickers = new Map<string, { pick: ReturnType<typeof imagesOf>; features: FeatureConfig }>();
  for (const filter of [...new Set(specs.map((s) => s.filter))]) {
    const features = featuresFor(c, filter);
    const set = await extractAll(all, features, { cacheDir: join(o.out, 'cache'), onProgress: (d, t) => o.onFeatures?.(filter, d, t) });
    pickers.set(filter, { pick: imagesOf(set), features });
  }
  const runs: LosoResult['runs'] = specs.map((s) => ({ ...s, folds: {} }));
  const seeds = o.seeds?.length ? o.seeds : [c.seed];
  const total = folds.length * specs.length * seeds.length;
  let index = 0, stopped = false;
  for (const fold of folds) {
    const speakers = { train: [...new Set(fold.train.map((r) => r.speaker))].sort(), validation: [...new Set(fold.validation.map((r) => r.speaker))].sort(), test: [fold.speaker] };
    // each feature variant's images of this fold, picked once for the configurations that share it
    const foldData = new Map<string, TrainData>();
    for (const [k, spec] of specs.entries()) {
      if (stopped) break;
      const { pick, features } = pickers.get(spec.filter)!;
      let data = foldData.get(spec.filter);
      if (!data) {
        data = { train: pick(fold.train), validation: pick(fold.validation), test: pick(fold.test), height: features.height, width: features.width, numClasses: ds.classes.length };
        foldData.set(spec.filter, data);
      }
      const base = runTrainConfig(c, spec.model, spec.augment);
      const members: TrainResult[] = [];
      for (const seed of seeds) {
        if (stopped) break;
        const cfg = { ...base, seed };
        const name = `${spec.name}-${fold.speaker}${seeds.length > 1 ? `-seed${seed}` : ''}`;
        o.onRunStart?.(fold.speaker, seeds.length > 1 ? `${spec.name}, seed ${seed}` : spec.name, index + members.length, total);
        const member = await train(cfg, data, {
          outDir: join(o.out, fold.speaker, spec.name, ...(seeds.length > 1 ? [`seed${seed}`] : [])), callbacks: o.callbacks,
          meta: { features, classes: ds.classes, speakers },
          run: o.track ? init({ dir: o.track.dir, project: 'specnet', name, group: o.track.group, config: { ...trackedConfig(cfg, spec.filter, o.data, features, speakers, noise), extra: o.extra ?? null } }) : undefined,
        });
        members.push(member);
        if (member.status === 'stopped' || o.callbacks?.shouldStop?.()) stopped = true;
      }
      const result = members.length > 1 && !stopped ? ensembleResult(members, data) : members[0];
      runs[k].folds[fold.speaker] = result;
      o.onRunEnd?.(fold.speaker, { ...spec, result }, index, total);
      index += seeds.length;
    }
  }
  const speakers = folds.map((f) => f.speaker).filter((s) => runs.some((r) => r.folds[s]));
  const report = losoReport({ runs, speakers }, { ...o, noise });
  writeFileAtomic(join(o.out, 'loso.md'), report);
  const summary: LosoSummary = {
    data: o.data, extra: o.extra ?? null, noise: noise ?? null, models: c.models, epochs: c.epochs, speakers,
    runs: runs.map((r) => ({ name: r.name, model: r.model, filter: r.filter, augment: r.augment, folds: Object.fromEntries(Object.entries(r.folds).map(([s, x]) => [s, { status: x.status, testMacroF1: x.test?.macroF1, testAccuracy: x.test?.accuracy, testF1PerClass: x.test?.f1, testConfusion: x.test?.confusion, ...(x.seedMacroF1 ? { seedMacroF1: x.seedMacroF1 } : {}), epochs: x.history.length, bestEpoch: x.bestEpoch, trainSeconds: x.trainSeconds }])) })),
  };
  writeFileAtomic(join(o.out, 'loso.json'), JSON.stringify(summary, null, 2) + '\n');
  return { runs, speakers, report, summary, stopped };
}

/**
 * The seeds' runs of one configuration on one fold as one result: the test report of the mean
 * of their best checkpoints' class probabilities (each with its own AdaBN and warp when the
 * configuration asks for them, as train() evaluated it); history, best epoch and checkpoints
 * are the first seed's, the training time is the sum.
 */
function ensembleResult(members: TrainResult[], data: TrainData): LosoFoldResult {
  const probabilities = members.flatMap((m) => (m.testProbabilities ? [m.testProbabilities] : []));
  if (probabilities.length === 0) return members[0];
  return {
    ...members[0],
    test: meanProbabilityReport(data.test!.labels, probabilities, data.numClasses),
    trainSeconds: members.reduce((t, m) => t + m.trainSeconds, 0),
    seedMacroF1: members.map((m) => m.test?.macroF1 ?? NaN),
  };
}
