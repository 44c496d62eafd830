import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { availableBackends, setBackend } from '../../src/backend/index.js';
import { ADDON_PATH, nativeAddon, nativeSettings } from '../../src/backend/native/index.js';
import { add, conv2d, maxPool2d, mul, relu, sum } from '../../src/autograd/index.js';
import { crossEntropy } from '../../src/nn/index.js';
import { LeNet5 } from '../../src/models/index.js';
import { Adam, AdamW, type Optimizer, SGD } from '../../src/optim/index.js';
import { tensor } from '../../src/tensor/create.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { Generator, manualSeed } from '../../src/tensor/random.js';
import { assertClose } from '../helpers.js';

const hasNative = availableBackends().includes('native');

test('CI builds the native backend (SPECNET_REQUIRE_NATIVE=1)', { skip: process.env.SPECNET_REQUIRE_NATIVE !== '1' }, () => {
  assert.ok(hasNative, 'the native backend did not load: run scripts/build-native.sh');
});

type ConvCase = [number[], number[], Parameters<typeof conv2d>[3], { bias: boolean }?];

/** Runs each [x shape, w shape, params, bias?] convolution on both backends: y and every gradient must agree. */
function convMatchesReference(cases: ConvCase[], seed: number, tol: { rtol: number; atol: number }): void {
  const g = new Generator(seed);
  for (const [xs, ws, o, opt] of cases) {
    const vals = (n: number) => Float32Array.from({ length: n }, () => g.normal());
    const xv = vals(xs.reduce((a, b) => a * b)), wv = vals(ws.reduce((a, b) => a * b)), bv = vals(ws[0]);
    const run = (backend: string) => {
      setBackend(backend);
      const [x, w, b] = [tensor(xv, xs), tensor(wv, ws), tensor(bv, [ws[0]])].map((t) => t.requiresGrad_());
      const y = conv2d(x, w, opt?.bias ? b : null, o);
      sum(mul(y, y)).backward();
      return [y.toArray(), x.grad!.toArray(), w.grad!.toArray(), ...(opt?.bias ? [b.grad!.toArray()] : [])];
    };
    const ref = run('reference'), nat = run('native');
    ['y', 'grad x', 'grad w', 'grad b'].slice(0, ref.length).forEach((n, i) =>
      assertClose(nat[i], ref[i], tol, `${n} of x ${JSON.stringify(xs)}, w ${JSON.stringify(ws)}, ${JSON.stringify(o)}`));
  }
}

describe('native backend', { skip: !hasNative && 'native addon not built' }, () => {
  test('the same seeded LeNet-5 training step gives the same loss and gradients on both backends', () => {
    const step = (backend: string) => {
      setBackend(backend);
      manualSeed(7);
      const model = new LeNet5({ inputSize: 32 });
      const g = new Generator(11);
      const x = tensor(Float32Array.from({ length: 8 * 32 * 32 }, () => g.normal()), [8, 32, 32, 1]);
      const y = [0, 1, 2, 3, 4, 5, 6, 7];
      const opt = new SGD(model.namedParameters(), { lr: 0.05, momentum: 0.9 });
      const losses: number[] = [];
      let grads: Record<string, Float32Array> = {};
      for (let i = 0; i < 3; i++) {
        const loss = crossEntropy(model.forward(x), y);
        opt.zeroGrad();
        loss.backward();
        losses.push(loss.item());
        if (i === 0) grads = Object.fromEntries(model.namedParameters().map(([n, p]) => [n, p.grad!.toArray()]));
        opt.step();
      }
      return { losses, grads, params: Object.fromEntries(model.namedParameters().map(([n, p]) => [n, p.toArray()])) };
    };
    const ref = step('reference'), nat = step('native');
    assertClose(nat.losses, ref.losses, { rtol: 1e-4, atol: 1e-5 }, 'losses');
    for (const name of Object.keys(ref.grads)) assertClose(nat.grads[name], ref.grads[name], { rtol: 1e-3, atol: 1e-5 }, `grad ${name}`);
    for (const name of Object.keys(ref.params)) assertClose(nat.params[name], ref.params[name], { rtol: 1e-3, atol: 1e-5 }, `param ${name}`);
  });

  test('convolution weight gradients in whole blocks of 8 channels (reordered to the blocked layout) match the reference', () => {
    // [x shape, w shape, params]: the blocked path needs groups 1 and channel counts divisible by 8
    const cases: [number[], number[], Parameters<typeof conv2d>[3]][] = [
      [[3, 9, 7, 8], [16, 3, 3, 8], { padding: 1 }],
      [[2, 10, 9, 16], [8, 3, 3, 16], { stride: 2, padding: [1, 0, 0, 1] }],
      [[2, 6, 6, 8], [24, 1, 1, 8], {}],
    ];
    const g = new Generator(5);
    for (const [xs, ws, o] of cases) {
      const vals = (n: number) => Float32Array.from({ length: n }, () => g.normal());
      const xv = vals(xs.reduce((a, b) => a * b)), wv = vals(ws.reduce((a, b) => a * b)), bv = vals(ws[0]);
      const grads = (backend: string) => {
        setBackend(backend);
        const [x, w, b] = [tensor(xv, xs), tensor(wv, ws), tensor(bv, [ws[0]])].map((t) => t.requiresGrad_());
        const y = conv2d(x, w, b, o);
        sum(mul(y, y)).backward();
        return [x.grad!.toArray(), w.grad!.toArray(), b.grad!.toArray()];
      };
      const ref = grads('reference'), nat = grads('native');
      ['x', 'w', 'b'].forEach((n, i) => assertClose(nat[i], ref[i], { rtol: 1e-3, atol: 1e-3 }, `grad ${n} of x ${JSON.stringify(xs)}, w ${JSON.stringify(ws)}`));
    }
  });

  test('stride-1 convolutions of 64+ channels (forward computed as the transposed backward-data pass) match the reference', () => {
    // [x shape, w shape, params]: that path needs groups 1, no bias, stride 1, no dilation, at least 64 channels in and out
    convMatchesReference([
      [[2, 5, 6, 64], [64, 3, 3, 64], { padding: 1 }],
      [[2, 7, 5, 64], [72, 3, 3, 64], {}],
      [[1, 8, 7, 80], [64, 5, 3, 80], { padding: [2, 1, 0, 2] }],
      [[1, 6, 9, 64], [96, 3, 1, 64], { padding: [1, 1, 0, 0] }],
    ], 9, { rtol: 1e-3, atol: 1e-2 });
  });

  test('3x3 stride-1 convolutions with channels in whole blocks of 16 (Winograd on AVX-512 hosts) match the reference', () => {
    // the Winograd path takes groups 1, 3x3, stride 1, no dilation, even padding ≤ 1, channels divisible by 16;
    // sizes that are not multiples of its 4x4 output tiles, a bias, and two cases that stay direct: uneven
    // padding (oneDNN 2.6.3's Winograd backward-data pass gets it wrong) and stride 2
    convMatchesReference([
      [[2, 9, 7, 32], [16, 3, 3, 32], { padding: 1 }],
      [[3, 6, 10, 16], [48, 3, 3, 16], {}, { bias: true }],
      [[1, 11, 5, 16], [16, 3, 3, 16], { padding: [1, 0, 0, 1] }],
      [[2, 8, 8, 16], [32, 3, 3, 16], { stride: 2, padding: 1 }],
    ], 23, { rtol: 1e-3, atol: 1e-2 });
  });

  test('max pooling over many channels and images (vectorised across channels, images in parallel) matches the reference', () => {
    const g = new Generator(13);
    const xs = [3, 9, 10, 64];
    const xv = Float32Array.from({ length: xs.reduce((a, b) => a * b) }, () => g.normal());
    const run = (backend: string) => {
      setBackend(backend);
      const x = tensor(xv, xs).requiresGrad_();
      const y = maxPool2d(x, 3, { stride: 2, padding: 1 });
      sum(mul(y, y)).backward();
      return [y.toArray(), x.grad!.toArray()];
    };
    const ref = run('reference'), nat = run('native');
    assert.deepEqual(nat[0], ref[0], 'pooled values');
    assert.deepEqual(nat[1], ref[1], 'gradient');
  });

  test('input gradients of convolutions with few input channels (our own kernel on AVX-512 builds) match the reference', () => {
    // [x shape, w shape, params]: the kernel takes stride 1, no dilation, groups 1, under 16 channels, kw*C ≤ 32, kh ≤ 5;
    // widths give both its paired positions (x, x+kw) and the single ones left over; the last two cases fall back to oneDNN
    convMatchesReference([
      [[3, 14, 30, 6], [16, 5, 5, 6], {}],                             // LeNet-5's second convolution, narrower
      [[2, 9, 13, 6], [5, 5, 5, 6], { padding: 2 }],                   // padded: summed in a padded plane
      [[2, 8, 17, 3], [7, 3, 5, 3], { padding: [0, 2, 1, 3] }],        // one vector per kernel row, uneven padding
      [[2, 7, 23, 10], [12, 3, 3, 10], { padding: 1 }],                // kw*C = 30: two vectors per row
      [[2, 11, 9, 1], [4, 1, 4, 1], { padding: [0, 0, 3, 0] }],        // 1x4 kernel, one channel
      [[2, 9, 9, 6], [8, 3, 3, 6], { stride: 2, padding: 1 }],         // stride 2: oneDNN
      [[2, 9, 9, 8], [8, 5, 5, 8], { padding: 2 }],                    // kw*C = 40: oneDNN
    ], 21, { rtol: 1e-3, atol: 1e-3 });
  });

  test('weight gradients of convolutions from one channel to at most 6 (our own kernel on AVX-512 builds) match the reference', () => {
    // stride 1, no dilation, groups 1, kernels up to 7x7; outputs wider than 64 columns take two passes; 7 outputs fall back to oneDNN
    convMatchesReference([
      [[3, 20, 22, 1], [6, 5, 5, 1], {}, { bias: true }],              // LeNet-5's first convolution, smaller
      [[2, 9, 70, 1], [4, 3, 3, 1], { padding: 1 }, { bias: true }],  // 70 columns: two passes of 64
      [[2, 8, 9, 1], [1, 2, 7, 1], { padding: [0, 1, 3, 2] }],         // one output, uneven padding
      [[2, 10, 12, 1], [7, 3, 3, 1], {}, { bias: true }],              // 7 outputs: oneDNN
    ], 29, { rtol: 1e-3, atol: 1e-3 });
  });

  test('2x2 max pooling at stride 2 (two passes along rows) matches the reference, ties and odd sizes included', () => {
    const g = new Generator(17);
    // small integers make ties common: the first cell of the window in row-major order must win, as in the reference
    for (const xs of [[4, 12, 10, 6], [2, 9, 7, 1], [3, 8, 11, 16], [2, 5, 6, 5]]) {
      const xv = Float32Array.from({ length: xs.reduce((a, b) => a * b) }, () => g.int(4));
      const run = (backend: string) => {
        setBackend(backend);
        const x = tensor(xv, xs).requiresGrad_();
        const y = maxPool2d(x, 2, { stride: 2 });
        sum(mul(y, tensor(Float32Array.from({ length: y.size }, (_, i) => i % 7 + 1), y.shape))).backward();
        return [y.toArray(), x.grad!.toArray()];
      };
      const ref = run('reference'), nat = run('native');
      assert.deepEqual(nat[0], ref[0], `pooled values of ${JSON.stringify(xs)}`);
      assert.deepEqual(nat[1], ref[1], `gradient of ${JSON.stringify(xs)}`);
    }
    setBackend('reference');
  });

  test('the fused optimizer steps over all parameters match the reference backend, one parameter at a time', () => {
    // sizes: one above the threading threshold (split between threads mid-tensor), odd sizes, and one
    // parameter that gets its first gradient only at the second step (its momentum buffer starts then)
    const sizes = [40001, 7, 300, 1];
    const makers: [string, (p: [string, Tensor][]) => Optimizer][] = [
      ['sgd momentum', (p) => new SGD(p, { lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 0.01 })],
      ['sgd nesterov', (p) => new SGD(p, { lr: 0.05, momentum: 0.8, nesterov: true })],
      ['sgd plain', (p) => new SGD(p, { lr: 0.05 })],
      ['adam', (p) => new Adam(p, { lr: 0.01, weightDecay: 0.1 })],
      ['adamw', (p) => new AdamW(p, { lr: 0.01 })],
    ];
    for (const [label, make] of makers) {
      const run = (backend: string) => {
        setBackend(backend);
        const g = new Generator(3);
        const params = sizes.map((n, i): [string, Tensor] => [`p${i}`, tensor(Float32Array.from({ length: n }, () => g.normal()), [n], { requiresGrad: true })]);
        const opt = make(params);
        for (let step = 0; step < 3; step++) {
          params.forEach(([, p], i) => { p.grad = i === 3 && step === 0 ? null : tensor(Float32Array.from({ length: p.size }, () => g.normal()), p.shape); });
          opt.step();
        }
        return params.map(([, p]) => p.toArray());
      };
      const ref = run('reference'), nat = run('native');
      ref.forEach((r, i) => assertClose(nat[i], r, { rtol: 1e-5, atol: 1e-6 }, `${label}: p${i}`));
    }
    setBackend('reference');
  });

  test('tensors of at most smallOpLimit values take the reference loops, with the same results', () => {
    const saved = nativeSettings.smallOpLimit;
    const A = nativeAddon()!;
    const calls: string[] = [];
    const spied = ['binary', 'reduce', 'sumMiddle', 'relu', 'reluBackward'] as const;
    const originals = spied.map((k) => A[k]);
    spied.forEach((k, i) => { (A as unknown as Record<string, unknown>)[k] = (...args: unknown[]) => { calls.push(k); return (originals[i] as (...a: unknown[]) => unknown)(...args); }; });
    try {
      const run = (backend: string, limit: number) => {
        setBackend(backend);
        nativeSettings.smallOpLimit = limit;
        const g = new Generator(5);
        const x = tensor(Float32Array.from({ length: 12 }, () => g.normal()), [4, 3], { requiresGrad: true });
        const b = tensor([0.5, -1, 2], [3], { requiresGrad: true });
        const loss = sum(mul(relu(add(x, b)), 0.25));
        loss.backward();
        return [loss.toArray(), x.grad!.toArray(), b.grad!.toArray()];
      };
      const ref = run('reference', 0);
      calls.splice(0);
      const small = run('native', 512);
      assert.equal(calls.join(', '), '', 'no addon call for 12 values');
      const kernels = run('native', 0);
      assert.ok(calls.includes('binary') && calls.includes('relu'), `the kernels ran: ${calls.join(', ')}`);
      ref.forEach((r, i) => { assertClose(small[i], r, {}, `reference loops ${i}`); assertClose(kernels[i], r, {}, `kernels ${i}`); });
    } finally {
      spied.forEach((k, i) => { (A as unknown as Record<string, unknown>)[k] = originals[i]; });
      nativeSettings.smallOpLimit = saved;
      setBackend('reference');
    }
  });

  test('bad input to the addon throws a JS error naming the op and the shapes', () => {
    setBackend('native');
    const A = nativeAddon()!;
    const f = (n: number) => new Float32Array(n);
    const p = [1, 1, 0, 0, 0, 0, 1, 1, 1];
    assert.throws(() => A.conv2dForward(f(10), [1, 4, 4, 1], f(9), [1, 3, 3, 1], null, p, f(4)), /native conv2d: x has 10 values, expected 16 for shape \[1, 4, 4, 1\]/);
    assert.throws(() => A.conv2dForward(f(32), [1, 4, 4, 2], f(9), [1, 3, 3, 1], null, p, f(4)), /native conv2d: input \[1, 4, 4, 2\] and weight \[1, 3, 3, 1\] do not match groups 1/);
    assert.throws(() => A.conv2dForward(new Float64Array(16) as unknown as Float32Array, [1, 4, 4, 1], f(9), [1, 3, 3, 1], null, p, f(4)), /native conv2d: x must be a Float32Array/);
    assert.throws(() => A.conv2dForward(f(4), [1, 2, 2, 1], f(9), [1, 3, 3, 1], null, p, f(1)), /native conv2d: input \[1, 2, 2, 1\] is smaller than kernel/);
    assert.throws(() => A.matmul(f(6), f(6), 1, 1, 2, 3, 2, false, false, f(3)), /native matmul: out has 3 values, expected 4/);
    assert.throws(() => A.binary(0, f(3), [3], f(2), [2], [3], f(3)), /native binary: \[3\] and \[2\] do not broadcast to \[3\]/);
    assert.throws(() => A.pool2dBackward(0, f(4), [1, 4, 4, 1], [2, 2, 2, 2, 0, 0], new ArrayBuffer(3), f(16)), /native pool2dBackward: workspace must be the ArrayBuffer returned by the forward pass/);
    assert.throws(() => A.batchNormBackward(f(8), f(8), 4, 2, f(2), f(2), f(2), 1e-5, true, f(8), f(2), f(2), new ArrayBuffer(1)), /native batchNormBackward: workspace must be the ArrayBuffer returned by the training forward pass with relu/);
    assert.throws(() => A.reduce(0, f(6), [2, 3], [3, 1], f(3)), /native reduce: cannot reduce \[2, 3\] to \[3, 1\]/);
    assert.throws(() => A.eltwiseForward(42, f(2), f(2), 0), /native eltwise: unknown eltwise code 42/);
    assert.throws(() => A.conv2dForward(f(16), [1, 4, 4, 1], f(9), [1, 3, 3, 1], null, [1, 1], f(4)), /params must be/);
    // the process is still alive and the addon still works
    const y = f(4);
    A.conv2dForward(new Float32Array(16).fill(1), [1, 4, 4, 1], new Float32Array(9).fill(1), [1, 3, 3, 1], null, p, y);
    assert.deepEqual([...y], [9, 9, 9, 9]);
    assert.ok(A.cacheStats().size > 0);
    setBackend('reference');
  });

  test('signals during oneDNN calls do not corrupt memory (a sampling profiler runs beside training)', () => {
    // oneDNN's JIT sgemm points the stack pointer into the heap; before the addon held signals off
    // around its calls, this loop died of heap corruption within a few hundred matmuls under --cpu-prof.
    const dir = mkdtempSync(join(tmpdir(), 'specnet-prof-'));
    const script = `
      import { createRequire } from 'node:module';
      const A = createRequire(import.meta.url)(${JSON.stringify(ADDON_PATH)});
      const [M, K, N] = [64, 784, 128];
      for (let i = 0; i < 3000; i++) {
        const a = new Float32Array(M * K).fill(0.1), b = new Float32Array(K * N).fill(0.2), out = new Float32Array(M * N);
        A.matmul(a, b, 1, 1, M, K, N, false, true, out);
        if (Math.abs(out[0] - K * 0.02) > 1e-3) throw new Error('wrong product ' + out[0]);
      }
      console.log('survived');`;
    try {
      const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '50', '--cpu-prof-dir', dir, '--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.equal(r.status, 0, `child exited with ${r.status ?? r.signal}: ${r.stderr}`);
      assert.match(r.stdout, /survived/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
