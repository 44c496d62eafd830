import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freqWarp, specAugment, specAugmentBatch, specAugmentPolicy, timeWarp } from '../../src/augment/specaugment.js';
import { Generator } from '../../src/tensor/random.js';

const H = 32, W = 40;
const img = Float32Array.from({ length: H * W }, (_, i) => 1 + ((i * 7919) % 101) / 100);   // no zeros, mean > 0

test('frequency and time masks cover whole rows / columns with the image mean, within their bounds', () => {
  const o = { timeWarp: 0, freqMask: 0.25, freqMasks: 2, timeMask: 0.2, timeMasks: 2, maxTimeFraction: 1, maskValue: 'zero' as const };
  for (let seed = 0; seed < 20; seed++) {
    const out = specAugment(img, H, W, o, new Generator(seed));
    const zeroRows = [...Array(H).keys()].filter((y) => out.subarray(y * W, (y + 1) * W).every((v) => v === 0));
    const zeroCols = [...Array(W).keys()].filter((x) => [...Array(H).keys()].every((y) => out[y * W + x] === 0));
    assert.ok(zeroRows.length <= 2 * Math.floor(0.25 * H), `seed ${seed}: ${zeroRows.length} masked rows`);
    assert.ok(zeroCols.length <= 2 * Math.floor(0.2 * W), `seed ${seed}: ${zeroCols.length} masked columns`);
    // every zero lies in a masked row or column
    for (let i = 0; i < out.length; i++) if (out[i] === 0) assert.ok(zeroRows.includes(Math.floor(i / W)) || zeroCols.includes(i % W));
  }
  const mean = img.reduce((s, v) => s + v, 0) / img.length;
  const m = specAugment(img, H, W, { ...o, maskValue: 'mean' }, new Generator(5));
  assert.ok(m.some((v) => Math.abs(v - mean) < 1e-6), 'mean masking writes the mean');
});

test('seeded: the same seed gives the same augmentation, another seed a different one; the input is untouched', () => {
  const o = specAugmentPolicy('LD');
  const before = img.slice();
  const a = specAugment(img, H, W, o, new Generator(1)), b = specAugment(img, H, W, o, new Generator(1));
  const c = specAugment(img, H, W, o, new Generator(2));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(img, before);
  const batch = new Float32Array(3 * H * W);
  batch.set(img, 0); batch.set(img, H * W); batch.set(img, 2 * H * W);
  const out = specAugmentBatch(batch, 3, H, W, o, new Generator(9));
  assert.notDeepEqual(out.subarray(0, H * W), out.subarray(H * W, 2 * H * W), 'each image gets its own draw');
});

test('time warp moves columns, keeps the ends, and leaves rows independent', () => {
  const ramp = Float32Array.from({ length: H * W }, (_, i) => i % W);       // value = column index
  const out = timeWarp(ramp, H, W, 0.2, new Generator(4));
  assert.equal(out[0], 0);
  assert.ok(Math.abs(out[W - 1] - (W - 1)) < 1e-4);
  for (let x = 1; x < W; x++) assert.ok(out[x] >= out[x - 1] - 1e-6, 'a warp is monotonic');
  assert.notDeepEqual(out, ramp);
  for (let y = 1; y < H; y++) assert.deepEqual(out.subarray(y * W, (y + 1) * W), out.subarray(0, W));
  assert.throws(() => specAugmentPolicy('extreme'), /unknown SpecAugment policy 'extreme' \(known: none, light, LB, LD, strong, LDW\)/);
});

test('frequency warp stretches the rows about the lowest band by the drawn factor', () => {
  // one bright row at height 10 from the bottom (row H - 1 - 10 of the image)
  const line = new Float32Array(H * W);
  line.fill(1, (H - 1 - 10) * W, (H - 10) * W);
  for (let seed = 0; seed < 10; seed++) {
    const alpha = 1 - 0.2 + 0.4 * new Generator(seed).uniform();   // the draw freqWarp makes
    const out = freqWarp(line, H, W, 0.2, new Generator(seed));
    // the brightest output row sits at height 10·α (the nearest whole row)
    let best = 0;
    for (let y = 0; y < H; y++) if (out[(H - 1 - y) * W] > out[(H - 1 - best) * W]) best = y;
    assert.ok(Math.abs(best - 10 * alpha) <= 0.5 + 1e-9, `seed ${seed}: α ${alpha.toFixed(3)}, peak at ${best}`);
    for (let y = 0; y < H; y++) assert.ok(out.subarray(y * W, (y + 1) * W).every((v) => v === out[y * W]), 'columns move together');
  }
  assert.deepEqual(freqWarp(img, H, W, 0, new Generator(1)), img, 'a = 0 is the identity');
  const warped = specAugment(img, H, W, { ...specAugmentPolicy('none'), freqWarp: 0.1 }, new Generator(3));
  assert.deepEqual(warped, freqWarp(img, H, W, 0.1, new Generator(3)), 'the policy field applies it');
});
