import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BatchNorm2d, Flatten, Linear, Sequential } from '../../src/nn/index.js';
import { LeNet5 } from '../../src/models/lenet5.js';
import { createModel } from '../../src/models/registry.js';
import { tensor } from '../../src/tensor/create.js';
import { adaptBatchNorm, adaptWarp } from '../../src/train/adapt.js';
import { evaluate } from '../../src/train/trainer.js';
import { onEachBackend } from '../helpers.js';

/** Images of 2×2 pixels, every pixel of image i equal to values[i]. */
const flat = (values: number[]) => Float32Array.from(values.flatMap((v) => [v, v, v, v]));

/** BatchNorm2d(1), then class 1's score = the sum of the normalised pixels, class 0's = 0: "above the mean" → 1. */
function aboveMeanModel(): Sequential {
  const lin = new Linear(4, 2);
  lin.weight.storage = tensor([0, 0, 0, 0, 1, 1, 1, 1], [2, 4]).storage;
  lin.bias!.storage = tensor([0, 0], [2]).storage;
  return new Sequential(new BatchNorm2d(1), new Flatten(), lin);
}

/** Images 20 × 2 (row 0 the highest band), dark but for one band: `bright[i]` rows from the bottom. */
const H = 20;
const banded = (bright: number[]) => {
  const x = new Float32Array(bright.length * H * 2);
  bright.forEach((b, i) => x.fill(1, i * H * 2 + (H - 1 - b) * 2, i * H * 2 + (H - b) * 2));
  return x;
};

/** Class 1's score = 10 × the brightness of band 11 (from the bottom), class 0's = 0: certain only when band 11 is lit. */
function band11Model(): Sequential {
  const lin = new Linear(H * 2, 2);
  const w = new Float32Array(2 * H * 2);
  w[H * 2 + (H - 1 - 11) * 2] = 10; w[H * 2 + (H - 1 - 11) * 2 + 1] = 10;
  lin.weight.storage = tensor(w, [2, H * 2]).storage;
  lin.bias!.storage = tensor([0, 0], [2]).storage;
  return new Sequential(new Flatten(), lin).eval();
}

for (const [name, setup] of onEachBackend(() => {})) {
  describe(`AdaBN (${name})`, () => {
    test('momentum null keeps the cumulative average of the batch statistics, as PyTorch does', () => {
      setup();
      const bn = new BatchNorm2d(1, { momentum: null });
      for (const v of [[1, 3], [5, 7], [0, 2]]) bn.forward(tensor(flat(v), [2, 2, 2, 1]));
      // batch means 2, 6, 1; unbiased batch variances over 8 values: 8/7 each
      assert.ok(Math.abs(bn.runningMean.toArray()[0] - 3) < 1e-5, `${bn.runningMean.toArray()[0]}`);
      assert.ok(Math.abs(bn.runningVar.toArray()[0] - 8 / 7) < 1e-5, `${bn.runningVar.toArray()[0]}`);
      assert.equal(bn.numBatchesTracked.toArray()[0], 3);
    });

    test('adaptBatchNorm sets the running statistics to those of the images, and leaves weights, modes and momentum as they were', () => {
      setup();
      const model = aboveMeanModel();
      const bn = model.layers[0] as BatchNorm2d;
      bn.forward(tensor(flat([100, 200]), [2, 2, 2, 1])); // stale statistics from "training"
      model.eval();
      const weights = model.parameters().map((p) => p.toArray());
      // 5 images in batches of at most 2: split 1/2/2, so the batch means differ but the average is over equal-ish parts
      const n = adaptBatchNorm(model, flat([10, 10, 14, 14, 12]), 2, 2, 2);
      assert.equal(n, 1);
      assert.equal(bn.momentum, 0.1);
      assert.equal(model.training, false);
      assert.equal(bn.training, false);
      assert.deepEqual(model.parameters().map((p) => p.toArray()), weights);
      // batch means 10, 12, 13 → 35/3: the statistics are the new speaker's, nothing of the stale 150 is left
      assert.ok(Math.abs(bn.runningMean.toArray()[0] - 35 / 3) < 1e-4, `${bn.runningMean.toArray()[0]}`);
    });

    test('a model without batch norm is left as it was', () => {
      setup();
      const model = new LeNet5({ inputSize: 16 });
      const x = new Float32Array(3 * 16 * 16).map((_, i) => Math.sin(i));
      const before = model.predict(tensor(x, [3, 16, 16, 1])).toArray();
      assert.equal(adaptBatchNorm(model, x, 16, 16), 0);
      assert.deepEqual(model.predict(tensor(x, [3, 16, 16, 1])).toArray(), before);
    });

    test('evaluate with adaptBatchNorm normalises each speaker by its own statistics', () => {
      setup();
      // speaker a speaks around 2, speaker b around 12; "above the speaker's mean" is class 1
      const d = { images: flat([1, 11, 3, 13]), labels: Int32Array.from([0, 0, 1, 1]), groups: ['a', 'b', 'a', 'b'] };
      const plain = evaluate(aboveMeanModel().eval(), d, 2, 2, 2);
      assert.deepEqual([...plain.predictions], [1, 1, 1, 1]);
      const adapted = evaluate(aboveMeanModel().eval(), d, 2, 2, 2, { adaptBatchNorm: true });
      assert.deepEqual([...adapted.predictions], [0, 0, 1, 1]);
      assert.equal(adapted.accuracy, 1);
    });

    test('adaptWarp picks the frequency warp under which the model is most certain, and returns the warped images', () => {
      setup();
      // band 10 warped by 1.1 lands exactly on band 11 (output band y reads band y / α); 1.08 brings only 0.8 of it
      const images = banded([10, 10]);
      const chosen = adaptWarp(band11Model(), images, H, 2, { adaptBatchNorm: false });
      assert.equal(chosen.alpha, 1.1);
      assert.deepEqual([...chosen.images.subarray((H - 1 - 11) * 2, (H - 11) * 2)], [1, 1]);
      assert.deepEqual(images, banded([10, 10]), 'the input is not changed');
      // already on band 11: no warp
      assert.equal(adaptWarp(band11Model(), banded([11, 11]), H, 2, { adaptBatchNorm: false }).alpha, 1);
    });

    test('evaluate with adaptWarp warps each speaker by its own factor', () => {
      setup();
      const d = { images: banded([10, 11, 10, 11]), labels: Int32Array.from([1, 1, 1, 1]), groups: ['a', 'b', 'a', 'b'] };
      const plain = evaluate(band11Model(), d, H, 2, 2);
      assert.deepEqual([...plain.predictions], [0, 1, 0, 1]);
      const warped = evaluate(band11Model(), d, H, 2, 2, { adaptWarp: true });
      assert.deepEqual(warped.warps, [{ speaker: 'a', alpha: 1.1 }, { speaker: 'b', alpha: 1 }]);
      assert.deepEqual([...warped.predictions], [1, 1, 1, 1]);
    });

    test('lenet5bn is LeNet-5 with batch norm after each convolution and dropout after fc1', () => {
      setup();
      const m = createModel('lenet5bn', { inputSize: 32, numClasses: 10 });
      const names = m.namedBuffers().map(([n]) => n);
      assert.deepEqual(names.filter((n) => n.endsWith('running_mean')), ['features.1.running_mean', 'features.5.running_mean']);
      // LeNet-5's 61,706 parameters plus γ and β of 6 + 16 channels
      assert.equal(m.numParameters(), 61706 + 2 * (6 + 16));
      assert.equal(m.predict(tensor(new Float32Array(2 * 32 * 32), [2, 32, 32, 1])).shape.join(','), '2,10');
    });
  });
}
