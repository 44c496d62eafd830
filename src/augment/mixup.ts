import { Generator } from '../tensor/random.js';

/**
 * mixup (Zhang et al. 2018, "mixup: Beyond Empirical Risk Minimization"): train on
 * convex combinations of pairs of examples and of their targets,
 *   x̃ = λ·x_i + (1 − λ)·x_j,   loss = λ·CE(f(x̃), y_i) + (1 − λ)·CE(f(x̃), y_j),
 * with λ ~ Beta(α, α) drawn once per batch and j a random permutation of the batch
 * (the paper's own implementation). Small α (0.1–0.4) keeps most images close to
 * one of the two; α = 1 mixes uniformly.
 */

/**
 * A Gamma(shape, 1) sample: Marsaglia & Tsang's method (2000) for shape ≥ 1, and
 * for shape < 1 their boost Gamma(shape) = Gamma(shape + 1) · U^(1/shape).
 */
export function sampleGamma(g: Generator, shape: number): number {
  if (!(shape > 0)) throw new RangeError(`sampleGamma: shape ${shape} must be > 0`);
  if (shape < 1) {
    let u = 0;
    while (u === 0) u = g.random();
    return sampleGamma(g, shape + 1) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do { x = g.normal(); v = 1 + c * x; } while (v <= 0);
    v = v * v * v;
    const u = g.random();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(a, b) sample, as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function sampleBeta(g: Generator, a: number, b: number): number {
  const x = sampleGamma(g, a), y = sampleGamma(g, b);
  return x + y === 0 ? 0.5 : x / (x + y);
}

export interface MixedBatch {
  /** The mixed images, [count, size]. */
  images: Float32Array;
  /** λ: the weight of each image's own label. */
  lambda: number;
  /** partner[i]: the index in the batch of the image mixed into image i (its label weighs 1 − λ). */
  partner: Int32Array;
}

/** Mix a batch of `count` images of `size` values each with a shuffled copy of itself. */
export function mixupBatch(images: Float32Array, count: number, size: number, alpha: number, g: Generator): MixedBatch {
  if (images.length !== count * size) throw new RangeError(`mixupBatch: ${images.length} values for ${count} images of ${size}`);
  if (!(alpha > 0)) throw new RangeError(`mixupBatch: alpha ${alpha} must be > 0`);
  const lambda = sampleBeta(g, alpha, alpha);
  const partner = g.shuffle(Int32Array.from({ length: count }, (_, i) => i)) as Int32Array;
  const out = new Float32Array(images.length);
  for (let i = 0; i < count; i++) {
    const a = i * size, b = partner[i] * size;
    for (let k = 0; k < size; k++) out[a + k] = lambda * images[a + k] + (1 - lambda) * images[b + k];
  }
  return { images: out, lambda, partner };
}
