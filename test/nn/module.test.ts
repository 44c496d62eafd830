import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { noGrad } from '../../src/autograd/index.js';
import {
  activation, AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, ELU, Flatten, GlobalAvgPool2d,
  init, l1Penalty, l2Penalty, LeakyReLU, Linear, LogSoftmax, MaxPool2d, Module, ReLU, Sequential, Sigmoid, SiLU, Softmax, StateDictError, Tanh,
} from '../../src/nn/index.js';
import { ones, randn, tensor, zeros } from '../../src/tensor/create.js';
import { Generator, manualSeed } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose, assertGrad, onEachBackend, randAway } from '../helpers.js';

class Tiny extends Module {
  features = this.addModule('features', new Sequential(new Conv2d(1, 2, 3, { padding: 1 }), new BatchNorm2d(2), new ReLU()));
  head = this.addModule('head', new Linear(2 * 4 * 4, 3));
  forward(x: Tensor): Tensor { return this.head.forward(new Flatten().forward(this.features.forward(x))); }
}

/** Gradient-check a layer: inputs and every parameter. */
function checkLayer(layer: Module, x: Tensor, o = {}): void {
  const params = layer.parameters();
  assertGrad((input, ..._ps) => layer.forward(input), [x, ...params], o);
}

for (const [name, setup] of onEachBackend(() => {})) {
  describe(`nn layers (${name})`, () => {
    test('every layer passes the gradient check', () => {
      setup();
      manualSeed(3);
      const g = (s: number[], seed: number) => randn(s, { generator: new Generator(seed), requiresGrad: true });
      checkLayer(new Linear(4, 3), g([2, 4], 1));
      checkLayer(new Linear(4, 3), g([2, 5, 4], 2));
      checkLayer(new Conv2d(2, 4, 3, { stride: 2, padding: 'valid' }), g([2, 5, 5, 2], 3));
      checkLayer(new Conv2d(4, 4, 3, { groups: 4, padding: 1, bias: false }), g([1, 4, 4, 4], 4));
      checkLayer(new MaxPool2d(2), randAway([1, 4, 4, 2], 5, 0.05));
      checkLayer(new AvgPool2d(2), g([1, 4, 4, 2], 6));
      checkLayer(new AdaptiveAvgPool2d(2), g([1, 5, 5, 2], 7));
      checkLayer(new GlobalAvgPool2d(), g([2, 3, 3, 2], 8));
      checkLayer(new BatchNorm1d(3), g([6, 3], 9), { eps: 3e-3 });
      checkLayer(new BatchNorm2d(3).eval(), g([2, 3, 3, 3], 10));
      for (const act of [new ReLU(), new LeakyReLU(0.2), new ELU(), new Sigmoid(), new Tanh(), new SiLU(), new Softmax(), new LogSoftmax()]) {
        checkLayer(act, randAway([3, 4], 11));
      }
      const d = new Dropout(0.5, new Generator(1));
      // same mask for every call of the check: reseed before each forward
      assertGrad((x) => { d.generator!.seed(5); return d.forward(x); }, [g([4, 4], 12)]);
      assertGrad((x) => l1Penalty([x], 0.3), [randAway([5], 13)]);
      assertGrad((x) => l2Penalty([x], 0.3), [g([5], 14)]);
    });
    test('dropout scales kept values and is the identity in eval mode', () => {
      setup();
      const d = new Dropout(0.25, new Generator(2));
      const y = d.forward(ones([10000])).toArray();
      const kept = y.filter((v) => v !== 0);
      assert.ok(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6));
      assert.ok(Math.abs(kept.length / 10000 - 0.75) < 0.02, `kept ${kept.length}`);
      d.eval();
      assert.deepEqual([...d.forward(ones([4])).toArray()], [1, 1, 1, 1]);
      assert.throws(() => new Dropout(1), /p = 1 must be in \[0, 1\)/);
    });
    test('batch norm uses batch statistics in training and running ones in eval', () => {
      setup();
      const bn = new BatchNorm1d(2);
      const x = tensor([[1, 10], [3, 30]]);
      assertClose(bn.forward(x).toArray(), [-1, -1, 1, 1], { atol: 1e-3 });
      assertClose(bn.runningMean.toArray(), [0.2, 2]);
      assertClose(bn.runningVar.toArray(), [0.9 + 0.1 * 2, 0.9 + 0.1 * 200]);
      bn.eval();
      const y = bn.forward(x).toArray();
      assertClose(y, [(1 - 0.2) / Math.sqrt(1.1 + 1e-5), (10 - 2) / Math.sqrt(20.9 + 1e-5), (3 - 0.2) / Math.sqrt(1.1 + 1e-5), (30 - 2) / Math.sqrt(20.9 + 1e-5)]);
      assert.equal(bn.numBatchesTracked.item(), 1);
    });
    test('a wrong input shape names the layer and the shapes', () => {
      setup();
      assert.throws(() => new Linear(4, 3).forward(zeros([2, 5])), /Linear\(4, 3\): input \[2, 5\] should end in 4 features/);
      assert.throws(() => new Conv2d(3, 8, 3).forward(zeros([1, 8, 8, 1])), /Conv2d\(3, 8\): input \[1, 8, 8, 1\] should be \[N, H, W, 3\]/);
      assert.throws(() => new BatchNorm2d(4).forward(zeros([2, 3, 3, 3])), /BatchNorm2d\(4\): input \[2, 3, 3, 3\]/);
      assert.throws(() => new MaxPool2d(2).forward(zeros([4, 4])), /maxPool2d: expected input \[N, H, W, C\] of rank 4/);
      assert.throws(() => activation('swishy'), /unknown activation 'swishy' \(known: relu, relu6, leaky_relu, elu, sigmoid, tanh, silu, identity\)/);
    });
  });

  describe(`Module (${name})`, () => {
    test('stable dotted names for parameters and buffers', () => {
      setup();
      const m = new Tiny();
      assert.deepEqual(Object.keys(m.stateDict()), [
        'features.0.weight', 'features.0.bias', 'features.1.weight', 'features.1.bias', 'head.weight', 'head.bias',
        'features.1.running_mean', 'features.1.running_var', 'features.1.num_batches_tracked',
      ]);
      assert.equal(m.numParameters(), 2 * 9 + 2 + 2 + 2 + 32 * 3 + 3);
      assert.match(m.toString(), /\(features\): Sequential\(\n\s+\(0\): Conv2d\(1, 2, kernel=3x3/);
    });
    test('state dict round trip reproduces outputs; bad dicts are refused whole', () => {
      setup();
      manualSeed(1);
      const a = new Tiny(), b = new Tiny();
      const x = randn([2, 4, 4, 1]);
      a.forward(x); // update running stats so buffers differ from init
      b.loadStateDict(a.stateDict());
      assert.deepEqual(a.predict(x).toArray(), b.predict(x).toArray());
      const sd = { ...a.stateDict() };
      const before = b.stateDict()['head.bias'].toArray();
      const bad1 = { ...sd }; delete (bad1 as Record<string, Tensor>)['head.bias'];
      assert.throws(() => b.loadStateDict(bad1), (e: Error) => e instanceof StateDictError && /missing keys: head.bias/.test(e.message));
      assert.throws(() => b.loadStateDict({ ...sd, 'head.extra': zeros([1]) }), /unexpected keys: head.extra/);
      assert.throws(() => b.loadStateDict({ ...sd, 'head.weight': zeros([3, 31]), 'head.bias': ones([3]) }), /key 'head.weight' has shape \[3, 31\], expected \[3, 32\]/);
      assert.deepEqual(b.stateDict()['head.bias'].toArray(), before, 'a refused load changes nothing');
      b.loadStateDict(bad1, false); // non-strict skips missing keys
    });
    test('train() and eval() reach every child', () => {
      setup();
      const m = new Tiny().eval();
      assert.equal(m.features.layers[1].training, false);
      m.train();
      assert.equal(m.features.layers[1].training, true);
      const x = randn([2, 4, 4, 1]);
      const y = noGrad(() => m.forward(x));
      assert.equal(y.requiresGrad, false);
    });
  });
}

describe('initialisers', () => {
  const stats = (t: Tensor) => {
    const v = t.toArray();
    const m = v.reduce((s, x) => s + x, 0) / v.length;
    return { mean: m, std: Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length), max: Math.max(...v.map(Math.abs)) };
  };
  test('Xavier and He have the variances of their papers', () => {
    const w = zeros([200, 300]);           // fan_in 300, fan_out 200
    let s = stats(init.xavierUniform_(w));
    assert.ok(Math.abs(s.std - Math.sqrt(2 / 500)) < 0.002 && s.max <= Math.sqrt(6 / 500));
    s = stats(init.xavierNormal_(w));
    assert.ok(Math.abs(s.std - Math.sqrt(2 / 500)) < 0.002);
    s = stats(init.kaimingNormal_(w, { nonlinearity: 'relu' }));
    assert.ok(Math.abs(s.std - Math.sqrt(2 / 300)) < 0.002);
    s = stats(init.kaimingUniform_(w, { nonlinearity: 'relu', mode: 'fan_out' }));
    assert.ok(Math.abs(s.std - Math.sqrt(2 / 200)) < 0.003 && s.max <= Math.sqrt(6 / 200));
    const conv = zeros([16, 5, 5, 6]);      // OHWI: fan_in = 6·25, fan_out = 16·25
    assert.deepEqual(init.fans(conv.shape), [150, 400]);
    assert.throws(() => init.calculateGain('swish' as never), /unknown nonlinearity 'swish'/);
  });
});
