import { mul, flatten } from '../../autograd/ops/index.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

/**
 * Inverted dropout (Srivastava et al. 2014): in training, zero each value with
 * probability p and scale the rest by 1/(1-p), so evaluation needs no change.
 * Written as x · mask, so its backward is mul's.
 */
export function dropout(x: Tensor, p: number, training: boolean, g: Generator = defaultGenerator): Tensor {
  if (p < 0 || p >= 1) throw new RangeError(`dropout: p = ${p} must be in [0, 1)`);
  if (!training || p === 0) return x;
  const m = new Float32Array(x.size);
  const keep = 1 / (1 - p);
  for (let i = 0; i < m.length; i++) m[i] = g.random() >= p ? keep : 0;
  return mul(x, new Tensor(x.backend.fromArray(m), x.shape, x.backend));
}

export class Dropout extends Module {
  constructor(readonly p = 0.5, readonly generator?: Generator) {
    super();
    if (p < 0 || p >= 1) throw new RangeError(`Dropout: p = ${p} must be in [0, 1)`);
  }
  forward(x: Tensor): Tensor { return dropout(x, this.p, this.training, this.generator); }
  protected override extraRepr(): string { return `p=${this.p}`; }
}

/** [N, ...] → [N, prod(...)] (NHWC flattens in h, w, c order). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) { super(); }
  forward(x: Tensor): Tensor { return flatten(x, this.startDim, this.endDim); }
}
