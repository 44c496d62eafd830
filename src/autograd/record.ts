import type { GradFn } from '../tensor/tensor.js';
import { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from '../tensor/grad_mode.js';
import type { Storage } from '../backend/backend.js';
import { fmt, ShapeError } from '../backend/shape.js';

/**
 * Wrap a backend result as the output of `op`, and — when grad is on and an
 * input needs it — remember the inputs and the backward closure.
 * This is the whole tape: each output points to how it was made.
 */
export function record(op: string, storage: Storage, shape: readonly number[], inputs: readonly Tensor[],
  backward: GradFn['backward']): Tensor {
  const out = new Tensor(storage, shape, inputs[0].backend);
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.gradFn = { op, inputs, backward };
  }
  return out;
}

/** A number becomes a scalar tensor on the same backend as `like`. */
export function asTensor(x: Tensor | number, like: Tensor): Tensor {
  if (x instanceof Tensor) {
    if (x.backend !== like.backend) throw new Error(`tensors live on different backends (${like.backend.name} and ${x.backend.name})`);
    return x;
  }
  return new Tensor(like.backend.fromArray([x]), [], like.backend);
}

/** An axis index, with negatives counted from the end, checked against the rank. */
export function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ShapeError(`${op}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export function checkRank(t: Tensor, rank: number, op: string, what: string): void {
  if (t.rank !== rank) throw new ShapeError(`${op}: expected ${what} of rank ${rank}, got ${t}${t.name ? '' : ` with shape ${fmt(t.shape)}`}`);
}
