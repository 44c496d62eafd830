import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { add, logSoftmax, mul, noGrad } from '../autograd/index.js';
import { getBackend } from '../backend/index.js';
import { mixupBatch } from '../augment/mixup.js';
import { specAugmentBatch, specAugmentPolicy } from '../augment/specaugment.js';
import { batchIndices } from '../data/loader.js';
import { createModel, type ModelOptions } from '../models/registry.js';
import { crossEntropy, crossEntropyOfLogProbs } from '../nn/loss.js';
import type { Module } from '../nn/module.js';
import { Adagrad, Adam, AdamW, clipGradNorm, CosineAnnealingLR, ExponentialLR, LinearWarmupLR, type LRScheduler, type Optimizer, RMSprop, SGD, StepLR } from '../optim/index.js';
import { tensor } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { defaultGenerator, Generator, manualSeed } from '../tensor/random.js';
import { groupIndices } from '../util/group.js';
import { adaptToSpeaker } from './adapt.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { argmaxRows, classificationReport, type ClassificationReport } from './metrics.js';
import type { Run } from '../track/tracker.js';
import { encodePng } from '../vision/png.js';
import { featureMapPanels, filterPanels, firstConv } from './visualize.js';

/** Everything that defines one training run (saved in its checkpoints). */
export interface TrainConfig {
  model: string;
  modelOptions?: ModelOptions;
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'adamw' | 'sgd' | 'rmsprop' | 'adagrad';
  lr: number;
  weightDecay: number;
  /** SGD momentum (ignored by the others). */
  momentum: number;
  schedule: 'none' | 'cosine' | 'step' | 'exponential';
  warmupEpochs: number;
  /** Stop when validation macro F1 has not improved for this many epochs (0: never). */
  patience: number;
  /** SpecAugment policy for training batches ('none': off). */
  augment: string;
  labelSmoothing: number;
  /** mixup's α (Zhang et al. 2018; src/augment/mixup.ts): training batches mixed with a shuffled copy of themselves, λ ~ Beta(α, α); the training accuracy counts each image's own label. 0: off. */
  mixup: number;
  /** Clip the global gradient norm (0: off). */
  clipNorm: number;
  /**
   * AdaBN at test time: before a speaker's recordings are predicted, every batch-norm layer's
   * statistics are recomputed on that speaker's recordings (see adapt.ts). Needs several of
   * them, unlabelled; no effect on a model without batch norm.
   */
  adaptBatchNorm: boolean;
  /**
   * Test-time VTLN: each test speaker's images are warped along the frequency axis by the
   * factor (0.9…1.1) under which the model's predictions are most certain (see adapt.ts).
   * Needs several of the speaker's recordings, unlabelled.
   */
  adaptWarp: boolean;
  seed: number;
}

export const DEFAULT_TRAIN: TrainConfig = {
  model: 'lenet5', epochs: 10, batchSize: 64, optimizer: 'adam', lr: 1e-3, weightDecay: 0, momentum: 0.9,
  schedule: 'cosine', warmupEpochs: 0, patience: 0, augment: 'none', labelSmoothing: 0, mixup: 0, clipNorm: 0, adaptBatchNorm: false, adaptWarp: false, seed: 0,
};

/** Images [count, height, width] (one channel) with integer labels, and optionally each image's speaker. */
export interface ImageData { images: Float32Array; labels: Int32Array; groups?: string[] }

export interface TrainData {
  train: ImageData;
  validation: ImageData;
  test?: ImageData;
  height: number;
  width: number;
  numClasses: number;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
  valMacroF1: number;
  lr: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface TrainCallbacks {
  onEpoch?(r: EpochRecord): void;
  /** After each training batch: global step, batch loss, batches done in this epoch and their total. */
  onBatch?(step: number, loss: number, batch: number, batches: number): void;
  /** Polled between batches: true stops the run cleanly (a checkpoint is saved, resumable). */
  shouldStop?(): boolean;
}

export interface TrainResult {
  status: 'completed' | 'early-stopped' | 'stopped' | 'diverged';
  message?: string;
  history: EpochRecord[];
  bestEpoch: number;
  bestValMacroF1: number;
  /** The best checkpoint's evaluation on the test split, when there is one. */
  test?: ClassificationReport & { loss: number };
  /** That evaluation's class probabilities [test images × classes] (what an ensemble of runs averages); not for JSON output. */
  testProbabilities?: Float32Array;
  checkpoints: { last: string; best: string };
  trainSeconds: number;
  imagesPerSecond: number;
  parameters: number;
}

/** Which feature variant the images are ('raw' or 'bilateral'), from the preprocessing in the run's metadata. */
function variantOf(meta?: Record<string, unknown>): string {
  const f = meta?.features as { bilateral?: unknown } | undefined;
  return f === undefined ? 'input' : f.bilateral ? 'bilateral' : 'raw';
}

/** The first convolution's filters (at most 16) and their feature maps on the first training image, as tracker images. */
function logFilters(run: Run, model: Module, image: Float32Array, h: number, w: number): void {
  const conv = firstConv(model);
  if (!conv || conv.inChannels !== 1) return;
  const n = Math.min(16, conv.outChannels);
  const k = conv.kernelSize[0];
  run.logImage('filters/first-conv', encodePng(filterPanels(conv).slice(0, n), { scale: Math.max(4, Math.round(48 / k)), gap: 4, colormap: 'gray' }), { caption: `${n} of ${conv.outChannels} kernels, ${k}×${conv.kernelSize[1]}` });
  run.logImage('filters/feature-maps', encodePng(featureMapPanels(conv, image, h, w).slice(0, n), { scale: 1, gap: 4 }), { caption: 'their responses to the first training image' });
}

/**
 * What a diverged run says: where the loss went, what the last good checkpoint is (if any epoch
 * finished), and what to try. The data cannot be at fault with a non-finite value: every image is
 * checked finite when its features are made (audio/features.ts).
 */
function divergedMessage(what: string, lr: number, last: string): string {
  return `${what} (learning rate ${lr}); training stopped, ${existsSync(last) ? `the last good checkpoint is ${last}` : 'and no epoch finished, so there is no checkpoint'}. ` +
    'Try a lower learning rate (--lr, or train.lr in the config) or gradient clipping (--set train.clipNorm=1).';
}

/** A NaN or exploding loss: the run stops with this message and the last good checkpoint stays. */
export class DivergedError extends Error {}

export function makeOptimizer(c: TrainConfig, params: [string, Tensor][]): Optimizer {
  switch (c.optimizer) {
    case 'adam': return new Adam(params, { lr: c.lr, weightDecay: c.weightDecay });
    case 'adamw': return new AdamW(params, { lr: c.lr, weightDecay: c.weightDecay });
    case 'sgd': return new SGD(params, { lr: c.lr, momentum: c.momentum, weightDecay: c.weightDecay, nesterov: c.momentum > 0 });
    case 'rmsprop': return new RMSprop(params, { lr: c.lr, weightDecay: c.weightDecay });
    case 'adagrad': return new Adagrad(params, { lr: c.lr, weightDecay: c.weightDecay });
    default: throw new Error(`unknown optimizer '${c.optimizer as string}' (known: adam, adamw, sgd, rmsprop, adagrad)`);
  }
}

/** The LR schedule, stepped once per epoch. */
export function makeSchedule(c: TrainConfig, opt: Optimizer): LRScheduler | null {
  const main = c.schedule === 'cosine' ? (o: Optimizer) => new CosineAnnealingLR(o, Math.max(1, c.epochs - c.warmupEpochs))
    : c.schedule === 'step' ? (o: Optimizer) => new StepLR(o, Math.max(1, Math.floor(c.epochs / 3)), 0.1)
      : c.schedule === 'exponential' ? (o: Optimizer) => new ExponentialLR(o, 0.9)
        : c.schedule === 'none' ? null : (() => { throw new Error(`unknown schedule '${c.schedule as string}' (known: none, cosine, step, exponential)`); })();
  if (c.warmupEpochs > 0) {
    const inner = main ? main(opt) : null;
    return new LinearWarmupLR(opt, c.warmupEpochs, 0.1, inner ? (t) => inner.factor(t) : undefined);
  }
  return main ? main(opt) : null;
}

function batchOf(d: ImageData, idx: Int32Array, size: number): Float32Array {
  const x = new Float32Array(idx.length * size);
  idx.forEach((k, i) => x.set(d.images.subarray(k * size, (k + 1) * size), i * size));
  return x;
}

/**
 * Loss and classification report of a model on a split, in eval mode, without the graph.
 * With adaptBatchNorm (AdaBN, see adapt.ts), each speaker's images (`d.groups`; none: one
 * speaker) are predicted after the batch-norm statistics are recomputed on them; the model
 * keeps the last speaker's. With adaptWarp (test-time VTLN, see adapt.ts), each speaker's
 * images are first warped along the frequency axis by the factor chosen for that speaker.
 * `warps` lists the chosen factor of each speaker, in the order of first appearance;
 * `probabilities` [n, numClasses] are the softmax of each image's logits.
 */
export function evaluate(model: Module, d: ImageData, h: number, w: number, numClasses: number, o: { batchSize?: number; adaptBatchNorm?: boolean; adaptWarp?: boolean } = {}): ClassificationReport & { loss: number; predictions: Int32Array; probabilities: Float32Array; warps: { speaker: string; alpha: number }[] } {
  const size = h * w, n = d.labels.length, batchSize = o.batchSize ?? 256;
  const probabilities = new Float32Array(n * numClasses);
  let lossSum = 0;
  const perSpeaker = o.adaptBatchNorm || o.adaptWarp;
  const speakers = perSpeaker ? [...groupIndices(d.groups ?? new Array<string>(n).fill('')).entries()] : [['', Array.from({ length: n }, (_, i) => i)] as const];
  const warps: { speaker: string; alpha: number }[] = [];
  const was = model.training;
  model.eval();
  try {
    for (const [speaker, members] of speakers) {
      const all = Int32Array.from(members);
      const { images, alpha } = adaptToSpeaker(model, batchOf(d, all, size), h, w, { adaptBatchNorm: o.adaptBatchNorm === true, adaptWarp: o.adaptWarp === true });
      if (alpha !== null) warps.push({ speaker, alpha });
      noGrad(() => {
        for (const batch of batchIndices(all.length, { batchSize })) {
          const x = new Float32Array(batch.length * size);
          batch.forEach((j, i) => x.set(images.subarray(j * size, (j + 1) * size), i * size));
          const logits = model.forward(tensor(x, [batch.length, h, w, 1]));
          const y = Int32Array.from(batch, (j) => d.labels[all[j]]);
          lossSum += crossEntropy(logits, y).item() * batch.length;
          const q = logits.softmax(-1).toArray();
          batch.forEach((j, i) => probabilities.set(q.subarray(i * numClasses, (i + 1) * numClasses), all[j] * numClasses));
        }
      });
    }
  } finally { model.train(was); }
  const predictions = argmaxRows(probabilities, numClasses);
  return { ...classificationReport(d.labels, predictions, numClasses), loss: lossSum / Math.max(n, 1), predictions, probabilities, warps };
}

/**
 * Train one model: epochs of shuffled mini-batches (SpecAugment on training batches
 * only), evaluation on the validation split after each epoch, the LR schedule,
 * early stopping on validation macro F1, `last` and `best` checkpoints every epoch,
 * and the best model's report on the test split at the end.
 * With `resume`, continues from `outDir/last.safetensors` (model, optimizer, schedule,
 * random generators, epoch, history).
 */
export async function train(config: TrainConfig, data: TrainData, o: TrainOptions): Promise<TrainResult> {
  try {
    return o.run ? await trainTracked(config, data, o, o.run) : await trainLoop(config, data, o);
  } finally {
    getBackend().trim?.(); // the memory kept for the next step's activations is not needed after the last one
  }
}

/** train() with a tracked run: its summary, confusion matrix, checkpoints and final status. */
async function trainTracked(config: TrainConfig, data: TrainData, o: TrainOptions, run: Run): Promise<TrainResult> {
  try {
    const r = await trainLoop(config, data, o);
    run.summary = {
      ...run.summary, status: r.status, best_epoch: r.bestEpoch, best_val_macro_f1: r.bestValMacroF1, epochs: r.history.length,
      train_seconds: r.trainSeconds, images_per_second: r.imagesPerSecond, parameters: r.parameters,
      ...(r.test ? { test_macro_f1: r.test.macroF1, test_accuracy: r.test.accuracy, test_weighted_f1: r.test.weightedF1, test_loss: r.test.loss, test_f1_per_class: r.test.f1 } : {}),
      ...(r.message ? { message: r.message } : {}),
    };
    if (r.test) run.logConfusionMatrix('test/confusion', r.test.confusion, (o.meta?.classes as string[] | undefined) ?? r.test.f1.map((_, i) => String(i)));
    for (const k of ['best', 'last'] as const) if (existsSync(r.checkpoints[k])) run.logArtifact('checkpoint', k, r.checkpoints[k]);
    run.finish(r.status === 'stopped' ? 'stopped' : r.status === 'diverged' ? 'failed' : 'finished');
    return r;
  } catch (e) {
    run.summary = { ...run.summary, error: (e as Error).message };
    run.finish('failed');
    throw e;
  }
}

export interface TrainOptions {
  outDir: string;
  resume?: boolean;
  callbacks?: TrainCallbacks;
  /** Saved in the checkpoints' metadata (preprocessing, class names, speakers). */
  meta?: Record<string, unknown>;
  /** A tracked run (specnet's tracker): gets the loss per step, the metrics per epoch, sample images, the test confusion matrix and summary, and is finished with the run's status; a stop request from the dashboard stops training like Ctrl-C. */
  run?: Run;
}

async function trainLoop(config: TrainConfig, data: TrainData, o: TrainOptions): Promise<TrainResult> {
  const c = { ...DEFAULT_TRAIN, ...config };
  const run = o.run;
  // the run's heartbeat picks up a stop request from the dashboard
  const shouldStop = () => (o.callbacks?.shouldStop?.() ?? false) || (run?.shouldStop() ?? false);
  const { height: h, width: w, numClasses } = data;
  for (const [name, d] of Object.entries({ train: data.train, validation: data.validation, ...(data.test ? { test: data.test } : {}) })) {
    if (d.images.length !== d.labels.length * h * w) throw new RangeError(`train: the ${name} split has ${d.images.length} values for ${d.labels.length} images of ${h}×${w}`);
    if (d.labels.length === 0) throw new RangeError(`train: the ${name} split is empty`);
    const bad = d.images.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`train: image ${Math.floor(bad / (h * w))} of the ${name} split holds ${d.images[bad]}; images must be finite`);
    const badLabel = d.labels.findIndex((v) => !(v >= 0 && v < numClasses));
    if (badLabel >= 0) throw new RangeError(`train: label ${badLabel} of the ${name} split is ${d.labels[badLabel]}, outside the ${numClasses} classes`);
  }
  mkdirSync(o.outDir, { recursive: true });
  const paths = { last: join(o.outDir, 'last.safetensors'), best: join(o.outDir, 'best.safetensors') };
  manualSeed(c.seed);
  const modelOptions: ModelOptions = { ...c.modelOptions, inChannels: 1, numClasses, inputSize: [h, w] };
  const model = createModel(c.model, modelOptions);
  const opt = makeOptimizer(c, model.namedParameters());
  const schedule = makeSchedule(c, opt);
  const augGen = new Generator(c.seed + 1);
  const policy = c.augment === 'none' ? null : specAugmentPolicy(c.augment);
  let history: EpochRecord[] = [];
  let bestEpoch = 0, bestF1 = -1, startEpoch = 1, step = 0;
  const baseMeta = { model: c.model, modelOptions: modelOptions as Record<string, unknown>, config: c, ...o.meta };
  /** Where a stopped epoch stood, so that resuming skips the batches already done. */
  interface Partial { epoch: number; batches: number; lossSum: number; correct: number; count: number; seconds: number }
  const save = (path: string, epoch: number, partial: Partial | null = null) => saveCheckpoint(path, model, {
    ...baseMeta, epoch, step, history, bestEpoch, bestValMacroF1: bestF1, scheduleStep: schedule?.t ?? 0,
    rng: { augment: augGen.getState(), default: defaultGenerator.getState() }, partial,
  }, opt);
  let partial: Partial | null = null;

  if (o.resume && !existsSync(paths.last)) {
    throw new Error(`--resume: there is no checkpoint to resume from (${paths.last} does not exist); is --out right? Without --resume the run starts from scratch`);
  }
  if (o.resume) {
    const meta = loadCheckpoint(paths.last, model, c.model, opt) as unknown as { epoch: number; step: number; history: EpochRecord[]; bestEpoch: number; bestValMacroF1: number; scheduleStep: number; rng: { augment: number[]; default: number[] }; partial: Partial | null };
    startEpoch = meta.epoch + 1; step = meta.step; history = meta.history; bestEpoch = meta.bestEpoch; bestF1 = meta.bestValMacroF1;
    partial = meta.partial;
    schedule?.setStep(meta.scheduleStep);
    // JSON turns NaN (an empty spare normal) into null: restore it as NaN
    augGen.setState(meta.rng.augment.map((v) => (v === null ? NaN : v)));
    defaultGenerator.setState(meta.rng.default.map((v) => (v === null ? NaN : v)));
  }

  const size = h * w;
  let status: TrainResult['status'] = 'completed';
  let message: string | undefined;
  let trainSeconds = history.reduce((s, r) => s + r.seconds, 0), seen = history.reduce((s, r) => s + r.imagesPerSecond * r.seconds, 0);
  for (let epoch = startEpoch; epoch <= c.epochs; epoch++) {
    model.train();
    const resumed = partial && partial.epoch === epoch ? partial : null;
    partial = null;
    const t0 = performance.now() - (resumed?.seconds ?? 0) * 1000;
    let lossSum = resumed?.lossSum ?? 0, correct = resumed?.correct ?? 0, count = resumed?.count ?? 0, b = 0;
    const batches = Math.ceil(data.train.labels.length / c.batchSize);
    for (const idx of batchIndices(data.train.labels.length, { batchSize: c.batchSize, shuffle: true, seed: c.seed }, epoch)) {
      if (resumed && b < resumed.batches) { b++; continue; }   // done before the stop
      let xs = batchOf(data.train, idx, size);
      if (run && step === 0) run.logImage('sample/input', { data: xs.slice(0, size), height: h, width: w }, { step: 0, caption: `${variantOf(o.meta)}, label ${data.train.labels[idx[0]]}` });
      if (policy) xs = specAugmentBatch(xs, idx.length, h, w, policy, augGen);
      if (run && step === 0 && policy) run.logImage('sample/augmented', { data: xs.slice(0, size), height: h, width: w }, { step: 0, caption: `SpecAugment ${c.augment}` });
      const y = Int32Array.from(idx, (k) => data.train.labels[k]);
      const mixed = c.mixup > 0 ? mixupBatch(xs, idx.length, size, c.mixup, augGen) : null;
      const logits = model.forward(tensor(mixed ? mixed.images : xs, [idx.length, h, w, 1]));
      let loss: Tensor;
      if (mixed) {
        // λ·CE(own label) + (1 − λ)·CE(partner's label), over one log_softmax
        const logp = logSoftmax(logits, 1), yPartner = Int32Array.from(mixed.partner, (j) => y[j]);
        loss = add(mul(crossEntropyOfLogProbs(logp, y, { labelSmoothing: c.labelSmoothing }), mixed.lambda), mul(crossEntropyOfLogProbs(logp, yPartner, { labelSmoothing: c.labelSmoothing }), 1 - mixed.lambda));
      } else loss = crossEntropy(logits, y, { labelSmoothing: c.labelSmoothing });
      const l = loss.item();
      if (!Number.isFinite(l) || l > 1e4) {
        status = 'diverged';
        message = divergedMessage(`the training loss became ${l} at epoch ${epoch}, batch ${b + 1}`, opt.lr, paths.last);
        break;
      }
      const p = logits.argmax(1).toArray();
      opt.zeroGrad();
      loss.backward(undefined, { releaseGraph: true });      // activations are dead now: their memory is reused
      if (c.clipNorm > 0) clipGradNorm(model.parameters(), c.clipNorm);
      opt.step();
      step++; b++;
      lossSum += l * idx.length; count += idx.length;
      p.forEach((v, i) => { if (v === y[i]) correct++; });
      o.callbacks?.onBatch?.(step, l, b, batches);
      if (run) { run.log({ loss: l, lr: opt.lr }, step); run.countImages(idx.length); }
      await new Promise<void>((r) => setImmediate(r));           // let Ctrl-C, progress and the dashboard run
      if (shouldStop()) { status = 'stopped'; break; }
    }
    if (status === 'diverged') break;
    const seconds = (performance.now() - t0) / 1000;
    if (status === 'stopped') {
      // save exactly where we are; resuming skips the batches already done (the data order is fixed by the seed)
      save(paths.last, epoch - 1, { epoch, batches: b, lossSum, correct, count, seconds });
      message = `stopped during epoch ${epoch} after batch ${b}; resume continues from there`;
      break;
    }
    schedule?.step();
    const val = evaluate(model, data.validation, h, w, numClasses);
    trainSeconds += seconds; seen += count;
    const rec: EpochRecord = {
      epoch, trainLoss: lossSum / count, trainAccuracy: correct / count, valLoss: val.loss, valAccuracy: val.accuracy,
      valMacroF1: val.macroF1, lr: opt.lr, seconds, imagesPerSecond: count / seconds,
    };
    if (!Number.isFinite(val.loss)) {
      // the weights blew up without a non-finite training loss (a huge learning rate): this epoch's model is no model
      status = 'diverged';
      message = divergedMessage(`the validation loss became ${val.loss} after epoch ${epoch}`, opt.lr, paths.last);
      break;
    }
    history.push(rec);
    run?.log({ epoch, train_loss: rec.trainLoss, train_accuracy: rec.trainAccuracy, val_loss: rec.valLoss, val_accuracy: rec.valAccuracy, val_macro_f1: rec.valMacroF1, epoch_seconds: seconds, images_per_second: rec.imagesPerSecond }, step);
    if (val.macroF1 > bestF1) { bestF1 = val.macroF1; bestEpoch = epoch; save(paths.best, epoch); }
    save(paths.last, epoch);
    o.callbacks?.onEpoch?.(rec);
    if (c.patience > 0 && epoch - bestEpoch >= c.patience) { status = 'early-stopped'; message = `no better validation macro F1 for ${c.patience} epochs`; break; }
  }
  let test: TrainResult['test'], testProbabilities: Float32Array | undefined;
  if (data.test && existsSync(paths.best) && status !== 'stopped') {
    const best = createModel(c.model, modelOptions);
    loadCheckpoint(paths.best, best, c.model);
    const { predictions: _p, probabilities, ...report } = evaluate(best, data.test, h, w, numClasses, { adaptBatchNorm: c.adaptBatchNorm, adaptWarp: c.adaptWarp });
    void _p;
    test = report; testProbabilities = probabilities;
    if (run) logFilters(run, best, data.train.images.subarray(0, size), h, w);
  }
  return {
    status, message, history, bestEpoch, bestValMacroF1: bestF1, test, testProbabilities, checkpoints: paths, trainSeconds,
    imagesPerSecond: seen / Math.max(trainSeconds, 1e-9), parameters: model.numParameters(),
  };
}
