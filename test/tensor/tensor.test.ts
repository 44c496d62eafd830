import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import '../../src/autograd/index.js';
import { arange, full, ones, oneHot, rand, randn, tensor, zeros } from '../../src/tensor/create.js';
import { Generator, manualSeed } from '../../src/tensor/random.js';
import { ShapeError } from '../../src/backend/shape.js';
import { onEachBackend } from '../helpers.js';

for (const [name, setup] of onEachBackend(() => {})) {
  describe(`tensor creation (${name})`, () => {
    test('from nested arrays, flat values and a shape, scalars', () => {
      setup();
      const a = tensor([[1, 2, 3], [4, 5, 6]]);
      assert.deepEqual(a.shape, [2, 3]);
      assert.deepEqual(a.toNested(), [[1, 2, 3], [4, 5, 6]]);
      assert.deepEqual(tensor(new Float32Array([1, 2, 3, 4]), [2, 2]).toNested(), [[1, 2], [3, 4]]);
      assert.equal(tensor(3.5).item(), 3.5);
      assert.deepEqual(tensor(3.5).shape, []);
    });
    test('zeros, ones, full, arange, oneHot', () => {
      setup();
      assert.deepEqual([...zeros([2, 2]).toArray()], [0, 0, 0, 0]);
      assert.deepEqual([...ones([3]).toArray()], [1, 1, 1]);
      assert.deepEqual([...full([2], 7).toArray()], [7, 7]);
      assert.deepEqual([...arange(5).toArray()], [0, 1, 2, 3, 4]);
      assert.deepEqual([...arange(1, 2, 0.25).toArray()], [1, 1.25, 1.5, 1.75]);
      assert.deepEqual(oneHot([2, 0], 3).toNested(), [[0, 0, 1], [1, 0, 0]]);
      assert.throws(() => oneHot([3], 3), /label 3 at index 0 is not in \[0, 3\)/);
    });
    test('shape errors name the shapes', () => {
      setup();
      assert.throws(() => tensor([1, 2, 3], [2, 2]), (e: Error) => e instanceof ShapeError && /3 values do not fill shape \[2, 2\]/.test(e.message));
      assert.throws(() => tensor([[1, 2], [3]]), /ragged/);
      assert.throws(() => zeros([2, -1]), /invalid shape \[2, -1\]/);
      assert.throws(() => tensor([1, 2]).item(), /has 2 values, not 1/);
    });
    test('seeded random tensors repeat exactly and have the right moments', () => {
      setup();
      manualSeed(42);
      const a = randn([1000]).toArray();
      manualSeed(42);
      const b = randn([1000]).toArray();
      assert.deepEqual(a, b);
      const n = randn([20000], { generator: new Generator(1), mean: 2, std: 3 }).toArray();
      const m = n.reduce((s, v) => s + v, 0) / n.length;
      const sd = Math.sqrt(n.reduce((s, v) => s + (v - m) ** 2, 0) / n.length);
      assert.ok(Math.abs(m - 2) < 0.1 && Math.abs(sd - 3) < 0.1, `mean ${m}, std ${sd}`);
      const u = rand([10000], { generator: new Generator(2), low: -1, high: 1 }).toArray();
      assert.ok(u.every((v) => v >= -1 && v < 1));
    });
  });
}

test('generator state can be saved and restored', () => {
  const g = new Generator(7);
  g.normal();
  const state = g.getState();
  const next = [g.random(), g.normal(), g.normal()];
  const h = new Generator(0);
  h.setState(state);
  assert.deepEqual([h.random(), h.normal(), h.normal()], next);
});
