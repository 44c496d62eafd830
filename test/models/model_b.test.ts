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
