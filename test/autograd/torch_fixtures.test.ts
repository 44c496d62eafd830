import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as F from '../../src/autograd/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { BatchNorm1d, BatchNorm2d, bceWithLogits, crossEntropy, crossEntropyOfLogProbs, mseLoss } from '../../src/nn/index.js';
import { assertClose, ft, onEachBackend, torchFixtures, type FixtureCase } from '../helpers.js';

// Golden values from PyTorch 1.13 (scripts/make_torch_fixtures.py), compared at ~1e-4 relative.
const cases = torchFixtures();
const tol = { rtol: 1e-4, atol: 1e-4 };
const named = (prefix: string): [string, FixtureCase][] => Object.entries(cases).filter(([k]) => k.startsWith(prefix));

for (const [name, setup] of onEachBackend(() => {})) {
  describe(`PyTorch fixtures (${name})`, () => {
    test('conv2d forward and backward: stride, padding (incl. same), dilation, groups, depthwise', () => {
      setup();
      for (const [k, c] of named('conv_')) {
        const x = ft(c.x, true), w = ft(c.w, true), b = c.b ? ft(c.b, true) : null;
        const p = c.params;
        const y = F.conv2d(x, w, b, { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups });
        assertClose(y.toArray(), c.y.data, tol, `${k}.y`);
        y.backward(ft(c.g));
        assertClose(x.grad!.toArray(), c.gx.data, tol, `${k}.gx`);
        assertClose(w.grad!.toArray(), c.gw.data, tol, `${k}.gw`);
        if (b) assertClose(b.grad!.toArray(), c.gb.data, tol, `${k}.gb`);
      }
    });
    test('max, average and adaptive average pooling', () => {
      setup();
      for (const [k, c] of [...named('maxpool'), ...named('avgpool'), ...named('adaptive')]) {
        const x = ft(c.x, true), p = c.params;
        const y = k.startsWith('max') ? F.maxPool2d(x, p.kernel, { stride: p.stride ?? undefined, padding: p.padding })
          : k.startsWith('avg') ? F.avgPool2d(x, p.kernel, { stride: p.stride ?? undefined, padding: p.padding, countIncludePad: p.countIncludePad })
            : F.adaptiveAvgPool2d(x, p.kernel);
        assertClose(y.toArray(), c.y.data, tol, `${k}.y`);
        y.backward(ft(c.g));
        assertClose(x.grad!.toArray(), c.gx.data, tol, `${k}.gx`);
      }
    });
    test('batch norm in training and evaluation mode, with running statistics', () => {
      setup();
      for (const [k, c] of named('batchnorm')) {
        const C = c.gamma.shape[0];
        const bn = k.startsWith('batchnorm2d') ? new BatchNorm2d(C) : new BatchNorm1d(C);
        bn.loadStateDict({ weight: ft(c.gamma), bias: ft(c.beta), running_mean: ft(c.running_mean), running_var: ft(c.running_var), num_batches_tracked: ft({ shape: [], data: [0] }) });
        bn.train(c.params.training);
        const x = ft(c.x, true);
        const y = bn.forward(x);
        assertClose(y.toArray(), c.y.data, tol, `${k}.y`);
        y.backward(ft(c.g));
        assertClose(x.grad!.toArray(), c.gx.data, { rtol: 1e-3, atol: 1e-4 }, `${k}.gx`);
        assertClose(bn.weight.grad!.toArray(), c.ggamma.data, tol, `${k}.ggamma`);
        assertClose(bn.bias.grad!.toArray(), c.gbeta.data, tol, `${k}.gbeta`);
        assertClose(bn.runningMean.toArray(), c.new_running_mean.data, tol, `${k}.running_mean`);
        assertClose(bn.runningVar.toArray(), c.new_running_var.data, tol, `${k}.running_var`);
      }
    });
    test('activations, softmax and log-softmax', () => {
      setup();
      const fns: Record<string, (x: Tensor) => Tensor> = {
        relu: F.relu, leaky_relu: (x) => F.leakyRelu(x, 0.1), elu: (x) => F.elu(x, 1), sigmoid: F.sigmoid,
        tanh: F.tanh, silu: F.silu, softmax: (x) => F.softmax(x), log_softmax: (x) => F.logSoftmax(x),
      };
      for (const [k, f] of Object.entries(fns)) {
        const c = cases[`act_${k}`];
        const x = ft(c.x, true);
        const y = f(x);
        assertClose(y.toArray(), c.y.data, tol, `${k}.y`);
        y.backward(ft(c.g));
        assertClose(x.grad!.toArray(), c.gx.data, tol, `${k}.gx`);
      }
    });
    test('cross-entropy with label smoothing and class weights; MSE; BCE with logits', () => {
      setup();
      for (const [k, c] of named('ce_')) {
        const z = ft(c.logits, true);
        const loss = crossEntropy(z, c.target, { labelSmoothing: c.params.labelSmoothing, weight: c.weight ? ft(c.weight) : undefined });
        assertClose([loss.item()], [c.loss], tol, `${k}.loss`);
        loss.backward();
        assertClose(z.grad!.toArray(), c.glogits.data, tol, `${k}.grad`);
        // the same through log-probabilities computed first (as mixup shares one log_softmax between two targets)
        const z2 = ft(c.logits, true);
        const loss2 = crossEntropyOfLogProbs(F.logSoftmax(z2, 1), c.target, { labelSmoothing: c.params.labelSmoothing, weight: c.weight ? ft(c.weight) : undefined });
        assertClose([loss2.item()], [c.loss], tol, `${k}.loss of log-probabilities`);
        loss2.backward();
        assertClose(z2.grad!.toArray(), c.glogits.data, tol, `${k}.grad of log-probabilities`);
      }
      for (const [k, f] of [['mse', mseLoss], ['bce_logits', bceWithLogits]] as const) {
        const c = cases[k];
        const x = ft(c.x, true);
        const loss = f(x, ft(c.target));
        assertClose([loss.item()], [c.loss], tol, `${k}.loss`);
        loss.backward();
        assertClose(x.grad!.toArray(), c.gx.data, tol, `${k}.gx`);
      }
    });
    test('linear layer as matmul + bias', () => {
      setup();
      const c = cases.linear;
      const x = ft(c.x, true), w = ft(c.w, true), b = ft(c.b, true);
      const y = F.add(F.matmul(x, w, false, true), b);
      assertClose(y.toArray(), c.y.data, tol, 'linear.y');
      y.backward(ft(c.g));
      assertClose(x.grad!.toArray(), c.gx.data, tol, 'linear.gx');
      assertClose(w.grad!.toArray(), c.gw.data, tol, 'linear.gw');
      assertClose(b.grad!.toArray(), c.gb.data, tol, 'linear.gb');
    });
  });
}
