import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeNet5 } from '../../src/models/lenet5.js';
import { MLP } from '../../src/models/mlp.js';
import { resnet14 } from '../../src/models/resnet.js';
import { featureMapPanels, filterPanels, firstConv } from '../../src/train/visualize.js';
import { assertClose } from '../helpers.js';

test('firstConv finds the first convolution of a model, depth first; none in an MLP', () => {
  assert.equal(firstConv(new LeNet5({ inputSize: 32 }))?.outChannels, 6);
  const r = firstConv(resnet14({ inChannels: 1, numClasses: 10 }));
  assert.deepEqual([r?.inChannels, r?.outChannels, ...(r?.kernelSize ?? [])], [1, 16, 3, 3]);
  assert.equal(firstConv(new MLP()), null);
});

test('filter panels are the kernels scaled to [0, 1]; an identity kernel\'s feature map is the (scaled) input', () => {
  const conv = firstConv(new LeNet5({ inputSize: 32 }))!;
  const panels = filterPanels(conv);
  assert.equal(panels.length, 6);
  for (const p of panels) {
    assert.deepEqual([p.height, p.width], [5, 5]);
    assert.equal(Math.min(...p.data), 0); assert.equal(Math.max(...p.data), 1);
  }
  // kernel 0 := a 1 at the centre, bias 0: a 5×5 'valid' conv crops 2 pixels off each side
  const w = new Float32Array(conv.weight.shape.reduce((a, b) => a * b, 1));
  w[2 * 5 + 2] = 1;
  conv.weight.storage = conv.weight.backend.fromArray(w);
  conv.bias!.storage = conv.bias!.backend.fromArray(new Float32Array(6));
  const img = Float32Array.from({ length: 32 * 32 }, (_, i) => ((i * 37) % 101) / 100);
  const maps = featureMapPanels(conv, img, 32, 32);
  assert.equal(maps.length, 6);
  assert.deepEqual([maps[0].height, maps[0].width], [28, 28]);
  const crop = new Float32Array(28 * 28);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) crop[y * 28 + x] = img[(y + 2) * 32 + x + 2];
  const lo = Math.min(...crop), hi = Math.max(...crop);
  assertClose(maps[0].data, crop.map((v) => (v - lo) / (hi - lo)), { atol: 1e-5 }, 'identity feature map');
});
