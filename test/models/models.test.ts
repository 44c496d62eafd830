import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { crossEntropy } from '../../src/nn/index.js';
import { createModel, LeNet5, MLP } from '../../src/models/index.js';
import { Adam } from '../../src/optim/index.js';
import { tensor, zeros } from '../../src/tensor/create.js';
import { Generator, manualSeed } from '../../src/tensor/random.js';
import { noGrad } from '../../src/autograd/index.js';
import { onEachBackend } from '../helpers.js';

for (const [name, setup] of onEachBackend(() => {})) {
  describe(`models (${name})`, () => {
    test('MLP 784-128-64-10 takes images and flattens them', () => {
      setup();
      const m = new MLP();
      assert.equal(m.numParameters(), 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10);
      assert.deepEqual(m.predict(zeros([3, 28, 28, 1])).shape, [3, 10]);
    });
    test('LeNet-5 adapts its flatten size to the input size', () => {
      setup();
      // 32×32 LeNet-5 has the classic 61,706 parameters (16·5·5 = 400 flat features)
      assert.equal(new LeNet5({ inputSize: 32 }).numParameters(), 61706);
      assert.equal(new LeNet5({ inputSize: 28 }).flatFeatures, 400);
      assert.equal(new LeNet5({ inputSize: 64 }).flatFeatures, 16 * 13 * 13);
      assert.equal(new LeNet5({ inputSize: 224 }).flatFeatures, 16 * 53 * 53);
      for (const s of [28, 32, 64]) assert.deepEqual(new LeNet5({ inputSize: s }).predict(zeros([2, s, s, 1])).shape, [2, 10]);
      const tanhAvg = new LeNet5({ inputSize: [40, 48], activation: 'tanh', pooling: 'avg', numClasses: 4, inChannels: 3 });
      assert.deepEqual(tanhAvg.predict(zeros([1, 40, 48, 3])).shape, [1, 4]);
      assert.throws(() => new LeNet5({ inputSize: 12 }), /input 12×12 is too small/);
      assert.throws(() => new LeNet5({ inputSize: 32 }).forward(zeros([1, 28, 28, 1])), /Linear\(400, 120\): input \[1, 256\]/);
    });
    test('the registry builds by name and refuses unknown names', () => {
      setup();
      assert.ok(createModel('lenet5', { inputSize: 32 }) instanceof LeNet5);
      assert.throws(() => createModel('resnet9000'), /unknown model 'resnet9000' \(known: mlp, lenet5/);
    });
    test('LeNet-5 learns a small separable problem (loss falls, accuracy rises)', () => {
      setup();
      manualSeed(0);
      // two classes: a bright blob top-left vs bottom-right, with noise
      const g = new Generator(3);
      const N = 64, x = new Float32Array(N * 16 * 16), y = new Int32Array(N);
      for (let n = 0; n < N; n++) {
        y[n] = n % 2;
        for (let i = 0; i < 256; i++) {
          const r = Math.floor(i / 16), c = i % 16;
          const inBlob = y[n] === 0 ? r < 8 && c < 8 : r >= 8 && c >= 8;
          x[n * 256 + i] = (inBlob ? 1 : 0) + 0.3 * g.normal();
        }
      }
      const xs = tensor(x, [N, 16, 16, 1]);
      const m = new LeNet5({ inputSize: 16, padding: 2, numClasses: 2 });
      const opt = new Adam(m.namedParameters(), { lr: 0.01 });
      let first = 0, last = 0;
      for (let step = 0; step < 30; step++) {
        const loss = crossEntropy(m.forward(xs), y);
        if (step === 0) first = loss.item();
        last = loss.item();
        opt.zeroGrad(); loss.backward(); opt.step();
      }
      const pred = noGrad(() => m.predict(xs).argmax(1)).toArray();
      const acc = pred.filter((p, i) => p === y[i]).length / N;
      assert.ok(last < first * 0.2, `loss ${first} → ${last}`);
      assert.ok(acc > 0.95, `accuracy ${acc}`);
    });
  });
}
