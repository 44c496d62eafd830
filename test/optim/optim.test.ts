import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tensor } from '../../src/tensor/create.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Adagrad, Adam, AdamW, clipGradNorm, clipGradValue, CosineAnnealingLR, ExponentialLR, LinearWarmupLR, type Optimizer, RMSprop, SGD, StepLR } from '../../src/optim/index.js';
import { assertClose, ft, onEachBackend, torchFixtures } from '../helpers.js';

const cases = torchFixtures();
type Make = (p: Tensor[], o: Record<string, unknown>) => Optimizer;
const makers: Record<string, Make> = {
  sgd: (p, o) => new SGD(p, { lr: o.lr as number, momentum: o.momentum as number, dampening: o.dampening as number, nesterov: o.nesterov as boolean, weightDecay: o.weight_decay as number }),
  adam: (p, o) => new Adam(p, { lr: o.lr as number, weightDecay: o.weight_decay as number, betas: o.betas as [number, number] }),
  adamw: (p, o) => new AdamW(p, { lr: o.lr as number, weightDecay: o.weight_decay as number }),
  rmsprop: (p, o) => new RMSprop(p, { lr: o.lr as number, centered: o.centered as boolean, momentum: o.momentum as number, weightDecay: o.weight_decay as number }),
  adagrad: (p, o) => new Adagrad(p, { lr: o.lr as number, lrDecay: o.lr_decay as number, weightDecay: o.weight_decay as number }),
};

for (const [name, setup] of onEachBackend(() => {})) {
  describe(`optimizers (${name})`, () => {
    test('three steps of each optimizer match PyTorch', () => {
      setup();
      for (const [k, c] of Object.entries(cases).filter(([key]) => key.startsWith('optim_'))) {
        const kind = k.slice(6).split('_')[0];
        const p = ft(c.p0, true);
        const opt = makers[kind]([p], c.params);
        for (const g of c.grads) { p.grad = ft(g); opt.step(); }
        assertClose(p.toArray(), c.p.data, { rtol: 1e-4, atol: 1e-6 }, k);
      }
    });
    test('state dict round trip continues identically', () => {
      setup();
      const run = (split: boolean): Float32Array => {
        const p = tensor([1, -2, 3], undefined, { requiresGrad: true });
        let opt = new Adam([['w', p]], { lr: 0.1 });
        for (let i = 0; i < 4; i++) {
          if (split && i === 2) {
            const s = opt.stateDict();
            opt = new Adam([['w', p]], { lr: 0.5 });
            opt.loadStateDict(s);
          }
          p.grad = tensor([0.5 * i, -1, 2]);
          opt.step();
        }
        return p.toArray();
      };
      assert.deepEqual(run(true), run(false));
      const opt = new SGD([['w', tensor([1])]], { lr: 0.1, momentum: 0.9 });
      assert.throws(() => opt.loadStateDict({ tensors: { 'v.momentum_buffer': tensor([1]) }, scalars: {} }), /'v.momentum_buffer' names no parameter/);
    });
    test('gradient clipping by global norm and by value', () => {
      setup();
      const a = tensor([0], undefined, { requiresGrad: true }), b = tensor([0, 0], undefined, { requiresGrad: true });
      a.grad = tensor([3]); b.grad = tensor([4, 0]);
      const norm = clipGradNorm([a, b], 1);
      assertClose([norm], [5]);
      assertClose([...a.grad.toArray(), ...b.grad!.toArray()], [0.6, 0.8, 0], { atol: 1e-5 });
      b.grad = tensor([-3, 0.2]);
      clipGradValue([b], 0.5);
      assert.deepEqual([...b.grad!.toArray()].map((v) => Math.round(v * 10) / 10), [-0.5, 0.2]);
    });
  });
}

test('learning-rate schedules follow their closed forms', () => {
  const opt = () => new SGD([tensor([1])], { lr: 1 });
  const lrs = (s: { step(): void; optimizer: Optimizer }, n: number) => Array.from({ length: n }, () => { s.step(); return s.optimizer.lr; });
  assertClose(lrs(new StepLR(opt(), 2, 0.5), 5), [1, 0.5, 0.5, 0.25, 0.25]);
  assertClose(lrs(new ExponentialLR(opt(), 0.9), 3), [0.9, 0.81, 0.729]);
  assertClose(lrs(new CosineAnnealingLR(opt(), 4, 0), 4), [(1 + Math.cos(Math.PI / 4)) / 2, 0.5, (1 + Math.cos(3 * Math.PI / 4)) / 2, 0], { atol: 1e-6 });
  const w = new LinearWarmupLR(opt(), 4, 0.2);
  assertClose([w.optimizer.lr, ...lrs(w, 5)], [0.2, 0.4, 0.6, 0.8, 1, 1]);
});
