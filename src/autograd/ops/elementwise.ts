import type { BinaryOp, UnaryOp } from '../../backend/backend.js';
import { broadcastShapes } from '../../backend/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { asTensor, record } from '../record.js';
import { sumTo } from './reduce.js';

type T = Tensor | number;

/** Run a broadcasting binary kernel; no graph. */
function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, op);
  return new Tensor(a.backend.binary(op, a.storage, a.shape, b.storage, b.shape), shape, a.backend);
}

/**
 * Define a differentiable binary op: the forward is the kernel, the backward
 * gives (g·∂f/∂a, g·∂f/∂b), each summed back to its input's shape (broadcasting's adjoint).
 */
function binaryOp(op: BinaryOp, grads: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null]) {
  return (x: T, y: T): Tensor => {
    const a = x instanceof Tensor ? x : asTensor(x, y as Tensor);
    const b = asTensor(y, a);
    const shape = broadcastShapes(a.shape, b.shape, op);
    const out: Tensor = record(op, a.backend.binary(op, a.storage, a.shape, b.storage, b.shape), shape, [a, b], (g) => {
      const [ga, gb] = grads(g, a, b, out);
      return [ga && a.requiresGrad ? sumTo(ga, a.shape) : null, gb && b.requiresGrad ? sumTo(gb, b.shape) : null];
    });
    return out;
  };
}

/** a + b;  ∂/∂a = 1, ∂/∂b = 1 */
export const add = binaryOp('add', (g) => [g, g]);
/** a - b;  ∂/∂a = 1, ∂/∂b = -1 */
export const sub = binaryOp('sub', (g) => [g, neg(g)]);
/** a · b;  ∂/∂a = b, ∂/∂b = a */
export const mul = binaryOp('mul', (g, a, b) => [mul(g, b), mul(g, a)]);
/** a / b;  ∂/∂a = 1/b, ∂/∂b = -a/b² */
export const div = binaryOp('div', (g, a, b) => [div(g, b), b.requiresGrad ? neg(div(mul(g, a), mul(b, b))) : null]);
/** aᵇ;  ∂/∂a = b·aᵇ⁻¹, ∂/∂b = aᵇ·ln a */
export const pow = binaryOp('pow', (g, a, b, out) => [
  a.requiresGrad ? mul(g, mul(b, pow(a, sub(b, 1)))) : null,
  b.requiresGrad ? mul(g, mul(out, log(a))) : null,
]);
/** max(a, b) element-wise; the gradient goes to the larger one (split evenly on ties, as PyTorch does). */
export const maximum = binaryOp('maximum', (g, a, b) => {
  const wa = add(binaryRaw('gt', a, b), mul(binaryRaw('eq', a, b), 0.5));
  return [mul(g, wa), mul(g, sub(1, wa))];
});
/** min(a, b) element-wise. */
export const minimum = binaryOp('minimum', (g, a, b) => {
  const wa = add(binaryRaw('lt', a, b), mul(binaryRaw('eq', a, b), 0.5));
  return [mul(g, wa), mul(g, sub(1, wa))];
});

/** Comparisons give 1 or 0 and carry no gradient. */
export const eq = (a: Tensor, b: T): Tensor => binaryRaw('eq', a, asTensor(b, a));
export const gt = (a: Tensor, b: T): Tensor => binaryRaw('gt', a, asTensor(b, a));
export const lt = (a: Tensor, b: T): Tensor => binaryRaw('lt', a, asTensor(b, a));
export const ge = (a: Tensor, b: T): Tensor => binaryRaw('ge', a, asTensor(b, a));
export const le = (a: Tensor, b: T): Tensor => binaryRaw('le', a, asTensor(b, a));

/**
 * Define a differentiable unary op whose backward is a backend kernel
 * (`unaryBackward` holds f' next to f, so native backends can fuse it).
 */
export function unaryOp(op: UnaryOp) {
  return (x: Tensor, a = 0, b = 0): Tensor => {
    const B = x.backend;
    const y = B.unary(op, x.storage, a, b);
    return record(op, y, x.shape, [x], (g) => [new Tensor(B.unaryBackward(op, x.storage, y, g.storage, a, b), x.shape, B)]);
  };
}

/** -x */
export const neg = (x: Tensor): Tensor => unaryOp('neg')(x);
/** eˣ;  d/dx = eˣ */
export const exp = (x: Tensor): Tensor => unaryOp('exp')(x);
/** ln x;  d/dx = 1/x */
export const log = (x: Tensor): Tensor => unaryOp('log')(x);
/** √x;  d/dx = 1/(2√x) */
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt')(x);
/** |x|;  d/dx = sign(x) */
export const abs = (x: Tensor): Tensor => unaryOp('abs')(x);
/** sign(x), no gradient. */
export const sign = (x: Tensor): Tensor => new Tensor(x.backend.unary('sign', x.storage), x.shape, x.backend);
/** x^p for a constant p;  d/dx = p·x^(p-1) */
export const powScalar = (x: Tensor, p: number): Tensor => unaryOp('pow')(x, p);
/** min(max(x, lo), hi);  d/dx = 1 inside [lo, hi], 0 outside */
export const clamp = (x: Tensor, lo = -Infinity, hi = Infinity): Tensor => unaryOp('clamp')(x, lo, hi);

/**
 * cond ? a : b, element-wise with broadcasting; cond is 0/1 and carries no gradient.
 * @example where(gt(x, 0), x, 0)   // ReLU written by hand
 */
export function where(cond: Tensor, x: T, y: T): Tensor {
  const a = asTensor(x, cond), b = asTensor(y, cond);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
  const B = cond.backend;
  const zero = asTensor(0, cond);
  return record('where', B.where(cond.storage, cond.shape, a.storage, a.shape, b.storage, b.shape, shape), shape, [a, b], (g) => [
    a.requiresGrad ? sumTo(where(cond, g, zero), a.shape) : null,
    b.requiresGrad ? sumTo(where(cond, zero, g), b.shape) : null,
  ]);
}
