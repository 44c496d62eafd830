import { Tensor } from '../../tensor/tensor.js';
import { normAxis, record } from '../record.js';
import { unaryOp } from './elementwise.js';
import { transpose } from './shape.js';

// Each activation's derivative sits beside its forward in the backend's
// unary/unaryBackward kernels (reference/elementwise.ts); here we name them.

/** max(0, x);  d/dx = 1 if x > 0 else 0 */
export const relu = (x: Tensor): Tensor => unaryOp('relu')(x);
/** x if x > 0 else αx;  d/dx = 1 or α */
export const leakyRelu = (x: Tensor, slope = 0.01): Tensor => unaryOp('leaky_relu')(x, slope);
/** x if x > 0 else α(eˣ - 1);  d/dx = 1 or y + α */
export const elu = (x: Tensor, alpha = 1): Tensor => unaryOp('elu')(x, alpha);
/** σ(x) = 1 / (1 + e⁻ˣ);  d/dx = σ(1 - σ) */
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid')(x);
/** tanh x;  d/dx = 1 - tanh² x */
export const tanh = (x: Tensor): Tensor => unaryOp('tanh')(x);
/** x·σ(x) (a.k.a. swish);  d/dx = σ(1 + x(1 - σ)) */
export const silu = (x: Tensor): Tensor => unaryOp('silu')(x);

function softmaxOp(x: Tensor, axis: number, log: boolean): Tensor {
  const a = normAxis(axis, x.rank, log ? 'logSoftmax' : 'softmax');
  if (a !== x.rank - 1) return transpose(softmaxOp(transpose(x, a, -1), -1, log), a, -1);
  const B = x.backend;
  const cols = x.shape[x.rank - 1], rows = x.size / Math.max(cols, 1);
  const y = B.softmax(x.storage, rows, cols, log);
  return record(log ? 'logSoftmax' : 'softmax', y, x.shape, [x], (g) => [
    new Tensor(B.softmaxBackward(g.storage, y, rows, cols, log), x.shape, B),
  ]);
}

/** e^(x_j) / Σ_k e^(x_k) along an axis (the last by default), computed stably. */
export const softmax = (x: Tensor, axis = -1): Tensor => softmaxOp(x, axis, false);
/** log softmax, computed as x - logsumexp(x) so it never takes log(0). */
export const logSoftmax = (x: Tensor, axis = -1): Tensor => softmaxOp(x, axis, true);
