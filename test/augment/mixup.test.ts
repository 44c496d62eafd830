import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mixupBatch, sampleBeta, sampleGamma } from '../../src/augment/mixup.js';
import { Generator } from '../../src/tensor/random.js';

const moments = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean: m, variance: xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length };
};

test('Gamma and Beta samples have the distributions\' means and variances', () => {
  const g = new Generator(3);
  for (const k of [0.3, 1, 4.5]) {
    const { mean, variance } = moments(Array.from({ length: 40000 }, () => sampleGamma(g, k)));
    assert.ok(Math.abs(mean - k) < 0.04 * Math.max(k, 1), `Gamma(${k}) mean ${mean}`);            // mean k, variance k
    assert.ok(Math.abs(variance - k) < 0.1 * Math.max(k, 1), `Gamma(${k}) variance ${variance}`);
  }
  for (const [a, b] of [[0.2, 0.2], [1, 1], [2, 5]]) {
    const xs = Array.from({ length: 40000 }, () => sampleBeta(g, a, b));
    assert.ok(xs.every((x) => x >= 0 && x <= 1));
    const { mean, variance } = moments(xs);
    const m = a / (a + b), v = (a * b) / ((a + b) ** 2 * (a + b + 1));
    assert.ok(Math.abs(mean - m) < 0.01, `Beta(${a}, ${b}) mean ${mean}, expected ${m}`);
    assert.ok(Math.abs(variance - v) < 0.01, `Beta(${a}, ${b}) variance ${variance}, expected ${v}`);
  }
  // small α puts most of the mass near 0 and 1: most mixed images stay close to one of the pair
  const small = Array.from({ length: 10000 }, () => sampleBeta(g, 0.2, 0.2));
  assert.ok(small.filter((x) => x < 0.1 || x > 0.9).length > 0.6 * small.length);
  assert.throws(() => sampleGamma(g, 0), /shape 0 must be > 0/);
});

test('mixupBatch mixes each image with its partner by λ, the partners being a permutation of the batch', () => {
  const count = 6, size = 5;
  const images = Float32Array.from({ length: count * size }, (_, i) => Math.floor(i / size) * 10 + (i % size));
  const { images: out, lambda, partner } = mixupBatch(images, count, size, 0.4, new Generator(7));
  assert.ok(lambda >= 0 && lambda <= 1);
  assert.deepEqual([...partner].sort(), [0, 1, 2, 3, 4, 5]);
  for (let i = 0; i < count; i++) for (let k = 0; k < size; k++) {
    const want = lambda * images[i * size + k] + (1 - lambda) * images[partner[i] * size + k];
    assert.ok(Math.abs(out[i * size + k] - want) < 1e-4);
  }
  assert.equal(images[7], 12, 'the input is not changed');
  // seeded: the same generator state gives the same mix
  assert.deepEqual(mixupBatch(images, count, size, 0.4, new Generator(7)).images, out);
  assert.throws(() => mixupBatch(images, count + 1, size, 0.4, new Generator(7)), /30 values for 7 images of 5/);
  assert.throws(() => mixupBatch(images, count, size, 0, new Generator(7)), /alpha 0 must be > 0/);
});
