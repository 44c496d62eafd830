import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as F from '../../src/autograd/index.js';
import { noGrad } from '../../src/autograd/index.js';
import { ShapeError } from '../../src/backend/shape.js';
import { randn, tensor } from '../../src/tensor/create.js';
import { Generator } from '../../src/tensor/random.js';
import { assertClose, assertGrad, distinct, onEachBackend, randAway } from '../helpers.js';

const rn = (shape: number[], seed: number, requiresGrad = true) => randn(shape, { generator: new Generator(seed), requiresGrad });
const pos = (shape: number[], seed: number) => F.add(F.abs(rn(shape, seed, false)), 0.5).requiresGrad_();

for (const [name, setup] of onEachBackend(() => {})) {
  describe(`element-wise ops (${name})`, () => {
    test('values with broadcasting', () => {
      setup();
      const a = tensor([[1, 2, 3], [4, 5, 6]]), b = tensor([10, 20, 30]);
      assert.deepEqual(F.add(a, b).toNested(), [[11, 22, 33], [14, 25, 36]]);
      assert.deepEqual(F.sub(a, 1).toNested(), [[0, 1, 2], [3, 4, 5]]);
      assert.deepEqual(F.mul(tensor([[2], [3]]), b).toNested(), [[20, 40, 60], [30, 60, 90]]);
      assert.deepEqual(F.div(a, tensor([[1], [2]])).toNested(), [[1, 2, 3], [2, 2.5, 3]]);
      assert.deepEqual(F.maximum(a, 3.5).toNested(), [[3.5, 3.5, 3.5], [4, 5, 6]]);
      assert.deepEqual(F.clamp(a, 2, 5).toNested(), [[2, 2, 3], [4, 5, 5]]);
      assert.deepEqual(F.where(F.gt(a, 3), a, 0).toNested(), [[0, 0, 0], [4, 5, 6]]);
      assert.deepEqual([...F.powScalar(tensor([2, 3]), 2).toArray()], [4, 9]);
      assertClose(F.exp(tensor([0, 1])).toArray(), [1, Math.E]);
      assert.throws(() => F.add(tensor([1, 2, 3]), tensor([1, 2])), (e: Error) => e instanceof ShapeError && /\[3\] and \[2\] cannot be broadcast/.test(e.message));
    });
    test('gradients of binary ops, including broadcast inputs', () => {
      setup();
      for (const op of [F.add, F.sub, F.mul, F.div]) assertGrad(op, [rn([2, 3, 4], 1), pos([3, 1], 2)]);
      assertGrad(F.pow, [pos([2, 3], 3), rn([2, 3], 4)]);
      assertGrad(F.maximum, [randAway([3, 4], 5), randAway([4], 6)]);
      assertGrad(F.minimum, [randAway([3, 4], 7), randAway([3, 1], 8)]);
      assertGrad((c, d) => F.where(F.gt(c, 0), c, d), [randAway([3, 4], 9), rn([4], 10)]);
    });
    test('gradients of unary ops', () => {
      setup();
      assertGrad(F.neg, [rn([5], 1)]);
      assertGrad(F.exp, [rn([5], 2)]);
      assertGrad(F.log, [pos([5], 3)]);
      assertGrad(F.sqrt, [pos([5], 4)]);
      assertGrad(F.abs, [randAway([5], 5)]);
      assertGrad((x) => F.powScalar(x, 3), [rn([5], 6)]);
      assertGrad((x) => F.clamp(x, -0.5, 0.5), [randAway([20], 7, 0.05)], { eps: 1e-3 });
    });
  });

  describe(`reductions (${name})`, () => {
    test('values over any axes, keepdims', () => {
      setup();
      const a = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
      assert.equal(F.sum(a).item(), 36);
      assert.deepEqual(F.sum(a, [0, 2]).toNested(), [14, 22]);
      assert.deepEqual(F.sum(a, 1, true).shape, [2, 1, 2]);
      assert.deepEqual(F.mean(a, -1).toNested(), [[1.5, 3.5], [5.5, 7.5]]);
      assert.deepEqual(F.max(a, [1, 2]).toNested(), [4, 8]);
      assert.deepEqual(F.min(a, 0).toNested(), [[1, 2], [3, 4]]);
      assert.deepEqual(F.argmax(tensor([[1, 9, 3], [7, 2, 8]]), 1).toNested(), [1, 2]);
      assert.deepEqual(F.argmin(tensor([[1, 9, 3], [7, 2, 8]]), 0).toNested(), [0, 1, 0]);
      assertClose(F.variance(tensor([1, 2, 3, 4])).toArray(), [5 / 3]);
      assertClose(F.variance(tensor([1, 2, 3, 4]), undefined, false, 0).toArray(), [1.25]);
      assert.throws(() => F.sum(a, 3), /axis 3 is out of range for rank 3/);
    });
    test('gradients', () => {
      setup();
      assertGrad((x) => F.sum(x, [0, 2]), [rn([2, 3, 4], 1)]);
      assertGrad((x) => F.mean(x, 1, true), [rn([2, 3, 4], 2)]);
      assertGrad((x) => F.max(x, 1), [distinct([3, 4, 2], 3)]);
      assertGrad((x) => F.min(x), [distinct([3, 4], 4)]);
      assertGrad((x) => F.variance(x, 0), [rn([5, 3], 5)]);
    });
  });

  describe(`movement ops (${name})`, () => {
    test('values', () => {
      setup();
      const a = F.reshape(tensor([0, 1, 2, 3, 4, 5]), [2, 3]);
      assert.deepEqual(F.transpose(a).toNested(), [[0, 3], [1, 4], [2, 5]]);
      assert.deepEqual(F.reshape(a, [-1]).shape, [6]);
      assert.deepEqual(F.permute(F.reshape(a, [1, 2, 3]), [2, 0, 1]).shape, [3, 1, 2]);
      assert.deepEqual(F.slice(a, [0, 1], [2, 2]).toNested(), [[1, 2], [4, 5]]);
      assert.deepEqual(F.narrow(a, 1, 2, 1).toNested(), [[2], [5]]);
      assert.deepEqual(F.pad(tensor([[1]]), [1, 0], [0, 1], 9).toNested(), [[9, 9], [1, 9]]);
      assert.deepEqual(F.concat([a, tensor([[6, 7, 8]])], 0).toNested(), [[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
      assert.deepEqual(F.stack([tensor([1, 2]), tensor([3, 4])], 1).toNested(), [[1, 3], [2, 4]]);
      assert.deepEqual(F.gather(a, 1, new Int32Array([2, 0]), [2, 1]).toNested(), [[2], [3]]);
      assert.deepEqual(F.expand(tensor([[1], [2]]), [2, 3]).toNested(), [[1, 1, 1], [2, 2, 2]]);
      assert.deepEqual(F.flatten(F.reshape(a, [1, 2, 3])).shape, [1, 6]);
      assert.deepEqual(F.squeeze(F.unsqueeze(a, 0)).shape, [2, 3]);
      assert.throws(() => F.reshape(a, [4, 2]), /cannot reshape \[2, 3\] \(6 values\) into \[4, 2\]/);
      assert.throws(() => F.gather(a, 1, new Int32Array([3, 0]), [2, 1]), /index 3 at position 0 is out of range/);
      assert.throws(() => F.concat([a, tensor([[1, 2]])], 0), /differ outside axis 0/);
    });
    test('gradients', () => {
      setup();
      assertGrad((x) => F.reshape(x, [4, 3]), [rn([2, 6], 1)]);
      assertGrad((x) => F.permute(x, [2, 0, 1]), [rn([2, 3, 4], 2)]);
      assertGrad((x) => F.transpose(x, 0, 2), [rn([2, 3, 4], 3)]);
      assertGrad((x) => F.slice(x, [1, 0, 2], [1, 3, 2]), [rn([2, 3, 4], 4)]);
      assertGrad((x) => F.pad(x, [1, 0], [2, 1], 0.5), [rn([2, 3], 5)]);
      assertGrad((x, y) => F.concat([x, y], 1), [rn([2, 3], 6), rn([2, 2], 7)]);
      assertGrad((x, y) => F.stack([x, y], 0), [rn([2, 3], 8), rn([2, 3], 9)]);
      assertGrad((x) => F.gather(x, 1, new Int32Array([1, 1, 0, 2]), [2, 2]), [rn([2, 3], 10)]);
      assertGrad((x) => F.expand(x, [3, 2, 4]), [rn([2, 1], 11)]);
    });
  });

  describe(`matmul (${name})`, () => {
    test('values, batching and transposed operands', () => {
      setup();
      const a = tensor([[1, 2], [3, 4]]), b = tensor([[5, 6], [7, 8]]);
      assert.deepEqual(F.matmul(a, b).toNested(), [[19, 22], [43, 50]]);
      assert.deepEqual(F.matmul(a, b, true, false).toNested(), [[26, 30], [38, 44]]);
      assert.deepEqual(F.matmul(a, b, false, true).toNested(), [[17, 23], [39, 53]]);
      assert.deepEqual(F.matmul(F.stack([a, b]), a).shape, [2, 2, 2]);
      assert.throws(() => F.matmul(tensor([[1, 2, 3]]), a), /do not match \(inner 3 vs 2\)/);
    });
    test('gradients', () => {
      setup();
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        assertGrad((x, y) => F.matmul(x, y, ta, tb), [rn(ta ? [4, 3] : [3, 4], 1), rn(tb ? [5, 4] : [4, 5], 2)]);
        assertGrad((x, y) => F.matmul(x, y, ta, tb), [rn(ta ? [2, 4, 3] : [2, 3, 4], 3), rn(tb ? [5, 4] : [4, 5], 4)]);
        assertGrad((x, y) => F.matmul(x, y, ta, tb), [rn(ta ? [4, 3] : [3, 4], 5), rn(tb ? [2, 5, 4] : [2, 4, 5], 6)]);
      }
    });
  });

  describe(`activations and softmax (${name})`, () => {
    test('gradients', () => {
      setup();
      assertGrad(F.relu, [randAway([3, 5], 1)]);
      assertGrad((x) => F.leakyRelu(x, 0.1), [randAway([3, 5], 2)]);
      assertGrad((x) => F.elu(x, 1.3), [randAway([3, 5], 3)]);
      assertGrad(F.sigmoid, [rn([3, 5], 4)]);
      assertGrad(F.tanh, [rn([3, 5], 5)]);
      assertGrad(F.silu, [rn([3, 5], 6)]);
      assertGrad((x) => F.softmax(x), [rn([3, 5], 7)]);
      assertGrad((x) => F.logSoftmax(x), [rn([3, 5], 8)]);
      assertGrad((x) => F.softmax(x, 0), [rn([3, 5], 9)]);
    });
    test('softmax is stable for large logits', () => {
      setup();
      const y = F.softmax(tensor([[1000, 1001, 1002]])).toArray();
      assert.ok(y.every(Number.isFinite));
      assertClose(F.logSoftmax(tensor([[1000, 1000]])).toArray(), [-Math.LN2, -Math.LN2]);
    });
  });

  describe(`convolution and pooling (${name})`, () => {
    test('gradients over stride, padding, dilation, groups', () => {
      setup();
      const cases: [number[], number[], F.Conv2dOptions][] = [
        [[2, 5, 5, 3], [4, 3, 3, 3], {}],
        [[1, 6, 7, 2], [3, 3, 2, 2], { stride: [2, 1], padding: 1 }],
        [[1, 7, 7, 2], [2, 3, 3, 2], { dilation: 2, padding: 'same' }],
        [[2, 5, 5, 4], [6, 3, 3, 2], { groups: 2, padding: [1, 0, 0, 1] }],
        [[1, 5, 5, 3], [3, 3, 3, 1], { groups: 3, padding: 1 }],
      ];
      cases.forEach(([xs, ws, o], i) => {
        assertGrad((x, w, b) => F.conv2d(x, w, b, o), [rn(xs, 10 + i), rn(ws, 20 + i), rn([ws[0]], 30 + i)]);
      });
      assert.throws(() => F.conv2d(rn([1, 5, 5, 3], 1, false), rn([4, 3, 3, 2], 2, false)), /has 3 channels but weight \[4, 3, 3, 2\] expects 2/);
      assert.throws(() => F.conv2d(rn([1, 2, 2, 1], 1, false), rn([1, 3, 3, 1], 2, false)), /smaller than the 3×3 kernel/);
    });
    test('pooling gradients', () => {
      setup();
      assertGrad((x) => F.maxPool2d(x, 2), [distinct([2, 4, 6, 3], 1)]);
      assertGrad((x) => F.maxPool2d(x, 3, { stride: 2, padding: 1 }), [distinct([1, 7, 7, 2], 2)]);
      assertGrad((x) => F.avgPool2d(x, 2), [rn([2, 4, 6, 3], 3)]);
      assertGrad((x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }), [rn([1, 7, 6, 2], 4)]);
      assertGrad((x) => F.adaptiveAvgPool2d(x, [3, 2]), [rn([2, 7, 5, 2], 5)]);
      assertGrad((x) => F.adaptiveAvgPool2d(x, 1), [rn([2, 4, 4, 3], 6)]);
    });
    test('batch norm gradients in training and inference', () => {
      setup();
      const rm = rn([3], 1, false), rv = F.add(F.abs(rn([3], 2, false)), 0.5);
      assertGrad((x, g, b) => F.batchNorm(x, g, b, { training: true }).y, [rn([4, 3, 3, 3], 3), rn([3], 4), rn([3], 5)], { eps: 3e-3 });
      assertGrad((x, g, b) => F.batchNorm(x, g, b, { training: false, runningMean: rm, runningVar: rv }).y, [rn([2, 3, 3, 3], 6), rn([3], 7), rn([3], 8)]);
    });
    test('batch norm with a fused relu: the values and gradients of relu(batchNorm(x)), in training and inference', () => {
      setup();
      const rm = rn([3], 1, false), rv = F.add(F.abs(rn([3], 2, false)), 0.5);
      for (const o of [{ training: true }, { training: false, runningMean: rm, runningVar: rv }]) {
        const fused = [rn([4, 5, 3, 3], 11), rn([3], 12), rn([3], 13)], plain = [rn([4, 5, 3, 3], 11), rn([3], 12), rn([3], 13)];
        const y1 = F.batchNorm(fused[0], fused[1], fused[2], { ...o, relu: true }).y;
        const y2 = F.relu(F.batchNorm(plain[0], plain[1], plain[2], o).y);
        assertClose(y1.toArray(), y2.toArray(), { atol: 1e-6 });
        assert.ok(y1.toArray().some((v) => v === 0) && y1.toArray().some((v) => v > 0), 'the relu cuts some values and keeps others');
        const w = rn([4, 5, 3, 3], 14, false);
        F.sum(F.mul(y1, w)).backward();
        F.sum(F.mul(y2, w)).backward();
        for (let i = 0; i < 3; i++) assertClose(fused[i].grad!.toArray(), plain[i].grad!.toArray(), { atol: 1e-5, rtol: 1e-4 });
      }
      assertGrad((x, g, b) => F.batchNorm(x, g, b, { training: true, relu: true }).y, [rn([4, 3, 3, 3], 3), rn([3], 4), rn([3], 5)], { eps: 3e-3 });
    });
  });

  describe(`autograd mechanics (${name})`, () => {
    test('gradients accumulate over uses and over backward calls', () => {
      setup();
      const x = tensor([1, 2, 3], undefined, { requiresGrad: true });
      const y = F.add(F.mul(x, x), x);          // x used three times
      F.sum(y).backward();
      assert.deepEqual([...x.grad!.toArray()], [3, 5, 7]);
      F.sum(F.mul(x, 2)).backward();
      assert.deepEqual([...x.grad!.toArray()], [5, 7, 9]);
      x.zeroGrad();
      assert.equal(x.grad, null);
    });
    test('noGrad and detach cut the graph', () => {
      setup();
      const x = tensor([1, 2], undefined, { requiresGrad: true });
      const y = noGrad(() => F.mul(x, 3));
      assert.equal(y.requiresGrad, false);
      assert.equal(y.gradFn, null);
      const z = F.mul(x.detach(), x);
      F.sum(z).backward();
      assert.deepEqual([...x.grad!.toArray()], [1, 2]);
      assert.throws(() => F.sum(x.detach()).backward(), /does not require grad/);
      assert.throws(() => F.mul(x, 2).backward(), /not a scalar/);
    });
    test('a deep graph backpropagates without overflowing the stack', () => {
      setup();
      const x = tensor([1], undefined, { requiresGrad: true });
      let y = x;
      for (let i = 0; i < 20000; i++) y = F.add(y, 0);
      F.sum(y).backward();
      assert.deepEqual([...x.grad!.toArray()], [1]);
    });
  });
}
