import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createModel } from '../../src/models/index.js';
import { crossEntropy } from '../../src/nn/index.js';
import { randn } from '../../src/tensor/create.js';
import { Generator, manualSeed } from '../../src/tensor/random.js';

// torchvision's parameter counts with 3 input channels and 1000 classes
const TORCHVISION: Record<string, number> = {
  resnet18: 11_689_512, mobilenetv2: 3_504_872, efficientnet_b0: 5_288_548, densenet121: 7_978_856, googlenet: 6_624_904,
};

test('each Model B has exactly torchvision\'s parameter count (3 channels, 1000 classes)', () => {
  for (const [name, count] of Object.entries(TORCHVISION)) {
    assert.equal(createModel(name, { inChannels: 3, numClasses: 1000 }).numParameters(), count, name);
  }
});

test('each Model B takes one-channel spectrograms, gives class scores, and backpropagates to its first layer', () => {
  manualSeed(0);
  const x = randn([2, 32, 32, 1], { generator: new Generator(1) });
  for (const name of Object.keys(TORCHVISION)) {
    const m = createModel(name, { inChannels: 1, numClasses: 10 });
    const y = m.forward(x);
    assert.deepEqual(y.shape, [2, 10], name);
    crossEntropy(y, [3, 7]).backward();
    const [firstName, first] = m.namedParameters()[0];
    assert.ok(first.grad && first.grad.toArray().some((v) => v !== 0), `${name}: no gradient reached ${firstName}`);
    assert.ok(Number.isFinite(y.toArray()[0]));
  }
});

test('vgg9bn: 8 conv-BN-ReLU layers in 4 pooled stages, a global-average-pool head, 295,002 parameters', () => {
  manualSeed(0);
  const m = createModel('vgg9bn', { inChannels: 1, numClasses: 10 });
  // convolutions without bias (BN follows): 9·(1·16 + 16·16 + 16·32 + 32·32 + 32·64 + 64·64 + 64·128 + 128·128),
  // BN's γ and β over 2·(16 + 32 + 64 + 128) channels, the classifier 128·10 + 10
  assert.equal(m.numParameters(), 9 * (16 + 256 + 512 + 1024 + 2048 + 4096 + 8192 + 16384) + 2 * 2 * (16 + 32 + 64 + 128) + 1290);
  assert.equal(m.namedBuffers().filter(([n]) => n.endsWith('running_mean')).length, 8);
  // any input of at least 16×16 reaches the head (4 pools), and the gradient reaches the first conv
  for (const size of [16, 64]) {
    const x = randn([2, size, size, 1], { generator: new Generator(2) });
    const y = m.forward(x);
    assert.deepEqual(y.shape, [2, 10]);
    m.zeroGrad();
    crossEntropy(y, [1, 4]).backward();
    assert.ok(m.namedParameters()[0][1].grad!.toArray().some((v) => v !== 0));
  }
});
