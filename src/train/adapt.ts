/**
 * Test-time adaptation of batch norm to one speaker: AdaBN (Li et al. 2017, "Adaptive
 * batch normalization for practical domain adaptation"). A network trained on some voices
 * normalises every layer with those voices' statistics; an unseen speaker's activations sit
 * elsewhere. AdaBN recomputes each batch-norm layer's running mean and variance on the new
 * speaker's own recordings (no labels needed), and keeps every learned weight.
 */
import { freqWarpBy } from '../augment/specaugment.js';
import { noGrad } from '../autograd/index.js';
import { BatchNorm } from '../nn/layers/norm.js';
import type { Module } from '../nn/module.js';
import { tensor } from '../tensor/create.js';

/**
 * Replace the running statistics of every batch-norm layer of `model` by their average over
 * `images` [count, h, w] (one channel), forwarded in batches of at most `batchSize`, split
 * evenly. Weights and the model's mode are unchanged. Returns how many layers were adapted
 * (0 for a model without batch norm, which is left as it was).
 */
export function adaptBatchNorm(model: Module, images: Float32Array, h: number, w: number, batchSize = 256): number {
  const norms = model.modules().filter((m): m is BatchNorm => m instanceof BatchNorm);
  const size = h * w, n = images.length / size;
  if (!Number.isInteger(n)) throw new RangeError(`adaptBatchNorm: ${images.length} values are not whole ${h}×${w} images`);
  if (norms.length === 0 || n === 0) return 0;
  const was = model.training, momenta = norms.map((b) => b.momentum);
  const batches = Math.ceil(n / batchSize);
  try {
    model.eval();
    for (const b of norms) { b.resetRunningStats(); b.momentum = null; b.training = true; }
    noGrad(() => {
      for (let k = 0; k < batches; k++) {
        const from = Math.floor((k * n) / batches), to = Math.floor(((k + 1) * n) / batches);
        model.forward(tensor(images.slice(from * size, to * size), [to - from, h, w, 1]));
      }
    });
  } finally {
    norms.forEach((b, i) => { b.momentum = momenta[i]; });
    model.train(was);
  }
  return norms.length;
}

/** The frequency-warp factors adaptWarp tries: ±10% in steps of 2%. */
export const WARP_FACTORS: readonly number[] = [0.9, 0.92, 0.94, 0.96, 0.98, 1, 1.02, 1.04, 1.06, 1.08, 1.1];

/**
 * Test-time vocal tract length normalisation (VTLN) of one speaker, chosen without labels.
 * Speakers differ in vocal-tract length, which scales their formants; classic VTLN (Lee & Rose
 * 1996) warps each speaker's frequency axis by the factor under which the model fits them best.
 * Here every image of the speaker is warped along the frequency axis by each factor α
 * (`freqWarpBy`), batch norm is adapted to the warped images when `adaptBatchNorm` is set, and
 * the factor whose predictions have the lowest mean entropy (the model is most certain) wins.
 * Returns that factor, the speaker's images warped by it, and leaves batch norm adapted to
 * them. `images` [count, h, w] are not changed.
 */
export function adaptWarp(model: Module, images: Float32Array, h: number, w: number, o: { adaptBatchNorm: boolean; factors?: readonly number[]; batchSize?: number }): { alpha: number; images: Float32Array } {
  const size = h * w, n = images.length / size, batchSize = o.batchSize ?? 256;
  if (!Number.isInteger(n)) throw new RangeError(`adaptWarp: ${images.length} values are not whole ${h}×${w} images`);
  const factors = o.factors ?? WARP_FACTORS;
  const warpAll = (alpha: number): Float32Array => {
    if (alpha === 1) return images;
    const out = new Float32Array(images.length);
    for (let i = 0; i < n; i++) out.set(freqWarpBy(images.subarray(i * size, (i + 1) * size), h, w, alpha), i * size);
    return out;
  };
  const meanEntropy = (x: Float32Array): number => {
    let sum = 0;
    for (let from = 0; from < n; from += batchSize) {
      const count = Math.min(batchSize, n - from);
      const p = model.predict(tensor(x.slice(from * size, (from + count) * size), [count, h, w, 1])).softmax(-1).toArray();
      for (const v of p) if (v > 0) sum -= v * Math.log(v);
    }
    return sum / Math.max(n, 1);
  };
  let best = { alpha: 1, images, entropy: Infinity };
  for (const alpha of factors) {
    const x = warpAll(alpha);
    if (o.adaptBatchNorm) adaptBatchNorm(model, x, h, w, batchSize);
    const entropy = meanEntropy(x);
    if (entropy < best.entropy) best = { alpha, images: x, entropy };
  }
  if (o.adaptBatchNorm) adaptBatchNorm(model, best.images, h, w, batchSize);
  return { alpha: best.alpha, images: best.images };
}

/**
 * The test-time adaptation a checkpoint asks for, on one speaker's images: the warp of
 * adaptWarp (which adapts batch norm too when asked), or AdaBN alone, or nothing. Returns the
 * images to predict (warped or the same array) and the chosen factor (null without adaptWarp).
 */
export function adaptToSpeaker(model: Module, images: Float32Array, h: number, w: number, o: { adaptBatchNorm: boolean; adaptWarp: boolean }): { images: Float32Array; alpha: number | null } {
  if (o.adaptWarp) return adaptWarp(model, images, h, w, { adaptBatchNorm: o.adaptBatchNorm });
  if (o.adaptBatchNorm) adaptBatchNorm(model, images, h, w);
  return { images, alpha: null };
}
