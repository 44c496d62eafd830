import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bilateralFilter, bilateralFilterReference } from '../../src/vision/bilateral.js';
import { reflect101 } from '../../src/vision/border.js';
import { resize } from '../../src/vision/resize.js';
import { assertClose, onEachBackend } from '../helpers.js';
import { audioFixtures } from '../audio/fixtures.js';

for (const [name, setup] of onEachBackend(() => {})) {
  test(`the bilateral filter matches cv2.bilateralFilter within 1e-3 on [0, 1] images (${name})`, () => {
    setup();
    const cases = audioFixtures().bilateral;
    assert.ok(cases.length >= 10);
    for (const c of cases) {
      const [h, w] = c.input.shape;
      const out = bilateralFilter(Float32Array.from(c.input.data), h, w, { d: c.d, sigmaColor: c.sigmaColor, sigmaSpace: c.sigmaSpace });
      assertClose(out, c.output.data, { rtol: 0, atol: 1e-3 }, `${c.image} d=${c.d} σc=${c.sigmaColor} σs=${c.sigmaSpace}`);
      const ref = bilateralFilterReference(Float32Array.from(c.input.data), h, w, { d: c.d, sigmaColor: c.sigmaColor, sigmaSpace: c.sigmaSpace });
      assertClose(out, ref, { rtol: 0, atol: 1e-5 }, 'backend vs reference');
    }
  });
}

test('bilateral filter: a constant image is unchanged, an edge survives, noise is smoothed', () => {
  assert.deepEqual([...bilateralFilter(new Float32Array(16).fill(0.3), 4, 4, { d: 5, sigmaColor: 0.1, sigmaSpace: 2 })], new Array(16).fill(0.3).map(Math.fround));
  // a step edge: 0 on the left, 1 on the right, with small noise
  const w = 16, h = 8, img = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img[y * w + x] = (x < 8 ? 0 : 1) + 0.02 * Math.sin(7 * x + 3 * y);
  const out = bilateralFilter(img, h, w, { d: 5, sigmaColor: 0.1, sigmaSpace: 2 });
  for (let y = 0; y < h; y++) { assert.ok(out[y * w + 7] < 0.1); assert.ok(out[y * w + 8] > 0.9); }
  assert.throws(() => bilateralFilter(img, 3, 3, { d: 5, sigmaColor: 1, sigmaSpace: 1 }), /do not fill a 3×3 image/);
});

for (const [name, setup] of onEachBackend(() => {})) {
  test(`resize matches cv2.resize (INTER_LINEAR, INTER_AREA) on float images (${name})`, () => {
    setup();
    for (const c of audioFixtures().resize) {
      const [h, w] = c.input.shape;
      const out = resize(Float32Array.from(c.input.data), h, w, c.height, c.width, c.mode);
      assertClose(out, c.output.data, { rtol: 0, atol: 1e-5 }, `${c.image} → ${c.height}×${c.width} ${c.mode}`);
    }
    // one axis kept, the other shrunk or enlarged (a spectrogram's frequency axis is often kept)
    const img = Float32Array.from({ length: 6 * 10 }, (_, i) => Math.sin(i));
    const rows = resize(img, 6, 10, 6, 4, 'area');
    for (let y = 0; y < 6; y++) assert.ok(Math.abs(rows[y * 4] - (img[y * 10] + img[y * 10 + 1] + 0.5 * img[y * 10 + 2]) / 2.5) < 1e-6);
    assert.deepEqual(resize(img, 6, 10, 6, 10), img);
    assert.throws(() => resize(img, 5, 10, 4, 4), /60 values do not fill a 5×10 image/);
  });
}

test('reflect-101 borders', () => {
  assert.deepEqual([-3, -2, -1, 0, 4, 5, 6, 7].map((i) => reflect101(i, 5)), [3, 2, 1, 0, 4, 3, 2, 1]);
});
