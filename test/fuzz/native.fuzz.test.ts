/**
 * Property-based fuzzing of the native kernels that index memory by a value or a computed shape:
 * the bilateral filter's range table, max pooling's argmax (forward and backward), the resize taps,
 * the STFT's reflect padding, the mel filterbank's support, softmax and argmax, fed random shapes and
 * values with NaN, ±Infinity, huge values and denormals. The property: no crash, the output has its
 * shape, indices stay in range, and on finite inputs the native kernel agrees with the reference.
 * scripts/asan.sh runs this file against an AddressSanitizer + UBSan build of the addon, so that an
 * out-of-bounds read fails here instead of in a user's run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BACKENDS, assertClose } from '../helpers.js';
import { setBackend, getBackend } from '../../src/backend/index.js';
import { bilateralFilter, bilateralFilterReference } from '../../src/vision/bilateral.js';
import { resize } from '../../src/vision/resize.js';
import { stft } from '../../src/audio/stft.js';
import { logMelSpectrogram } from '../../src/audio/features.js';
import { tensor } from '../../src/tensor/create.js';
import { maxPool2d } from '../../src/autograd/ops/pool.js';

const native = BACKENDS.includes('native');
const RUNS = { seed: 777, numRuns: Number(process.env.SPECNET_FUZZ_RUNS) || 150 };
/** A float32 value of any kind: ordinary, NaN, ±Infinity, huge, tiny, denormal. */
const anyFloat = fc.oneof({ arbitrary: fc.float({ min: -2, max: 2, noNaN: true }), weight: 6 },
  fc.constantFrom(NaN, Infinity, -Infinity, 3.4e38, -3.4e38, 1e-45, -1e-40, 0, -0));
const image = (maxSide: number) => fc.record({ h: fc.integer({ min: 1, max: maxSide }), w: fc.integer({ min: 1, max: maxSide }) })
  .chain(({ h, w }) => fc.record({ h: fc.constant(h), w: fc.constant(w), data: fc.array(anyFloat, { minLength: h * w, maxLength: h * w }).map((a) => Float32Array.from(a)) }));
const finite = (a: Float32Array) => a.every((v) => Number.isFinite(v) && Math.abs(v) < 1e30);

test('fuzz the bilateral filter: any image, diameter and sigmas; finite images agree with the reference', { skip: !native && 'the native backend is not built' }, () => {
  setBackend('native');
  fc.assert(fc.property(image(24), fc.integer({ min: -3, max: 15 }), fc.oneof(fc.double({ min: 1e-3, max: 5, noNaN: true }), fc.constantFrom(0, -1, 1e-30, 1e30)),
    fc.oneof(fc.double({ min: 0.1, max: 8, noNaN: true }), fc.constantFrom(0, -2, 99)), ({ h, w, data }, d, sigmaColor, sigmaSpace) => {
      const o = { d, sigmaColor, sigmaSpace };
      const out = bilateralFilter(data, h, w, o);
      assert.equal(out.length, h * w);
      if (finite(data) && Number.isFinite(sigmaColor)) assertClose(out, bilateralFilterReference(data, h, w, o), { rtol: 1e-3, atol: 1e-4 }, 'native vs reference');
    }), RUNS);
});

test('fuzz max pooling: the argmax of any values (NaN included) stays inside the window, and the backward pass writes only there', () => {
  for (const name of BACKENDS) {
    setBackend(name);
    let pooled = 0;
    fc.assert(fc.property(fc.record({ n: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }), c: fc.constantFrom(1, 3, 6, 16, 17) }),
      fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1 }), anyFloat, fc.nat(), ({ n, h, w, c }, k, s, pad, special, seed) => {
        if (k > h + 2 * pad || k > w + 2 * pad || pad * 2 > k) return;
        const size = n * h * w * c;
        const data = Float32Array.from({ length: size }, (_, i) => ((i * 2654435761 + seed) % 1000) / 500 - 1);
        for (let i = seed % 7; i < size; i += 7) data[i] = special;
        const x = tensor(data, [n, h, w, c], { requiresGrad: true });
        const y = maxPool2d(x, k, { stride: s, padding: pad });
        const oh = Math.floor((h + 2 * pad - k) / s) + 1, ow = Math.floor((w + 2 * pad - k) / s) + 1;
        assert.deepEqual([...y.shape], [n, oh, ow, c]);
        y.sum().backward();
        const g = x.grad!.toArray();
        assert.equal(g.length, size);
        // every output's gradient of 1 lands on one input cell: the total is the output count
        let total = 0;
        for (const v of g) total += v;
        assert.equal(total, n * oh * ow * c, `${name}: gradient total`);
        pooled++;
      }), { ...RUNS, numRuns: Math.min(RUNS.numRuns, 100) });
    assert.ok(pooled >= 30, `${name}: only ${pooled} of the draws were poolable shapes`);
  }
});

test('fuzz resize, the STFT and the mel filterbank with any values: outputs of the right size, no crash', () => {
  for (const name of BACKENDS) {
    setBackend(name);
    fc.assert(fc.property(image(20), fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 24 }), fc.constantFrom('area', 'bilinear') as fc.Arbitrary<'area' | 'bilinear'>, ({ h, w, data }, oh, ow, mode) => {
      const out = resize(data, h, w, oh, ow, mode);
      assert.equal(out.length, oh * ow);
      if (finite(data)) for (const v of out) assert.ok(Number.isFinite(v), `${name}: resize of finite values is finite`);
    }), RUNS);
    fc.assert(fc.property(fc.array(anyFloat, { minLength: 1, maxLength: 600 }), fc.constantFrom(16, 32, 64, 256), fc.integer({ min: 1, max: 80 }), (samples, nFft, hop) => {
      const x = Float32Array.from(samples);
      if (x.length <= nFft / 2) return;   // reflect padding needs more samples than the pad (torch.stft's rule)
      const s = stft(x, { nFft, hopLength: hop, power: 2 });
      assert.equal(s.data.length, s.frames * (nFft / 2 + 1));
      const mel = logMelSpectrogram(x, { sampleRate: 8000, nFft, hopLength: hop, nMels: Math.min(16, nFft / 2), fMin: 0, fMax: null, melScale: 'htk', melNorm: null, topDb: 80 });
      assert.equal(mel.data.length, mel.frames * Math.min(16, nFft / 2));
    }), RUNS);
  }
});

test('fuzz softmax and argmax over rows with NaN and ±Infinity: shapes kept, argmax inside the row', () => {
  for (const name of BACKENDS) {
    setBackend(name);
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 700 }), anyFloat, fc.nat(), (rows, cols, special, seed) => {
      const data = Float32Array.from({ length: rows * cols }, (_, i) => ((i * 40503 + seed) % 997) / 99);
      for (let i = seed % 5; i < data.length; i += 5) data[i] = special;
      const t = tensor(data, [rows, cols]);
      assert.equal(t.softmax(-1).toArray().length, rows * cols);
      assert.equal(t.logSoftmax(-1).toArray().length, rows * cols);
      for (const a of t.argmax(1).toArray()) assert.ok(a >= 0 && a < cols, `${name}: argmax ${a} of ${cols}`);
    }), RUNS);
  }
  assert.ok(getBackend());
});
