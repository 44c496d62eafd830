/**
 * Test-time adaptation of batch norm to one speaker: AdaBN (Li et al. 2017, "Adaptive
 * batch normalization for practical domain adaptation"). A network trained on some voices
 * normalises every layer with those voices' statistics; an unseen speaker's activations sit
 * elsewhere. AdaBN recomputes each batch-norm layer's running mean and variance on the new
 * speaker's own recordings (no labels needed), and keeps every learned weight.
 */
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
