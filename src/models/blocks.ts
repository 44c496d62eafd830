import { Tensor } from '../tensor/tensor.js';
import { activation } from '../nn/layers/activation.js';
import { Conv2d } from '../nn/layers/conv.js';
import { BatchNorm2d } from '../nn/layers/norm.js';
import { Module, Sequential } from '../nn/module.js';

/**
 * conv (no bias) → batch norm → activation: the unit most modern CNNs are built from
 * (torchvision's Conv2dNormActivation). Padding keeps the size at stride 1.
 */
export function convBnAct(inC: number, outC: number, kernel: number, o: { stride?: number; groups?: number; act?: string | null; eps?: number } = {}): Sequential {
  const layers: Module[] = [
    new Conv2d(inC, outC, kernel, { stride: o.stride ?? 1, padding: Math.floor((kernel - 1) / 2), groups: o.groups ?? 1, bias: false }),
    new BatchNorm2d(outC, { eps: o.eps ?? 1e-5 }),
  ];
  if (o.act !== null) layers.push(activation(o.act ?? 'relu'));
  return new Sequential(...layers);
}

/** Round channels to a multiple of `divisor` without going below 90% (torchvision's _make_divisible). */
export function makeDivisible(v: number, divisor = 8): number {
  let n = Math.max(divisor, Math.floor(v + divisor / 2) - (Math.floor(v + divisor / 2) % divisor));
  if (n < 0.9 * v) n += divisor;
  return n;
}

/** y = body(x) + x when `residual`, else body(x). */
export class Residual extends Module {
  constructor(readonly body: Sequential, readonly residual: boolean) { super(); this.addModule('block', body); }
  forward(x: Tensor): Tensor { const y = this.body.forward(x); return this.residual ? y.add(x) : y; }
}
