/**
 * Pictures of what a CNN learned, for the tracker: the first convolution's
 * filters and the feature maps they produce on one input (each normalised to
 * [0, 1] on its own, so contrast shows the pattern, not the scale).
 */
import { noGrad } from '../autograd/index.js';
import { normalizeImage } from '../audio/features.js';
import { Conv2d } from '../nn/layers/conv.js';
import type { Module } from '../nn/module.js';
import { tensor } from '../tensor/create.js';
import type { PanelImage } from '../vision/png.js';

/** The first Conv2d in registration order (depth first), or null for a model without one (the MLP). */
export function firstConv(m: Module): Conv2d | null {
  if (m instanceof Conv2d) return m;
  for (const [, c] of m.namedChildren()) { const f = firstConv(c); if (f) return f; }
  return null;
}

const unit = (data: Float32Array): Float32Array => normalizeImage(data, 'minmax');

/** One panel per output channel: its kernel [kH, kW] (averaged over input channels). */
export function filterPanels(conv: Conv2d): PanelImage[] {
  const [O, kH, kW, I] = conv.weight.shape;
  const w = conv.weight.toArray();
  return Array.from({ length: O }, (_, o) => {
    const k = new Float32Array(kH * kW);
    for (let p = 0; p < kH * kW; p++) { let s = 0; for (let i = 0; i < I; i++) s += w[(o * kH * kW + p) * I + i]; k[p] = s / I; }
    return { data: unit(k), height: kH, width: kW };
  });
}

/** One panel per output channel: the first convolution's response to one image [h, w] (the convolution must take one channel). */
export function featureMapPanels(conv: Conv2d, image: Float32Array, h: number, w: number): PanelImage[] {
  const y = noGrad(() => conv.forward(tensor(image, [1, h, w, 1])));
  const [, Ho, Wo, O] = y.shape;
  const v = y.toArray();
  return Array.from({ length: O }, (_, o) => {
    const m = new Float32Array(Ho * Wo);
    for (let p = 0; p < Ho * Wo; p++) m[p] = v[p * O + o];
    return { data: unit(m), height: Ho, width: Wo };
  });
}
